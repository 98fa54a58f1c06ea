#!/usr/bin/env bash
# Install what the app needs and start it on http://localhost:${PORT:-8501} with the demo pair
# loaded. PORT sets the port; extra arguments go to `streamlit run`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh requirements.txt
export SYNTHLENS_AUTOLOAD_DEMO="${SYNTHLENS_AUTOLOAD_DEMO:-1}"
echo "SynthLens: starting on http://localhost:${PORT:-8501} (Ctrl+C stops it) ..."
exec .venv/bin/streamlit run app.py --server.port "${PORT:-8501}" "$@"
