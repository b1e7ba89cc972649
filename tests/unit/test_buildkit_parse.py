"""BuildKit's plain progress lines, the Dockerfile checks and the file-saving rule, without an engine."""

import pytest

from dockermagic.engine import build
from dockermagic.cli.options import build_line
from dockermagic.engine.build import MARKER, check_tags, save_dockerfile
from dockermagic.engine.build_state import _failure
from dockermagic.engine.buildkit import BuildKitState, BuildOptions, frontend_problem
from dockermagic.errors import BuildFailed, CommandError

# As the 20.10 CLI prints them (digest lines included), a multi-stage build whose last step fails.
PLAIN = """#1 [internal] load build definition from Dockerfile
#1 sha256:513bea981875238e24b784b952a75450c5639a438abbfb0ee4a02352ccc196b8
#1 transferring dockerfile: 301B done
#1 DONE 0.1s
#3 [internal] load metadata for docker.io/library/debian:bookworm
#3 DONE 0.0s
#4 [base 1/2] FROM docker.io/library/debian:bookworm
#4 CACHED
#5 [base 2/2] RUN --mount=type=cache,target=/var/cache/dm echo "arch=amd64" > /arch
#5 CACHED
#7 [final 1/2] COPY Dockerfile /df
#7 DONE 0.0s
#8 [final 2/2] RUN echo two && false-command-xyz
#8 0.353 two
#8 0.356 /bin/sh: 1: false-command-xyz: not found
#8 ERROR: executor failed running [/bin/sh -c echo two && false-command-xyz]: exit code: 127
------
 > [final 2/2] RUN echo two && false-command-xyz:
------
executor failed running [/bin/sh -c echo two && false-command-xyz]: exit code: 127""".splitlines()


def test_buildkit_lines_give_steps_cache_hits_and_the_failed_step():
    state = BuildKitState()
    for line in PLAIN:
        state.feed(line)
    assert (state.step, state.steps, state.instruction) == (4, 4, "RUN echo two && false-command-xyz")
    assert state.cache_hits == 1, "a cached FROM is not a cache hit, as with the legacy builder"
    assert state.step_output == ["two", "/bin/sh: 1: false-command-xyz: not found"]
    assert not any("sha256:513b" in l for l in state.log) and state.log[0] == PLAIN[0]
    text = str(_failure(state, state.failure_reason()))
    assert text == ("Build failed at step 4/4 (RUN echo two && false-command-xyz): executor failed running "
                    "[/bin/sh -c echo two && false-command-xyz]: exit code: 127. Last output: two | "
                    "/bin/sh: 1: false-command-xyz: not found.")


def test_buildkit_success_gives_the_image_id_and_a_parse_error_its_own_words():
    state = BuildKitState()
    for line in ["#2 [1/1] FROM docker.io/library/debian:bookworm", "#9 exporting to image",
                 "#9 writing image sha256:" + "b" * 64 + " done"]:
        state.feed(line)
    assert state.image_id == "sha256:" + "b" * 64 and state.steps == 1
    broken = BuildKitState()
    broken.feed("failed to solve with frontend dockerfile.v0: failed to create LLB definition: "
                "dockerfile parse error line 3: unknown instruction: ECHO")
    assert broken.failure_reason() == "dockerfile parse error line 3: unknown instruction: ECHO"
    assert str(_failure(broken, broken.failure_reason())).startswith("Build failed at the start: dockerfile parse")


def test_syntax_line_and_heredocs_are_one_sentence():
    syntax = "# syntax=docker/dockerfile:1.4\nFROM debian:bookworm\n"
    assert "no registry is reachable" in frontend_problem(syntax, registry=False)
    assert frontend_problem(syntax, registry=True) is None
    heredoc = "FROM debian:bookworm\nRUN <<EOF\necho hi\nEOF\n"
    assert frontend_problem(heredoc, registry=True).startswith("Line 2 uses a heredoc (RUN <<EOF)")
    assert frontend_problem("# syntax=docker/dockerfile:1.4\n" + heredoc, registry=True) is None
    plain = "FROM debian:bookworm\nRUN --mount=type=cache,target=/c echo 'a<<b' && cat <<< x\n"
    assert frontend_problem(plain, registry=False) is None


@pytest.mark.parametrize("tag", ["My App:1", "x::y", "UPPER:1", "name:-bad", ""])
def test_invalid_tags_are_one_sentence(tag):
    with pytest.raises(CommandError, match="is not a valid image name"):
        check_tags([tag])


