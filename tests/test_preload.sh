#!/bin/bash
# Real programs under a libfaultline-*.so preload must produce exactly the output of a plain run;
# plus the FAULTLINE_PARAMS, FAULTLINE_STATS, mallopt and `check` bad-input behaviours.
# Usage: test_preload.sh MODE LIB [PROG]; exit 0 pass, 1 fail, 77 skip.
# Commands that are meant to fail are run as `rc=0; cmd || rc=$?` and their status is checked.
set -euo pipefail
mode=$1
lib=$2
prog=${3:-}
T=120 # seconds per command
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fl-preload.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

[ -e "$lib" ] || fail "$lib missing"
name=$(basename "$lib" .so)
name=${name#libfaultline-}

# Runs "$@" with the preload (only "$@": timeout itself must not write FAULTLINE_STATS).
pre() {
    timeout $T env LD_PRELOAD="$lib" "$@"
}

# ~20 MB of lines with random keys, the same for every run (mawk and gawk agree on srand(n)).
gen_input() {
    awk 'BEGIN { srand(42); for (i = 0; i < 400000; i++)
                 printf "%08x %07d %s\n", int(rand() * 4294967295), i,
                        substr("abcdefghijklmnopqrstuvwxyz0123456789", 1 + int(rand() * 30)) }' \
        >"$tmp/in.txt" || fail "cannot generate input"
    local size
    size=$(stat -c %s "$tmp/in.txt")
    [ "$size" -gt 15000000 ] || fail "input only $size bytes"
}

same() { # plain-output preload-output what
    cmp -s "$1" "$2" || fail "$3: output under $name differs from the plain run"
    [ -s "$1" ] || fail "$3: empty output"
}

case $mode in
sort | sort_parallel)
    gen_input
    opt=()
    if [ "$mode" = sort_parallel ]; then
        opt=(--parallel=2 -S 8M)
    fi
    LC_ALL=C timeout $T sort "${opt[@]}" "$tmp/in.txt" >"$tmp/plain" || fail "plain sort"
    LC_ALL=C pre sort "${opt[@]}" "$tmp/in.txt" >"$tmp/pre" || fail "sort under $name exited $?"
    same "$tmp/plain" "$tmp/pre" "sort ${opt[*]}"
    ;;
gzip)
    gen_input
    timeout $T gzip -c -n "$tmp/in.txt" >"$tmp/plain.gz" || fail "plain gzip"
    pre gzip -c -n "$tmp/in.txt" >"$tmp/pre.gz" || fail "gzip under $name exited $?"
    same "$tmp/plain.gz" "$tmp/pre.gz" "gzip -c"
    pre gunzip -c "$tmp/pre.gz" >"$tmp/round" || fail "gunzip under $name exited $?"
    same "$tmp/in.txt" "$tmp/round" "gzip | gunzip round trip"
    ;;
python)
    cat >"$tmp/t.py" <<'EOF'
