#!/usr/bin/env bash
# Runs bench/serve.sh with the Kafka side of its swap storms on a core of its own, as a deployment runs the broker
# and the student on other machines than serving: the child broker (all its threads) and the benchmark's publisher
# threads (bench-storm*, kafka-producer-*) on CPU 1, everything else of the benchmark JVM (serving, its snapshot
# follower and consumer, the clients, JIT and GC) on CPU 0. A thread started later is pinned within 0.2 s.
#   bench/split-cores.sh [--follower-nice N] [--follower-cpu 0|1] [serve.sh options...]
# --follower-nice N also lowers serving's snapshot follower thread to nice N; --follower-cpu 1 puts that thread on
# CPU 1 with the Kafka side (experiments: docs/serving-benchmark.md).
# Needs Linux, two CPUs numbered 0 and 1, taskset and renice (util-linux). --broker child is added.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
nice_follower=""
follower_cpu=0
while [[ $# -ge 2 ]]; do
  case "$1" in
    --follower-nice) nice_follower="$2"; shift 2 ;;
    --follower-cpu)
      [[ "$2" == 0 || "$2" == 1 ]] || { echo "--follower-cpu 0|1, got $2" >&2; exit 2; }
      follower_cpu="$2"; shift 2 ;;
    *) break ;;
  esac
done
command -v taskset >/dev/null && command -v renice >/dev/null || { echo "needs taskset and renice" >&2; exit 2; }
bench/serve.sh --broker child "$@" &
serve=$!
trap 'kill "$serve" 2>/dev/null || true' INT TERM

# the benchmark JVM: the java child of serve.sh (waits at most 5 minutes for the build and the start)
jvm=""
for _ in $(seq 1 3000); do
  jvm=$(pgrep -f "io.distillery.bench.ServeBenchmark" | head -1 || true)
  [[ -n "$jvm" ]] && break
  kill -0 "$serve" 2>/dev/null || break
  sleep 0.1
done
declare -A pinned
while [[ -n "$jvm" ]] && kill -0 "$jvm" 2>/dev/null; do
  # the broker once (its later threads inherit the pin): pgrep reads every process's command line, and a kernel
  # trace found it taking 2.8 ms of a core at a time (bench/sched-trace.sh)
  if [[ -z "${pinned[broker]:-}" ]]; then
    for broker in $(pgrep -f "io.distillery.app.Main broker" || true); do
      taskset -a -pc 1 "$broker" >/dev/null 2>&1 && pinned[broker]=1
    done
  fi
  for task in /proc/"$jvm"/task/*; do
    tid=${task##*/}
    [[ -n "${pinned[$tid]:-}" ]] && continue
    read -r name < "$task/comm" 2>/dev/null || continue
    case "$name" in
      bench-storm*|kafka-producer-*) cpu=1 ;;
      snapshot-follow*) cpu=$follower_cpu ;;
      *) cpu=0 ;;
    esac
    taskset -pc "$cpu" "$tid" >/dev/null 2>&1 || continue
    if [[ -n "$nice_follower" && "$name" == snapshot-follow* ]]; then
      renice -n "$nice_follower" -p "$tid" >/dev/null 2>&1 || true
    fi
    pinned[$tid]=1
  done
  sleep 0.2
done
wait "$serve"
