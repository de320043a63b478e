#!/usr/bin/env bash
# Issue 12's reproducers through the real CLI (see tests/hostile.cmake).
# Usage: test_hostile.sh TEST BUILD_DIR SOURCE_DIR
# Commands that are meant to fail are run as `rc=0; cmd || rc=$?` and their status is checked.
set -euo pipefail
t=$1
B=$2
# shellcheck disable=SC2034 # S, the source dir: part of the common test signature, unused so far
S=$3
FL="$B/faultline"
W=$(mktemp -d /tmp/fl-hostile-XXXXXX)
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

# survives CMD...: exit status 0, 1 or 2 (never a signal), no sanitizer report; sets $rc, $err
survives() {
    rc=0
    "$@" >"$W/out" 2>"$W/err" || rc=$?
    err=$(cat "$W/err")
    [ $rc -lt 128 ] || fail "$* died with status $rc: $err"
    ! grep -qE 'Sanitizer|runtime error|corrupted' "$W/err" || fail "$*: sanitizer report: $err"
    [ $rc -le 2 ] || fail "$*: status $rc: $err"
}
# refuses CMD...: exit 2 with one line on stderr that matches $want
refuses() {
    local want=$1
    shift
    survives "$@"
    [ $rc = 2 ] || fail "$* exited $rc, expected 2: $err"
    [ "$(wc -l <"$W/err")" = 1 ] || fail "$*: expected one line on stderr, got: $err"
    grep -qE -- "$want" "$W/err" || fail "$*: '$err' does not say /$want/"
}
fake() { # fake DIR [extra args]: a small fake-measure results directory
    local d=$1
    shift
    "$FL" run -b glibc -b 'hybrid:threshold=64K,trim=128K' -w churn:count=5,size=1M --runs 2 \
        --fake-measure --quiet --out "$d" "$@" >/dev/null 2>&1 || fail "fake run into $d"
}

case "$t" in
csv-crash)
    # heap-buffer-overflow: rows counted by \n but split on a lone \r (report and merge)
    mkdir -p "$W/cr"
    printf 'cell,backend\nx\rx\rx\r' >"$W/cr/samples.csv"
    survives "$FL" report --no-plots "$W/cr"
    survives "$FL" merge "$W/cr-merged" "$W/cr"
    # the same through hist/*.csv of a real directory
    fake "$W/h"
    mkdir -p "$W/h/hist"
    printf 'value_ns,count,cumulative\n1\r2\r3\r\r\r\r\r' >"$W/h/hist/c001-malloc.csv"
    survives "$FL" report --no-plots "$W/h"
    survives "$FL" merge "$W/h-merged" "$W/h"
    # a header with a lone CR: NULL reached strcmp (samples.csv, tune.csv)
    mkdir -p "$W/hdr" "$W/tune"
    printf 'cell\r,backend\nx,y\n' >"$W/hdr/samples.csv"
    survives "$FL" report --no-plots "$W/hdr"
    survives "$FL" merge "$W/hdr-merged" "$W/hdr"
    printf 'id\r,round,pareto,default,recommended\nt001,1,1,1,1\n' >"$W/tune/tune.csv"
    survives "$FL" report --no-plots "$W/tune"
    # an unterminated quote is one clear error, not a crash
    printf 'cell,backend\n"c001,glibc\n' >"$W/cr/samples.csv"
    refuses 'unterminated quoted field' "$FL" merge "$W/q-merged" "$W/cr"
    echo "ok: crash inputs handled"
    ;;
