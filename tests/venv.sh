#!/usr/bin/env bash
# Create (once) the Python virtual environment the test suites use, with
# the packages pinned in tests/requirements.txt and tests/ssm/requirements.txt.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.cache/venv-test"
stamp="$VENV/.requirements"
wanted=$(shopt -s nullglob; cat "$ROOT"/tests/requirements.txt "$ROOT"/tests/*/requirements.txt | sort -u)

if [[ -x $VENV/bin/python && -f $stamp && $(cat "$stamp") == "$wanted" ]]; then
    exit 0
fi
echo "tests: preparing the Python environment in .cache/venv-test"
python3 -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check -r "$ROOT/tests/requirements.txt"
for extra in "$ROOT"/tests/*/requirements.txt; do
    [[ -f $extra ]] && "$VENV/bin/pip" install -q --disable-pip-version-check -r "$extra"
done
printf '%s' "$wanted" >"$stamp"
