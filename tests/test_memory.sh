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
*)
    fail "unknown case $case_name"
    ;;
esac
echo PASS
