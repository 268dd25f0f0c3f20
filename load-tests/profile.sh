#!/usr/bin/env bash
# profile.sh - where the CPU goes: CPU-seconds per MiB for the server (Strata, Distribution) and the
# client (curl, skopeo) on pushes and pulls, measured in the same run, plus a JFR profile of
# `strata serve` during a push and during 8 parallel pulls, summarised to its top frames.
#
# Usage:  load-tests/profile.sh [--help]
# Env:    ROUNDS      rounds of Strata/Distribution alternation (medians are reported)      [3]
#         BLOB_MIB    size of the blob pushed and pulled with curl                          [256]
#         IMAGE_MIB   size of the image pushed and pulled with skopeo (8 layers + 1 small)  [256]
#         PARALLEL    concurrent pulls in the parallel-pull phases                          [8]
#         SKOPEO      1 = also measure skopeo push / pull / parallel pulls                  [1]
#         JFR         1 = profile Strata with JFR after the measured rounds                 [1]
#         PERF        1 = also sample the Strata JVM with `perf record` during those profiles
#                     (native frames: RocksDB, libc, kernel copies; JIT code named via
#                     jcmd Compiler.perfmap)                                [1 when perf is installed]
#         TOP         frames listed per profile                                             [15]
#         WORK_DIR    parent of the servers' data dirs (disk)                   [$TMPDIR or /tmp]
#         CLIENT_DIR  parent of the client's files (blob, image, pulls)      [/dev/shm if roomy]
#         RESULTS_FILE  [load-tests/results/profile-<utc>.txt]
#         STRATA_SERVE_ARGS  extra `strata serve` arguments, e.g. "--storage files"            [none]
# CPU is utime+stime from /proc (the server's whole process; the client's children via `times`).
set -Eeuo pipefail
SELF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
LT_DIR="$(dirname "$SELF")"
ROOT="$(dirname "$LT_DIR")"
[[ "${1:-}" == -h || "${1:-}" == --help ]] && { sed -n '2,22p' "$SELF" | sed 's/^# \{0,1\}//'; exit 0; }
: "${WARMUP:=3}" "${ROUNDS:=3}" "${BLOB_MIB:=256}" "${IMAGE_MIB:=256}" "${PARALLEL:=8}" "${SKOPEO:=1}" "${JFR:=1}" "${TOP:=15}"
: "${WORK_DIR:=${TMPDIR:-/tmp}}"
if [[ -z "${PERF:-}" ]]; then PERF=0; command -v perf >/dev/null && PERF=1; fi
for v in WARMUP ROUNDS BLOB_MIB IMAGE_MIB PARALLEL TOP; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || { echo "$v must be a positive integer (got '${!v}')" >&2; exit 2; }
done
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
: "${RESULTS_FILE:=$LT_DIR/results/profile-$STAMP.txt}"
for t in curl jq sha256sum docker-registry ss; do command -v $t >/dev/null || { echo "needs $t (see load-tests/README.md)" >&2; exit 2; }; done
[[ $SKOPEO == 1 ]] && for t in skopeo umoci setpriv; do command -v $t >/dev/null || { echo "needs $t (SKOPEO=0 skips skopeo)" >&2; exit 2; }; done
[[ $JFR == 1 ]] && for t in jcmd jfr; do command -v $t >/dev/null || { echo "needs $t from the JDK (JFR=0 skips the profile)" >&2; exit 2; }; done

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }
now_ns() { date +%s%N; }
TICK=$(getconf CLK_TCK)

DATA=$(mktemp -d "$WORK_DIR/strata-profile.XXXXXX")
need=$(( (PARALLEL + 3) * (BLOB_MIB > IMAGE_MIB ? BLOB_MIB : IMAGE_MIB) + 512 ))
if [[ -z "${CLIENT_DIR:-}" ]]; then
  CLIENT_DIR=$WORK_DIR
  [[ -w /dev/shm ]] && (( $(df -Pm /dev/shm | awk 'NR==2{print $4}') > need )) && CLIENT_DIR=/dev/shm
