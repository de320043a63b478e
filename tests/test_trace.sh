#!/bin/bash
# Trace capture and replay: `faultline trace` of tests/trace_prog must list exactly its calls;
# replays of it give outcome ok and live_peak = its peak live bytes on every backend; bad files
# give one line with the byte offset (exit 2 / outcome failed: EINVAL); shipped traces replay.
# Usage: test_trace.sh MODE FAULTLINE [ARGS...]; exit 0 pass, 1 fail, 77 skip.
# Commands that are meant to fail are run as `rc=0; cmd || rc=$?` and their status is checked.
set -euo pipefail
mode=$1
fl=$2
shift 2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fl-trace.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

[ -x "$fl" ] || fail "$fl missing"

# Peak live bytes over dump lines on stdin (seq order), the same rules as the replay: a realloc
# that returned NULL for size 0 freed its block; pvalloc accounts whole pages.
# shellcheck disable=SC2016 # an awk program: $1 and friends are awk's fields
peak_awk='
/^#/ { next }
{ op = $3; size = $4; addr = $6; res = $7
  if (op == "pvalloc") size = size ? int((size + 4095) / 4096) * 4096 : 4096
  if (addr != 0 && (op == "free" || res != 0 || size == 0)) { live -= sz[addr]; delete sz[addr] }
  if (res != 0) { sz[res] = size; live += size; if (live > peak) peak = live }
}
END { print peak + 0 }'

# Field of a `faultline run --format csv` row by column name.
csv_field() { # file column (first data row; RFC 4180: parameter lists are quoted)
    python3 -c 'import csv, sys; print(next(csv.DictReader(open(sys.argv[1], newline="")))[sys.argv[2]])' "$1" "$2"
}

capture_prog() { # prog -> $tmp/prog.fltrace, $tmp/prog.out, $tmp/prog.dump
    "$fl" trace -o "$tmp/prog.fltrace" -- "$1" >"$tmp/prog.out" 2>"$tmp/prog.err" ||
        fail "trace of trace_prog exited $?: $(cat "$tmp/prog.err")"
    grep -q "records, 2 threads" "$tmp/prog.err" || fail "summary: $(cat "$tmp/prog.err")"
    "$fl" trace --dump "$tmp/prog.fltrace" >"$tmp/prog.dump" || fail "dump exited $?"
}

# The window of trace_prog.c's own calls, ids relative to the marker's id M.
expected_window() { # M
    local m=$1 i
    echo "0 malloc 123457 0 0 $m"
    for ((i = 0; i < 100; i++)); do echo "0 malloc $((16 * (i + 1))) 0 0 $((m + 1 + i))"; done
    for ((i = 0; i < 100; i += 2)); do echo "0 free 0 0 $((m + 1 + i)) 0"; done
    echo "0 realloc 5000 0 $((m + 2)) $((m + 101))"
    echo "0 memalign 1000 64 0 $((m + 102))"
    echo "0 posix_memalign 300 256 0 $((m + 103))"
    echo "0 aligned_alloc 512 128 0 $((m + 104))"
    echo "0 calloc 200 0 0 $((m + 105))"
    echo "0 reallocarray 300 0 0 $((m + 106))"
    echo "0 valloc 100 4096 0 $((m + 107))"
    echo "0 pvalloc 100 4096 0 $((m + 108))"
    echo "0 memalign 100 24 0 $((m + 109))"
    for ((i = 0; i < 3; i++)); do echo "1 malloc 20000 0 0 $((m + 110 + i))"; done
    echo "1 free 0 0 $((m + 4)) 0"
    echo "1 free 0 0 $((m + 110)) 0"
    echo "0 free 0 0 $((m + 111)) 0"
    echo "0 free 0 0 $((m + 112)) 0"
    for ((i = 102; i <= 109; i++)); do echo "0 free 0 0 $((m + i)) 0"; done
    echo "0 free 0 0 $((m + 101)) 0"
    for ((i = 5; i < 100; i += 2)); do echo "0 free 0 0 $((m + 1 + i)) 0"; done
    echo "0 free 0 0 $m 0"
}

