#!/usr/bin/env bash
# Shared set-up: a virtual environment in .venv with the pinned packages.
# Usage: source scripts/setup.sh requirements.txt|requirements-dev.txt
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
req="${1:-requirements.txt}"
if [ ! -x .venv/bin/python ]; then
  echo "SynthLens set-up: creating the virtual environment in .venv ..."
  python3 -m venv .venv
fi
stamp=".venv/.installed-$(sha256sum "$req" requirements.txt | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "SynthLens set-up: installing the pinned Python packages from $req (a minute or two the first time) ..."
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet --progress-bar off -r "$req"
  touch "$stamp"
  echo "SynthLens set-up: packages installed."
fi
