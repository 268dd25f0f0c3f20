#!/usr/bin/env bash
# A private podman engine with a Docker-compatible API socket, for Testcontainers (no Docker needed).
#
#   deploy/image/podman-service.sh start DIR   # prints `export ...` lines for DOCKER_HOST and friends
#   deploy/image/podman-service.sh stop DIR    # stops it, removes its containers, images and DIR
#   deploy/image/podman-service.sh env DIR     # the `export ...` lines again
#
# Everything lives under DIR: containers.conf (runc, cgroupfs, file events, open-file and process
# ulimits high enough for a JVM with Kafka), storage.conf (overlay with a private graph root and
# run root), podman's temporary files, the socket DIR/podman.sock and the service's pid. Nothing
# under /etc or /var/lib/containers is changed, so several of these run side by side. `start` is
# idempotent: a running service in DIR is reused. Needs podman and runc (apt-get install podman
# runc) and root.
set -euo pipefail

cmd=${1:-}
DIR=${2:-}
[ -n "$cmd" ] && [ -n "$DIR" ] || { sed -n '2,14p' "${BASH_SOURCE[0]}" >&2; exit 2; }
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

envs() {
  echo "export CONTAINERS_CONF=$DIR/containers.conf"
  echo "export CONTAINERS_STORAGE_CONF=$DIR/storage.conf"
  echo "export DOCKER_HOST=unix://$DIR/podman.sock"
  echo "export TESTCONTAINERS_RYUK_DISABLED=true"
  # Testcontainers' start-up checks pull alpine, and nothing can be pulled here
  echo "export TESTCONTAINERS_CHECKS_DISABLE=true"
}

running() {
  [ -f "$DIR/service.pid" ] && kill -0 "$(cat "$DIR/service.pid")" 2>/dev/null && [ -S "$DIR/podman.sock" ]
}

case "$cmd" in
  start)
    command -v podman >/dev/null && command -v runc >/dev/null \
      || { echo "podman-service.sh: needs podman and runc (apt-get install podman runc)" >&2; exit 1; }
    if ! running; then
      mkdir -p "$DIR/tmp" "$DIR/runroot" "$DIR/graphroot"
      cat > "$DIR/containers.conf" <<EOT
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$DIR/events.log"
tmp_dir = "$DIR/tmp"
EOT
      cat > "$DIR/storage.conf" <<EOT
[storage]
driver = "overlay"
runroot = "$DIR/runroot"
graphroot = "$DIR/graphroot"
EOT
      eval "$(envs)"
      rm -f "$DIR/podman.sock"
      nohup podman system service --time=0 "unix://$DIR/podman.sock" > "$DIR/service.log" 2>&1 &
      echo $! > "$DIR/service.pid"
      for _ in $(seq 1 300); do
        [ -S "$DIR/podman.sock" ] && break
        kill -0 "$(cat "$DIR/service.pid")" 2>/dev/null || { cat "$DIR/service.log" >&2; exit 1; }
        sleep 0.1
      done
      [ -S "$DIR/podman.sock" ] || { echo "podman-service.sh: no socket after 30 s; see $DIR/service.log" >&2; exit 1; }
    fi
    envs
    ;;
  env)
    envs
    ;;
  stop)
    eval "$(envs)"
    if [ -f "$DIR/containers.conf" ]; then
      podman rm -af -t 5 >/dev/null 2>&1 || true
    fi
    if [ -f "$DIR/service.pid" ]; then
      pid=$(cat "$DIR/service.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    if [ -f "$DIR/storage.conf" ]; then
      podman system reset -f >/dev/null 2>&1 || true
    fi
    # the overlay graph root may still be mounted: unmount everything under DIR before deleting it
    { grep -o " $DIR/[^ ]*" /proc/mounts || true; } | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
    rm -rf "$DIR"
    ;;
  *)
    echo "podman-service.sh: unknown command $cmd (start, stop, env)" >&2
    exit 2
    ;;
esac
