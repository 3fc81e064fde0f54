#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs graphrisk with its test extras and
# headless Chromium (for the HTML page tests), starts a local Neo4j 5.26 built from
# Maven Central (scripts/neo4j.sh), runs ruff and mypy, then pytest (tests and the
# doctests of graphrisk/) against it, and stops Neo4j again.
# The exit status is pytest's.  Extra arguments go to pytest:  scripts/test.sh -k circles
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-python3}
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

echo "== installing graphrisk and its test dependencies" >&2
"$PYTHON" -m pip install --quiet --disable-pip-version-check -e '.[test]'

if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
    echo "== installing headless Chromium and a CJK font (chromium fonts-noto-cjk)" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi

if [[ -z "${NEO4J_URI:-}" ]]; then
    echo "== starting Neo4j (scripts/neo4j.sh)" >&2
    if ! bash scripts/neo4j.sh status >/dev/null 2>&1; then
        trap 'bash scripts/neo4j.sh stop || true' EXIT  # stop only the server started here
    fi
    GRAPHRISK_PYTHON="$PYTHON" bash scripts/neo4j.sh start
    NEO4J_URI=$(bash scripts/neo4j.sh uri)
    export NEO4J_URI
fi
# every test runs: a Neo4j or browser test that cannot reach its server fails, never skips
export GRAPHRISK_REQUIRE_SERVICES=1

echo "== ruff (lint, docstrings, complexity)" >&2
"$PYTHON" -m ruff check graphrisk tests bench conftest.py
echo "== mypy (type check of the package)" >&2
"$PYTHON" -m mypy

echo "== pytest (tests and doctests)" >&2
set +e
"$PYTHON" -m pytest "$@"
status=$?
set -e
exit $status
