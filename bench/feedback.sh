#!/usr/bin/env bash
# Feedback on vs off on the same seeded drifting stream (issue 4): builds the test classes, then runs
# io.distillery.bench.FeedbackBenchmark, which prints a markdown table on stdout (logs go to stderr).
# Options (all optional): --records N --rate R --labeled-fraction F --seed S --drift-at P --settle N
#   --holdout N --window-ms MS --runs off,on --set key=value (repeatable; any configuration key).
# Takes about (2 x records / rate) seconds plus a minute or two of start-up and drain.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
mvn -q -B test-compile >&2
mvn -q -B dependency:build-classpath -Dmdep.outputFile=target/classpath.txt >&2
# The native libraries' environment, as ./distillery runs them (deploy/native-env.sh).
. deploy/native-env.sh
exec java @deploy/jvm.options -cp "target/classes:target/test-classes:$(cat target/classpath.txt)" \
  io.distillery.bench.FeedbackBenchmark "$@"
