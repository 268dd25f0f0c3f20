#!/usr/bin/env bash
# A local multi-process Strata cluster on 127.0.0.1: a Kafka broker (KRaft, its own JVM), 3 storage
# nodes (2 replicas), 2 upload-services, 2 manifest-services, 1 gc-service, 2 gateways and HAProxy
# (round-robin, no sticky sessions) in front.
#
#   deploy/local/cluster.sh start   [--port 5000] [--dir DIR]   # DIR default ./cluster
#   deploy/local/cluster.sh status  [--dir DIR]                 # each process: pid, alive, /readyz
#   deploy/local/cluster.sh stop    [--dir DIR]
#   deploy/local/cluster.sh kill    NAME [--dir DIR]            # kill -9 one process (e.g. gateway-1, kafka)
#   deploy/local/cluster.sh restart NAME [--dir DIR]            # start it again (after kill), same ports and data
#
# Everything lives under DIR: conf/ (YAML per process, haproxy.cfg), logs/, pids/, data/, and
# cluster.env (every port, for scripts and tests). JAVA_OPTS applies to every JVM (default a small heap).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cmd=${1:-}; shift || true
PORT=5000; DIR=$PWD/cluster; NAME=
while [ $# -gt 0 ]; do
  case $1 in
    --port) PORT=$2; shift 2;;
    --dir) DIR=$2; shift 2;;
    -*) echo "cluster.sh: unknown option $1" >&2; exit 2;;
    *) NAME=$1; shift;;
  esac
done
mkdir -p "$DIR"; DIR=$(cd "$DIR" && pwd)
JOPTS=${JAVA_OPTS:--Xmx200m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k}
PROCS="kafka storage-1 storage-2 storage-3 upload-service-1 upload-service-2 manifest-service-1 manifest-service-2 gc-service gateway-1 gateway-2"

