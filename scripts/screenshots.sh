#!/usr/bin/env bash
# Renew the README's screenshots (docs/screenshots/) by running the browser tests, which save them there.
# An ordinary test run saves them into the git-ignored test-artifacts/screenshots/ instead.
set -euo pipefail
cd "$(dirname "$0")/.."
PCC_SCREENSHOTS=docs/screenshots exec .venv/bin/pytest -m browser -q "$@"
