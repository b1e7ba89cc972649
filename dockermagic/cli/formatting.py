"""``--format`` for ps, images and inspect: a small subset of Go templates, or ``json``.

Supported: ``{{.Field}}`` and dotted paths (``{{.State.Status}}``, ``{{.Config.Labels}}``),
``{{json .X}}`` / ``{{json .}}``, ``{{range .X}}…{{end}}`` (over a map's values or a list,
with ``.`` bound to each item), literal text and ``\\t``/``\\n``; the word ``table`` at the
start is dropped. Anything else raises CommandError naming the action.
"""

from __future__ import annotations

import json
import re

from ..errors import CommandError
from ..redaction import redact

_ACTION = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}")


class Lines(list):
    """Output one line per item, as the CLI prints it (``ps -q``, ``port``, ``--format``, names
    from ``stop``/``rm``); a list of str, so ``x[0]``, ``in`` and ``==`` work. ``.lines`` is a
    plain list, ``.to_frame()`` a one-column DataFrame."""

    @property
    def lines(self) -> list[str]:
        return list(self)

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame({"line": list(self)})

    def __repr__(self) -> str:
        return "\n".join(map(str, self))


def _lookup(obj, path: str):
    if path == ".":
        return obj
    for part in path.strip(".").split("."):
        if isinstance(obj, dict):
            obj = obj.get(part)
        else:
            return None
    return obj


def _text(v) -> str:
    if v is None:
        return "<no value>"
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, (dict, list)):
        return json.dumps(v) if isinstance(v, dict) else " ".join(map(_text, v))
    return str(v)


def _render(tokens: list, obj, i: int = 0, stop_at_end: bool = False):
    out = []
    while i < len(tokens):
        kind, val = tokens[i]
        i += 1
        if kind == "text":
            out.append(val)
        elif val == "end":
            if stop_at_end:
                return "".join(out), i
            raise CommandError("The --format template has an {{end}} without {{range}}.")
        elif val.startswith("range "):
            path = val[6:].strip()
            items = _lookup(obj, path)
            if isinstance(items, dict):
                items = list(items.values())
            elif isinstance(items, list) or items is None:
                items = list(items or [])
            else:  # as in Go: range over a number or a string is an error, not a loop
                raise CommandError(f"The --format action {{{{range {path}}}}} needs a list or a map, "
                                   f"and {path} is {'text' if isinstance(items, str) else 'a single value'}.")
            body_end = None
            for item in items or [None]:
                text, body_end = _render(tokens, item, i, stop_at_end=True)
                if item is not None:
                    out.append(text)
            i = body_end
        elif val.startswith("json "):
            out.append(json.dumps(_lookup(obj, val[5:].strip()), default=str))
        elif val.startswith("."):
            out.append(_text(_lookup(obj, val)))
        else:
            raise CommandError(f"The --format action {{{{{val}}}}} is not supported (fields, json, range only).")
    if stop_at_end:
        raise CommandError("The --format template has a {{range}} without {{end}}.")
    return "".join(out), i


def render(template: str, objects: list[dict]) -> Lines:
    """Apply ``template`` to each object, like ``docker … --format``; ``json`` → one JSON per line."""
    if template.strip() == "json":
        return Lines([redact(json.dumps(o, default=str)) for o in objects])
    template = template.removeprefix("table").lstrip() if template.startswith("table ") else template
    template = template.replace("\\t", "\t").replace("\\n", "\n")
    tokens, pos = [], 0
    for m in _ACTION.finditer(template):
        tokens.append(("text", template[pos:m.start()]))
        tokens.append(("action", m.group(1)))
        pos = m.end()
    tokens.append(("text", template[pos:]))
    if any(kind == "text" and "{{" in val for kind, val in tokens):
        raise CommandError("The --format template has a {{ without its closing }}.")
    _render(tokens, {})  # a bad template is refused even when there is nothing to format
    return Lines([redact(_render(tokens, o)[0]) for o in objects])