import threading, zlib
out = [0, 0]
def work(k):
    d = {}
    lst = []
    for i in range(150000):
        key = "k%d-%d" % (k, i)
        d[key] = [i, str(i * 7), (i, k)]
        lst.append(key * (i % 5 + 1))
        if i % 3 == 0:
            d.pop("k%d-%d" % (k, i // 2), None)
    s = 0
    for key in sorted(d):
        s = zlib.crc32(key.encode(), s)
    out[k] = (s, len(d), sum(len(x) for x in lst))
ts = [threading.Thread(target=work, args=(k,)) for k in range(2)]
for t in ts: t.start()
for t in ts: t.join()
print(out)
# fork after threads ran: the atfork hooks must leave the child a usable heap
import os
pid = os.fork()
if pid == 0:
    d = {i: str(i) * 3 for i in range(100000)}
    os._exit(0 if len(d) == 100000 else 3)
_, status = os.waitpid(pid, 0)
print("child", status)
EOF
    timeout $T /usr/bin/python3 "$tmp/t.py" >"$tmp/plain" || fail "plain python3"
    pre /usr/bin/python3 "$tmp/t.py" >"$tmp/pre" || fail "python3 under $name exited $?"
    same "$tmp/plain" "$tmp/pre" "python3 dicts and lists in 2 threads"
    ;;
sqlite)
    command -v sqlite3 >/dev/null || { echo "skip: sqlite3 not installed"; exit 77; }
    sql="CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT, v INTEGER);
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 100000)
INSERT INTO t SELECT i, printf('key%08d', (i * 7919) % 100003), i * 31 % 1009 FROM c;
CREATE INDEX tk ON t(k);
SELECT count(*), sum(v), min(k), max(k) FROM t;
SELECT v, count(*) FROM t GROUP BY v ORDER BY count(*) DESC, v LIMIT 5;
SELECT k FROM t WHERE k > 'key00050000' ORDER BY k LIMIT 3;"
    echo "$sql" | timeout $T sqlite3 "$tmp/plain.db" >"$tmp/plain" || fail "plain sqlite3"
    echo "$sql" | pre sqlite3 "$tmp/pre.db" >"$tmp/pre" || fail "sqlite3 under $name exited $?"
    same "$tmp/plain" "$tmp/pre" "sqlite3 100k rows"
    ;;
stats)
    gen_input
    LC_ALL=C FAULTLINE_STATS="$tmp/stats.json" pre sort "$tmp/in.txt" >/dev/null ||
        fail "sort under $name with FAULTLINE_STATS exited $?"
    [ -s "$tmp/stats.json" ] || fail "no stats file written"
    [ -z "$(find "$tmp" -maxdepth 1 -name '*.tmp.*')" ] || fail "temp file left behind"
    /usr/bin/python3 - "$tmp/stats.json" "$name" <<'EOF' || fail "bad stats: $(cat "$tmp/stats.json")"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["backend"] == sys.argv[2], s["backend"]
for group in ("os_calls", "os_bytes"):
    assert set(s[group]) == {"brk", "mmap", "munmap", "mremap", "madvise", "mprotect"}, s[group]
    assert all(isinstance(v, int) and v >= 0 for v in s[group].values())
# sorting 20 MB needs memory from the kernel, and every byte of it came through os.c
assert sum(s["os_calls"].values()) > 0, s
assert s["os_bytes"]["brk"] + s["os_bytes"]["mmap"] >= 20 << 20, s
assert s["peak_heap_bytes"] + s["peak_mapped_bytes"] > 0, s
EOF
    # "%p" gives each process of a pipeline its own file
    echo hello | FAULTLINE_STATS="$tmp/s-%p.json" pre gzip -c | FAULTLINE_STATS="$tmp/s-%p.json" \
        pre gunzip -c >/dev/null || fail "pipeline with FAULTLINE_STATS=...%p"
    n=$(find "$tmp" -maxdepth 1 -name 's-*.json' | wc -l)
    [ "$n" -eq 2 ] || fail "expected 2 per-process stats files, got $n"
    ;;
