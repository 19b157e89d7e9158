# Sourced by bench/run.sh and bench/scaling.sh: the bench database and broker, quiet settings,
# and PostgreSQL + Redis started if they are not running (as in .ci/run).
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PY:-.venv/bin/python}
export BENCH_DATABASE_URL=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/civic_bench}
export DATABASE_URL=$BENCH_DATABASE_URL
export CELERY_BROKER_URL=${CELERY_BROKER_URL:-redis://127.0.0.1:6379/15}
export DEBUG=false LOG_LEVEL=WARNING

pg_isready -h 127.0.0.1 -p 5432 -q || pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no

fresh_bench_db() {  # drop and recreate civic_bench, then migrate it
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS civic_bench" -qc "CREATE DATABASE civic_bench"
  $PY manage.py migrate --noinput -v0
}
