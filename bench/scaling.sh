#!/usr/bin/env bash
# make bench-scaling: how cost grows with the size of the history. For each size in
# BENCH_SIZES (default "100000 300000"; make bench gives the 1M point): a fresh database, the
# generated history, page/API latency, the deadline sweep and the monthly assessment.
# Figures go to bench/results.json under each step's name with its size.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
SIZES=${BENCH_SIZES:-100000 300000}
export BENCH_DATABASE_URL=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/civic_bench}
export DATABASE_URL=$BENCH_DATABASE_URL
export CELERY_BROKER_URL=${CELERY_BROKER_URL:-redis://127.0.0.1:6379/15}
export DEBUG=false LOG_LEVEL=WARNING

pg_isready -h 127.0.0.1 -p 5432 -q || pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no

for n in $SIZES; do
  echo "== $n cases"
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS civic_bench" -qc "CREATE DATABASE civic_bench"
  $PY manage.py migrate --noinput -v0
  timeout 900 $PY -m bench.generate --cases "$n" || echo "| generate $n: failed or timed out |"
  timeout 300 $PY -m bench.latency --requests 1000 || echo "| latency $n: failed or timed out |"
  timeout 600 $PY -m bench.sweep_bench --cases "$n" || echo "| sweep $n: failed or timed out |"
  timeout 600 $PY -m bench.assessment_bench --cases "$n" || echo "| assessment $n: failed or timed out |"
done
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS civic_bench" >/dev/null 2>&1 || true
