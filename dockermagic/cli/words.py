"""Split a ``%%docker`` cell into docker command lines, the way a POSIX shell reads them.

One pass over the text, so that what is expanded depends on where it stands, as in a shell:

- ``'...'`` is taken literally: nothing inside is expanded, ``~``, ``$PWD``, ``$(pwd)``, ``\\``
  and newlines included. ``"..."`` expands ``$``/``{}`` forms; ``\\`` escapes ``$ ` " \\`` there.
- ``#`` starts a comment only at the start of a word (``-e PW=abc#123`` keeps its ``#``).
- A newline ends a command unless it is quoted or escaped (``\\`` at the end of a line).
- Expanded, and nothing else: ``$(pwd)``, ``${PWD}``, ``$PWD`` (``cwd``); ``~`` alone or as
  ``~/…`` at the start of an unquoted word; with a ``namespace``, ``{name}``/``{obj.attr}``/
  ``{seq[0]}`` and ``$name`` (a Python variable; ``$name`` only when it exists). A value goes
  in as written: it is never split into several words, never expanded again, and a word that
  begins with a value is never read as a flag (``grammar.Literal``).
- Any other ``$(...)`` or backtick is refused: there is no command substitution. Go templates
  (``{{.Names}}``), ``${X}`` and ``$$`` are left as written. A leading ``docker`` is optional.
"""

from __future__ import annotations

import os
import re

from ..errors import CommandError
from .grammar import Literal
from ..redaction import mask_argv

_PWD = re.compile(r"\$\(pwd\)|\$\{PWD\}|\$PWD(?![A-Za-z0-9_])")
_BRACED = re.compile(r"\{([A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[(?:\d+|'[^'{}\n]*'|\"[^\"{}\n]*\")\])*)\}")
_DOLLAR = re.compile(r"\$([A-Za-z_]\w*)")
_SUBSTITUTION = re.compile(r"\$\(|`")
_DOUBLE_QUOTE_ESCAPES = '$`"\\\n'


def _shown(text: str) -> str:
    """Text for an error message: secrets masked word by word."""
    return " ".join(mask_argv(text.split()))


def _as_text(value, spelled: str) -> str:
    try:
        return str(value)
    except Exception as exc:  # any object may define __str__; its failure is the user's to see
        raise CommandError(f"{spelled} could not be turned into text ({type(exc).__name__}).") from exc


def _braced_value(expr: str, namespace: dict) -> str:
    root = re.match(r"\w+", expr).group(0)
    if root not in namespace:
        raise CommandError(f"{{{expr}}} names no Python variable of the notebook; define {root} "
                           "first (docker's own forms are $(pwd) and {{.Field}}).")
    try:
        value = eval(expr, {"__builtins__": {}}, namespace)  # names, attributes, literal indexes only
    except Exception as exc:
        raise CommandError(f"{{{expr}}} could not be expanded: {exc}.") from exc
    return _as_text(value, f"{{{expr}}}")


