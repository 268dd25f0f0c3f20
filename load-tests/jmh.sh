#!/usr/bin/env bash
# jmh.sh - JMH benchmarks of the hot paths (module benchmarks/): hashing and saved digest state,
# chunk put/read per ChunkStore backend, manifest parsing and validation, event serde.
#
# Usage:  load-tests/jmh.sh [JMH options] [benchmark regexp]
#   load-tests/jmh.sh                                   # everything (~6 min)
#   load-tests/jmh.sh ChunkStoreBench -p backend=rocksdb
#   STRATA_CEPH_CONF=/path/ceph.conf load-tests/jmh.sh ChunkStoreBench -p backend=rados
#   load-tests/jmh.sh -h                                # JMH's own options
# Builds the module first (mvn package, tests skipped). Results: JMH's table on stdout, and a JSON
# file when you pass -rf json -rff FILE.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
mvn -q -B -ntp -DskipTests -pl benchmarks -am package >&2
exec java -cp "benchmarks/target/strata-benchmarks-0.1.0-SNAPSHOT.jar:benchmarks/target/lib/*" org.openjdk.jmh.Main "$@"
