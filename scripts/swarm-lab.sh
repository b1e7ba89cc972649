#!/usr/bin/env bash
# A two-node Swarm on one machine: the main engine is the manager, a second dockerd in its own
# network namespace is the worker.
#
#   scripts/swarm-lab.sh up [IMAGE...]   start the worker engine, init the swarm on the main engine
#                                        (advertising 10.240.0.1), join the worker, copy IMAGEs to it
#   scripts/swarm-lab.sh worker          only start the worker engine (in no swarm: notebook 07 does init and join)
#   scripts/swarm-lab.sh load IMAGE...   copy images from the main engine to the worker (docker save | load)
#   scripts/swarm-lab.sh down            leave the swarm on both, stop the worker, delete its namespace,
#                                        veth and directories: the main engine is single-node again
#   scripts/swarm-lab.sh status          one line: is the lab up, and the swarm state of the main engine
#
# Why a network namespace: the worker's dockerd needs an address of its own for Swarm's ports
# (2377, 7946, 4789) and a bridge of its own; sharing the host's network it would fight the main
# engine over docker0 and its iptables chains (and --bridge=none deletes the host's docker0).
# The namespace has no default route: it reaches the host over the veth and nothing else.
# Idempotent: `down` twice is fine, and `up` after a crashed run tidies up first.
set -Eeuo pipefail

NS=dm-swarm
HOST_IF=dm-swarm-h
NS_IF=dm-swarm-n
HOST_IP=10.240.0.1
NODE_IP=10.240.0.2
BIP=10.241.0.1/24
WORKER_NAME=dm-worker
RUN_DIR=/run/dm-swarm
DATA_DIR=${DM_SWARM_DATA:-/var/lib/dockermagic-swarm}
WORKER_SOCK=unix://$RUN_DIR/docker.sock
LOG=$RUN_DIR/dockerd.log
DOCKER=${DOCKER:-docker}
SECONDS=0

say() { echo "swarm-lab: $*"; }
main() { env -u DOCKER_CONTEXT "$DOCKER" "$@"; }   # the engine the project's client talks to (DOCKER_HOST or the local socket)
worker() { env -u DOCKER_CONTEXT DOCKER_HOST="$WORKER_SOCK" "$DOCKER" "$@"; }
worker_answers() { [ -S "$RUN_DIR/docker.sock" ] && timeout 5 env DOCKER_HOST="$WORKER_SOCK" "$DOCKER" info >/dev/null 2>&1; }
swarm_state() { main info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null || echo unknown; }

need_root() {
  if [ "$(id -u)" != 0 ]; then
    say "needs root (it creates a network namespace and starts a dockerd)." >&2
    exit 1
  fi
}

start_worker() {
  mkdir -p "$RUN_DIR" "$DATA_DIR"
  ip netns add "$NS"
  ip link add "$HOST_IF" type veth peer name "$NS_IF"
  ip link set "$NS_IF" netns "$NS"
  ip addr add "$HOST_IP/24" dev "$HOST_IF"
  ip link set "$HOST_IF" up
  ip -n "$NS" addr add "$NODE_IP/24" dev "$NS_IF"
  ip -n "$NS" link set "$NS_IF" up
  ip -n "$NS" link set lo up
  # setsid: the worker outlives this script. Its own data, exec root, pid file, socket, bridge
  # address and cgroup parent: nothing it makes can collide with the main engine's.
  # nsenter, not `ip netns exec`: that one remounts /sys, and dockerd then finds no cgroups.
  # Its own hostname (a UTS namespace) too, so `node ls` tells the two nodes apart.
  setsid nsenter --net="/run/netns/$NS" unshare --uts sh -c 'hostname "$0" && exec dockerd "$@"' "$WORKER_NAME" \
    --data-root "$DATA_DIR/data" --exec-root "$RUN_DIR/exec" --pidfile "$RUN_DIR/dockerd.pid" \
    -H "$WORKER_SOCK" --bip "$BIP" --cgroup-parent dm-swarm --iptables=true \
    >>"$LOG" 2>&1 </dev/null &
  for _ in $(seq 1 120); do
    if worker_answers; then return 0; fi
    sleep 0.25
  done
  say "the worker's dockerd did not answer within 30 s; the end of $LOG:" >&2
  tail -n 20 "$LOG" >&2 || true
  return 1
}

