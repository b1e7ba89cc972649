"""Property tests: whatever a user types, the command path answers with the package's own errors
(one sentence), and no number reaches the engine before it is checked against the CLI's limits.

The fake client (tests/fakes.py) stands in for the engine only here, where parsing is what is
tested; it fails the test if an unchecked port, count or time gets to it.
"""

from __future__ import annotations

import shlex
import string

import pytest
from hypothesis import assume, example, given, settings, strategies as st

from dockermagic.cli import grammar, routes
from dockermagic.cli.commands import RUN
from dockermagic.cli.words import split_commands
from dockermagic.errors import CommandError, DockerMagicError
from dockermagic.engine.running import publish_ports
from dockermagic.redaction import MASK, LineRedactor, forget_all, redact, remember
from fakes import FakeClient
from strategies import BOUNDED, NAMESPACE, command_lines, no_other_tool, port_specs


def _carry_out(text: str, cwd: str, cell: bool = False):
    run = routes.run_cell if cell else routes.run_command
    try:
        run(text, client=FakeClient(), cwd=cwd, namespace=dict(NAMESPACE), out=lambda _line: None,
            **({"show": lambda _r: None} if cell else {}))
    except DockerMagicError as exc:
        message = str(exc)
        assert message.strip() and "Traceback" not in message


@pytest.fixture(autouse=True)
def _no_pull(monkeypatch):
    monkeypatch.setenv("DOCKERMAGIC_NO_PULL", "1")


@settings(**BOUNDED)
@given(text=st.text(max_size=80))
def test_random_text_raises_only_our_errors(text, tmp_path_factory):
    assume(no_other_tool(text) and "~" not in text)
    _carry_out(text, str(tmp_path_factory.getbasetemp()), cell=True)


@settings(**BOUNDED)
@given(line=command_lines())
@example(line="run -p ²:80 img")
@example(line="run -p 0-99999999999:80 img")
@example(line="run -p 99999:1 img")
@example(line="run -p abc:80:80 img")
@example(line="run --restart on-failure:³ img")
@example(line="logs --since 99999999999999999999h web")
@example(line="logs --since 999999999999999999999 web")
@example(line="logs --tail ٣ web")
@example(line="ps --format '{{range .State.Pid}}x{{end}}'")
@example(line="inspect -f '{{range .State.Pid}}{{.}}{{end}}' web")
@example(line="stop -t 99999999999999999999 web")
@example(line="run $bad")
@example(line="run {bad} img")
def test_shell_like_lines_raise_only_our_errors(line, tmp_path_factory):
    assume(no_other_tool(line) and not ("--env-file" in line and "~" in line))
    _carry_out(line, str(tmp_path_factory.getbasetemp()))


@settings(**BOUNDED)
@given(spec=port_specs())
def test_port_mappings_are_within_the_cli_limits_or_refused(spec):
    try:
        ports = publish_ports([spec])
    except CommandError:
        return
    for key, binding in ports.items():
        number, _, proto = key.partition("/")
        assert 1 <= int(number) <= 65535 and proto in ("tcp", "udp", "sctp")
        for b in binding if isinstance(binding, list) else [binding]:
            host = b[1] if isinstance(b, tuple) and len(b) > 1 else (None if isinstance(b, tuple) else b)
            if isinstance(host, int):
                assert 0 <= host <= 65535


_word = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=12)


@settings(**BOUNDED)
@given(words=st.lists(_word, max_size=6))
def test_quoted_words_come_back_exactly(words):
    # As in a POSIX shell: a quoted word keeps #, ~, $PWD, $(...), {...}, backslashes and newlines.
    line = "ps " + " ".join(shlex.quote(w) for w in words)
    assert split_commands(line, cwd="/nowhere", namespace=dict(NAMESPACE)) == [["ps", *words]]


@settings(**BOUNDED)
@given(value=st.text(st.characters(exclude_categories=("Cs",)), max_size=20))
def test_a_value_is_one_word_and_never_a_flag(value):
    [argv] = split_commands("run {v} img", cwd="/", namespace={"v": value})
    assert argv[1] == value and argv[2] == "img"
    p = grammar.read(RUN, argv[1:])
    assert p.args[0] == value and not p.flags


_secret = st.text(string.ascii_letters + string.digits + "#@%+!-_", min_size=4, max_size=16)


@settings(**BOUNDED)
@given(secret=_secret, before=st.text(max_size=20), after=st.text(max_size=20))
def test_a_learned_value_never_shows(secret, before, after):
    forget_all()
    remember(secret)
    try:
        text = f"{before} {secret} {after}"
        assert secret not in redact(text).replace(MASK, " ")
    finally:
        forget_all()


@settings(**BOUNDED)
@given(value=st.text(string.ascii_letters + string.digits + "#@:/%", min_size=1, max_size=16),
       name=st.sampled_from(["POSTGRES_PASSWORD", "DB_PASS", "DB_PWD", "API_TOKEN", "aws_secret_access_key",
                             "apiKey", "PW"]),
       form=st.sampled_from(["{n}={v}", "{n}=\"{v}\"", "declare -x {n}=\"{v}\"", "export {n}='{v}'",
                             "  {n}: {v}", "{{\"user\": \"u\", \"{n}\": \"{v}\"}}", "a: b {n}: {v}",
                             "--{n} {v}"]))
def test_secret_patterns_hide_the_value(value, name, form):
    forget_all()
    if form.startswith("--"):
        name = name.lower().replace("_", "-")
    assume(value not in form.format(n=name, v=""))
    shown = redact(form.format(n=name, v=value))
    assert name in shown and MASK in shown
    assert value not in shown.replace(name, "")


@settings(**BOUNDED)
@given(text=st.text(max_size=120), cuts=st.lists(st.integers(0, 120), max_size=6))
def test_streams_are_redacted_per_line_whatever_the_chunks(text, cuts):
    data = text.encode()
    bounds = sorted({min(c, len(data)) for c in cuts} | {0, len(data)})
    lines = LineRedactor()
    got = []
    for a, b in zip(bounds, bounds[1:]):
        got += lines.feed(data[a:b])
    got += lines.flush()
    whole = text.split("\n")
    if whole and whole[-1] == "":
        whole.pop()
    assert got == [redact(line.rstrip("\r")) for line in whole]
