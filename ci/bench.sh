#!/usr/bin/env bash
# `make bench`: the standard suite (policy backends + installed peers x workloads, 3 runs), a
# threshold sweep and a trim sweep on hybrid and glibc, the seed table, then the report.
# QUICK=1 runs a reduced plan (<= 30 s). BASELINE=DIR (or run.json) also runs the regression
# gate against the suite. Ends by printing the front page, one index.html linking every report
# with its headline findings (faultline report --front).
# The threshold sweep's workloads straddle the swept thresholds (size-sweep from 4 KiB to 4 MiB,
# churn of 256 KiB blocks), and the trim sweep's sawtooth frees its whole top, so every sweep
# plot moves.
set -euo pipefail
BUILD=${BUILD:-build}
QUICK=${QUICK:-0}
FL="$BUILD/faultline"
start=$(date +%s)
sha=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
root="results/runs/bench-$(date -u +%Y%m%dT%H%M%SZ)-$sha"
mkdir -p "$root"
status=0

backends=(-b brk -b mmap -b hybrid -b glibc)
for peer in jemalloc tcmalloc mimalloc; do backends+=(-b "$peer"); done
if [ "$QUICK" = 1 ]; then
    runs=2
    workloads=(-w seed-sequence -w churn:count=20 -w random-mix:count=20000 -w sawtooth:cycles=2
               -w first-touch:size=4M)
    sweep_wl=(-w size-sweep:max=4M -w "churn:size=256K,count=20")
    thresholds="64K..2M:x4"
else
    runs=3
    workloads=(-w seed-sequence -w seed-first -w churn -w size-sweep:max=4M -w random-mix:count=50000
               -w sawtooth -w fragment -w realloc-grow:max=8M -w threads:count=20000
               -w first-touch -w file-map:size=4M -w shm)
    sweep_wl=(-w size-sweep:max=4M -w "churn:size=256K,count=50" -w random-mix:count=50000)
    thresholds="16K..32M:x2"
fi

echo "== suite: backends x workloads, $runs runs each =="
"$FL" run "${backends[@]}" "${workloads[@]}" --runs "$runs" --out "$root/suite" || status=1

# replay the malloc traces of real programs (results/traces/, captured by faultline trace) on
# every backend: fragmentation shows as rss_peak against live_peak (ideal RSS)
traces=()
for t in results/traces/*.fltrace; do [ -f "$t" ] && traces+=(-w "replay:file=$t"); done
if [ ${#traces[@]} -gt 0 ]; then
    echo "== trace replay: ${#traces[@]} traces on every backend =="
    "$FL" run "${backends[@]}" "${traces[@]}" --runs "$runs" --out "$root/replay" --quiet \
        >/dev/null || status=1
fi

echo "== threshold sweep (hybrid, glibc) =="
"$FL" sweep -b "hybrid:threshold=$thresholds" -b "glibc:mmap_threshold=$thresholds" "${sweep_wl[@]}" \
    --runs "$runs" --out "$root/threshold-sweep" --quiet >/dev/null || status=1
echo "   done at $(($(date +%s) - start)) s"

echo "== trim sweep (hybrid, glibc) =="
"$FL" sweep -b 'hybrid:trim=64K,128K,1M,off' -b 'hybrid:top_pad=0,128K,1M' \
    -b 'glibc:trim_threshold=64K,128K,1M' -w sawtooth --runs "$runs" --out "$root/trim-sweep" \
    --quiet >/dev/null || status=1
echo "   done at $(($(date +%s) - start)) s"

echo "== seed claims =="
"$FL" seed --out "$root/seed" --quiet || status=1

for d in suite replay threshold-sweep trim-sweep seed; do
    [ -d "$root/$d" ] || continue
    echo "== report: $d =="
    "$FL" report "$root/$d" >/dev/null || { echo "report failed for $root/$d" >&2; status=1; }
done
if [ -n "${BASELINE:-}" ]; then
    echo "== regression gate against $BASELINE =="
    "$FL" compare "$BASELINE" "$root/suite" | tee "$root/compare.txt" || status=1
fi

echo
echo "== summary =="
if [ -f "$root/suite/report.md" ]; then
    # the summary table of the suite's report: medians per workload x backend
    # || true: head may close the pipe before awk is done (SIGPIPE), which is not a failure
    awk '/^## Summary/{p=1; next} p && /^## /{exit} p' "$root/suite/report.md" | head -100 || true
fi
if [ -f "$root/seed/seed.csv" ]; then
    echo "seed claims: $(awk -F, 'NR>1{n[$2]++} END{for (v in n) printf "%s %d  ", v, n[v]}' "$root/seed/seed.csv")"
fi
if [ -f "$root/suite/samples.csv" ]; then
    # RFC 4180 CSV (quoted parameter lists hold commas): read it with Python's csv module
    python3 -c 'import csv, sys, collections
n, bad = collections.Counter(), collections.Counter()
for r in csv.DictReader(open(sys.argv[1], newline="")):
    c = r["backend"] + " " + r["workload"]
    n[c] += 1
    bad[c] += r["outcome"] != "ok"
for c in n:
    if bad[c]: print("  %s: %d of %d runs not ok" % (c, bad[c], n[c]))' "$root/suite/samples.csv" | sort \
        || status=1
fi
echo "results: $root"
echo "elapsed: $(($(date +%s) - start)) s"
# the front page: every report linked, best setting per workload and metric, seed verdicts
front=$("$FL" report --front "$root") || status=1
echo "front page: $front"
exit $status
