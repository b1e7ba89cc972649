"""The package keeps its shape: short functions with few parameters, and only the UI folders import the UI.

Functions: at most 60 lines (decorators and docstring included) and 8 parameters (``self``/``cls`` not
counted; ``*args`` and ``**kwargs`` count one each) — longer ones take an options dataclass or split.
Imports: only ``dockermagic/widgets/`` and ``dockermagic/magics/`` import IPython or ipywidgets; the plain
API works without them. Read with ``ast``, nothing is imported.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "dockermagic"
MAX_LINES, MAX_PARAMS = 60, 8
UI_MODULES = ("IPython", "ipywidgets")
UI_FOLDERS = ("widgets", "magics")


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(PACKAGE.parent).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def _functions(tree):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def _parameters(fn) -> int:
    a = fn.args
    names = [p.arg for p in a.posonlyargs + a.args + a.kwonlyargs]
    if names and names[0] in ("self", "cls"):
        names = names[1:]
    return len(names) + (a.vararg is not None) + (a.kwarg is not None)


def _first_line(fn) -> int:
    return min([fn.lineno] + [d.lineno for d in fn.decorator_list])


def _imported(node) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        return [node.module]
    return []


def _module_level_imports(tree):
    """Imports that run when the module is imported: not inside a function (``if``/``try`` blocks count)."""
    todo = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        todo.extend(ast.iter_child_nodes(node))


def test_no_function_is_over_60_lines_or_8_parameters():
    offenders = []
    for name, tree in _modules():
        for fn in _functions(tree):
            lines = fn.end_lineno - _first_line(fn) + 1
            if lines > MAX_LINES:
                offenders.append(f"{name}:{fn.lineno} {fn.name} has {lines} lines")
            if _parameters(fn) > MAX_PARAMS:
                offenders.append(f"{name}:{fn.lineno} {fn.name} has {_parameters(fn)} parameters")
    assert not offenders, "\n".join(offenders)


def test_only_widgets_and_magics_import_ipython_or_ipywidgets():
    offenders = []
    for name, tree in _modules():
        if name.split("/")[1] in UI_FOLDERS:
            continue
        for node in _module_level_imports(tree):
            for module in _imported(node):
                if module.split(".")[0] in UI_MODULES:
                    offenders.append(f"{name}:{node.lineno} imports {module}")
    assert not offenders, "\n".join(offenders)


def test_the_checks_see_what_they_look_for():
    tree = ast.parse("import os\ntry:\n    import IPython\nexcept ImportError:\n    pass\n"
                     "def f(self, a, b, *c, d, **e):\n    import ipywidgets\n")
    assert [_imported(n) for n in _module_level_imports(tree)] in ([["IPython"], ["os"]], [["os"], ["IPython"]])
    [fn] = _functions(tree)
    assert _parameters(fn) == 5 and fn.end_lineno - _first_line(fn) + 1 == 2
