"""Keep secret values out of every display, repr, error and stream: the one redaction module.

It works the way CI logs are masked: every secret *value* dockermagic learns (``remember``) is
replaced wherever it appears later, and name *patterns* catch the values it has not learned.

Learned: the values of secret-named variables (``is_secret_name``) from ``-e``/``--env-file``,
a container's ``Config.Env`` (inspect, the widgets), Compose ``environment``, and URL passwords
(``scheme://user:pw@``). Not learned: values under 4 characters (masking ``1`` or ``on``
everywhere would hide ordinary text), a value the same settings also give a non-secret
name (``POSTGRES_USER=root`` with ``POSTGRES_PASSWORD=root``: it is a user name in clear anyway),
and a word of the container's image or name (``POSTGRES_PASSWORD=postgres`` on ``postgres:13``).

Patterns: ``NAME=value`` (also quoted, after ``declare -x``/``export``), ``NAME: value`` (YAML,
also after other pairs on the line), ``"NAME": "value"`` (JSON), ``--password x``/``--token=x``,
``scheme://user:pw@`` and ``redis://:pw@``. Streams go through ``LineRedactor`` so that a secret
split across two chunks is still one line when it is masked.
"""

from __future__ import annotations

import codecs
import re
import threading
from typing import Iterable, Iterator, Mapping

MASK = "••••••"
MIN_LENGTH = 4

# A name is cut into words (POSTGRES_PASSWORD, db-pass, apiKey, x.token) and judged by them, so
# MONKEY and KEYBOARD stay visible while API_KEY and DB_PASS do not.
_SECRET_WORDS = {"password", "passwd", "passphrase", "pass", "pw", "pwd", "secret", "secrets", "token", "key",
                 "apikey", "privatekey"}
_SECRET_ENDINGS = ("password", "passwd", "secret", "token", "apikey")
# POSTGRES_PASSWORD_FILE, --password-stdin: the value says where the secret is, not what it is.
_NOT_SECRET_LAST = {"file", "path", "stdin", "dir"}
_WORD_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")

_PUBLIC_WORD = re.compile(r"[^A-Za-z0-9_.-]+")
_lock = threading.Lock()
_known: set[str] = set()
_known_re: re.Pattern | None = None


def is_secret_name(name: str) -> bool:
    """True for POSTGRES_PASSWORD, DB_PASS, DB_PWD, apiKey, AWS_SECRET_ACCESS_KEY, --db-token;
    False for MONKEY, KEYBOARD, PWD (the working directory), a bare ``key`` (as in ``key=value``)
    and *_FILE / *_PATH names."""
    words = [w.lower() for w in _WORD_SPLIT.split(name) if w]
    if not words or words[-1] in _NOT_SECRET_LAST or words in (["pwd"], ["key"]):
        return False
    return any(w in _SECRET_WORDS or w.endswith(_SECRET_ENDINGS) for w in (w.rstrip("0123456789") for w in words))


def remember(value: str | None) -> None:
    """Treat ``value`` as secret from now on: ``redact`` replaces it wherever it appears."""
    global _known_re
    value = (value or "").strip()
    if len(value) < MIN_LENGTH or MASK in value:
        return
    with _lock:
        if value in _known:
            return
        _known.add(value)
        # Longest first, so a secret that contains another is masked whole; a value is masked only
        # as a whole token (not inside a longer run of letters and digits).
        alternatives = "|".join(re.escape(v) for v in sorted(_known, key=len, reverse=True))
        _known_re = re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])")


def forget_all() -> None:
    """Forget every learned value (tests; a long session that wants a clean slate)."""
    global _known_re
    with _lock:
        _known.clear()
        _known_re = None


