#!/usr/bin/env bash
# Sweeps at scale (issue 17): -j workers, sharding by a stable hash and auto/N, idempotent
# merges, machine fingerprints in merge (and the report's timings per machine), the
# append-only results journal after kill -9, the removal of a killed run's scratch directory, and
# a 4096-cell fake-measure plan.
# Usage: test_scale.sh TEST BUILD_DIR
set -euo pipefail
t=$1
B=$2
FL="$B/faultline"
W=$(mktemp -d /tmp/fl-scale-XXXXXX)
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
export ASAN_OPTIONS=${ASAN_OPTIONS:-handle_segv=0:detect_leaks=0}
unset FAULTLINE_SHARD SLURM_ARRAY_TASK_ID JOB_COMPLETION_INDEX
# count columns that are exact with --no-aslr (ASLR moves a stack page: minflt +-1)
COUNTS="ops requested_bytes touched_pages minflt majflt os_brk os_mmap os_munmap os_mremap os_madvise break_growth heap_bytes_end mapped_bytes_end mapped_bytes_peak live_peak outcome"
counts() { # counts SAMPLES.CSV -> one line per run, sorted by specs and rep
    python3 - "$1" "$COUNTS" <<'PY'
import csv, sys
cols = sys.argv[2].split()
rows = [(r["backend"], r["backend_params"], r["workload"], r["workload_params"], r["rep"],
         tuple(r[c] for c in cols)) for r in csv.DictReader(open(sys.argv[1]))]
for row in sorted(rows):
    print(*row, sep="|")
PY
}
case "$t" in
jobs)
    # -j 2 gives the same counts as -j 1, in the same row order, and says its timings are parallel
    if grep -q 'FAULTLINE_SANITIZED 1' "$B/config.h" 2>/dev/null; then
        echo "SKIP: exact counts are not meaningful under ASan (the Release build runs this test)"
        exit 77
    fi
    args=(sweep -b 'hybrid:threshold=64K,1M' -b mmap -w 'churn:size=128K,1M,count=20'
          -w 'realloc-grow:max=1M' --runs 2 --no-perf --no-aslr --quiet)
    "$FL" "${args[@]}" -j 1 --out "$W/j1" >/dev/null 2>&1 || fail "-j 1"
    "$FL" "${args[@]}" -j 2 --out "$W/j2" >/dev/null 2>&1 || fail "-j 2"
    counts "$W/j1/samples.csv" >"$W/c1"
    counts "$W/j2/samples.csv" >"$W/c2"
    [ "$(wc -l <"$W/c1")" = 18 ] || fail "expected 18 runs, got $(wc -l <"$W/c1")"
    diff "$W/c1" "$W/c2" || fail "-j 2 counts differ from -j 1"
    cut -d, -f1,6 "$W/j1/samples.csv" >"$W/o1"
    cut -d, -f1,6 "$W/j2/samples.csv" >"$W/o2"
    diff -q "$W/o1" "$W/o2" >/dev/null || fail "-j 2 rows are not in plan order"
    python3 - "$W/j1/run.json" "$W/j2/run.json" <<'PY' || fail "run.json does not mark -j 2 timings parallel"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert a["context"]["jobs"] == 1 and a["context"]["timing"] == "alone", a["context"]
assert b["context"]["jobs"] == 2 and b["context"]["timing"] == "parallel", b["context"]
assert any("parallel" in w for w in b["warnings"]), b["warnings"]
assert not any("parallel" in w for w in a["warnings"]), a["warnings"]
PY
    echo "ok: -j 2 counts identical to -j 1 over 18 runs; timings marked parallel"
    ;;
bad-input)
    while IFS='|' read -r env expect args; do
        [ -z "$args" ] && continue
        out="$W/out-$RANDOM"
        rc=0
        # shellcheck disable=SC2086
        env $env "$FL" $args --fake-measure --quiet --out "$out" >"$W/stdout" 2>"$W/stderr" || rc=$?
        [ $rc = 2 ] || fail "'$args': exit $rc, expected 2"
        [ "$(wc -l <"$W/stderr")" = 1 ] || fail "'$args': stderr is not one line: $(cat "$W/stderr")"
        grep -q -- "$expect" "$W/stderr" || fail "'$args': stderr does not name '$expect': $(cat "$W/stderr")"
        [ -e "$out" ] && fail "'$args': created $out"
        echo "ok: ${env:+$env }$args -> $(cat "$W/stderr")"
    done <<'EOF2'
