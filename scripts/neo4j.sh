#!/usr/bin/env bash
# Run a real Neo4j Community server on loopback for development and tests,
# without a container engine.
#
# The neo4j-community tarball is not on Maven Central, so this script
# resolves the server's jars from Maven Central with a generated pom and
# starts them with the local Java 17+ (org.neo4j.server.CommunityEntryPoint,
# the class that the official `neo4j console` launcher runs).
#
# Usage: scripts/neo4j.sh COMMAND [ARGS]   (run `scripts/neo4j.sh help`)
set -euo pipefail

readonly NEO4J_VERSION="5.26.30"
readonly MAVEN_CENTRAL="https://repo1.maven.org/maven2"
# Pinned so that the fetch does not depend on which plugin version Maven
# would pick by default.
readonly DEPENDENCY_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
# Measured size of the resolved jar set for 5.26.30 (213 jars).
readonly DOWNLOAD_SIZE="~125 MB"
readonly DATABASE="neo4j"

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly REPO_ROOT
readonly CACHE_ROOT="$REPO_ROOT/.cache/neo4j"
readonly JAR_DIR="$CACHE_ROOT/$NEO4J_VERSION"

readonly DEFAULT_HTTP_PORT=7474
readonly DEFAULT_BOLT_PORT=7687
readonly DEFAULT_HEAP=512m
# The JVM starts with a small heap and grows it up to NEO4J_HEAP, so that an
# idle test instance stays small.
readonly INITIAL_HEAP=64m
readonly INITIAL_HEAP_BYTES=$((64 * 1024 * 1024))
# Startup took 20-30 s on an idle 2-core machine and up to 91 s with a load
# average of 10 (scripts/neo4j.sh start, Neo4j 5.26.30, Java 17).
readonly START_TIMEOUT="${NEO4J_START_TIMEOUT:-180}"
readonly STOP_TIMEOUT="${NEO4J_STOP_TIMEOUT:-60}"
# Neo4j's own minimum (dbms.security.auth_minimum_password_length, default 8).
readonly MIN_PASSWORD_LENGTH=8

usage() {
    cat <<EOF
Usage: scripts/neo4j.sh COMMAND [ARGS]

Runs Neo4j Community $NEO4J_VERSION from jars cached in .cache/neo4j/, listening
on 127.0.0.1 only. DIR holds one instance's conf/, data/ and logs/.

Commands:
  fetch             download the server jars from Maven Central once
  start DIR         start an instance in the background and wait until the
                    Query API returns a row for RETURN 1
  stop DIR          stop the instance (SIGTERM, SIGKILL after ${STOP_TIMEOUT} s)
  restart DIR       stop, then start again with the same data
  status DIR        exit 0 if running and responding, 3 if not running,
                    1 if running but not responding (RETURN 1 is checked only
                    when NEO4J_PASSWORD is set)
  load DIR FILE     run a Cypher file through the Query API; statements end
                    with ';' at the end of a line
  count DIR         print the number of nodes in database '$DATABASE'

Environment:
  NEO4J_PASSWORD    password of user 'neo4j' (required by start, restart, load,
                    count; at least $MIN_PASSWORD_LENGTH characters). It becomes the
                    initial password when DIR has no database yet.
  NEO4J_HTTP_PORT   HTTP port (default: the port DIR last used, else $DEFAULT_HTTP_PORT)
  NEO4J_BOLT_PORT   Bolt port (default: the port DIR last used, else $DEFAULT_BOLT_PORT)
  NEO4J_HEAP        maximum Java heap, e.g. 512m or 1g (default: DIR's last
                    value, else $DEFAULT_HEAP)
  NEO4J_START_TIMEOUT, NEO4J_STOP_TIMEOUT
                    seconds to wait for start and stop (default 180 and 60)
EOF
}

log() {
    printf 'neo4j: %s\n' "$*" >&2
}

die() {
    printf 'neo4j: error: %s\n' "$*" >&2
    exit 1
}

# ---------------------------------------------------------------- fetch --

require_tool() {
    command -v "$1" >/dev/null 2>&1 || die "'$1' not found on PATH; install it ($2)"
}

