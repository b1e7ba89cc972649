"""A small list result: HTML table in notebooks, aligned text in a terminal, ``.to_frame()``."""

from __future__ import annotations

import html

from .redaction import redact


def text_grid(head: list[str], rows: list[list]) -> str:
    """Columns padded to their widest cell, as the docker CLI prints its tables."""
    grid = [list(head)] + [[str(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in grid) for i in range(len(head))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in grid)


class Table:
    """Rows (dicts) shown under ``columns``; used by images, volume ls, version, info, top, stats."""

    def __init__(self, columns: list[str], rows: list[dict]):
        self.columns = columns
        # Masked once, here: top's command lines, info's proxy URLs... every table shows only this.
        self.rows = [{k: redact(v) if isinstance(v, str) else v for k, v in r.items()} for r in rows]

    def __len__(self) -> int:
        return len(self.rows)

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame(self.rows, columns=self.columns)

    def __repr__(self) -> str:
        return text_grid([c.upper() for c in self.columns], [[r.get(c, "") for c in self.columns] for r in self.rows])

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(r.get(c, '')))}</td>" for c in self.columns)
                       + "</tr>" for r in self.rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
