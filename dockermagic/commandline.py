"""Split a ``%%docker`` cell into docker command lines, the way a shell would read them.

What is expanded (and nothing else): ``$(pwd)``, ``${PWD}``, ``$PWD`` and a leading ``~``
(home directory); before that, in the magic, ``{name}``/``$name`` of Python variables
(``expand_python_vars``). Any other ``$(...)`` or backtick is refused: there is no command
substitution. ``\\`` line continuations join lines, ``#`` starts a comment, quoting
follows shlex (POSIX), and a leading ``docker`` word is optional.
"""

from __future__ import annotations

import os
import re
import shlex

from .errors import CommandError
from .secrets import mask_argv

_PWD_FORMS = re.compile(r"\$\(pwd\)|\$\{PWD\}|\$PWD\b")
# Go templates ({{.Names}}) are kept whole; {name}/{obj.attr}/{seq[0]} and $name are candidates.
# A brace or dollar right after another $ is shell syntax (${X}, $$) and stays as written.
_PY_VARS = re.compile(r"\{\{.*?\}\}"
                      r"|(?<!\$)\{([A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[(?:\d+|'[^'{}]*'|\"[^\"{}]*\")\])*)\}"
                      r"|(?<!\$)\$([A-Za-z_]\w*)")


def _value(m: re.Match, namespace: dict) -> str | None:
    """The text for one ``_PY_VARS`` match, or None to keep it as written."""
    braced, dollar = m.group(1), m.group(2)
    if braced:
        root = re.match(r"\w+", braced).group(0)
        if root not in namespace:
            raise CommandError(f"{{{braced}}} names no Python variable of the notebook; define {root} "
                               "first (docker's own forms are $(pwd) and {{.Field}}).")
        try:
            return str(eval(braced, {"__builtins__": {}}, namespace))  # names, attributes, literal indexes
        except Exception as exc:
            raise CommandError(f"{{{braced}}} could not be expanded: {exc}.") from None
    if dollar and not dollar.startswith("_") and dollar in namespace:
        return str(namespace[dollar])
    return None


def expand_python_vars(text: str, namespace: dict) -> str:
    """Put the values of the notebook's Python variables into command text, where a shell would.

    ``{name}``, ``{obj.attr}`` and ``{seq[0]}`` must name a variable in ``namespace``;
    ``$name`` is replaced only when ``name`` is one (names starting with ``_`` never are).
    As in a shell, nothing inside single quotes or after a ``#`` comment is touched, so
    ``sh -c 'echo $i'`` stays as written even when the notebook has an ``i``. Go templates
    (``{{.Names}}``), ``${X}``, ``$$`` and ``$(pwd)`` are left for ``split_commands``. A value
    is quoted so that it stays one word. Only names, attributes and literal indexes are
    looked up (the pattern admits nothing else): no code runs.

    Raises:
        CommandError: ``{name}`` names no variable, or the lookup failed.
    """
    out, i, quote, n = [], 0, None, len(text)
    while i < n:
        ch = text[i]
        if quote == "'":
            quote = None if ch == "'" else quote
        elif ch == "\\" and i + 1 < n:
            out.append(text[i:i + 2])
            i += 2
            continue
        elif ch == '"':
            quote = None if quote == '"' else '"'
        elif quote is None and ch == "'":
            quote = "'"
        elif quote is None and ch == "#" and (i == 0 or text[i - 1].isspace()):
            end = text.find("\n", i)
            end = n if end < 0 else end
            out.append(text[i:end])
            i = end
            continue
        elif ch in "{$":
            m = _PY_VARS.match(text, i)
            if m:
                value = _value(m, namespace)
                if value is None:
                    value = m.group(0)
                elif quote == '"':
                    value = value.replace("\\", "\\\\").replace('"', '\\"')
                else:
                    value = shlex.quote(value)
                out.append(value)
                i = m.end()
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def expand_word(word: str, *, cwd: str) -> str:
    """Expand ``$(pwd)``/``${PWD}``/``$PWD`` to ``cwd`` and a leading ``~`` to the home directory.

    Raises:
        CommandError: the word holds any other command substitution.
    """
    word = _PWD_FORMS.sub(lambda _m: cwd, word)
    if "$(" in word or "`" in word:
        shown = mask_argv([word])[0]
        raise CommandError(
            f"Command substitution is not supported in {shown!r}; only $(pwd) and ${{PWD}} are expanded."
        )
    if word == "~" or word.startswith("~/"):
        word = os.path.expanduser("~") + word[1:]
    return word


def split_commands(text: str, *, cwd: str | None = None, namespace: dict | None = None) -> list[list[str]]:
    """Split cell text into argv lists, one per command, without the leading ``docker``.

    Similar to what a POSIX shell does with a pasted block of ``docker ...`` lines. With a
    ``namespace`` (the notebook's variables) the text first goes through ``expand_python_vars``.

    Raises:
        CommandError: unbalanced quotes or a refused substitution.
    """
    cwd = cwd or os.getcwd()
    if namespace is not None:
        text = expand_python_vars(text, namespace)
    joined = re.sub(r"\\\r?\n", " ", text)
    commands: list[list[str]] = []
    for line in joined.splitlines():
        try:
            lexer = shlex.shlex(line, posix=True, punctuation_chars=False)
            lexer.whitespace_split = True
            lexer.commenters = "#"
            words = list(lexer)
        except ValueError as exc:
            shown = " ".join(mask_argv(line.split()))  # the line may carry -e PASSWORD=…
            raise CommandError(f"Cannot read the command line {shown!r}: {exc}.") from None
        if not words:
            continue
        if words[0] == "docker":
            words = words[1:]
        if not words:
            raise CommandError("A line holds only 'docker'; add a subcommand such as 'ps'.")
        commands.append([expand_word(w, cwd=cwd) for w in words])
    return commands