free_port() { # a port nothing listens on, below the kernel's ephemeral range: an outgoing connection
  # (the processes' own, to Kafka and each other) takes its source port from that range, and could
  # take a port probed here before its process binds it
  local p lo
  lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  [ "$lo" -gt 12000 ] 2>/dev/null || lo=32768
  while :; do
    p=$(( 10000 + RANDOM % (lo - 10000) ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
}

alive() { local f="$DIR/pids/$1.pid"; [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; }

launch() { # NAME: runs DIR/conf/NAME.cmd in the background, appending to logs/NAME.log
  local n=$1
  alive "$n" && { echo "cluster.sh: $n is already running" >&2; return 0; }
  : > "$DIR/logs/$n.ready.tmp"
  # shellcheck disable=SC2046
  JAVA_OPTS="$JOPTS" nohup $(cat "$DIR/conf/$n.cmd") >>"$DIR/logs/$n.log" 2>&1 </dev/null &
  echo $! > "$DIR/pids/$n.pid"
  rm -f "$DIR/logs/$n.ready.tmp"
}

await_ready() { # NAME [timeout s]: until the log has a ready line after the latest start
  local n=$1 t=${2:-240} i=0
  while ! tail -n 400 "$DIR/logs/$n.log" 2>/dev/null | grep -q "^strata [a-z-]* ready:"; do
    alive "$n" || { echo "cluster.sh: $n exited; see $DIR/logs/$n.log" >&2; tail -20 "$DIR/logs/$n.log" >&2; return 1; }
    i=$((i+1)); [ $i -gt $((t*5)) ] && { echo "cluster.sh: $n not ready after ${t}s" >&2; return 1; }
    sleep 0.2
  done
}

write_configs() {
  mkdir -p "$DIR/conf" "$DIR/logs" "$DIR/pids" "$DIR/data"
  local kp s1 s2 s3 u1 u2 m1 m2 gc g1 g2 ga1 ga2
  kp=$(free_port); s1=$(free_port); s2=$(free_port); s3=$(free_port); u1=$(free_port); u2=$(free_port)
  m1=$(free_port); m2=$(free_port); gc=$(free_port); g1=$(free_port); g2=$(free_port); ga1=$(free_port); ga2=$(free_port)
  cat > "$DIR/cluster.env" <<ENV
PORT=$PORT
KAFKA_PORT=$kp
STORAGE_PORTS="$s1 $s2 $s3"
UPLOAD_SERVICE_PORTS="$u1 $u2"
MANIFEST_SERVICE_PORTS="$m1 $m2"
GC_SERVICE_PORT=$gc
GATEWAY_PORTS="$g1 $g2"
GATEWAY_ADMIN_PORTS="$ga1 $ga2"
ENV
  local strata="$ROOT/bin/strata"
  echo "$strata kafka --data $DIR/data/kafka --port $kp" > "$DIR/conf/kafka.cmd"
  local storage="storage:
  nodes: {s1: \"http://127.0.0.1:$s1\", s2: \"http://127.0.0.1:$s2\", s3: \"http://127.0.0.1:$s3\"}
  replicas: 2
  writeQuorum: 2"
  local kafka="kafka:
  bootstrapServers: 127.0.0.1:$kp
  partitions: 4"
  local i p
  i=1; for p in $s1 $s2 $s3; do
    printf 'listen: 127.0.0.1:%s\ndata: %s\nnodeId: s%s\n' "$p" "$DIR/data/storage-$i" "$i" > "$DIR/conf/storage-$i.yaml"
    echo "$strata storage-node --config $DIR/conf/storage-$i.yaml" > "$DIR/conf/storage-$i.cmd"; i=$((i+1))
  done
  i=1; for p in $u1 $u2; do
    printf 'listen: 127.0.0.1:%s\ndata: %s\n%s\n%s\n' "$p" "$DIR/data/upload-service-$i" "$kafka" "$storage" > "$DIR/conf/upload-service-$i.yaml"
    echo "$strata upload-service --config $DIR/conf/upload-service-$i.yaml" > "$DIR/conf/upload-service-$i.cmd"; i=$((i+1))
  done
  i=1; for p in $m1 $m2; do
    printf 'listen: 127.0.0.1:%s\ndata: %s\n%s\n%s\nuploadServices: [http://127.0.0.1:%s, http://127.0.0.1:%s]\ngcServices: [http://127.0.0.1:%s]\n' \
      "$p" "$DIR/data/manifest-service-$i" "$kafka" "$storage" "$u1" "$u2" "$gc" > "$DIR/conf/manifest-service-$i.yaml"
    echo "$strata manifest-service --config $DIR/conf/manifest-service-$i.yaml" > "$DIR/conf/manifest-service-$i.cmd"; i=$((i+1))
  done
  printf 'listen: 127.0.0.1:%s\ndata: %s\n%s\n%s\nuploadServices: [http://127.0.0.1:%s, http://127.0.0.1:%s]\nmanifestServices: [http://127.0.0.1:%s, http://127.0.0.1:%s]\n' \
    "$gc" "$DIR/data/gc-service" "$kafka" "$storage" "$u1" "$u2" "$m1" "$m2" > "$DIR/conf/gc-service.yaml"
  echo "$strata gc-service --config $DIR/conf/gc-service.yaml" > "$DIR/conf/gc-service.cmd"
  i=1; for p in $g1 $g2; do
    local a; a=$([ $i = 1 ] && echo "$ga1" || echo "$ga2")
    printf 'listen: 127.0.0.1:%s\nadminListen: 127.0.0.1:%s\n%s\nuploadServices: [http://127.0.0.1:%s, http://127.0.0.1:%s]\nmanifestServices: [http://127.0.0.1:%s, http://127.0.0.1:%s]\ngcServices: [http://127.0.0.1:%s]\neventLoops: 2\n' \
      "$p" "$a" "$storage" "$u1" "$u2" "$m1" "$m2" "$gc" > "$DIR/conf/gateway-$i.yaml"
    echo "$strata gateway --config $DIR/conf/gateway-$i.yaml" > "$DIR/conf/gateway-$i.cmd"; i=$((i+1))
  done
  cat > "$DIR/conf/haproxy.cfg" <<CFG
global
  maxconn 4096
defaults
  mode http
  option http-server-close
  option redispatch
  retries 3
  timeout connect 5s
  timeout client 300s
  timeout server 300s
  timeout http-request 30s
frontend strata
  bind 127.0.0.1:$PORT
  default_backend gateways
backend gateways
  balance roundrobin
  option httpchk GET /v2/
  http-check expect status 200
  default-server inter 1s fall 2 rise 1
  server gateway-1 127.0.0.1:$g1 check
  server gateway-2 127.0.0.1:$g2 check
CFG
}

case $cmd in
  start)
    command -v haproxy >/dev/null || { echo "cluster.sh: haproxy is needed (apt-get install haproxy)" >&2; exit 1; }
    if [ -f "$DIR/cluster.env" ]; then echo "cluster.sh: $DIR already holds a cluster; stop it and remove the directory first" >&2; exit 1; fi
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && { echo "cluster.sh: port $PORT is taken" >&2; exit 1; }
    "$ROOT/bin/strata" --help >/dev/null   # builds once, before eleven JVMs would race to
    write_configs
    for n in $PROCS; do launch "$n"; done
    for n in $PROCS; do await_ready "$n"; done
    haproxy -f "$DIR/conf/haproxy.cfg" -D -p "$DIR/pids/haproxy.pid" 2>>"$DIR/logs/haproxy.log"
    echo "strata cluster ready: http://127.0.0.1:$PORT/v2/ (dir $DIR)"
    ;;
  stop)
    [ -d "$DIR/pids" ] || exit 0
    for f in "$DIR"/pids/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
    for _ in $(seq 1 50); do
      any=0; for f in "$DIR"/pids/*.pid; do [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && any=1; done
      [ $any = 0 ] && break; sleep 0.2
    done
    for f in "$DIR"/pids/*.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null || true; rm -f "$f"; done
    echo "strata cluster stopped ($DIR)"
    ;;
  status)
    [ -f "$DIR/cluster.env" ] || { echo "no cluster in $DIR"; exit 1; }
    for n in $PROCS haproxy; do
      if alive "$n"; then echo "$n: running (pid $(cat "$DIR/pids/$n.pid"))"; else echo "$n: NOT running"; fi
    done
    ;;
  kill)
    [ -n "$NAME" ] && alive "$NAME" || { echo "cluster.sh: $NAME is not running" >&2; exit 1; }
    kill -9 "$(cat "$DIR/pids/$NAME.pid")"; rm -f "$DIR/pids/$NAME.pid"
    ;;
  restart)
    [ -n "$NAME" ] && [ -f "$DIR/conf/$NAME.cmd" ] || { echo "cluster.sh: no process $NAME" >&2; exit 1; }
    if alive "$NAME"; then kill "$(cat "$DIR/pids/$NAME.pid")"; while alive "$NAME"; do sleep 0.1; done; fi
    echo "--- restart $(date -u +%FT%TZ)" >> "$DIR/logs/$NAME.log"
    launch "$NAME"
    # the ready line must come after the restart marker
    i=0; until sed -n '/^--- restart/h; /^--- restart/!H; ${x;p}' "$DIR/logs/$NAME.log" | grep -q "^strata [a-z-]* ready:"; do
      alive "$NAME" || { echo "cluster.sh: $NAME exited; see $DIR/logs/$NAME.log" >&2; exit 1; }
      i=$((i+1)); [ $i -gt 1200 ] && { echo "cluster.sh: $NAME not ready" >&2; exit 1; }; sleep 0.2
    done
    ;;
  *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2;;
esac
