#!/usr/bin/env bash
# Install everything the tests need (Python packages, Debian's Chromium and PostgreSQL when
# missing) and run the whole suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql)
# The Spark engine's tests (tests/scale/test_spark_engine.py) need a Java 17 runtime.
java -version >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "Installing Debian packages: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

source scripts/setup.sh requirements-dev.txt
# PySpark is optional for the app (requirements-spark.txt, not requirements.txt) and ~300 MB:
# installed here only when missing. setup.sh only ever adds packages, so a re-setup keeps it.
if ! .venv/bin/python -c "import pyspark" >/dev/null 2>&1; then
  echo "Installing PySpark (requirements-spark.txt) for the Spark engine's tests ..."
  .venv/bin/python -m pip install --quiet --progress-bar off -r requirements-spark.txt
fi

# The checks a reviewer would otherwise do by hand: lint (with the ban on Streamlit in
# metrics/, review/ and outputs/), formatting and types.
echo "Checking lint, formatting and types ..."
.venv/bin/ruff check .
.venv/bin/ruff format --check --quiet . || { echo "Run: .venv/bin/ruff format ." >&2; exit 1; }
.venv/bin/mypy metrics review outputs engines

set +e
.venv/bin/python -m pytest "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here." >&2
  exit 1
fi
exit "$rc"
