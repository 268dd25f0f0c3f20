#!/usr/bin/env bash
# The local multi-process cluster (deploy/local/cluster.sh) as one foreground command with the
# contract compare.sh expects of a registry: listen on $STRATA_PORT, data under $STRATA_DATA, print
# "ready", stop on SIGTERM. Usage:
#   STRATA_CMD='"$STRATA_ROOT/load-tests/cluster-serve.sh"' load-tests/compare.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir="${STRATA_DATA:?}/cluster"
stop() { "$ROOT/deploy/local/cluster.sh" stop --dir "$dir"; exit 0; }
trap stop TERM INT
"$ROOT/deploy/local/cluster.sh" start --port "${STRATA_PORT:?}" --dir "$dir"
while :; do sleep 1 & wait $! || true; done