def test_valid_tags_pass():
    check_tags(["backend:latest", "registry.local:5000/team/app:dev", "a_b.c-d/e", "frontend:1.0-rc.1"])


def test_buildkit_flags_and_the_cli_options():
    opts = BuildOptions(["a:1", "b:2"], {"A": "1"}, {"k": "v"}, "builder", True, False, "none", "linux/amd64")
    assert opts.flags() == ["-t", "a:1", "-t", "b:2", "--build-arg", "A=1", "--label", "k=v", "--target", "builder",
                            "--network", "none", "--platform", "linux/amd64", "--no-cache"]
    path, kw, quiet = build_line(["--platform=linux/amd64", "--builder", "legacy", "-q", "ctx"])
    assert path == "ctx" and kw.platform == "linux/amd64" and kw.builder == "legacy" and quiet


def test_builder_choice(monkeypatch):
    monkeypatch.setattr(build.buildkit, "find_client", lambda: None)
    assert build.choose_builder(None, client=None) == "legacy"
    with pytest.raises(CommandError, match="none was found"):
        build.choose_builder("buildkit", client=None)
    with pytest.raises(CommandError, match="--builder takes buildkit or legacy"):
        build.choose_builder("kaniko", client=None)


def test_an_existing_dockerfile_is_replaced_only_when_ours_or_asked(tmp_path):
    path = str(tmp_path / "Dockerfile")
    (tmp_path / "Dockerfile").write_text("FROM python:3.9\n# hand-written\n")
    with pytest.raises(CommandError, match=r"already exists and was not saved by %%dockerfile; pass --overwrite"):
        save_dockerfile("FROM debian:bookworm\n", path)
    assert (tmp_path / "Dockerfile").read_text() == "FROM python:3.9\n# hand-written\n"
    save_dockerfile("FROM python:3.9\n# hand-written", path)  # the same text: left as it is
    assert (tmp_path / "Dockerfile").read_text() == "FROM python:3.9\n# hand-written\n"
    save_dockerfile("FROM debian:bookworm\n", path, overwrite=True)
    assert (tmp_path / "Dockerfile").read_text() == f"FROM debian:bookworm\n{MARKER}\n"
    save_dockerfile("FROM debian:bookworm\nLABEL a=b\n", path)  # ours now: replaced without asking
    assert (tmp_path / "Dockerfile").read_text() == f"FROM debian:bookworm\nLABEL a=b\n{MARKER}\n"


def test_a_syntax_frontend_that_could_not_be_fetched_is_the_one_sentence(monkeypatch):
    """Pulls allowed, but the registry turned out unreachable: BuildKit fails before any step."""
    from dockermagic.engine.build_state import SilentProgress

    monkeypatch.setattr(build.buildkit, "run_build", lambda *a, **kw: None)
    state = BuildKitState()
    state.feed("failed to solve with frontend dockerfile.v0: failed to resolve docker.io/docker/dockerfile:1.4")
    with pytest.raises(CommandError, match="makes BuildKit fetch that frontend from a registry"):
        build._run_buildkit(".", "Dockerfile", BuildOptions(), state, SilentProgress(),
                            "# syntax=docker/dockerfile:1.4\nFROM debian:bookworm\n")
    with pytest.raises(BuildFailed, match="failed to resolve"):
        build._run_buildkit(".", "Dockerfile", BuildOptions(), state, SilentProgress(), "FROM debian:bookworm\n")


def test_the_one_service_project_for_compose_s_buildkit_client():
    from dockermagic.engine.buildkit import UNTAGGED, compose_project_file

    opts = BuildOptions(["a:1", "b:2"], {"PRICE": "$5"}, {"k": "v"}, "tools", True, False, "none", "linux/amd64")
    svc = compose_project_file("/ctx", "/ctx/Dockerfile", opts)["services"]["image"]
    assert svc == {"image": "a:1", "platform": "linux/amd64",
                   "build": {"context": "/ctx", "dockerfile": "/ctx/Dockerfile", "args": {"PRICE": "$$5"},
                             "labels": {"k": "v"}, "target": "tools", "network": "none", "tags": ["b:2"],
                             "no_cache": True}}
    assert compose_project_file("/ctx", "Dockerfile", BuildOptions())["services"]["image"]["image"] == UNTAGGED
