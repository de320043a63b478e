#!/usr/bin/env bash
# Real programs under every allocator: `faultline exec` runs sort (20 MB generated input), a gzip
# round trip, a python3 dict/list script and sqlite3 with 100k rows under each backend, then
# prints backend x (time, faults, brk+mmap+munmap calls, peak RSS) as ratios to glibc.
# Not part of ctest. usage: BUILD=build RUNS=3 ci/exec-bench.sh; output: results/runs/exec-bench-*.
#
# Output of one run on the development VM (Debian 12, 2 cores, no PMU, 2026-11-26). Times are
# 3-run medians on a VM shared with other jobs: differences under ~25 % are noise; the counts
# are not. Peak RSS is the largest VmHWM over the command's processes (gzip: the gzip pair).
#   sort (medians; ratio to glibc, glibc absolute)
#   backend                 time            faults   brk+mmap+munmap          peak RSS  outcome
#   brk                    0.77x             1.00x             1.06x             1.00x  ok
#   mmap                   0.80x             1.01x            10.29x             1.01x  ok
#   hybrid                 1.07x             1.00x             1.06x             1.00x  ok
#   glibc                1081 ms             15001                31          60.1 MiB  ok
#   jemalloc               1.26x             1.01x             1.84x             1.04x  ok
#   tcmalloc               1.22x             1.10x             1.52x             1.12x  ok
#   mimalloc               0.99x             1.00x             1.16x             1.01x  ok
#
#   gzip (medians; ratio to glibc, glibc absolute)
#   backend                 time            faults   brk+mmap+munmap          peak RSS  outcome
#   brk                    0.89x             1.11x             1.36x             1.14x  ok
#   mmap                   1.03x             7.51x            88.43x             1.28x  ok
#   hybrid                 0.96x             1.12x             1.36x             1.15x  ok
#   glibc                 413 ms               539                61           1.9 MiB  ok
#   jemalloc               0.88x             2.26x             2.77x             2.17x  ok
#   tcmalloc               0.98x             8.96x             2.39x             3.79x  ok
#   mimalloc               0.94x             1.31x             1.31x             1.13x  ok
#
#   python (medians; ratio to glibc, glibc absolute)
#   backend                 time            faults   brk+mmap+munmap          peak RSS  outcome
#   brk                    1.01x             0.99x             1.13x             1.02x  ok
#   mmap                   1.75x             2.17x            58.28x             1.03x  ok
#   hybrid                 1.07x             1.02x             1.13x             1.00x  ok
#   glibc                2704 ms             47467              1407         153.8 MiB  ok
#   jemalloc               1.20x             1.16x             1.69x             1.05x  ok
#   tcmalloc               1.27x             1.91x             1.55x             1.06x  ok
#   mimalloc               1.03x             1.06x             1.08x             1.01x  ok
#
#   sqlite (medians; ratio to glibc, glibc absolute)
#   backend                 time            faults   brk+mmap+munmap          peak RSS  outcome
#   brk                    1.07x             0.99x             0.94x             1.02x  ok
#   mmap                  16.55x           178.32x          9763.09x             1.60x  ok
#   hybrid                 1.09x             1.00x             1.07x             1.02x  ok
#   glibc                 652 ms              2863               104          14.3 MiB  ok
#   jemalloc               1.04x             1.21x             0.58x             1.26x  ok
#   tcmalloc               1.06x             1.49x             0.59x             1.48x  ok
#   mimalloc               1.13x             1.26x             0.37x             1.15x  ok
#
#   hybrid within 1.5x glibc's time on sort: yes (1.07x)
#   (elapsed 194 s; faultline b02e682, Release build, RUNS=3, 1 warmup)
set -euo pipefail
BUILD=${BUILD:-build}
RUNS=${RUNS:-3}
FL="$BUILD/faultline"
[ -x "$FL" ] || { echo "exec-bench: $FL not found; build first (BUILD=dir)"; exit 2; }
command -v python3 >/dev/null || { echo "exec-bench: python3 is needed for the table"; exit 2; }
sha=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
root="results/runs/exec-bench-$(date -u +%Y%m%dT%H%M%SZ)-$sha"
data="$root/data"
mkdir -p "$data"
start=$(date +%s)
backends=brk,mmap,hybrid,glibc,jemalloc,tcmalloc,mimalloc

