#!/usr/bin/env bash
# make bench-scale: the workloads of `make bench` at 1M, 3M and 10M cases (BENCH_SIZES), for the
# scaling curve and the 10M table of docs/performance.md (issue 32). Hours, not minutes: never
# in CI. For each size: a fresh database, the generated history (with its months' partitions),
# the database's size, then page/API latency, the public surfaces, every surface (surfaces.md),
# caller history, the sweep, the monthly assessment and the import of a past month against COPY.
# Each size's bench/results.json is kept as bench/scale-<size>.json; bench.scale_report writes
# bench/scale.md (the curve, and each figure's ratio to the smallest size).
set -uo pipefail
source "$(dirname "$0")/env.sh"
SIZES=${BENCH_SIZES:-1000000 3000000 10000000}

for n in $SIZES; do
  millions=$(( (n + 999999) / 1000000 ))
  echo "== $n cases"
  rm -f bench/results.json
  fresh_bench_db
  # Generation is linear (about 8 minutes a million here): its limit grows with the size.
  timeout $(( 1200 * millions )) $PY -m bench.generate --cases "$n" || echo "| generate $n: failed or timed out |"
  $PY -m bench.db_size || echo "| database size $n: failed |"
  timeout 600 $PY -m bench.latency --requests 1000 || echo "| latency $n: failed or timed out |"
  timeout 900 $PY -m bench.public_bench --requests 200 || echo "| public $n: failed or timed out |"
  timeout 1800 $PY -m bench.surfaces_bench --requests 100 || echo "| surfaces $n: failed or timed out |"
  cp bench/surfaces.md "bench/surfaces-$n.md" 2>/dev/null || true
  timeout 600 $PY -m bench.callers_bench --lookups 3000 || echo "| callers $n: failed or timed out |"
  # A past month of a city this size (a thirtieth of a year's cases, at least 100k) against COPY,
  # into the full database (before the assessment, which flushes it for its own month).
  rows=$(( n / 30 > 100000 ? n / 30 : 100000 ))
  timeout 1800 $PY -m bench.import_bench --rows "$rows" || echo "| import $n: failed or timed out |"
  timeout $(( 600 * millions )) $PY -m bench.sweep_bench --cases "$n" || echo "| sweep $n: failed or timed out |"
  # One month's assessment: a twelfth of the year's cases, at least make bench's 1M (already more
  # than a month of a 10M-case year).
  month=$(( n / 12 > 1000000 ? n / 12 : 1000000 ))
  timeout 1800 $PY -m bench.assessment_bench --cases "$month" || echo "| assessment $n: failed or timed out |"
  cp bench/results.json "bench/scale-$n.json"
done
$PY -m bench.scale_report $SIZES
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS civic_bench" >/dev/null 2>&1 || true
