#!/usr/bin/env bash
# Check the runtime image without a container engine.
#
# Builds the filesystem that the Dockerfile's runtime stage produces: Debian
# bookworm minbase plus docker/runtime-packages.txt. Installs
# build/cypher-gateway and the container config the same way and proves with
# ldd that every shared library resolves. Then starts the daemon inside a
# read-only chroot as uid 10001 on 127.0.0.1:18080 and runs tests/smoke.sh
# against it. `make image-check` calls this script.
#
# Usage: scripts/image-check.sh [--binary FILE] [--config FILE] [--no-run]
#   --binary FILE  executable to install as /usr/local/bin/cypher-gateway
#                  (default: build/cypher-gateway)
#   --config FILE  config to install as /etc/cypher-gateway/gateway.yaml
#                  (default: config/gateway.container.yaml)
#   --no-run       stop after the ldd check: no config, daemon or smoke test
#
# Environment:
#   IMAGE_CHECK_PORT  loopback port for the daemon (default: 18080)
#   DEBIAN_MIRROR     Debian mirror (default: http://deb.debian.org/debian)
#
# Needs root (debootstrap, chroot, mount) and the files that `make run`
# writes: .local/gateway.env and .local/demo.env. Neo4j must be running.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"

binary=build/cypher-gateway
config=config/gateway.container.yaml
run_daemon=1
port=${IMAGE_CHECK_PORT:-18080}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=bookworm
package_list=docker/runtime-packages.txt
cache_dir=.cache/image-rootfs

# The uid and gid that the Dockerfile's USER line and the ECS task use.
runtime_uid=10001
runtime_user=gateway

# Bump when the way the base rootfs is built changes, so old caches rebuild.
rootfs_format=1

log() { printf 'image-check: %s\n' "$*" >&2; }
fail() {
    printf 'image-check: FAILED: %s\n' "$*" >&2
    exit 1
}

while [ $# -gt 0 ]; do
    case "$1" in
    --binary)
        binary=${2:?--binary needs a file}
        shift 2
        ;;
    --config)
        config=${2:?--config needs a file}
        shift 2
        ;;
    --no-run)
        run_daemon=0
        shift
        ;;
    -h | --help)
        sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
        exit 0
        ;;
    *) fail "unknown argument '$1' (see --help)" ;;
    esac
done

[ "$(id -u)" -eq 0 ] || fail "needs root for debootstrap, chroot and mount; run it as root (sudo make image-check)"
[ -f "$package_list" ] || fail "package list $package_list not found"
[ -x "$binary" ] || fail "binary $binary not found or not executable; run 'make' first"
if [ "$run_daemon" -eq 1 ]; then
    [ -f "$config" ] || fail "config $config not found"
fi

# Package names, parsed exactly as the Dockerfile does: strip comments, split on whitespace.
mapfile -t packages < <(sed -e 's/#.*//' "$package_list" | xargs -n1)
[ "${#packages[@]}" -gt 0 ] || fail "$package_list lists no packages"

if ! command -v debootstrap >/dev/null 2>&1; then
    log "installing debootstrap from Debian's packages"
    apt-get install -y debootstrap >/dev/null || fail "apt-get install debootstrap failed; run 'apt-get update' and retry"
fi

# ---------------------------------------------------------------------------
# Base rootfs, cached per package list.
# ---------------------------------------------------------------------------

# The cache key covers everything that changes the base rootfs content.
cache_key=$(
    {
        echo "format=$rootfs_format suite=$suite mirror=$mirror"
        printf '%s\n' "${packages[@]}"
    } | sha256sum | cut -c1-16
)
base_rootfs=$cache_dir/base-$cache_key
run_rootfs=$cache_dir/run

# Mount points that cleanup() releases, innermost first.
mounts=()
daemon_pid=

