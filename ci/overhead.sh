#!/usr/bin/env bash
# Benchmark: the cost of faultline's own measurement (latency sampling, timeline) on small-object
# churn. Two numbers, side by side in one run:
#  1. wall-time ratio: the same cells with and without --no-measure, interleaved (ABAB), median
#     ns/op of each. On a shared 2-core VM this ratio moves by +-10 % from noise alone.
#  2. CPU-profile share: perf record -e cpu-clock (a software event: works without a PMU) on the
#     measured run; the share of samples in the measurement code (timer reads, the timing
#     wrappers, histograms, the timeline's /proc and mallinfo reads). Robust to noise.
# Goal: overhead < 2 %. Not a unit test: it prints what it measured.
set -eu
BUILD=${BUILD:-build}
FL="$BUILD/faultline"
REPS=${REPS:-5}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
# shellcheck disable=SC2054 # the commas are the workload's parameter list, not array separators
spec=(-b glibc -b hybrid -w random-mix:count=300000,min=16,max=256,slots=256 --runs 3 --quiet --no-out --format csv)
for i in $(seq "$REPS"); do
    "$FL" run "${spec[@]}" >"$W/on-$i.csv"
    "$FL" run "${spec[@]}" --no-measure >"$W/off-$i.csv"
done
python3 - "$W" "$REPS" <<'PY'
import csv, glob, statistics, sys
w, reps = sys.argv[1], int(sys.argv[2])
def load(kind):
    out = {}
    for f in glob.glob("%s/%s-*.csv" % (w, kind)):
        for r in csv.DictReader(open(f)):
            out.setdefault(r["backend"], []).append(float(r["ns_per_op"]))
    return out
on, off = load("on"), load("off")
print("1. wall time (%d x 3 runs each, interleaved)" % reps)
print("   %-8s %14s %14s %8s" % ("backend", "measured ns/op", "--no-measure", "ratio"))
for b in sorted(on):
    a, z = statistics.median(on[b]), statistics.median(off[b])
    print("   %-8s %14.2f %14.2f %8.3f" % (b, a, z, a / z))
PY
if command -v perf >/dev/null && perf record -q -e cpu-clock -o "$W/probe.data" true 2>/dev/null; then
    echo "2. CPU profile of the measured run (perf record -e cpu-clock)"
    for b in glibc hybrid; do
        perf record -q -e cpu-clock -F 20000 -o "$W/$b.data" -- \
            "$FL" run -b "$b" -w random-mix:count=2000000,min=16,max=256,slots=256 --runs 3 \
            --quiet --no-out >/dev/null 2>&1
        share=$(perf report -i "$W/$b.data" --comm faultline-runne --sort sym --stdio 2>/dev/null |
            awk '$1 ~ /%$/ && $2 == "[.]" && $3 ~ /^(__vdso_clock_gettime|clock_gettime|child_|hist_|procfs_|__getrusage|getrusage|int_mallinfo|__libc_mallinfo2|mallinfo2|lock_)/ {
                     s += $1 + 0 } END { printf "%.2f", s }')
        echo "   $b: measurement code = $share % of the run's CPU samples (goal < 2 %)"
    done
else
    echo "2. CPU profile: perf record unavailable here, skipped"
fi
