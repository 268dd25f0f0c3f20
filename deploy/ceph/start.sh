#!/usr/bin/env bash
# Starts a real single-node Ceph cluster for tests and development: one monitor and one OSD with
# the in-memory object store (memstore), no manager, no systemd, nothing under /etc/ceph.
#
#   deploy/ceph/start.sh [DIR]        DIR defaults to $STRATA_CEPH_DIR, else /tmp/strata-ceph
#
# Every file (ceph.conf, keyrings, monitor and OSD data, pid files, logs, admin sockets) lives
# under DIR. The last line on stdout is the absolute path of the ceph.conf to give clients (for
# example `bin/strata serve --storage rados --ceph-conf PATH`); all other output goes to stderr.
#
# Idempotent: when the cluster in DIR is already running and answers, it only prints the path.
# A DIR left by a cluster that is no longer running is wiped and started afresh (memstore keeps
# data in RAM, so nothing survives a stop anyway). DIR must be empty, absent or made by this script.
#
# Environment:
#   STRATA_CEPH_POOL          pool to create (default: strata), 8 placement groups, size 1
#   STRATA_CEPH_MON_PORT      monitor msgr2 port; the v1 port is the next one
#                             (default: the first free pair from 3300)
#   STRATA_CEPH_MEMSTORE_GIB  memstore capacity in GiB (default: 8; RAM is used only as data is written)
#
# Installs ceph-mon, ceph-osd, librados2 and ceph-common with apt when they are missing (as root,
# or through sudo). Stop the cluster with deploy/ceph/stop.sh DIR.
set -euo pipefail

DIR=${1:-${STRATA_CEPH_DIR:-/tmp/strata-ceph}}
POOL=${STRATA_CEPH_POOL:-strata}
GIB=${STRATA_CEPH_MEMSTORE_GIB:-8}
MARKER=.strata-ceph

log() { echo "ceph/start.sh: $*" >&2; }
die() { log "$*"; exit 1; }

[[ "$POOL" =~ ^[A-Za-z0-9._-]+$ ]] || die "STRATA_CEPH_POOL must match [A-Za-z0-9._-]+, got '$POOL'"
[[ "$GIB" =~ ^[0-9]+$ ]] && [ "$GIB" -ge 1 ] || die "STRATA_CEPH_MEMSTORE_GIB must be a positive integer, got '$GIB'"

# ---- packages
packages=(ceph-mon ceph-osd librados2 ceph-common)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "need root (or sudo) to install: ${missing[*]}"
    SUDO=(sudo -n)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 update >&2
  "${SUDO[@]}" apt-get install -y -o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}" >&2
fi

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
CONF="$DIR/ceph.conf"
CEPH=(ceph -c "$CONF" --connect-timeout 15)

alive() { # alive PIDFILE
  [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

pool_answers() {
  timeout 15 rados -c "$CONF" -p "$POOL" ls >/dev/null 2>&1
}

# ---- already running?
if [ -f "$DIR/$MARKER" ] && alive "$DIR/run/mon.a.pid" && alive "$DIR/run/osd.0.pid" && pool_answers; then
  log "cluster in $DIR is already running"
  echo "$CONF"
  exit 0
fi

# ---- a stale or foreign directory
if [ -n "$(ls -A "$DIR")" ]; then
  [ -f "$DIR/$MARKER" ] || die "$DIR is not empty and was not made by this script; give an empty or new directory"
  log "wiping the stale cluster in $DIR"
  "$(dirname "${BASH_SOURCE[0]}")/stop.sh" "$DIR" >&2 || true
  find "$DIR" -mindepth 1 -delete
fi
touch "$DIR/$MARKER"
mkdir -p "$DIR/run" "$DIR/log" "$DIR/mon/a" "$DIR/osd/0"

# ---- monitor ports
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if [ -n "${STRATA_CEPH_MON_PORT:-}" ]; then
  [[ "$STRATA_CEPH_MON_PORT" =~ ^[0-9]+$ ]] || die "STRATA_CEPH_MON_PORT must be a number"
  PORT=$STRATA_CEPH_MON_PORT
else
  PORT=3300
  while ! { port_free "$PORT" && port_free $((PORT + 1)); }; do
    PORT=$((PORT + 2))
    [ "$PORT" -lt 3400 ] || die "no free port pair in 3300..3399; set STRATA_CEPH_MON_PORT"
  done
fi
V1=$((PORT + 1))
FSID=$(cat /proc/sys/kernel/random/uuid)

cat >"$CONF" <<EOF
# Written by deploy/ceph/start.sh: a single-node test cluster, state under $DIR
[global]
fsid = $FSID
mon host = [v2:127.0.0.1:$PORT,v1:127.0.0.1:$V1]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv6 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
run dir = $DIR/run
admin socket = $DIR/run/\$name.asok
pid file = $DIR/run/\$name.pid
log file = $DIR/log/\$name.log
mon data = $DIR/mon/\$id
osd data = $DIR/osd/\$id
osd objectstore = memstore
memstore device bytes = $((GIB << 30))
osd pool default size = 1
osd pool default min size = 1
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon mgr mkfs grace = 31536000
mon data avail warn = 2
mon data avail crit = 1
paxos propose interval = 0.05

[client]
keyring = $DIR/keyring

[osd]
keyring = $DIR/osd/\$id/keyring
EOF

# ---- keys and monitor
ceph-authtool --create-keyring "$DIR/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >&2
ceph-authtool --create-keyring "$DIR/keyring" --gen-key -n client.admin \
  --cap mon 'allow *' --cap osd 'allow *' --cap mds 'allow *' --cap mgr 'allow *' >&2
ceph-authtool "$DIR/mon.keyring" --import-keyring "$DIR/keyring" >&2
monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$PORT,v1:127.0.0.1:$V1]" "$DIR/monmap" >&2
ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/mon.keyring" >&2
ceph-mon -c "$CONF" -i a >&2
log "monitor started on 127.0.0.1:$PORT (v2) and :$V1 (v1)"

# ---- OSD
OSD_UUID=$(cat /proc/sys/kernel/random/uuid)
OSD_KEY=$(ceph-authtool --gen-print-key)
printf '{"cephx_secret": "%s"}\n' "$OSD_KEY" >"$DIR/osd-secret.json"
OSD_ID=$("${CEPH[@]}" osd new "$OSD_UUID" -i "$DIR/osd-secret.json")
[ "$OSD_ID" = 0 ] || die "expected osd id 0, got '$OSD_ID'"
ceph-authtool --create-keyring "$DIR/osd/0/keyring" --name osd.0 --add-key "$OSD_KEY" >&2
ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$OSD_UUID" >&2 2>&1
ceph-osd -c "$CONF" -i 0 >&2

deadline=$((SECONDS + 60))
until "${CEPH[@]}" osd dump 2>/dev/null | grep -q '^osd\.0 up'; do
  [ "$SECONDS" -lt "$deadline" ] || die "osd.0 not up within 60 s; see $DIR/log/osd.0.log"
  sleep 0.2
done
log "osd.0 up"

# ---- pool
"${CEPH[@]}" osd pool create "$POOL" 8 8 >&2 2>&1
"${CEPH[@]}" osd pool application enable "$POOL" strata >&2 2>&1
deadline=$((SECONDS + 60))
until pool_answers; do
  [ "$SECONDS" -lt "$deadline" ] || die "pool $POOL does not answer within 60 s; see $DIR/log/"
  sleep 0.2
done
log "pool $POOL ready"
echo "$CONF"
