#!/usr/bin/env bash
# `make bench`: measure cypher-gateway against Neo4j's Query API and against
# Apache httpd with mod_auth_openidc, then regenerate BENCHMARKS.md, the
# chart in docs/benchmarks/ and bench/results/latest.json.
#
# Everything listens on 127.0.0.1 only. The script starts its own Neo4j
# (.local/bench-neo4j), gateway and Apache (.local/bench-apache), runs wrk
# for a fixed time per measurement, and stops every process it started when
# it exits, also on failure or Ctrl-C. A full run takes about 7 minutes on
# 2 cores, plus about 2 minutes the first time, when Neo4j creates its
# database and loads the movies graph.
#
# Environment (all optional):
#   BENCH_DURATION        seconds per wrk measurement (default 5)
#   BENCH_SUSTAINED       seconds of the sustained run (default 60)
#   BENCH_NEO4J_HTTP_PORT, BENCH_NEO4J_BOLT_PORT   (default 7477, 7690)
#   BENCH_GATEWAY_PORT    (default 7478)
#   BENCH_APACHE_PORT     (default 7479)
#   BENCH_APACHE_BIN      Apache httpd binary (default /usr/sbin/apache2)
#   BENCH_APACHE_MODULES  directory of Apache modules (default /usr/lib/apache2/modules)
#   BENCH_NO_INSTALL=1    report missing Debian packages instead of installing them
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
readonly STATE="$ROOT/.local/bench"
readonly NEO4J_DIR="$ROOT/.local/bench-neo4j"
# The password becomes Neo4j's when the database is created, so it is kept
# next to the instance directory for later runs.
readonly NEO4J_PASSWORD_FILE="$ROOT/.local/bench-neo4j.password"
readonly APACHE_DIR="$ROOT/.local/bench-apache"
readonly BINARY="$ROOT/build/cypher-gateway"
readonly JWT_BENCH="$ROOT/build/bench/jwt_verify_bench"
readonly RESULTS="$ROOT/bench/results/latest.json"

NEO4J_HTTP_PORT="${BENCH_NEO4J_HTTP_PORT:-7477}"
NEO4J_BOLT_PORT="${BENCH_NEO4J_BOLT_PORT:-7690}"
readonly GATEWAY_PORT="${BENCH_GATEWAY_PORT:-7478}"
readonly APACHE_PORT="${BENCH_APACHE_PORT:-7479}"
readonly DURATION="${BENCH_DURATION:-5}"
readonly SUSTAINED="${BENCH_SUSTAINED:-60}"
readonly APACHE_BIN="${BENCH_APACHE_BIN:-/usr/sbin/apache2}"
readonly APACHE_MODULES="${BENCH_APACHE_MODULES:-/usr/lib/apache2/modules}"
readonly ISSUER="cypher-gateway-bench"
NEO4J_HEAP=1g

START_SECONDS=$SECONDS
GATEWAY_PID=""
APACHE_PID=""
STRACE_PID=""
NEO4J_STARTED=0
SERVERS_STARTED=0
PROFILE=0

say() { printf 'bench: %s\n' "$*"; }
die() {
    printf 'bench: error: %s\n' "$*" >&2
    exit 1
}

phase() {
    say "[$((SECONDS - START_SECONDS)) s] $*"
}

# ------------------------------------------------------------ cleanup --

# Sends SIGTERM, waits up to $3 seconds (default 10), then sends SIGKILL.
stop_pid() {
    local pid="$1" name="$2" wait_s="${3:-10}"
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 $((wait_s * 10))); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    say "$name (pid $pid) still running $wait_s s after SIGTERM; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_pid "$STRACE_PID" "strace"
    stop_pid "$APACHE_PID" "Apache"
    stop_pid "$GATEWAY_PID" "cypher-gateway"
    if ((NEO4J_STARTED)); then
        NEO4J_PASSWORD="$(cat "$NEO4J_PASSWORD_FILE")" "$ROOT/scripts/neo4j.sh" stop "$NEO4J_DIR" || true
    fi
    # The rendered Apache configuration and the per-run secrets contain the
    # Neo4j password and the signing key.
    rm -f "$APACHE_DIR/httpd.conf" "$STATE/secrets.env"
    if ((rc != 0 && SERVERS_STARTED)); then
        say "failed after $((SECONDS - START_SECONDS)) s (exit $rc); logs are in .local/bench/ and .local/bench-apache/"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ----------------------------------------------------------- packages --

