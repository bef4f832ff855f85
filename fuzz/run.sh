#!/usr/bin/env bash
# run.sh - replays and runs the libFuzzer harnesses (see fuzz/fuzz.mk).
#
#   fuzz/run.sh regress BIN_DIR NAME...   run every file of fuzz/regressions/NAME,
#                                         then fuzz/corpus/NAME, once
#   fuzz/run.sh run BIN_DIR NAME...       regress, then fuzz each harness for
#                                         FUZZ_SECONDS seconds
#
# Fuzzing works on a copy of the seeds in .cache/fuzz/corpus/NAME, so new
# inputs never land in the committed fuzz/corpus. Crashes go to
# .cache/fuzz/artifacts/NAME/ and logs to .cache/fuzz/logs/NAME.log. Each
# harness is replayed, or fuzzed, even when another one fails, but no
# harness is fuzzed when a replay fails. The exit status is 1 if anything
# failed.
set -u

mode=${1:?usage: fuzz/run.sh regress|run BIN_DIR NAME...}
bin_dir=${2:?usage: fuzz/run.sh regress|run BIN_DIR NAME...}
shift 2
case $mode in
regress | run) ;;
*)
    echo "fuzz/run.sh: unknown mode '$mode'; use regress or run" >&2
    exit 2
    ;;
esac
seconds=${FUZZ_SECONDS:-60}
rss_mb=${FUZZ_RSS_MB:-2048}
work=.cache/fuzz
failed=0

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

mkdir -p "$work/logs"

# Prints the seed files of harness $1, regressions first.
seed_files() {
    local dir
    for dir in "fuzz/regressions/$1" "fuzz/corpus/$1"; do
        [ -d "$dir" ] && find "$dir" -type f ! -name README.md ! -name .gitkeep | sort
    done
}

regress_one() {
    local name=$1 bin="$bin_dir/fuzz_$1" log="$work/logs/$1.regress.log"
    local files
    mapfile -t files < <(seed_files "$name")
    if [ "${#files[@]}" -eq 0 ]; then
        echo "fuzz-regress: $name: no seed files in fuzz/regressions/$name or fuzz/corpus/$name" >&2
        return 1
    fi
    if "$bin" -rss_limit_mb="$rss_mb" -timeout=25 "${files[@]}" >"$log" 2>&1; then
        printf 'fuzz-regress: %-14s %3d inputs ok\n' "$name" "${#files[@]}"
        return 0
    fi
    printf 'fuzz-regress: %-14s FAILED: an input crashed or broke a check; log: %s\n' "$name" "$log" >&2
    tail -n 40 "$log" >&2
    return 1
}

# Prints "executions exec_per_s peak_rss_mb corpus_files coverage" from a libFuzzer log.
summarize_log() {
    awk '
        /^stat::number_of_executed_units:/ { execs = $2 }
        /^stat::average_exec_per_sec:/      { rate = $2 }
        /^stat::peak_rss_mb:/               { rss = $2 }
        / cov: / {
            for (i = 1; i <= NF; i++) {
                if ($i == "cov:") cov = $(i + 1)
                if ($i == "corp:") { split($(i + 1), c, "/"); corp = c[1] }
            }
        }
        END { printf "%s %s %s %s %s\n", execs + 0, rate + 0, rss + 0, corp + 0, cov + 0 }
    ' "$1"
}

run_one() {
    local name=$1 bin="$bin_dir/fuzz_$1" log="$work/logs/$1.log"
    local corpus="$work/corpus/$1" artifacts="$work/artifacts/$1/"
    local dict=() status=ok start end
    mkdir -p "$corpus" "$artifacts"
    seed_files "$name" | while read -r file; do cp -n "$file" "$corpus/"; done
    [ -f "fuzz/$name.dict" ] && dict=(-dict="fuzz/$name.dict")

    start=$(date +%s)
    if ! "$bin" -max_total_time="$seconds" -rss_limit_mb="$rss_mb" -timeout=25 -print_final_stats=1 \
        -artifact_prefix="$artifacts" "${dict[@]}" "$corpus" >"$log" 2>&1; then
        status=CRASH
        failed=1
    fi
    end=$(date +%s)

    read -r execs rate rss corp cov < <(summarize_log "$log")
    printf '%-14s %12s %9s %6s %9s %8s %8s  %s\n' "$name" "$execs" "$rate" "$((end - start))" "$corp" "$cov" \
        "$rss" "$status"
    if [ "$status" != ok ]; then
        grep -E '^(==[0-9]+==ERROR|SUMMARY|.*contract check failed|artifact_prefix|Test unit written)' "$log" >&2
    fi
}

for name in "$@"; do
    regress_one "$name" || failed=1
done
if [ "$mode" = run ]; then
    if [ "$failed" -ne 0 ]; then
        echo "fuzz: a regression or seed input failed, so no fuzzing was done; fix that bug first" >&2
        exit 1
    fi
    echo "fuzz: $seconds s per harness, rss limit $rss_mb MB, $(nproc) CPUs, $("${FUZZ_CC:-clang}" --version | head -n 1)"
    printf '%-14s %12s %9s %6s %9s %8s %8s  %s\n' harness executions exec/s secs corpus cov rss_mb status
    for name in "$@"; do
        run_one "$name"
    done
fi
exit "$failed"