special-files)
    fake "$W/f"
    rm "$W/f/run.json"
    mkfifo "$W/f/run.json"
    rc=0
    timeout 20 "$FL" report --no-plots "$W/f" >"$W/out" 2>&1 || rc=$?
    [ $rc != 124 ] || fail "report hangs on a FIFO run.json"
    [ $rc = 0 ] || fail "report with a FIFO run.json exited $rc: $(cat "$W/out")"
    grep -q 'refusing to read a FIFO' "$W/f/index.html" || fail "index.html does not name the FIFO"
    rm "$W/f/run.json"
    ln -s /dev/zero "$W/f/steps.csv" 2>/dev/null || { rm "$W/f/steps.csv"; ln -s /dev/zero "$W/f/steps.csv"; }
    refuses 'steps.csv: refusing to read a character device' timeout 20 "$FL" report --no-plots "$W/f"
    refuses 'steps.csv: refusing to read a character device' timeout 20 "$FL" merge "$W/m" "$W/f"
    echo "ok: FIFOs and devices refused"
    ;;
numbers)
    for bad in 1/-1 0/4 5/4 1/ /4 ' 1/4' 1/4x 1/99999999999999999999; do
        refuses "--shard.*expected K/N" "$FL" sweep -b glibc -w churn --fake-measure --no-out --shard "$bad"
    done
    for bad in -1 ' 3' 3x 99999999999999999999 0x10; do
        refuses "--runs.*expected an integer" "$FL" run -b glibc -w churn --fake-measure --no-out --runs "$bad"
    done
    for bad in inf nan 1e999 -1 0 0x10; do
        refuses "--timeout.*expected seconds" "$FL" run -b glibc -w churn --fake-measure --no-out --timeout "$bad"
    done
    # signed overflow in sweep ranges (UBSan at sweep.c:71 and :73)
    survives "$FL" sweep -b 'hybrid:threshold=4611686018427387904..9223372036854775807:x2' -w churn --fake-measure --no-out
    [ $rc = 2 ] || fail "huge geometric range accepted"
    survives "$FL" sweep -b 'hybrid:threshold=9223372036854775806..9223372036854775807:+4' -w churn --fake-measure --no-out
    [ $rc = 2 ] || fail "huge linear range accepted"
    refuses 'geometric range cannot start at 0' "$FL" sweep -b 'hybrid:threshold=0..1M:x2' -w churn --fake-measure --no-out
    # a program's retained_rss_kb line: 1e999 was recorded as 1 KiB, 99999999999999999999999 as
    # 8.6e9 TiB; now the run fails and tune says why in one line
    for bad in 1e999 99999999999999999999999 -5 nan 12x; do
        survives timeout 60 "$FL" tune --budget 2 --runs 1 --no-out --quiet -- \
            sh -c "echo retained_rss_kb=$bad"
        [ $rc = 1 ] || fail "tune with retained_rss_kb=$bad exited $rc: $err"
        [ "$(wc -l <"$W/err")" = 1 ] && grep -qF "retained_rss_kb=$bad: expected an integer" "$W/err" ||
            fail "tune with retained_rss_kb=$bad: $err"
    done
    echo "ok: numbers validated"
    ;;
csv-quoting)
    # a comma and a ';' in parameters: RFC 4180 quoting keeps them through merge and report
    fake "$W/q"
    grep -q '"threshold=64K,trim=128K"' "$W/q/samples.csv" || fail "params not quoted: $(head -2 "$W/q/samples.csv")"
    survives "$FL" merge "$W/qm" "$W/q"
    [ $rc = 0 ] || fail "merge: $err"
    python3 - "$W/q/samples.csv" "$W/qm/samples.csv" <<'PY' || fail "merge changed the cells"
import csv, sys
key = lambda f: sorted((r["backend"], r["backend_params"], r["workload"], r["workload_params"], r["rep"])
                       for r in csv.DictReader(open(f, newline="")))
a, b = key(sys.argv[1]), key(sys.argv[2])
assert a == b, (a, b)
assert any(r[1] == "threshold=64K,trim=128K" for r in a), a
PY
    survives "$FL" report --no-plots "$W/qm"
    [ $rc = 0 ] || fail "report of the merged directory: $err"
    grep -q 'hybrid:threshold=64K,trim=128K' "$W/qm/report.md" || fail "report.md lost the comma"
    echo "ok: quoted values round-trip"
    ;;
