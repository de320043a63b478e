#!/usr/bin/env bash
# CLI-level harness tests (see tests/harness.cmake). Usage: test_cli.sh TEST BUILD_DIR TESTS_DIR
set -euo pipefail
t=$1
B=$2
T=$3
FL="$B/faultline"
W=$(mktemp -d /tmp/fl-cli-XXXXXX)
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
col() { # col FILE ROW(1-based data row) NAME -> value
    python3 - "$1" "$2" "$3" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(rows[int(sys.argv[2]) - 1][sys.argv[3]])
PY
}

# Under ASan+UBSan the runner's malloc is ASan's and its shadow memory adds page faults, so
# tests of exact fault/syscall numbers only mean something in an unsanitized build.
sanitized=0
grep -q 'FAULTLINE_SANITIZED 1' "$B/config.h" 2>/dev/null && sanitized=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-handle_segv=0:detect_leaks=0}
case "$t" in calibrate | exact-counts | repeat5 | seed-steps | every-workload)
    if [ $sanitized = 1 ]; then
        echo "SKIP: exact counts are not meaningful under ASan (shadow memory faults, ASan's malloc); the Release build runs this test"
        exit 77
    fi ;;
esac
case "$t" in
bad-input)
    # each: one line on stderr naming the argument, exit 2, nothing on stdout, nothing written
    while IFS='|' read -r expect args; do
        [ -z "$args" ] && continue
        out="$W/out-$RANDOM"
        rc=0
        # shellcheck disable=SC2086
        eval "\"$FL\" $args --out \"$out\"" >"$W/stdout" 2>"$W/stderr" || rc=$?
        [ $rc = 2 ] || fail "'$args': exit $rc, expected 2 ($(cat "$W/stderr"))"
        [ "$(wc -l <"$W/stderr")" = 1 ] || fail "'$args': stderr is not one line: $(cat "$W/stderr")"
        grep -q -- "$expect" "$W/stderr" || fail "'$args': stderr does not name '$expect': $(cat "$W/stderr")"
        [ -s "$W/stdout" ] && fail "'$args': wrote to stdout"
        [ -e "$out" ] && fail "'$args': created $out"
        echo "ok: $args -> $(cat "$W/stderr")"
    done <<'EOF2'
unknown backend|run -b nosuch -w churn
unknown workload|run -b glibc -w nosuch
--events|run -b glibc -w churn --events bogus-event
threshold=12Q|run -b hybrid:threshold=12Q -w churn
threshold=-1|run -b hybrid:threshold=-1 -w churn
size=1e99|run -b glibc -w churn:size=1e99
unknown parameter|run -b glibc:bogus=1 -w churn
--runs|run -b glibc -w churn --runs 0
--runs|run -b glibc -w churn --runs -1
--timeout|run -b glibc -w churn --timeout 0
conflict|run -b glibc -w churn --no-perf --events cycles
--format|run -b glibc -w churn --format xml
--backend is required|run -w churn
--workload is required|run -b glibc
unknown option|run -b glibc -w churn --bogus
dist=foo|run -b glibc -w random-mix:dist=foo
min=1M is larger than max=1K|run -b glibc -w random-mix:min=1M,max=1K
file=/nonexistent|run -b glibc -w replay:file=/nonexistent
empty parameter list|run -b hybrid: -w churn
empty parameter list|run -b glibc -w churn:
min=64K is larger than max=4K|sweep -b glibc -w random-mix:min=16,64K,max=4K
unknown backend 'nosuch'|run -b glibc,nosuch -w churn
trim=12Q|sweep -b hybrid:trim=128K,12Q -w churn
--shard|sweep -b hybrid -w churn --shard 3/2
EOF2
    # a non-writable --out
    rc=0
    "$FL" run -b glibc -w churn --out /proc/faultline-cannot >"$W/stdout" 2>"$W/stderr" || rc=$?
    [ $rc = 2 ] && grep -q -- "--out" "$W/stderr" || fail "non-writable --out: $(cat "$W/stderr")"
    [ -s "$W/stdout" ] && fail "non-writable --out wrote to stdout"
    rc=0
    "$FL" list nonsense >/dev/null 2>&1 || rc=$?
    [ $rc = 2 ] || fail "list nonsense"
    echo "ok: all bad inputs rejected"
    ;;
