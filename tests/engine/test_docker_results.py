"""%docker results bind to names, plain dispatch without IPython, volumes labelled, interrupts detach."""

import io
import json
import re
import signal
import threading
import time

import pandas as pd
import pytest
from IPython.core.error import UsageError

from dockermagic.client import default_labels


def test_every_result_binds_and_displays(ip, client, cleanup, images):
    name, vol, net = cleanup.name("dm-bind"), cleanup.name("dm-bvol"), cleanup.name("dm-bnet")
    ip.user_ns.update(cname=name)
    ip.run_cell_magic("docker", "", f"""network create {net}
volume create {vol}
run -d --name {{cname}} --network {net} -p 127.0.0.1::8080 debian:bookworm sh -c 'echo hello; sleep 60'
""")
    cleanup.network(net)
    cleanup.container(name)
    deadline = time.time() + 10
    while b"hello" not in client.containers.get(name).logs() and time.time() < deadline:
        time.sleep(0.2)
    lines = {
        "logs": f"logs {name}", "exec": f"exec {name} sh -c 'echo out; exit 4'", "inspect": f"inspect {name}",
        "port": f"port {name}", "top": f"top {name}", "stats": f"stats --no-stream {name}",
        "version": "version", "info": "info", "images": "images debian", "nets": f"network inspect {net}",
        "netls": "network ls", "vols": f"volume ls -f name={vol}", "ps": f"ps -f name={name}",
    }
    for var, line in lines.items():
        ip.run_cell(f"{var} = %docker {line}", store_history=False)  # the real `x = %docker …` transform
    got = {var: ip.user_ns[var] for var in lines}
    assert got["logs"] == ["hello"]
    assert got["exec"].exit_code == 4 and got["exec"].lines == ["out"]
    assert got["inspect"].to_frame().loc[0, "Name"] == f"/{name}"
    assert got["port"][0].startswith("8080/tcp -> 127.0.0.1:") and got["port"].to_frame().shape == (1, 1)
    assert got["info"].raw["ID"] == client.info()["ID"]
    assert [r["name"] for r in got["nets"].rows] == [net] and name in got["nets"]._repr_html_()
    # inspect and network inspect: the CLI's JSON array in a terminal, folded JSON in a notebook
    for var in ("inspect", "nets"):
        assert json.loads(repr(got[var]))[0]["Id"] == got[var][0]["Id"] and repr(got[var]).startswith("[\n    {")
        assert got[var]._repr_html_().startswith('<div class="dm-json"') and "<details open>" in got[var]._repr_html_()
    for var in ("top", "stats", "version", "info", "images", "netls", "vols", "ps", "nets", "logs", "inspect"):
        frame = got[var].to_frame()
        assert isinstance(frame, pd.DataFrame) and len(frame) >= 1, var
        html = got[var]._repr_html_()
        assert html.startswith(("<table", "<pre", '<div class="dm-json"')) and repr(got[var]), var
    assert list(got["vols"].to_frame()["name"]) == [vol]


def test_dispatch_runs_without_the_magic(client, cleanup, images, tmp_path):
    from dockermagic.engine.containers import ContainerList
    from dockermagic.cli.routes import run_cell, run_command

    name = cleanup.name("dm-plain")
    said = []
    c = run_command(f"run --name {name} -v ./here:/here debian:bookworm sh -c 'echo one; ls /here'",
                    client=client, cwd=str(tmp_path), out=said.append)
    cleanup.container(c)
    assert [s for s in said if "stand-in" not in s] == ["one"]  # (plus the stand-in notice, if any)
    assert (tmp_path / "here").is_dir()  # a relative host path counts from cwd
    ps = run_command(["docker", "ps", "-a", "--filter", f"name={name}"], client=client)
    assert isinstance(ps, ContainerList) and [r["name"] for r in ps.rows] == [name]
    shown = []
    last = run_cell(f"# two commands\nrm {name}\nps -a -q --filter name={name}\n", client=client, show=shown.append)
    assert shown == [[name]] and last == []


def test_cell_shows_every_result_not_only_the_last(ip, client, cleanup, capsys):
    vol = cleanup.name("dm-show")
    ip.run_cell_magic("docker", "", f"volume create {vol}\nvolume ls -q -f name={vol}\nversion\n")
    out = capsys.readouterr().out
    assert f"\n{vol}\n" in f"\n{out}" and "Engine" not in out  # the last result is returned, not shown twice


