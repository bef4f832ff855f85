#!/usr/bin/env bash
# Install the Debian packages that building, running and testing need.
# As root it installs what is missing; otherwise it prints the apt command.
set -euo pipefail

packages=(
    build-essential pkg-config curl jq openssl ca-certificates
    libmicrohttpd-dev libjwt-dev libjansson-dev libcurl4-openssl-dev libyaml-dev libssl-dev
    libcmocka-dev python3 maven openjdk-17-jre-headless clang libclang-rt-14-dev valgrind
)

missing=()
for pkg in "${packages[@]}"; do
    # A JDK 17 from elsewhere (e.g. Temurin) also does for running Neo4j.
    if [[ $pkg == openjdk-17-jre-headless ]] && command -v java >/dev/null 2>&1; then
        continue
    fi
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done

if ((${#missing[@]} == 0)); then
    exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
    echo "deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    echo "deps: missing Debian packages; install them with:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
