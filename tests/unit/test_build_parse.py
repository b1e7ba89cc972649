import time

import pytest

from dockermagic.cli.options import build_line
from dockermagic.engine.build import BuildResult, BuildState, context_notice, context_size, from_images, _failure
from dockermagic.errors import CommandError
from dockermagic.magics.build import CompactProgress


def test_from_images_skips_stages_and_platform():
    text = "FROM --platform=linux/amd64 node:14-alpine AS builder\nRUN x\nFROM builder AS t\nFROM nginx:stable-alpine\n"
    assert from_images(text) == ["node:14-alpine", "nginx:stable-alpine"]


def test_from_images_skips_scratch():
    assert from_images("from scratch\n") == []


def test_parse_build_args_like_the_cli():
    path, opts, quiet = build_line(["-f", "Dockerfile.dev", "-t", "frontend:dev", "--build-arg=A=1",
                                    "--build-arg", "B=2", "--label", "x=y", "--target", "builder", "--no-cache", "."])
    assert path == "." and not quiet
    assert opts.dockerfile == "Dockerfile.dev" and opts.tags == ["frontend:dev"]
    assert opts.buildargs == {"A": "1", "B": "2"} and opts.labels == {"x": "y"}
    assert opts.target == "builder" and opts.nocache is True


@pytest.mark.parametrize("argv, words", [
    (["-t"], "needs a value"),
    ([".", "other"], "at most 1 argument"),
    (["--squash", "."], "does not support the flag --squash"),
    (["-t", "x"], "needs exactly one path"),
])
def test_parse_build_args_errors_are_one_sentence(argv, words):
    with pytest.raises(CommandError, match=words):
        build_line(argv)


def _sparse(path, size):
    with open(path, "wb") as f:
        f.truncate(size)