X=1|--jobs 0|sweep -b hybrid -w churn --jobs 0
X=1|--jobs x|run -b glibc -w churn -j x
X=1|--jobs 65|run -b glibc -w churn -j 65
X=1|no shard index in the environment|sweep -b hybrid -w churn --shard auto/4
X=1|--shard 5/4|sweep -b hybrid -w churn --shard 5/4
X=1|--shard 0/4|sweep -b hybrid -w churn --shard 0/4
X=1|--shard 1/0|sweep -b hybrid -w churn --shard 1/0
SLURM_ARRAY_TASK_ID=4|SLURM_ARRAY_TASK_ID=4|sweep -b hybrid -w churn --shard auto/4
FAULTLINE_SHARD=x|FAULTLINE_SHARD=x|sweep -b hybrid -w churn --shard auto/4
EOF2
    ;;
shard)
    # every cell in exactly one shard; auto/N reads each variable; a cell's shard does not move
    # when other cells join the plan; re-merging is idempotent
    args=(sweep -b 'hybrid:threshold=4K..512K:x2' -w 'churn:count=1,2,3' --runs 2 --fake-measure --quiet)
    for k in 1 2 3 4; do
        "$FL" "${args[@]}" --shard "$k/4" --out "$W/s$k" >/dev/null 2>&1 || fail "shard $k/4"
    done
    FAULTLINE_SHARD=1 "$FL" "${args[@]}" --shard auto/4 --out "$W/a1" >/dev/null 2>&1 || fail "FAULTLINE_SHARD"
    SLURM_ARRAY_TASK_ID=2 "$FL" "${args[@]}" --shard auto/4 --out "$W/a2" >/dev/null 2>&1 || fail "SLURM_ARRAY_TASK_ID"
    JOB_COMPLETION_INDEX=3 "$FL" "${args[@]}" --shard auto/4 --out "$W/a3" >/dev/null 2>&1 || fail "JOB_COMPLETION_INDEX"
    for k in 1 2 3; do
        cmp -s <(cut -d, -f2-5 "$W/s$((k + 1))/samples.csv") <(cut -d, -f2-5 "$W/a$k/samples.csv") ||
            fail "--shard auto/4 with index $k is not shard $((k + 1))/4"
    done
    python3 - "$W" <<'PY' || fail "shards do not partition the cells"
import csv, sys
w = sys.argv[1]
seen = {}
for k in range(1, 5):
    for r in csv.DictReader(open("%s/s%d/samples.csv" % (w, k))):
        key = (r["backend_params"], r["workload_params"])
        assert seen.setdefault(key, k) == k, "cell %s in shards %d and %d" % (key, seen[key], k)
assert len(seen) == 24, len(seen)
sizes = [sum(1 for v in seen.values() if v == k) for k in range(1, 5)]
assert min(sizes) > 0, sizes
print("ok: 24 cells in 4 shards of", sizes)
PY
    # a bigger plan keeps the old cells in their shards (a stable hash, not the cell index)
    "$FL" sweep -b 'hybrid:threshold=4K..2M:x2' -w 'churn:count=1,2,3,4' --runs 2 --fake-measure --quiet \
        --shard 2/4 --out "$W/big2" >/dev/null 2>&1 || fail "bigger plan"
    python3 - "$W/s2/samples.csv" "$W/big2/samples.csv" <<'PY' || fail "a cell changed shard when the plan grew"
import csv, sys
key = lambda p: {(r["backend_params"], r["workload_params"]) for r in csv.DictReader(open(p))}
small, big = key(sys.argv[1]), key(sys.argv[2])
assert small <= big, small - big
PY
    "$FL" merge "$W/m" "$W/s1" "$W/s2" "$W/s3" "$W/s4" 2>/dev/null || fail "merge"
    cp -r "$W/s2" "$W/s2-retried" # the same shard delivered twice (a retried task's upload)
    "$FL" merge "$W/m2" "$W/s1" "$W/s2" "$W/s3" "$W/s4" "$W/s2-retried" 2>/dev/null || fail "merge with a shard twice"
    "$FL" merge "$W/m3" "$W/m" "$W/s3" 2>/dev/null || fail "merge of a merged dir and a shard"
    for f in samples.csv aggregates.csv sweep.csv steps.csv; do
        cmp -s "$W/m/$f" "$W/m2/$f" || fail "$f: merging a shard twice is not idempotent"
        cmp -s "$W/m/$f" "$W/m3/$f" || fail "$f: re-merging a merged directory is not idempotent"
    done
    [ "$(($(wc -l <"$W/m/samples.csv") - 1))" = 48 ] || fail "merged runs != 48"
    echo "ok: re-merging gives identical samples, aggregates, sweep and steps files"
    ;;
