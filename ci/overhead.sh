#!/usr/bin/env bash
# Benchmark: the cost of faultline's own measurement (latency sampling + timeline) on
# small-object churn. Runs the same cells with and without --no-measure, interleaved (ABAB), and
# prints median ns/op of each and their ratio. Goal: overhead < 2 %. Not a unit test: machines
# are noisy, so it prints numbers measured side by side in one run.
set -eu
BUILD=${BUILD:-build}
FL="$BUILD/faultline"
REPS=${REPS:-5}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
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
print("%-8s %14s %14s %8s" % ("backend", "measured ns/op", "--no-measure", "ratio"))
worst = 0
for b in sorted(on):
    a, z = statistics.median(on[b]), statistics.median(off[b])
    worst = max(worst, a / z)
    print("%-8s %14.2f %14.2f %8.3f" % (b, a, z, a / z))
print("overhead: %+.1f %% (goal < 2 %%; %d x 3 runs each, interleaved)" % ((worst - 1) * 100, reps))
PY