golden)
    # fake-measure: fixed numbers, so the reporters and statistics have golden files
    args=(run -b glibc -b 'hybrid:threshold=64K' -w churn:count=5 -w seed-sequence --runs 3
          --fake-measure --quiet --out "$W/g")
    for fmt in csv md console; do
        "$FL" "${args[@]}" --format "$fmt" >"$W/$fmt.out" 2>/dev/null || fail "fake run ($fmt)"
    done
    sed -e '/^"context":/d' -e '/^"command":/d' "$W/g/run.json" >"$W/run.json.out"
    cp "$W/g/aggregates.csv" "$W/aggregates.csv.out"
    python3 -m json.tool "$W/g/run.json" >/dev/null || fail "run.json is not valid JSON"
    for f in csv.out md.out console.out run.json.out aggregates.csv.out; do
        g="$T/golden/fake_$f"
        if [ "${FAULTLINE_UPDATE_GOLDEN:-0}" = 1 ]; then cp "$W/$f" "$g"; continue; fi
        diff -u "$g" "$W/$f" || fail "$f differs from $g (FAULTLINE_UPDATE_GOLDEN=1 to refresh)"
    done
    # null handling: the fake machine cannot count cycles -> empty CSV cells, JSON null
    grep -q '"cycles":null' "$W/g/run.json" || fail "cycles is not null in run.json"
    echo "ok: golden files match"
    ;;
calibrate)
    # N fresh pages touched -> N minor faults (+-1 %)
    "$FL" run -b mmap -w calibrate:pages=4096 --runs 1 --quiet --no-out --format csv >"$W/c.csv" || fail "run"
    m=$(col "$W/c.csv" 1 minflt)
    python3 -c "import sys; m=float('$m'); sys.exit(0 if abs(m-4096) <= 41 else 1)" ||
        fail "calibration: minflt $m, expected 4096 +- 1 %"
    p=$(col "$W/c.csv" 1 perf_minflt)
    if [ -n "$p" ]; then
        python3 -c "import sys; m=float('$p'); sys.exit(0 if abs(m-4096) <= 41 else 1)" ||
            fail "calibration: perf minflt $p, expected 4096 +- 1 %"
    fi
    echo "ok: minflt $m perf_minflt ${p:-null} for 4096 pages"
    ;;
