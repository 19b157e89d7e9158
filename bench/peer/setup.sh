#!/usr/bin/env bash
# The peer for the intake benchmark: django-helpdesk (PyPI) in its own virtualenv, so its Django
# and dependencies never touch civic's. Idempotent; bench/.peer-venv is git-ignored.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
if [ ! -x .peer-venv/bin/python ]; then
  "$PYTHON" -m venv .peer-venv
fi
.peer-venv/bin/pip install -q -r peer/requirements.txt
