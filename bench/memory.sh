#!/usr/bin/env bash
# Peak resident memory (VmHWM) of each role, each in its own JVM with the flags of deploy/jvm.options,
# on a Fashion-MNIST stream (784 features, 10% labeled) through a local in-process broker.
#   bench/memory.sh [seconds]      (default 120 s of streaming)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
secs="${1:-120}"
[ -f target/distillery.jar ] || mvn -B -q -DskipTests package
port=$((20000 + RANDOM % 10000)); dir=$(mktemp -d); logs=$(mktemp -d)
openssl genpkey -algorithm ed25519 -out "$dir/signing.pem" 2>/dev/null
openssl pkey -in "$dir/signing.pem" -pubout -out "$dir/verify.pem"
. deploy/native-env.sh
export DISTILL_KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$port
export DISTILL_SNAPSHOT_SIGNING_KEY="$dir/signing.pem" DISTILL_SNAPSHOT_VERIFY_KEYS="$dir/verify.pem"
jvm=(java @deploy/jvm.options -jar target/distillery.jar)
pids=()
cleanup() { for ((i=${#pids[@]}-1; i>=0; i--)); do kill "${pids[i]}" 2>/dev/null || true; sleep 1; done; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
"${jvm[@]}" broker --port "$port" --data-dir "$dir/kafka" > "$logs/broker.log" 2>&1 & pids+=($!)
for _ in $(seq 60); do "${jvm[@]}" topics >/dev/null 2>&1 && break; sleep 2; done
declare -A role_pid
for role in teacher student monitor serve; do
  "${jvm[@]}" "$role" --set metrics.port=0 --set serve.port=0 --set monitor.state.dir="$dir/streams" > "$logs/$role.log" 2>&1 &
  role_pid[$role]=$!; pids+=($!)
done
"${jvm[@]}" produce fashion-mnist --labeled-fraction 0.1 --rate 1000 --quiet > "$logs/produce.log" 2>&1 & pids+=($!)
sleep "$secs"
echo "| role | peak RSS (VmHWM) |"
echo "|---|---|"
for role in teacher student monitor serve; do
  hwm=$(awk '/VmHWM/ {printf "%.0f MiB", $2/1024}' "/proc/${role_pid[$role]}/status" 2>/dev/null || echo "exited (see $logs/$role.log)")
  echo "| $role | $hwm |"
done
echo "(logs in $logs)"