fi
CL=$(mktemp -d "$CLIENT_DIR/strata-profile-client.XXXXXX"); chmod 755 "$CL"
# shellcheck source=lib/serve.sh
. "$LT_DIR/lib/serve.sh"
DIST_PID=""
declare -A ADDR PIDOF NAME=([strata]=Strata [dist]=Distribution)
cleanup() {
  local rc=$?
  set +e
  [[ -n "${PERF_PID:-}" ]] && { kill -INT "$PERF_PID" 2>/dev/null; wait "$PERF_PID" 2>/dev/null; }
  [[ -n "${PIDOF[strata]:-}" ]] && rm -f "/tmp/perf-${PIDOF[strata]}.map"
  serve_stop
  if [[ -n "$DIST_PID" ]] && kill -0 "$DIST_PID" 2>/dev/null; then kill -TERM "$DIST_PID"; wait "$DIST_PID" 2>/dev/null; fi
  rm -rf "$DATA" "$CL"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- servers -------------------------------------------------------------------------------
log "starting strata serve (data in $DATA/strata)"
mkdir -p "$DATA/strata"
JAVA_OPTS="-XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints -XX:+PreserveFramePointer ${JAVA_OPTS:-}" serve_start "$ROOT" "$DATA/strata"
ADDR[strata]=$SERVE_ADDR; PIDOF[strata]=$SERVE_PID
dport=$(free_port); ADDR[dist]="127.0.0.1:$dport"
mkdir -p "$DATA/dist"
setsid "$LT_DIR/compare.sh" --serve-distribution "${ADDR[dist]}" "$DATA/dist" >"$DATA/dist.log" 2>&1 &
DIST_PID=$!; PIDOF[dist]=$DIST_PID
for _ in $(seq 300); do
  [[ $(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://${ADDR[dist]}/v2/" || true) == 200 ]] && break
  kill -0 "$DIST_PID" 2>/dev/null || { cat "$DATA/dist.log" >&2; die "Distribution exited"; }
  sleep 0.2
done
log "Strata on ${ADDR[strata]} (pid ${PIDOF[strata]}), Distribution on ${ADDR[dist]} (pid $DIST_PID)"

# ---- CPU accounting ------------------------------------------------------------------------
proc_ticks() { # pid -> utime+stime of the whole process (all threads, live ones and exited ones)
  awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$1/stat"
}
# Per-thread snapshot of the Strata JVM: "group ticks" lines, grouped by thread name.
thread_groups() { # pid
  local t
  for t in /proc/"$1"/task/*; do
    [[ -r "$t/stat" ]] || continue
    awk '{c=$0; sub(/^[^(]*\(/, "", c); sub(/\).*$/, "", c); s=$0; sub(/^.*\) /, "", s); split(s, f, " "); print c "\t" f[12] + f[13]}' "$t/stat" 2>/dev/null
  done | awk -F'\t' '
    { n = $1; g = "other"
      if (n ~ /^vert\.x-eventloo/) g = "vert.x event loops"
      else if (n ~ /^vert\.x-worker|^vert\.x-internal|^strata/) g = "vert.x workers"
      else if (n ~ /^rocksdb/) g = "rocksdb background"
      else if (n ~ /^projection-insp/) g = "inspector (layer indexing)"
      else if (n ~ /^projection-/) g = "projections"
      else if (n ~ /^GC Thread|^G1 |^VM Thread/) g = "GC + VM"
      else if (n ~ /CompilerThre|^C[12] /) g = "JIT compilers"
      else if (n ~ /kafka|data-plane|broker|controller|Raft|raft|producer|consumer|quorum|ExpirationReaper|LogDirFailure|scheduler/) g = "kafka (broker + clients)"
      t[g] += $2 }
    END { for (g in t) print g "\t" t[g] }'
}
TG_DIR="$DATA/threads"; mkdir -p "$TG_DIR"
tg_add() { # phase before_file after_file : accumulate the per-group deltas of a phase
  awk -F'\t' -v out="$TG_DIR/$1" 'FNR==NR { b[$1] = $2; next } { d = $2 - b[$1]; if (d > 0) print $1 "\t" d >> out }' "$2" "$3"
}

RES="$DATA/results"; mkdir -p "$RES"
# measure phase key mib cmd...  : runs cmd, records wall s, server CPU s, client CPU s
measure() {
  local phase=$1 key=$2 mib=$3; shift 3
  local pid=${PIDOF[$key]} s0 s1 t0 t1 out tb ta
  tb="$DATA/tg.before"; ta="$DATA/tg.after"
  [[ $key == strata ]] && thread_groups "$pid" >"$tb"
  s0=$(proc_ticks "$pid"); t0=$(now_ns)
  out=$( ( "$@" >"$DATA/cmd.out" 2>&1 || exit 1; times ) | tail -1) || { tail -5 "$DATA/cmd.out" >&2; return 1; }
  t1=$(now_ns); s1=$(proc_ticks "$pid")
  [[ $key == strata ]] && { thread_groups "$pid" >"$ta"; tg_add "$phase" "$tb" "$ta"; }
  # `times` second line: children user and system, e.g. "0m1.234s 0m0.120s"
  local ccpu
  ccpu=$(awk '{ s = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); sub(/s$/, "", a[2]); s += a[1] * 60 + a[2] } printf "%.3f", s }' <<<"$out")
  awk -v w=$((t1 - t0)) -v s=$((s1 - s0)) -v tk="$TICK" -v c="$ccpu" -v m="$mib" \
    'BEGIN{ printf "%.3f %.3f %.3f %.1f\n", w/1e9, s/tk, c, m }' >>"$RES/$phase.$key"
  awk -v w=$((t1 - t0)) -v s=$((s1 - s0)) -v tk="$TICK" -v c="$ccpu" -v m="$mib" -v p="$phase" -v n="${NAME[$key]}" \
    'BEGIN{ printf "  %-22s %-12s %7.1f MiB/s  server %6.3f CPU-s  client %6.3f CPU-s\n", p, n, m/(w/1e9), s/tk, c }' >&2
}

# ---- client workloads ----------------------------------------------------------------------
head -c $((BLOB_MIB * 1048576)) /dev/urandom >"$CL/blob.bin"
BLOB_DIGEST="sha256:$(sha256sum "$CL/blob.bin" | cut -d' ' -f1)"
BLOB_BYTES=$((BLOB_MIB * 1048576))
curl_push() { # key repo : POST, then one monolithic PUT ?digest= with the whole body
  local base="http://${ADDR[$1]}" loc sep code
  loc=$(curl -sS -f -X POST -D - -o /dev/null "$base/v2/$2/blobs/uploads/" | awk 'tolower($1)=="location:"{print $2}' | tr -d '\r')
  [[ "$loc" == http* ]] || loc="$base$loc"
  sep='?'; [[ "$loc" == *'?'* ]] && sep='&'
  code=$(curl -sS -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/octet-stream' -H 'Expect:' \
          --data-binary @"$CL/blob.bin" "$loc${sep}digest=$BLOB_DIGEST")
  [[ $code == 201 ]] || { echo "PUT answered $code" >&2; return 1; }
}
curl_pull() { # key repo
  local n
  n=$(curl -sS -f -o /dev/null -w '%{size_download}' "http://${ADDR[$1]}/v2/$2/blobs/$BLOB_DIGEST")
  [[ $n == "$BLOB_BYTES" ]] || { echo "pulled $n bytes, expected $BLOB_BYTES" >&2; return 1; }
}
curl_ppull() { # key repo
  local i pids=() rc=0
  for ((i = 0; i < PARALLEL; i++)); do curl_pull "$1" "$2" & pids+=($!); done
  for i in "${pids[@]}"; do wait "$i" || rc=1; done
  return $rc
}

if [[ $SKOPEO == 1 ]]; then
  # unprivileged skopeo with a private, empty blob-info cache per invocation (as in compare.sh)
  printf 'unqualified-search-registries = []\n' >"$CL/registries.conf"; chmod 644 "$CL/registries.conf"
  mkdir -p "$CL/ops"; chmod 755 "$CL/ops"
  sk_state() { local d; d="$CL/ops/$1"; rm -rf "$d"; mkdir -p "$d"/{data,config,run,tmp,out}; chmod 700 "$d/run"
    [[ $(id -u) == 0 ]] && chown -R 65534:65534 "$d"; echo "$d"; }
  sk() { # state args...
    local st=$1; shift
    local envs=(PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$st" XDG_DATA_HOME="$st/data" XDG_CONFIG_HOME="$st/config"
                XDG_RUNTIME_DIR="$st/run" TMPDIR="$st/tmp" REGISTRY_AUTH_FILE="$st/config/auth.json")
    if [[ $(id -u) == 0 ]]; then
      setpriv --reuid=65534 --regid=65534 --clear-groups env -i "${envs[@]}" skopeo --insecure-policy --registries-conf "$CL/registries.conf" "$@"
    else
      env -i "${envs[@]}" skopeo --insecure-policy --registries-conf "$CL/registries.conf" "$@"
    fi
  }
  log "building a $IMAGE_MIB MiB image (8 layers + 1 small) with umoci"
  IMG="$CL/image"
  umoci init --layout "$IMG"; umoci new --image "$IMG:bench"
  for i in 1 2 3 4 5 6 7 8; do
    head -c $((IMAGE_MIB * 1048576 / 8)) /dev/urandom >"$CL/layer.bin"
    umoci insert --image "$IMG:bench" "$CL/layer.bin" "/data/layer-$i.bin" >/dev/null
  done
  head -c 4096 /dev/urandom >"$CL/layer.bin"; umoci insert --image "$IMG:bench" "$CL/layer.bin" /etc/small.bin >/dev/null
  rm -f "$CL/layer.bin"; umoci gc --layout "$IMG"; chmod -R a+rX "$IMG"
  mf=$(jq -r '.manifests[0].digest' "$IMG/index.json")
  IMG_MIB=$(jq --arg s "$(stat -c %s "$IMG/blobs/sha256/${mf#sha256:}")" '[.layers[].size] + [.config.size] | add + ($s|tonumber) | . / 1048576' "$IMG/blobs/sha256/${mf#sha256:}")
  sk_push() { local st; st=$(sk_state "push-$1-$RANDOM"); sk "$st" copy --dest-tls-verify=false "oci:$IMG:bench" "docker://${ADDR[$1]}/$2:latest"; }
  sk_pull() { local st; st=$(sk_state "pull-$1-$RANDOM"); sk "$st" copy --src-tls-verify=false "docker://${ADDR[$1]}/$2:latest" "oci:$st/out/img:latest"; rm -rf "$st"; }
  sk_ppull() { local i pids=() rc=0
    for ((i = 0; i < PARALLEL; i++)); do sk_pull "$1" "$2" & pids+=($!); done
    for i in "${pids[@]}"; do wait "$i" || rc=1; done; return $rc; }
fi

{
  echo "profile.sh - CPU per MiB, Strata vs Distribution, same run"
  echo "date (UTC):   $(date -u '+%Y-%m-%d %H:%M:%S'); host $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
  echo "strata serve extra args (STRATA_SERVE_ARGS): ${STRATA_SERVE_ARGS:-none (rocksdb)}"
  echo "strata git:   $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$([[ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]] && echo ' (uncommitted changes)')"
  echo "settings:     rounds=$ROUNDS, curl blob ${BLOB_MIB} MiB, skopeo image ${IMAGE_MIB} MiB ($SKOPEO), parallel=$PARALLEL, JAVA_OPTS=${JAVA_OPTS:-<unset>}"
} >"$DATA/report.txt"
cat "$DATA/report.txt" >&2

# warm-up: JIT and page cache, not measured
log "warm-up"
for ((w = 1; w <= WARMUP; w++)); do
  for key in strata dist; do curl_push "$key" "prof/warmup$w"; curl_pull "$key" "prof/warmup$w"; curl_ppull "$key" "prof/warmup$w"; done
done

PHASES=(curl-push curl-pull curl-8pull)
[[ $SKOPEO == 1 ]] && PHASES+=(skopeo-push skopeo-pull skopeo-8pull)
for ((r = 1; r <= ROUNDS; r++)); do
  log "round $r/$ROUNDS"
  for key in strata dist; do measure curl-push "$key" "$BLOB_MIB" curl_push "$key" "prof/r$r"; done
  for key in strata dist; do measure curl-pull "$key" "$BLOB_MIB" curl_pull "$key" "prof/r$r"; done
  for key in strata dist; do measure curl-8pull "$key" $((BLOB_MIB * PARALLEL)) curl_ppull "$key" "prof/r$r"; done
  if [[ $SKOPEO == 1 ]]; then
    for key in strata dist; do measure skopeo-push "$key" "$IMG_MIB" sk_push "$key" "prof/img$r"; done
    for key in strata dist; do measure skopeo-pull "$key" "$IMG_MIB" sk_pull "$key" "prof/img$r"; done
    for key in strata dist; do measure skopeo-8pull "$key" "$(awk -v m="$IMG_MIB" -v n="$PARALLEL" 'BEGIN{print m*n}')" sk_ppull "$key" "prof/img$r"; done
  fi
done

median() { sort -g | awk '{a[NR]=$1} END{ if (!NR) { print "n/a"; exit } if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2] + a[NR/2+1]) / 2 }'; }
col() { # phase key expr -> median over rounds; fields: w s c m
  awk "{ print $3 }" "$RES/$1.$2" | median
}
{
  echo
  echo "Throughput and CPU per MiB: medians of $ROUNDS rounds (CPU = user+system seconds; ms/MiB = CPU-ms per MiB moved)"
  printf '%-13s %11s %11s %6s | %10s %10s %6s | %10s %10s\n' phase "S MiB/s" "D MiB/s" "S/D" "S srv ms" "D srv ms" "S/D" "cli(S) ms" "cli(D) ms"
  for p in "${PHASES[@]}"; do
    s=$(col "$p" strata '$4/$1'); d=$(col "$p" dist '$4/$1')
    ss=$(col "$p" strata '1000*$2/$4'); ds=$(col "$p" dist '1000*$2/$4')
    sc=$(col "$p" strata '1000*$3/$4'); dc=$(col "$p" dist '1000*$3/$4')
    awk -v p="$p" -v s="$s" -v d="$d" -v ss="$ss" -v ds="$ds" -v sc="$sc" -v dc="$dc" 'BEGIN{
      printf "%-13s %11.1f %11.1f %6.2f | %10.2f %10.2f %6.2f | %10.2f %10.2f\n", p, s, d, s/d, ss, ds, (ds > 0 ? ss/ds : 0), sc, dc }'
  done
  echo "(srv ms = server CPU-ms per MiB; cli = client CPU-ms per MiB, curl or skopeo, against Strata (S) and Distribution (D))"
  echo
  echo "Strata JVM CPU by thread group, all rounds (share of the JVM's CPU in that phase)"
  for p in "${PHASES[@]}"; do
    [[ -s "$TG_DIR/$p" ]] || continue
    awk -F'\t' -v p="$p" -v tk="$TICK" '{ t[$1] += $2; all += $2 }
      END { line = sprintf("%-13s", p); n = 0; for (g in t) k[++n] = g
            # largest first
            for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (t[k[j]] > t[k[i]]) { x = k[i]; k[i] = k[j]; k[j] = x }
            for (i = 1; i <= n; i++) line = line sprintf("  %s %.0f%%", k[i], 100 * t[k[i]] / all)
            printf "%s  (%.1f CPU-s)\n", line, all / tk }' "$TG_DIR/$p"
  done
  echo
  echo "Raw samples: wall s, server CPU s, client CPU s, MiB"
  for p in "${PHASES[@]}"; do for key in strata dist; do
    printf '  %-13s %-12s %s\n' "$p" "${NAME[$key]}" "$(tr '\n' ';' <"$RES/$p.$key" | sed 's/;$//; s/;/; /g')"
  done; done
} | tee -a "$DATA/report.txt" >&2

# ---- JFR profiles of Strata ----------------------------------------------------------------
jfr_summary() { # file title
  local f=$1
  echo
  echo "JFR profile: $2"
  # top frame and its caller; native samples of threads waiting for work (epoll, park, accept) are idle: dropped
  jfr print --json --stack-depth 2 --events jdk.ExecutionSample,jdk.NativeMethodSample "$f" \
    | jq -r 'def m: if . == null then "?" else (.type.name | gsub("/"; ".")) + "." + .name end;
             .recording.events[] | [.type,
               (.values.sampledThread.javaName // .values.sampledThread.osName // "?"),
               (.values.stackTrace.frames[0].method | m) + "  <- " + (.values.stackTrace.frames[1].method | m)] | @tsv' \
    | grep -v -P 'jdk.NativeMethodSample.*\t(sun\.nio\.ch\.(EPoll\.wait|Net\.poll|Net\.accept|ServerSocketChannelImpl\.accept0|SocketDispatcher\.read0|FileDispatcherImpl\.read0)|jdk\.internal\.misc\.Unsafe\.park|java\.lang\.Object\.wait|java\.lang\.Thread\.sleep)' \
    >"$DATA/jfr.tsv" || true
  awk -F'\t' -v top="$TOP" '
    { th = $2; g = "other"
      if (th ~ /^vert\.x-eventloop/) g = "event loop"; else if (th ~ /^vert\.x-worker|^vert\.x-internal/) g = "worker"
      else if (th ~ /kafka|broker|controller|raft|producer/) g = "kafka"
      kind = ($1 == "jdk.ExecutionSample") ? "java" : "native"
      key = kind "\t" g "\t" $3; c[key]++; n++ }
    END {
      printf "  %d busy samples (java = running Java code, every 10 ms per thread; native = inside a native method, every 20 ms; idle waits dropped)\n", n
      m = 0; for (k in c) ks[++m] = k
      for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (c[ks[j]] > c[ks[i]]) { x = ks[i]; ks[i] = ks[j]; ks[j] = x }
      printf "  %6s %6s  %-7s %-11s %s\n", "count", "share", "kind", "thread", "top frame"
      for (i = 1; i <= m && i <= top; i++) { split(ks[i], f, "\t"); printf "  %6d %5.1f%%  %-7s %-11s %s\n", c[ks[i]], 100 * c[ks[i]] / n, f[1], f[2], f[3] } }' "$DATA/jfr.tsv"
}
PERF_PID=""
perf_start() { # name : sample the Strata JVM (all threads, call graphs by frame pointer) until perf_stop
  [[ $PERF == 1 ]] || return 0
  perf record -q -F 499 -g -p "${PIDOF[strata]}" -o "$DATA/$1.perf" >/dev/null 2>"$DATA/$1.perf.log" &
  PERF_PID=$!
  sleep 0.5
}
perf_stop() {
  [[ -n "$PERF_PID" ]] || return 0
  kill -INT "$PERF_PID" 2>/dev/null || true
  wait "$PERF_PID" 2>/dev/null || true
  PERF_PID=""
}
perf_summary() { # name title : where the JVM's CPU went, native code included
  local f="$DATA/$1.perf"
  set +o pipefail
  [[ -s "$f" ]] || { echo; echo "perf profile $1: none ($(tail -n 2 "$f.log" 2>/dev/null | tr '\n' ' '))"; return 0; }
  echo
  echo "perf profile: $2 (Strata JVM, all threads, self time)"
  echo "  by library:"
  perf report -i "$f" --no-children --sort dso --stdio -g none 2>/dev/null | grep -E '^ +[0-9.]+%' | head -n 6 \
    | sed -E 's/librocksdbjni[0-9]*\.so/librocksdbjni.so/; s/\[JIT\] tid [0-9]+/[JIT-compiled Java]/; s/^ +/    /'
  echo "  top symbols (unnamed librocksdbjni addresses are its static functions):"
  perf report -i "$f" --no-children --sort dso,sym --stdio -g none 2>/dev/null | grep -E '^ +[0-9.]+%' | head -n "$TOP" \
    | sed -E 's/librocksdbjni[0-9]*\.so/librocksdbjni.so/; s/\[JIT\] tid [0-9]+/[JIT]/; s/^ +/    /'
  echo "  inclusive time of the main paths (a caller includes its callees):"
  perf report -i "$f" --children --sort sym --stdio -g none 2>/dev/null \
    | grep -E '(rocksdb::DBImpl::WriteToWAL|rocksdb::log::Writer::AddRecord|rocksdb::log::Writer::EmitPhysicalRecord|rocksdb::FlushJob::Run|rocksdb::BlobLogWriter::AddRecord|rocksdb::BlobFileReader::GetBlob|rocksdb::DBImpl::GetImpl|rocksdb::DBImpl::WriteImpl|Java_org_rocksdb_RocksDB_put|Java_org_rocksdb_RocksDB_getDirect|DigestBase.implCompressMultiBlock0|CompileBroker::compiler_thread_loop|G1CollectedHeap|TarIndexer|GZIPInputStream|\] __GI___libc_write$|\] __libc_pread|\] __GI___libc_pread|\] __libc_writev|\] __GI___writev|\] do_syscall_64$|__memmove_avx)' \
    | awk '{ pct = $1; $1 = ""; $2 = ""; $3 = ""; sub(/^ +/, ""); print "    " pct "  " $0 }' | sort -t% -k1 -rn | awk '{ n = $0; sub(/^ *[0-9.]+% +/, "", n); if (!seen[n]++) print }' | head -n 20 || true
  set -o pipefail
}

if [[ $JFR == 1 ]]; then
  pid=${PIDOF[strata]}
  profiled() { # name command : JFR and perf record around the command
    jcmd "$pid" JFR.start name="$1" settings=profile filename="$DATA/$1.jfr" >/dev/null
    perf_start "$1"
    "$2"
    perf_stop
    jcmd "$pid" JFR.stop name="$1" >/dev/null
  }
  push_load() { curl_push strata prof/jfr1; curl_push strata prof/jfr2; [[ $SKOPEO == 0 ]] || sk_push strata prof/jfrimg >/dev/null 2>&1; }
  pull_load() { curl_ppull strata prof/jfr1; curl_ppull strata prof/jfr2; [[ $SKOPEO == 0 ]] || sk_ppull strata prof/jfrimg >/dev/null 2>&1; }
  log "JFR: profiling pushes (2 curl + $([[ $SKOPEO == 1 ]] && echo 1 || echo 0) skopeo)"
  profiled push push_load
  log "JFR: profiling $PARALLEL parallel pulls (curl$([[ $SKOPEO == 1 ]] && echo ', then skopeo'))"
  profiled pull pull_load
  [[ $PERF == 1 ]] && jcmd "$pid" Compiler.perfmap >/dev/null 2>&1 || true
  { jfr_summary "$DATA/push.jfr" "strata serve, 2 curl pushes of $BLOB_MIB MiB + 1 skopeo push of $IMAGE_MIB MiB"
    jfr_summary "$DATA/pull.jfr" "strata serve, 2 x $PARALLEL parallel curl pulls of $BLOB_MIB MiB + $PARALLEL parallel skopeo pulls of $IMAGE_MIB MiB"
    if [[ $PERF == 1 ]]; then
      perf_summary push "the same pushes"
      perf_summary pull "the same pulls"
    fi
    crc=$(grep -h -m1 'Fast CRC32 supported' "$DATA/strata/data/storage/LOG" 2>/dev/null | sed 's/^.*Fast CRC32/Fast CRC32/' || true)
    echo
    echo "RocksDB chunk store (its LOG): ${crc:-no 'Fast CRC32' line found}"
  } | tee -a "$DATA/report.txt" >&2
  [[ -n "${KEEP_JFR:-}" ]] && { mkdir -p "$KEEP_JFR"; cp "$DATA"/*.jfr "$KEEP_JFR/"; log "JFR files copied to $KEEP_JFR"; }
fi
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$DATA/report.txt"
mkdir -p "$(dirname "$RESULTS_FILE")"
cp "$DATA/report.txt" "$RESULTS_FILE"
log "results written to $RESULTS_FILE"
