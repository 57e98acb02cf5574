#!/usr/bin/env bash
# Serving benchmark (io.distillery.bench.ServeBenchmark): a 784-128-10 student served over loopback HTTP,
# single-row and 32-row requests, steady and during a swap storm through an in-process Kafka broker.
# Prints markdown tables on stdout; logs go to target/serve-bench.log.
#   bench/serve.sh [--clients 4] [--threads 2] [--warmup 2] [--seconds 8] [--period-ms 100]
#                  [--broker in-process|child|HOST:PORT]
#                  [--slice-us 100] [--trace true] [--attack true] [--paced 0.5] [--paced-seconds 8] [--paced-pairs 1]
#                  [--swap-warmup 400] [--snapshot-format 4] [--optimizer-state true]
# Three modes in one run (dl4j+JSON, onnx+JSON, onnx+binary) and the targets; --attack true instead prints
# the normal load's p99 without and with hostile clients (malformed requests, 20 stalled sockets);
# --promotion true [--promotion-rows 100] [--promotion-period-ms 1000] instead prints publication -> first
# answer with serve.promotion=immediate and =shadow (the bench writes teacher logits for the scoring).
# Works on a fresh clone: builds the test classes and the classpath first (Maven, JDK 17).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mvn -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt >&2
# the native libraries' environment, as ./distillery runs them (deploy/native-env.sh)
. deploy/native-env.sh
echo "load average before start: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)" >&2
java @deploy/jvm.options -cp "target/classes:target/test-classes:$(cat target/classpath.txt)" \
  io.distillery.bench.ServeBenchmark "$@" 2>target/serve-bench.log \
  || { status=$?; tail -n 40 target/serve-bench.log >&2; exit "$status"; }
