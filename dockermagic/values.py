"""Reading the docker CLI's value forms — numbers, ``key=value`` filters and pairs — as plain Python.

Shared by the CLI layer (which reads the words) and the engine functions (which also take these
forms from code), so neither has to import the other.
"""

from __future__ import annotations

import os
import re

from .errors import CommandError


def whole_number(what: str, value, *, low: int = 0, high: int = 2**31 - 1) -> int:
    """``value`` as an int in ``low..high``, read as the CLI reads numbers (ASCII digits, an
    optional leading ``-``); ``what`` names the flag in the error (``"ps -n"``).

    Raises:
        CommandError: not a whole number, or out of range.
    """
    text = str(value).strip()
    if not re.fullmatch(r"-?[0-9]{1,19}", text):
        raise CommandError(f"'docker {what}' needs a whole number, got {str(value)[:40]!r}.")
    number = int(text)
    if not low <= number <= high:
        raise CommandError(f"'docker {what}' must be between {low} and {high}, got {text}.")
    return number


def parse_filters(filters: list[str] | None) -> dict[str, list[str]]:
    """``--filter key=value`` strings → the engine's filter dict (``label=a=b`` keeps ``a=b``).

    Similar to how the docker CLI reads repeated ``--filter`` flags: one key may repeat.

    Raises:
        CommandError: a filter without ``=`` or with nothing after it.
    """
    out: dict[str, list[str]] = {}
    for f in filters or []:
        key, eq, value = f.partition("=")
        if not eq or not value:
            raise CommandError(f"The filter {f!r} must look like key=value.")
        out.setdefault(key, []).append(value)
    return out


def key_values(items: list[str] | None, what: str, *, from_env: bool = False) -> dict[str, str]:
    """``KEY=VALUE`` strings as a dict (the value may hold ``=`` and spaces); with ``from_env`` a
    bare ``KEY`` takes its value from the environment, as ``docker build --build-arg KEY`` does.

    Raises:
        CommandError: an item without ``=`` (unless ``from_env``), or with no key.
    """
    out = {}
    for item in items or []:
        key, eq, value = item.partition("=")
        if not key or (not eq and not from_env):
            raise CommandError(f"{what} takes KEY=VALUE, got {item!r}.")
        out[key] = value if eq else os.environ.get(key, "")
    return out