compare-numbers)
    # metrics of 1e308 printed "inf" medians; a negative rss_peak counted as "improved"
    fake "$W/base"
    for v in 1e308 -5 1e19; do
        python3 - "$W/base/run.json" "$W/new.json" "$v" <<'PY' || fail "cannot write new.json ($v)"
import json, sys
doc = json.load(open(sys.argv[1]))
doc["runs"][0]["metrics"]["rss_peak"] = float(sys.argv[3])
json.dump(doc, open(sys.argv[2], "w"))
PY
        refuses "runs\[0\]\.metrics\.rss_peak = .*expected a finite number >= 0" \
            "$FL" compare "$W/base/run.json" "$W/new.json"
    done
    printf '{"runs": [1e999]}' >"$W/huge.json"
    refuses "huge.json: line 1" "$FL" compare "$W/base/run.json" "$W/huge.json"
    mkfifo "$W/fifo.json"
    refuses "fifo.json: refusing to read a FIFO" timeout 20 "$FL" compare "$W/base/run.json" "$W/fifo.json"
    refuses "refusing to read a character device" timeout 20 "$FL" compare "$W/base/run.json" /dev/zero
    echo "ok: compare refuses impossible numbers and special files"
    ;;
full-disk)
    # a 64 KiB tmpfs: every writing command exits non-zero with one ENOSPC line naming the path,
    # and what it wrote before stays parseable
    if [ "$(id -u)" != 0 ]; then
        echo "SKIP: mounting a 64 KiB tmpfs needs root"
        exit 77
    fi
    M="$W/full"
    mkdir -p "$M"
    mount -t tmpfs -o size=64k tmpfs "$M" || { echo "SKIP: cannot mount tmpfs here"; exit 77; }
    trap 'umount "$M" 2>/dev/null; rm -rf "$W"' EXIT
    one_enospc() { # what: exit 1, exactly one stderr line, naming ENOSPC and a path under $M
        [ $rc = 1 ] || fail "$1 exited $rc on a full disk: $err"
        # one error line; "results: DIR" (where the run went) is information, not an error
        [ "$(grep -vc '^results: ' "$W/err")" = 1 ] || fail "$1: expected one line, got: $err"
        grep -qE "cannot write $M/.*No space left on device \(ENOSPC\)" "$W/err" ||
            fail "$1: '$err' does not name the path and ENOSPC"
    }
    parseable() { # every run.json and CSV under $1 parses
        python3 - "$1" <<'PY' || fail "files left unparseable under $1"
import csv, glob, json, os, sys
for f in glob.glob(os.path.join(sys.argv[1], "**", "*"), recursive=True):
    if f.endswith(".json"):
        json.load(open(f))
    elif f.endswith(".csv"):
        list(csv.reader(open(f, newline="")))
PY
    }
    survives "$FL" run -b glibc -b hybrid -w churn:count=20 -w seed-sequence --runs 2 --quiet --out "$M/run"
    one_enospc run
    parseable "$M/run"
    rm -rf "${M:?}"/*
    survives "$FL" sweep -b 'hybrid:threshold=64K..1M:x2' -w churn:count=20 --runs 2 --quiet --out "$M/sweep"
    one_enospc sweep
    parseable "$M/sweep"
    rm -rf "${M:?}"/*
    fake "$W/src" --runs 5
    # the filler is meant to run the disk full: a short write (ENOSPC) is the point, not an error
    head -c 40000 /dev/urandom >"$M/filler" 2>/dev/null || true
    survives "$FL" merge "$M/merged" "$W/src"
    one_enospc merge
    parseable "$M/merged"
    rm -rf "${M:?}"/*
    # report writes into its input, so the input must fit the tmpfs whole: one run per cell
    # (~40 KiB) does; the 5-run source above (~76 KiB) did not, and its cp used to fail unnoticed
    fake "$W/src1" --runs 1
    cp -r "$W/src1" "$M/rep" || fail "the source run does not fit the empty 64 KiB tmpfs"
    # as above: the filler fills the disk, so its status does not matter
    head -c 36000 /dev/urandom >"$M/filler" 2>/dev/null || true
    survives "$FL" report --no-plots "$M/rep"
    one_enospc report
    parseable "$M/rep"
    rm -rf "${M:?}"/*
    survives "$FL" trace --no-baseline -o "$M/t.fltrace" -- "$B/tests/trace_prog" stress
    one_enospc trace
    echo "ok: full disk: one ENOSPC line and a non-zero exit from run, sweep, merge, report, trace"
    ;;
traces)
    python3 - "$W" <<'PY' || fail "cannot write the traces"
import struct, sys
hdr = b"FLTRACE\0" + struct.pack("<IIIIQ", 1, 32, 48, 1, 0)
def rec(op, thread, seq, size, addr, result):
    return struct.pack("<BBHIQQQQII", op, 0, 0, thread, seq, size, addr, result, 0, 0)
# thread 0 mallocs block 1 at seq 1 and thread 1 frees it at seq 1 too: no defined order
open(sys.argv[1] + "/dupseq.fltrace", "wb").write(hdr + rec(1, 0, 1, 64, 0, 1) + rec(2, 1, 1, 0, 1, 0))
# valid, but malloc(8 GiB) touched page by page would exhaust the host
open(sys.argv[1] + "/big.fltrace", "wb").write(hdr + rec(1, 0, 1, 8589934592, 0, 1) + rec(2, 0, 2, 0, 1, 0))
PY
    refuses "dupseq.fltrace: sequence number shared by two records at offset 80" \
        "$FL" trace --dump "$W/dupseq.fltrace"
    # exit status of run: 0 all runs ok, 1 some failed (here: all of them)
    rc=0
    "$FL" run -b glibc -w "replay:file=$W/dupseq.fltrace" --runs 1 --no-out --quiet --format csv \
        >"$W/out" 2>&1 || rc=$?
    [ $rc = 1 ] || fail "replay of dupseq.fltrace exited $rc, expected 1: $(cat "$W/out")"
    grep -q "sequence number shared by two records at offset 80" "$W/out" ||
        fail "replay does not reject the shared seq like --dump: $(cat "$W/out")"
    # the default data limit holds in every build (under ASan the runner sets it on top of its
    # shadow memory: runlimits.h)
    rc=0
    "$FL" run -b mmap -b glibc -w "replay:file=$W/big.fltrace" --runs 1 --no-out --quiet \
        --format csv >"$W/out" 2>&1 || rc=$?
    [ $rc = 1 ] || fail "8 GiB trace: exit $rc, expected 1: $(cat "$W/out")"
    [ "$(grep -c ',failed: ENOMEM,' "$W/out")" = 2 ] || fail "8 GiB trace: $(cat "$W/out")"
    refuses "--mem-limit 12: expected a size >= 1M" "$FL" run -b glibc -w churn --no-out --mem-limit 12
    # --mem-limit off lifts the limit; a small explicit one bounds a small workload
    rc=0
    "$FL" run -b mmap -w first-touch:size=64M --runs 1 --no-out --quiet --format csv \
        --mem-limit 16M >"$W/out" 2>&1 || rc=$?
    [ $rc = 1 ] || fail "--mem-limit 16M: exit $rc, expected 1: $(cat "$W/out")"
    grep -q ',failed: ENOMEM,' "$W/out" || fail "--mem-limit 16M did not bound first-touch 64M"
    "$FL" run -b mmap -w first-touch:size=64M --runs 1 --no-out --quiet --format csv \
        --mem-limit off >"$W/out" 2>&1 || fail "--mem-limit off: $(cat "$W/out")"
    echo "ok: dump and replay agree; the measured child is bounded (failed: ENOMEM)"
    ;;
merge-checks)
    fake "$W/a"
    refuses "are the same directory" "$FL" merge "$W/m1" "$W/a" "$W/a/"
    [ ! -e "$W/m1" ] || fail "merge created OUT before refusing"
    cp -r "$W/a" "$W/a-copy"
    survives "$FL" merge "$W/m2" "$W/a" "$W/a-copy"
    [ $rc = 0 ] || fail "merge of a copy: $err"
    grep -q "warning: .*a-copy: 4 runs skipped: its run id was already merged from .*/a$" "$W/err" ||
        fail "no dedupe warning naming the run id: $err"
    [ "$(($(wc -l <"$W/m2/samples.csv") - 1))" = 4 ] || fail "runs counted twice"
    # each input keeps its context (run id, host, machine) per shard; the hosts are listed
    "$FL" run -b glibc -w churn:count=6 --runs 2 --fake-measure --quiet --out "$W/b" >/dev/null 2>&1 ||
        fail "fake run b"
    python3 - "$W/b/run.json" <<'PY' || fail "cannot edit b's host"