def test_named_and_anonymous_volumes_carry_the_labels(ip, client, cleanup, images, capsys):
    name, vol, mvol = cleanup.name("dm-vrun"), cleanup.name("dm-vnamed"), cleanup.name("dm-vmount")
    ip.run_line_magic("docker", f"run -d --name {name} -v {vol}:/data -v /anon "
                                f"--mount type=volume,source={mvol},target=/m debian:bookworm sleep 60")
    c = client.containers.get(name)
    cleanup.container(c)
    by_dest = {m["Destination"]: m for m in c.attrs["Mounts"]}
    assert by_dest["/data"]["Name"] == vol and by_dest["/m"]["Name"] == mvol
    assert by_dest["/anon"]["Type"] == "volume"
    for v in (vol, mvol, by_dest["/anon"]["Name"]):
        # default_labels() holds this test's label too: the suite's clean-up finds them by it.
        assert client.volumes.get(v).attrs["Labels"].items() >= default_labels().items(), v
    # An existing volume is used as it is, not re-created.
    ip.run_line_magic("docker", f"exec {name} sh -c 'echo kept > /data/f'")
    other = cleanup.name("dm-vrun2")
    ip.run_line_magic("docker", f"run --rm --name {other} -v {vol}:/data debian:bookworm cat /data/f")
    assert "kept" in capsys.readouterr().out
    assert not client.containers.list(all=True, filters={"name": other})  # --rm: gone when the call returns


def test_no_command_substitution_through_the_magic(ip, tmp_path):
    marker = tmp_path / "ran"
    for line in (f"run -e X=$(touch {marker}) debian:bookworm true",
                 f"run -e X=`touch {marker}` debian:bookworm true"):
        with pytest.raises(UsageError, match="substitution"):
            ip.run_line_magic("docker", line)
    assert not marker.exists()


def test_python_variables_expand_but_quoted_shell_text_does_not(ip, client, cleanup, images):
    name = cleanup.name("dm-vars")
    ip.user_ns.update(cname=name, greeting="hi there", i=99)
    r = ip.run_line_magic("docker", "run --name {cname} -e GREETING=\"$greeting\" debian:bookworm "
                                    "sh -c 'echo \"$GREETING\" $i'")
    cleanup.container(r)
    assert r.name == name and "GREETING=hi there" in r.attrs["Config"]["Env"]
    assert r.attrs["Config"]["Cmd"] == ["sh", "-c", 'echo "$GREETING" $i']
    assert ip.run_line_magic("docker", f"logs {name}") == ["hi there"]
    with pytest.raises(UsageError, match="names no Python variable"):
        ip.run_line_magic("docker", "stop {dm_no_such_variable}")


def _interrupt_main_when(ready, timeout=20):
    """A real SIGINT to the main thread (what Ctrl-C / the stop button sends) once ready() holds."""
    main = threading.main_thread().ident

    def fire():
        deadline = time.time() + timeout
        while not ready() and time.time() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)  # let the main thread block in its read of the stream
        signal.pthread_kill(main, signal.SIGINT)

    t = threading.Thread(target=fire, daemon=True)
    t.start()
    return t


def test_sigint_detaches_attached_run_and_logs_follow(ip, client, cleanup, images, capsys):
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    name = cleanup.name("dm-sig")

    def started():
        found = client.containers.list(filters={"name": name})
        return bool(found) and b"ready" in found[0].logs()

    t = _interrupt_main_when(started)
    with pytest.raises(UsageError, match=f"^Interrupted: container {name} keeps running .*%docker stop {name}"):
        ip.run_line_magic("docker", f"run --name {name} debian:bookworm sh -c 'echo ready; sleep 120'")
    t.join()
    c = cleanup.container(client.containers.get(name))
    assert "ready" in capsys.readouterr().out
    c.reload()
    assert c.status == "running"

    t = _interrupt_main_when(lambda: True)
    with pytest.raises(UsageError, match=f"^Interrupted: stopped following the logs of {name}, which keeps running"):
        ip.run_line_magic("docker", f"logs -f {name}")
    t.join()
    assert capsys.readouterr().out == "ready\n"
    c.reload()
    assert c.status == "running"
    ip.run_line_magic("docker", f"stop -t 0 {name}")


