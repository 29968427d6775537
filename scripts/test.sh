#!/usr/bin/env bash
# One command on a fresh machine: install the test dependencies, lint, and run every test.
# The suite runs on SQLite, and also on PostgreSQL when TEST_DATABASE_URL is set.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports
# One worker per core, each file's tests in one worker (their module fixtures set up once);
# each worker has its own databases (tests/conftest.py names them by process).
exec .venv/bin/pytest -n auto --dist loadfile "$@"
