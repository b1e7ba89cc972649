#!/usr/bin/env bash
# Make sure a Docker engine answers. Idempotent: an engine that already answers
# (Docker Desktop, DOCKER_HOST, a running dockerd) is left alone.
set -euo pipefail

log=${DOCKERMAGIC_DOCKERD_LOG:-/var/log/dockermagic-dockerd.log}

engine_answers() { timeout 5 docker info >/dev/null 2>&1; }

if command -v docker >/dev/null 2>&1 && engine_answers; then
  echo "engine-up: a Docker engine already answers ($(docker version -f '{{.Server.Version}}' 2>/dev/null))."
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "engine-up: no Docker engine answers and this is not root: install and start Docker (https://docs.docker.com/engine/install/) or set DOCKER_HOST, then rerun." >&2
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "engine-up: no Docker engine answers and there is no apt-get here: install Docker for this system, start it, then rerun." >&2
    exit 1
  fi
  echo "engine-up: installing docker.io and iptables from Debian (about 20 s)..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io iptables >/dev/null
fi

# A dockerd killed earlier (the machine is handed over as it was) leaves its pid
# file and containerd's sockets behind; dockerd refuses to start over them.
if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
  rm -f /var/run/docker.pid
fi
if ! pgrep -x containerd >/dev/null 2>&1; then
  rm -f /var/run/docker/containerd/containerd.pid /var/run/docker/containerd/containerd.sock \
        /var/run/docker/containerd/containerd-debug.sock 2>/dev/null || true
fi

start_dockerd() {
  echo "engine-up: starting dockerd in the background; its log is $log"
  # setsid: dockerd must outlive this script and the shell that called it.
  setsid dockerd >>"$log" 2>&1 < /dev/null &
}

# A dockerd that was just killed can still show in the process table for a moment, so the
# loop (not a one-off check) decides when to start one, and starts another if it dies.
starts=0
for _ in $(seq 1 120); do
  if engine_answers; then
    echo "engine-up: dockerd answers (server $(docker version -f '{{.Server.Version}}'); log: $log)."
    exit 0
  fi
  if ! pgrep -x dockerd >/dev/null 2>&1 && [ "$starts" -lt 3 ]; then
    rm -f /var/run/docker.pid
    start_dockerd
    starts=$((starts + 1))
  fi
  sleep 0.5
done
echo "engine-up: dockerd did not answer within 60 s; see the end of $log:" >&2
tail -n 20 "$log" >&2 || true
exit 1
