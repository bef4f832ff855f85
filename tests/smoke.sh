#!/usr/bin/env bash
# Smoke test of a running gateway, local or deployed, with curl and jq.
#
# Usage: tests/smoke.sh URL
# Client credentials come from CLIENT_ID and CLIENT_SECRET, or from
# .local/demo.env when those are unset (as `make run` writes it).
# Set SMOKE_EXPECT_MOVIES=1 to also check the movies graph (171 nodes);
# it is on by default when .local/demo.env was used.
# Exits non-zero at the first mismatch.
set -euo pipefail

url=${1:-}
[[ -n $url ]] || { echo "usage: tests/smoke.sh URL" >&2; exit 2; }
url=${url%/}
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [[ -z ${CLIENT_ID:-} || -z ${CLIENT_SECRET:-} ]]; then
    [[ -f $root/.local/demo.env ]] || { echo "smoke: set CLIENT_ID and CLIENT_SECRET" >&2; exit 2; }
    # shellcheck disable=SC1091
    . "$root/.local/demo.env"
    SMOKE_EXPECT_MOVIES=${SMOKE_EXPECT_MOVIES:-1}
fi

failures=0
pass() { printf 'ok   %s\n' "$1"; }
fail() { printf 'FAIL %s\n' "$1" >&2; failures=$((failures + 1)); }

# Prints "STATUS BODY" for a request; curl's own failure counts as status 000.
call() {
    local out status
    out=$(curl -sS --max-time 30 -w '\n%{http_code}' "$@" 2>/dev/null) || true
    status=${out##*$'\n'}
    printf '%s %s' "${status:-000}" "${out%$'\n'*}"
}

result=$(call "$url/health")
[[ ${result%% *} == 200 ]] && pass "GET /health is 200" || fail "GET /health: ${result:0:200}"

result=$(call "$url/ready")
[[ ${result%% *} == 200 ]] && pass "GET /ready is 200" || fail "GET /ready: ${result:0:200}"

result=$(call -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials "$url/token")
token=$(jq -r '.access_token // empty' <<<"${result#* }" 2>/dev/null || true)
if [[ ${result%% *} == 200 && -n $token ]]; then
    pass "POST /token issues a token"
else
    fail "POST /token: status ${result%% *}"
    echo "smoke: $failures check(s) failed" >&2
    exit 1
fi

result=$(call -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"statement":"RETURN 1 AS ok"}' "$url/query")
values=$(jq -c '.data.values' <<<"${result#* }" 2>/dev/null || true)
[[ ${result%% *} == 200 && $values == '[[1]]' ]] && pass "POST /query RETURN 1" || fail "POST /query: ${result:0:300}"

if [[ ${SMOKE_EXPECT_MOVIES:-0} == 1 ]]; then
    result=$(call -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        -d '{"statement":"MATCH (n) RETURN count(n) AS n"}' "$url/query")
    values=$(jq -c '.data.values' <<<"${result#* }" 2>/dev/null || true)
    [[ $values == '[[171]]' ]] && pass "movies graph has 171 nodes" || fail "node count: ${result:0:300}"
fi

result=$(call -H 'Content-Type: application/json' -d '{"statement":"RETURN 1"}' "$url/query")
code=$(jq -r '.errors[0].code // empty' <<<"${result#* }" 2>/dev/null || true)
[[ ${result%% *} == 401 && $code == invalid_token ]] && pass "no token is 401 invalid_token" ||
    fail "no token: ${result:0:300}"

result=$(call -H "Authorization: Bearer ${token%.*}.AAAA" -H 'Content-Type: application/json' \
    -d '{"statement":"RETURN 1"}' "$url/query")
[[ ${result%% *} == 401 ]] && pass "bad signature is 401" || fail "bad signature: ${result:0:300}"

if ((failures > 0)); then
    echo "smoke: $failures check(s) failed" >&2
    exit 1
fi
echo "smoke: all checks passed against $url"