case $mode in
dump_prog)
    prog=$1
    capture_prog "$prog"
    read -r _ own_peak _ own_live <"$tmp/prog.out" || fail "no output from trace_prog"
    [ "$own_live" = 0 ] || fail "trace_prog ends with $own_live live bytes"
    m=$(awk '!/^#/ && $3 == "malloc" && $4 == 123457 { print $7; exit }' "$tmp/prog.dump")
    [ -n "$m" ] || fail "marker malloc(123457) not in the dump"
    # Seq order from the marker's malloc through its free, without the seq column.
    awk -v m="$m" '!/^#/ && $3 == "malloc" && $4 == 123457 { on = 1 }
                   on { print $2, $3, $4, $5, $6, $7 }
                   on && $3 == "free" && $6 == m { exit }' "$tmp/prog.dump" >"$tmp/window"
    expected_window "$m" >"$tmp/expected"
    diff "$tmp/expected" "$tmp/window" >"$tmp/diff" ||
        fail "window differs from trace_prog's calls (< expected, > dump): $(head -20 "$tmp/diff")"
    wpeak=$(awk '!/^#/' "$tmp/window" | awk '{ print 0, $0 }' | awk "$peak_awk")
    [ "$wpeak" = "$own_peak" ] || fail "window peak $wpeak, trace_prog counted $own_peak"
    peak=$(awk "$peak_awk" "$tmp/prog.dump")
    grep -q "^# records [0-9]* threads 2 blocks [0-9]* peak_live $peak live_end " "$tmp/prog.dump" ||
        fail "dump summary $(tail -1 "$tmp/prog.dump") disagrees with peak $peak"
    awk '!/^#/ { print $1 }' "$tmp/prog.dump" | sort -n -c || fail "dump not in seq order"
    ;;
replay_prog)
    prog=$1
    backend=$2
    capture_prog "$prog"
    peak=$(awk "$peak_awk" "$tmp/prog.dump")
    ops=$(grep -vc '^#' "$tmp/prog.dump") || fail "no records in the dump"
    "$fl" run -b "$backend" -w "replay:file=$tmp/prog.fltrace" --runs 2 --no-out --format csv \
        --quiet >"$tmp/run.csv" 2>"$tmp/run.err" || fail "run exited $?: $(cat "$tmp/run.err")"
    [ "$(csv_field "$tmp/run.csv" outcome)" = ok ] || fail "outcome: $(cat "$tmp/run.csv")"
    lp=$(csv_field "$tmp/run.csv" live_peak) || fail "no live_peak: $(cat "$tmp/run.csv")"
    [ "$lp" = "$peak" ] || fail "$backend: live_peak $lp, traced program's peak $peak"
    # Every record is one replayed op: trace_prog has no failed calls.
    [ "$(csv_field "$tmp/run.csv" ops)" = "$ops" ] || fail "ops $(csv_field "$tmp/run.csv" ops), records $ops"
    "$fl" run -b "$backend" -w "replay:file=$tmp/prog.fltrace,touch=off" --runs 1 --no-out \
        --format csv --quiet >"$tmp/run2.csv" 2>&1 || fail "touch=off run exited $?"
    [ "$(csv_field "$tmp/run2.csv" touched_pages)" = 0 ] || fail "touch=off touched pages"
    ;;
