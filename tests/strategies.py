"""Hypothesis strategies for docker command lines, kept in the repo so that every parser change is
fuzzed too: random words a hostile or confused user would type, in the shapes the CLI takes.

``BOUNDED`` keeps each property test to a few seconds; under ``CI=true`` the examples are
derandomized, so a CI run is reproducible.
"""

from __future__ import annotations

import os
import string
from types import SimpleNamespace

from hypothesis import HealthCheck
from hypothesis import strategies as st

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BOUNDED = dict(max_examples=int(os.environ.get("DOCKERMAGIC_FUZZ_EXAMPLES", "300")), deadline=None, derandomize=IN_CI, database=None,
               suppress_health_check=[HealthCheck.too_slow])

# Subcommands that run another tool or open a live view are left out: they are not parsing.
ROUTED_ELSEWHERE = ("build", "compose", "dashboard", "--watch")


class Unprintable:
    """A notebook value whose str() raises."""

    def __str__(self):
        raise RuntimeError("no text for you")


NAMESPACE = {"name": "web", "obj": SimpleNamespace(attr="db", port=8080), "seq": [5433, "x y"], "n": 5,
             "bad": Unprintable(), "flag": "--privileged", "nl": "a\nb", "spaced": "two words"}

SUBCOMMANDS = ["ps", "container ls", "run", "container run", "stop", "rm", "start", "restart", "kill", "logs",
               "exec", "inspect", "container inspect", "image inspect", "port", "top", "stats", "images",
               "image ls", "tag", "rmi", "pull", "network", "network create", "network ls", "network inspect",
               "network connect", "network disconnect", "network rm", "network prune", "volume", "volume create",
               "volume ls", "volume inspect", "volume rm", "volume prune", "version", "info", "frobnicate"]

FLAGS = ["-a", "-q", "-n", "--last", "-f", "--filter", "--format", "--no-trunc", "-d", "--name", "-e", "--env",
         "--env-file", "-p", "--publish", "-P", "-v", "--volume", "--mount", "--network", "--network-alias",
         "--rm", "-w", "--entrypoint", "-u", "-h", "-l", "--label", "--restart", "--init", "-i", "-t", "-it",
         "--time", "--tail", "--since", "--timestamps", "--follow", "-s", "--signal", "--type", "--all",
         "--no-stream", "--force", "--volumes", "--driver", "--subnet", "--gateway", "--ip-range", "--internal",
         "--ip", "--alias", "-o", "--opt", "--bogus", "--", "-"]

_DIGITS = "0123456789²³¹٣۵߁"  # superscripts and other scripts' digits pass str.isdigit()
numbers = st.one_of(st.integers(-10**30, 10**30).map(str), st.text(_DIGITS, min_size=1, max_size=14),
                    st.sampled_from(["0", "-1", "65535", "65536", "99999", "2147483648", "9" * 40, "1e9", "1.5"]))
ips = st.sampled_from(["127.0.0.1", "0.0.0.0", "[::1]", "::1", "abc", "", "999.1.1.1", "localhost"])


@st.composite
def port_specs(draw):
    """``[ip:][host[-end]:]container[-end][/proto]`` with any of its parts wrong."""
    def ports():
        first = draw(numbers)
        return first + ("-" + draw(numbers) if draw(st.booleans()) else "")
    parts = [ports()]
    if draw(st.booleans()):
        parts.insert(0, ports() if draw(st.booleans()) else "")
        if draw(st.booleans()):
            parts.insert(0, draw(ips))
    proto = draw(st.sampled_from(["", "/tcp", "/udp", "/sctp", "/xyz"]))
    return ":".join(parts) + proto


durations = st.one_of(st.builds(lambda n, u: n + u, numbers, st.sampled_from(["s", "m", "h", "d", ""])),
                      st.sampled_from(["2024-01-02T15:04:05Z", "0001-01-01", "9999-12-31T23:59:59",
                                       "2024-13-45", "1700000000.5", "now"]))
templates = st.sampled_from(["{{.Names}}", "{{range .State.Pid}}x{{end}}", "{{range .Config.Env}}{{.}} {{end}}",
                             "{{json .}}", "{{json .Labels}}", "{{.Labels}}", "{{", "{{end}}", "{{bogus}}",
                             "table {{.ID}}\\t{{.Image}}", "json", "{{range .X}}"])