def test_network_flags_connect_ip_disconnect_rm(ip, client, cleanup, images):
    import random

    net, box = cleanup.name("dm-nflags"), cleanup.name("dm-nbox")
    third = random.randint(20, 120)
    ip.run_line_magic("docker", f"network create -d bridge --subnet 10.{third}.0.0/16 --ip-range 10.{third}.5.0/24 "
                                f"--gateway 10.{third}.0.1 --internal --label purpose=test {net}")
    cleanup.network(net)
    attrs = client.networks.get(net).attrs
    assert attrs["Internal"] is True and attrs["Labels"]["purpose"] == "test"
    assert attrs["Labels"].items() >= default_labels().items()
    assert attrs["IPAM"]["Config"][0]["IPRange"] == f"10.{third}.5.0/24"
    ip.run_line_magic("docker", f"run -d --name {box} debian:bookworm sleep 60")
    cleanup.container(box)
    ip.run_line_magic("docker", f"network connect --ip 10.{third}.9.9 --alias boxy {net} {box}")
    ep = client.containers.get(box).attrs["NetworkSettings"]["Networks"][net]
    assert ep["IPAMConfig"]["IPv4Address"] == f"10.{third}.9.9" and "boxy" in ep["Aliases"]
    ip.run_line_magic("docker", f"network disconnect {net} {box}")
    assert net not in client.containers.get(box).attrs["NetworkSettings"]["Networks"]
    assert ip.run_line_magic("docker", f"network rm {net}") == [net]
    assert not client.networks.list(names=[net])


def test_run_workdir_user_hostname_label_readonly_volume(ip, client, cleanup, images, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "a.txt").write_text("A\n")
    name = cleanup.name("dm-rmisc")
    c = ip.run_line_magic("docker", f"run --name {name} -w /conf -u nobody --hostname boxname --label team=data "
                                    "-v $PWD/conf:/conf:ro debian:bookworm "
                                    "sh -c 'pwd; id -un; hostname; cat a.txt; touch b 2>/dev/null || echo readonly'")
    cleanup.container(c)
    out = [l for l in capsys.readouterr().out.splitlines() if "stand-in" not in l]
    assert out[-5:] == ["/conf", "nobody", "boxname", "A", "readonly"]
    assert c.labels["team"] == "data" and c.labels.items() >= default_labels().items()


SEED_POSTGRES = '''docker run -it \\
  -e POSTGRES_USER="root" \\
  -e POSTGRES_PASSWORD="root" \\
  -e POSTGRES_DB="ny_taxi" \\
  -v "$(pwd)/ny_taxi_postgres_data:/var/lib/postgresql/data" \\
  -p 127.0.0.1:5433:5432 \\
  postgres:13
'''  # the tutorial's block as pasted; only the port is bound to loopback, as tests here must


def test_seed_postgres_block_attached_until_interrupt(ip, client, cleanup, images, port_5433, tmp_path,
                                                      monkeypatch, capsys):
    import psycopg2

    monkeypatch.chdir(tmp_path)
    [(key, value)] = cleanup.labels.items()

    def mine():
        return client.containers.list(all=True, filters={"label": f"{key}={value}"})

    t = _interrupt_main_when(lambda: bool(mine()) and b"ready to accept connections" in mine()[0].logs(), 60)
    with pytest.raises(UsageError, match="^Interrupted: container .* keeps running"):
        ip.run_cell_magic("docker", "", SEED_POSTGRES)  # -it: attached, streams until the stop button
    t.join()
    [c] = mine()
    cleanup.container(c)
    assert "no terminal" in capsys.readouterr().out
    deadline = time.time() + 60
    while True:
        try:
            conn = psycopg2.connect(host="127.0.0.1", port=5433, user="root", password="root", dbname="ny_taxi")
            break
        except psycopg2.OperationalError:
            assert time.time() < deadline, "the detached Postgres never accepted a connection"
            time.sleep(0.3)
    conn.close()
    assert (tmp_path / "ny_taxi_postgres_data" / "PG_VERSION").exists()
    [row] = ip.run_line_magic("docker", f"container ls --filter label={key}={value}").rows
    assert row["ports"] == ["127.0.0.1:5433->5432/tcp"]
    assert "POSTGRES_PASSWORD=••••••" in ip.run_line_magic("docker", f"container inspect {row['id']}")[0]["Config"]["Env"]
    ip.run_line_magic("docker", f"stop {row['id']}")
    c.reload()
    assert c.status == "exited"


