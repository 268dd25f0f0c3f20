# Sourced by load-tests/big-blob.sh and load-tests/gatling.sh: start `bin/strata serve` on a free
# port with a fresh data dir under $TMP, wait until GET /v2/ answers 200, stop it on exit.
# Sets SERVE_PID (the JVM's pid: setsid + exec) and SERVE_ADDR (127.0.0.1:PORT).

SERVE_PID=""
SERVE_ADDR=""

free_port() {
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 40000))
    [[ -z "$(ss -Htln "sport = :$p" 2>/dev/null)" ]] && { echo "$p"; return 0; }
  done
  echo "no free port found" >&2
  return 1
}

# serve_start ROOT TMP : logs to $TMP/server.log; JAVA_OPTS passes through bin/strata;
# STRATA_SERVE_ARGS (split on spaces) is appended to `serve`, e.g. "--storage files"
serve_start() {
  local root=$1 tmp=$2 port deadline
  port=$(free_port)
  SERVE_ADDR="127.0.0.1:$port"
  local -a extra
  read -r -a extra <<<"${STRATA_SERVE_ARGS:-}"
  setsid "$root/bin/strata" serve --addr "$SERVE_ADDR" --data "$tmp/data" "${extra[@]}" >"$tmp/server.log" 2>&1 &
  SERVE_PID=$!
  deadline=$(( $(date +%s) + ${STRATA_START_TIMEOUT:-900} ))
  until [[ $(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://$SERVE_ADDR/v2/" || true) == 200 ]]; do
    kill -0 "$SERVE_PID" 2>/dev/null || { tail -n 30 "$tmp/server.log" >&2; echo "strata exited during start-up" >&2; return 1; }
    (( $(date +%s) < deadline )) || { echo "strata not ready after ${STRATA_START_TIMEOUT:-900} s" >&2; return 1; }
    sleep 0.3
  done
}

# serve_stop : SIGTERM, up to 20 s, then SIGKILL (only the process this file started)
serve_stop() {
  [[ -n "$SERVE_PID" ]] && kill -0 "$SERVE_PID" 2>/dev/null || return 0
  kill -TERM "$SERVE_PID" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$SERVE_PID" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL "$SERVE_PID" 2>/dev/null || true
}
