#!/usr/bin/env bash
# parallel-push.sh - many concurrent blob uploads against `strata serve` with a small heap: shows
# whether upload memory is bounded (the gateway's chunk-array pool) and what it costs in throughput.
#
# Usage:  load-tests/parallel-push.sh [--help]
# Env:    UPLOADS      concurrent uploads (curl, POST + one monolithic PUT ?digest=)     [24]
#         BLOB_MIB     size of each blob (distinct random bytes per upload)             [64]
#         HEAP         the server's -Xmx                                               [256m]
#         STRATA_ROOT  checkout whose bin/strata runs (e.g. an older commit, for a before figure) [this repo]
#         WORK_DIR     parent of the temp dirs                                 [$TMPDIR or /tmp]
#         STRATA_START_TIMEOUT seconds to wait for the server (it may build first)        [900]
# Prints the answers' status codes, aggregate MiB/s, the server's peak RSS and heap after the run,
# and whether it still serves. Exit 0 when the server is still up.
set -Eeuo pipefail
LT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[[ "${1:-}" == -h || "${1:-}" == --help ]] && { sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0; }
: "${UPLOADS:=24}" "${BLOB_MIB:=64}" "${HEAP:=256m}" "${STRATA_ROOT:=$(dirname "$LT_DIR")}" "${WORK_DIR:=${TMPDIR:-/tmp}}"
for v in UPLOADS BLOB_MIB; do [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || { echo "$v must be a positive integer" >&2; exit 2; }; done
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
TMP=$(mktemp -d "$WORK_DIR/strata-parallel-push.XXXXXX")
CL=$TMP
[[ -w /dev/shm ]] && (( $(df -Pm /dev/shm | awk 'NR==2{print $4}') > UPLOADS * BLOB_MIB + 512 )) && CL=$(mktemp -d /dev/shm/strata-parallel-push.XXXXXX)
# shellcheck source=lib/serve.sh
. "$LT_DIR/lib/serve.sh"
cleanup() { local rc=$?; serve_stop; rm -rf "$TMP" "$CL"; exit "$rc"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "starting $STRATA_ROOT/bin/strata serve with -Xmx$HEAP"
JAVA_OPTS="-Xmx$HEAP ${JAVA_OPTS:-}" serve_start "$STRATA_ROOT" "$TMP"
BASE="http://$SERVE_ADDR"
log "generating $UPLOADS blobs of $BLOB_MIB MiB"
for ((i = 1; i <= UPLOADS; i++)); do head -c $((BLOB_MIB * 1048576)) /dev/urandom >"$CL/b$i"; done

push() { # i -> prints the PUT's status code
  local i=$1 d loc code
  d="sha256:$(sha256sum "$CL/b$i" | cut -d' ' -f1)"
  loc=$(curl -sS -X POST -D - -o /dev/null "$BASE/v2/par/b$i/blobs/uploads/" | awk 'tolower($1)=="location:"{print $2}' | tr -d '\r') || true
  [[ -n "$loc" ]] || { echo "POST-failed"; return; }
  [[ "$loc" == http* ]] || loc="$BASE$loc"
  code=$(curl -sS -o "$CL/out$i" -w '%{http_code}' -m 600 -X PUT -H 'Expect:' -H 'Content-Type: application/octet-stream' \
          --data-binary @"$CL/b$i" "$loc?digest=$d" 2>/dev/null) || code="conn-failed"
  echo "$code"
}
log "pushing $UPLOADS x $BLOB_MIB MiB at once"
t0=$(date +%s%N)
pids=()
for ((i = 1; i <= UPLOADS; i++)); do push "$i" >"$CL/code$i" & pids+=($!); done
wait "${pids[@]}"
t1=$(date +%s%N)
codes=$(cat "$CL"/code* | sort | uniq -c | awk '{printf "%s x%d ", $2, $1}')
ok=$(cat "$CL"/code* | grep -c '^201$' || true)
alive=no
kill -0 "$SERVE_PID" 2>/dev/null && [[ $(curl -s -o /dev/null -m 10 -w '%{http_code}' "$BASE/v2/" || true) == 200 ]] && alive=yes
echo "strata:      $(git -C "$STRATA_ROOT" rev-parse --short HEAD 2>/dev/null), -Xmx$HEAP"
echo "uploads:     $UPLOADS x $BLOB_MIB MiB at once; answers: $codes"
awk -v b=$((ok * BLOB_MIB)) -v d=$((t1 - t0)) 'BEGIN{printf "throughput:  %.1f MiB/s of accepted blobs (%.1f s)\n", b / (d / 1e9), d / 1e9}'
grep -m1 -o 'OutOfMemoryError[^"]*' "$TMP/server.log" | head -1 | sed 's/^/server log:  /' || true
if [[ $alive == yes ]]; then
  echo "server:      still serving; peak RSS $(awk '/^VmHWM:/{printf "%.0f MiB", $2/1024}' /proc/$SERVE_PID/status)"
  jcmd "$SERVE_PID" GC.heap_info 2>/dev/null | sed -n '2p' | sed 's/^ */heap after:  /' || true
else
  echo "server:      NOT serving any more"
fi
for ((i = 1; i <= UPLOADS; i++)); do
  c=$(cat "$CL/code$i"); [[ $c == 201 ]] && continue
  echo "upload $i: $c $(head -c 200 "$CL/out$i" 2>/dev/null)"; break
done
[[ $alive == yes ]]