bad_params)
    for spec in "threshold=12Q" "nosuchkey=1"; do
        key=${spec%%=*}
        rc=0
        out=$(FAULTLINE_PARAMS=$spec pre /bin/echo MAIN-RAN 2>"$tmp/err") || rc=$?
        [ $rc -eq 2 ] || fail "FAULTLINE_PARAMS=$spec: exit $rc, expected 2"
        [ -z "$out" ] || fail "FAULTLINE_PARAMS=$spec: the program's main ran ($out)"
        [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "FAULTLINE_PARAMS=$spec: stderr is not one line: $(cat "$tmp/err")"
        grep -q "^faultline-$name: FAULTLINE_PARAMS: .*$key" "$tmp/err" ||
            fail "FAULTLINE_PARAMS=$spec: message: $(cat "$tmp/err")"
    done
    # a good value is accepted and the program runs normally
    out=$(FAULTLINE_PARAMS='' pre /bin/echo MAIN-RAN) || fail "empty FAULTLINE_PARAMS"
    [ "$out" = MAIN-RAN ] || fail "empty FAULTLINE_PARAMS: $out"
    ;;
mallopt)
    count_mmap() {
        /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["os_calls"]["mmap"])' "$1"
    }
    FAULTLINE_STATS="$tmp/fixed.json" pre "$prog" mallopt || fail "mallopt_prog mallopt exited $?"
    FAULTLINE_STATS="$tmp/dyn.json" pre "$prog" plain || fail "mallopt_prog plain exited $?"
    fixed=$(count_mmap "$tmp/fixed.json") || fail "no mmap count in $tmp/fixed.json"
    dyn=$(count_mmap "$tmp/dyn.json") || fail "no mmap count in $tmp/dyn.json"
    [ "$fixed" = 3 ] || fail "mallopt(M_MMAP_THRESHOLD,64K) + 3 x malloc(1M): $fixed mmaps, expected 3"
    [ "$dyn" = 1 ] || fail "dynamic threshold + 3 x malloc(1M)/free: $dyn mmaps, expected 1"
    ;;
check_bad)
    drv=$lib
    for args in "--backend nosuch" "--backend hybrid:nosuchkey=1" "--backend brk --ops x" \
        "--backend brk --threads 0" "--frobnicate" ""; do
        rc=0
        # shellcheck disable=SC2086 # $args is a word list, split on purpose
        timeout $T "$drv" check $args >"$tmp/out" 2>"$tmp/err" || rc=$?
        [ $rc -eq 2 ] || fail "check $args: exit $rc, expected 2"
        [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "check $args: stderr: $(cat "$tmp/err")"
        [ ! -s "$tmp/out" ] || fail "check $args: ran something: $(cat "$tmp/out")"
    done
    # into a file, not a pipe: under pipefail check's exit 2 would fail the pipeline
    rc=0
    timeout $T "$drv" check --backend nosuch >"$tmp/out" 2>&1 || rc=$?
    [ $rc -eq 2 ] || fail "check --backend nosuch: exit $rc, expected 2"
    grep -q "unknown backend 'nosuch' (valid: brk, mmap, hybrid" "$tmp/out" ||
        fail "unknown backend message does not list the valid ones"
    ;;
check | check_peers)
    # LIB is the check driver; the rest are check arguments with one --backend per name.
    drv=$lib
    shift 2
    rc=0
    timeout 900 "$drv" check "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
    cat "$tmp/out"
    if grep -q "^skip: .*FAULTLINE_SANITIZE" "$tmp/out"; then
        echo "skip: LD_PRELOAD checks need a build without FAULTLINE_SANITIZE"
        exit 77
    fi
    if grep -q "killed by" "$tmp/out"; then
        fail "a check child crashed"
    fi
    names=$(printf '%s\n' "$@" | awk 'prev == "--backend" { print } { prev = $0 }')
    for b in $names; do
        if [ "$mode" = check_peers ] && grep -q "^skip: .* not installed" "$tmp/out" &&
            ! grep -q "^$b: " "$tmp/out"; then
            continue
        fi
        if [ "$mode" = check ]; then
            grep -Eq "^$b( \(preload\))?: ok: 0 violations in [0-9]+ checks" "$tmp/out" ||
                fail "$b did not pass: $(grep "^$b" "$tmp/out" | head -5)"
        else
            grep -Eq "^$b: (ok: 0|FAIL: [0-9]+) violations in [0-9]+ checks" "$tmp/out" ||
                fail "$b: no summary line"
        fi
    done
    if [ "$mode" = check ]; then
        [ $rc -eq 0 ] || fail "check exited $rc"
    else
        [ $rc -eq 0 ] || [ $rc -eq 1 ] || fail "check exited $rc: $(cat "$tmp/err")"
    fi
    ;;
*)
    fail "unknown mode $mode"
    ;;
esac
exit 0