cleanup() {
    local status=$?
    if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
        log "stopping daemon (pid $daemon_pid) during cleanup"
        kill -KILL "$daemon_pid" 2>/dev/null || true
        wait "$daemon_pid" 2>/dev/null || true
    fi
    local i
    for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
        if mountpoint -q "${mounts[$i]}"; then
            umount "${mounts[$i]}" || umount -l "${mounts[$i]}" || log "could not unmount ${mounts[$i]}"
        fi
    done
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mount_proc() {
    mkdir -p "$1/proc"
    mount -t proc proc "$1/proc"
    mounts+=("$1/proc")
}

build_base_rootfs() {
    local target=$cache_dir/build-$cache_key.tmp
    local build_log=$cache_dir/build-$cache_key.log

    rm -rf "$target"
    mkdir -p "$target"
    log "building base rootfs with debootstrap ($suite, minbase) into $target; log: $build_log"
    if ! debootstrap --variant=minbase "$suite" "$target" "$mirror" >"$build_log" 2>&1; then
        tail -n 30 "$build_log" >&2
        fail "debootstrap failed; see $build_log"
    fi

    # The same apt sources as the debian:bookworm-slim image, security updates included.
    rm -f "$target/etc/apt/sources.list"
    cat >"$target/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/debian}/debian-security
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    cp /etc/resolv.conf "$target/etc/resolv.conf"

    log "installing runtime packages: ${packages[*]}"
    mount_proc "$target"
    if ! chroot "$target" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
        sh -c 'apt-get update && apt-get upgrade -y && apt-get install -y --no-install-recommends "$@" && apt-get clean' \
        sh "${packages[@]}" >>"$build_log" 2>&1; then
        umount "$target/proc"
        tail -n 30 "$build_log" >&2
        fail "apt-get install in the rootfs failed; check the names in $package_list (log: $build_log)"
    fi
    umount "$target/proc"
    mounts=()

    # Same trimming as the Dockerfile, and no host resolver config left behind.
    rm -rf "$target"/var/lib/apt/lists/*
    rm -f "$target/etc/resolv.conf"

    # Only one base is kept: older package lists are not needed again.
    rm -rf "$cache_dir"/base-*
    mv "$target" "$base_rootfs"
    log "base rootfs ready: $base_rootfs ($(du -sh "$base_rootfs" | cut -f1))"
}

mkdir -p "$cache_dir"
if [ -d "$base_rootfs" ]; then
    log "reusing cached base rootfs $base_rootfs (package list unchanged)"
else
    build_base_rootfs
fi

# ---------------------------------------------------------------------------
# Per-run copy, laid out like the Dockerfile's runtime stage.
# ---------------------------------------------------------------------------

rm -rf "$run_rootfs"
cp -a "$base_rootfs" "$run_rootfs"

chroot "$run_rootfs" groupadd --gid "$runtime_uid" "$runtime_user"
chroot "$run_rootfs" useradd --uid "$runtime_uid" --gid "$runtime_uid" \
    --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$runtime_user"
install -m 0755 "$binary" "$run_rootfs/usr/local/bin/cypher-gateway"
if [ "$run_daemon" -eq 1 ]; then
    install -D -m 0644 "$config" "$run_rootfs/etc/cypher-gateway/gateway.yaml"
fi

# A container engine writes /etc/hosts at run time; a chroot needs its own.
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$run_rootfs/etc/hosts"

# ---------------------------------------------------------------------------
# Every shared library resolves inside the image.
# ---------------------------------------------------------------------------

log "ldd /usr/local/bin/cypher-gateway inside the rootfs:"
ldd_output=$(chroot "$run_rootfs" /usr/bin/ldd /usr/local/bin/cypher-gateway 2>&1) ||
    fail "ldd failed inside the rootfs: $ldd_output"
printf '%s\n' "$ldd_output" | sed 's/^/    /' >&2
if printf '%s\n' "$ldd_output" | grep -q 'not found'; then
    printf '%s\n' "$ldd_output" | grep 'not found' >&2
    fail "shared libraries missing from the runtime image; add their packages to $package_list"
fi
log "ldd: all shared libraries resolve"

if [ "$run_daemon" -eq 0 ]; then
    log "PASSED (rootfs and ldd only, --no-run)"
    exit 0
fi

# ---------------------------------------------------------------------------
# Start the daemon in a read-only chroot as the non-root user.
# ---------------------------------------------------------------------------

[ -f .local/gateway.env ] || fail ".local/gateway.env not found; run 'make run' first to start Neo4j and write it"
[ -f .local/demo.env ] || fail ".local/demo.env not found; run 'make run' first"

# The daemon gets the container config unchanged and an environment built
# from .local/gateway.env (written by `make run` for config/gateway.yaml):
#   - GATEWAY_ADDRESS/GATEWAY_PORT move it to 127.0.0.1:$port, so the check
#     never clashes with the gateway of `make run` on 8080;
#   - the container config has one client, CLIENT_ID with the env:
#     reference CLIENT_SECRET_HASH, filled from the demo client;
#   - NEO4J_* and JWT_SIGNING_KEY fall back to .local/demo.env.
# AWS_* and ECS_* are dropped so that an ssm: secret reference fails at
# startup instead of reaching AWS.
daemon_env=(PATH=/usr/local/bin:/usr/bin:/bin HOME=/nonexistent)
while IFS= read -r -d '' assignment; do
    case "$assignment" in
    AWS_* | ECS_*) log "not passing ${assignment%%=*} to the daemon" ;;
    *) daemon_env+=("$assignment") ;;
    esac
done < <(
    # shellcheck disable=SC2016 # expanded by the inner bash, not here
    env -i port="$port" bash -c '
        demo_value() { (. .local/demo.env && printf "%s" "${!1:-}"); }
        set -a
        . .local/gateway.env
        set +a
        [ -n "${NEO4J_URL:-}" ] || export NEO4J_URL="$(demo_value NEO4J_HTTP_URL)"
        for name in NEO4J_USER NEO4J_PASSWORD JWT_SIGNING_KEY; do
            [ -n "${!name:-}" ] || declare -x "$name=$(demo_value "$name")"
        done
        export CLIENT_ID="${CLIENT_ID:-${DEMO_CLIENT_ID:-$(demo_value CLIENT_ID)}}"
        export CLIENT_SECRET_HASH="${CLIENT_SECRET_HASH:-${DEMO_CLIENT_SECRET_HASH:-}}"
        export GATEWAY_ADDRESS=127.0.0.1 GATEWAY_PORT="$port"
        unset port name PWD OLDPWD SHLVL _
        env -0
    '
)

# The rootfs becomes read-only through a read-only bind mount of itself, as
# readonlyRootFilesystem does on ECS. /proc and /dev are mounted on top.
mount --bind "$run_rootfs" "$run_rootfs"
mounts+=("$run_rootfs")
mount -o remount,bind,ro "$run_rootfs"
mount_proc "$run_rootfs"
if [ ! -c "$run_rootfs/dev/null" ] || [ ! -c "$run_rootfs/dev/urandom" ]; then
    mount -t devtmpfs devtmpfs "$run_rootfs/dev" 2>/dev/null || mount --bind /dev "$run_rootfs/dev"
    mounts+=("$run_rootfs/dev")
fi
if touch "$run_rootfs/etc/.image-check-write" 2>/dev/null; then
    rm -f "$run_rootfs/etc/.image-check-write"
    fail "the rootfs is still writable after the read-only bind mount"
fi

daemon_stdout=$cache_dir/daemon.stdout
daemon_stderr=$cache_dir/daemon.stderr
base_url=http://127.0.0.1:$port

if curl -s -o /dev/null --max-time 2 "$base_url/health"; then
    fail "something already listens on 127.0.0.1:$port; stop it or set IMAGE_CHECK_PORT"
fi

log "cypher-gateway --check-config inside the rootfs"
if ! env -i "${daemon_env[@]}" "$(command -v chroot)" --userspec="$runtime_uid:$runtime_uid" "$run_rootfs" \
    /usr/local/bin/cypher-gateway --config /etc/cypher-gateway/gateway.yaml --check-config; then
    fail "the container config does not load with the environment of .local/gateway.env"
fi

log "starting daemon in the chroot as uid $runtime_uid on $base_url"
env -i "${daemon_env[@]}" "$(command -v chroot)" --userspec="$runtime_uid:$runtime_uid" "$run_rootfs" \
    /usr/local/bin/cypher-gateway --config /etc/cypher-gateway/gateway.yaml \
    >"$daemon_stdout" 2>"$daemon_stderr" &
daemon_pid=$!

show_daemon_output() {
    log "daemon stdout (last 20 lines):"
    tail -n 20 "$daemon_stdout" | sed 's/^/    /' >&2
    log "daemon stderr (last 20 lines):"
    tail -n 20 "$daemon_stderr" | sed 's/^/    /' >&2
}

# /health does no I/O, so it responds as soon as the listener is up.
started=0
for _ in $(seq 1 100); do
    if ! kill -0 "$daemon_pid" 2>/dev/null; then
        wait "$daemon_pid" && status=0 || status=$?
        daemon_pid=
        show_daemon_output
        fail "daemon exited during startup with status $status"
    fi
    if curl -s -o /dev/null --max-time 1 "$base_url/health"; then
        started=1
        break
    fi
    sleep 0.2
done
if [ "$started" -ne 1 ]; then
    show_daemon_output
    fail "daemon did not answer GET $base_url/health within 20 s"
fi
log "daemon is up (pid $daemon_pid)"

# The container HEALTHCHECK runs this command, so it has to work in the image.
if ! chroot --userspec="$runtime_uid:$runtime_uid" "$run_rootfs" \
    /usr/local/bin/cypher-gateway --healthcheck "$base_url/health"; then
    show_daemon_output
    fail "'cypher-gateway --healthcheck $base_url/health' exited non-zero inside the rootfs"
fi
log "--healthcheck inside the rootfs: ok"

log "running tests/smoke.sh $base_url"
smoke_status=0
(
    set -a
    # shellcheck source=/dev/null
    . .local/demo.env
    set +a
    export GATEWAY_URL=$base_url
    # The Neo4j of `make run` contains the movies graph.
    export SMOKE_EXPECT_MOVIES=${SMOKE_EXPECT_MOVIES:-1}
    exec bash tests/smoke.sh "$base_url"
) || smoke_status=$?
if [ "$smoke_status" -ne 0 ]; then
    show_daemon_output
    fail "tests/smoke.sh exited with status $smoke_status"
fi

# ---------------------------------------------------------------------------
# SIGTERM drains and exits 0; every stdout line is one JSON object.
# ---------------------------------------------------------------------------

log "sending SIGTERM to the daemon"
kill -TERM "$daemon_pid"
exit_status=
for _ in $(seq 1 150); do
    if ! kill -0 "$daemon_pid" 2>/dev/null; then
        wait "$daemon_pid" && exit_status=0 || exit_status=$?
        break
    fi
    sleep 0.2
done
if [ -z "$exit_status" ]; then
    show_daemon_output
    fail "daemon still running 30 s after SIGTERM (ECS stopTimeout is 30 s)"
fi
daemon_pid=
[ "$exit_status" -eq 0 ] || {
    show_daemon_output
    fail "daemon exited with status $exit_status after SIGTERM, expected 0"
}

if ! python3 - "$daemon_stdout" <<'EOF'; then
import json
import sys

path = sys.argv[1]
with open(path, encoding="utf-8") as stream:
    lines = [line for line in stream if line.strip()]
if not lines:
    sys.exit(f"{path}: daemon wrote no log lines to stdout")
for number, line in enumerate(lines, 1):
    try:
        event = json.loads(line)
    except json.JSONDecodeError as error:
        sys.exit(f"{path}:{number}: not a JSON line ({error})")
    missing = [key for key in ("ts", "level", "msg") if key not in event]
    if missing:
        sys.exit(f"{path}:{number}: JSON log line lacks {', '.join(missing)}")
requests = [line for line in lines if json.loads(line).get("msg") == "request"]
if not requests:
    sys.exit(f"{path}: no access log line (msg 'request') after the smoke test")
print(f"image-check: {len(lines)} JSON log lines, {len(requests)} access log lines")
EOF
    fail "daemon stdout does not follow the one-JSON-line-per-event format"
fi
if [ -s "$daemon_stderr" ]; then
    log "NOTE: daemon wrote to stderr:"
    sed 's/^/    /' "$daemon_stderr" >&2
fi

log "PASSED: image rootfs, ldd, read-only non-root run, healthcheck, smoke test, SIGTERM exit 0"