def remember_env(env: Iterable[str] | Mapping[str, object] | None, public: Iterable[str] = ()) -> None:
    """Learn the secret values of an environment: ``["NAME=value", ...]`` or ``{"NAME": value}``
    (``-e``, ``--env-file``, ``Config.Env``, Compose ``environment``).

    A value that is also shown in clear is not learned: one the same environment gives a
    non-secret name, or a word of ``public`` (the container's image and name; not its command,
    which is a place a secret shows), so
    ``POSTGRES_PASSWORD=postgres`` does not hide the image ``postgres:13`` everywhere.
    """
    if isinstance(env, Mapping):
        pairs = [(str(k), "" if v is None else str(v)) for k, v in env.items()]
    else:
        pairs = [tuple(str(item).partition("=")[::2]) for item in env or [] if "=" in str(item)]
    public = {v for k, v in pairs if not is_secret_name(k)} | {
        w for text in public if text for w in (str(text), *_PUBLIC_WORD.split(str(text)))}
    for k, v in pairs:
        if is_secret_name(k) and v not in public:
            remember(v)


def _by_value(text: str) -> str:
    pattern = _known_re
    return pattern.sub(MASK, text) if pattern is not None else text


# user:password@ in URLs (postgresql://root:pw@db/x, redis://:pw@host); the user may be empty.
_URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.-]*://(?P<user>[^:/@\s]*)):(?P<pw>[^@\s/]+)@")


def mask_url(text: str) -> str:
    """Replace (and learn) the password part of any ``scheme://user:password@host`` in text."""
    def one(m: re.Match) -> str:
        if m.group("pw") != m.group("user"):
            remember(m.group("pw"))
        return f"{m.group('head')}:{MASK}@"
    return _URL_PASSWORD.sub(one, text)


_NAME = r"[A-Za-z_][A-Za-z0-9_.-]*"
_QUOTED = r"\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*'"
# NAME=value, the value quoted or up to the next blank or quote (also in declare -x / export lines).
_ASSIGN = re.compile(rf"(?<![\w.])(?P<name>{_NAME})=(?P<value>{_QUOTED}|[^\s\"']+)")
# "NAME": "value" or 'NAME': value (JSON, Python reprs).
_JSON_PAIR = re.compile(rf"(?P<q>[\"'])(?P<name>{_NAME})(?P=q)\s*:\s*(?P<value>{_QUOTED}|[^\s,}}\]]+)")
# NAME: value — to the end of the line when the key starts the line (YAML), else one word.
_YAML_PAIR = re.compile(rf"(?P<lead>^[ \t]*(?:-[ \t]+)?)?(?<![\w.\"'-])(?P<name>{_NAME}):[ \t]+"
                        rf"(?P<value>{_QUOTED}|(?(lead)[^\n]*[^\s]|[^\s,}}\]]+))", re.MULTILINE)
# --password x, --db-token=x (long flags only: -p is docker's publish, not a password).
_FLAG = re.compile(rf"(?<![\w-])--(?P<name>[A-Za-z][A-Za-z0-9-]*)(?:=|[ \t]+)(?P<value>{_QUOTED}|[^\s\"'-][^\s\"']*)")


def _mask_pairs(pattern: re.Pattern, text: str) -> str:
    """Mask each match's value when its name is secret. A pair whose name is not secret gives up
    only its name, so a secret pair later on the same line is still found."""
    out, pos = [], 0
    while True:
        m = pattern.search(text, pos)
        if m is None:
            out.append(text[pos:])
            return "".join(out)
        value = m.group("value")
        if is_secret_name(m.group("name")) and MASK not in value:
            quote = value[0] if value[:1] in ("'", '"') and len(value) > 1 and value[-1] == value[0] else ""
            out.append(text[pos:m.start("value")] + f"{quote}{MASK}{quote}")
            pos = m.end("value")
        else:
            out.append(text[pos:m.end("name")])
            pos = m.end("name")


def redact(text: str) -> str:
    """Mask every learned secret value and every secret-looking pattern in ``text``.

    This is what every display, error and stream line of dockermagic goes through.
    """
    if not isinstance(text, str):
        text = str(text)
    text = _by_value(mask_url(text))
    for pattern in (_JSON_PAIR, _ASSIGN, _YAML_PAIR, _FLAG):
        text = _mask_pairs(pattern, text)
    return text


