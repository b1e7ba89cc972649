"""The grammar against the real engine and Compose: a quoted --build-arg reaches the build as one value,
and a %%docker cell's docker-compose / docker compose lines run the real Compose, each line shown once."""

import collections

from dockermagic.cli.routes import run_command

COMPOSE_LABEL = "com.docker.compose.project"


def test_a_quoted_build_arg_reaches_the_image(ip, client, cleanup, tmp_path, images):
    tag = cleanup.image(cleanup.name("dmgrammar") + ":quoted")
    ip.user_ns["quoted_tag"] = tag
    res = ip.run_cell_magic("dockerfile", f'-t {{quoted_tag}} --build-arg MSG="hello world" {tmp_path}',
                            'FROM debian:bookworm\nARG MSG\nLABEL msg="$MSG"\n')
    assert res.tags == [tag] and client.images.get(tag).labels["msg"] == "hello world"
    # The same words through %docker build (a POSIX reader in both), with the quotes around the pair.
    run_command(f'build -t {tag} --build-arg "MSG=hello again" {tmp_path}', client=client, out=lambda line: None)
    assert client.images.get(tag).labels["msg"] == "hello again"


def test_docker_compose_lines_in_a_docker_cell_run_compose_once(ip, client, cleanup, tmp_path, images, capsys,
                                                                monkeypatch):
    project = cleanup.name("dmgc")
    (tmp_path / "compose.yaml").write_text(
        "services:\n  app:\n    image: debian:bookworm\n    pull_policy: never\n    init: true\n"
        '    command: ["sleep", "300"]\n    ports:\n      - "127.0.0.1::8080"\n')
    monkeypatch.chdir(tmp_path)
    ip.user_ns["gc_project"] = project
    try:
        table = ip.run_cell_magic("docker", "", "docker-compose -p {gc_project} up -d\n"
                                                "docker compose -p {gc_project} ps\n")
        assert [r["status"].split()[0] for r in table.rows] == ["Up"]
        assert len(client.containers.list(filters={"label": f"{COMPOSE_LABEL}={project}"})) == 1
        lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
        assert lines and collections.Counter(lines).most_common(1)[0][1] == 1, "a Compose line shown twice"
        assert ip.run_line_magic("docker", f"compose -p {project} down -v") is None  # streamed, not returned
        assert not client.containers.list(all=True, filters={"label": f"{COMPOSE_LABEL}={project}"})
    finally:  # what Compose made carries the test's label too: the cleanup fixture removes any leftover
        run_command(["compose", "-p", project, "down", "-v"], client=client, cwd=str(tmp_path), out=lambda line: None)


def test_an_attached_rm_run_returns_nothing_and_a_detached_one_its_container(ip, client, cleanup, images, capsys):
    name = cleanup.name("dmgrm")
    assert ip.run_line_magic("docker", f"run --rm --name {name} debian:bookworm echo gone") is None
    assert "gone" in capsys.readouterr().out and not client.containers.list(all=True, filters={"name": name})
    kept = ip.run_line_magic("docker", f"run -d --name {name} debian:bookworm sleep 30")
    assert kept.name == name and client.containers.get(name).id == kept.id
