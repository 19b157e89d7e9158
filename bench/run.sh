#!/usr/bin/env bash
# make bench: every workload against PostgreSQL + Redis, printing a table and writing
# bench/results.json. Size with BENCH_CASES (default 1000000). Each step has a time limit.
set -uo pipefail
source "$(dirname "$0")/env.sh"
CASES=${BENCH_CASES:-1000000}

rm -f bench/results.json
echo "== fresh bench database ($BENCH_DATABASE_URL), $CASES cases"
fresh_bench_db

printf '| %-34s | %-34s | %-30s | %-12s | %-18s |\n' workload figure reference ratio target
printf '|%s|%s|%s|%s|%s|\n' "------------------------------------" "------------------------------------" "--------------------------------" "--------------" "--------------------"
STARTED=$SECONDS
step() {  # step SECONDS MODULE ARGS...: run one workload with a time limit; never stop the table
  local limit=$1; shift
  local began=$SECONDS
  if [ -f "bench/${1#bench.}.py" ] || [ -f "$(echo "$1" | tr . /).py" ]; then
    timeout "$limit" $PY -m "$@" || echo "| $1: failed or timed out (limit ${limit}s) |"
  else
    echo "| $1: not available in this checkout |"
  fi
  echo "$1: $((SECONDS - began)) s" >> "$TIMINGS"
}
TIMINGS=$(mktemp)
step 900 bench.generate --cases "$CASES"
step 300 bench.latency --requests 2000
step 300 bench.hot_topics_bench
step 600 bench.public_bench --requests 200
step 900 bench.surfaces_bench --requests 100
step 600 bench.sweep_bench --cases "$CASES"
# Caller history and the dashboard read the generated history (before assessment's flush).
step 300 bench.callers_bench --lookups 3000
step 900 bench.dashboard_bench --requests 300
step 600 bench.knowledge_bench --articles 20000 --queries 2000
# assessment flushes the database for its own month: keep it after the history-based steps.
step 600 bench.assessment_bench --cases "$CASES"
step 300 bench.router_bench
step 600 bench.import_bench --rows "$CASES"
step 600 bench.intake_bench --cases 20000
timeout 300 bash bench/peer/setup.sh >/dev/null 2>&1 || echo "| peer: django-helpdesk setup failed (bench/peer/setup.sh) |"
step 600 bench.peer_bench --cases 5000
echo
echo "seconds per step (limit of the whole run: 1800):"
cat "$TIMINGS"; rm -f "$TIMINGS"
echo "whole run: $((SECONDS - STARTED)) s"
echo "results: bench/results.json"
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS civic_bench" >/dev/null 2>&1 || true
