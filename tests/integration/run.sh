#!/usr/bin/env bash
# Run the integration suite against a real Neo4j with the movies graph.
#
# Usage: tests/integration/run.sh BINARY [BINARY...]
# Each binary (e.g. the optimised build and the ASan+UBSan build) runs the
# whole suite. A dedicated Neo4j instance lives in .local/test-neo4j on
# ports 7475/7688 (NEO4J_TEST_HTTP_PORT, NEO4J_TEST_BOLT_PORT) and is
# stopped at the end unless KEEP_TEST_NEO4J=1.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
(($# > 0)) || { echo "usage: $0 BINARY [BINARY...]" >&2; exit 2; }

DIR="$ROOT/.local/test-neo4j"
export NEO4J_HTTP_PORT="${NEO4J_TEST_HTTP_PORT:-7475}"
export NEO4J_BOLT_PORT="${NEO4J_TEST_BOLT_PORT:-7688}"
mkdir -p "$ROOT/.local"
umask 077
[[ -s $ROOT/.local/test-neo4j-password ]] || openssl rand -hex 16 >"$ROOT/.local/test-neo4j-password"
NEO4J_PASSWORD=$(cat "$ROOT/.local/test-neo4j-password")
export NEO4J_PASSWORD

"$ROOT/tests/venv.sh"
PYTHON="$ROOT/.cache/venv-test/bin/python"

"$ROOT/scripts/neo4j.sh" fetch
started_here=0
if ! "$ROOT/scripts/neo4j.sh" status "$DIR" >/dev/null 2>&1; then
    "$ROOT/scripts/neo4j.sh" start "$DIR"
    started_here=1
fi
stop_neo4j() {
    if [[ $started_here == 1 && ${KEEP_TEST_NEO4J:-0} != 1 ]]; then
        "$ROOT/scripts/neo4j.sh" stop "$DIR" || true
    fi
}
trap stop_neo4j EXIT

count=$("$ROOT/scripts/neo4j.sh" count "$DIR")
if [[ $count != 171 ]]; then
    if [[ $count != 0 ]]; then
        echo "integration: the test database holds $count nodes, not the movies graph; clearing it"
        curl -fsS -u "neo4j:$NEO4J_PASSWORD" -H 'Content-Type: application/json' \
            -d '{"statement":"MATCH (n) DETACH DELETE n"}' \
            "http://127.0.0.1:$NEO4J_HTTP_PORT/db/neo4j/query/v2" >/dev/null
    fi
    "$ROOT/scripts/neo4j.sh" load "$DIR" "$ROOT/data/movies.cypher"
fi

export NEO4J_TEST_URL="http://127.0.0.1:$NEO4J_HTTP_PORT"
export NEO4J_TEST_PASSWORD="$NEO4J_PASSWORD"
export NEO4J_TEST_DIR="$DIR"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# INTEGRATION_SUITES picks test folders or files; by default both suites.
if [[ -n ${INTEGRATION_SUITES:-} ]]; then
    read -r -a suites <<<"$INTEGRATION_SUITES"
else
    suites=(tests/integration)
    [[ -d tests/ssm ]] && suites+=(tests/ssm)
fi

status=0
for binary in "$@"; do
    logs="$ROOT/.local/test-logs/$(basename "$(dirname "$binary")")-$(date +%s%N)"
    rm -rf "$logs"
    mkdir -p "$logs"
    echo "integration: running ${suites[*]} against $binary (logs in ${logs#"$ROOT"/})"
    # Each suite runs in its own pytest process: both have a conftest.py,
    # and one process would import only the first of them.
    for suite in "${suites[@]}"; do
        GATEWAY_BINARY="$binary" GATEWAY_TEST_LOG_DIR="$logs" \
            "$PYTHON" -m pytest -q -p no:cacheprovider "$suite" || status=1
    done
done
exit $status
