import pytest
from IPython.core.error import UsageError


def test_ps_lists_a_labelled_container(ip, client, cleanup, images):
    name = cleanup.name("dm-ps")
    c = client.containers.run("debian:bookworm", ["sleep", "60"], name=name, detach=True,
                              labels=cleanup.labels)
    cleanup.container(c)
    result = ip.run_line_magic("docker", f"ps --filter name={name}")
    assert [r["name"] for r in result.rows] == [name]
    assert "bridge" in result.rows[0]["networks"] and result.rows[0]["ips"]
    assert name in result._repr_html_() and name in repr(result)
    assert list(result.to_frame()["name"]) == [name]


def test_unknown_flag_and_subcommand_are_usage_errors(ip):
    with pytest.raises(UsageError, match="--bogus"):
        ip.run_line_magic("docker", "ps --bogus")
    with pytest.raises(UsageError, match="frobnicate"):
        ip.run_cell_magic("docker", "", "docker frobnicate\n")