import json, sys
d = json.load(open(sys.argv[1]))
d["context"]["host"] = "other-host"
json.dump(d, open(sys.argv[1], "w"))
PY
    survives "$FL" merge "$W/m5" "$W/a" "$W/b" "$W/a-copy"
    [ $rc = 0 ] || fail "merge a b: $err"
    survives "$FL" merge "$W/m6" "$W/m5" "$W/b"
    [ $rc = 0 ] || fail "merge of a merged directory and its shard: $err"
    grep -q "warning: .*/b: 2 runs skipped: its run id was already merged" "$W/err" ||
        fail "a shard of a merged input not recognised by its run id: $err"
    python3 - "$W" <<'PY' || fail "merged run.json lost its inputs' contexts"
import json, os, sys
w = sys.argv[1]
a, b = (json.load(open(w + "/%s/run.json" % x))["context"] for x in "ab")
for m in ("m5", "m6"):
    d = json.load(open(w + "/%s/run.json" % m))
    assert d["hosts"] == [a["host"], "other-host"], (m, d["hosts"])
    ins = d["inputs"]
    assert [i["run_id"] for i in ins] == [a["run_id"], b["run_id"]], (m, ins)
    assert [os.path.basename(i["dir"]) for i in ins] == ["a", "b"], (m, ins)
    assert ins[0]["context"] == a and ins[1]["context"] == b, (m, ins)
    assert [(i["runs"], i["skipped_runs"]) for i in ins] == [(4, 0), (2, 0)], (m, ins)
    assert [i["host"] for i in ins] == [a["host"], "other-host"], (m, ins)
    assert d["context"]["run_id"] not in (a["run_id"], b["run_id"]), m
