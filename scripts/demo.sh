#!/usr/bin/env bash
# The README's demo: run after 'make' (./tsubaki demo does both).
set -euo pipefail
cd "$(dirname "$0")/.."
exec /usr/bin/python3 scripts/demo.py "$@"
