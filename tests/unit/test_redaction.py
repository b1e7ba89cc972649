"""Issue 12: one redaction module, by value and by pattern; over-masking is a bug too."""

from __future__ import annotations

import pytest

from dockermagic import redaction
from dockermagic.cli.routes import run_command
from dockermagic.redaction import MASK, LineRedactor, is_secret_name, mask_argv, mask_inspect, redact
from fakes import FakeClient


@pytest.fixture(autouse=True)
def _clean_slate():
    redaction.forget_all()
    yield
    redaction.forget_all()


@pytest.mark.parametrize("text, hidden", [
    ('POSTGRES_PASSWORD="my secret"', "my secret"),
    ("POSTGRES_PASSWORD='x y'", "x y"),
    ('{"POSTGRES_PASSWORD": "js0n-pw"}', "js0n-pw"),
    ('{"user": "bob", "db": {"POSTGRES_PASSWORD": "nested-pw"}}', "nested-pw"),
    ("user: bob  POSTGRES_PASSWORD: after-pw  host: db", "after-pw"),
    ("image: postgres:13, API_TOKEN: tok-after", "tok-after"),
    ('declare -x POSTGRES_PASSWORD="decl-pw"', "decl-pw"),
    ("export API_TOKEN=exp-tok", "exp-tok"),
    ("export API_TOKEN='exp tok'", "exp tok"),
    ("    POSTGRES_PASSWORD: yaml pw with spaces", "yaml pw with spaces"),
    ("psql --password cli-pw -h db", "cli-pw"),
    ("tool --db-password=cli-pw2", "cli-pw2"),
    ("redis://:redis-pw@cache:6379/0", "redis-pw"),
    ("postgresql://root:url-pw@db:5432/x", "url-pw"),
    ("DB_PASS=dbpass1 DB_PWD=dbpwd1", "dbpass1"),
    ("DB_PASS=dbpass1 DB_PWD=dbpwd1", "dbpwd1"),
    ("{'apiKey': 'k-123'}", "k-123"),
    ("AWS_SECRET_ACCESS_KEY=aws/x+y", "aws/x+y"),
])
def test_patterns_hide_the_value(text, hidden):
    assert hidden not in redact(text) and MASK in redact(text)


@pytest.mark.parametrize("text", [
    "MONKEY=banana KEYBOARD=qwerty", "monkey: banana", "PWD=/root OLDPWD=/", "key=value",
    "POSTGRES_USER: root", "POSTGRES_PASSWORD_FILE=/run/secrets/pw", "docker login --password-stdin",
    "TOKENIZERS_PARALLELISM=false", "http://example.org/a:b@c", "image: postgres:13", "ports: 5433:5432",
])
def test_no_over_masking(text):
    assert redact(text) == text


def test_names():
    assert all(map(is_secret_name, ["POSTGRES_PASSWORD", "DB_PASS", "DB_PWD", "PW", "apiKey", "GITHUB_TOKEN",
                                    "AWS_SECRET_ACCESS_KEY", "API_KEY", "db-password", "PASSWORD1"]))
    assert not any(map(is_secret_name, ["MONKEY", "KEYBOARD", "PWD", "key", "PASSWORD_FILE", "PASSPORT"]))


def test_values_are_learned_and_masked_wherever_they_appear():
    redaction.remember_env(["POSTGRES_USER=root", "POSTGRES_PASSWORD=root", "DB_PASS=hunter22", "MONKEY=banana"])
    assert redact("hunter22") == MASK and redact("pw is hunter22.") == f"pw is {MASK}."
    assert redact("xhunter22y") == "xhunter22y"  # only as a whole token
    assert redact("user root in banana") == "user root in banana"  # public as the user; not a secret name
    redaction.remember("ab")  # too short to mask everywhere
    assert redact("ab cab") == "ab cab"


def test_inspect_masks_cmd_args_healthcheck_and_labels():
    data = {"Config": {"Env": ["DB_PASS=envpass9", "A=1"],
                       "Cmd": ["sh", "-c", "echo envpass9; psql --password cmdpw1"],
                       "Healthcheck": {"Test": ["CMD-SHELL", "pg_isready --password hcpw12"]},
                       "Labels": {"db.password": "labelpw1", "note": "PASSWORD=inlabel1", "plain": "visible"}},
            "Args": ["--token", "argtok1"], "Path": "postgres://u:pathpw1@h/x"}
    shown = repr(mask_inspect(data))
    for secret in ("envpass9", "cmdpw1", "hcpw12", "labelpw1", "inlabel1", "argtok1", "pathpw1"):
        assert secret not in shown, secret
    assert "visible" in shown and "A=1" in shown


def test_ps_format_labels_and_json_are_masked():
    client = FakeClient()  # its containers carry the label DB_PASSWORD=x
    for fmt in ("'{{.Labels}}'", "'{{json .}}'", "json"):
        lines = run_command(f"ps --format {fmt}", client=client)
        assert lines and all("DB_PASSWORD=x" not in line and '"DB_PASSWORD": "x"' not in line for line in lines)


def test_errors_and_argv_are_masked():
    from dockermagic.errors import CommandError, DockerMagicError

    redaction.remember("learned-pw")
    assert "learned-pw" not in str(DockerMagicError("Docker could not run learned-pw."))
    assert "in-flag" not in str(CommandError("does not support the flag -x (in -xAPI_TOKEN=in-flag)"))
    assert mask_argv(["psql", "--password", "x", "-ePW=y", "--env=DB_PASS=z"]) == [
        "psql", "--password", MASK, f"-ePW={MASK}", f"--env=DB_PASS={MASK}"]


def test_streams_are_masked_per_line_across_chunks():
    redaction.remember("chunked-secret")
    r = LineRedactor()
    out = r.feed(b"POSTGRES_PASS") + r.feed(b"WORD=spl") + r.feed(b"it\nchunked-se") + r.feed("cret and caf\u00e9".encode()[:-1])
    out += r.feed("\u00e9".encode()[-1:] + b"\n") + r.feed(b"tail API_TOKEN=t0k") + r.flush()
    assert out == [f"POSTGRES_PASSWORD={MASK}", f"{MASK} and café", f"tail API_TOKEN={MASK}"]


def test_run_learns_its_env_values(tmp_path):
    (tmp_path / "app.env").write_text("DB_PASS=fromfile1\n# comment\nPLAIN=ok\n")
    shown = []
    run_command("run -e API_TOKEN=fromflag1 --env-file app.env img", client=FakeClient(), cwd=str(tmp_path),
                out=shown.append)
    assert redact("fromflag1 fromfile1 ok") == f"{MASK} {MASK} ok"


def test_a_value_shown_as_the_image_or_command_is_not_learned():
    # POSTGRES_PASSWORD=postgres is common; masking it everywhere would hide the image postgres:13.
    redaction.remember_env(["POSTGRES_PASSWORD=postgres", "API_TOKEN=tok-9876"], public=["postgres:13", "/db"])
    assert redact("postgres:13 runs postgres") == "postgres:13 runs postgres"
    assert redact("POSTGRES_PASSWORD=postgres tok-9876") == f"POSTGRES_PASSWORD={MASK} {MASK}"
