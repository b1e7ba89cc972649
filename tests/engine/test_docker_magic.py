import pytest
from IPython.core.error import UsageError

from dockermagic.errors import Interrupted


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
    assert "no terminal" in out and "interrupt the cell to detach" in out  # -it is explained, not ignored
    assert client.containers.get(name).status == "exited"


def test_interrupt_detaches_and_leaves_container_running(client, cleanup, images):
    from dockermagic.engine.running import run

    name = cleanup.name("dm-int")
    said = []

    def say(line):
        said.append(line)
        if line == "ready":
            raise KeyboardInterrupt  # what the notebook's stop button does mid-stream

    with pytest.raises(Interrupted) as info:
        run("debian:bookworm", ["sh", "-c", "echo ready; sleep 60"], client=client, name=name, say=say)
    c = cleanup.container(info.value.partial)
    c.reload()
    assert c.status == "running" and said[-1] == "ready"
    assert f"container {name} keeps running" in str(info.value) and f"%docker stop {name}" in str(info.value)


def test_lifecycle_rm_start_restart_kill(ip, client, cleanup, images):
    name = cleanup.name("dm-life")
    ip.run_line_magic("docker", f"run -d --name {name} debian:bookworm sleep 300")
    c = client.containers.get(name)
    cleanup.container(c)
    ip.run_line_magic("docker", f"kill {name}")
    c.reload()
    assert c.status == "exited"
    ip.run_line_magic("docker", f"start {name}")
    c.reload()
    assert c.status == "running"
    started = c.attrs["State"]["StartedAt"]
    ip.run_line_magic("docker", f"restart -t 0 {name}")
    c.reload()
    assert c.status == "running" and c.attrs["State"]["StartedAt"] != started
    with pytest.raises(UsageError, match="stop the container|cannot remove|running"):
        ip.run_line_magic("docker", f"rm {name}")
    ip.run_line_magic("docker", f"rm -f -v {name}")
    assert not client.containers.list(all=True, filters={"name": name})
    with pytest.raises(UsageError, match=name):
        ip.run_line_magic("docker", f"start {name}")


def test_logs_tail_timestamps_and_follow(ip, client, cleanup, images, capsys):
    name = cleanup.name("dm-logs")
    ip.run_line_magic("docker", f"run -d --name {name} debian:bookworm sh -c 'for i in 1 2 3 4 5; do echo line$i; done'")
    c = client.containers.get(name)
    cleanup.container(c)
    c.wait(timeout=30)
    capsys.readouterr()
    r = ip.run_line_magic("docker", f"logs --tail 2 {name}")
    assert r == ["line4", "line5"] and r.text == "line4\nline5"
    assert capsys.readouterr().out == ""  # not printed: the result displays it (once)
    assert "line5" in r._repr_html_() and list(r.to_frame()["line"]) == ["line4", "line5"]
    [out] = ip.run_line_magic("docker", f"logs -t -n 1 {name}")
    assert out.endswith(" line5") and out[:4].isdigit() and "T" in out.split()[0]
    frame = ip.run_line_magic("docker", f"logs -t {name}").to_frame()
    assert list(frame["line"]) == [f"line{i}" for i in range(1, 6)] and frame["timestamp"].dt.year.min() >= 2024
    with pytest.raises(UsageError, match="--tail"):
        ip.run_line_magic("docker", f"logs --tail lots {name}")


def test_logs_follow_streams_until_interrupt(client, cleanup, images):
    from dockermagic.engine.lifecycle import logs

    c = client.containers.run("debian:bookworm", ["sh", "-c", "echo first; sleep 1; echo second; sleep 60"],
                              detach=True, labels=cleanup.labels)
    cleanup.container(c)
    said = []

    def say(line):
        said.append(line)
        if line == "second":
            raise KeyboardInterrupt  # the stop button, after the second line arrived live

    with pytest.raises(Interrupted) as info:
        logs(c.id, client=client, follow=True, say=say)
    assert said == ["first", "second"] and info.value.partial == ["first", "second"]
    assert "keeps running" in str(info.value) and "%docker stop" in str(info.value)
    c.reload()
    assert c.status == "running"


