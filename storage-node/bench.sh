#!/usr/bin/env bash
# Chunk put/get throughput of one ChunkStore backend (a benchmark, not a test):
#
#   storage-node/bench.sh rocksdb [--dir DIR] [--chunk-mib 4] [--total-mib 512] [--threads 1] [--rounds 3]
#   storage-node/bench.sh rados --ceph-conf "$(deploy/ceph/start.sh /tmp/bench-ceph | tail -1)" [...]
#   storage-node/bench.sh memory [...]
#
# Builds storage-node (tests skipped) and runs dev.strata.storage.ChunkStoreBenchmark, which prints
# each round and the medians in MiB/s. RocksDB uses a temporary directory on the default temp
# filesystem unless --dir is given.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
mvn -q -B -ntp -pl storage-node -am test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test >&2
# shellcheck disable=SC2086
exec java ${JAVA_OPTS:--Xmx2g} -cp "storage-node/target/test-classes:storage-node/target/classes:$(cat storage-node/target/bench.classpath)" \
  dev.strata.storage.ChunkStoreBenchmark "$@"
