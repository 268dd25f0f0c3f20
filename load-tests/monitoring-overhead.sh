#!/usr/bin/env bash
# What request metrics and access logs cost: manifest GETs (wrk, 32 connections) against
# `strata serve` from this checkout with the access log on (JSON lines to a file) and off, and
# against a build of another checkout (PEER_ROOT, e.g. the main branch before metrics existed),
# side by side, ROUNDS rounds in alternation; prints each round and the medians.
#   load-tests/monitoring-overhead.sh PEER_ROOT [ROUNDS] [SECONDS]
# Both checkouts must be built (mvn package). Needs wrk and curl. Ports are picked free.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PEER=${1:?usage: monitoring-overhead.sh PEER_ROOT [ROUNDS] [SECONDS]}
ROUNDS=${2:-3}
SECS=${3:-10}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/strata-overhead.XXXXXX")
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# run NAME ROOT ENV...: starts serve, pushes one image, runs wrk, prints requests/s
run() {
  local name=$1 root=$2
  shift 2
  local port data
  port=$(free_port)
  data="$WORK/$name-data"
  rm -rf "$data"
  env "$@" java -Xmx1g -cp "$root/cli/target/strata-cli-0.1.0-SNAPSHOT.jar:$root/cli/target/lib/*" dev.strata.cli.Main \
    serve --addr "127.0.0.1:$port" --data "$data" > "$WORK/$name.out" 2> "$WORK/$name.err" &
  pid=$!
  for _ in $(seq 1 120); do grep -q ready "$WORK/$name.out" 2>/dev/null && break; sleep 0.5; done
  local b="127.0.0.1:$port" cfg='{"architecture":"amd64","os":"linux"}'
  printf '%s' "$cfg" > "$WORK/cfg"
  local cd; cd=sha256:$(sha256sum "$WORK/cfg" | cut -d' ' -f1)
  curl -sf -o /dev/null -X POST --data-binary @"$WORK/cfg" "http://$b/v2/bench/app/blobs/uploads/?digest=$cd"
  local m='{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"'$cd'","size":'${#cfg}'},"layers":[]}'
  curl -sf -o /dev/null -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' --data "$m" "http://$b/v2/bench/app/manifests/v1"
  wrk -t2 -c32 -d2s -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$b/v2/bench/app/manifests/v1" > /dev/null # warm-up
  wrk -t2 -c32 -d"${SECS}s" -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$b/v2/bench/app/manifests/v1" \
    | awk '/Requests\/sec/ {print $2}'
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
}

declare -A results
for r in $(seq 1 "$ROUNDS"); do
  for v in peer metrics-access-json metrics-access-off; do
    case $v in
      peer) x=$(run peer "$PEER") ;;
      metrics-access-json) x=$(run json "$ROOT" STRATA_LOG_FORMAT=json STRATA_ACCESS_LOG=INFO) ;;
      metrics-access-off) x=$(run off "$ROOT" STRATA_ACCESS_LOG=OFF) ;;
    esac
    echo "round $r $v: $x req/s"
    results[$v]="${results[$v]:-} $x"
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
p=$(echo "${results[peer]}" | median)
for v in peer metrics-access-json metrics-access-off; do
  m=$(echo "${results[$v]}" | median)
  echo "median $v: $m req/s ($(awk -v a="$m" -v b="$p" 'BEGIN {printf "%.2f", a/b}') x peer)"
done
