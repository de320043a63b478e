#!/usr/bin/env bash
# `make fuzz`: build the libFuzzer targets (tests/fuzz/) with clang + ASan + UBSan in build-fuzz/
# and run each for FUZZ_SECONDS (default 60) from a scratch copy of its committed corpus. A
# crashing input is copied into tests/fuzz/corpus/<target>/ (commit it: ctest replays it from
# then on) and the script exits 1. FUZZ_TARGETS limits the targets ("csv trace json report").
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD:-$root/build-fuzz}
seconds=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-csv trace json report}
command -v clang >/dev/null || { echo "fuzz: clang not found (apt-get install clang)" >&2; exit 2; }
if [ ! -f "$build/CMakeCache.txt" ]; then
    CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug \
        -DFAULTLINE_FUZZ=ON -DFAULTLINE_SANITIZE=ON -DFAULTLINE_WITH_GBENCH=OFF >/dev/null
fi
read -r -a names <<<"$targets"
cmake --build "$build" -j 2 --target "${names[@]/#/fuzz_}" >/dev/null
failed=0
for t in "${names[@]}"; do
    work="$build/fuzz-work/$t"
    rm -rf "$work"
    mkdir -p "$work/corpus" "$work/artifacts"
    cp "$root/tests/fuzz/corpus/$t/"* "$work/corpus/"
    start=$(date +%s)
    # -close_fd_mask=1: the targets print dumps and tables on stdout; reports go to stderr
    if ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 \
        "$build/tests/fuzz_$t" -max_total_time="$seconds" -close_fd_mask=1 -rss_limit_mb=2048 \
        -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1; then
        runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$work/log" | grep -o '[0-9]*$' || true)
        [ -n "$runs" ] || runs=$(grep -oE '^#[0-9]+' "$work/log" | tail -1 | tr -d '#')
        echo "fuzz $t: $(($(date +%s) - start)) s, ${runs:-?} inputs, no sanitizer report," \
            "corpus $(find "$work/corpus" -type f | wc -l) files"
    else
        failed=1
        echo "fuzz $t: FAILED after $(($(date +%s) - start)) s (log: $work/log)" >&2
        grep -m 5 -E 'ERROR|SUMMARY|runtime error' "$work/log" >&2 || tail -5 "$work/log" >&2
        for a in "$work/artifacts/"*; do
            [ -f "$a" ] || continue
            cp "$a" "$root/tests/fuzz/corpus/$t/"
            echo "fuzz $t: crashing input saved as tests/fuzz/corpus/$t/$(basename "$a")" >&2
        done
    fi
done
exit $failed
