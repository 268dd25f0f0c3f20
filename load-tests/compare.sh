#!/usr/bin/env bash
# compare.sh - side-by-side benchmark: Strata vs CNCF Distribution 2.8.2 (the reference registry).
#
# Usage:  load-tests/compare.sh [--quick] [--files] [--rados] [--help]
#         --files: another registry, Strata with one file per chunk (`serve --storage files`),
#                  measured in the same rounds as Strata on RocksDB (the default) and Distribution
#         --rados: a third registry, Strata with its chunks in Ceph RADOS (a single-node cluster
#                  started by deploy/ceph/start.sh, or the one STRATA_CEPH_CONF names), measured
#                  in the same rounds as Strata on RocksDB and Distribution
#         load-tests/compare.sh --serve-distribution [ADDR DATA_DIR]   (internal helper, see README)
#
# Everything runs on 127.0.0.1. Both registries get a fresh temp data dir and a free port; all
# processes and temp dirs are removed on exit. See load-tests/README.md for knobs and how to read
# the output.
set -Eeuo pipefail

SELF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
LT_DIR="$(dirname "$SELF")"
ROOT="$(dirname "$LT_DIR")"

# --------------------------------------------------------------------------------------------
# Internal mode: run CNCF Distribution as a registry with the same contract as `bin/strata serve`
# (addr + data dir). Used for the Distribution side, and usable as STRATA_CMD for a dry run.
# --------------------------------------------------------------------------------------------
if [[ "${1:-}" == "--serve-distribution" ]]; then
  addr="${2:-${STRATA_ADDR:?--serve-distribution needs ADDR DATA_DIR or STRATA_ADDR/STRATA_DATA}}"
  data="${3:-${STRATA_DATA:?--serve-distribution needs ADDR DATA_DIR or STRATA_ADDR/STRATA_DATA}}"
  mkdir -p "$data/storage"
  cat >"$data/distribution-config.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $data/storage
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: $addr
health:
  storagedriver:
    enabled: false
EOF
  exec docker-registry serve "$data/distribution-config.yml"
fi

usage() {
  sed -n '2,9p' "$SELF" | sed 's/^# \{0,1\}//'
  cat <<'EOF'

Environment (defaults in brackets; --quick changes the ones marked *):
  ROUNDS*            rounds of A/B alternation                          [3; quick 1]
  WRK_DURATION*      seconds per wrk / hey run                         [10; quick 3]
  IMAGE_MIB*         image size in MiB (split over LAYERS layers)      [256; quick 64]
  LAYERS             number of big layers (+1 small layer)             [8]
  PARALLEL_PULLS     concurrent pulls in the parallel-pull workload    [8]
  HIGH_CONNS         connections for the high-concurrency runs         [32]
  STRATA_CMD         command starting Strata; evaluated by bash in the repo root with
                     STRATA_ADDR, STRATA_PORT, STRATA_DATA exported
                     [bin/strata serve --addr "$STRATA_ADDR" --data "$STRATA_DATA"]
  STRATA_START_TIMEOUT seconds to wait for Strata to be ready (it may build first)  [900]
  RESULTS_FILE       where the table is written     [load-tests/results/compare-<utc>.txt]
  WORK_DIR           parent of the registries' data dirs (disk)        [$TMPDIR or /tmp]
  CLIENT_DIR         parent of the image layout and pull targets       [/dev/shm if roomy]
  WARMUP             1 = unmeasured warm-up push + short load per registry first [1]
  GATLING            1 = run the Gatling mixed scenario (75% pull / 25% push) [1]
  GATLING_USERS      virtual users of the Gatling mixed scenario              [8]
  GATLING_LAYER_MIB  layer sizes (MiB) its pushes cycle through               [1,8]
  MAX_SECONDS*       watchdog for the benchmark phase                  [1500; quick 600]
  SKOPEO_TIMEOUT     per skopeo copy                                   [300]
  KEEP_TMP           1 = keep temp dirs (for debugging)                [0]
  STRATA_CEPH_CONF   with --rados: a running cluster's ceph.conf (pool STRATA_CEPH_POOL [strata]);
                     unset = start one with deploy/ceph/start.sh under the temp dir, stop it at exit
  STRATA_FILES_CMD   with --files: command starting Strata on files
                     [bin/strata serve --addr "$STRATA_ADDR" --data "$STRATA_DATA" --storage files]
  STRATA_RADOS_CMD   with --rados: command starting Strata on RADOS (also sees STRATA_CEPH_CONF,
                     STRATA_CEPH_POOL, STRATA_CEPH_NAMESPACE)
                     [bin/strata serve ... --storage rados --ceph-conf ... --ceph-pool ... --ceph-namespace ...]
EOF
}

QUICK=0
RADOS=0
FILES=0
for a in "$@"; do
  case "$a" in
    --quick) QUICK=1 ;;
    --rados) RADOS=1 ;;
    --files) FILES=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $a (try --help)" >&2; exit 2 ;;
  esac
done

if [[ $QUICK == 1 ]]; then
  : "${ROUNDS:=1}" "${WRK_DURATION:=3}" "${IMAGE_MIB:=64}" "${MAX_SECONDS:=600}"
  : "${LIMIT_SECS:=1}" "${DD_MIB:=256}"
else
  : "${ROUNDS:=3}" "${WRK_DURATION:=10}" "${IMAGE_MIB:=256}" "${MAX_SECONDS:=1500}"
  : "${LIMIT_SECS:=3}" "${DD_MIB:=512}"
