#!/usr/bin/env bash
# Run the whole test suite (SQLite by default; PostgreSQL when DATABASE_URL is set).
set -euo pipefail
cd "$(dirname "$0")/.."
# PCC_TEST_READY=1: packages and catalogues are already installed (CI runs two suites side by side).
if [ -z "${PCC_TEST_READY:-}" ]; then
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
  fi
  .venv/bin/pip install --quiet --upgrade pip
  .venv/bin/pip install --quiet -e ".[dev]"
  .venv/bin/python manage.py compilemessages --ignore=.venv >/dev/null 2>&1 || true
fi
exec .venv/bin/pytest "$@"