machines)
    # shards from two machines: counts pool, timings stay per machine
    args=(sweep -b 'hybrid:threshold=64K,1M' -w 'churn:count=5' --runs 2 --fake-measure --quiet)
    "$FL" "${args[@]}" --out "$W/a" >/dev/null 2>&1 || fail "machine a"
    "$FL" "${args[@]}" --out "$W/b" >/dev/null 2>&1 || fail "machine b"
    # machine b: another CPU model (same count key: kernel, glibc, THP, build), 3x the times
    relabel() { # relabel DIR MACHINE_ID COUNT_KEY: the runs of DIR come from another machine
        python3 - "$@" <<'PY'
import csv, sys
d, mid, key = sys.argv[1:]
def rewrite(p, fn):
    rows = list(csv.DictReader(open(p)))
    for r in rows:
        fn(r)
    w = csv.DictWriter(open(p, "w", newline=""), fieldnames=list(rows[0].keys()), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
def sample(r):
    for c in ("wall_ns", "user_ns", "sys_ns", "ns_per_op"):
        r[c] = str(int(float(r[c]) * 3))
    r["machine"] = mid
def machine(r):
    r["machine"], r["cpu_model"] = mid, "Other CPU @ 1.0GHz"
    if key != "-":
        r["count_key"] = key
rewrite(d + "/samples.csv", sample)
rewrite(d + "/machines.csv", machine)
PY
    }
    relabel "$W/b" m0000beef -
    "$FL" merge "$W/m" "$W/a" "$W/b" 2>"$W/err" || fail "merge: $(cat "$W/err")"
    grep -q "2 machines" "$W/err" || fail "merge did not see 2 machines: $(cat "$W/err")"
    python3 - "$W" <<'PY' || fail "timings pooled across machines"
import csv, sys
w = sys.argv[1]
agg = {r["backend_params"]: r for r in csv.DictReader(open(w + "/m/aggregates.csv"))}
a = {r["backend_params"]: r for r in csv.DictReader(open(w + "/a/aggregates.csv"))}
per = list(csv.DictReader(open(w + "/m/timings_by_machine.csv")))
mach = list(csv.DictReader(open(w + "/m/machines.csv")))
assert len(mach) == 2 and mach[0]["count_key"] == mach[1]["count_key"], mach
for k, r in agg.items():
    assert r["ok_runs"] == "4", (k, r["ok_runs"])               # counts pooled: 2 + 2 runs
    assert r["minflt_median"] == a[k]["minflt_median"], k      # fake counts are the same
    assert r["wall_ns_median"] == "" and r["ns_per_op_median"] == "", (k, r["wall_ns_median"])
    rows = [x for x in per if x["backend_params"] == k]
    assert len(rows) == 2, rows
    meds = sorted(float(x["wall_ns_median"]) for x in rows)
    want = float(a[k]["wall_ns_median"])
    assert meds == [want, 3 * want], (meds, want)
print("ok: counts pooled over 2 machines (4 runs per cell), wall_ns per machine", meds)
PY
    # the report shows those per-machine timings (its summary has none for these cells): every
    # row of timings_by_machine.csv, with its machine's CPU model, in index.html and report.md
    report() { # report DIR: faultline report --no-plots DIR, or fail
        "$FL" report --no-plots "$1" >/dev/null 2>"$W/err" || fail "report $1: $(cat "$W/err")"
    }
    report "$W/m"
    python3 - "$W/m" >"$W/t.json" <<'PY' || fail "cannot read the report pages"
# the rows of the "Timings per machine" table of index.html and of report.md, as text
import html.parser, json, re, sys
d = sys.argv[1]
class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.h2 = self.text = None  # the current section's heading; the open cell's or h2's text
        self.in_table, self.rows = False, []
    def handle_starttag(self, tag, attrs):
        if tag == "h2" or (self.in_table and tag in ("td", "th")):
            self.text = ""
        elif tag == "table":
            self.in_table = self.h2 == "Timings per machine"
        elif tag == "tr" and self.in_table:
            self.rows.append([])
    def handle_endtag(self, tag):
        if tag == "h2":
            self.h2, self.text = self.text, None
        elif tag in ("td", "th") and self.text is not None:
            self.rows[-1].append(self.text)
            self.text = None
        elif tag == "table":
            self.in_table = False
    def handle_data(self, data):
        if self.text is not None:
            self.text += data
page = Page()
page.feed(open(d + "/index.html").read())
md, rows = open(d + "/report.md").read(), []
for part in md.split("\n## Timings per machine\n")[1:]:
    for line in part.split("\n## ", 1)[0].splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            cells = re.split(r"(?<!\\)\|", line)[1:-1]
            rows.append([re.sub(r"\\(.)", r"\1", c.strip()) for c in cells])
print(json.dumps({"index.html": page.rows, "report.md": rows}))
PY
    python3 - "$W" <<'PY' || fail "the report does not show the timings per machine"
import csv, json, sys
w = sys.argv[1]
per = list(csv.DictReader(open(w + "/m/timings_by_machine.csv")))
cpu = {r["machine"]: r["cpu_model"] for r in csv.DictReader(open(w + "/m/machines.csv"))}
assert len(per) == 4 and len(set(cpu.values())) == 2, (per, cpu)
for page, rows in json.load(open(w + "/t.json")).items():
    assert rows, page + ": no Timings per machine table"
    body = [dict(zip(rows[0], r)) for r in rows[1:]]
    assert len(body) == len(per), (page, len(body), len(per))
    for want in per:
        got = [r for r in body if r["cell"] == want["cell"] and r["machine"] == want["machine"]]
        assert len(got) == 1, (page, want["cell"], want["machine"], body)
        got = got[0]
        assert got["CPU model"] == cpu[want["machine"]], (page, got)
        assert got["backend"] == "hybrid:" + want["backend_params"], (page, got)
        assert got["ok runs"] == want["ok_runs"] == "2", (page, got)
        for m in ("wall_ns", "ns_per_op"):  # the very numbers of the CSV
            assert want[m + "_median"], (m, want)
            assert got[m + " median"] == want[m + "_median"], (page, m, got, want)
    for cell in {r["cell"] for r in body}:  # machine b took 3x machine a's time
        a, b = sorted(float(r["wall_ns median"]) for r in body if r["cell"] == cell)
        assert b == 3 * a, (page, cell, a, b)
print("ok: index.html and report.md show wall_ns per machine:",
      " ".join(r["wall_ns_median"] for r in per))
PY
    for f in index.html report.md; do
        grep -q 'not pooled across machines whose fingerprints differ' "$W/m/$f" ||
            fail "$f does not say that timings are not pooled"
    done
    # one machine has nothing to compare: no section without timings_by_machine.csv, nor with
    # one whose rows all name the same machine
    report "$W/a"
    cp -r "$W/m" "$W/m1"
    python3 - "$W/m1/timings_by_machine.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
m = rows[0].index("machine")
keep = [rows[0]] + [r for r in rows[1:] if r[m] == rows[1][m]]
assert 1 < len(keep) < len(rows), keep
csv.writer(open(sys.argv[1], "w", newline=""), lineterminator="\n").writerows(keep)
PY
    report "$W/m1"
    for d in a m1; do
        for f in index.html report.md; do
            grep -q '^## Summary\|<h2>Summary' "$W/$d/$f" || fail "$d/$f: no summary"
            ! grep -q 'Timings per machine' "$W/$d/$f" || fail "$d/$f: timings per machine of one machine"
        done
    done
    # machine ids and CPU models are data: markup in them reaches the pages as text
    cp -r "$W/m" "$W/mh"
    python3 - "$W/mh" <<'PY'
import csv, sys
d = sys.argv[1]
for name, col, evil in (("machines.csv", "cpu_model", "<script>alert(1)</script> | x"),
                        ("timings_by_machine.csv", "machine", "m<img src=x onerror=alert(1)>")):
    rows = list(csv.reader(open(d + "/" + name)))
    rows[-1][rows[0].index(col)] = evil
    csv.writer(open(d + "/" + name, "w", newline=""), lineterminator="\n").writerows(rows)
PY
    report "$W/mh"
    for f in index.html report.md; do
        ! grep -qiE '<script|<img src=x' "$W/mh/$f" || fail "$f: unescaped markup from a machine's name"
        grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;' "$W/mh/$f" || fail "$f: the hostile CPU model is not shown as text"
    done
    echo "ok: timings per machine in the report for 2 machines only, escaped"
    # a different kernel is a different count key: those cells do not pool at all
    "$FL" "${args[@]}" --out "$W/c" >/dev/null 2>&1 || fail "machine c"
    relabel "$W/c" m0000cafe k0000cafe
    "$FL" merge "$W/m2" "$W/a" "$W/c" 2>/dev/null || fail "merge 2"
    [ "$(($(wc -l <"$W/m2/aggregates.csv") - 1))" = 4 ] || fail "cells of two kernels were pooled"
    echo "ok: another kernel keeps its own cells (4 aggregate rows for 2 specs)"
    ;;
journal)
    # kill -9 mid-plan: every run in samples.csv has its steps and histogram rows
    # random-mix: enough ops that each run has samples at the default 1 in 2048 per kind
    "$FL" run -b glibc -b hybrid -w seed-sequence -w 'random-mix:count=12000' --runs 40 --no-perf \
        --quiet --out "$W/k" >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 300); do
        n=$(($(wc -l <"$W/k/samples.csv" 2>/dev/null || echo 1) - 1))
        [ "$n" -ge 6 ] && break
        sleep 0.1
    done
    kill -9 $pid || true             # it may have finished already
    wait $pid 2>/dev/null || true # killed: 137 is its status, not a failure
    python3 - "$W/k" <<'PY' || fail "journal inconsistent after kill -9"
