# civic — one command to run, one to test. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: help venv install migrate seed run web worker test test-fast lint format messages compile-messages check bench bench-scaling bench-scale soak router-metrics clean

help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed ## create the virtualenv and install everything

install: venv

migrate: venv ## apply migrations
	$(PY) manage.py migrate --noinput

seed: migrate ## load the demo city (idempotent)
	$(PY) manage.py seed_demo

run: seed ## run the portal with demo data: web + Celery worker + beat (embedded, no broker needed)
	HOST=$(HOST) PORT=$(PORT) PY=$(PY) bin/run-dev

test: venv ## run the whole test suite (SQLite unless DATABASE_URL is set)
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: venv
	$(PY) -m pytest -x -q -m "not browser and not slow and not faults" $(PYTEST_ARGS)

lint: venv ## ruff lint + format check + migrations in step + import contracts (pyproject.toml)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: venv ## extract strings into the catalogues (needs GNU gettext) and compile them
	$(PY) manage.py makemessages -l zh_Hans -l en --no-obsolete --ignore=.venv --ignore=bench --ignore=tests
	$(PY) bin/compile_messages.py

compile-messages: venv ## compile .po into .mo with polib (no gettext needed)
	$(PY) bin/compile_messages.py

bench: venv ## benchmarks on PostgreSQL + Redis (see docs/performance.md)
	bash bench/run.sh

bench-scaling: venv ## the same history-based steps at 100k and 300k cases (BENCH_SIZES)
	bash bench/scaling.sh

bench-scale: venv ## issue 32: make bench's workloads at 1M, 3M and 10M cases (BENCH_SIZES; hours) → bench/scale.md
	bash bench/scale.sh

soak: venv ## 30 min under load with Redis, a Celery worker and PostgreSQL restarted (SOAK_MINUTES; docs/operations.md)
	$(PY) -m bench.soak

clean:
	rm -rf var db.sqlite3 staticfiles

router-metrics: venv ## dispatch router: grouped nested CV, time split, calibration, threshold, timings (docs/router.md)
	$(PY) manage.py router_metrics