def test_publish_ranges_and_a_port_published_twice(ip, client, cleanup, images):
    name = cleanup.name("dm-ports")
    c = ip.run_line_magic("docker", f"run -d --name {name} -p 127.0.0.1::7000-7001 -p 127.0.0.1::8080 "
                                    "-p 127.0.0.1::8080 -p 127.0.0.1::53/udp debian:bookworm sleep 60")
    cleanup.container(c)
    c.reload()
    ports = c.attrs["NetworkSettings"]["Ports"]
    assert {"7000/tcp", "7001/tcp", "8080/tcp", "53/udp"} <= set(ports)
    assert len(ports["8080/tcp"]) == 2 and {b["HostIp"] for b in ports["8080/tcp"]} == {"127.0.0.1"}
    assert len(ip.run_line_magic("docker", f"port {name} 8080")) == 2


def test_run_of_a_standin_says_so_once_and_an_image_built_on_it_does_not(ip, client, cleanup, images,
                                                                         monkeypatch, capsys):
    monkeypatch.setenv("DOCKERMAGIC_NO_PULL", "1")
    capsys.readouterr()
    ip.run_line_magic("docker", f"run --rm --name {cleanup.name('dm-note')} debian:bookworm true")
    notices = [l for l in capsys.readouterr().out.splitlines() if "stand-in" in l]
    assert len(notices) == 1 and notices[0].startswith("Note: debian:bookworm is a local stand-in"), notices

    # An image built FROM the stand-in inherits its label, but it is the user's own image.
    tag = cleanup.image(f"{cleanup.name('dm-own')}:1")
    client.images.build(fileobj=io.BytesIO(b"FROM debian:bookworm\nENV OWN=1\n"), tag=tag, rm=True)
    assert client.images.get(tag).labels.get("org.dockermagic.stand-in")  # the label came along
    ip.run_line_magic("docker", f"run --rm --name {cleanup.name('dm-own')} {tag} sh -c 'echo own $OWN'")
    out = capsys.readouterr().out.splitlines()
    assert "own 1" in out and not [l for l in out if "stand-in" in l], out


def test_ps_shows_the_clis_columns_then_ours(ip, client, cleanup, images):
    name = cleanup.name("dm-cols")
    c = client.containers.run("debian:bookworm", ["sh", "-c", "sleep 60 # a long command line"], name=name,
                              detach=True, labels=cleanup.labels, ports={"8080/tcp": ("127.0.0.1", None)})
    cleanup.container(c)
    c.reload()
    host_port = c.attrs["NetworkSettings"]["Ports"]["8080/tcp"][0]["HostPort"]
    ps = ip.run_line_magic("docker", f"ps --filter name={name}")
    head, row = repr(ps).splitlines()
    cells = re.split(r"\s{3,}", row)
    assert re.split(r"\s{3,}", head) == ["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES",
                                         "NETWORKS", "IPS", "STAND-IN"]
    assert cells[:3] == [c.id[:12], "debian:bookworm", '"sh -c \'sleep 60 # a…"']
    assert re.fullmatch(r"(Less than a second|1 second|\d+ seconds) ago", cells[3]) and cells[4].startswith("Up ")
    assert cells[5:9] == [f"127.0.0.1:{host_port}->8080/tcp", name, "bridge",
                          c.attrs["NetworkSettings"]["Networks"]["bridge"]["IPAddress"]]
    assert "<th>COMMAND</th><th>CREATED</th>" in ps._repr_html_() and ps.to_frame().loc[0, "name"] == name
    full = ip.run_line_magic("docker", f"ps --no-trunc --filter name={name}")
    assert c.id in repr(full) and json.dumps("sh -c 'sleep 60 # a long command line'") in repr(full)
    fields = ip.run_line_magic("docker", f"ps --filter name={name} --format '{{{{.Command}}}}|{{{{.RunningFor}}}}|"
                                         "{{.CreatedAt}}'")
    command, running_for, created_at = fields.lines[0].split("|")
    assert command == cells[2] and running_for.endswith(" ago") and re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} \S+", created_at)


def test_rmi_prints_the_untagged_and_deleted_lines(ip, client, cleanup, images):
    tag = cleanup.image(f"{cleanup.name('dm-rmi')}:1")
    image, _ = client.images.build(fileobj=io.BytesIO(b"FROM debian:bookworm\nLABEL dm.rmi=1\n"), tag=tag, rm=True,
                                   labels=cleanup.labels)
    other = cleanup.image(f"{tag.split(':')[0]}:2")
    image.tag(other)
    assert ip.run_line_magic("docker", f"rmi {other}") == [f"Untagged: {other}"]
    lines = ip.run_line_magic("docker", f"image rm {tag}")
    assert lines[0] == f"Untagged: {tag}" and f"Deleted: {image.id}" in lines and repr(lines).startswith("Untagged")
