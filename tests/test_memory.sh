#!/usr/bin/env bash
# Tests of issue 18 through the real CLI: container limits (oom-killed vs ok, peak cross-checked
# against a leaf made by hand and read with cat), bad --cgroup/--thp input, and THP as an axis.
# usage: test_memory.sh CASE BUILD_DIR SOURCE_DIR
set -euo pipefail
case_name=$1
B=$2
FL="$B/faultline"
W=$(mktemp -d /tmp/fl-memtest-XXXXXX)
trap 'rm -rf "$W"' EXIT
fail() {
    echo "FAIL: $*"
    exit 1
}
skip() {
    echo "SKIP: $*"
    exit 77
}
# metric NAME of run 0 from run.json in DIR ("null" when not measured)
metric() {
    python3 - "$1/run.json" "$2" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))["runs"][0]
v = run["outcome"] if sys.argv[2] == "outcome" else run["metrics"].get(sys.argv[2])
print("null" if v is None else (v if isinstance(v, str) else int(v)))
PY
}
need_v1_root() {
    [ "$(id -u)" = 0 ] || skip "cgroup tests need root"
    grep -q ' - cgroup cgroup [^ ]*memory' /proc/self/mountinfo ||
        skip "no cgroup v1 memory controller mounted"
}
MiB=1048576

case "$case_name" in
cgroup-limit)
    need_v1_root
    "$FL" run -b mmap -w first-touch:size=96M --cgroup memory.max=64M -r 1 --quiet \
        --out "$W/small" >/dev/null || true
    o=$(metric "$W/small" outcome)
    echo "96 MiB under memory.max=64M: $o, cgroup_peak $(metric "$W/small" cgroup_peak)"
    [ "$o" = oom-killed ] || [ "$o" = "failed: ENOMEM" ] || fail "outcome '$o'"
    [ "$o" != oom-killed ] || [ "$(metric "$W/small" cgroup_oom_kills)" = 1 ] ||
        fail "oom_kills not 1"
    "$FL" run -b mmap -w first-touch:size=96M --cgroup memory.max=128M -r 1 --quiet \
        --out "$W/big" >/dev/null || fail "run under 128M failed"
    o=$(metric "$W/big" outcome)
    peak=$(metric "$W/big" cgroup_peak)
    head=$(metric "$W/big" cgroup_headroom)
    echo "96 MiB under memory.max=128M: $o, cgroup_peak $peak, headroom $head"
    [ "$o" = ok ] || fail "outcome '$o'"
    [ "$peak" -ge $((96 * MiB)) ] || fail "peak $peak < 96 MiB"
    [ "$head" -eq $((128 * MiB - peak)) ] || fail "headroom $head != limit - peak"
    # independent: the same run inside a leaf made with mkdir/echo, peak read with cat. That
    # leaf also holds the faultline parent, so its peak is the larger one, by a few MiB.
    own=$(grep -E '^[0-9]+:([^:]*,)?memory(,[^:]*)?:' /proc/self/cgroup | cut -d: -f3)
    mnt=$(awk '$0 ~ / - cgroup cgroup .*memory/ {print $5; exit}' /proc/self/mountinfo)
    leaf="$mnt$own/fl-test-$$"
    mkdir "$leaf"
    echo $((128 * MiB)) >"$leaf/memory.limit_in_bytes"
    sh -c 'echo 0 >"$1/cgroup.procs" && exec "$2" run -b mmap -w first-touch:size=96M -r 1 \
        --quiet --no-out >/dev/null' sh "$leaf" "$FL" || fail "hand-made leaf run failed"
    cat_peak=$(cat "$leaf/memory.max_usage_in_bytes")
    rmdir "$leaf"
    echo "cat memory.max_usage_in_bytes of a hand-made leaf: $cat_peak"
    if [ "$cat_peak" -lt "$peak" ] || [ "$cat_peak" -gt $((peak + 24 * MiB)) ]; then
        fail "cat peak $cat_peak vs faultline $peak"
    fi
    for d in "$mnt$own"/faultline-[0-9]*; do
        [ ! -e "$d" ] || fail "leaf cgroup left behind: $d"
    done
    ;;
cgroup-bad-input)
    check_bad() {
        local want=$1
        shift
        set +e
        err=$("$FL" "$@" --out "$W/never" 2>&1 >/dev/null)
        rc=$?
        set -e
        [ "$rc" = 2 ] || fail "$* exited $rc, want 2"
        [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] || fail "$*: not one line: $err"
        printf '%s\n' "$err" | grep -q -- "$want" || fail "$*: '$err' lacks '$want'"
        [ ! -e "$W/never" ] || fail "$*: created the results directory"
        echo "ok: $* -> $err"
    }
    check_bad "unknown key 'memory.maxx'" run -b mmap -w churn --cgroup memory.maxx=64M
    check_bad "unknown key 'cpu.max'" sweep -b mmap -w churn --cgroup 'cpu.max=1'
    check_bad "at least one page" run -b mmap -w churn --cgroup memory.max=100
    check_bad "at least one page" sweep -b mmap -w churn --cgroup memory.max=64M,1K
    check_bad "expected default|never|madvise-on" run -b mmap -w churn --thp always
    if [ "$(id -u)" = 0 ]; then
        command -v setpriv >/dev/null || skip "setpriv missing for the non-root case"
        set +e
        err=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$FL" run -b mmap -w churn \
            --cgroup memory.max=64M --out "$W/never" 2>&1 >/dev/null)
        rc=$?
        set -e
        if [ "$rc" != 2 ] || ! printf '%s\n' "$err" | grep -q "needs root"; then
            fail "non-root: rc $rc '$err'"
        fi
        [ ! -e "$W/never" ] || fail "non-root: created the results directory"
        echo "ok: non-root -> $err"
    fi
    ;;