# What is missing, as "path or command (Debian package)", and the packages.
MISSING_ITEMS=()
MISSING_PACKAGES=()

need_command() {
    command -v "$1" >/dev/null 2>&1 || note_missing "command $1" "$2"
}

need_file() {
    [[ -e "$1" ]] || note_missing "$1" "$2"
}

note_missing() {
    MISSING_ITEMS+=("$1 ($2)")
    [[ " ${MISSING_PACKAGES[*]} " == *" $2 "* ]] || MISSING_PACKAGES+=("$2")
}

find_missing_packages() {
    MISSING_ITEMS=()
    MISSING_PACKAGES=()
    need_command wrk wrk
    need_command gnuplot gnuplot-nox
    need_command jq jq
    need_command curl curl
    need_command python3 python3
    need_command openssl openssl
    need_file "$APACHE_BIN" apache2
    need_file "$APACHE_MODULES/mod_mpm_event.so" apache2
    need_file "$APACHE_MODULES/mod_proxy_http.so" apache2
    need_file "$APACHE_MODULES/mod_headers.so" apache2
    need_file "$APACHE_MODULES/mod_auth_openidc.so" libapache2-mod-auth-openidc
    if ((PROFILE)); then
        need_command valgrind valgrind
        need_command callgrind_annotate valgrind
        need_command strace strace
    fi
}