shell_bits = st.sampled_from(["$(pwd)", "${PWD}", "$PWD", "~", "~/x", "'~'", "\"$name\"", "{name}",
                              "{obj.attr}", "{seq[1]}", "$bad", "{bad}", "{missing}", "$flag", "{nl}", "$spaced",
                              "#c", "a#b", "$(id)", "`id`", "$$", "${X}", "'", "\"", "\\", "\\\n", "'a\nb'",
                              "\"x\ny\"", "{{.Names}}"])
secret_pairs = st.builds(lambda k, v: f"{k}={v}",
                         st.sampled_from(["POSTGRES_PASSWORD", "DB_PASS", "API_TOKEN", "MONKEY", "PW", "A"]),
                         st.text(string.ascii_letters + string.digits + "#@:/", max_size=10))
names = st.sampled_from(["web", "db", "missing", "img:latest", "postgres:99", "", "-x", "a b"])
values = st.one_of(numbers, port_specs(), durations, templates, shell_bits, secret_pairs, names,
                   st.text(max_size=8))


def quoted(word: str, how: int) -> str:
    if how == 1:
        return "'" + word.replace("'", "") + "'"
    if how == 2:
        return '"' + word.replace('"', "").replace("\\", "") + '"'
    return word


# The flags each subcommand takes, so that most lines get past the flag check to the numbers.
FLAGS_OF = {
    "run": ["-d", "--name", "-e", "--env-file", "-p", "--publish", "-P", "-v", "--mount", "--network",
            "--network-alias", "--rm", "-w", "--entrypoint", "-u", "-h", "-l", "--restart", "--init", "-i", "-t"],
    "ps": ["-a", "-q", "-n", "--last", "-f", "--filter", "--format", "--no-trunc"],
    "stop": ["-t", "--time"], "restart": ["-t", "--time"], "kill": ["-s", "--signal"], "start": [],
    "rm": ["-f", "-v"], "logs": ["-n", "--tail", "-t", "--since"], "exec": ["-e", "-w", "-u", "-d", "-i", "-t"],
    "inspect": ["-f", "--format", "--type"], "images": ["-a", "-q", "--format"], "pull": ["-q"],
    "stats": ["--no-stream", "-a"], "network create": ["-d", "--subnet", "--gateway", "--ip-range", "--internal",
                                                      "--label"],
    "network connect": ["--ip", "--alias"], "volume create": ["-d", "--label", "-o", "--name"],
    "volume ls": ["-f", "-q"], "volume prune": ["-f", "--filter"], "network prune": ["-f", "--filter"],
}
_VALUES_OF = {"-p": port_specs(), "--publish": port_specs(), "-t": numbers, "--time": numbers, "-n": numbers,
              "--tail": numbers, "--last": numbers, "--since": durations, "--format": templates, "-e": secret_pairs,
              "--restart": st.builds(lambda n: "on-failure:" + n, numbers) | st.sampled_from(["no", "always", "x"])}


@st.composite
def command_lines(draw):
    """One shell-like ``docker …`` line: a subcommand, then flags and values in any order."""
    sub = draw(st.sampled_from(SUBCOMMANDS))
    words = [draw(st.sampled_from(["", "docker "])) + sub]
    own = FLAGS_OF.get(sub.removeprefix("container ").removeprefix("image "), [])
    for _ in range(draw(st.integers(0, 5))):
        if draw(st.integers(0, 9)) < 8 and own:
            flag = draw(st.sampled_from(own))
        else:
            flag = draw(st.sampled_from(FLAGS))
        words.append(flag)
        if draw(st.integers(0, 9)) < 8:
            words.append(quoted(draw(_VALUES_OF.get(flag, values)), draw(st.integers(0, 2))))
    for _ in range(draw(st.integers(0, 3))):
        words.append(quoted(draw(st.one_of(names, names, values)), draw(st.integers(0, 2))))
    sep = draw(st.sampled_from([" ", "  ", "\t", " \\\n  "]))
    return sep.join(words)


def no_other_tool(text: str) -> bool:
    return not any(word in text for word in ROUTED_ELSEWHERE)