jars_present() {
    [[ -f "$JAR_DIR/neo4j-$NEO4J_VERSION.jar" && -f "$JAR_DIR/neo4j-server-$NEO4J_VERSION.jar" ]]
}

write_pom() {
    # org.neo4j:neo4j contains the kernel, Cypher and CommunityEntryPoint.
    # org.neo4j.app:neo4j-server adds the HTTP connector and the Query API.
    # Declaring the repository with id "central" replaces Maven's default
    # address, so that only repo1.maven.org is contacted.
    cat >"$1" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.cypher-gateway</groupId>
  <artifactId>neo4j-community-server-jars</artifactId>
  <version>$NEO4J_VERSION</version>
  <packaging>pom</packaging>
  <repositories>
    <repository><id>central</id><url>$MAVEN_CENTRAL</url></repository>
  </repositories>
  <pluginRepositories>
    <pluginRepository><id>central</id><url>$MAVEN_CENTRAL</url></pluginRepository>
  </pluginRepositories>
  <dependencies>
    <dependency>
      <groupId>org.neo4j</groupId>
      <artifactId>neo4j</artifactId>
      <version>$NEO4J_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.neo4j.app</groupId>
      <artifactId>neo4j-server</artifactId>
      <version>$NEO4J_VERSION</version>
    </dependency>
  </dependencies>
</project>
EOF
}

fetch_jars() {
    jars_present && return 0

    require_tool mvn "Debian package 'maven'"
    mkdir -p "$CACHE_ROOT"

    # Two callers (say, two test jobs) may fetch at once. The lock makes the
    # second one wait and then find the finished directory.
    local lock_fd
    exec {lock_fd}>"$CACHE_ROOT/.fetch.lock"
    flock -w 900 "$lock_fd" || die "timed out after 900 s waiting for $CACHE_ROOT/.fetch.lock; check for a stuck 'scripts/neo4j.sh fetch'"
    if jars_present; then
        exec {lock_fd}>&-
        return 0
    fi

    # A fetch that was killed leaves its temporary directory behind. Holding
    # the lock means no other fetch is using one (a killed fetch's Maven
    # process inherits the lock and keeps it until it ends).
    rm -rf "$CACHE_ROOT"/.fetch-*

    log "downloading Neo4j Community $NEO4J_VERSION server jars from Maven Central (once, $DOWNLOAD_SIZE)..."

    # Everything goes to a temporary directory next to the final one and is
    # renamed into place only when complete, so an interrupted fetch never
    # leaves a half-filled cache behind. The private local repository keeps a
    # second copy of the jars out of ~/.m2 and is deleted afterwards.
    local tmp
    tmp="$(mktemp -d "$CACHE_ROOT/.fetch-$NEO4J_VERSION.XXXXXX")"
    # shellcheck disable=SC2064  # expand $tmp now: it is local to this function
    trap "rm -rf '$tmp'" EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    write_pom "$tmp/pom.xml"
    mkdir "$tmp/jars"
    if ! mvn -B -q -f "$tmp/pom.xml" \
        -Dmaven.repo.local="$tmp/m2" \
        "$DEPENDENCY_PLUGIN:copy-dependencies" \
        -DincludeScope=runtime \
        -DoutputDirectory="$tmp/jars" >"$tmp/mvn.log" 2>&1; then
        tail -n 30 "$tmp/mvn.log" >&2
        die "Maven could not resolve the Neo4j $NEO4J_VERSION jars from $MAVEN_CENTRAL (output above); check that Maven Central is reachable and rerun 'scripts/neo4j.sh fetch'"
    fi
    if [[ ! -f "$tmp/jars/neo4j-$NEO4J_VERSION.jar" || ! -f "$tmp/jars/neo4j-server-$NEO4J_VERSION.jar" ]]; then
        die "the resolved jar set in $tmp/jars lacks neo4j-$NEO4J_VERSION.jar or neo4j-server-$NEO4J_VERSION.jar; rerun 'scripts/neo4j.sh fetch'"
    fi
    cp "$tmp/pom.xml" "$tmp/jars/pom.xml"

    rm -rf "$JAR_DIR"
    mv -T "$tmp/jars" "$JAR_DIR"
    rm -rf "$tmp"
    trap - EXIT INT TERM
    exec {lock_fd}>&-

    local count size
    count="$(find "$JAR_DIR" -name '*.jar' | wc -l)"
    size="$(du -sh "$JAR_DIR" | cut -f1)"
    log "cached $count jars ($size) in $JAR_DIR"
}