def test_exec_streams_output_and_returns_exit_code(ip, client, cleanup, images, capsys):
    name = cleanup.name("dm-exec")
    c = client.containers.run("debian:bookworm", ["sleep", "60"], name=name, detach=True, labels=cleanup.labels)
    cleanup.container(c)
    r = ip.run_line_magic("docker", f"exec -e GREETING=hi -w /tmp -u nobody {name} "
                                    "sh -c 'echo $GREETING; pwd; id -un; exit 3'")
    assert r.exit_code == 3
    assert capsys.readouterr().out.split() == ["hi", "/tmp", "nobody"]
    assert ip.run_line_magic("docker", f"exec -it {name} true").exit_code == 0
    with pytest.raises(UsageError, match="container and a command"):
        ip.run_line_magic("docker", f"exec {name}")


def test_output_of_run_logs_and_exec_masks_secrets(ip, cleanup, images, capsys):
    name = cleanup.name("dm-mask")
    ip.run_line_magic("docker", f"run --name {name} -e API_TOKEN=tok123 -e PLAIN=visible debian:bookworm env")
    cleanup.container(name)
    ip.run_line_magic("docker", f"run -d --name {name}-up -e API_TOKEN=tok123 debian:bookworm "
                                "sh -c 'API_TOKEN=tok123 sleep 60; true'")
    cleanup.container(f"{name}-up")
    logs = ip.run_line_magic("docker", f"logs {name}")
    execd = ip.run_line_magic("docker", f"exec {name}-up env")
    [row] = ip.run_line_magic("docker", f"ps --filter name={name}-up").rows
    top = ip.run_line_magic("docker", f"top {name}-up")
    assert "sleep 60" in row["command"] and any("sleep 60" in str(r) for r in top.rows)
    shown = capsys.readouterr().out + logs.text + execd.output + row["command"] + repr(top) + top._repr_html_()
    assert "API_TOKEN=••••••" in shown and "PLAIN=visible" in shown
    assert "tok123" not in shown


def test_volumes_an_image_declares_carry_the_labels(ip, client, cleanup, images, tmp_path):
    import io

    tag = cleanup.image(cleanup.name("dm-volimg") + ":1")
    client.images.build(fileobj=io.BytesIO(b"FROM debian:bookworm\nVOLUME /data /cache\n"), tag=tag,
                        labels=cleanup.labels, rm=True)
    name = cleanup.name("dm-vol")
    ip.run_line_magic("docker", f"run -d --name {name} -v {tmp_path}:/data {tag} sleep 60")
    mounts = {m["Destination"]: m for m in client.api.inspect_container(name)["Mounts"]}
    assert mounts["/data"]["Type"] == "bind"  # -v covers /data: no volume made for it
    cache = client.volumes.get(mounts["/cache"]["Name"])
    assert cache.attrs["Labels"]["org.dockermagic.created-by"] == "dockermagic"
    client.api.remove_container(name, force=True, v=True)


def test_inspect_masks_secrets_for_every_kind(ip, client, cleanup, images):
    name = cleanup.name("dm-insp")
    ip.run_line_magic("docker", f"run -d --name {name} -e POSTGRES_PASSWORD=s3cr3tvalue -e PLAIN=visible "
                                "debian:bookworm sleep 60")
    c = client.containers.get(name)
    cleanup.container(c)
    assert "POSTGRES_PASSWORD=s3cr3tvalue" in c.attrs["Config"]["Env"]  # the engine does hold it
    for line in (f"inspect {name}", f"container inspect {name}", f"inspect --type container {name}"):
        r = ip.run_line_magic("docker", line)
        assert r[0]["Id"] == c.id
        for shown in (repr(r), r._repr_html_(), str(r.data)):
            assert "s3cr3tvalue" not in shown and "PLAIN=visible" in shown
    net = cleanup.name("dm-inet")
    ip.run_line_magic("docker", f"network create {net}")
    cleanup.network(net)
    vol = cleanup.name("dm-ivol")
    ip.run_line_magic("docker", f"volume create {vol}")
    assert ip.run_line_magic("docker", f"inspect {net}")[0]["Id"] == client.networks.get(net).id
    assert ip.run_line_magic("docker", f"inspect {vol}")[0]["Name"] == vol
    img = ip.run_line_magic("docker", "image inspect debian:bookworm")[0]
    assert img["Id"] == client.images.get("debian:bookworm").id
    with pytest.raises(UsageError, match="no-such-thing"):
        ip.run_line_magic("docker", "inspect no-such-thing-dm")
    with pytest.raises(UsageError, match="--type"):
        ip.run_line_magic("docker", f"inspect --type bogus {name}")