mask_text = redact  # the older name, used across the package


class LineRedactor:
    """Redact a stream line by line, whatever its chunks: ``feed(chunk)`` returns the complete lines
    (masked, without their newline); ``flush()`` returns what is left after the last newline.

    Bytes are decoded incrementally (UTF-8, invalid bytes replaced), so a character or a secret
    cut in two by the chunking is whole again before it is masked.
    """

    def __init__(self):
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""

    def feed(self, chunk: bytes | str) -> list[str]:
        text = self._decoder.decode(chunk) if isinstance(chunk, (bytes, bytearray)) else chunk
        *lines, self._pending = (self._pending + text).split("\n")
        return [redact(line.rstrip("\r")) for line in lines]

    def flush(self) -> list[str]:
        rest = self._pending + self._decoder.decode(b"", final=True)
        self._pending = ""
        return [redact(rest.rstrip("\r"))] if rest else []


def redact_lines(chunks: Iterable[bytes | str]) -> Iterator[str]:
    """Masked lines out of a stream of chunks (``LineRedactor`` over an iterable)."""
    lines = LineRedactor()
    for chunk in chunks:
        yield from lines.feed(chunk)
    yield from lines.flush()


def mask_value(name: str, value: str) -> str:
    return MASK if is_secret_name(name) and value else redact(value)


def mask_env_list(env: Iterable[str] | None, *, learn: bool = True) -> list[str]:
    """Mask ``NAME=value`` entries as the engine reports them (Config.Env), learning the secrets."""
    env = list(env or [])
    if learn:
        remember_env(env)
    masked = []
    for item in env:
        name, sep, value = str(item).partition("=")
        masked.append(f"{name}{sep}{mask_value(name, value)}" if sep else redact(item))
    return masked


def mask_env_dict(env: Mapping[str, object] | None) -> dict[str, str]:
    remember_env(env)
    return {k: mask_value(k, "" if v is None else str(v)) for k, v in (env or {}).items()}


_ENV_WORD = re.compile(r"^(?P<prefix>-[A-Za-z]|--[A-Za-z-]+=|)(?P<name>[A-Za-z_][A-Za-z0-9_.]*)=")


def mask_argv(argv: Iterable[str]) -> list[str]:
    """Mask secrets in a command line, word by word: ``-e POSTGRES_PASSWORD=x``, ``--password x``,
    ``--token=x``, URLs with passwords, learned values, and the patterns ``redact`` knows."""
    out: list[str] = []
    secret_next = False
    for arg in map(str, argv):
        m = _ENV_WORD.match(arg)
        if secret_next and not arg.startswith("-"):
            out.append(MASK)
        elif m and is_secret_name(m.group("name")):
            out.append(f"{m.group('prefix')}{m.group('name')}={MASK}")
        else:
            out.append(redact(arg))
        secret_next = arg.startswith("--") and "=" not in arg and is_secret_name(arg[2:])
    return out


def mask_inspect(data, key: str = ""):
    """A deep copy of an inspect dict with every string redacted: env values (learned first, so they
    are masked wherever else they appear), values under secret-named keys (labels too), command
    lists (Cmd, Args, Entrypoint, Healthcheck) word by word."""
    if isinstance(data, dict):
        config = data.get("Config")
        if isinstance(config, dict):
            remember_env(config.get("Env"), public=[str(data.get("Name", "")), str(config.get("Image", ""))])
        out = {}
        for k, v in data.items():
            if k == "Env" and isinstance(v, list):
                out[k] = mask_env_list(v, learn=False)
            elif isinstance(v, str) and is_secret_name(str(k)) and v:
                remember(v)
                out[k] = MASK
            else:
                out[k] = mask_inspect(v, str(k))
        return out
    if isinstance(data, list):
        if data and all(isinstance(v, str) for v in data):
            return mask_argv(data)
        return [mask_inspect(v, key) for v in data]
    if isinstance(data, str):
        return redact(data)
    return data
