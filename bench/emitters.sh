#!/usr/bin/env bash
# 1 and 2 teacher emitter processes (teacher --only emitter, one JVM each) on the same backlog: builds
# the classes, then runs io.distillery.bench.EmitterScaleBenchmark, which prints a markdown table on
# stdout (progress on stderr; each emitter's log to a file whose path it prints).
#   bench/emitters.sh [RECORDS] [COUNTS...]      default: 50000 records, counts 1 2
# Takes about a minute per count plus the start-up of the broker and one teacher snapshot.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec bench/run EmitterScaleBenchmark "$@"