def test_volume_create_ls_inspect_rm(ip, client, cleanup):
    from dockermagic.client import default_labels

    vol = cleanup.name("dm-vol")
    ip.run_line_magic("docker", f"volume create --label purpose=test {vol}")
    v = client.volumes.get(vol)
    assert v.attrs["Labels"]["purpose"] == "test"
    assert v.attrs["Labels"].items() >= default_labels().items()
    listed = ip.run_line_magic("docker", f"volume ls -f name={vol}")
    assert [r["name"] for r in listed.rows] == [vol] and vol in listed._repr_html_()
    assert list(listed.to_frame()["name"]) == [vol]
    assert ip.run_line_magic("docker", f"volume inspect {vol}")[0]["Mountpoint"] == v.attrs["Mountpoint"]
    ip.run_line_magic("docker", f"volume rm {vol}")
    assert not [x for x in client.volumes.list() if x.name == vol]
    with pytest.raises(UsageError, match=vol):
        ip.run_line_magic("docker", f"volume rm {vol}")


def test_images_version_info(ip, client, images):
    t = ip.run_line_magic("docker", "images debian")
    expected = client.images.get("debian:bookworm").id.split(":")[1][:12]
    assert {"repository": "debian", "tag": "bookworm"}.items() <= next(
        r for r in t.rows if r["tag"] == "bookworm").items()
    assert expected in [r["image_id"] for r in t.rows] and "bookworm" in repr(t)
    v = ip.run_line_magic("docker", "version")
    assert client.version()["Version"] in [r["version"] for r in v.rows]
    i = ip.run_line_magic("docker", "info")
    assert {r["key"]: r["value"] for r in i.rows}["ServerVersion"] == client.info()["ServerVersion"]
    with pytest.raises(UsageError, match="no arguments"):
        ip.run_line_magic("docker", "version extra")


def test_exec_interrupt_stops_following(client, cleanup, images):
    from dockermagic.engine.lifecycle import exec_

    c = client.containers.run("debian:bookworm", ["sleep", "60"], detach=True, labels=cleanup.labels)
    cleanup.container(c)
    said = []

    def say(line):
        said.append(line)
        if line == "go":
            raise KeyboardInterrupt

    with pytest.raises(Interrupted) as info:
        exec_(c.id, ["sh", "-c", "echo go; sleep 30"], client=client, say=say)
    r = info.value.partial
    assert r.exit_code is None and repr(r) == "<exec still running>" and r.lines == ["go"]
    assert said == ["go"] and "keeps running inside" in str(info.value)


def test_usage_lists_the_subcommands(ip):
    doc = ip.find_line_magic("docker").__doc__
    for sub in ("exec", "logs", "inspect", "volume", "images", "version", "info", "container rm"):
        assert sub in doc


def test_format_and_quiet_for_ps_images_inspect(ip, client, cleanup, images):
    name = cleanup.name("dm-fmt")
    c = client.containers.run("debian:bookworm", ["sleep", "60"], name=name, detach=True,
                              labels=cleanup.labels, environment=["API_TOKEN=tok123"])
    cleanup.container(c)
    out = ip.run_line_magic("docker", f"ps --filter name={name} --format '{{{{.Names}}}}\\t{{{{.State}}}}'")
    assert out.lines == [f"{name}\trunning"]
    assert ip.run_line_magic("docker", f"ps -q --no-trunc --filter name={name}").lines == [c.id]
    assert ip.run_line_magic("docker", f"ps -q --filter name={name}").lines == [c.id[:12]]
    ip_addr = client.api.inspect_container(c.id)["NetworkSettings"]["Networks"]["bridge"]["IPAddress"]
    out = ip.run_line_magic("docker", f"inspect -f '{{{{range .NetworkSettings.Networks}}}}{{{{.IPAddress}}}}"
                                      f"{{{{end}}}}' {name}")
    assert out.lines == [ip_addr]
    env = ip.run_line_magic("docker", f"inspect --format '{{{{json .Config.Env}}}}' {name}")
    assert "API_TOKEN=" in repr(env) and "tok123" not in repr(env)
    assert "tok123" not in repr(ip.run_line_magic("docker", f"inspect --format json {name}"))
    tags = ip.run_line_magic("docker", "images debian --format '{{.Repository}}:{{.Tag}}'")
    assert "debian:bookworm" in tags.lines
    with pytest.raises(UsageError, match="not supported"):
        ip.run_line_magic("docker", f"inspect -f '{{{{if .State}}}}x{{{{end}}}}' {name}")


