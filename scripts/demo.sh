#!/usr/bin/env bash
# Install everything (scripts/setup.sh) and run the demo: a content server with demo content and
# a screen against it. Extra arguments go to `kiosk demo` (e.g. --windowed).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/kiosk demo "$@"
