#!/usr/bin/env bash
# Run build/cypher-gateway under valgrind memcheck, for the integration
# harness (GATEWAY_BINARY=tests/valgrind-gateway.sh). A memory error or a
# definite leak turns the exit code into 99, which the harness reports.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
    --show-leak-kinds=definite --track-origins=no "$root/build/cypher-gateway" "$@"
