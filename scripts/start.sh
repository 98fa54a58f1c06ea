#!/usr/bin/env bash
# Install what the app needs and start it on http://localhost:8501 with the demo pair loaded.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh requirements.txt
export SYNTHLENS_AUTOLOAD_DEMO="${SYNTHLENS_AUTOLOAD_DEMO:-1}"
exec .venv/bin/streamlit run app.py --server.port "${PORT:-8501}" "$@"