breakdown-sum)
    # parts from the workload, the backend and the kernel sum to smaps_rollup Rss within one
    # page per part at every timeline point and step, for every faultline backend
    for b in brk mmap hybrid; do
        "$FL" run -b "$b" -w first-touch:size=16M -w sawtooth -w fragment -r 1 --settle 0 \
            --quiet --out "$W/$b" >/dev/null || fail "$b runs failed"
        for c in c001 c002 c003; do
            python3 - "$W/$b/breakdown/$c-r0.csv" "$W/$b/run.json" "$b" "$c" <<'PY' || exit 1
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
run = [x for x in json.load(open(sys.argv[2]))["runs"] if x["cell"] == sys.argv[4]][0]
parts = ("live", "overhead", "free_held", "file", "shmem")
worst = 0
for r in rows:
    total = int(r["baseline"]) + sum(int(r[p]) for p in parts) - int(r["untouched"])
    worst = max(worst, abs(int(r["rss"]) - total))
peak = max(int(r["rss"]) for r in rows)
hwm = run["metrics"]["hwm_rss"]
print(f"{sys.argv[3]} {sys.argv[4]}: {len(rows)} points, worst |rss - sum| {worst} B, "
      f"peak rss {peak} <= VmHWM {hwm}")
assert len(rows) >= 3, "too few points"
assert worst <= 7 * 4096, f"parts do not sum to rss: off by {worst}"
# VmHWM comes from per-CPU batched RSS counters (up to ~64 pages slack per CPU), smaps_rollup
# walks the page tables: allow 128 pages
assert peak <= hwm + 128 * 4096, "breakdown rss above VmHWM"
if sys.argv[4] == "c001":  # first-touch 16M: all of it resident once touched
    assert peak >= int(rows[0]["baseline"]) + 16 * 1048576, "16 MiB not seen"
    assert any(int(r["live"]) == 16 * 1048576 and
               int(r["untouched"]) <= int(r["free_held"]) + 4096 for r in rows), "not resident"
PY
        done
    done
    ;;
thp-axis)
    mode=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)
    [ -n "$mode" ] || skip "no transparent huge pages in this kernel"
    [ "$mode" != never ] || skip "system THP mode is never: madvise-on cannot take effect"
    # exact per-page fault counts hold for the program as built for measuring; ASan's shadow
    # memory adds faults that are not the workload's
    ! grep -q '^FAULTLINE_SANITIZE:BOOL=ON' "$B/CMakeCache.txt" 2>/dev/null ||
        skip "sanitizer build: its shadow memory adds faults that are not the workload's"
    "$FL" sweep -b mmap -w first-touch:size=16M --thp never,madvise-on -r 1 --settle 0 --quiet \
        --out "$W/thp" >/dev/null || fail "thp sweep failed"
    python3 - "$W/thp/sweep.csv" <<'PY' || exit 1
import csv, sys
rows = {r["thp"]: r for r in csv.DictReader(open(sys.argv[1]))}
never, on = rows["never"], rows["madvise-on"]
n = lambda r, k: int(float(r[k]))
print(f"never: minflt {n(never, 'minflt')} AnonHugePages peak {n(never, 'anon_huge_peak')}")
assert n(never, "anon_huge_peak") == 0, "huge pages despite PR_SET_THP_DISABLE"
assert abs(n(never, "minflt") - 4096) <= 2, "one fault per 4 KiB page"
huge = n(on, "anon_huge_peak") // (2 << 20)
print(f"madvise-on: minflt {n(on, 'minflt')} huge pages {huge} thp_fault_alloc "
      f"{n(on, 'thp_fault_alloc')} (system-wide) fallback {n(on, 'thp_fault_fallback')}")
assert n(on, "os_madvise") >= 1 and n(on, "sys_madvise") == n(on, "os_madvise"), "advice counted"
if huge == 0:
    print("kernel granted no huge page: thp_fault_fallback says why (fragmentation)")
    assert n(on, "thp_fault_fallback") > 0 or n(on, "thp_fault_alloc") == 0
else:
    # one fault per huge page plus one per remaining 4 KiB page
    want = huge + (16 * 1048576 - huge * (2 << 20)) // 4096
    assert abs(n(on, "minflt") - want) <= 2, f"minflt {n(on, 'minflt')} != {want}"
    assert n(on, "thp_fault_alloc") >= huge, "vmstat saw fewer huge faults"
    if on["perf_minflt"]:
        assert n(on, "perf_minflt") == n(on, "minflt"), "perf and getrusage disagree"
PY
    ;;
*)
    fail "unknown case $case_name"
    ;;
esac
echo PASS
