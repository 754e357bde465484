#!/usr/bin/env bash
# Install everything (scripts/setup.sh) and run the whole test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
.venv/bin/ruff check --quiet . || { echo "test: ruff found problems (see above)"; exit 1; }
.venv/bin/ruff format --check --quiet . || { echo "test: files need \`ruff format\` (listed above)"; exit 1; }
.venv/bin/mypy kiosk content_cache content_server || { echo "test: mypy found problems (see above)"; exit 1; }
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
