#!/usr/bin/env bash
# Benchmark (not a test): how far faultline's sampled latency is from two references, on
# churn 64 B (malloc(64), free, repeat) for glibc and hybrid:
#   default    faultline run at the default sampling (1 in 2048 per op kind)
#   every      faultline run --lat-sample 1 (every call timed)
#   loop       ci/lat_loop.c: an independent clock_gettime loop around each call (hybrid through
#              LD_PRELOAD=libfaultline-hybrid.so)
# Prints p50/p90/p99/mean of each and the ratios default/loop and every/loop. Timing numbers:
# noisy on a shared machine, run it when the machine is quiet. Usage: BUILD=build ci/lat-bias.sh
set -euo pipefail
BUILD=${BUILD:-build}
FL=$BUILD/faultline
COUNT=${COUNT:-1000000}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cc -O2 -o "$W/lat_loop" "$(dirname "$0")/lat_loop.c"
spec=(-w "churn:size=64,count=$COUNT,touch=none" --runs 1 --quiet)
for b in glibc hybrid; do
    "$FL" run -b $b "${spec[@]}" --out "$W/default-$b" >/dev/null
    "$FL" run -b $b "${spec[@]}" --lat-sample 1 --out "$W/every-$b" >/dev/null
    pre=()
    [ $b = hybrid ] && pre=(env "LD_PRELOAD=$(realpath "$BUILD/libfaultline-hybrid.so")")
    "${pre[@]}" "$W/lat_loop" "$COUNT" >"$W/loop-$b.txt"
done
python3 - "$W" <<'PY'
import json, sys
w = sys.argv[1]
keys = ["p50", "p90", "p99", "mean"]
def faultline(path):
    lat = json.load(open(path + "/run.json"))["cells"][0]["latency_ns"]
    return {k: {q: float(lat[k][q]) for q in keys} | {"n": lat[k]["count"]} for k in ("malloc", "free")}
def loop(path):
    out = {}
    for line in open(path):
        f = line.split()
        out[f[0]] = {f[i]: float(f[i + 1]) for i in range(1, len(f), 2)}
    return out
print("%-7s %-7s %-8s %8s %8s %8s %8s %9s" % ("backend", "kind", "method", "p50", "p90", "p99", "mean", "samples"))
for b in ("glibc", "hybrid"):
    d, e, l = faultline("%s/default-%s" % (w, b)), faultline("%s/every-%s" % (w, b)), loop("%s/loop-%s.txt" % (w, b))
    for k in ("malloc", "free"):
        for name, src in (("default", d[k]), ("every", e[k]), ("loop", l[k])):
            print("%-7s %-7s %-8s %8.1f %8.1f %8.1f %8.1f %9s" % (b, k, name, *(src[q] for q in keys), src.get("n", "")))
        for name, src in (("default", d[k]), ("every", e[k])):
            print("%-7s %-7s %-8s %8s %8s %8s %8s" % (b, k, name + "/loop", *("%.2f" % (src[q] / l[k][q]) if l[k][q] else "n/a" for q in keys)))
PY
