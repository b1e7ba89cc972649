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


def test_seed_network_commands_and_name_resolution(ip, client, cleanup, images):
    import random

    net = cleanup.name("dm-net")
    third = random.randint(150, 250)
    a, b = cleanup.name("dm-a"), cleanup.name("dm-b")
    ip.run_cell_magic("docker", "", f"""docker network create --driver bridge \\
  --subnet 192.168.{third}.0/24 --gateway 192.168.{third}.1 {net}
docker run -d --name {a} --network {net} debian:bookworm sleep 60
docker run -d --name {b} debian:bookworm sleep 60
docker network connect --alias other {net} {b}
""")
    n = client.networks.get(net)
    cleanup.network(n)
    for c in (a, b):
        cleanup.container(client.containers.get(c))
    assert n.attrs["IPAM"]["Config"][0]["Gateway"] == f"192.168.{third}.1"
    [row] = ip.run_line_magic("docker", f"network inspect {net}").rows
    assert {c["name"] for c in row["containers"]} == {a, b}
    assert net in [r["name"] for r in ip.run_line_magic("docker", "network ls").rows]
    code, out = client.containers.get(a).exec_run(["getent", "hosts", "other"])
    assert code == 0 and f"192.168.{third}." in out.decode()


def test_run_it_streams_output_attached(ip, client, cleanup, images, capsys):
    name = cleanup.name("dm-it")
    ip.run_line_magic("docker", f"run -it --name {name} debian:bookworm sh -c 'echo one; echo two'")
    cleanup.container(client.containers.get(name))
    out = capsys.readouterr().out
    assert "one\ntwo" in out
    assert client.containers.get(name).status == "exited"


def test_interrupt_detaches_and_leaves_container_running(client, cleanup, images):
    from dockermagic.running import run

    name = cleanup.name("dm-int")
    said = []

    def say(line):
        said.append(line)
        if line == "ready":
            raise KeyboardInterrupt  # what the notebook's stop button does mid-stream

    c = run("debian:bookworm", ["sh", "-c", "echo ready; sleep 60"], client=client, name=name, say=say)
    cleanup.container(c)
    c.reload()
    assert c.status == "running"
    assert said[-1].startswith("Detached") and f"%docker stop {name}" in said[-1]