print("ok: inputs and hosts kept through two merges")
PY
    # a cell id that walks out of the tree: refused before anything is created
    mkdir -p "$W/evil/hist" "$W/secret"
    echo "value_ns,count,cumulative" >"$W/secret/x-malloc.csv"
    sed '2s/^c001,/..\/secret\/x,/' "$W/a/samples.csv" >"$W/evil/samples.csv"
    refuses "cell id '../secret/x' is not c<digits>" "$FL" merge "$W/m3" "$W/evil"
    [ ! -e "$W/m3" ] || fail "merge created OUT before refusing"
    # a ';' in a parameter value (and a comma-separated parameter list) survive the merge
    cp "$S/results/traces/sort.fltrace" "$W/a;b.fltrace"
    "$FL" run -b glibc -w "replay:file=$W/a;b.fltrace,touch=off" --runs 1 --fake-measure --quiet \
        --out "$W/semi" >/dev/null 2>&1 || fail "fake run with ';' in a file name"
    survives "$FL" merge "$W/m4" "$W/semi"
    [ $rc = 0 ] || fail "merge with ';': $err"
    python3 - "$W/semi/samples.csv" "$W/m4/samples.csv" "$W/a;b.fltrace" <<'PY' || fail "';' not kept"
import csv, sys
a = list(csv.DictReader(open(sys.argv[1], newline="")))
b = list(csv.DictReader(open(sys.argv[2], newline="")))
assert [r["workload"] for r in b] == ["replay"], b
assert b[0]["workload_params"] == a[0]["workload_params"] == "file=%s,touch=off" % sys.argv[3], b
PY
    echo "ok: merge refuses paths and repeated inputs, dedupes repeated runs, keeps ';'"
    ;;
