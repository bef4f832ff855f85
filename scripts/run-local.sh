#!/usr/bin/env bash
# Start or stop the local stack of `make run`: a Neo4j Community server with
# the movies graph and the gateway, both on 127.0.0.1, state under .local/.
#
# Usage: scripts/run-local.sh start|stop
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="$ROOT/.local"
NEO4J_DIR="$STATE/neo4j"
BINARY="${GATEWAY_BINARY:-$ROOT/build/cypher-gateway}"
GATEWAY_PORT="${GATEWAY_PORT:-8080}"
NEO4J_HTTP_PORT="${NEO4J_HTTP_PORT:-7474}"
NEO4J_BOLT_PORT="${NEO4J_BOLT_PORT:-7687}"
export NEO4J_HTTP_PORT NEO4J_BOLT_PORT

say() { printf 'run: %s\n' "$*"; }
die() { printf 'run: %s\n' "$*" >&2; exit 1; }

# Creates a value once and keeps it, so re-runs reuse passwords and keys.
ensure_secrets() {
    umask 077
    mkdir -p "$STATE"
    if [[ ! -s $STATE/secrets.env ]]; then
        say "generating the local Neo4j password, JWT signing key and demo client secrets"
        {
            echo "NEO4J_PASSWORD=$(openssl rand -hex 16)"
            echo "JWT_SIGNING_KEY=$(openssl rand -base64 48 | tr -d '\n')"
            # Hashes contain '$', so every value is single-quoted.
            "$BINARY" gen-client | sed "s/^/DEMO_/; s/=\(.*\)$/='\1'/"
            "$BINARY" gen-client | sed "s/^/READER_/; s/=\(.*\)$/='\1'/"
        } >"$STATE/secrets.env.tmp"
        mv "$STATE/secrets.env.tmp" "$STATE/secrets.env"
    fi
    # shellcheck disable=SC1091
    . "$STATE/secrets.env"
}

gateway_running() {
    [[ -f $STATE/gateway.pid ]] && kill -0 "$(cat "$STATE/gateway.pid")" 2>/dev/null
}

stop_gateway() {
    if gateway_running; then
        local pid
        pid=$(cat "$STATE/gateway.pid")
        kill -TERM "$pid"
        for _ in $(seq 1 300); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        say "gateway stopped"
    fi
    rm -f "$STATE/gateway.pid"
}

start_gateway() {
    cat >"$STATE/gateway.env" <<ENV
NEO4J_URL=http://127.0.0.1:$NEO4J_HTTP_PORT
NEO4J_USER=neo4j
NEO4J_PASSWORD=$NEO4J_PASSWORD
JWT_SIGNING_KEY='$JWT_SIGNING_KEY'
DEMO_CLIENT_ID=demo
DEMO_CLIENT_SECRET_HASH='$DEMO_CLIENT_SECRET_HASH'
DEMO_READER_ID=demo-reader
DEMO_READER_SECRET_HASH='$READER_CLIENT_SECRET_HASH'
GATEWAY_PORT=$GATEWAY_PORT
ENV
    (
        set -a
        # shellcheck disable=SC1091
        . "$STATE/gateway.env"
        set +a
        cd "$ROOT"
        nohup setsid "$BINARY" --config "$ROOT/config/gateway.yaml" >>"$STATE/gateway.log" 2>&1 </dev/null &
        echo $! >"$STATE/gateway.pid"
    )
    for _ in $(seq 1 100); do
        if curl -fsS "http://127.0.0.1:$GATEWAY_PORT/ready" >/dev/null 2>&1; then
            say "gateway ready on http://127.0.0.1:$GATEWAY_PORT (log: .local/gateway.log)"
            return 0
        fi
        gateway_running || break
        sleep 0.1
    done
    tail -n 20 "$STATE/gateway.log" >&2 || true
    die "the gateway did not become ready; see .local/gateway.log"
}

write_demo_env() {
    cat >"$STATE/demo.env" <<ENV
GATEWAY_URL=http://127.0.0.1:$GATEWAY_PORT
CLIENT_ID=demo
CLIENT_SECRET='$DEMO_CLIENT_SECRET'
READER_CLIENT_ID=demo-reader
READER_CLIENT_SECRET='$READER_CLIENT_SECRET'
NEO4J_HTTP_URL=http://127.0.0.1:$NEO4J_HTTP_PORT
NEO4J_USER=neo4j
NEO4J_PASSWORD=$NEO4J_PASSWORD
JWT_SIGNING_KEY='$JWT_SIGNING_KEY'
ENV
}

print_next_steps() {
    cat <<'TEXT'

cypher-gateway is running with Neo4j and the movies graph. Try:

  . .local/demo.env
  T=$(curl -s -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials $GATEWAY_URL/token | jq -r .access_token)
  curl -s -H "Authorization: Bearer $T" -H 'Content-Type: application/json' \
       -d '{"statement":"MATCH (n) RETURN count(n) AS n"}' $GATEWAY_URL/query
  curl -s -H "Authorization: Bearer $T" -H 'Content-Type: application/json' \
       -d '{"statement":"MATCH (p:Person {name: $name})-[:ACTED_IN]->(m) RETURN m.title ORDER BY m.title","parameters":{"name":"Tom Hanks"}}' \
       $GATEWAY_URL/query

Logs: .local/gateway.log and .local/neo4j/logs/. Stop both with: make stop
TEXT
}

start() {
    [[ -x $BINARY ]] || die "$BINARY is missing; run 'make' first"
    ensure_secrets
    "$ROOT/scripts/neo4j.sh" fetch
    NEO4J_PASSWORD=$NEO4J_PASSWORD "$ROOT/scripts/neo4j.sh" start "$NEO4J_DIR"
    local count
    count=$(NEO4J_PASSWORD=$NEO4J_PASSWORD "$ROOT/scripts/neo4j.sh" count "$NEO4J_DIR")
    if [[ $count == 0 ]]; then
        say "loading the movies graph (data/movies.cypher)"
        NEO4J_PASSWORD=$NEO4J_PASSWORD "$ROOT/scripts/neo4j.sh" load "$NEO4J_DIR" "$ROOT/data/movies.cypher"
    else
        say "Neo4j already holds $count nodes; not loading the movies graph again"
    fi
    stop_gateway
    start_gateway
    write_demo_env
    print_next_steps
}

stop() {
    stop_gateway
    if [[ -f $STATE/secrets.env ]]; then
        # shellcheck disable=SC1091
        . "$STATE/secrets.env"
        NEO4J_PASSWORD=$NEO4J_PASSWORD "$ROOT/scripts/neo4j.sh" stop "$NEO4J_DIR" || true
    fi
}

case "${1:-}" in
start) start ;;
stop) stop ;;
*) die "usage: scripts/run-local.sh start|stop" ;;
esac