def test_context_size_honours_dockerignore(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM debian:bookworm\n")
    (tmp_path / "app.py").write_text("print('hi')\n")
    _sparse(tmp_path / "big.bin", 150 * 2**20)  # sparse: 150 MB on paper, no disk used
    assert context_size(str(tmp_path)) > 150 * 2**20
    (tmp_path / ".dockerignore").write_text("# data stays home\nbig.bin\n")
    small = context_size(str(tmp_path))
    assert small < 1000 and small >= len("print('hi')\n")


def test_context_notice_warns_when_large_with_a_dockerignore_hint(tmp_path):
    assert context_notice(4200, str(tmp_path)) == ["Sending build context to the engine: 4.2 kB"]
    quiet = context_notice(5 * 10**6, str(tmp_path))
    assert quiet == ["Sending build context to the engine: 5.0 MB"]
    loud = context_notice(150 * 2**20, str(tmp_path))
    assert loud[0].endswith("157.3 MB") and "larger than 100 MB" in loud[1] and "add a .dockerignore" in loud[1]
    (tmp_path / ".dockerignore").write_text("x\n")
    assert "extend its .dockerignore" in context_notice(150 * 2**20, str(tmp_path))[1]


LINES = ["Step 1/3 : FROM debian:bookworm", " ---> 752311251348", "Step 2/3 : COPY a /a", " ---> Using cache",
         " ---> 0123456789ab", "Step 3/3 : RUN make", " ---> Running in 5f2c", "cc -o app app.c",
         "app.c:3: error: expected ';'"]


def test_build_state_counts_steps_cache_and_step_output():
    state = BuildState()
    for line in LINES:
        state.feed(line)
    assert (state.step, state.steps, state.instruction, state.cache_hits) == (3, 3, "RUN make", 1)
    assert state.step_output == ["cc -o app app.c", "app.c:3: error: expected ';'"]
    assert state.log == LINES


def test_failure_names_step_instruction_and_last_output():
    state = BuildState()
    for line in LINES:
        state.feed(line)
    exc = _failure(state, "The command '/bin/sh -c make' returned a non-zero code: 2\n")
    assert str(exc) == ("Build failed at step 3/3 (RUN make): The command '/bin/sh -c make' returned a non-zero "
                        "code: 2. Last output: cc -o app app.c | app.c:3: error: expected ';'.")
    assert exc.step == 3 and exc.instruction == "RUN make" and exc.last_lines[-1].startswith("app.c:3")
    # A reason and a last line that end with their own full stop get no second one.
    state.step_output.append("make: *** [app] Error 1.")
    text = str(_failure(state, "exit code: 2."))
    assert "exit code: 2. Last output:" in text and text.endswith("Error 1.") and ".." not in text


class FakeHandle:
    def __init__(self, shown):
        self.shown = shown

    def update(self, obj):
        self.shown.append(obj.data)


def _fake_display():
    shown, handles = [], []

    def show(obj, display_id=None):
        assert display_id is True
        shown.append(obj.data)
        handles.append(FakeHandle(shown))
        return handles[-1]
    return show, shown, handles


def test_compact_progress_is_one_updating_line_with_step_and_elapsed_time():
    show, shown, handles = _fake_display()
    view = CompactProgress(show=show, tick=0.05, min_gap=0)
    state = BuildState()
    for line in LINES:
        state.feed(line)
        view.line(line, state)
    n = len(shown)
    time.sleep(0.3)  # nothing printed: the ticker still moves the clock
    assert len(shown) > n
    view.finish(state, True, "Built 0123456789ab in 1.0 s: 3 steps, 1 from cache.")
    assert len(handles) == 1, "one display, updated in place"
    assert "Step 3/3: RUN make" in shown[n] and "(1 cached)" in shown[n] and "expected ';'" in shown[n]
    assert shown[n].startswith("[") and " s] " in shown[n]
    assert shown[-1].startswith("Built 0123456789ab") and ".log" in shown[-1]
    after = len(shown)
    time.sleep(0.2)
    assert len(shown) == after, "the ticker stops with the build"


def test_build_result_history_is_a_dataframe():
    rows = [{"Id": "sha256:" + "a" * 64, "Created": 1700000000, "CreatedBy": "/bin/sh -c #(nop) CMD [\"x\"]",
             "Size": 0, "Tags": ["t:1"]},
            {"Id": "<missing>", "Created": 1690000000, "CreatedBy": "RUN apt-get install", "Size": 2_500_000, "Tags": None}]
    r = BuildResult("sha256:" + "a" * 64, ["t:1"], 10**8, 1.5, 3, 1, ["Step 1/3 : FROM x"], rows)
    df = r.history
    assert list(df.columns) == ["id", "created_by", "size_mb", "created", "tags"]
    assert df["id"].tolist() == ["aaaaaaaaaaaa", "<missing>"] and df["size_mb"].tolist() == [0.0, 2.5]
    assert "tags=['t:1']" in repr(r) and "steps=3 cached=1" in repr(r)


def test_compact_progress_shows_the_failed_steps_output():
    show, shown, handles = _fake_display()
    view = CompactProgress(show=show, tick=10)
    state = BuildState()
    for line in LINES:
        state.feed(line)
        view.line(line, state)
    view.finish(state, False, "Build failed at step 3/3 after 2.0 s.")
    assert len(handles) == 1
    assert shown[-1] == "Build failed at step 3/3 after 2.0 s.\ncc -o app app.c\napp.c:3: error: expected ';'"


def test_dockerfile_that_cannot_be_saved_is_one_sentence(tmp_path):
    from dockermagic.engine.build import build_from_text

    with pytest.raises(CommandError, match=r"Could not save the Dockerfile as .*/no/such/dir/Dockerfile.dev: No such file"):
        build_from_text("FROM scratch\n", client=None, context=str(tmp_path), file="no/such/dir/Dockerfile.dev")


def test_dockerfile_magic_build_arg_from_the_environment(monkeypatch):
    from IPython.core.error import UsageError

    from dockermagic.values import key_values

    monkeypatch.setenv("GREETING", "from-env")
    assert key_values(["GREETING", "A=1"], "--build-arg", from_env=True) == {"GREETING": "from-env", "A": "1"}
    with pytest.raises(CommandError, match="KEY=VALUE"):
        key_values(["x"], "--label")


def test_a_line_cut_into_several_messages_comes_out_whole():
    from dockermagic.engine.build import LineJoiner

    j = LineJoiner()
    out = []
    for piece in ["Step 2/2 : RUN x\n", "\x1b[91mModuleNotFoundError", "\x1b[0m\x1b[91m: ", "No module named 'flask'\n\x1b[0m", "\n", "tail"]:
        out += j.feed(piece)
    out += j.flush()
    assert out == ["Step 2/2 : RUN x", "ModuleNotFoundError: No module named 'flask'", "tail"]


def test_pull_option_reaches_the_build_arguments(ip, monkeypatch, tmp_path):
    """`%%dockerfile --pull` and `%docker build --pull` ask the engine to pull newer base images."""
    from dockermagic.engine import build
    from dockermagic import client as dm_client

    assert build_line(["--pull", "-t", "x:1", "."])[1].pull is True
    assert build_line(["."])[1].pull is False

    calls = []
    monkeypatch.setattr(dm_client, "get_client", lambda: "no-engine-needed")
    monkeypatch.setattr(build, "build_from_text", lambda text, **kw: calls.append(kw))
    for line in (f"--pull -t x:1 --context {tmp_path}", f"-t x:1 --context {tmp_path}"):
        ip.run_cell_magic("dockerfile", line, "FROM debian:bookworm\n")
    assert [kw["options"].pull for kw in calls] == [True, False]
    assert calls[0]["options"].tags == ["x:1"] and calls[0]["context"] == str(tmp_path)