reuse-out)
    # a run into a directory that held a sweep: nothing of the sweep may remain beside the run
    "$FL" sweep -b 'hybrid:threshold=64K..256K:x2' -w churn:count=5 --runs 1 --fake-measure \
        --quiet --out "$W/o" >/dev/null 2>&1 || fail "sweep"
    [ -f "$W/o/sweep.csv" ] || fail "no sweep.csv to start from"
    touch "$W/o/timeline-marker"
    mkdir -p "$W/o/timeline"
    echo "value_ns,count,cumulative" >"$W/o/hist/c002-malloc.csv"
    echo "t_ns,rss" >"$W/o/timeline/c002-r0.csv"
    survives "$FL" run -b glibc -w churn:count=5 --runs 1 --fake-measure --quiet --out "$W/o"
    [ $rc = 0 ] || fail "run into the old sweep directory: $err"
    for f in sweep.csv timeline-marker hist/c002-malloc.csv timeline/c002-r0.csv; do
        [ ! -e "$W/o/$f" ] || fail "stale sweep file $f mixed in"
    done
    [ "$(($(wc -l <"$W/o/samples.csv") - 1))" = 1 ] || fail "samples.csv is not the new run's"
    ! ls -d "$W"/o.* 2>/dev/null || fail "the old set or a staging directory was left: $(ls -d "$W"/o.*)"
    grep -q "^results: $W/o\$" "$W/err" || fail "the staging path was shown: $err"
    # kill -9 mid-run: the old set stays whole in DIR (a swap in one step happens only at the
    # end); the runs finished so far are readable in the staging directory beside it
    "$FL" sweep -b 'hybrid:threshold=64K..256K:x2' -w churn:count=5 --runs 1 --fake-measure \
        --quiet --out "$W/k" >/dev/null 2>&1 || fail "sweep k"
    "$FL" run -b glibc -w churn:count=5,size=4K --runs 400 --no-perf --quiet --out "$W/k" \
        >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 300); do
        # cat fails until the staging directory exists; wc's count (0 then) is what is checked
        lines=$(cat "$W"/k.new-*/samples.csv 2>/dev/null | wc -l) || true
        [ "$lines" -ge 4 ] && break # the header and 3 runs
        sleep 0.1
    done
    kill -9 $pid || fail "the 400-run run ended before kill -9"
    rc=0
    wait $pid 2>/dev/null || rc=$?
    [ $rc = 137 ] || fail "the run killed by kill -9 exited $rc, expected 137 (SIGKILL)"
    python3 - "$W/k" "$W/k.new-$pid" <<'PY' || fail "not the old set or the new one after kill -9"
import csv, json, sys
old, new = sys.argv[1], sys.argv[2]
json.load(open(old + "/run.json"))
assert len(list(csv.DictReader(open(old + "/sweep.csv")))) == 3
rows = list(csv.DictReader(open(old + "/samples.csv")))
assert {r["backend"] for r in rows} == {"hybrid"} and len(rows) == 3, rows
json.load(open(new + "/run.json"))
rows = list(csv.DictReader(open(new + "/samples.csv")))
assert len(rows) >= 3 and {r["backend"] for r in rows} == {"glibc"}, rows
print("ok: old set whole in DIR, %d new runs readable in the staging directory" % len(rows))
PY
    # a non-empty directory that is not a results directory is refused, untouched
    mkdir -p "$W/mine"
    echo keep >"$W/mine/notes.txt"
    refuses "--out .*mine: not empty and not a faultline results directory" \
        "$FL" run -b glibc -w churn --fake-measure --out "$W/mine"
    [ "$(cat "$W/mine/notes.txt")" = keep ] || fail "refused directory was touched"
    echo "ok: --out replaces an earlier result set whole and atomically, refuses other directories"
    ;;
*)
    fail "unknown test $t"
    ;;
esac
