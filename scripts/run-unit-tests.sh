#!/usr/bin/env bash
# Run each cmocka test program given on the command line and print one
# summary line. Usage: scripts/run-unit-tests.sh DIR NAME...
set -uo pipefail

dir=$1
shift
passed=0
failed=0
for name in "$@"; do
    if "$dir/$name"; then
        passed=$((passed + 1))
    else
        echo "unit: $dir/$name FAILED" >&2
        failed=$((failed + 1))
    fi
done
echo "unit programs ($dir): $passed passed, $failed failed"
[[ $failed -eq 0 ]]
