"""The widgets of one row of the containers view: its own action buttons and its cells.

Why one small widget group per row: a click acts on the row it is in, and an engine event for one
container changes only that row's widgets (one or two messages to the page), whatever the number of
rows. To keep 200 rows light in the browser (each widget model costs the page ~2 ms to build), a row
is just four models: three buttons and one HTML, placed in the view's one GridBox (no box per row),
and all rows share their layouts and styles.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as w
from ipywidgets.widgets.widget_string import HTMLStyle  # not exported at the top level

from .parts import row_actions, row_html

#: CSS class of a row's cells; each widget of a row also carries ``dockermagic-<short id>``.
CELLS_CLASS = "dockermagic-cells"
#: Grid columns: the three buttons, then the cells.
GRID_COLUMNS = "60px 60px 60px max-content"


class RowStyle:
    """The layouts and styles all rows of one view share."""

    def __init__(self) -> None:
        # the table scrolls sideways in the output area rather than squeezing the cells
        self.table = w.Layout(grid_template_columns=GRID_COLUMNS, grid_gap="1px 0", overflow="auto",
                              align_items="center")
        self.spacer = w.Layout(width="58px")  # the header row's three cells over the buttons
        self.button = w.Layout(width="58px", height="22px", margin="0 2px 0 0", padding="0")
        self.hidden = w.Layout(width="58px", height="22px", margin="0 2px 0 0", padding="0", visibility="hidden")
        self.button_style = w.ButtonStyle()
        self.pager = w.Layout(width="80px")
        self.cells = w.Layout(margin="0", flex="0 0 auto")
        self.cells_style = HTMLStyle()

    def close(self) -> None:
        for part in (self.table, self.spacer, self.button, self.hidden, self.button_style, self.pager,
                     self.cells, self.cells_style):
            part.close()


class ContainerRow:
    """One container's row: [stop or start] [logs] [remove] then its cells. The first button says
    stop while the container runs and start when it does not; a dead container has none.

    Args:
        cid: the container id the buttons act on.
        on_action: called as ``on_action(action, cid)`` on a click.
        style: the view's shared RowStyle.
    """

    def __init__(self, cid: str, on_action: Callable[[str, str], Any], style: RowStyle,
                 cells: list[str], state: str) -> None:
        self.cid = cid
        self._style = style
        # Every value is given to the constructors: a widget goes to the page in one message, not
        # one plus an update per trait set afterwards (200 rows: ~2000 messages fewer).
        mark = f"dockermagic-{cid[:12]}"
        first = row_actions(state)[0]
        self.toggle = self._button(first if first in ("stop", "start") else "start", on_action, mark,
                                   hidden=first not in ("stop", "start"))
        self.buttons = {a: self._button(a, on_action, mark) for a in ("logs", "remove")}
        self.cells = w.HTML(row_html(cells), layout=style.cells, style=style.cells_style,
                            _dom_classes=(CELLS_CLASS, mark))
        self.items = (self.toggle, self.buttons["logs"], self.buttons["remove"], self.cells)

    def _button(self, action: str, on_action, mark: str, hidden: bool = False) -> w.Button:
        b = w.Button(description=action, layout=self._style.hidden if hidden else self._style.button,
                     style=self._style.button_style, _dom_classes=(mark,))
        # the toggle's action is what it says at the click (stop or start)
        b.on_click(lambda button: on_action(button.description, self.cid))
        return b

    def update(self, cells: list[str], state: str) -> None:
        """Show new cells and the buttons for `state`; an unchanged value sends nothing to the page."""
        self.cells.value = row_html(cells)
        actions = row_actions(state)
        if actions[0] in ("stop", "start"):
            self.toggle.description = actions[0]
            self.toggle.layout = self._style.button
        else:
            self.toggle.layout = self._style.hidden

    def buttons_shown(self) -> dict[str, w.Button]:
        """The buttons on screen now, by action."""
        shown = {} if self.toggle.layout is self._style.hidden else {self.toggle.description: self.toggle}
        return {**shown, **self.buttons}

    def close(self) -> None:
        for item in self.items:
            item.close()