exact-counts)
    # tracepoints = OS layer = strace, for the brk and mmap backends
    [ "$(id -u)" = 0 ] || { echo "SKIP: tracepoints need root here"; exit 77; }
    command -v strace >/dev/null || { echo "SKIP: strace not installed"; exit 77; }
    for spec in "brk|sawtooth:cycles=2" "mmap|churn:count=30" "mmap|realloc-grow:max=4M" \
                "hybrid|random-mix:count=20000,max=256K"; do
        b=${spec%%|*}; w=${spec#*|}
        strace -f -o "$W/st.txt" -e trace=brk,mmap,munmap,mremap,madvise,write \
            "$FL" run -b "$b" -w "$w" --runs 1 --no-out --quiet --env FAULTLINE_MARK_PHASE=1 \
            --format csv >"$W/e.csv" || fail "$b $w run"
        for k in brk mmap munmap mremap madvise; do
            s=$(col "$W/e.csv" 1 "sys_$k"); o=$(col "$W/e.csv" 1 "os_$k")
            [ -n "$s" ] || { echo "SKIP: tracepoints unavailable"; exit 77; }
            st=$(awk -v k="$k" '/phase-begin/{on=1;next} /phase-end/{on=0}
                 on { if (match($0, /^[0-9]+ +[a-z]+\(/)) { split(substr($0, RSTART, RLENGTH), a, /[ (]+/); if (a[2]==k) n++ } }
                 END{print n+0}' "$W/st.txt")
            [ "$s" = "$o" ] && [ "$o" = "$st" ] || fail "$b $w $k: tracepoint $s, os-layer $o, strace $st"
        done
        echo "ok: $b $w: tracepoints = os layer = strace"
    done
    ;;
repeat5)
    "$FL" run -b hybrid -b brk -b mmap -b glibc -w seed-sequence -w churn:count=20 -w sawtooth:cycles=2 \
        --runs 5 --no-aslr --quiet --out "$W/r" >/dev/null || fail "run"
    python3 - "$W/r/samples.csv" <<'PY' || exit 1
import csv, sys, collections
rows = list(csv.DictReader(open(sys.argv[1])))
cells = collections.defaultdict(list)
for r in rows:
    cells[(r["backend"], r["workload"])].append(r)
bad = 0
for cell, rs in sorted(cells.items()):
    assert len(rs) == 5, cell
    for m in ["minflt", "majflt", "sys_brk", "sys_mmap", "sys_munmap", "os_brk", "os_mmap", "os_munmap"]:
        vals = {r[m] for r in rs}
        if len(vals) != 1:
            print("FAIL: %s %s differs across 5 repetitions: %s" % (cell, m, sorted(vals)))
            bad += 1
print("ok: %d cells identical across 5 repetitions" % len(cells) if not bad else "")
sys.exit(1 if bad else 0)
PY
    ;;
outcomes)
    rc=0
    "$FL" run -b glibc -b hybrid -w churn:count=3 --runs 2 --quiet --out "$W/o" \
        --env FAULTLINE_TEST_CRASH=1 >/dev/null 2>&1 || rc=$?
    [ $rc = 1 ] || fail "a crashing plan must exit 1"
    [ "$(grep -c 'crashed: SIGSEGV' "$W/o/samples.csv")" = 4 ] || fail "4 crashed runs expected"
    python3 -m json.tool "$W/o/run.json" >/dev/null || fail "run.json invalid after crashes"
    grep -q '"minflt":null' "$W/o/run.json" || fail "a crashed run's metrics must be null"
    rc=0
    "$FL" run -b glibc -w churn:count=3 --runs 1 --timeout 0.5 --quiet --out "$W/h" \
        --env FAULTLINE_TEST_HANG=1 >/dev/null 2>&1 || rc=$?
    [ $rc = 1 ] && grep -q ',timeout,' "$W/h/samples.csv" || fail "hang must be outcome timeout"
    "$FL" run -b glibc -w churn:count=3 --runs 2 --quiet --out "$W/ok" >/dev/null || fail "clean plan must exit 0"
    echo "ok: crash, timeout and clean outcomes"
    ;;
sweep)
    "$FL" sweep -b 'hybrid:threshold=64K,1M,trim=128K,off' -w churn:count=3 --runs 1 --quiet \
        --out "$W/s" >/dev/null || fail "sweep"
    [ "$(($(wc -l <"$W/s/sweep.csv") - 1))" = 4 ] || fail "2x2 sweep must give 4 rows: $(cat "$W/s/sweep.csv")"
    head -1 "$W/s/sweep.csv" | grep -q '^cell,backend,workload,threshold,trim,' || fail "sweep.csv header"
    # shards: 1/2 + 2/2 cover every cell once
    "$FL" sweep -b 'hybrid:threshold=4K..64K:x2' -w churn:count=2 --runs 1 --quiet --fake-measure \
        --shard 1/2 --out "$W/s1" >/dev/null || fail "shard 1"
    "$FL" sweep -b 'hybrid:threshold=4K..64K:x2' -w churn:count=2 --runs 1 --quiet --fake-measure \
        --shard 2/2 --out "$W/s2" >/dev/null || fail "shard 2"
    n1=$(($(wc -l <"$W/s1/samples.csv") - 1)); n2=$(($(wc -l <"$W/s2/samples.csv") - 1))
    [ $((n1 + n2)) = 5 ] && [ "$n1" -gt 0 ] && [ "$n2" -gt 0 ] || fail "shards $n1 + $n2 != 5 cells"
    "$FL" merge "$W/merged" "$W/s1" "$W/s2" 2>/dev/null || fail "merge"
    [ "$(($(wc -l <"$W/merged/sweep.csv") - 1))" = 5 ] || fail "merged sweep.csv must have 5 rows"
    python3 -m json.tool "$W/merged/run.json" >/dev/null || fail "merged run.json invalid"
    rc=0; "$FL" merge "$W/m2" /nonexistent >/dev/null 2>&1 || rc=$?; [ $rc = 2 ] || fail "merge of a missing dir must exit 2"
    echo "ok: 2x2 sweep gives 4 rows; shards split 5 cells $n1 + $n2"
    ;;
seed-steps)
    # hybrid makes glibc's per-step brk/mmap/munmap choices on seed-sequence, both threshold modes
    [ "$(id -u)" = 0 ] || { echo "SKIP: tracepoints need root here"; exit 77; }
    "$FL" run -b glibc -b hybrid -b glibc:mmap_threshold=128K -b hybrid:threshold=128K \
        -w seed-sequence --runs 1 --quiet --out "$W/q" >/dev/null || fail "run"
    python3 - "$W/q/steps.csv" <<'PY' || exit 1
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
seq = {}
for r in rows:
    key = (r["backend"], r["backend_params"])
    seq.setdefault(key, []).append(r)
