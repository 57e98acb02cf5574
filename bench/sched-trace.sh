#!/usr/bin/env bash
# A serving benchmark run with a kernel trace of every context switch during one traced phase, read at that
# phase's slowest episodes (bench/sched-window.py): what ran on the cores while requests waited.
#   bench/sched-trace.sh "onnx+JSON one-row at 50% of its rate, swap storm" [bench/serve.sh options]
#   BENCH=bench/split-cores.sh bench/sched-trace.sh LABEL [options]   (another runner of the same benchmark)
# Needs perf and the right to trace the scheduler (root here). The benchmark runs with --trace true; the report,
# the switches and the analysis are kept in a new /tmp/sched-trace-* directory, whose path is printed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ $# -ge 1 ] || { sed -n 2,7p "$0" >&2; exit 2; }
label=$1
shift
out=$(mktemp -d /tmp/sched-trace-XXXXXX)
log=target/serve-bench.log
perf_pid=""
rm -f "$log"  # a marker left by an earlier run must not start the trace
"${BENCH:-bench/serve.sh}" --trace true "$@" > "$out/report.md" &
bench_pid=$!
tree() { local c; for c in $(pgrep -P "$1" || true); do tree "$c"; done; echo "$1"; }
stop() {
  [ -n "$perf_pid" ] && kill -INT "$perf_pid" 2>/dev/null || true
  # the runner and everything it started (serve.sh, the benchmark JVM, its child broker), children first
  kill $(tree "$bench_pid") 2>/dev/null || true
}
trap stop EXIT

# wait for the benchmark (it truncates its log at the start) to mark the phase's beginning: at most 15 minutes
marker() { grep -F "phase $1 at" "$log" 2>/dev/null | grep -c -F ": $label" > /dev/null; }
for _ in $(seq 1 1800); do
  marker begins && break
  kill -0 "$bench_pid" 2>/dev/null || { echo "the benchmark ended before the phase \"$label\" began" >&2; exit 1; }
  sleep 0.5
done
marker begins || { echo "the phase \"$label\" did not begin within 15 minutes" >&2; exit 1; }
perf record -q -e sched:sched_switch -a -k CLOCK_MONOTONIC -o "$out/sched.data" 2>"$out/perf.log" &
perf_pid=$!
# the phase lasts its warm-up and measured window: at most 10 minutes of tracing
for _ in $(seq 1 1200); do
  marker ends && break
  sleep 0.5
done
kill -INT "$perf_pid"
wait "$perf_pid" || true
perf_pid=""
wait "$bench_pid"
trap - EXIT
perf script -i "$out/sched.data" -F cpu,time,trace > "$out/sched.txt" 2>>"$out/perf.log"
cp "$log" "$out/serve-bench.log"
bench/sched-window.py "$out/sched.txt" "$out/report.md" "$out/serve-bench.log" "$label" | tee "$out/windows.txt"
echo "report, switches and windows in $out" >&2