fi
: "${LAYERS:=8}" "${PARALLEL_PULLS:=8}" "${HIGH_CONNS:=32}" "${WARMUP:=1}"
: "${GATLING:=1}" "${GATLING_USERS:=8}" "${GATLING_LAYER_MIB:=1,8}"
: "${SKOPEO_TIMEOUT:=300}" "${STRATA_START_TIMEOUT:=900}" "${KEEP_TMP:=0}"
: "${WORK_DIR:=${TMPDIR:-/tmp}}"
STRATA_CMD_DEFAULT='"$STRATA_ROOT/bin/strata" serve --addr "$STRATA_ADDR" --data "$STRATA_DATA"'
: "${STRATA_CMD:=$STRATA_CMD_DEFAULT}"
STRATA_FILES_CMD_DEFAULT='"$STRATA_ROOT/bin/strata" serve --addr "$STRATA_ADDR" --data "$STRATA_DATA" --storage files'
: "${STRATA_FILES_CMD:=$STRATA_FILES_CMD_DEFAULT}"
STRATA_RADOS_CMD_DEFAULT='"$STRATA_ROOT/bin/strata" serve --addr "$STRATA_ADDR" --data "$STRATA_DATA" --storage rados --ceph-conf "$STRATA_CEPH_CONF" --ceph-pool "$STRATA_CEPH_POOL" --ceph-namespace "$STRATA_CEPH_NAMESPACE"'
: "${STRATA_RADOS_CMD:=$STRATA_RADOS_CMD_DEFAULT}"
: "${STRATA_CEPH_POOL:=strata}"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
: "${RESULTS_FILE:=$LT_DIR/results/compare-$STAMP.txt}"

for v in ROUNDS WRK_DURATION IMAGE_MIB LAYERS PARALLEL_PULLS HIGH_CONNS MAX_SECONDS SKOPEO_TIMEOUT \
         STRATA_START_TIMEOUT GATLING_USERS; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || { echo "$v must be a positive integer (got '${!v}')" >&2; exit 2; }