class _Reader:
    """The state of one pass: the commands so far, the current command's words and word."""

    def __init__(self, text: str, cwd: str, namespace: dict | None):
        self.text, self.cwd, self.namespace = text, cwd, namespace
        self.commands: list[list[str]] = []
        self.words: list[str] = []
        self.parts: list[str] = []
        self.started = False  # '' is a word; nothing at all is not
        self.from_value: bool | None = None  # did the word's first character come from a value?
        self.word_at = 0

    def add(self, piece: str, *, value: bool = False) -> None:
        if not self.started:
            self.started = True
        if piece and self.from_value is None:
            self.from_value = value
        self.parts.append(piece)

    def end_word(self) -> None:
        if self.started:
            word = "".join(self.parts)
            self.words.append(Literal(word) if self.from_value else word)
        self.parts, self.started, self.from_value = [], False, None

    def end_command(self) -> None:
        self.end_word()
        if self.words:
            self.commands.append(self.words)
        self.words = []

    def expand(self, i: int) -> int | None:
        """Expand the ``$``/``{``/backtick form at ``i``; returns the index after it (None: not one)."""
        text, ns = self.text, self.namespace
        m = _PWD.match(text, i)
        if m:
            self.add(self.cwd)
            return m.end()
        if _SUBSTITUTION.match(text, i):
            end = text.find(")", i) if text[i] == "$" else text.find("`", i + 1)
            raw = text[self.word_at:len(text) if end < 0 else end + 1].split("\n")[0]
            raise CommandError(f"Command substitution is not supported in {_shown(raw)!r}; "
                               "only $(pwd) and ${PWD} are expanded.")
        if text.startswith("$$", i) or text.startswith("${", i):
            self.add(text[i:i + 2])
            return i + 2
        if ns is not None and text[i] == "$":
            m = _DOLLAR.match(text, i)
            if m and not m.group(1).startswith("_") and m.group(1) in ns:
                self.add(_as_text(ns[m.group(1)], m.group(0)), value=True)
                return m.end()
        if ns is not None and text[i] == "{" and not text.startswith("{{", i):
            m = _BRACED.match(text, i)
            if m:
                self.add(_braced_value(m.group(1), ns), value=True)
                return m.end()
        return None

    def escape(self, i: int, quote: str | None) -> int:
        """The backslash at ``i``: a line continuation, an escaped character, or (in double quotes
        before an ordinary character) itself."""
        text = self.text
        nxt = text[i + 1:i + 2]
        if text.startswith("\r\n", i + 1):
            return i + 3
        if nxt == "\n":
            return i + 2  # a line continuation, in or out of double quotes
        if quote == '"' and nxt not in _DOUBLE_QUOTE_ESCAPES:
            self.add("\\")
            return i + 1
        self.add(nxt)
        return i + 2

    def unquoted(self, ch: str, i: int) -> tuple[int, str | None]:
        """An unquoted character at ``i``; returns the next index and the quote it opens, if any."""
        text, n = self.text, len(self.text)
        if ch in " \t\r":
            self.end_word()
        elif ch == "\n":
            self.end_command()
            self.template = 0
        elif ch in "'\"":
            self.add("")
            return i + 1, ch
        elif ch == "#" and not self.started:
            end = text.find("\n", i)
            return (n if end < 0 else end), None
        elif ch == "~" and not self.started and text[i + 1:i + 2] in ("", "/", " ", "\t", "\n", "\r"):
            self.add(os.path.expanduser("~"))
        else:
            self.add(ch)
        return i + 1, None

    def template_mark(self, i: int) -> int | None:
        """``{{``/``}}`` of a Go template at ``i``: its $ and { are docker's, not ours."""
        if self.template and self.text.startswith("}}", i):
            self.template -= 1
        elif self.text.startswith("{{", i):
            self.template += 1
        else:
            return None
        self.add(self.text[i:i + 2])
        return i + 2

    def read(self) -> list[list[str]]:
        text, n = self.text, len(self.text)
        i, quote, self.template = 0, None, 0
        while i < n:
            ch = text[i]
            if quote == "'":
                if ch == "'":
                    quote = None
                else:
                    self.add(ch)
                i += 1
                continue
            if not self.started and quote is None:
                self.word_at = i
            after = self.escape(i, quote) if ch == "\\" else self.template_mark(i)
            if after is None and ch in "$`{" and not self.template:
                after = self.expand(i)
            if after is not None:
                i = after
            elif quote == '"':
                quote = None if ch == '"' else quote
                if quote:
                    self.add(ch)
                i += 1
            else:
                i, quote = self.unquoted(ch, i)
        if quote:
            self.unclosed(quote)
        self.end_command()
        return self.commands

    def unclosed(self, quote: str) -> None:
        text = self.text
        line = text[self.word_at:].split("\n")[0]
        start = text.rfind("\n", 0, self.word_at) + 1
        raise CommandError(f"Cannot read the command line {_shown(text[start:self.word_at] + line)!r}: "
                           f"the {'single' if quote == chr(39) else 'double'} quote is never closed.")


def split_commands(text: str, *, cwd: str | None = None, namespace: dict | None = None) -> list[list[str]]:
    """Split cell text into argv lists, one per command, without the leading ``docker``.

    Similar to what a POSIX shell does with a pasted block of ``docker ...`` lines (see the
    module docstring for exactly what is expanded). ``namespace`` (the notebook's variables)
    enables ``{name}`` and ``$name``.

    Raises:
        CommandError: unbalanced quotes, a refused substitution, an unknown ``{name}``, a value
            that cannot be turned into text.
    """
    commands = []
    for words in _Reader(text, cwd or os.getcwd(), namespace).read():
        if words[0] == "docker":
            words = words[1:]
            if not words:
                raise CommandError("A line holds only 'docker'; add a subcommand such as 'ps'.")
        commands.append(words)
    return commands


def split_words(text: str, *, cwd: str | None = None, namespace: dict | None = None) -> list[str]:
    """One line of options (a magic's first line) as argv, read exactly as a ``%%docker`` line is.

    Raises:
        CommandError: as ``split_commands``.
    """
    return [w for words in _Reader(text, cwd or os.getcwd(), namespace).read() for w in words]