stop_worker() {
  local pid
  if [ -f "$RUN_DIR/dockerd.pid" ]; then
    pid=$(cat "$RUN_DIR/dockerd.pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  fi
  # Whatever still runs in the namespace (its containerd and shims, if dockerd died first).
  if ip netns pids "$NS" >/dev/null 2>&1; then
    for pid in $(ip netns pids "$NS"); do kill -9 "$pid" 2>/dev/null || true; done
  fi
}

leave_main() {
  local state
  state=$(swarm_state)
  if [ "$state" != inactive ] && [ "$state" != unknown ]; then
    main swarm leave --force >/dev/null 2>&1 || true
    say "the main engine left the swarm."
  fi
  # The swarm's networks outlive `swarm leave` on a manager for a moment; the gateway bridge stays.
  for _ in $(seq 1 20); do
    main network rm docker_gwbridge >/dev/null 2>&1 || true
    main network inspect docker_gwbridge >/dev/null 2>&1 || break
    sleep 0.25
  done
}

down() {
  need_root
  if worker_answers; then
    worker swarm leave --force >/dev/null 2>&1 || true
    # Killed now rather than stopped by dockerd's shutdown, which waits 10 s for each that ignores SIGTERM.
    for c in $(worker ps -aq 2>/dev/null); do worker rm -f "$c" >/dev/null 2>&1 || true; done
  fi
  leave_main
  stop_worker
  ip link del "$HOST_IF" 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
  # the worker's overlay mounts (netns files of its sandboxes) keep the directory busy otherwise
  local m
  for m in $(awk -v a="$RUN_DIR" -v b="$DATA_DIR" 'index($2, a) == 1 || index($2, b) == 1 {print $2}' /proc/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  rm -rf "$RUN_DIR" "$DATA_DIR"
  say "down: main engine swarm state $(swarm_state), worker stopped, namespace $NS removed (${SECONDS} s)."
}

load_images() {
  [ "$#" -gt 0 ] || return 0
  local missing=() ref id
  for ref in "$@"; do
    id=$(main image inspect --format '{{.Id}}' "$ref" 2>/dev/null) || { say "no image $ref on the main engine." >&2; return 1; }
    # By ID: a tag the worker already has for the same image needs no copy.
    if [ "$(worker image inspect --format '{{.Id}}' "$ref" 2>/dev/null)" != "$id" ]; then
      missing+=("$ref")
    fi
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    main save "${missing[@]}" | worker load -q >/dev/null
    say "copied ${missing[*]} to the worker."
  fi
}

tidy_first() {
  if ip netns list | grep -qw "$NS" || [ -e "$RUN_DIR" ] || ip link show "$HOST_IF" >/dev/null 2>&1 \
     || [ "$(swarm_state)" != inactive ]; then
    say "tidying up an earlier lab (or a swarm the main engine is in) first."
    down >/dev/null
    SECONDS=0
  fi
}

worker_only() {
  need_root
  tidy_first
  trap 'say "failed; tidying up."; down >/dev/null 2>&1' ERR
  start_worker
  trap - ERR
  say "worker: an engine at $NODE_IP (socket $WORKER_SOCK), in no swarm yet (${SECONDS} s)."
}

up() {
  need_root
  tidy_first
  trap 'say "up failed; tidying up."; down >/dev/null 2>&1' ERR
  start_worker
  main swarm init --advertise-addr "$HOST_IP" --listen-addr "$HOST_IP:2377" >/dev/null
  local token
  token=$(main swarm join-token -q worker)
  worker swarm join --token "$token" --advertise-addr "$NODE_IP" --listen-addr "$NODE_IP:2377" "$HOST_IP:2377" >/dev/null
  load_images "$@"
  trap - ERR
  say "up: manager $(hostname) at $HOST_IP, worker at $NODE_IP (socket $WORKER_SOCK) (${SECONDS} s)."
}

status() {
  if worker_answers; then
    say "worker answers at $WORKER_SOCK; main engine swarm state $(swarm_state)."
  else
    say "no worker; main engine swarm state $(swarm_state)."
  fi
}

case "${1:-}" in
  up) shift; up "$@" ;;
  worker) worker_only ;;
  down) down ;;
  load) shift; need_root; load_images "$@" ;;
  status) status ;;
  *) echo "usage: $0 up [IMAGE...] | worker | load IMAGE... | down | status" >&2; exit 2 ;;
esac
