#!/usr/bin/env bash
# Replay speed: pushes N tagged manifests into a fresh `strata serve` (2 events each, plus links),
# stops it, then runs `strata replay --projection P` ROUNDS times on the same data and prints the
# events/s of each round (wall clock, and per CPU second of the replaying thread, which other load
# on a shared machine skews far less) and their medians.
#   load-tests/replay-bench.sh [STRATA_ROOT] [N=3000] [ROUNDS=3] [PROJECTIONS="index gc"]
# STRATA_ROOT (default: this checkout) lets the same data be replayed by two builds: run it with
# KEEP_DATA=DIR to reuse a data directory made by an earlier run.
# DATA_KIND=uploads makes an upload-heavy log instead: N blobs each pushed as POST, 3 PATCHes, PUT,
# an upload cancelled and a tagged manifest every 10 blobs (load-tests/lib/replay_data.py).
set -euo pipefail
ROOT=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
N=${2:-3000}
ROUNDS=${3:-3}
PROJECTIONS=${4:-"index gc"}
DATA=${KEEP_DATA:-$(mktemp -d)}
if [ ! -d "$DATA/meta" ]; then
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$ROOT/bin/strata" serve --data "$DATA" --addr "127.0.0.1:$PORT" --gc-interval 0 > "$DATA/serve.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 240); do grep -q "strata ready" "$DATA/serve.log" && break; sleep 0.5; done
  grep -q "strata ready" "$DATA/serve.log" || { echo "server did not start" >&2; cat "$DATA/serve.log" >&2; kill $PID; exit 1; }
  python3 "$(dirname "${BASH_SOURCE[0]}")/lib/replay_data.py" "${DATA_KIND:-manifests}" "$PORT" "$N"
  kill $PID; wait $PID || true
fi
echo "data: $DATA"
for p in $PROJECTIONS; do
  rates=()
  cpus=()
  for r in $(seq 1 "$ROUNDS"); do
    OUT=$(mktemp -d)
    rate=$("$ROOT/bin/strata" replay --projection "$p" --data "$DATA" --into "$OUT/r" 2>&1 >"$OUT/out" | tr '\r' '\n' | grep -o '[0-9]* events/s' | tail -1 | cut -d' ' -f1)
    grep -q '^equal' "$OUT/out" || { echo "replay $p: not equal" >&2; cat "$OUT/out" >&2; exit 1; }
    cpu=$(grep -o '[0-9]* events per CPU second' "$OUT/out" | cut -d' ' -f1 || true)
    echo "replay $p round $r: $(head -1 "$OUT/out"), $rate events/s, ${cpu:-?} events per CPU second"
    rates+=("$rate")
    cpus+=("${cpu:-0}")
    rm -rf "$OUT"
  done
  echo "replay $p median: $(printf '%s\n' "${rates[@]}" | sort -n | sed -n "$(( (ROUNDS + 1) / 2 ))p") events/s," \
       "$(printf '%s\n' "${cpus[@]}" | sort -n | sed -n "$(( (ROUNDS + 1) / 2 ))p") events per CPU second"
done
