#!/usr/bin/env bash
# big-blob.sh - push and pull one large generated blob through a Strata started with a small heap,
# streaming on both sides, and check its digest. Shows that memory does not grow with blob size.
#
# Usage:  load-tests/big-blob.sh [--help]
# Env:    BLOB_MIB  blob size in MiB                                   [2048]
#         HEAP      the server's -Xmx                                  [256m]
#         WORK_DIR  parent of the server's temp data dir               [$TMPDIR or /tmp]
#         ADDR      HOST:PORT of an already running registry to use instead (no server started)
#         STRATA_START_TIMEOUT seconds to wait for the server (it may build first)  [900]
# Prints push and pull MiB/s, the server's peak RSS and its heap after the run; exit 0 only when
# the pulled bytes hash to the pushed digest and the server is still up.
set -Eeuo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[[ "${1:-}" == -h || "${1:-}" == --help ]] && { sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0; }
: "${BLOB_MIB:=2048}" "${HEAP:=256m}" "${WORK_DIR:=${TMPDIR:-/tmp}}" "${STRATA_START_TIMEOUT:=900}"
[[ "$BLOB_MIB" =~ ^[1-9][0-9]*$ ]] || { echo "BLOB_MIB must be a positive integer" >&2; exit 2; }
for t in curl openssl sha256sum; do command -v $t >/dev/null || { echo "needs $t" >&2; exit 2; }; done

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
TMP=$(mktemp -d "$WORK_DIR/strata-big-blob.XXXXXX")
# shellcheck source=lib/serve.sh
. "$ROOT/load-tests/lib/serve.sh"
cleanup() {
  local rc=$?
  serve_stop
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -z "${ADDR:-}" ]]; then
  log "starting strata serve with -Xmx$HEAP (data in $TMP/data)"
  JAVA_OPTS="-Xmx$HEAP ${JAVA_OPTS:-}" serve_start "$ROOT" "$TMP"
  ADDR=$SERVE_ADDR
  log "strata serve ready on $ADDR"
fi
BASE="http://$ADDR"
REPO="big/blob$RANDOM"
BYTES=$((BLOB_MIB * 1048576))

# Deterministic-looking but incompressible bytes at GB/s: AES-CTR over zeros with a random key.
gen() { # (openssl dies of SIGPIPE when head has enough: not an error)
  { openssl enc -aes-128-ctr -nosalt -K "$KEY" -iv 00000000000000000000000000000000 </dev/zero 2>/dev/null || true; } | head -c "$BYTES"
}
KEY=$(openssl rand -hex 16)
now() { date +%s%N; }
mibs() { awk -v b="$BYTES" -v ns="$1" 'BEGIN{printf "%.1f", b / 1048576 / (ns / 1e9)}'; }

log "hashing $BLOB_MIB MiB of generated data"
DIGEST="sha256:$(gen | sha256sum | cut -d' ' -f1)"

log "push: POST, one streaming PATCH (chunked transfer encoding), PUT ?digest=$DIGEST"
loc=$(curl -sS -f -X POST -D - -o /dev/null "$BASE/v2/$REPO/blobs/uploads/" | awk 'tolower($1)=="location:"{print $2}' | tr -d '\r')
[[ -n "$loc" ]] || { echo "no Location from POST" >&2; exit 1; }
[[ "$loc" == http* ]] || loc="$BASE$loc"
t0=$(now)
loc2=$(gen | curl -sS -f -X PATCH -H 'Content-Type: application/octet-stream' -H 'Transfer-Encoding: chunked' \
        -T - -D - -o /dev/null "$loc" | awk 'tolower($1)=="location:"{print $2}' | tr -d '\r')
[[ "$loc2" == http* ]] || loc2="$BASE$loc2"
sep='?'; [[ "$loc2" == *'?'* ]] && sep='&'
code=$(curl -sS -o "$TMP/put.out" -w '%{http_code}' -X PUT "$loc2${sep}digest=$DIGEST")
t1=$(now)
[[ "$code" == 201 ]] || { echo "PUT ?digest= answered $code: $(head -c 300 "$TMP/put.out")" >&2; exit 1; }
PUSH=$(mibs $((t1 - t0))); log "push: $PUSH MiB/s"

head_len=$(curl -sS -f -I "$BASE/v2/$REPO/blobs/$DIGEST" | awk 'tolower($1)=="content-length:"{print $2}' | tr -d '\r')
[[ "$head_len" == "$BYTES" ]] || { echo "HEAD Content-Length $head_len, expected $BYTES" >&2; exit 1; }

t0=$(now)
got="sha256:$(curl -sS -f "$BASE/v2/$REPO/blobs/$DIGEST" | sha256sum | cut -d' ' -f1)"
t1=$(now)
[[ "$got" == "$DIGEST" ]] || { echo "pulled bytes hash to $got, expected $DIGEST" >&2; exit 1; }
PULL=$(mibs $((t1 - t0))); log "pull: $PULL MiB/s, digest verified"

echo "blob:        $BLOB_MIB MiB, $DIGEST"
echo "push:        $PUSH MiB/s (one streaming PATCH + PUT ?digest=, curl)"
echo "pull:        $PULL MiB/s (GET, curl | sha256sum)"
if [[ -n "$SERVE_PID" ]]; then
  jpid=$(ps -o pid=,comm= -s "$SERVE_PID" | awk '$2=="java"{print $1; exit}')
  kill -0 "$SERVE_PID" 2>/dev/null || { echo "server died" >&2; exit 1; }
  [[ $(curl -s -o /dev/null -w '%{http_code}' "$BASE/v2/") == 200 ]] || { echo "server stopped answering" >&2; exit 1; }
  if [[ -n "$jpid" ]]; then
    echo "server -Xmx: $HEAP; peak RSS $(awk '/^VmHWM:/{printf "%.0f MiB", $2/1024}' /proc/$jpid/status)"
    command -v jcmd >/dev/null && jcmd "$jpid" GC.heap_info 2>/dev/null | sed -n '2,3p' | sed 's/^/heap after:  /'
  fi
fi
echo "OK"
