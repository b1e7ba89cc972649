#!/usr/bin/env bash
# The test command: set everything up, then run every tier (unit, engine, notebooks, browser).
# Extra arguments go to pytest, e.g. scripts/run-tests.sh tests/unit -x
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
exec .venv/bin/python -m pytest -p no:cacheprovider "${@:-tests}"
