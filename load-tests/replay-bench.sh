#!/usr/bin/env bash
# Replay speed: pushes N tagged manifests into a fresh `strata serve` (2 events each, plus links),
# stops it, then runs `strata replay --projection P` ROUNDS times on the same data and prints the
# events/s of each round (wall clock, and per CPU second of the replaying thread, which other load
# on a shared machine skews far less) and their medians.
#   load-tests/replay-bench.sh [STRATA_ROOT] [N=3000] [ROUNDS=3] [PROJECTIONS="index gc"]
# STRATA_ROOT (default: this checkout) lets the same data be replayed by two builds: run it with
# KEEP_DATA=DIR to reuse a data directory made by an earlier run.
# DATA_KIND=uploads makes an upload-heavy log instead: N blobs each pushed as POST, 3 PATCHes, PUT,
# an upload cancelled and a tagged manifest every 10 blobs (load-tests/lib/push_uploads.py).
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
  if [ "${DATA_KIND:-manifests}" = uploads ]; then
    python3 "$(dirname "${BASH_SOURCE[0]}")/lib/push_uploads.py" "$PORT" "$N"
  else
  python3 - "$PORT" "$N" <<'PY'
import hashlib, http.client, json, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
def req(method, path, body=None, headers=None):
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse(); data = r.read()
    return r.status, r.getheader("Location"), data
cfg = b'{"bench":true}'
d = "sha256:" + hashlib.sha256(cfg).hexdigest()
st, loc, _ = req("POST", "/v2/bench/app/blobs/uploads/")
st, _, body = req("PUT", loc + ("&" if "?" in loc else "?") + "digest=" + d, cfg, {"Content-Type": "application/octet-stream"})
assert st == 201, (st, body)
for i in range(n):
    m = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": d, "size": len(cfg)},
        "layers": [], "annotations": {"i": str(i)}}).encode()
    st, _, body = req("PUT", "/v2/bench/app/manifests/t%d" % (i % 500), m, {"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    assert st == 201, (st, body)
PY
  fi
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