install_packages() {
    find_missing_packages
    ((${#MISSING_ITEMS[@]} == 0)) && return 0
    local items packages="${MISSING_PACKAGES[*]}"
    items="$(printf '%s, ' "${MISSING_ITEMS[@]}")"
    if [[ -n "${BENCH_NO_INSTALL:-}" || $EUID -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
        die "not found: ${items%, }. Install the packages with 'apt-get install --no-install-recommends $packages' as root, or point BENCH_APACHE_BIN and BENCH_APACHE_MODULES at another Apache build"
    fi
    say "not found: ${items%, }; installing Debian packages: $packages"
    # The system Apache service is not started by this: Debian's
    # policy-rc.d denies it in containers, and the benchmark's own Apache
    # uses its own configuration and ports in any case.
    # shellcheck disable=SC2086  # one word per package
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages; } \
        >"$STATE/apt.log" 2>&1; then
        tail -n 20 "$STATE/apt.log" >&2
        die "apt-get install $packages failed (output above, full log in .local/bench/apt.log); install the packages by hand and rerun"
    fi
    find_missing_packages
    if ((${#MISSING_ITEMS[@]} > 0)); then
        items="$(printf '%s, ' "${MISSING_ITEMS[@]}")"
        die "still not found after installing the packages: ${items%, }. Set BENCH_APACHE_BIN and BENCH_APACHE_MODULES to where this system keeps Apache httpd and its modules"
    fi
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

check_ports() {
    local port
    for port in "$GATEWAY_PORT" "$APACHE_PORT"; do
        port_in_use "$port" &&
            die "port 127.0.0.1:$port is in use; stop that process or choose other ports with BENCH_GATEWAY_PORT and BENCH_APACHE_PORT"
    done
    return 0
}

# ------------------------------------------------------------ secrets --

make_secrets() {
    if [[ ! -s "$NEO4J_PASSWORD_FILE" ]]; then
        [[ ! -d "$NEO4J_DIR/data" ]] ||
            die "$NEO4J_DIR has a database but $NEO4J_PASSWORD_FILE is missing; delete $NEO4J_DIR to start over"
        (umask 077 && openssl rand -hex 16 >"$NEO4J_PASSWORD_FILE")
    fi
    NEO4J_PASSWORD="$(cat "$NEO4J_PASSWORD_FILE")"
    # The gateway uses the bytes of the string as the HS256 key; Apache gets
    # the same string with the "plain" prefix.
    JWT_SIGNING_KEY="$(openssl rand -hex 32)"
    local client
    client="$("$BINARY" gen-client)"
    CLIENT_SECRET="$(sed -n 's/^CLIENT_SECRET=//p' <<<"$client")"
    CLIENT_SECRET_HASH="$(sed -n 's/^CLIENT_SECRET_HASH=//p' <<<"$client")"
    NEO4J_AUTHORIZATION="Basic $(printf 'neo4j:%s' "$NEO4J_PASSWORD" | base64 -w0)"
    CLIENT_AUTHORIZATION="Basic $(printf 'bench:%s' "$CLIENT_SECRET" | base64 -w0)"
}

# Exports what the gateway's configuration reads (bench/gateway.yaml).
export_gateway_env() {
    export BENCH_GATEWAY_PORT="$GATEWAY_PORT" BENCH_NEO4J_HTTP_PORT="$NEO4J_HTTP_PORT"
    export NEO4J_PASSWORD JWT_SIGNING_KEY BENCH_CLIENT_SECRET_HASH="$CLIENT_SECRET_HASH"
}

# Exports what bench/measure.py reads: addresses, process ids, credentials.
export_measure_env() {
    export BENCH_NEO4J_URL="http://127.0.0.1:$NEO4J_HTTP_PORT" BENCH_NEO4J_AUTHORIZATION="$NEO4J_AUTHORIZATION"
    export BENCH_GATEWAY_URL="http://127.0.0.1:$GATEWAY_PORT" BENCH_APACHE_URL="http://127.0.0.1:$APACHE_PORT"
    export BENCH_GATEWAY_PID="$GATEWAY_PID" BENCH_APACHE_PID="$APACHE_PID" BENCH_NEO4J_PID="$NEO4J_PID"
    export BENCH_TOKEN="$TOKEN" BENCH_CLIENT_AUTHORIZATION="$CLIENT_AUTHORIZATION" BENCH_ISSUER="$ISSUER"
    export JWT_SIGNING_KEY
}

# -------------------------------------------------------------- Neo4j --

start_neo4j() {
    SERVERS_STARTED=1
    "$ROOT/scripts/neo4j.sh" fetch
    NEO4J_STARTED=1
    NEO4J_PASSWORD="$NEO4J_PASSWORD" NEO4J_HTTP_PORT="$NEO4J_HTTP_PORT" NEO4J_BOLT_PORT="$NEO4J_BOLT_PORT" \
        NEO4J_HEAP="$NEO4J_HEAP" "$ROOT/scripts/neo4j.sh" start "$NEO4J_DIR"
    local count
    count="$(NEO4J_PASSWORD="$NEO4J_PASSWORD" "$ROOT/scripts/neo4j.sh" count "$NEO4J_DIR")"
    if [[ "$count" == 0 ]]; then
        phase "loading the movies graph (data/movies.cypher)"
        NEO4J_PASSWORD="$NEO4J_PASSWORD" "$ROOT/scripts/neo4j.sh" load "$NEO4J_DIR" "$ROOT/data/movies.cypher"
    elif [[ "$count" != 171 ]]; then
        die "$NEO4J_DIR contains $count nodes, not the 171 of the movies graph; delete $NEO4J_DIR to start over"
    fi
    NEO4J_PID="$(cat "$NEO4J_DIR/neo4j.pid")"
}

# ------------------------------------------------------------ gateway --

# Command words put before the gateway binary (profile mode runs it under
# valgrind); empty for measurements.
GATEWAY_LAUNCHER=()

start_gateway() {
    (
        export_gateway_env
        cd "$ROOT"
        exec "${GATEWAY_LAUNCHER[@]}" "$BINARY" --config "$ROOT/bench/gateway.yaml"
    ) >>"$STATE/gateway.log" 2>&1 </dev/null &
    GATEWAY_PID=$!
    for _ in $(seq 1 300); do
        if [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$GATEWAY_PORT/ready" || true)" == 200 ]]; then
            return 0
        fi
        kill -0 "$GATEWAY_PID" 2>/dev/null || break
        sleep 0.1
    done
    tail -n 20 "$STATE/gateway.log" >&2
    die "cypher-gateway did not become ready on 127.0.0.1:$GATEWAY_PORT; see .local/bench/gateway.log (last lines above)"
}

fetch_token() {
    local body
    body="$(curl -s --config <(printf 'user = "bench:%s"\n' "$CLIENT_SECRET") \
        -d grant_type=client_credentials "http://127.0.0.1:$GATEWAY_PORT/token")"
    TOKEN="$(jq -r '.access_token // empty' <<<"$body" 2>/dev/null || true)"
    [[ -n "$TOKEN" ]] || die "POST /token did not return an access token: $body"
}

# ------------------------------------------------------------- Apache --

# Fills in the template's @...@ placeholders with bash substitutions, so
# that no secret appears on a command line.
render_apache_config() {
    local text user_directives=""
    text="$(<"$ROOT/bench/apache/httpd.conf.in")"
    if ((EUID == 0)); then
        id -u www-data >/dev/null 2>&1 || die "user www-data not found; Apache must not serve requests as root"
        user_directives=$'User www-data\nGroup www-data'
    fi
    text="${text//@SERVER_ROOT@/$APACHE_DIR}"
    text="${text//@PORT@/$APACHE_PORT}"
    text="${text//@MODULES_DIR@/$APACHE_MODULES}"
    text="${text//@USER_DIRECTIVES@/$user_directives}"
    text="${text//@NEO4J_HTTP_PORT@/$NEO4J_HTTP_PORT}"
    text="${text//@NEO4J_BASIC_AUTH@/${NEO4J_AUTHORIZATION#Basic }}"
    text="${text//@JWT_KEY@/$JWT_SIGNING_KEY}"
    text="${text//@ISSUER@/$ISSUER}"
    text="${text//@AUDIENCE@/$ISSUER}"
    text="${text//@CRYPTO_PASSPHRASE@/$(openssl rand -hex 16)}"
    if [[ "$text" =~ @[A-Z_]+@ ]]; then
        die "bench/apache/httpd.conf.in has a placeholder that run.sh does not fill: ${BASH_REMATCH[0]}"
    fi
    (umask 077 && printf '%s\n' "$text" >"$APACHE_DIR/httpd.conf")
}

start_apache() {
    rm -rf "$APACHE_DIR"
    mkdir -m 700 "$APACHE_DIR"
    render_apache_config
    local output
    if ! output="$("$APACHE_BIN" -t -f "$APACHE_DIR/httpd.conf" 2>&1)"; then
        printf '%s\n' "$output" >&2
        die "Apache rejected the rendered bench/apache/httpd.conf.in (message above)"
    fi
    # -DFOREGROUND keeps the parent process attached, so its pid is $!.
    "$APACHE_BIN" -f "$APACHE_DIR/httpd.conf" -DFOREGROUND >"$APACHE_DIR/stdout.log" 2>&1 </dev/null &
    APACHE_PID=$!
    for _ in $(seq 1 100); do
        # Without a token, mod_auth_openidc returns 401.
        if [[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$APACHE_PORT/db/neo4j/query/v2" || true)" == 401 ]]; then
            return 0
        fi
        kill -0 "$APACHE_PID" 2>/dev/null || break
        sleep 0.1
    done
    tail -n 20 "$APACHE_DIR/error.log" "$APACHE_DIR/stdout.log" >&2 2>/dev/null || true
    die "Apache did not respond on 127.0.0.1:$APACHE_PORT; see .local/bench-apache/error.log (last lines above)"
}

# --------------------------------------------------------------- main --

write_run_info() {
    local commit dirty
    commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    dirty="$(git -C "$ROOT" status --porcelain 2>/dev/null | grep -c . || true)"
    jq -n \
        --arg commit "$commit" --argjson dirty "${dirty:-0}" \
        --arg started "$STARTED_AT" --arg finished "$(date -u +%FT%TZ)" \
        --argjson elapsed "$((SECONDS - START_SECONDS))" \
        --argjson neo4j_port "$NEO4J_HTTP_PORT" --argjson gateway_port "$GATEWAY_PORT" \
        --argjson apache_port "$APACHE_PORT" --arg heap "$NEO4J_HEAP" \
        --arg neo4j_start "NEO4J_HTTP_PORT=$NEO4J_HTTP_PORT NEO4J_BOLT_PORT=$NEO4J_BOLT_PORT NEO4J_HEAP=$NEO4J_HEAP scripts/neo4j.sh start .local/bench-neo4j" \
        --arg gateway_start "build/cypher-gateway --config bench/gateway.yaml" \
        --arg apache_start "$APACHE_BIN -f .local/bench-apache/httpd.conf -DFOREGROUND" \
        --arg jwt_build "make -f Makefile -f bench/bench.mk build/bench/jwt_verify_bench" \
        --arg jwt_run "build/bench/jwt_verify_bench 2" \
        '{git: {commit: $commit, uncommitted_files: $dirty}, started_at: $started, finished_at: $finished,
          elapsed_s: $elapsed, ports: {neo4j_http: $neo4j_port, gateway: $gateway_port, apache: $apache_port},
          neo4j_heap: $heap,
          commands: {neo4j: $neo4j_start, gateway: $gateway_start, apache: $apache_start,
                     jwt_build: $jwt_build, jwt_run: $jwt_run}}' >"$STATE/run.json"
}

prepare() {
    STARTED_AT="$(date -u +%FT%TZ)"
    mkdir -p "$ROOT/.local"
    rm -rf "$STATE"
    mkdir -m 700 "$STATE"
    ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)"
    (($(ulimit -n) >= 2100)) || die "the open-file limit is $(ulimit -n); the 1,000-connection test needs 2100 (raise 'ulimit -Hn')"

    phase "checking tools and ports"
    install_packages
    [[ -x "$BINARY" ]] || die "$BINARY is missing; run 'make' first (or 'make bench', which builds it)"
    check_ports

    phase "building the HS256 microbenchmark"
    make -s --no-print-directory -C "$ROOT" -f Makefile -f bench/bench.mk build/bench/jwt_verify_bench

    make_secrets
}

measure() {
    prepare

    phase "HS256 verification microbenchmark (single thread)"
    "$JWT_BENCH" 2 >"$STATE/jwt.json"
    say "$(jq -r '"gw_jwt_verify: \(.verify_per_s) per CPU second"' "$STATE/jwt.json")"

    phase "starting Neo4j in .local/bench-neo4j (http $NEO4J_HTTP_PORT, heap $NEO4J_HEAP)"
    start_neo4j

    phase "timing gateway starts (exec to first 200 on /ready, 5 starts)"
    (
        export_gateway_env
        exec python3 "$ROOT/bench/measure.py" startup --binary "$BINARY" --config "$ROOT/bench/gateway.yaml" \
            --log-dir "$STATE" --out "$STATE/startup.json"
    )

    phase "starting cypher-gateway on 127.0.0.1:$GATEWAY_PORT"
    start_gateway
    fetch_token

    phase "starting Apache httpd on 127.0.0.1:$APACHE_PORT"
    start_apache

    (
        export_measure_env
        exec python3 "$ROOT/bench/measure.py" meta --binary "$BINARY" --apache-bin "$APACHE_BIN" \
            --out "$STATE/meta.json"
    )

    phase "measuring (${DURATION} s per run, then ${SUSTAINED} s sustained)"
    (
        export_measure_env
        exec python3 "$ROOT/bench/measure.py" load --state-dir "$STATE" --duration "$DURATION" \
            --sustained "$SUSTAINED" --out "$STATE/load.json"
    )

    phase "stopping the servers"
    stop_pid "$APACHE_PID" "Apache"
    stop_pid "$GATEWAY_PID" "cypher-gateway"
    NEO4J_PASSWORD="$NEO4J_PASSWORD" "$ROOT/scripts/neo4j.sh" stop "$NEO4J_DIR"
    NEO4J_STARTED=0

    write_run_info
    phase "writing BENCHMARKS.md, docs/benchmarks/ and bench/results/latest.json"
    python3 "$ROOT/bench/report.py" --state-dir "$STATE" --results "$RESULTS" \
        --markdown "$ROOT/BENCHMARKS.md" --chart "$ROOT/docs/benchmarks/latency-throughput.png"
    phase "done"
}

# Runs wrk on the gateway's /query with a workload's body. wrk's report
# goes to stdout and its JSON summary to .local/bench/wrk-LABEL.json. The
# token travels in BENCH_AUTHORIZATION, as bench/wrk/post.lua expects.
wrk_gateway() {
    local label="$1" workload="$2" connections="$3" seconds="$4"
    BENCH_BODY_FILE="$ROOT/bench/workloads/$workload.json" BENCH_AUTHORIZATION="Bearer $TOKEN" \
        BENCH_RESULT_FILE="$STATE/wrk-$label.json" \
        wrk -t2 -c"$connections" -d"${seconds}s" --timeout=10s --latency -s "$ROOT/bench/wrk/post.lua" \
        "http://127.0.0.1:$GATEWAY_PORT/query"
}

# Profile mode: where the gateway's CPU time goes. callgrind counts
# user-space instructions (perf has no hardware counters on this virtual
# machine) and strace -c counts system calls. Both slow the gateway down,
# so the request rates of these runs mean nothing. Output: .local/bench/.
profile() {
    local workload="${1:-return1}" seconds="${BENCH_PROFILE_SECONDS:-20}" requests
    [[ -f "$ROOT/bench/workloads/$workload.json" ]] ||
        die "unknown workload '$workload'; use return1, two_hop or rows_10k"
    PROFILE=1
    prepare

    phase "callgrind on the HS256 microbenchmark"
    valgrind --tool=callgrind --callgrind-out-file="$STATE/callgrind.jwt.out" "$JWT_BENCH" 0.3 \
        >/dev/null 2>"$STATE/valgrind.jwt.log"
    callgrind_annotate --inclusive=yes "$STATE/callgrind.jwt.out" >"$STATE/callgrind.jwt.txt" 2>&1

    phase "starting Neo4j in .local/bench-neo4j (http $NEO4J_HTTP_PORT, heap $NEO4J_HEAP)"
    start_neo4j

    phase "gateway under callgrind: $seconds s of wrk at 16 connections on $workload"
    # Instrumentation starts after startup and the first token, so the
    # profile contains request handling only.
    GATEWAY_LAUNCHER=(valgrind --tool=callgrind --instr-atstart=no "--callgrind-out-file=$STATE/callgrind.gateway.out")
    start_gateway
    fetch_token
    callgrind_control --instr=on "$GATEWAY_PID" >/dev/null
    wrk_gateway callgrind "$workload" 16 "$seconds" >"$STATE/wrk-callgrind.txt"
    callgrind_control --instr=off "$GATEWAY_PID" >/dev/null
    # callgrind writes its output when the process exits after draining.
    stop_pid "$GATEWAY_PID" "cypher-gateway under callgrind" 120
    GATEWAY_PID=""
    callgrind_annotate "$STATE/callgrind.gateway.out" >"$STATE/callgrind.gateway.self.txt" 2>&1
    callgrind_annotate --inclusive=yes "$STATE/callgrind.gateway.out" >"$STATE/callgrind.gateway.inclusive.txt" 2>&1

    phase "system calls of the gateway (strace -c -f): 10 s of wrk at 16 connections on $workload"
    GATEWAY_LAUNCHER=()
    start_gateway
    fetch_token
    strace -f -c -o "$STATE/strace.txt" -p "$GATEWAY_PID" 2>/dev/null &
    STRACE_PID=$!
    sleep 1
    wrk_gateway strace "$workload" 16 10 >"$STATE/wrk-strace.txt"
    kill -INT "$STRACE_PID" 2>/dev/null || true
    wait "$STRACE_PID" || true
    STRACE_PID=""
    requests="$(jq .requests "$STATE/wrk-strace.json")"

    phase "done; the top of each profile follows (full files in .local/bench/)"
    say "callgrind, gw_jwt_verify in the microbenchmark, inclusive cost (callgrind.jwt.txt):"
    grep -m 25 -E '^ *[0-9,]+ \(' "$STATE/callgrind.jwt.txt" || true
    say "callgrind, gateway under load, self cost over $(jq .requests "$STATE/wrk-callgrind.json") requests (callgrind.gateway.self.txt):"
    grep -m 30 -E '^ *[0-9,]+ \(' "$STATE/callgrind.gateway.self.txt" || true
    say "strace -c over $requests requests; divide the calls by $requests for calls per request (strace.txt):"
    head -n 25 "$STATE/strace.txt"
}

usage() {
    cat <<'EOF'
Usage: bench/run.sh [measure]           run every measurement and regenerate
                                        BENCHMARKS.md (what `make bench` runs)
       bench/run.sh profile [WORKLOAD]  profile the gateway with callgrind and
                                        strace -c under wrk load; WORKLOAD is
                                        return1 (default), two_hop or rows_10k
EOF
}

case "${1:-measure}" in
measure) measure ;;
profile) profile "${2:-}" ;;
-h | --help | help) usage ;;
*)
    usage >&2
    exit 2
    ;;
esac