# ------------------------------------------------------------- instance --

require_password() {
    [[ -n "${NEO4J_PASSWORD:-}" ]] ||
        die "NEO4J_PASSWORD is not set; export the password of user 'neo4j' (at least $MIN_PASSWORD_LENGTH characters)"
    ((${#NEO4J_PASSWORD} >= MIN_PASSWORD_LENGTH)) ||
        die "NEO4J_PASSWORD has ${#NEO4J_PASSWORD} characters; Neo4j requires at least $MIN_PASSWORD_LENGTH"
}

# Prints DIR as an absolute path; DIR need not exist yet.
absolute_dir() {
    [[ -n "$1" ]] || die "missing DIR argument; run 'scripts/neo4j.sh help'"
    realpath -m -- "$1"
}

# Prints DIR as an absolute path after checking that it exists.
existing_instance_dir() {
    local dir
    dir="$(absolute_dir "$1")"
    [[ -d "$dir" ]] || die "instance directory '$1' not found; start an instance there first with 'scripts/neo4j.sh start $1'"
    printf '%s\n' "$dir"
}

# Prints the value of a setting in DIR/conf/neo4j.conf, or nothing.
conf_value() {
    local conf="$1/conf/neo4j.conf" key="$2"
    [[ -f "$conf" ]] || return 0
    sed -n "s/^${key//./\\.}=//p" "$conf" | tail -n 1
}

http_port_of() {
    local address
    address="$(conf_value "$1" server.http.listen_address)"
    [[ -n "$address" ]] || die "no HTTP port recorded in $1/conf/neo4j.conf; start the instance with 'scripts/neo4j.sh start $1'"
    printf '%s\n' "${address##*:}"
}

validate_port() {
    local name="$1" value="$2"
    if [[ ! "$value" =~ ^[0-9]+$ ]] || ((value < 1 || value > 65535)); then
        die "$name='$value' is not a TCP port; use a number from 1 to 65535"
    fi
}

# Prints the pid of the server running for DIR, or returns 1. A pid file
# whose process is gone or is some other program (pid reuse) does not count.
running_pid() {
    local dir="$1" pid
    [[ -f "$dir/neo4j.pid" ]] || return 1
    pid="$(<"$dir/neo4j.pid")"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    [[ -r "/proc/$pid/cmdline" ]] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "--home-dir=$dir " || return 1
    printf '%s\n' "$pid"
}

# Serialises start and stop on one DIR, so that two concurrent starts do not
# launch two servers on the same store. The lock is held until this script
# exits. flock(1) treats a second descriptor of the same file as another
# owner, so `restart` must not lock twice.
INSTANCE_LOCK_FD=""
lock_instance() {
    [[ -z "$INSTANCE_LOCK_FD" ]] || return 0
    exec {INSTANCE_LOCK_FD}>"$1/.neo4j.sh.lock"
    flock -w $((START_TIMEOUT + STOP_TIMEOUT + 30)) "$INSTANCE_LOCK_FD" ||
        die "timed out waiting for $1/.neo4j.sh.lock; another scripts/neo4j.sh command is working on '$1'"
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

write_conf() {
    local dir="$1" http_port="$2" bolt_port="$3" heap="$4"
    cat >"$dir/conf/neo4j.conf" <<EOF
# Written by scripts/neo4j.sh on every start; edits here are overwritten.
server.default_listen_address=127.0.0.1
server.default_advertised_address=127.0.0.1

server.http.enabled=true
server.http.listen_address=127.0.0.1:$http_port
server.http.advertised_address=127.0.0.1:$http_port
server.https.enabled=false
# The jar set has no Neo4j Browser, so BROWSER is left out.
server.http_enabled_modules=TRANSACTIONAL_ENDPOINTS,UNMANAGED_EXTENSIONS,QUERY_API_ENDPOINTS

server.bolt.enabled=true
server.bolt.listen_address=127.0.0.1:$bolt_port
server.bolt.advertised_address=127.0.0.1:$bolt_port
server.bolt.tls_level=DISABLED

# The heap is set on the java command line; this line records the value so
# that a restart without NEO4J_HEAP keeps it.
server.memory.heap.max_size=$heap
server.memory.pagecache.size=128m

# Without these, each database preallocates a 256 MiB transaction log.
db.tx_log.preallocate=false
db.tx_log.rotation.size=16m

# Neo4j 5.26.30 waits 5 s for each of these on shutdown even with no client
# connected, so by default every stop took about 12 s.
internal.server.bolt.connection_shutdown_wait_time=1s
internal.server.bolt.thread_pool_shutdown_wait_time=1s

dbms.usage_report.enabled=false
EOF
}

java_command() {
    if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
        printf '%s\n' "$JAVA_HOME/bin/java"
    else
        require_tool java "Debian package 'openjdk-17-jre-headless'"
        command -v java
    fi
}

check_java_version() {
    local java="$1" version major
    version="$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')"
    major="${version%%.*}"
    if [[ ! "$major" =~ ^[0-9]+$ ]] || ((major < 17)); then
        die "$java is Java '${version:-unknown}'; Neo4j $NEO4J_VERSION needs Java 17 or 21 (set JAVA_HOME or put java 17 on PATH)"
    fi
}

set_initial_password() {
    local dir="$1" java="$2" output
    # neo4j-admin's set-initial-password command, run in-process: it writes
    # data/dbms/auth.ini, which Neo4j reads only when it creates the system
    # database on first start.
    # NOTE: the password is on the java command line for the ~3 s this runs,
    # so other local users can see it in the process list.
    if ! output="$(NEO4J_HOME="$dir" NEO4J_CONF="$dir/conf" \
        "$java" -cp "$JAR_DIR/*" org.neo4j.cli.AdminTool \
        dbms set-initial-password "$NEO4J_PASSWORD" 2>&1)"; then
        printf '%s\n' "$output" >&2
        die "setting the initial password in $dir/data/dbms/auth.ini failed (output above)"
    fi
}

print_log_tail() {
    local dir="$1" file
    for file in "$dir/logs/neo4j.out" "$dir/logs/neo4j.log"; do
        [[ -s "$file" ]] || continue
        printf -- '--- last lines of %s ---\n' "$file" >&2
        tail -n 25 "$file" >&2
    done
}

# Writes a curl config with the basic-auth credentials, so the password
# does not appear on curl's command line.
curl_auth_config() {
    local credentials="neo4j:$NEO4J_PASSWORD"
    credentials="${credentials//\\/\\\\}"
    credentials="${credentials//\"/\\\"}"
    printf 'user = "%s"\n' "$credentials"
}

# Sends one Query API request with the JSON body read from stdin, writes the
# response body to the file $3 and prints the HTTP status (000 when no
# response arrived).
query_api() {
    local http_port="$1" max_time="$2" body_file="$3"
    curl --silent --noproxy '*' --max-time "$max_time" \
        --config <(curl_auth_config) \
        --header 'Content-Type: application/json' \
        --header 'Accept: application/json' \
        --data-binary @- \
        --output "$body_file" --write-out '%{http_code}' \
        "http://127.0.0.1:$http_port/db/$DATABASE/query/v2" || true
}

# Runs one statement and prints the response body. Returns 0 on status 202
# without an "errors" member, else 1 (Neo4j reports an error raised after
# the first rows as 202 with both "data" and "errors").
run_statement() {
    local http_port="$1" statement="$2" max_time="${3:-300}" body_file status
    body_file="$(mktemp)"
    status="$(jq -n --arg statement "$statement" '{statement: $statement, includeCounters: true}' |
        query_api "$http_port" "$max_time" "$body_file")"
    cat "$body_file"
    if [[ "$status" != 202 ]] || jq -e 'has("errors")' "$body_file" >/dev/null 2>&1; then
        [[ -s "$body_file" ]] || printf '{"errors":[{"message":"HTTP status %s with an empty body"}]}' "$status"
        rm -f "$body_file"
        return 1
    fi
    rm -f "$body_file"
}

# Prints the HTTP status of a RETURN 1 request (000 when no response arrived).
probe_status() {
    local body_file status
    body_file="$(mktemp)"
    status="$(printf '{"statement":"RETURN 1"}' | query_api "$1" 2 "$body_file")"
    rm -f "$body_file"
    printf '%s\n' "$status"
}

wait_until_ready() {
    local dir="$1" pid="$2" http_port="$3" started="$4" status
    while :; do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$dir/neo4j.pid"
            print_log_tail "$dir"
            die "Neo4j (pid $pid) exited during startup; see $dir/logs/ (last lines above)"
        fi
        status="$(probe_status "$http_port")"
        case "$status" in
        202)
            return 0
            ;;
        401)
            stop_pid "$dir" "$pid"
            die "Neo4j in '$dir' rejected NEO4J_PASSWORD (HTTP 401). The password was set when the database was created; use that one, or delete '$dir/data' to start over"
            ;;
        esac
        if ((SECONDS - started >= START_TIMEOUT)); then
            print_log_tail "$dir"
            stop_pid "$dir" "$pid"
            die "Neo4j in '$dir' timed out: RETURN 1 on 127.0.0.1:$http_port got no 202 response within $START_TIMEOUT s (last HTTP status $status); see the log lines above, or raise NEO4J_START_TIMEOUT"
        fi
        sleep 0.5
    done
}

# Prints a heap size such as 512m in bytes, and fails if it is below the
# initial heap that start_instance passes to the JVM.
heap_bytes() {
    local number="${1%?}" unit="${1: -1}" bytes
    case "$unit" in
    k | K) bytes=$((number * 1024)) ;;
    m | M) bytes=$((number * 1024 * 1024)) ;;
    g | G) bytes=$((number * 1024 * 1024 * 1024)) ;;
    esac
    if ((bytes < INITIAL_HEAP_BYTES)); then
        die "NEO4J_HEAP='$1' is below the initial heap of $INITIAL_HEAP; use at least $INITIAL_HEAP (512m suits the movies graph)"
    fi
    printf '%s\n' "$bytes"
}

start_instance() {
    local dir http_port bolt_port heap java pid started
    dir="$(absolute_dir "${1:-}")"
    require_password

    http_port="$(conf_value "$dir" server.http.listen_address)"
    http_port="${NEO4J_HTTP_PORT:-${http_port##*:}}"
    http_port="${http_port:-$DEFAULT_HTTP_PORT}"
    bolt_port="$(conf_value "$dir" server.bolt.listen_address)"
    bolt_port="${NEO4J_BOLT_PORT:-${bolt_port##*:}}"
    bolt_port="${bolt_port:-$DEFAULT_BOLT_PORT}"
    heap="${NEO4J_HEAP:-$(conf_value "$dir" server.memory.heap.max_size)}"
    heap="${heap:-$DEFAULT_HEAP}"
    validate_port NEO4J_HTTP_PORT "$http_port"
    validate_port NEO4J_BOLT_PORT "$bolt_port"
    [[ "$http_port" != "$bolt_port" ]] ||
        die "NEO4J_HTTP_PORT and NEO4J_BOLT_PORT are both $http_port; give them different values"
    [[ "$heap" =~ ^[0-9]+[kKmMgG]$ ]] ||
        die "NEO4J_HEAP='$heap' is not a heap size; use a number with k, m or g, e.g. 512m"
    heap_bytes "$heap" >/dev/null

    mkdir -p "$dir/conf" "$dir/logs" || die "could not create instance directory '$dir'"
    lock_instance "$dir"
    if pid="$(running_pid "$dir")"; then
        log "already running in $dir (pid $pid, http 127.0.0.1:$(http_port_of "$dir"))"
        return 0
    fi
    rm -f "$dir/neo4j.pid"

    local port
    for port in "$http_port" "$bolt_port"; do
        port_in_use "$port" &&
            die "port 127.0.0.1:$port is already in use by another process; choose free ports with NEO4J_HTTP_PORT and NEO4J_BOLT_PORT"
    done

    fetch_jars
    java="$(java_command)"
    check_java_version "$java"
    write_conf "$dir" "$http_port" "$bolt_port" "$heap"

    if [[ ! -d "$dir/data/databases/system" ]]; then
        set_initial_password "$dir" "$java"
        log "set the initial password of user 'neo4j' for the new database in $dir"
    fi

    started=$SECONDS
    {
        printf '=== %s: starting Neo4j %s (http %s, bolt %s, heap %s)\n' \
            "$(date -u +%FT%TZ)" "$NEO4J_VERSION" "$http_port" "$bolt_port" "$heap"
    } >>"$dir/logs/neo4j.out"
    # setsid detaches the server from this shell's session, so it survives
    # the caller's terminal closing and a Ctrl-C aimed at the caller. Most
    # JVM options match what the Neo4j 5 launcher passes. Without the
    # --add-opens flags, the page cache logs that it falls back to a slower
    # mode because it cannot reach java.nio.DirectByteBuffer.
    (
        # The server must not inherit the lock, or it would hold it while it runs.
        exec {INSTANCE_LOCK_FD}>&-
        cd "$dir"
        exec setsid nohup "$java" \
            "-Xms$INITIAL_HEAP" "-Xmx$heap" \
            -XX:+UseG1GC -XX:-OmitStackTraceInFastThrow -XX:+DisableExplicitGC \
            -XX:+ExitOnOutOfMemoryError \
            -Djdk.nio.maxCachedBufferSize=1024 \
            -Dio.netty.tryReflectionSetAccessible=true \
            -Dlog4j2.disable.jmx=true -Dfile.encoding=UTF-8 \
            --add-opens=java.base/java.nio=ALL-UNNAMED \
            --add-opens=java.base/java.io=ALL-UNNAMED \
            --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
            -cp "$JAR_DIR/*" org.neo4j.server.CommunityEntryPoint \
            "--home-dir=$dir" "--config-dir=$dir/conf"
    ) >>"$dir/logs/neo4j.out" 2>&1 </dev/null &
    pid=$!
    printf '%s\n' "$pid" >"$dir/neo4j.pid"

    wait_until_ready "$dir" "$pid" "$http_port" "$started"
    log "started in $dir (pid $pid, http 127.0.0.1:$http_port, bolt 127.0.0.1:$bolt_port) after $((SECONDS - started)) s"
}

stop_pid() {
    local dir="$1" pid="$2" waited=0
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && ((waited < STOP_TIMEOUT * 5)); do
        sleep 0.2
        waited=$((waited + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "pid $pid still running ${STOP_TIMEOUT} s after SIGTERM; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    fi
    rm -f "$dir/neo4j.pid"
}

stop_instance() {
    local dir pid
    dir="$(existing_instance_dir "${1:-}")"
    lock_instance "$dir"
    if ! pid="$(running_pid "$dir")"; then
        rm -f "$dir/neo4j.pid"
        log "not running in $dir"
        return 0
    fi
    stop_pid "$dir" "$pid"
    log "stopped in $dir (pid $pid)"
}

status_instance() {
    local dir pid http_port status
    dir="$(existing_instance_dir "${1:-}")"
    if ! pid="$(running_pid "$dir")"; then
        log "not running in $dir"
        return 3
    fi
    http_port="$(http_port_of "$dir")"
    if [[ -z "${NEO4J_PASSWORD:-}" ]]; then
        # Without the password, a 401 from the Query API still shows that
        # the server accepts requests.
        status="$(printf '{}' | curl --silent --noproxy '*' --max-time 5 --output /dev/null \
            --write-out '%{http_code}' --header 'Content-Type: application/json' --data-binary @- \
            "http://127.0.0.1:$http_port/db/$DATABASE/query/v2" || true)"
        [[ "$status" == 401 ]] || {
            log "running in $dir (pid $pid) but 127.0.0.1:$http_port does not respond (HTTP ${status:-000})"
            return 1
        }
        log "running in $dir (pid $pid, http 127.0.0.1:$http_port); set NEO4J_PASSWORD to also check RETURN 1"
        return 0
    fi
    status="$(probe_status "$http_port")"
    if [[ "$status" != 202 ]]; then
        if [[ "$status" == 401 ]]; then
            log "running in $dir (pid $pid) but it rejected NEO4J_PASSWORD (HTTP 401)"
        else
            log "running in $dir (pid $pid) but RETURN 1 on 127.0.0.1:$http_port got HTTP $status"
        fi
        return 1
    fi
    log "running in $dir (pid $pid, http 127.0.0.1:$http_port)"
}

# Prints the number of nodes to stdout.
count_nodes() {
    local dir http_port body
    dir="$(existing_instance_dir "${1:-}")"
    require_password
    running_pid "$dir" >/dev/null || die "Neo4j is not running in '$dir'; start it with 'scripts/neo4j.sh start $dir'"
    http_port="$(http_port_of "$dir")"
    body="$(run_statement "$http_port" 'MATCH (n) RETURN count(n) AS nodes' 60)" ||
        die "counting nodes in '$dir' failed: $body"
    jq -r '.data.values[0][0]' <<<"$body"
}

# Splits FILE into statements and runs them one by one, each in its own
# implicit transaction, stopping at the first failure. A statement ends with
# ';' as the last non-blank character of a line, and the last may have none.
load_file() {
    local dir file
    dir="$(existing_instance_dir "${1:-}")"
    file="${2:-}"
    [[ -n "$file" ]] || die "missing FILE argument; usage: scripts/neo4j.sh load DIR FILE"
    [[ -f "$file" && -r "$file" ]] || die "Cypher file '$file' not found or not readable"
    require_password
    running_pid "$dir" >/dev/null || die "Neo4j is not running in '$dir'; start it with 'scripts/neo4j.sh start $dir'"
    LOAD_HTTP_PORT="$(http_port_of "$dir")"
    LOAD_FILE="$file"
    LOAD_STATEMENTS=0
    LOAD_NODES=0
    LOAD_RELATIONSHIPS=0

    local statement="" start_line=0 line_number=0 line
    while IFS= read -r line || [[ -n "$line" ]]; do
        line_number=$((line_number + 1))
        line="${line%$'\r'}"
        if ((start_line == 0)) && statement_has_code "$line"; then
            start_line=$line_number
        fi
        if [[ "$line" =~ ^(.*)\;[[:space:]]*$ ]]; then
            statement+="${BASH_REMATCH[1]}"
            load_statement "$statement" "$start_line"
            statement=""
            start_line=0
        else
            statement+="$line"$'\n'
        fi
    done <"$file"
    load_statement "$statement" "$start_line"

    log "ran $LOAD_STATEMENTS statements from $file ($LOAD_NODES nodes and $LOAD_RELATIONSHIPS relationships created)"
}

# Runs one statement of load_file and adds its counters to the totals.
# Text with nothing but blank lines and comments is skipped.
load_statement() {
    local statement="$1" start_line="$2" body
    statement_has_code "$statement" || return 0
    if ! body="$(run_statement "$LOAD_HTTP_PORT" "$statement")"; then
        die "statement at $LOAD_FILE:$start_line failed after $LOAD_STATEMENTS statements succeeded: $(jq -c '.errors // .' <<<"$body" 2>/dev/null || printf '%s' "$body")"
    fi
    LOAD_STATEMENTS=$((LOAD_STATEMENTS + 1))
    LOAD_NODES=$((LOAD_NODES + $(jq '.counters.nodesCreated // 0' <<<"$body")))
    LOAD_RELATIONSHIPS=$((LOAD_RELATIONSHIPS + $(jq '.counters.relationshipsCreated // 0' <<<"$body")))
}

# Returns 0 if the text contains more than blank lines and // comments.
statement_has_code() {
    grep -qvE '^[[:space:]]*(//.*)?$' <<<"$1"
}

main() {
    local command="${1:-}"
    (($# > 0)) && shift
    case "$command" in
    fetch) fetch_jars ;;
    start) start_instance "$@" ;;
    stop) stop_instance "$@" ;;
    restart)
        stop_instance "$@"
        start_instance "$@"
        ;;
    status) status_instance "$@" ;;
    load) load_file "$@" ;;
    count) count_nodes "$@" ;;
    help | -h | --help) usage ;;
    "")
        usage >&2
        exit 2
        ;;
    *)
        printf "neo4j: error: unknown command '%s'; run 'scripts/neo4j.sh help' for the list\n" "$command" >&2
        exit 2
        ;;
    esac
}

main "$@"