bad)
    prog=$1
    capture_prog "$prog"
    good=$tmp/prog.fltrace
    n=$(stat -c %s "$good")
    # expect_bad FILE MESSAGE: dump exits 2 with exactly that line; a run fails with EINVAL (and
    # exits 1: some runs failed).
    expect_bad() {
        local f=$1 msg=$2 rc=0
        "$fl" trace --dump "$f" >"$tmp/out" 2>"$tmp/err" || rc=$?
        [ $rc = 2 ] || fail "dump of $msg: exit $rc"
        [ "$(cat "$tmp/err")" = "$f: $msg" ] || fail "dump said '$(cat "$tmp/err")', want '$f: $msg'"
        rc=0
        "$fl" run -b hybrid -w "replay:file=$f" --runs 1 --no-out --format csv \
            >"$tmp/run.csv" 2>"$tmp/run.err" || rc=$?
        [ $rc = 1 ] || fail "run of $msg: exit $rc, expected 1: $(cat "$tmp/run.err")"
        [ "$(csv_field "$tmp/run.csv" outcome)" = "failed: EINVAL" ] ||
            fail "run of $msg: outcome '$(csv_field "$tmp/run.csv" outcome)'"
        grep -qF "$f: $msg" "$tmp/run.err" || fail "run of $msg: no error line: $(cat "$tmp/run.err")"
    }
    poke() { # file offset byte-values...
        local f=$1 off=$2
        shift 2
        # shellcheck disable=SC2059 # the format is the byte string itself (\xNN escapes)
        printf "$(printf '\\x%02x' "$@")" | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
    }
    head -c $((n - 20)) "$good" >"$tmp/trunc.fltrace"
    expect_bad "$tmp/trunc.fltrace" "truncated record at offset $((32 + (n - 32 - 20) / 48 * 48))"
    head -c 20 "$good" >"$tmp/short.fltrace"
    expect_bad "$tmp/short.fltrace" "truncated header at offset 20"
    head -c 4096 /dev/urandom >"$tmp/garbage.fltrace"
    printf 'X' | dd of="$tmp/garbage.fltrace" bs=1 conv=notrunc status=none # never "FLTRACE"
    expect_bad "$tmp/garbage.fltrace" "bad magic (not a faultline trace) at offset 0"
    cp "$good" "$tmp/version.fltrace"
    poke "$tmp/version.fltrace" 8 9
    expect_bad "$tmp/version.fltrace" "unsupported trace format version at offset 8"
    cp "$good" "$tmp/op.fltrace"
    poke "$tmp/op.fltrace" $((32 + 3 * 48)) 0xee
    expect_bad "$tmp/op.fltrace" "invalid op at offset $((32 + 3 * 48))"
    cp "$good" "$tmp/thread.fltrace"
    poke "$tmp/thread.fltrace" $((32 + 5 * 48 + 4)) 0 0 0 0x7f
    expect_bad "$tmp/thread.fltrace" "thread index out of range at offset $((32 + 5 * 48))"
    cp "$good" "$tmp/id.fltrace"
    poke "$tmp/id.fltrace" $((32 + 7 * 48 + 32)) 0xff 0xff 0xff 0xff 0xff 0xff 0xff 0x7f
    expect_bad "$tmp/id.fltrace" "block id out of range at offset $((32 + 7 * 48))"
    cp "$good" "$tmp/size.fltrace"
    poke "$tmp/size.fltrace" $((32 + 2 * 48 + 16)) 0 0 0 0 0 0 0 0x40 # record 2: an allocation
    expect_bad "$tmp/size.fltrace" "size out of range at offset $((32 + 2 * 48))"
    # Two consecutive mallocs of one thread (so file order is their global order): the second
    # claiming the first one's id is named.
    rec() { od -An -tu"$3" -j $((32 + $1 * 48 + $2)) -N"$3" "$good" | tr -d ' '; } # index off bytes
    k=0
    while [ $k -lt 300 ]; do
        if [ "$(rec $k 0 1)" = 1 ] && [ "$(rec $((k + 1)) 0 1)" = 1 ] &&
            [ "$(rec $k 4 4)" = "$(rec $((k + 1)) 4 4)" ]; then
            break
        fi
        k=$((k + 1))
    done
    [ $k -lt 300 ] || fail "no two consecutive mallocs of one thread"
    cp "$good" "$tmp/dup.fltrace"
    dd if="$good" of="$tmp/dup.fltrace" bs=1 skip=$((32 + k * 48 + 32)) \
        seek=$((32 + (k + 1) * 48 + 32)) count=8 conv=notrunc status=none
    expect_bad "$tmp/dup.fltrace" "block id produced twice at offset $((32 + (k + 1) * 48))"
    rc=0
    "$fl" trace --dump "$tmp/missing.fltrace" >/dev/null 2>&1 || rc=$?
    [ $rc = 2 ] || fail "dump of a missing file must exit 2 (exit $rc)"
    ;;
