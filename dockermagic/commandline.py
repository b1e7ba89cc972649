"""Split a ``%%docker`` cell into docker command lines, the way a shell would read them.

What is expanded (and nothing else): ``$(pwd)``, ``${PWD}``, ``$PWD`` and a leading ``~``
(home directory). Any other ``$(...)`` or backtick is refused: there is no command
substitution. ``\\`` line continuations join lines, ``#`` starts a comment, quoting
follows shlex (POSIX), and a leading ``docker`` word is optional.
"""

from __future__ import annotations

import os
import re
import shlex

from .errors import CommandError

_PWD_FORMS = re.compile(r"\$\(pwd\)|\$\{PWD\}|\$PWD\b")


def expand_word(word: str, *, cwd: str) -> str:
    """Expand ``$(pwd)``/``${PWD}``/``$PWD`` to ``cwd`` and a leading ``~`` to the home directory.

    Raises:
        CommandError: the word holds any other command substitution.
    """
    word = _PWD_FORMS.sub(lambda _m: cwd, word)
    if "$(" in word or "`" in word:
        raise CommandError(
            f"Command substitution is not supported in {word!r}; only $(pwd) and ${{PWD}} are expanded."
        )
    if word == "~" or word.startswith("~/"):
        word = os.path.expanduser("~") + word[1:]
    return word


def split_commands(text: str, *, cwd: str | None = None) -> list[list[str]]:
    """Split cell text into argv lists, one per command, without the leading ``docker``.

    Similar to what a POSIX shell does with a pasted block of ``docker ...`` lines.

    Raises:
        CommandError: unbalanced quotes or a refused substitution.
    """
    cwd = cwd or os.getcwd()
    joined = re.sub(r"\\\r?\n", " ", text)
    commands: list[list[str]] = []
    for line in joined.splitlines():
        try:
            lexer = shlex.shlex(line, posix=True, punctuation_chars=False)
            lexer.whitespace_split = True
            lexer.commenters = "#"
            words = list(lexer)
        except ValueError as exc:
            raise CommandError(f"Cannot read the command line {line.strip()!r}: {exc}.") from None
        if not words:
            continue
        if words[0] == "docker":
            words = words[1:]
        if not words:
            raise CommandError("A line holds only 'docker'; add a subcommand such as 'ps'.")
        commands.append([expand_word(w, cwd=cwd) for w in words])
    return commands
