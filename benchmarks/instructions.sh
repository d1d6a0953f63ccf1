#!/usr/bin/env bash
# Instructions per request of a server in user space, counted by valgrind's callgrind while
# redis-benchmark sends N requests (counting switched on after a warm-up of 2,000). Repeatable to
# about 1%, where timings on a small VM move by 10%: the tool for comparing two builds.
#
#   benchmarks/instructions.sh plugredis get 20000 [clients pipeline]
#   benchmarks/instructions.sh redis get 20000
#   PYTHONPATH=/path/to/other/tree benchmarks/instructions.sh plugredis get 20000
#
# Needs valgrind (apt-get install valgrind), redis-benchmark and redis-cli.
set -euo pipefail
SERVER=${1:?server: plugredis or redis}
TEST=${2:?test: a redis-benchmark -t name}
N=${3:-20000}
CLIENTS=${4:-50}
PIPELINE=${5:-1}
PORT=${PORT:-7399}
PY=${PYTHON:-"$(cd "$(dirname "$0")/.." && pwd)/.venv/bin/python"}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
case "$SERVER" in
  plugredis) CMD=("$PY" -m plugredis --port "$PORT" --save-interval 0 --dir "$WORK") ;;
  redis) CMD=(redis-server --port "$PORT" --save "" --appendonly no --dir "$WORK") ;;
  *) echo "server: plugredis or redis" >&2; exit 2 ;;
esac
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$WORK/cg.out" "${CMD[@]}" \
  >"$WORK/server.log" 2>&1 &
VG=$!
for _ in $(seq 1 120); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 1; done
bench() { redis-benchmark -p "$PORT" -n "$1" -r 100000 -c "$CLIENTS" -P "$PIPELINE" -t "$TEST" -q >/dev/null; }
bench 2000
callgrind_control -i on "$VG" >/dev/null
bench "$N"
callgrind_control -i off "$VG" >/dev/null
callgrind_control -d "$VG" >/dev/null
sleep 1
kill "$VG"
wait "$VG" 2>/dev/null || true
TOTAL=$(cat "$WORK"/cg.out* | awk '/^totals:/ {s += $2} END {print s}')
echo "$SERVER $TEST -c $CLIENTS -P $PIPELINE: $((TOTAL / N)) instructions per request"
