#!/usr/bin/env bash
# Builds the Strata container image: one Docker image archive (docker-archive tar, loadable with
# `podman load -i` or `docker load -i`, copyable with `skopeo copy docker-archive:FILE docker://...`).
#
#   deploy/image/build.sh [--output FILE] [--tag NAME:TAG] [--no-build]
#
# No Docker daemon, no base image, no network: the image is assembled from this machine's files.
#   layer 1: a jlink'd Java runtime (/opt/java), the glibc libraries it and RocksDB need (found
#            with ldd), /bin/sh (dash, for the launcher), /usr/local/bin/strata, the jars
#            (/opt/strata/lib), /etc/passwd and /etc/group with the user strata (65532),
#            /etc/nsswitch.conf;
#   layer 2: /data (owned by 65532, the default data directory) and /tmp (1777; RocksDB unpacks
#            its native library there).
# Entry point /usr/local/bin/strata (the strata command: the arguments choose the service);
# default arguments `serve --addr 0.0.0.0:5000 --data /data`; user 65532:65532; port 5000.
# Layer tars are built with sorted names, fixed owners and mtime 0, so the same inputs give the
# same layer digests. Ceph RADOS storage is not in the image (librados is not included): use
# RocksDB storage nodes in containers.
#
# Defaults: --output deploy/image/target/strata-image.tar, --tag localhost/strata:<project version>.
# The project is built first (mvn package -DskipTests) unless --no-build or the launcher jar is
# newer than every source. Prints the output path on its last line.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VERSION=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' "$ROOT/pom.xml" | head -1)
OUT="$ROOT/deploy/image/target/strata-image.tar"
TAG="localhost/strata:$VERSION"
BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --output) OUT=$2; shift 2 ;;
    --output=*) OUT=${1#*=}; shift ;;
    --tag) TAG=$2; shift 2 ;;
    --tag=*) TAG=${1#*=}; shift ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) sed -n '2,25p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "build.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

JAR="$ROOT/cli/target/strata-cli-$VERSION.jar"
LIB="$ROOT/cli/target/lib"
stale() {
  [ -f "$JAR" ] && [ -d "$LIB" ] || return 0
  [ -n "$(find "$ROOT" -path "$ROOT/*/target" -prune -o \( -path '*/src/main/*' -o -name pom.xml \) -type f -newer "$JAR" -print -quit)" ]
}
if [ "$BUILD" = 1 ] && stale; then
  echo "build.sh: building the project (mvn package, tests skipped)..." >&2
  (cd "$ROOT" && mvn -q -B -ntp -DskipTests package) >&2
fi
[ -f "$JAR" ] || { echo "build.sh: $JAR missing (run without --no-build)" >&2; exit 1; }

# A JDK 17 with jmods for jlink: JAVA_HOME, else the one javac belongs to.
JDK=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}
[ -d "$JDK/jmods" ] || { echo "build.sh: $JDK has no jmods/ (need a full JDK 17 for jlink)" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/strata-image.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
FS="$WORK/rootfs"
mkdir -p "$FS/opt/strata/lib" "$FS/usr/local/bin" "$FS/bin" "$FS/etc"

# 1. the runtime: the modules Strata, Kafka, RocksDB, Vert.x/Netty and logback use
MODULES=java.base,java.instrument,java.logging,java.management,java.naming,java.net.http,java.scripting,java.security.jgss,java.security.sasl,java.sql,java.xml,jdk.crypto.ec,jdk.httpserver,jdk.management,jdk.naming.dns,jdk.net,jdk.unsupported,jdk.zipfs
"$JDK/bin/jlink" --module-path "$JDK/jmods" --add-modules "$MODULES" --strip-debug --no-man-pages --no-header-files \
  --compress=2 --output "$FS/opt/java"

# 2. the application
cp "$JAR" "$FS/opt/strata/lib/"
cp "$LIB"/*.jar "$FS/opt/strata/lib/"
cat > "$FS/usr/local/bin/strata" <<'SH'
#!/bin/sh
# The strata command in the image. JAVA_OPTS replaces the default JVM options.
exec /opt/java/bin/java ${JAVA_OPTS:--XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError} -cp '/opt/strata/lib/*' dev.strata.cli.Main "$@"
SH
cp /bin/dash "$FS/bin/sh"

# 3. the shared libraries: whatever ldd finds for the launcher, the runtime's libraries, dash and
#    RocksDB's JNI library (unpacked from its jar), plus the dynamic loader
rocks="$WORK/rocks"
mkdir -p "$rocks"
(cd "$rocks" && unzip -q -o "$(ls "$LIB"/rocksdbjni-*.jar | head -1)" 'librocksdbjni-linux64.so')
libs=$( { find "$FS/opt/java" -name '*.so' -print; echo "$FS/opt/java/bin/java"; echo /bin/dash; echo "$rocks/librocksdbjni-linux64.so"; } \
  | xargs -n1 ldd 2>/dev/null | grep -oE '/[^ ]+\.so[^ ]*' | grep -v "^$FS" | sort -u)
for l in $libs; do
  mkdir -p "$FS$(dirname "$l")"
  cp -L "$l" "$FS$l"
done
loader=/lib64/ld-linux-x86-64.so.2
if [ -e "$loader" ] && [ ! -e "$FS$loader" ]; then
  mkdir -p "$FS/lib64"
  cp -L "$loader" "$FS$loader"
fi

# 4. users and name resolution
cat > "$FS/etc/passwd" <<'EOT'
root:x:0:0:root:/root:/bin/sh
strata:x:65532:65532:strata:/data:/bin/sh
EOT
cat > "$FS/etc/group" <<'EOT'
root:x:0:
strata:x:65532:
EOT
echo "hosts: files dns" > "$FS/etc/nsswitch.conf"
chmod -R u=rwX,go=rX "$FS"
chmod 755 "$FS/usr/local/bin/strata" "$FS/bin/sh" "$FS/opt/java/bin/java"

# 5. the layers (reproducible tars) and the archive
layer() { # layer NAME DIR [TAR OPTIONS...]
  local name=$1 dir=$2
  shift 2
  tar --sort=name --mtime=@0 --numeric-owner --format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    -C "$dir" "$@" -cf "$WORK/$name.tar" .
  sha256sum "$WORK/$name.tar" | cut -d' ' -f1
}
l1=$(layer base "$FS" --owner=0 --group=0)
mkdir -p "$WORK/data-layer/data" "$WORK/data-layer/tmp"
chmod 755 "$WORK/data-layer/data"
chmod 1777 "$WORK/data-layer/tmp"
l2=$(layer data "$WORK/data-layer" --owner=65532 --group=65532)

ARCH=$(dpkg --print-architecture 2>/dev/null || echo amd64)
cat > "$WORK/config.json" <<EOT
{"architecture":"$ARCH","os":"linux","created":"1970-01-01T00:00:00Z",
 "config":{"User":"65532:65532","Entrypoint":["/usr/local/bin/strata"],"Cmd":["serve","--addr","0.0.0.0:5000","--data","/data"],
  "Env":["PATH=/usr/local/bin:/opt/java/bin:/usr/bin:/bin","JAVA_HOME=/opt/java","HOME=/data","STRATA_LOG_FORMAT=json"],
  "WorkingDir":"/data","ExposedPorts":{"5000/tcp":{}},"Volumes":{"/data":{}},
  "Labels":{"org.opencontainers.image.title":"strata","org.opencontainers.image.version":"$VERSION"}},
 "rootfs":{"type":"layers","diff_ids":["sha256:$l1","sha256:$l2"]},
 "history":[{"created":"1970-01-01T00:00:00Z","created_by":"deploy/image/build.sh: runtime, libraries, strata"},
            {"created":"1970-01-01T00:00:00Z","created_by":"deploy/image/build.sh: /data and /tmp"}]}
EOT
cfg=$(sha256sum "$WORK/config.json" | cut -d' ' -f1)
mkdir -p "$WORK/archive/$l1" "$WORK/archive/$l2"
mv "$WORK/base.tar" "$WORK/archive/$l1/layer.tar"
mv "$WORK/data.tar" "$WORK/archive/$l2/layer.tar"
mv "$WORK/config.json" "$WORK/archive/$cfg.json"
printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar","%s/layer.tar"]}]\n' "$cfg" "$TAG" "$l1" "$l2" \
  > "$WORK/archive/manifest.json"
mkdir -p "$(dirname "$OUT")"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$WORK/archive" -cf "$OUT.tmp" .
mv "$OUT.tmp" "$OUT"
echo "build.sh: $TAG: $(du -m "$OUT" | cut -f1) MiB, config sha256:$cfg" >&2
echo "$OUT"
