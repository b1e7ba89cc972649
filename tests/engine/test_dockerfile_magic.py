import pytest
from IPython.core.error import UsageError

from dockermagic.build import build_command


def test_single_and_multistage_with_target_and_buildarg(ip, client, cleanup, tmp_path, images):
    tag = cleanup.name("dmbuild") + ":t"
    cleanup.image(tag)
    cell = ("FROM debian:bookworm AS one\nARG GREETING=none\nRUN echo $GREETING > /g\n"
            "FROM debian:bookworm AS two\nCOPY --from=one /g /g2\n")
    res = ip.run_cell_magic("dockerfile", f"-t {tag} --target one --build-arg GREETING=hi --context {tmp_path}", cell)
    assert res.steps == 3 and res.tags == [tag]
    out = client.containers.run(tag, ["cat", "/g"], remove=True, labels=cleanup.labels)
    assert out.strip() == b"hi"


def test_file_option_saves_and_docker_build_uses_it(ip, client, cleanup, tmp_path, images):
    tag = cleanup.name("dmbuild") + ":dev"
    cleanup.image(tag)
    ip.run_cell_magic("dockerfile", f"-f Dockerfile.dev --context {tmp_path} -t {tag}",
                      "FROM debian:bookworm\nLABEL which=dev\n")
    assert (tmp_path / "Dockerfile.dev").exists()
    res = build_command(["-f", "Dockerfile.dev", "-t", tag, "."], client=client, cwd=str(tmp_path))
    assert client.images.get(tag).labels["which"] == "dev" and res.cache_hits >= 1


def test_broken_build_names_step_and_leaves_no_container(ip, client, cleanup, tmp_path, images):
    before = {c.id for c in client.containers.list(all=True, sparse=True)}
    with pytest.raises(UsageError, match=r"step 2 \(RUN false-command-xyz\)"):
        ip.run_cell_magic("dockerfile", f"--context {tmp_path}", "FROM debian:bookworm\nRUN false-command-xyz\n")
    after = {c.id for c in client.containers.list(all=True, sparse=True)}
    new = [client.containers.get(i) for i in after - before]
    assert not [c for c in new if c.attrs.get("Config", {}).get("Image", "").startswith("sha256")]
