#!/usr/bin/env bash
# Refresh requirements.lock, the exact versions the tests pass with (CI installs with it as
# constraints: PIP_CONSTRAINT=requirements.lock). Run it after changing a dependency in
# pyproject.toml, or to move to newer releases:
#   1. a new venv with its own pip installs `pip install -e '.[test]'`, unconstrained: the newest
#      releases that pyproject.toml's ranges allow;
#   2. the test suite runs there, and the lock is written only if it passes;
#   3. `pip freeze` (without the project itself) becomes requirements.lock.
# Then review `git diff requirements.lock` and commit it.
set -euo pipefail
cd "$(dirname "$0")/.."
unset PIP_CONSTRAINT PIP_REQUIRE_VIRTUALENV
WORK=$(mktemp -d "${TMPDIR:-/tmp}/kb-lock.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
python3 -m venv "$WORK/venv"
PY="$WORK/venv/bin/python"
"$PY" -m pip install --quiet --disable-pip-version-check -e '.[test]'
"$PY" -m pytest -q -p no:cacheprovider
{
  echo "# The exact versions the tests pass with, from scripts/refresh_lock.sh on $("$PY" --version)."
  echo "# CI installs with it as constraints (PIP_CONSTRAINT); refresh it with that script."
  "$PY" -m pip freeze --exclude-editable
} > requirements.lock
echo "requirements.lock: $(grep -c '==' requirements.lock) pinned packages"