fuzz)
    # Seeded corruptions of a valid trace (1-4 random bytes each, plus random cuts): --dump exits
    # 0 or 2 and the replay ends ok or failed: EINVAL, never a crash (ASan builds check memory).
    prog=$1
    capture_prog "$prog"
    good=$tmp/prog.fltrace
    n=$(stat -c %s "$good")
    awk -v n="$n" 'BEGIN { srand(1234); for (i = 0; i < 60; i++) {
        k = 1 + int(rand() * 4); line = i % 10 == 9 ? "cut " int(rand() * n) : "poke"
        for (j = 0; j < k; j++) line = line " " int(rand() * n) ":" int(rand() * 256)
        print line } }' >"$tmp/plan"
    i=0
    rejected=0
    while read -r kind rest; do
        f=$tmp/f$i.fltrace
        # shellcheck disable=SC2086 # $rest is the plan's word list, split on purpose
        if [ "$kind" = cut ]; then
            set -- $rest
            head -c "$1" "$good" >"$f"
            shift
        else
            cp "$good" "$f"
            # shellcheck disable=SC2086 # $rest is the plan's word list, split on purpose
            set -- $rest
        fi
        for pv in "$@"; do
            # shellcheck disable=SC2059 # the format is the byte string itself (\xNN escapes)
            printf "$(printf '\\x%02x' "${pv#*:}")" |
                dd of="$f" bs=1 seek="${pv%:*}" conv=notrunc status=none
        done
        rc=0
        "$fl" trace --dump "$f" >/dev/null 2>"$tmp/err" || rc=$?
        if [ $rc = 2 ]; then
            rejected=$((rejected + 1))
        fi
        [ $rc = 0 ] || [ $rc = 2 ] || fail "dump of corruption $i ($kind $rest): exit $rc"
        [ $rc = 0 ] || [ "$(wc -l <"$tmp/err")" = 1 ] || fail "dump $i: not one line: $(cat "$tmp/err")"
        if [ $((i % 4)) = 0 ]; then
            rrc=0
            "$fl" run -b hybrid -w "replay:file=$f" --runs 1 --no-out --format csv --quiet \
                --timeout 30 >"$tmp/run.csv" 2>/dev/null || rrc=$?
            o=$(csv_field "$tmp/run.csv" outcome) ||
                fail "replay of corruption $i ($kind $rest): no outcome (exit $rrc)"
            # exit status: 0 all runs ok, 1 some failed
            case $o in
            ok) [ $rrc = 0 ] || fail "replay of corruption $i: outcome ok, exit $rrc" ;;
            "failed: EINVAL") [ $rrc = 1 ] || fail "replay of corruption $i: failed, exit $rrc" ;;
            *) fail "replay of corruption $i ($kind $rest): outcome '$o'" ;;
            esac
            if [ "$o" = ok ] && [ $rc != 0 ]; then
                fail "corruption $i: replay ok but dump rejected it"
            fi
            if [ "$o" != ok ] && [ $rc = 0 ]; then
                fail "corruption $i: dump accepted, replay rejected"
            fi
        fi
        i=$((i + 1))
    done <"$tmp/plan"
    # Most single-byte changes hit an op, a thread, an id or a cut: the checks must notice.
    [ "$rejected" -ge 40 ] || fail "only $rejected of 60 corruptions rejected"
    ;;
shipped)
    trace=$1
    backend=$2
    [ -s "$trace" ] || fail "$trace missing"
    "$fl" trace --dump "$trace" >"$tmp/dump" || fail "dump of $trace exited $?"
    peak=$(awk "$peak_awk" "$tmp/dump")
    "$fl" run -b "$backend" -w "replay:file=$trace" --runs 1 --no-out --format csv --quiet \
        >"$tmp/run.csv" 2>"$tmp/run.err" || fail "run exited $?: $(cat "$tmp/run.err")"
    [ "$(csv_field "$tmp/run.csv" outcome)" = ok ] || fail "outcome: $(cat "$tmp/run.csv")"
    [ "$(csv_field "$tmp/run.csv" live_peak)" = "$peak" ] ||
        fail "live_peak $(csv_field "$tmp/run.csv" live_peak), trace peak $peak"
    ;;
detached)
    # A thread still running at exit: its buffered records are flushed by the exit destructor.
    prog=$1
    "$fl" trace --no-baseline -o "$tmp/d.fltrace" -- "$prog" detached 2>"$tmp/err" ||
        fail "trace exited $?: $(cat "$tmp/err")"
    "$fl" trace --dump "$tmp/d.fltrace" >"$tmp/dump" || fail "dump exited $?"
    n=$(awk '!/^#/ && $2 == 1 && $3 == "malloc" && $4 >= 777 && $4 <= 781' "$tmp/dump" | wc -l)
    [ "$n" = 5 ] || fail "the lingering thread's 5 mallocs: found $n"
    mine=$(awk '!/^#/ && $3 == "malloc" && $4 == 4242 { print $7 }' "$tmp/dump")
    [ -n "$mine" ] || fail "main's malloc(4242) missing"
    awk -v id="$mine" '!/^#/ && $2 == 1 && $3 == "free" && $6 == id { f = 1 } END { exit !f }' \
        "$tmp/dump" || fail "the lingering thread's free of main's block is missing"
    [ "$(awk '!/^#/ && $2 == 1 && $3 == "free"' "$tmp/dump" | wc -l)" = 2 ] ||
        fail "the lingering thread made 2 frees"
    ;;