def deltas(rs):
    out, prev = [], {"sys_brk": 0, "sys_mmap": 0, "sys_munmap": 0}
    for r in rs:
        if r["sys_brk"] == "":
            print("SKIP: tracepoints unavailable"); sys.exit(77)
        d = tuple(int(r[k]) - int(prev[k]) for k in ("sys_brk", "sys_mmap", "sys_munmap"))
        out.append((r["label"], d)); prev = r
    return out
bad = 0
for mode, g, h in [("dynamic", ("glibc", ""), ("hybrid", "")),
                   ("fixed", ("glibc", "mmap_threshold=128K"), ("hybrid", "threshold=128K"))]:
    a, b = deltas(seq[g]), deltas(seq[h])
    if a != b:
        print("FAIL %s: glibc %s\n  hybrid %s" % (mode, a, b)); bad = 1
    else:
        print("ok %s: %s" % (mode, a))
sys.exit(bad)
PY
    ;;
every-workload)
    # every workload on every backend at a tiny size; exact counts where the kernel makes them exact
    # shellcheck disable=SC2054 # commas separate workload parameters, not array elements
    wls=(seed-sequence seed-first churn:count=3 size-sweep:max=64K,k=1 random-mix:count=2000
         sawtooth:peak=1M,cycles=2 fragment:count=256 realloc-grow:max=1M threads:count=2000
         first-touch:size=1M file-map:size=1M shm:size=256K calibrate:pages=64)
    bs=(brk mmap hybrid glibc jemalloc tcmalloc mimalloc)
    args=()
    for w in "${wls[@]}"; do args+=(-w "$w"); done
    for b in "${bs[@]}"; do args+=(-b "$b"); done
    before=$(find /dev/shm -maxdepth 1 -name '*faultline*' | wc -l)
    not_ok() { # RFC 4180 samples.csv: quoted parameter lists hold commas
        python3 -c 'import csv, sys
for r in csv.DictReader(open(sys.argv[1], newline="")):
    if r["outcome"] != "ok" and not r["outcome"].startswith("skipped"):
        print(r["backend"], r["workload"], r["workload_params"], r["outcome"])' "$W/a/samples.csv"
    }
    "$FL" run "${args[@]}" --runs 1 --quiet --out "$W/a" >/dev/null || fail "some runs failed: $(not_ok)"
    bad=$(not_ok)
    [ -z "$bad" ] || fail "not ok: $bad"
    after=$(find /dev/shm -maxdepth 1 -name '*faultline*' | wc -l)
    [ "$before" = "$after" ] || fail "shm objects left in /dev/shm"
    # first-touch on mmap: faults = pages (256 for 1 MiB, +-1 for the block header page)
    python3 - "$W/a/samples.csv" <<'PY' || exit 1
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
def get(b, w):
    return [r for r in rows if r["backend"] == b and r["workload"] == w][0]
r = get("mmap", "first-touch")
m = float(r["minflt"])
assert 256 <= m <= 258, "first-touch on mmap: minflt %s for 256 pages" % m
print("ok: first-touch mmap minflt", m)
PY
    "$FL" run -b glibc:mmap_threshold=64K -w churn:size=1M,count=10 --runs 1 --quiet --no-out --format csv >"$W/ch.csv" || fail "churn"
    m=$(col "$W/ch.csv" 1 minflt)
    python3 -c "import sys; sys.exit(0 if float('$m') >= 2560 else 1)" || fail "churn fixed 64K: $m faults for 10 x 1 MiB, expected >= 256 per iteration"
    echo "ok: every workload on every backend; churn 64K: $m faults / 10 iterations"
    ;;
