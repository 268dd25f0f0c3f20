#!/usr/bin/env bash
# Stops the cluster that deploy/ceph/start.sh started in DIR: SIGTERM to the OSD, then to the
# monitor, each by its pid file (SIGKILL after 10 s). Leaves the files in DIR (logs, ceph.conf);
# the data was in RAM and is gone. Idempotent: a cluster that is not running is not an error.
#
#   deploy/ceph/stop.sh [DIR]        DIR defaults to $STRATA_CEPH_DIR, else /tmp/strata-ceph
set -euo pipefail

DIR=${1:-${STRATA_CEPH_DIR:-/tmp/strata-ceph}}
[ -d "$DIR" ] || exit 0

stop_daemon() { # stop_daemon NAME
  local pidfile="$DIR/run/$1.pid" pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "ceph/stop.sh: $1 ($pid) ignored SIGTERM for 10 s; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pidfile"
}

stop_daemon osd.0
stop_daemon mon.a