done
[[ "$GATLING" == 0 || "$GATLING" == 1 ]] || { echo "GATLING must be 0 or 1 (got '$GATLING')" >&2; exit 2; }
[[ "$GATLING_LAYER_MIB" =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || { echo "GATLING_LAYER_MIB must be a comma-separated list of MiB (got '$GATLING_LAYER_MIB')" >&2; exit 2; }

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }
now_ns() { date +%s%N; }

# --------------------------------------------------------------------------------------------
# Tools (installed from Debian if missing; idempotent)
# --------------------------------------------------------------------------------------------
ensure_tools() {
  local -A pkg_of=([skopeo]=skopeo [umoci]=umoci [docker-registry]=docker-registry [wrk]=wrk
                   [hey]=hey [jq]=jq [curl]=curl [iperf3]=iperf3 [openssl]=openssl
                   [setpriv]=util-linux [ss]=iproute2 [timeout]=coreutils [ps]=procps)
  local missing=() t
  for t in "${!pkg_of[@]}"; do command -v "$t" >/dev/null 2>&1 || missing+=("${pkg_of[$t]}"); done
  [[ ${#missing[@]} == 0 ]] && return 0
  [[ $(id -u) == 0 ]] || die "missing tools (${missing[*]}); run as root or install them: apt-get install ${missing[*]}"
  log "installing missing packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  local apt=(apt-get -y -q -o DPkg::Lock::Timeout=600 install --no-install-recommends)
  if ! "${apt[@]}" "${missing[@]}" >/dev/null 2>&1; then
    apt-get -q -o DPkg::Lock::Timeout=600 update >/dev/null
    "${apt[@]}" "${missing[@]}" >/dev/null
  fi
  for t in "${!pkg_of[@]}"; do command -v "$t" >/dev/null 2>&1 || die "still missing: $t"; done
}

# --------------------------------------------------------------------------------------------
# Cleanup: stop every process we started (by pid / own process group), remove temp dirs.
# --------------------------------------------------------------------------------------------
MY_SID=$(ps -o sid= -p $$ | tr -d ' ')
TMP_DIRS=()
SERVER_PGIDS=()
declare -A SERVER_NAME
WATCHDOG_PID=""
CLEANED=0
CEPH_DIR=""   # set when this script started a Ceph cluster (stopped at exit)

stop_group() { # pgid name
  local pg=$1 name=$2 i
  kill -0 -- "-$pg" 2>/dev/null || return 0
  kill -TERM -- "-$pg" 2>/dev/null || true
  for ((i = 0; i < 200; i++)); do
    kill -0 -- "-$pg" 2>/dev/null || { log "$name stopped $(awk -v i=$i 'BEGIN{printf "%.1f", i/10}') s after SIGTERM"; return 0; }
    sleep 0.1
  done
  log "warning: $name (pgid $pg) still running 20 s after SIGTERM; sending SIGKILL"
  kill -KILL -- "-$pg" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  [[ $CLEANED == 1 ]] && return
  CLEANED=1
  set +e
  [[ -n "$WATCHDOG_PID" ]] && { kill -TERM "$WATCHDOG_PID" 2>/dev/null; wait "$WATCHDOG_PID" 2>/dev/null; }
  local p
  for p in "${SERVER_PGIDS[@]}"; do stop_group "$p" "${SERVER_NAME[$p]:-server}"; done
  for p in $(descendants $$); do kill -TERM "$p" 2>/dev/null; done
  sleep 0.2
  for p in $(descendants $$); do kill -KILL "$p" 2>/dev/null; done
  wait 2>/dev/null
  [[ -n "$CEPH_DIR" ]] && "$ROOT/deploy/ceph/stop.sh" "$CEPH_DIR" >&2
  if [[ $KEEP_TMP == 1 ]]; then
    ((${#TMP_DIRS[@]})) && log "KEEP_TMP=1: left ${TMP_DIRS[*]}"
  else
    for p in "${TMP_DIRS[@]}"; do [[ -n "$p" && -d "$p" ]] && rm -rf -- "$p"; done
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM

# Descendant pids of $1 that are in this script's session (the registries run in sessions of their
# own and are stopped by stop_group); $2 = a pid whose subtree is left out (the watchdog).
descendants() {
  ps -e -o pid=,ppid=,sid= | awk -v root="$1" -v skip="${2:-0}" -v sid="$MY_SID" '
    { s[$1] = $3; kids[$2] = kids[$2] " " $1 }
    END {
      n = split(kids[root], q, " "); i = 1
      while (i <= n) {
        p = q[i++]; if (p == skip) continue
        if (s[p] == sid) print p
        m = split(kids[p], k, " "); for (j = 1; j <= m; j++) q[++n] = k[j]
      }
    }'
}

start_watchdog() {
  # After MAX_SECONDS: TERM this script, then everything it runs (wrk, skopeo, their subshells),
  # so that the cleanup trap runs at once instead of after the current step.
  (
    trap 'kill "$sp" 2>/dev/null; wait "$sp" 2>/dev/null; exit 0' TERM
    sleep "$MAX_SECONDS" & sp=$!
    wait "$sp" || exit 0
    log "watchdog: MAX_SECONDS=$MAX_SECONDS exceeded; stopping"
    kill -TERM $$ 2>/dev/null
    for c in $(descendants $$ "$BASHPID"); do kill -TERM "$c" 2>/dev/null; done
  ) &
  WATCHDOG_PID=$!
}

# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------
USED_PORTS=" "
free_port() {
  local p i
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + RANDOM % 40000))
    [[ "$USED_PORTS" == *" $p "* ]] && continue
    if [[ -z "$(ss -Htln "sport = :$p" 2>/dev/null)" ]]; then USED_PORTS+="$p "; echo "$p"; return 0; fi
  done
  die "no free port found"
}

fmt() { awk -v x="$1" 'BEGIN{ if (x == "" || x == "n/a") print "n/a"; else printf "%.2f", x }'; }

# skopeo runs as an unprivileged user with a private HOME/XDG dirs per invocation. Root skopeo
# always uses the shared blob-info cache in /var/lib/containers/cache, which would turn later
# pushes into cross-repository mounts (no bytes transferred). Non-root skopeo keeps its cache
# under $XDG_DATA_HOME, so every invocation starts with an empty cache.
CLIENT_UID=65534
CLIENT_GID=65534
new_client_state() { # name -> prints dir
  local d="$CLIENT_BASE/ops/$1"
  rm -rf "$d"; mkdir -p "$d"/{data,config,run,tmp,out}
  chmod 700 "$d/run"
  [[ $(id -u) == 0 ]] && chown -R "$CLIENT_UID:$CLIENT_GID" "$d"
  echo "$d"
}
skopeo_client() { # state_dir skopeo-args...
  local st=$1; shift
  local envs=(PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$st" XDG_DATA_HOME="$st/data"
              XDG_CONFIG_HOME="$st/config" XDG_RUNTIME_DIR="$st/run" TMPDIR="$st/tmp"
              REGISTRY_AUTH_FILE="$st/config/auth.json")
  local cmd=(skopeo --insecure-policy --registries-conf "$CLIENT_BASE/registries.conf" "$@")
  if [[ $(id -u) == 0 ]]; then
    timeout -k 5 "$SKOPEO_TIMEOUT" setpriv --reuid="$CLIENT_UID" --regid="$CLIENT_GID" --clear-groups \
      env -i "${envs[@]}" "${cmd[@]}"
  else
    timeout -k 5 "$SKOPEO_TIMEOUT" env -i "${envs[@]}" "${cmd[@]}"
  fi
}

# --------------------------------------------------------------------------------------------
# Registries
# --------------------------------------------------------------------------------------------
declare -A ADDR LOGF PID NAME
NAME[strata]="Strata"
NAME[strata_rados]="Strata-RADOS"
NAME[strata_files]="Strata-files"
NAME[distribution]="Distribution"

start_registry() { # key
  local key=$1 port data cmd timeout_s
  port=$(free_port)
  data="$DATA_BASE/$key-data"; mkdir -p "$data"
  LOGF[$key]="$DATA_BASE/$key.log"
  ADDR[$key]="127.0.0.1:$port"
  if [[ $key == strata ]]; then cmd=$STRATA_CMD; timeout_s=$STRATA_START_TIMEOUT
  elif [[ $key == strata_rados ]]; then cmd=$STRATA_RADOS_CMD; timeout_s=$STRATA_START_TIMEOUT
  elif [[ $key == strata_files ]]; then cmd=$STRATA_FILES_CMD; timeout_s=$STRATA_START_TIMEOUT
  else cmd="$(printf '%q' "$SELF")"' --serve-distribution "$STRATA_ADDR" "$STRATA_DATA"'; timeout_s=60
  fi
  log "starting ${NAME[$key]} on ${ADDR[$key]} (data $data): $cmd"
  # own session => own process group, so stop_group reaches a wrapper script and its JVM alike
  local pidfile="$DATA_BASE/$key.pgid" i
  (cd "$ROOT" && STRATA_ROOT="$ROOT" STRATA_CEPH_CONF="${STRATA_CEPH_CONF:-}" STRATA_CEPH_POOL="$STRATA_CEPH_POOL" \
     STRATA_CEPH_NAMESPACE="bench-$STAMP-$$" STRATA_ADDR="${ADDR[$key]}" STRATA_PORT="$port" STRATA_DATA="$data" \
     exec setsid bash -c 'echo $$ >"$1.tmp" && mv "$1.tmp" "$1" && exec bash -c "$2"' _ "$pidfile" "$cmd") \
     </dev/null >"${LOGF[$key]}" 2>&1 &
  for ((i = 0; i < 100; i++)); do [[ -s "$pidfile" ]] && break; sleep 0.05; done
  [[ -s "$pidfile" ]] || die "could not start ${NAME[$key]}"
  # a session leader: its pid is the session and process-group id of everything it starts
  PID[$key]=$(<"$pidfile")
  SERVER_PGIDS+=("${PID[$key]}")
  SERVER_NAME[${PID[$key]}]=${NAME[$key]}
  local t0 deadline said_ready=0
  t0=$(now_ns); deadline=$(( $(date +%s) + timeout_s ))
  while :; do
    if ! kill -0 -- "-${PID[$key]}" 2>/dev/null; then
      tail -n 40 "${LOGF[$key]}" >&2 || true
      die "${NAME[$key]} exited during start-up (log above)"
    fi
    grep -q ready "${LOGF[$key]}" 2>/dev/null && said_ready=1
    # readiness = it said "ready" (Strata's contract) or /v2/ answers; /v2/ must answer 200 either way
    if [[ $(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://${ADDR[$key]}/v2/" || true) == 200 ]]; then break; fi
    if (( $(date +%s) > deadline )); then
      tail -n 40 "${LOGF[$key]}" >&2 || true
      die "${NAME[$key]} not answering 200 on GET /v2/ after ${timeout_s}s (said ready: $said_ready)"
    fi
    sleep 0.2
  done
  log "${NAME[$key]} ready in $(awk -v d=$(( $(now_ns) - t0 )) 'BEGIN{printf "%.1f", d/1e9}') s (printed 'ready': $said_ready)"
}

server_rss_mib() { # key -> sum of VmHWM over the process group (peak RSS, MiB)
  local pg=${PID[$1]} total=0 p hwm
  for p in $(ps -o pid= -s "$pg" 2>/dev/null); do
    hwm=$(awk '/^VmHWM:/{print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
    total=$((total + ${hwm:-0}))
  done
  awk -v k="$total" 'BEGIN{printf "%.0f", k/1024}'
}

# --------------------------------------------------------------------------------------------
# Results bookkeeping
# --------------------------------------------------------------------------------------------
RES_DIR=""
# warnings/errors go to files: many producers run inside $(...) subshells
warn() { echo "$*" >>"$RES_DIR/warnings"; log "warning: $*"; }
record() { echo "$3" >>"$RES_DIR/$1.$2"; }
record_err() { echo "ERR" >>"$RES_DIR/$1.$2"; echo "$3" >>"$RES_DIR/errors"; warn "$3"; }
median_of() {
  local f="$RES_DIR/$1.$2"
  [[ -f "$f" ]] || { echo n/a; return; }
  { grep -E '^[0-9.]+$' "$f" || true; } | sort -g | awk '{a[NR]=$1} END{ if (NR == 0) { print "n/a"; exit }
    if (NR % 2) printf "%.2f", a[(NR+1)/2]; else printf "%.2f", (a[NR/2] + a[NR/2+1]) / 2 }'
}
samples_of() { [[ -f "$RES_DIR/$1.$2" ]] && tr '\n' ' ' <"$RES_DIR/$1.$2" | sed 's/ $//' || echo "-"; }

# --------------------------------------------------------------------------------------------
# Workloads
# --------------------------------------------------------------------------------------------
IMG=""; IMG_BYTES=0; IMG_MIB=0; MANIFEST_TYPE=""; MANIFEST_DIGEST=""; HEAD_DIGEST=""; HEAD_SIZE=0

push_image() { # key repo label -> prints MiB/s or fails
  local key=$1 repo=$2 label=$3 st t0 t1 skipped uploaded
  st=$(new_client_state "$key-push-$label")
  t0=$(now_ns)
  if ! skopeo_client "$st" --debug copy --dest-tls-verify=false "oci:$IMG:bench" \
        "docker://${ADDR[$key]}/$repo:latest" >"$st/out/log" 2>&1; then
    grep -v 'level=debug' "$st/out/log" | tail -n 5 >&2
    return 1
  fi
  t1=$(now_ns)
  skipped=$(grep -c 'Skipping blob' "$st/out/log" || true)
  uploaded=$(grep -c 'Upload of layer .* complete' "$st/out/log" || true)
  [[ $uploaded == "$IMG_BLOBS" ]] || warn "${NAME[$key]} push $label: skopeo uploaded $uploaded of $IMG_BLOBS blobs"
  [[ $skipped == 0 ]] || warn "${NAME[$key]} push $label: skopeo skipped $skipped blob(s) as already present (uploaded $uploaded): not all bytes were transferred"
  rm -rf "$st"
  awk -v b="$IMG_BYTES" -v d=$((t1 - t0)) 'BEGIN{printf "%.2f", (b/1048576) / (d/1e9)}'
}

pull_once() { # key repo state_dir  (runs skopeo; output into state dir)
  skopeo_client "$3" copy --src-tls-verify=false "docker://${ADDR[$1]}/$2:latest" "oci:$3/out/img:latest" \
    >"$3/out/log" 2>&1
}

pull_image() { # key repo label -> MiB/s
  local key=$1 repo=$2 label=$3 st t0 t1
  st=$(new_client_state "$key-pull-$label")
  t0=$(now_ns)
  if ! pull_once "$key" "$repo" "$st"; then tail -n 5 "$st/out/log" >&2; return 1; fi
  t1=$(now_ns)
  rm -rf "$st"
  awk -v b="$IMG_BYTES" -v d=$((t1 - t0)) 'BEGIN{printf "%.2f", (b/1048576) / (d/1e9)}'
}

parallel_pull() { # key repo label -> aggregate MiB/s
  local key=$1 repo=$2 label=$3 i t0 t1 fail=0 pids=() sts=()
  for ((i = 1; i <= PARALLEL_PULLS; i++)); do sts+=("$(new_client_state "$key-ppull-$label-$i")"); done
  t0=$(now_ns)
  for ((i = 0; i < PARALLEL_PULLS; i++)); do pull_once "$key" "$repo" "${sts[$i]}" & pids+=($!); done
  for ((i = 0; i < PARALLEL_PULLS; i++)); do
    wait "${pids[$i]}" || { fail=1; tail -n 3 "${sts[$i]}/out/log" >&2; }
  done
  t1=$(now_ns)
  rm -rf "${sts[@]}"
  [[ $fail == 0 ]] || return 1
  awk -v b="$IMG_BYTES" -v n="$PARALLEL_PULLS" -v d=$((t1 - t0)) 'BEGIN{printf "%.2f", (n*b/1048576) / (d/1e9)}'
}

WRK_LUA=""
# wrk run -> "rps p99_ms"; fails on any non-2xx/3xx answer or socket error, warns on timeouts
wrk_run() { # url threads conns duration accept
  local out line
  out=$(WRK_ACCEPT="$5" timeout -k 5 $(( $4 + 60 )) wrk -t"$2" -c"$3" -d"$4"s --timeout 10s -s "$WRK_LUA" "$1" 2>&1) || {
    echo "$out" | tail -n 3 >&2; return 1; }
  line=$(grep '^RESULT ' <<<"$out") || { echo "$out" | tail -n 3 >&2; return 1; }
  kv() { tr ' ' '\n' <<<"$line" | awk -F= -v k="$1" '$1 == k {print $2}'; }
  local requests non2xx errs rps p99
  requests=$(kv requests); non2xx=$(kv non2xx); rps=$(kv rps); p99=$(kv p99_ms)
  errs="connect=$(kv connect_err) read=$(kv read_err) write=$(kv write_err) timeout=$(kv timeout_err)"
  if [[ "${requests:-0}" == 0 || "$non2xx" != 0 || "$errs" != "connect=0 read=0 write=0 "* ]]; then
    log "wrk: requests=$requests non2xx=$non2xx $errs"
    return 1
  fi
  [[ "$(kv timeout_err)" == 0 ]] || warn "wrk $1 c=$3: $(kv timeout_err) request(s) timed out (>10 s); they are missing from p99"
  echo "$rps $p99"
}

# wrk cannot do HEAD against a response with a non-zero Content-Length (its parser waits for the
# body), so blob HEAD load uses hey (Go net/http client).
hey_head() { # url conns duration -> "rps p99_ms"
  local out rps p99 codes
  out=$(timeout -k 5 $(( $3 + 60 )) hey -z "$3"s -c "$2" -m HEAD -disable-compression "$1" 2>&1) || {
    echo "$out" | tail -n 3 >&2; return 1; }
  rps=$(awk '/Requests\/sec:/{printf "%.2f", $2; exit}' <<<"$out")
  p99=$(awk '/ 99% in /{printf "%.3f", $3 * 1000; exit}' <<<"$out")
  codes=$(awk '/Status code distribution:/{f=1; next} f && /\[[0-9]+\]/{print $1 "=" $2} f && /^$/{f=0}' <<<"$out" | tr '\n' ' ')
  if grep -q 'Error distribution' <<<"$out" || [[ -z "$rps" || -z "$p99" || "$codes" != "[200]="*" " || "$codes" == *" ["* ]]; then
    log "hey: codes: ${codes:-none}; $(grep -A3 'Error distribution' <<<"$out" | tr '\n' ' ')"
    return 1
  fi
  echo "$rps $p99"
}

# Gatling MixedSimulation (load-tests/gatling/): GATLING_USERS users for WRK_DURATION s, each
# iteration a pull of a seeded image (75%) or a monolithic push of a new one (25%). -> "rps p99_ms"
# Fails when any request failed (the simulation's assertion); p99 limits are lifted here.
gatling_mixed() { # key label
  local key=$1 label=$2 out="$DATA_BASE/gatling-$1-$2.log" rps p99
  if ! (cd "$LT_DIR/gatling" && timeout -k 5 $(( WRK_DURATION + 300 )) mvn -B -ntp gatling:test \
        -Dsimulation=dev.strata.loadtests.MixedSimulation -DbaseUrl="http://${ADDR[$key]}" \
        -Dusers="$GATLING_USERS" -Dduration="$WRK_DURATION" -DlayerMiB="$GATLING_LAYER_MIB" -Dlayers=2 \
        -DrepoPrefix="bench/gatling-$label" -Dp99Ms=600000 -DblobP99Ms=3600000) >"$out" 2>&1; then
    grep -E 'KO|failed|ERROR' "$out" | head -n 5 >&2
    return 1
  fi
  rps=$(awk -F'|' '/> mean throughput \(rps\)/{gsub(/[ ,]/, "", $2); print $2; exit}' "$out")
  p99=$(awk -F'|' '/> response time 99th percentile/{gsub(/[ ,]/, "", $2); print $2; exit}' "$out")
  [[ -n "$rps" && -n "$p99" ]] || { tail -n 5 "$out" >&2; return 1; }
  echo "$rps $p99"
}

preflight() { # key repo : protocol sanity checks the benchmark relies on
  local key=$1 repo=$2 base="http://${ADDR[$1]}/v2/$2" h ct dig code cl
  h=$(curl -s -o /dev/null -D - -H "Accept: $MANIFEST_TYPE" "$base/manifests/latest" | tr -d '\r')
  code=$(awk 'NR==1{print $2}' <<<"$h")
  ct=$(awk -F': ' 'tolower($1)=="content-type"{print $2}' <<<"$h")
  dig=$(awk -F': ' 'tolower($1)=="docker-content-digest"{print $2}' <<<"$h")
  log "  ${NAME[$key]}: GET manifest -> $code, Content-Type $ct, Docker-Content-Digest ${dig:-<none>}"
  [[ $code == 200 ]] || warn "${NAME[$key]}: GET /v2/$repo/manifests/latest answered $code"
  [[ $ct == "$MANIFEST_TYPE" ]] || warn "${NAME[$key]}: manifest Content-Type '$ct' != '$MANIFEST_TYPE'"
  [[ $dig == "$MANIFEST_DIGEST" ]] || warn "${NAME[$key]}: Docker-Content-Digest '${dig}' != $MANIFEST_DIGEST"
  h=$(curl -s -o /dev/null -I -D - "$base/blobs/$HEAD_DIGEST" | tr -d '\r')
  code=$(awk 'NR==1{print $2}' <<<"$h")
  cl=$(awk -F': ' 'tolower($1)=="content-length"{print $2}' <<<"$h")
  log "  ${NAME[$key]}: HEAD blob -> $code, Content-Length ${cl:-<none>} (expected $HEAD_SIZE)"
  [[ $code == 200 && $cl == "$HEAD_SIZE" ]] || warn "${NAME[$key]}: HEAD blob answered $code, Content-Length '${cl}' (expected 200, $HEAD_SIZE)"
  return 0
}

# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------
ensure_tools

DATA_BASE=$(mktemp -d "$WORK_DIR/strata-compare.XXXXXX"); TMP_DIRS+=("$DATA_BASE")
RES_DIR="$DATA_BASE/results"; mkdir -p "$RES_DIR"
need_mib=$(( (PARALLEL_PULLS + 3) * IMAGE_MIB + 512 ))
if [[ -z "${CLIENT_DIR:-}" ]]; then
  CLIENT_DIR=$WORK_DIR
  if [[ -d /dev/shm && -w /dev/shm ]] && (( $(df -Pm /dev/shm | awk 'NR==2{print $4}') > need_mib )); then
    CLIENT_DIR=/dev/shm
  fi
fi
CLIENT_BASE=$(mktemp -d "$CLIENT_DIR/strata-compare-client.XXXXXX"); TMP_DIRS+=("$CLIENT_BASE")
chmod 755 "$CLIENT_BASE"
mkdir -p "$CLIENT_BASE/ops"; chmod 755 "$CLIENT_BASE/ops"
printf 'unqualified-search-registries = []\n' >"$CLIENT_BASE/registries.conf"
chmod 644 "$CLIENT_BASE/registries.conf"
WRK_LUA="$CLIENT_BASE/report.lua"
cat >"$WRK_LUA" <<'EOF'
local accept = os.getenv("WRK_ACCEPT")
if accept and accept ~= "" then wrk.headers["Accept"] = accept end
done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d rps=%.2f p50_ms=%.3f p99_ms=%.3f non2xx=%d connect_err=%d read_err=%d write_err=%d timeout_err=%d\n",
    summary.requests, summary.requests / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect, e.read, e.write, e.timeout))
end
EOF

git_desc() {
  local h
  h=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null) || { echo n/a; return; }
  if [[ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null)" ]]; then echo "$h (uncommitted changes)"; else echo "$h"; fi
}
if [[ $RADOS == 1 && -z "${STRATA_CEPH_CONF:-}" ]]; then
  log "starting a single-node Ceph cluster (deploy/ceph/start.sh)"
  CEPH_DIR="$DATA_BASE/ceph"
  STRATA_CEPH_CONF=$(STRATA_CEPH_POOL="$STRATA_CEPH_POOL" "$ROOT/deploy/ceph/start.sh" "$CEPH_DIR" | tail -1)
  [[ -f "$STRATA_CEPH_CONF" ]] || die "deploy/ceph/start.sh printed no ceph.conf"
fi
OUT="$DATA_BASE/report.txt"
{
  echo "Strata vs CNCF Distribution - side-by-side benchmark"
  echo "date (UTC):    $(date -u '+%Y-%m-%d %H:%M:%S')"
  echo "host:          $(uname -srm); $(nproc) cores ($(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)); $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM"
  echo "strata git:    $(git_desc)"
  echo "strata cmd:    $STRATA_CMD"
  [[ $FILES == 1 ]] && echo "strata-files:  $STRATA_FILES_CMD"
  [[ $RADOS == 1 ]] && echo "strata-rados:  $STRATA_RADOS_CMD (ceph.conf $STRATA_CEPH_CONF, pool $STRATA_CEPH_POOL$([[ -n "$CEPH_DIR" ]] && echo ', single-node cluster from deploy/ceph/start.sh: 1 mon + 1 OSD on memstore (RAM), pool size 1'))"
  [[ "$STRATA_CMD" != "$STRATA_CMD_DEFAULT" ]] && echo "               NOTE: STRATA_CMD overridden - the 'Strata' column is whatever that command runs"
  echo "JAVA_OPTS:     ${JAVA_OPTS:-<unset>}"
  echo "distribution:  $(docker-registry --version 2>/dev/null | head -1)"
  echo "clients:       $(skopeo --version); $(wrk --version 2>&1 | head -1 | awk '{print $1, $2}'); hey $(dpkg-query -W -f='${Version}' hey 2>/dev/null)"
  echo "settings:      rounds=$ROUNDS image=${IMAGE_MIB}MiB in $LAYERS+1 layers, wrk/hey ${WRK_DURATION}s, parallel pulls=$PARALLEL_PULLS, high conns=$HIGH_CONNS, warmup=$WARMUP$([[ $QUICK == 1 ]] && echo ' (--quick)')"
  echo "gatling:       $([[ $GATLING == 1 ]] && echo "MixedSimulation, $GATLING_USERS users, ${WRK_DURATION}s, 2 layers of $GATLING_LAYER_MIB MiB per push" || echo off)"
  echo "dirs:          registries in $DATA_BASE, clients in $CLIENT_BASE"
  echo "load average:  $(cut -d' ' -f1-3 /proc/loadavg) at start (1, 5, 15 min)"
} >"$OUT"
LOAD_START=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$LOAD_START" -v n="$(nproc)" 'BEGIN{exit !(l > n * 0.5)}'; then
  warn "load average was $LOAD_START at start on $(nproc) cores: other processes compete for the CPU, expect noisy numbers"
fi
cat "$OUT"

# ---- machine limits ------------------------------------------------------------------------
log "measuring machine limits"
sha_bps=$(openssl speed -mr -bytes 16384 -seconds "$LIMIT_SECS" sha256 2>/dev/null | awk -F: '/^\+F:/{print $4}' | tail -1)
measure_loopback() { # -> bits/s of one iperf3 stream over 127.0.0.1 (empty on failure)
  local port spid json try
  for try in 1 2 3; do
    port=$(free_port)
    iperf3 -s -1 -B 127.0.0.1 -p "$port" >"$DATA_BASE/iperf3-server.log" 2>&1 </dev/null &
    spid=$!
    for _ in $(seq 50); do [[ -n "$(ss -Htln "sport = :$port")" ]] && break; sleep 0.1; done
    json=$(timeout 60 iperf3 -c 127.0.0.1 -p "$port" -t "$((LIMIT_SECS + 1))" -J 2>&1 || true)
    kill "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true
    if jq -e '.end.sum_received.bits_per_second' <<<"$json" >/dev/null 2>&1; then
      jq -r '.end.sum_received.bits_per_second' <<<"$json"; return 0
    fi
    log "iperf3 attempt $try failed: $(jq -r '.error // empty' <<<"$json" 2>/dev/null || head -c 200 <<<"$json") $(tail -n 2 "$DATA_BASE/iperf3-server.log" | tr '\n' ' ')"
  done
}
tcp_bps=$(measure_loopback)
dd_out=$(LC_ALL=C dd if=/dev/zero of="$DATA_BASE/dd.bin" bs=1M count="$DD_MIB" conv=fdatasync 2>&1 | tail -1 || true)
rm -f "$DATA_BASE/dd.bin"
dd_secs=$(awk -F', ' '{print $(NF-1)}' <<<"$dd_out" | awk '{print $1}')
{
  echo
  echo "Machine limits (upper bounds for one stream on this box)"
  awk -v b="${sha_bps:-0}" 'BEGIN{ if (b > 0) printf "  sha256, 1 core, 16 KiB blocks (openssl speed):  %8.0f MiB/s\n", b/1048576; else print "  sha256: n/a" }'
  awk -v b="${tcp_bps:-0}" 'BEGIN{ if (b > 0) printf "  loopback TCP, 1 stream (iperf3):                %8.0f MiB/s\n", b/8/1048576; else print "  loopback TCP: n/a" }'
  awk -v m="$DD_MIB" -v s="${dd_secs:-0}" -v dir="$WORK_DIR" 'BEGIN{ if (s > 0) printf "  disk write %d MiB + fdatasync (dd, %s):      %8.0f MiB/s\n", m, dir, m/s; else print "  disk write: n/a" }'
} | tee -a "$OUT"

# ---- image ---------------------------------------------------------------------------------
log "building a ${IMAGE_MIB} MiB OCI image ($LAYERS x $((IMAGE_MIB / LAYERS)) MiB + 1 small layer) from fresh random data with umoci"
IMG="$CLIENT_BASE/image"
t0=$(now_ns)
umoci init --layout "$IMG"
umoci new --image "$IMG:bench"
layer_bytes=$(( IMAGE_MIB * 1048576 / LAYERS ))
for ((i = 1; i <= LAYERS; i++)); do
  head -c "$layer_bytes" /dev/urandom >"$CLIENT_BASE/layer.bin"
  umoci insert --image "$IMG:bench" "$CLIENT_BASE/layer.bin" "/data/layer-$i.bin" >/dev/null
done
head -c 4096 /dev/urandom >"$CLIENT_BASE/layer.bin"
umoci insert --image "$IMG:bench" "$CLIENT_BASE/layer.bin" "/etc/small.bin" >/dev/null
rm -f "$CLIENT_BASE/layer.bin"
umoci gc --layout "$IMG"
chmod -R a+rX "$IMG"
MANIFEST_DIGEST=$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"]=="bench") | .digest' "$IMG/index.json")
MANIFEST_TYPE=$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"]=="bench") | .mediaType' "$IMG/index.json")
mf="$IMG/blobs/sha256/${MANIFEST_DIGEST#sha256:}"
IMG_BYTES=$(jq '[.layers[].size] + [.config.size] | add' "$mf")
IMG_BYTES=$(( IMG_BYTES + $(stat -c %s "$mf") ))
IMG_BLOBS=$(jq '.layers | length + 1' "$mf")
HEAD_DIGEST=$(jq -r '.layers[0].digest' "$mf")
HEAD_SIZE=$(jq -r '.layers[0].size' "$mf")
IMG_MIB=$(awk -v b="$IMG_BYTES" 'BEGIN{printf "%.1f", b/1048576}')
log "image built in $(awk -v d=$(( $(now_ns) - t0 )) 'BEGIN{printf "%.1f", d/1e9}') s: $(jq '.layers|length' "$mf") layers, $IMG_MIB MiB of blobs, manifest $MANIFEST_TYPE"

if [[ $GATLING == 1 ]]; then
  log "compiling the Gatling simulations (dependencies are downloaded on the first run)"
  (cd "$LT_DIR/gatling" && mvn -q -B -ntp test-compile) >&2 || die "cannot build load-tests/gatling"
fi

# ---- registries ----------------------------------------------------------------------------
start_registry strata
ORDER=(strata)
if [[ $FILES == 1 ]]; then
  start_registry strata_files
  ORDER+=(strata_files)
fi
if [[ $RADOS == 1 ]]; then
  start_registry strata_rados
  ORDER+=(strata_rados)
fi
start_registry distribution
ORDER+=(distribution)
start_watchdog

if [[ $WARMUP == 1 ]]; then
  log "warm-up (not measured): one push per registry + 2 s of manifest GET and blob HEAD"
  for key in "${ORDER[@]}"; do
    push_image "$key" bench/warmup warmup >/dev/null || warn "${NAME[$key]}: warm-up push failed"
    wrk_run "http://${ADDR[$key]}/v2/bench/warmup/manifests/latest" 2 "$HIGH_CONNS" 2 "$MANIFEST_TYPE" >/dev/null || true
    hey_head "http://${ADDR[$key]}/v2/bench/warmup/blobs/$HEAD_DIGEST" "$HIGH_CONNS" 2 >/dev/null || true
  done
fi

# ---- rounds: every workload runs on A then B, round after round (A B A B ...) ---------------
for ((r = 1; r <= ROUNDS; r++)); do
  repo="bench/round$r"
  log "round $r/$ROUNDS"
  for key in "${ORDER[@]}"; do
    if v=$(push_image "$key" "$repo" "r$r"); then record "$key" push "$v"; log "  ${NAME[$key]} push: $v MiB/s"
    else record_err "$key" push "${NAME[$key]} round $r: push failed"; fi
  done
  [[ $r == 1 ]] && { log "protocol checks"; for key in "${ORDER[@]}"; do preflight "$key" "$repo"; done; }
  for key in "${ORDER[@]}"; do
    if v=$(pull_image "$key" "$repo" "r$r"); then record "$key" pull "$v"; log "  ${NAME[$key]} pull: $v MiB/s"
    else record_err "$key" pull "${NAME[$key]} round $r: pull failed"; fi
  done
  for key in "${ORDER[@]}"; do
    if v=$(parallel_pull "$key" "$repo" "r$r"); then record "$key" ppull "$v"; log "  ${NAME[$key]} ${PARALLEL_PULLS}x parallel pull: $v MiB/s aggregate"
    else record_err "$key" ppull "${NAME[$key]} round $r: parallel pull failed"; fi
  done
  for spec in "mget1 1 1" "mgetN 2 $HIGH_CONNS"; do
    read -r m th cn <<<"$spec"
    for key in "${ORDER[@]}"; do
      if v=$(wrk_run "http://${ADDR[$key]}/v2/$repo/manifests/latest" "$th" "$cn" "$WRK_DURATION" "$MANIFEST_TYPE"); then
        read -r rps p99 <<<"$v"; record "$key" "${m}_rps" "$rps"; record "$key" "${m}_p99" "$p99"
        log "  ${NAME[$key]} manifest GET c=$cn: $rps req/s, p99 $p99 ms"
      else
        record_err "$key" "${m}_rps" "${NAME[$key]} round $r: manifest GET c=$cn failed"; echo ERR >>"$RES_DIR/$key.${m}_p99"
      fi
    done
  done
  for key in "${ORDER[@]}"; do
    if v=$(hey_head "http://${ADDR[$key]}/v2/$repo/blobs/$HEAD_DIGEST" "$HIGH_CONNS" "$WRK_DURATION"); then
      read -r rps p99 <<<"$v"; record "$key" head_rps "$rps"; record "$key" head_p99 "$p99"
      log "  ${NAME[$key]} blob HEAD c=$HIGH_CONNS: $rps req/s, p99 $p99 ms"
    else
      record_err "$key" head_rps "${NAME[$key]} round $r: blob HEAD failed"; echo ERR >>"$RES_DIR/$key.head_p99"
    fi
  done
  if [[ $GATLING == 1 ]]; then
    for key in "${ORDER[@]}"; do
      if v=$(gatling_mixed "$key" "r$r"); then
        read -r rps p99 <<<"$v"; record "$key" mixed_rps "$rps"; record "$key" mixed_p99 "$p99"
        log "  ${NAME[$key]} Gatling mixed, $GATLING_USERS users: $rps req/s, p99 $p99 ms"
      else
        record_err "$key" mixed_rps "${NAME[$key]} round $r: Gatling mixed scenario failed"; echo ERR >>"$RES_DIR/$key.mixed_p99"
      fi
    done
  fi
done

# ---- report --------------------------------------------------------------------------------
METRICS=(
  "push|push ${IMG_MIB} MiB image (skopeo)|MiB/s|higher"
  "pull|pull ${IMG_MIB} MiB image (skopeo)|MiB/s|higher"
  "ppull|${PARALLEL_PULLS} parallel pulls, aggregate|MiB/s|higher"
  "mget1_rps|manifest GET, 1 conn (wrk)|req/s|higher"
  "mget1_p99|manifest GET, 1 conn, p99|ms|lower"
  "mgetN_rps|manifest GET, $HIGH_CONNS conns (wrk)|req/s|higher"
  "mgetN_p99|manifest GET, $HIGH_CONNS conns, p99|ms|lower"
  "head_rps|blob HEAD, $HIGH_CONNS conns (hey)|req/s|higher"
  "head_p99|blob HEAD, $HIGH_CONNS conns, p99|ms|lower"
)
[[ $GATLING == 1 ]] && METRICS+=(
  "mixed_rps|Gatling mixed 75/25, $GATLING_USERS users|req/s|higher"
  "mixed_p99|Gatling mixed 75/25, p99|ms|lower"
)
{
  echo
  echo "Results: medians of $ROUNDS round(s); ratio = Strata / Distribution"
  [[ $FILES == 1 || $RADOS == 1 ]] && echo "(Strata = chunks in RocksDB$([[ $FILES == 1 ]] && echo '; Strata-files = one file per chunk')$([[ $RADOS == 1 ]] && echo '; Strata-RADOS = chunks in Ceph RADOS'); every ratio against Distribution)"
  echo "(for 'higher' metrics a ratio > 1 favours Strata; for 'lower' metrics a ratio < 1 does)"
  echo
  STRATAS=(strata); [[ $FILES == 1 ]] && STRATAS+=(strata_files); [[ $RADOS == 1 ]] && STRATAS+=(strata_rados)
  header=$(printf '%-38s %-6s %-7s' metric unit better)
  for key in "${ORDER[@]}"; do header+=$(printf ' %14s' "${NAME[$key]}"); done
  for key in "${STRATAS[@]}"; do header+=$(printf ' %14s' "${NAME[$key]/Strata/S}/Dist"); done
  echo "$header"
  printf '%s\n' "$(sed 's/[^ ]/-/g' <<<"$header")"
  for spec in "${METRICS[@]}"; do
    IFS='|' read -r k label unit better <<<"$spec"
    line=$(printf '%-38s %-6s %-7s' "$label" "$unit" "$better")
    for key in "${ORDER[@]}"; do line+=$(printf ' %14s' "$(median_of "$key" "$k")"); done
    b=$(median_of distribution "$k")
    for key in "${STRATAS[@]}"; do
      a=$(median_of "$key" "$k")
      line+=$(printf ' %14s' "$(awk -v a="$a" -v b="$b" 'BEGIN{ if (a == "n/a" || b == "n/a" || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }')")
    done
    echo "$line"
  done
  echo
  rss="Server peak RSS (VmHWM summed over its process group):"
  for key in "${ORDER[@]}"; do rss+=" ${NAME[$key]} $(server_rss_mib "$key") MiB,"; done
  echo "${rss%,}"
  echo "Load average at end: $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min; the benchmark itself keeps ~2 busy)"
  echo
  echo "Raw samples per round (round 1 first; ERR = failed run)"
  for spec in "${METRICS[@]}"; do
    IFS='|' read -r k label unit better <<<"$spec"
    line=$(printf '  %-38s' "$label")
    for key in "${ORDER[@]}"; do line+=" ${NAME[$key]}: $(samples_of "$key" "$k");"; done
    echo "${line%;}"
  done
  if [[ -s "$RES_DIR/warnings" ]]; then
    echo
    echo "Warnings:"
    sed 's/^/  - /' "$RES_DIR/warnings"
  fi
} | tee -a "$OUT"

mkdir -p "$(dirname "$RESULTS_FILE")"
cp "$OUT" "$RESULTS_FILE"
log "results written to $RESULTS_FILE"
if [[ -s "$RES_DIR/errors" ]]; then log "$(wc -l <"$RES_DIR/errors") run(s) failed; see Warnings"; exit 1; fi
exit 0
