"""Results as the docker CLI prints them: tables (``ps``, ``images``, ``volume ls``…) and JSON documents
(``inspect``). Each shows as HTML in a notebook, as the CLI's text in a terminal, and has ``.to_frame()``."""

from __future__ import annotations

import html
import json

from .redaction import redact

# The CLI lays its tables out with Go's tabwriter(minwidth=10, padding=3): every column but the last is
# at least 10 wide and 3 spaces wider than its widest cell.
_MIN_WIDTH, _PADDING = 10, 3


def text_grid(head: list[str], rows: list[list]) -> str:
    """Columns padded as the docker CLI pads them; the last column is not padded."""
    grid = [list(head)] + [[str(cell) for cell in row] for row in rows]
    widths = [max(max(len(row[i]) for row in grid) + _PADDING, _MIN_WIDTH) for i in range(len(head))]
    return "\n".join(("".join(cell.ljust(w) for cell, w in zip(row[:-1], widths)) + row[-1]).rstrip()
                     for row in grid)


def html_table(head: list[str], rows: list[list], titles: list[list] | None = None) -> str:
    """An HTML table of text cells, escaped; ``titles`` (same shape as rows) become hover texts."""
    def cell(text, title):
        hover = f' title="{html.escape(str(title))}"' if title else ""
        return f"<td{hover}>{html.escape(str(text))}</td>"

    titles = titles or [[None] * len(head) for _ in rows]
    body = "".join("<tr>" + "".join(map(cell, row, tips)) + "</tr>" for row, tips in zip(rows, titles))
    heading = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    return f"<table><thead><tr>{heading}</tr></thead><tbody>{body}</tbody></table>"


class Table:
    """Rows (dicts) shown under ``columns``; used by images, volume ls, version, info, top, stats.

    ``head`` names the columns in the text and HTML forms (the CLI's ``IMAGE ID``, ``VOLUME NAME``);
    by default the column keys in capitals. ``.to_frame()`` keeps the keys.
    """

    def __init__(self, columns: list[str], rows: list[dict], head: list[str] | None = None):
        self.columns = columns
        self.head = head or [c.upper() for c in columns]
        # Masked once, here: top's command lines, info's proxy URLs... every table shows only this.
        self.rows = [{k: redact(v) if isinstance(v, str) else v for k, v in r.items()} for r in rows]

    def __len__(self) -> int:
        return len(self.rows)

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame(self.rows, columns=self.columns)

    def _cells(self) -> list[list]:
        return [[r.get(c, "") for c in self.columns] for r in self.rows]

    def __repr__(self) -> str:
        return text_grid(self.head, self._cells())

    def _repr_html_(self) -> str:
        return html_table(self.head, self._cells())


def json_text(data) -> str:
    """JSON indented as ``docker inspect`` prints it (four spaces, non-ASCII kept)."""
    return json.dumps(data, indent=4, ensure_ascii=False, default=str)


def json_html(data, open_depth: int = 2) -> str:
    """JSON as nested ``<details>`` elements: objects and arrays fold, the first ``open_depth`` levels open."""
    return f'<div class="dm-json" style="font-family:monospace;white-space:pre-wrap">{_json_node("", data, 0, open_depth)}</div>'


def _json_node(key: str, value, depth: int, open_depth: int) -> str:
    label = f"{html.escape(json.dumps(key, ensure_ascii=False))}: " if key else ""
    if not isinstance(value, (dict, list)) or not value:
        return f"<div>{label}{html.escape(json.dumps(value, ensure_ascii=False, default=str))}</div>"
    items = value.items() if isinstance(value, dict) else (("", v) for v in value)
    brackets = "{}" if isinstance(value, dict) else "[]"
    count = f"{len(value)} {'key' if isinstance(value, dict) else 'item'}{'s' if len(value) != 1 else ''}"
    children = "".join(_json_node(str(k), v, depth + 1, open_depth) for k, v in items)
    return (f"<details{' open' if depth < open_depth else ''}><summary>{label}{brackets[0]} "
            f"<i>{count}</i></summary><div style=\"margin-left:1.5em\">{children}</div>"
            f"<div>{brackets[1]}</div></details>")
