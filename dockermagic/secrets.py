"""Keep secret values out of every display and repr."""

from __future__ import annotations

import re
from typing import Iterable, Mapping

MASK = "••••••"
_SECRET_NAME = re.compile(r"PASSWORD|PASSWD|TOKEN|SECRET|KEY", re.IGNORECASE)
# user:password@ in URLs (postgresql://root:root@db:5432/x)
_URL_PASSWORD = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]+):(?P<pw>[^@\s]+)@")


# NAME=value, alone or after a flag: POSTGRES_PASSWORD=x, --env=TOKEN=x, -eTOKEN=x
_ENV_ASSIGNMENT = re.compile(r"^(?P<prefix>--?[A-Za-z-]*=?|)(?P<name>[A-Za-z_][A-Za-z0-9_.]*)=")
# Inside free text (logs, Compose output): NAME=value, and NAME: value (YAML/JSON) to the end of the line.
_TEXT_ASSIGNMENT = re.compile(r"\b(?P<name>[A-Za-z_][A-Za-z0-9_.]*)=(?P<value>[^\s\"']+)")
_TEXT_PAIR = re.compile(r"(?P<head>(?<![\w.-])[\"']?(?P<name>[A-Za-z_][\w.-]*)[\"']?:[ \t]+)(?P<value>\S[^\n]*)")


def is_secret_name(name: str) -> bool:
    """True for names such as POSTGRES_PASSWORD, GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY."""
    return bool(_SECRET_NAME.search(name))


def mask_url(text: str) -> str:
    """Replace the password part of any ``scheme://user:password@host`` in text."""
    return _URL_PASSWORD.sub(lambda m: f"{m.group('scheme')}:{MASK}@", text)


def mask_value(name: str, value: str) -> str:
    if is_secret_name(name):
        return MASK
    return mask_url(value)


def mask_env_list(env: Iterable[str] | None) -> list[str]:
    """Mask ``NAME=value`` entries as the engine reports them (Config.Env)."""
    masked = []
    for item in env or []:
        name, sep, value = item.partition("=")
        masked.append(f"{name}{sep}{mask_value(name, value)}" if sep else item)
    return masked


def mask_env_dict(env: Mapping[str, str] | None) -> dict[str, str]:
    return {k: mask_value(k, str(v)) for k, v in (env or {}).items()}


def mask_argv(argv: Iterable[str]) -> list[str]:
    """Mask secrets in a command line: ``-e POSTGRES_PASSWORD=x`` and URLs with passwords."""
    out = []
    for arg in argv:
        m = _ENV_ASSIGNMENT.match(arg)
        if m and is_secret_name(m.group("name")):
            out.append(f"{m.group('prefix')}{m.group('name')}={MASK}")
        else:
            out.append(mask_url(arg))
    return out


def mask_text(text: str) -> str:
    """Mask secrets in output text: ``POSTGRES_PASSWORD=x``, a ``API_TOKEN: x`` line (what
    ``docker compose config`` prints) and URL passwords."""
    text = mask_url(text)
    text = _TEXT_ASSIGNMENT.sub(lambda m: f"{m.group('name')}={MASK}" if is_secret_name(m.group("name"))
                                else m.group(0), text)
    return _TEXT_PAIR.sub(lambda m: f"{m.group('head')}{MASK}" if is_secret_name(m.group("name"))
                          else m.group(0), text)


def mask_inspect(data):
    """Deep-copy an inspect dict with secret env values and URL passwords masked."""
    if isinstance(data, dict):
        out = {}
        for k, v in data.items():
            if k == "Env" and isinstance(v, list):
                out[k] = mask_env_list(v)
            elif isinstance(v, str) and is_secret_name(k):
                out[k] = MASK
            else:
                out[k] = mask_inspect(v)
        return out
    if isinstance(data, list):
        return [mask_inspect(v) for v in data]
    if isinstance(data, str):
        return mask_url(data)
    return data