stress)
    # 4 threads, mostly cross-thread frees: the trace validates (seq order consistent with every
    # handoff) and replays on BACKEND with the traced peak.
    prog=$1
    backend=$2
    "$fl" trace --no-baseline -o "$tmp/s.fltrace" -- "$prog" stress 2>"$tmp/err" ||
        fail "trace exited $?: $(cat "$tmp/err")"
    "$fl" trace --dump "$tmp/s.fltrace" >"$tmp/dump" || fail "dump exited $?"
    grep -q "^# records [0-9]* threads 5 " "$tmp/dump" || fail "summary: $(tail -1 "$tmp/dump")"
    [ "$(awk '!/^#/ && $3 == "malloc" && $4 >= 16 && $4 < 3016' "$tmp/dump" | wc -l)" -ge 80000 ] ||
        fail "fewer than 80000 swapper mallocs"
    peak=$(awk "$peak_awk" "$tmp/dump")
    "$fl" run -b "$backend" -w "replay:file=$tmp/s.fltrace" --runs 1 --no-out --format csv \
        --quiet >"$tmp/run.csv" 2>"$tmp/run.err" || fail "run exited $?: $(cat "$tmp/run.err")"
    [ "$(csv_field "$tmp/run.csv" outcome)" = ok ] || fail "outcome: $(cat "$tmp/run.csv")"
    [ "$(csv_field "$tmp/run.csv" live_peak)" = "$peak" ] ||
        fail "live_peak $(csv_field "$tmp/run.csv" live_peak), trace peak $peak"
    [ "$(csv_field "$tmp/run.csv" ops)" = "$(grep -vc '^#' "$tmp/dump")" ] || fail "ops count"
    ;;
children)
    # The traced command's children inherit LD_PRELOAD but must not write (or truncate) the file.
    command -v sort >/dev/null || exit 77
    seq 1 20000 >"$tmp/in.txt"
    "$fl" trace --no-baseline -o "$tmp/c.fltrace" -- sh -c \
        "sort -r '$tmp/in.txt' >'$tmp/o1'; sort -n '$tmp/in.txt' | sort -rn >'$tmp/o2'" \
        2>"$tmp/err" || fail "trace exited $?: $(cat "$tmp/err")"
    "$fl" trace --dump "$tmp/c.fltrace" >"$tmp/dump" || fail "dump exited $?"
    pid=$(od -An -tu4 -j 20 -N4 "$tmp/c.fltrace" | tr -d ' ')
    [ "$pid" -gt 0 ] || fail "no pid in the header"
    # sort of 20000 lines allocates its big buffer; sh never asks for megabytes.
    awk '!/^#/ && $4 > 1000000 { big = 1 } END { exit big }' "$tmp/dump" ||
        fail "records of sort (a child) are in the trace of sh"
    [ "$(head -1 "$tmp/o2")" = 20000 ] || fail "pipeline output wrong"
    ;;
sort_parallel)
    # Real threads under the tracer: output unchanged, the trace valid and replayable.
    command -v sort >/dev/null || exit 77
    awk 'BEGIN { srand(11); for (i = 0; i < 200000; i++)
                 printf "%08x %07d\n", int(rand() * 4294967295), i }' >"$tmp/in.txt"
    LC_ALL=C sort --parallel=2 -S 1M "$tmp/in.txt" >"$tmp/plain" || fail "plain sort"
    LC_ALL=C "$fl" trace -o "$tmp/s.fltrace" -- sort --parallel=2 -S 1M "$tmp/in.txt" \
        >"$tmp/traced" 2>"$tmp/err" || fail "traced sort exited $?: $(cat "$tmp/err")"
    cmp -s "$tmp/plain" "$tmp/traced" || fail "sort output differs under the tracer"
    grep -q "slowdown" "$tmp/err" || fail "no slowdown reported: $(cat "$tmp/err")"
    "$fl" trace --dump "$tmp/s.fltrace" >"$tmp/dump" || fail "dump exited $?"
    "$fl" run -b hybrid -w "replay:file=$tmp/s.fltrace" --runs 1 --no-out --format csv --quiet \
        >"$tmp/run.csv" 2>&1 || fail "replay exited $?"
    [ "$(csv_field "$tmp/run.csv" outcome)" = ok ] || fail "outcome: $(cat "$tmp/run.csv")"
    ;;
usage)
    rc=0
    "$fl" trace >/dev/null 2>&1 || rc=$?
    [ $rc = 2 ] || fail "trace without arguments must exit 2 (exit $rc)"
    rc=0
    "$fl" trace -o "$tmp/x.fltrace" -- /nonexistent/cmd >/dev/null 2>&1 || rc=$?
    [ $rc = 127 ] || fail "trace of a missing command must exit 127 (exit $rc)"
    rc=0
    "$fl" run -b glibc -w replay --runs 1 --no-out --format csv >"$tmp/run.csv" 2>"$tmp/err" ||
        rc=$?
    [ $rc = 1 ] || fail "replay without file=: exit $rc, expected 1 (the run failed)"
    [ "$(csv_field "$tmp/run.csv" outcome)" = "failed: EINVAL" ] || fail "replay without file="
    grep -q "file= is required" "$tmp/err" || fail "no hint for a missing file=: $(cat "$tmp/err")"
    ;;
*)
    fail "unknown mode $mode"
    ;;
esac
exit 0