# 20 MB of pseudo-random lines (fixed seed: the same input every time)
awk 'BEGIN { srand(42); while (n < 20971520) { k = sprintf("%08x", int(rand() * 4294967295));
       w = int(rand() * 48); s = k " " substr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV", 1, w);
       print s; n += length(s) + 1 } }' >"$data/sort.txt"
head -c 8388608 "$data/sort.txt" >"$data/gz.txt"
cat >"$data/dict.py" <<'EOF'
# dicts and lists of many small objects: the allocator pattern of typical Python code
d = {}
for i in range(300000):
    d["k%d" % i] = [i, str(i), (i, i * 2)]
l = sorted(d.items(), key=lambda kv: -kv[1][0])
s = sum(len(v[1]) for _, v in l)
for k in list(d)[::2]:
    del d[k]
print(len(d), s)
EOF
cat >"$data/rows.sql" <<'EOF'
CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v REAL);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000)
INSERT INTO t SELECT x, printf('row-%08d-%s', x, hex(randomblob(8))), x * 0.5 FROM c;
CREATE INDEX t_name ON t(name);
SELECT count(*), sum(v), max(length(name)) FROM t;
SELECT name FROM t ORDER BY v DESC LIMIT 3;
EOF

status=0
run() { # name cmd...
    local name=$1
    shift
    echo "== $name: $* =="
    "$FL" exec --backend "$backends" --runs "$RUNS" --warmup 1 --timeout 600 --quiet \
        --out "$root/$name" --format csv -- "$@" >/dev/null || status=1
}
run sort sort "$data/sort.txt"
run gzip sh -c "gzip -6 -c '$data/gz.txt' | gzip -dc | cmp - '$data/gz.txt'"
run python python3 "$data/dict.py"
run sqlite sqlite3 ":memory:" ".read $data/rows.sql"

python3 - "$root" <<'EOF' || status=1
import json, statistics, sys
root = sys.argv[1]
cols = [("time", ["wall_ns"]), ("faults", ["minflt", "majflt"]),
        ("brk+mmap+munmap", ["sys_brk", "sys_mmap", "sys_munmap"]), ("peak RSS", ["hwm_rss"])]
def medians(path):
    d = json.load(open(path))
    out, outcome = {}, {}
    for cell in d["cells"]:
        runs = [r for r in d["runs"] if r["cell"] == cell["id"]]
        ok = [r for r in runs if r["outcome"] == "ok"]
        outcome[cell["backend_spec"]] = "ok" if ok else (runs[0]["outcome"] if runs else "?")
        vals = {}
        for name, keys in cols:
            xs = [sum(r["metrics"][k] for k in keys) for r in ok
                  if all(r["metrics"].get(k) is not None for k in keys)]
            vals[name] = statistics.median(xs) if xs else None
        out[cell["backend_spec"]] = vals
    return out, outcome
def human(name, v):
    if v is None: return "-"
    if name == "time": return "%.0f ms" % (v / 1e6)
    if name == "peak RSS": return "%.1f MiB" % (v / 1048576)
    return "%d" % v
hybrid_sort = None
for prog in ["sort", "gzip", "python", "sqlite"]:
    m, outcome = medians("%s/%s/run.json" % (root, prog))
    g = m.get("glibc", {})
    print("\n%s (medians; ratio to glibc, glibc absolute)" % prog)
    print("%-10s" % "backend" + "".join("%18s" % n for n, _ in cols) + "  outcome")
    for b, vals in m.items():
        row = "%-10s" % b
        for n, _ in cols:
            v, base = vals[n], g.get(n)
            if b == "glibc":
                row += "%18s" % human(n, v)
            elif v is None or not base:
                row += "%18s" % ("-" if v is None else "n/a")
            else:
                row += "%18s" % ("%.2fx" % (v / base))
        print(row + "  " + outcome[b])
    if prog == "sort" and m.get("hybrid", {}).get("time") and g.get("time"):
        hybrid_sort = m["hybrid"]["time"] / g["time"]
if hybrid_sort is None:
    print("\nhybrid vs glibc on sort: not measured")
else:
    print("\nhybrid within 1.5x glibc's time on sort: %s (%.2fx)"
          % ("yes" if hybrid_sort <= 1.5 else "NO", hybrid_sort))
EOF
echo
echo "results: $root (elapsed $(($(date +%s) - start)) s)"
exit $status

