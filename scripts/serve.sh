#!/usr/bin/env bash
# Start pcc for production: migrate, collect the static files, compile the translations, then run gunicorn and
# the task worker side by side. If either stops, the other is stopped too and the script exits with an error,
# so a supervisor (systemd, a container runtime) restarts the pair.
# Configure through the environment (README, "Settings (environment)"); BIND (default 127.0.0.1:8000) and
# WEB_CONCURRENCY (default 2 gunicorn workers) are read here.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
BIND="${BIND:-127.0.0.1:8000}"
WEB_CONCURRENCY="${WEB_CONCURRENCY:-2}"

"$PYTHON" manage.py migrate --noinput
"$PYTHON" manage.py collectstatic --noinput --verbosity 0
"$PYTHON" manage.py compilemessages --ignore=.venv --verbosity 0

pids=()
stop() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
}
trap stop EXIT
trap 'exit 143' INT TERM

# The access log line ends with the request id that pcc also puts in its own log lines.
"$PYTHON" -m gunicorn pcc.wsgi:application \
  --bind "$BIND" \
  --workers "$WEB_CONCURRENCY" \
  --access-logfile - \
  --access-logformat '%(h)s "%(r)s" %(s)s %(b)s %(M)sms %({x-request-id}o)s' &
pids+=($!)
# The background worker runs large imports and PDF reports (django-tasks database backend).
"$PYTHON" manage.py db_worker &
pids+=($!)

# Whichever stops first (a crash, a kill) takes the other down with it.
status=0
wait -n || status=$?
echo "serve.sh: a process stopped (status $status); stopping the other." >&2
exit $(( status == 0 ? 1 : status ))
