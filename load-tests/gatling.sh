#!/usr/bin/env bash
# gatling.sh - run a Gatling simulation (load-tests/gatling/) against Strata.
#
# Usage:  load-tests/gatling.sh [--smoke] [SIMULATION] [-Dname=value ...]
#   SIMULATION  Push | Pull | Mixed | Listing | HeadStorm | Smoke    [Mixed; Smoke with --smoke]
#   --smoke     the CI run: SmokeSimulation, 1 user per scenario, 1 and 5 MiB layers, 5 s, p99
#               limits 5 s (light) and 30 s (layers) so a busy CI box does not fail it (~1 min)
#   -D...       simulation parameters: baseUrl, users, duration (s), layerMiB (list, 1..128),
#               layers, chunkMiB, username, password, repoPrefix, p99Ms, blobP99Ms
# Without -DbaseUrl it starts `bin/strata serve` on a free port with a fresh data dir (JAVA_OPTS
# passed through) and stops it afterwards. The HTML report is written under
# load-tests/gatling/target/gatling/; its path is printed. Exit code: Gatling's (non-zero when an
# assertion failed: a failed request, or a p99 over the limit).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sim=""; smoke=0; props=()
for a in "$@"; do
  case "$a" in
    --smoke) smoke=1 ;;
    -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -D*) props+=("$a") ;;
    Push|Pull|Mixed|Listing|HeadStorm|Smoke) sim=$a ;;
    *) echo "gatling.sh: unknown argument $a (try --help)" >&2; exit 2 ;;
  esac
done
if [[ $smoke == 1 ]]; then
  : "${sim:=Smoke}"
  props=(-Dusers=1 -Dduration=5 -DlayerMiB=1,5 -Dlayers=2 -DchunkMiB=4 -Dp99Ms=5000 -DblobP99Ms=30000 "${props[@]}")
fi
: "${sim:=Mixed}"

TMP=""
# shellcheck source=lib/serve.sh
. "$ROOT/load-tests/lib/serve.sh"
cleanup() {
  local rc=$?
  serve_stop
  if [[ -n "$TMP" ]]; then
    if [[ $rc != 0 && -f "$TMP/server.log" ]]; then echo "gatling.sh: server log tail:" >&2; tail -n 30 "$TMP/server.log" >&2; fi
    rm -rf "$TMP"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

has_base=0
for p in "${props[@]}"; do [[ "$p" == -DbaseUrl=* ]] && has_base=1; done
if [[ $has_base == 0 ]]; then
  TMP=$(mktemp -d "${TMPDIR:-/tmp}/strata-gatling.XXXXXX")
  echo "gatling.sh: starting strata serve" >&2
  serve_start "$ROOT" "$TMP"
  echo "gatling.sh: strata serve ready on $SERVE_ADDR" >&2
  props+=("-DbaseUrl=http://$SERVE_ADDR")
fi

cd "$ROOT/load-tests/gatling"
set +e
mvn -B -ntp gatling:test -Dsimulation="dev.strata.loadtests.${sim}Simulation" "${props[@]}" 2>&1 | tee "${TMP:-/tmp}/gatling-$$.log" \
  | grep -vE '^\[INFO\] (Download|Progress)'
rc=${PIPESTATUS[0]}
set -e
report=$(grep -oE 'file:[^ ]*index\.html' "${TMP:-/tmp}/gatling-$$.log" | tail -1 || true)
[[ -z "$TMP" ]] && rm -f "/tmp/gatling-$$.log"
[[ -n "$report" ]] && echo "gatling.sh: report ${report#file:}" >&2
exit "$rc"
