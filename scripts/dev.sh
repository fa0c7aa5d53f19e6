#!/usr/bin/env bash
# Set up a fresh machine and run pcc on SQLite with the PCC data and demo users.
# Usage: scripts/dev.sh [PORT]   (default port 8000)
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${1:-8000}"
export DEBUG="${DEBUG:-true}"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e ".[dev]"
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py compilemessages --ignore=.venv >/dev/null 2>&1 || true
.venv/bin/python manage.py load_programme fixtures/pcc
.venv/bin/python manage.py create_demo_users
.venv/bin/python manage.py create_demo_finance   # made-up reports and transfers, marked as demonstration
cat <<TXT

pcc is starting at http://127.0.0.1:${PORT}/
Log in with any of: admin, staff, apci, seco, prosur, prosur-viewer, ampex  (password: demo-pcc-2008)
TXT
# The background worker runs large imports and PDF reports (django-tasks database backend).
.venv/bin/python manage.py db_worker &
WORKER=$!
trap 'kill $WORKER 2>/dev/null' EXIT
.venv/bin/python manage.py runserver "127.0.0.1:${PORT}"