commands)
    # every command of the dispatch table answers --help and `help CMD` (exit 0, same text),
    # -V works on every binary and command, the unknown-command list is the whole table
    cmds=$("$FL" --help | awk '/^commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{exit}')
    [ "$(echo "$cmds" | wc -w)" = 12 ] || fail "top-level help lists: $cmds"
    for c in $cmds; do
        "$FL" "$c" --help >"$W/h1" 2>"$W/e1" || fail "$c --help exits $?: $(cat "$W/e1")"
        "$FL" help "$c" >"$W/h2" || fail "help $c exits $?"
        cmp -s "$W/h1" "$W/h2" || fail "help $c differs from $c --help"
        grep -q "^usage: faultline $c" "$W/h1" || fail "$c --help has no usage line"
        grep -q -- "--help" "$W/h1" || fail "$c --help does not list --help"
        "$FL" "$c" -V | grep -q '^faultline [0-9]' || fail "$c -V"
        "$FL" "$c" --bogus-option >/dev/null 2>"$W/e" && fail "$c accepted --bogus-option"
        [ "$(wc -l <"$W/e")" = 1 ] && grep -q "faultline $c: unknown option '--bogus-option' (valid:" "$W/e" ||
            fail "$c unknown option message: $(cat "$W/e")"
        echo "ok: $c --help, help $c, -V, unknown option"
    done
    for b in faultline faultline-runner faultline-gbench; do
        [ -x "$B/$b" ] || continue
        "$B/$b" -V | grep -q "^$b [0-9]" || fail "$b -V"
        "$B/$b" --version | grep -q "^$b [0-9]" || fail "$b --version"
    done
    rc=0; "$FL" nosuch 2>"$W/e" || rc=$?; [ $rc = 2 ] || fail "unknown command must exit 2"
    for c in $cmds; do grep -q "[ ,]${c}[,;]" "$W/e" || fail "unknown-command list lacks $c: $(cat "$W/e")"; done
    rc=0; "$FL" help nosuch 2>/dev/null || rc=$?; [ $rc = 2 ] || fail "help nosuch must exit 2"
    rc=0; "$FL" run -b glibc -w churn --runs 2>"$W/e" || rc=$?; [ $rc = 2 ] && grep -q -- '--runs needs a value N' "$W/e" ||
        fail "missing value: $(cat "$W/e")"
    echo "ok: $(echo "$cmds" | wc -w) commands"
    ;;
spec-lists)
    # -b/-w repeatable and comma-separated, parameters and specs told apart by registered names
    "$FL" run -b glibc,hybrid -w churn:count=2 --runs 1 --fake-measure --quiet --format csv \
        --out "$W/a" >"$W/a.csv" || fail "run -b glibc,hybrid"
    [ "$(cut -d, -f2 "$W/a/samples.csv" | sed 1d | sort -u | tr '\n' ' ')" = "glibc hybrid " ] ||
        fail "run -b glibc,hybrid cells: $(cut -d, -f2 "$W/a/samples.csv")"
    "$FL" run -b 'glibc,hybrid:threshold=64K,trim=off,mmap' -b brk -w 'churn:count=2,size=64K,sawtooth' \
        --runs 1 --fake-measure --quiet --out "$W/b" >/dev/null || fail "mixed list"
    python3 - "$W/b/run.json" <<'PY' || fail "mixed list cells"
import json, sys
cells = json.load(open(sys.argv[1]))["cells"]
got = sorted({(c["backend_spec"], c["workload_spec"]) for c in cells})
want = sorted({(b, w) for b in ["glibc", "hybrid:threshold=64K,trim=off", "mmap", "brk"]
               for w in ["churn:count=2,size=64K", "sawtooth"]})
assert got == want, got
PY
    "$FL" sweep -b 'hybrid:threshold=64K,1M,trim=off,glibc' -w churn:count=2 --runs 1 --fake-measure \
        --quiet --out "$W/s" >/dev/null || fail "sweep list with a second backend"
    [ "$(($(wc -l <"$W/s/samples.csv") - 1))" = 3 ] || fail "sweep: 2 hybrid cells + glibc expected"
    "$B/faultline-gbench" -b glibc,hybrid -w churn:count=2 --benchmark_list_tests=true 2>/dev/null >"$W/g" ||
        [ ! -x "$B/faultline-gbench" ] || fail "gbench -b list"
    [ ! -x "$B/faultline-gbench" ] || [ "$(wc -l <"$W/g")" = 2 ] || fail "gbench lists: $(cat "$W/g")"
    echo "ok: comma lists in run, sweep, gbench"
    ;;