def test_run_more_flags(ip, client, cleanup, images, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.env").write_text("# settings\nMODE=dev\n\nAPI_KEY=k3y\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "hello.txt").write_text("hi from host\n")
    net, vol = cleanup.name("dm-rnet"), cleanup.name("dm-rvol")
    name, peer = cleanup.name("dm-rflags"), cleanup.name("dm-rpeer")
    ip.run_cell_magic("docker", "", f"""network create {net}
docker run -d --name {name} --env-file app.env --entrypoint sleep --restart on-failure:2 --init -P \\
  --mount type=bind,source=./data,target=/data,readonly --mount type=volume,source={vol},target=/vol \\
  --network {net} --network-alias db-alias debian:bookworm 60
docker run -d --name {peer} --network {net} debian:bookworm sleep 60
""")
    cleanup.network(net)
    c = client.containers.get(name)
    cleanup.container(c)
    cleanup.container(client.containers.get(peer))
    cleanup.volume(vol)
    cfg, host = c.attrs["Config"], c.attrs["HostConfig"]
    assert "MODE=dev" in cfg["Env"] and "API_KEY=k3y" in cfg["Env"]
    assert cfg["Entrypoint"] == ["sleep"] and cfg["Cmd"] == ["60"]
    assert host["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 2}
    assert host["Init"] is True and host["PublishAllPorts"] is True
    code, out = c.exec_run(["cat", "/data/hello.txt"])
    assert code == 0 and out.decode() == "hi from host\n"
    assert c.exec_run(["touch", "/data/x"])[0] != 0  # read-only bind
    assert any(m["Type"] == "volume" and m["Name"] == vol for m in c.attrs["Mounts"])
    code, out = client.containers.get(peer).exec_run(["getent", "hosts", "db-alias"])
    assert code == 0 and out.decode().split()[0] == c.attrs["NetworkSettings"]["Networks"][net]["IPAddress"]
    for bad, msg in (("--restart sometimes", "restart policy"), ("--mount type=bind,target=/x", "source"),
                     ("--env-file missing.env", "missing.env"), ("--network-alias x", "--network")):
        with pytest.raises(UsageError, match=msg):
            ip.run_line_magic("docker", f"run -d {bad} debian:bookworm true")


def test_port_top_stats_tag_rmi_and_logs_since(ip, client, cleanup, images, capsys):
    import time

    name = cleanup.name("dm-obs")
    ip.run_line_magic("docker", f"run -d --name {name} -p 127.0.0.1::8080 -p 127.0.0.1::9090/udp "
                                "debian:bookworm sh -c 'echo early; sleep 3; echo late; sleep 60'")
    c = client.containers.get(name)
    cleanup.container(c)
    c.reload()
    host_port = c.attrs["NetworkSettings"]["Ports"]["8080/tcp"][0]["HostPort"]
    assert ip.run_line_magic("docker", f"port {name} 8080").lines == [f"8080/tcp -> 127.0.0.1:{host_port}"]
    assert len(ip.run_line_magic("docker", f"port {name}").lines) == 2
    top = ip.run_line_magic("docker", f"top {name}")
    assert any("sleep" in r.get("CMD", "") for r in top.rows)
    top = ip.run_line_magic("docker", f"top {name} -o pid,comm")  # ps options pass through, as in the CLI
    assert top.columns == ["PID", "COMMAND"] and "sleep" in list(top.to_frame()["COMMAND"])
    assert "%CPU" in ip.run_line_magic("docker", f"top {name} aux").columns
    with pytest.raises(UsageError, match="ps OPTIONS"):
        ip.run_line_magic("docker", "top")
    [row] = ip.run_line_magic("docker", f"stats --no-stream {name}").rows
    assert row["name"] == name and row["pids"] >= 1 and row["mem_usage_mb"] > 0
    with pytest.raises(UsageError, match="--no-stream"):
        ip.run_line_magic("docker", f"stats {name}")
    import datetime

    started = datetime.datetime.fromisoformat(c.attrs["State"]["StartedAt"][:19] + "+00:00").timestamp()
    time.sleep(max(0.0, started + 4.5 - time.time()))
    assert ip.run_line_magic("docker", f"logs --since {int(started) + 2} {name}") == ["late"]  # between the lines
    assert ip.run_line_magic("docker", f"logs --since 1h {name}") == ["early", "late"]
    assert ip.run_line_magic("docker", f"logs --since 2099-01-01T00:00:00Z {name}") == []
    with pytest.raises(UsageError, match="--since"):
        ip.run_line_magic("docker", f"logs --since yesterday {name}")
    tag = f"dmtest-tag-{name.rsplit('-', 1)[1]}:v1"
    cleanup.image(tag)
    ip.run_line_magic("docker", f"tag debian:bookworm {tag}")
    assert client.images.get(tag).id == client.images.get("debian:bookworm").id
    ip.run_line_magic("docker", f"rmi {tag}")
    assert tag not in [t for i in client.images.list() for t in i.tags]
    assert client.images.get("debian:bookworm")  # only the extra name went


def test_pull_falls_back_to_standin_or_says_why(ip, client, images, capsys):
    how = ip.run_line_magic("docker", "pull hello-world")
    out = capsys.readouterr().out
    assert how in ("pulled", "present", "reused", "built")
    if how != "pulled":  # no registry here: the stand-in is used and said so
        assert "stand-in" in out
    assert client.images.get("hello-world:latest")
    with pytest.raises(UsageError, match="dmtest-no-such-image"):
        ip.run_line_magic("docker", "pull dmtest-no-such-image:1")


def test_prune_needs_force_and_respects_the_label_filter(ip, client, cleanup):
    [(TEST_LABEL, value)] = cleanup.labels.items()
    mine = f"label={TEST_LABEL}={value}"
    net, vol = cleanup.name("dm-pnet"), cleanup.name("dm-pvol")
    keep_net, keep_vol = cleanup.name("dm-knet"), cleanup.name("dm-kvol")
    ip.run_line_magic("docker", f"network create {net}")
    ip.run_line_magic("docker", f"volume create {vol}")
    other = {TEST_LABEL: value + "-other"}  # must survive the filtered prune
    cleanup.network(client.networks.create(keep_net, labels=other))
    cleanup.volume(client.volumes.create(keep_vol, labels=other))
    for kind in ("network", "volume"):
        with pytest.raises(UsageError, match="-f"):
            ip.run_line_magic("docker", f"{kind} prune --filter {mine}")
    assert net in ip.run_line_magic("docker", f"network prune -f --filter {mine}")
    assert vol in ip.run_line_magic("docker", f"volume prune -f --filter {mine}")
    assert not client.networks.list(names=[net]) and client.networks.list(names=[keep_net])
    names = [v.name for v in client.volumes.list()]
    assert vol not in names and keep_vol in names


def test_ps_filter_forms(ip, client, cleanup, images):
    net = cleanup.name("dm-fnet")
    up, down = cleanup.name("dm-fup"), cleanup.name("dm-fdown")
    ip.run_cell_magic("docker", "", f"""network create {net}
run -d --name {up} --network {net} --label role=web debian:bookworm sleep 60
run --name {down} --label role=job debian:bookworm true
""")
    cleanup.network(net)
    cleanup.container(up)
    cleanup.container(down)
    [(key, value)] = cleanup.labels.items()
    mine = f"--filter label={key}={value}"

    def names(flags):
        return sorted(r["name"] for r in ip.run_line_magic("docker", f"ps -a {mine} {flags}").rows)

    assert names("") == sorted([up, down])
    assert names("--filter status=exited") == [down]
    assert names("-f status=running") == [up]
    assert names("--filter label=role=web") == [up]
    assert names(f"--filter network={net}") == [up]
    assert names("--filter ancestor=debian:bookworm") == sorted([up, down])
    assert names("--filter ancestor=hello-world") == []
    with pytest.raises(UsageError, match="key=value"):
        ip.run_line_magic("docker", "ps --filter nonsense")


def test_ps_last_n_shows_the_newest(ip, client, cleanup, images):
    import time

    names = [cleanup.name(f"dm-last{i}") for i in range(3)]
    for n in names:  # one after the other: the engine orders the list by creation time, newest first
        cleanup.container(client.containers.create("debian:bookworm", ["true"], name=n, labels=cleanup.labels))
        time.sleep(0.05)
    [(key, value)] = cleanup.labels.items()
    rows = ip.run_line_magic("docker", f"ps -a -n 2 --filter label={key}={value}").rows
    assert [r["name"] for r in rows] == [names[2], names[1]]
    # like the CLI, -n includes stopped containers without -a (these were never started)
    assert [r["name"] for r in ip.run_line_magic("docker", f"ps --last 1 --filter label={key}={value}").rows] == [names[2]]
