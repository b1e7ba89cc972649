#!/usr/bin/env bash
# The main job: set everything up, then run the whole tutorial pack headlessly against the
# engine. Executed notebooks and their HTML go to out/ (or the folder given as $1).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python scripts/run_pack.py "$@"