import csv, json, sys
d = sys.argv[1]
runs = {(r["cell"], r["rep"]) for r in csv.DictReader(open(d + "/samples.csv"))}
steps = {(r["cell"], r["rep"]) for r in csv.DictReader(open(d + "/steps.csv"))}
hist = {(r["cell"], r["rep"]) for r in csv.DictReader(open(d + "/hist/runs.csv"))}
assert len(runs) >= 6, len(runs)
seedseq = {k for k in runs if k[0] in ("c001", "c003")}
assert seedseq <= steps, seedseq - steps     # seed-sequence marks steps
assert runs <= hist, runs - hist             # every ok run has latency buckets
json.load(open(d + "/run.json"))
print("ok: %d runs after kill -9, each with its steps and histogram rows" % len(runs))
PY
    ;;
scratch)
    # kill -9 leaves the run's scratch directory (nothing can remove it then); the next faultline
    # removes it, and leaves a live faultline's directory and another host's alone
    started() { # started PID: wait up to 5 s for PID's scratch directory
        for _ in $(seq 100); do
            compgen -G "/tmp/faultline-run-*-$1-*" >/dev/null && return 0
            sleep 0.05
        done
        fail "no scratch directory named after pid $1"
    }
    "$FL" run -b glibc -w churn:size=64,count=100000000,touch=none --runs 3 --no-perf --quiet \
        --no-out >/dev/null 2>&1 &
    dead=$!
    started $dead
    kill -9 $dead
    wait $dead 2>/dev/null || true
    left=$(compgen -G "/tmp/faultline-run-*-$dead-*") || fail "the killed run's directory is already gone"
    host=$(basename "$left" | cut -d- -f3)
    other=$(printf '%08x' $(((0x$host + 1) % 0x100000000)))
    mkdir "/tmp/faultline-run-$other-$dead-zzzzzz" # the same pid on another host sharing /tmp
    "$FL" run -b glibc -w churn:size=64,count=100000000,touch=none --runs 2 --no-perf --quiet \
        --no-out >/dev/null 2>&1 &
    live=$!
    started $live
    "$FL" run -b glibc -w churn:size=64,count=10,touch=none --runs 1 --quiet --no-out >/dev/null ||
        fail "a run beside the live one"
    ! compgen -G "/tmp/faultline-run-$host-$dead-*" >/dev/null || fail "the dead run's directory stayed"
    compgen -G "/tmp/faultline-run-*-$live-*" >/dev/null || fail "a live run's directory was removed"
    rmdir "/tmp/faultline-run-$other-$dead-zzzzzz" || fail "another host's directory was removed"
    wait $live || fail "the live run failed (its scratch directory was taken away?)"
    ! compgen -G "/tmp/faultline-run-*-$live-*" >/dev/null || fail "a finished run left its directory"
    echo "ok: a killed run's scratch directory is removed by the next faultline; live and other hosts' kept"
    ;;
fake-4096)
    # the allowed maximum plan: 4096 cells through the results pipeline, all rows there
    "$FL" sweep -b 'hybrid:threshold=4K..256K:+4K' -w 'churn:count=1..64:+1' --runs 1 --fake-measure \
        --quiet --out "$W/f" >/dev/null 2>&1 || fail "4096-cell sweep"
    for f in samples.csv aggregates.csv sweep.csv; do
        [ "$(($(wc -l <"$W/f/$f") - 1))" = 4096 ] || fail "$f: $(wc -l <"$W/f/$f") lines"
    done
    python3 -c "import json; assert len(json.load(open('$W/f/run.json'))['runs']) == 4096" || fail "run.json"
    echo "ok: 4096 cells in samples.csv, aggregates.csv, sweep.csv and run.json"
    ;;
*)
    fail "unknown test $t"
    ;;
esac
exit 0
