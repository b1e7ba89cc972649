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


def test_seed_postgres_run_ps_stop(ip, client, cleanup, images, port_5433, tmp_path, monkeypatch):
    import time

    import psycopg2

    monkeypatch.chdir(tmp_path)
    name = cleanup.name("dm-pg")
    cell = f'''docker run -d --name {name} \\
  -e POSTGRES_USER="root" \\
  -e POSTGRES_PASSWORD="root" \\
  -e POSTGRES_DB="ny_taxi" \\
  -v "$(pwd)/ny_taxi_postgres_data:/var/lib/postgresql/data" \\
  -p 127.0.0.1:5433:5432 \\
  postgres:13
'''
    ip.run_cell_magic("docker", "", cell)
    c = client.containers.get(name)
    cleanup.container(c)
    from dockermagic.client import default_labels

    assert default_labels() and c.labels.items() >= default_labels().items()
    mounts = {m["Destination"]: m["Source"] for m in c.attrs["Mounts"]}
    assert mounts["/var/lib/postgresql/data"] == str(tmp_path / "ny_taxi_postgres_data")
    deadline = time.time() + 30
    while True:
        try:
            conn = psycopg2.connect(host="127.0.0.1", port=5433, user="root", password="root", dbname="ny_taxi")
            break
        except psycopg2.OperationalError:
            if time.time() > deadline:
                raise
            time.sleep(0.3)
    conn.close()
    rows = ip.run_line_magic("docker", f"ps --filter name={name}").rows
    assert rows[0]["ports"] == ["127.0.0.1:5433->5432/tcp"]
    ip.run_line_magic("docker", f"stop {c.id[:12]}")
    c.reload()
    assert c.status == "exited"
