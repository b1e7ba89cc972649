#!/usr/bin/env bash
# Bring a machine to where dockermagic runs: system packages, a Docker engine, the project's
# virtualenv, the Compose tool and the images the pack uses. Idempotent; a warm rerun takes
# seconds. Usage: scripts/setup.sh [--tests]   (--tests adds what only the test-suite needs)
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=0
[ "${1:-}" = "--tests" ] && with_tests=1

say() { echo "setup: $*"; }

# System packages (Debian/Ubuntu, as root). Elsewhere, say what is missing and go on.
apt_packages=(debootstrap postgresql-client docker-compose)
# Browser tests: Debian's Chromium (Playwright's own download does not work here) and a font for its text.
[ "$with_tests" = 1 ] && apt_packages+=(chromium fonts-dejavu-core)
# Remote-engine tests: a second dockerd in a network namespace, reached over TLS and ssh.
[ "$with_tests" = 1 ] && apt_packages+=(openssh-server openssl iproute2)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing ${missing[*]} from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt_log=$(mktemp)
    if ! { apt-get update -qq && NEEDRESTART_SUSPEND=1 apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$apt_log" 2>&1; then
      tail -n 20 "$apt_log" >&2
      say "apt-get failed installing ${missing[*]} (full log: $apt_log)"
      exit 1
    fi
    rm -f "$apt_log"
  else
    say "warning: not root or no apt-get; install ${missing[*]} yourself if you need them"
  fi
fi

bash scripts/engine-up.sh

# The project's own Python environment.
if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  python3 -m venv .venv
fi
extras=notebooks
[ "$with_tests" = 1 ] && extras=test
stamp=".venv/.installed-$extras-$(sha256sum pyproject.toml | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  say "installing dockermagic[$extras] into .venv"
  .venv/bin/pip install -q --disable-pip-version-check -e ".[$extras]"
  touch "$stamp"
fi

[ -f scripts/compose-up.sh ] && bash scripts/compose-up.sh

.venv/bin/dockermagic-images