events)
    # --events values reach the console and md tables and samples.csv; page-faults (perf) is
    # cross-checked against getrusage's minflt + majflt of the same phase
    "$FL" run -b glibc,hybrid -w churn:count=20 --runs 2 --events page-faults,context-switches \
        --quiet --out "$W/e" >"$W/console.txt" || fail "run --events"
    v=$(col "$W/e/samples.csv" 1 hw_page-faults)
    [ -n "$v" ] || { echo "SKIP: perf cannot count page-faults here"; exit 77; }
    head -1 "$W/console.txt" | grep -q 'page-faults  context-switches' || fail "console: $(head -1 "$W/console.txt")"
    "$FL" run -b glibc -w churn:count=20 --runs 1 --events page-faults --quiet --no-out --format md |
        grep -q '| page-faults | runs |' || fail "md table has no page-faults column"
    python3 - "$W/e/samples.csv" <<'PY' || fail "page-faults vs minflt+majflt"
import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    pf, ru = float(r["hw_page-faults"]), float(r["minflt"]) + float(r["majflt"])
    assert r["hw_context-switches"] != "", r
    assert abs(pf - ru) <= max(2, 0.01 * ru), (r["backend"], pf, ru)
print("ok: hw_page-faults = minflt + majflt (+-1 %) in every run")
PY
    # ... and the report's summary tables: one column per event, the median of each cell's runs
    "$FL" report --no-plots "$W/e" >/dev/null || fail "report of the --events run"
    python3 - "$W/e" <<'PY' || fail "the report's summary lacks the --events columns"
import csv, html, re, statistics, sys
d = sys.argv[1]
runs = list(csv.DictReader(open(d + "/samples.csv", newline="")))
page = open(d + "/index.html").read()
table = page[page.index("<h2>Summary"):]
table = table[:table.index("</table>")]
rows = [[html.unescape(re.sub("<[^>]*>", "", c)) for c in re.findall(r"<t[hd][^>]*>.*?</t[hd]>", tr)]
        for tr in re.findall(r"<tr>.*?</tr>", table)]
head = rows[0]
for ev in ("page-faults", "context-switches"):
    assert ev in head, head
    k = head.index(ev)
    for r in rows[1:]:
        vals = [float(x["hw_" + ev]) for x in runs if x["backend"] == r[1] and x["outcome"] == "ok"]
        want = statistics.median(vals)
        got = float(r[k].replace(",", ""))
        assert abs(got - want) <= max(0.5, 0.01 * want), (ev, r, want)
md = open(d + "/report.md").read()
assert re.search(r"^\| workload \| backend \| ok runs \|.* page-faults \| context-switches \|$", md, re.M), md
print("ok: page-faults and context-switches columns in index.html and report.md")
PY
    ;;
interrupted)
    # kill -9 the harness mid-plan: every finished run is in valid files
    "$FL" run -b glibc -b mmap -w churn:count=50 --runs 50 --quiet --out "$W/k" >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 100); do
        n=$(($(wc -l <"$W/k/samples.csv" 2>/dev/null || echo 1) - 1))
        [ "$n" -ge 3 ] && break
        sleep 0.1
    done
    kill -9 $pid || true             # it may have finished already
    wait $pid 2>/dev/null || true # killed: 137 is its status, not a failure
    python3 -m json.tool "$W/k/run.json" >/dev/null || fail "run.json invalid after kill -9"
    runs=$(python3 -c "import json; print(len(json.load(open('$W/k/run.json'))['runs']))")
    rows=$(($(wc -l <"$W/k/samples.csv") - 1))
    [ "$runs" -ge 3 ] && [ "$rows" -ge 3 ] || fail "kept $runs runs / $rows rows"
    echo "ok: after kill -9, run.json has $runs runs and samples.csv $rows rows"
    ;;
*)
    fail "unknown test $t"
    ;;
esac
exit 0
