#!/usr/bin/env bash
# make bench-scaling: how cost grows with the size of the history. For each size in
# BENCH_SIZES (default "100000 300000"; make bench gives the 1M point): a fresh database, the
# generated history, page/API latency, the deadline sweep and the monthly assessment.
# Figures go to bench/results.json under each step's name with its size.
set -uo pipefail
source "$(dirname "$0")/env.sh"
SIZES=${BENCH_SIZES:-100000 300000}

for n in $SIZES; do
  echo "== $n cases"
  fresh_bench_db
  timeout 900 $PY -m bench.generate --cases "$n" || echo "| generate $n: failed or timed out |"
  timeout 300 $PY -m bench.latency --requests 1000 || echo "| latency $n: failed or timed out |"
  timeout 600 $PY -m bench.sweep_bench --cases "$n" || echo "| sweep $n: failed or timed out |"
  timeout 600 $PY -m bench.assessment_bench --cases "$n" || echo "| assessment $n: failed or timed out |"
done
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS civic_bench" >/dev/null 2>&1 || true
