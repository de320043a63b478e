#!/usr/bin/env bash
# Tests of the CI regression gate (faultline compare + ci/regress.sh): injected regressions are
# caught and named, improvements ask for a baseline refresh, bad input exits 2 with one line,
# the Markdown report matches its golden file, times are compared only when asked.
#   test_regress.sh MODE BUILD_DIR SOURCE_DIR SANITIZED(0|1)
set -uo pipefail
mode=$1
build=$(cd "$2" && pwd)
src=$(cd "$3" && pwd)
sanitized=${4:-0}
fl=$build/faultline
work=$(mktemp -d /tmp/faultline-test-regress.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# A small suite through ci/regress.sh itself: three backends (brk is exercised by the CI run),
# one workload with > 1000 ops and > 64 allocations, one with fewer (must stay clean).
# In sanitizer builds "glibc" is ASan's allocator, which returns freed memory to the kernel
# every release_to_os_interval_ms (5 s) of wall time: under load that added 15 mmap/munmap and
# 49 madvise calls to one of two identical runs. Turning the timed release off keeps its counts a
# function of the workload alone.
asan_env=()
[ "$sanitized" = 1 ] && asan_env=(ASAN_OPTIONS=allocator_release_to_os_interval_ms=-1)
suite() { # extra env assignments..., then regress.sh args
    env "${asan_env[@]}" REGRESS_BACKENDS="hybrid mmap glibc" \
        REGRESS_WORKLOADS="random-mix:count=20000 churn:count=20" \
        REGRESS_RUNS=1 REGRESS_CALLGRIND=0 REGRESS_BASELINE="$work/base.json" BUILD="$build" \
        "$@"
}

# the row of a cell and metric in the Markdown report
md_row() { # report backend workload metric
    grep -F "| $2 | $3 | $4 |" "$1"
}

case "$mode" in
inject-touch64 | inject-mmap1000)
    kind=${mode#inject-}
    suite REGRESS_OUT="$work/clean" bash "$src/ci/regress.sh" --refresh-baseline >"$work/log" 2>&1 ||
        fail "baseline refresh failed: $(cat "$work/log")"
    rc=0
    suite REGRESS_OUT="$work/bad" REGRESS_ENV="FAULTLINE_INJECT=$kind" bash "$src/ci/regress.sh" \
        >"$work/out.txt" 2>&1 || rc=$?
    [ "$rc" = 1 ] || fail "gate exit $rc with FAULTLINE_INJECT=$kind, want 1: $(cat "$work/out.txt")"
    md="$work/bad/report.md"
    [ -f "$md" ] || fail "no report.md"
    if [ "$kind" = touch64 ]; then
        # random-mix:count=20000 makes 10250 allocations: 160 injected page touches
        for b in hybrid mmap; do
            row=$(md_row "$md" "$b" "random-mix:count=20000" minflt) ||
                fail "no minflt row for $b random-mix: $(cat "$md")"
            echo "$row" | grep -q '\*\*regressed\*\*' || fail "not regressed: $row"
            delta=$(echo "$row" | awk -F'|' '{ gsub(/ /, "", $7); sub(/\(.*/, "", $7); print $7 }')
            if [ "$sanitized" = 0 ]; then
                [ "$delta" = "+160" ] || fail "$b minflt moved $delta, want exactly +160: $row"
            else # ASan's shadow pages fault too
                [ "${delta#+}" -ge 160 ] || fail "$b minflt moved $delta, want >= +160: $row"
            fi
        done
        grep -E '^(hybrid|mmap) +random-mix:count=20000 +minflt .*regressed' "$work/out.txt" >/dev/null ||
            fail "console report does not name the cell and metric: $(cat "$work/out.txt")"
        # churn:count=20 makes 20 allocations: no injection fires, nothing may regress there
        if grep -F "| churn:count=20 |" "$md" | grep -q regressed; then
            fail "churn regressed without an injection: $(cat "$md")"
        fi
    else
        # 20500 ops: 20 extra mmap+munmap pairs, exactly, in our counters and the tracepoints
        for b in hybrid mmap; do
            for m in os_mmap os_munmap sys_mmap sys_munmap; do
                row=$(md_row "$md" "$b" "random-mix:count=20000" $m) || fail "no $m row for $b: $(cat "$md")"
                echo "$row" | grep -Eq '\| \+20( \(.*)? \|.*\*\*regressed\*\*' || fail "want +20 regressed: $row"
            done
        done
        row=$(md_row "$md" glibc "random-mix:count=20000" sys_mmap) || fail "no glibc sys_mmap row"
        echo "$row" | grep -Eq '\| \+20( \(.*)? \|.*\*\*regressed\*\*' || fail "want +20 regressed: $row"
        grep -E '^mmap +random-mix:count=20000 +os_mmap .*regressed' "$work/out.txt" >/dev/null ||
            fail "console report does not name the cell and metric: $(cat "$work/out.txt")"
        if grep -F "| churn:count=20 |" "$md" | grep -q regressed; then
            fail "churn regressed without an injection: $(cat "$md")"
        fi
    fi
    ;;
improved)
    # the baseline has the injected faults, the new run does not: improved, exit 0
    suite REGRESS_OUT="$work/slow" REGRESS_ENV=FAULTLINE_INJECT=touch64 bash "$src/ci/regress.sh" \
        --refresh-baseline >"$work/log" 2>&1 || fail "baseline refresh failed: $(cat "$work/log")"
    rc=0
    suite REGRESS_OUT="$work/fast" bash "$src/ci/regress.sh" >"$work/out.txt" 2>&1 || rc=$?
    [ "$rc" = 0 ] || fail "gate exit $rc on an improvement, want 0: $(cat "$work/out.txt")"
    grep -E '^hybrid +random-mix:count=20000 +minflt .*improved — refresh the baseline' \
        "$work/out.txt" >/dev/null || fail "no improvement reported: $(cat "$work/out.txt")"
    grep -q '^0 regressed, ' "$work/fast/report.md" || fail "something regressed: $(cat "$work/fast/report.md")"
    ;;
bad-input)
    printf '{"runs": [1, 2,' >"$work/garbage.json"
    printf 'not json at all\n' >"$work/text.json"
    printf '{"context": {}}\n' >"$work/noruns.json"
    mkdir "$work/emptydir"
    printf 'minflt 5%%\n' >"$work/badtol.conf"
    printf 'minflt five kernel reason\n' >"$work/badtol2.conf"
    good=$src/tests/fixtures/regress_base.json
    check() { # description, then the compare arguments
        local what=$1
        shift
        local rc=0
        "$fl" compare "$@" >"$work/o" 2>"$work/e" || rc=$?
        [ "$rc" = 2 ] || fail "$what: exit $rc, want 2"
        [ "$(wc -l <"$work/e")" = 1 ] || fail "$what: want one line on stderr, got: $(cat "$work/e")"
        [ ! -s "$work/o" ] || fail "$what: printed a report: $(cat "$work/o")"
        grep -q '^faultline compare: ' "$work/e" || fail "$what: unprefixed message $(cat "$work/e")"
        echo "ok: $what: $(cat "$work/e")"
    }
    check "missing BASE" "$work/nope.json" "$good"
    check "missing NEW" "$good" "$work/nope"
    check "truncated JSON" "$good" "$work/garbage.json"
    check "not JSON" "$work/text.json" "$good"
    check "JSON without runs" "$good" "$work/noruns.json"
    check "directory without run.json" "$good" "$work/emptydir"
    check "one argument" "$good"
    check "three arguments" "$good" "$good" "$good"
    check "unknown option" --frobnicate "$good" "$good"
    check "bad format" --format html "$good" "$good"
    check "missing tolerances" --tolerances "$work/nope.conf" "$good" "$good"
    check "tolerance line without needs" --tolerances "$work/badtol.conf" "$good" "$good"
    check "bad tolerance" --tolerances "$work/badtol2.conf" "$good" "$good"
    # and the same file twice is clean
    "$fl" compare "$good" "$good" >"$work/o" || fail "a file against itself: exit $?"
    ;;
golden-md)
    rc=0
    (cd "$src" && "$fl" compare --format md --tolerances ci/tolerances.conf \
        tests/fixtures/regress_base.json tests/fixtures/regress_new.json) >"$work/got.md" || rc=$?
    [ "$rc" = 1 ] || fail "fixtures compare exit $rc, want 1 (they hold regressions)"
    diff -u "$src/tests/golden/regress_compare.md" "$work/got.md" || fail "Markdown differs from golden"
    ;;
time-check)
    # 9 interleaved runs per side from one machine: ns_per_op 20 % slower in NEW, wall_ns the same
    gen() { # file factor
        {
            printf '{"context":{"kernel":"k","glibc":"g","cpu_model":"c","compiler":"x","pmu_usable":"no","host":"h"},\n'
            printf '"cells":[{"id":"c001","backend":"hybrid","backend_params":"","workload":"churn","workload_params":""}],\n"runs":['
            for i in 0 1 2 3 4 5 6 7 8; do
                [ $i = 0 ] || printf ','
                printf '{"cell":"c001","outcome":"ok","metrics":{"ns_per_op":%s,"wall_ns":%s,"minflt":513}}' \
                    "$(((1000 + i * 7) * $2 / 100))" "$((500000 + i * 311))"
            done
            printf ']}\n'
        } >"$1"
    }
    gen "$work/a.json" 100
    gen "$work/b.json" 120
    rc=0
    "$fl" compare --time-check "$work/a.json" "$work/b.json" >"$work/out.txt" || rc=$?
    [ "$rc" = 0 ] || fail "times are advisory, exit $rc: $(cat "$work/out.txt")"
    grep -E '^hybrid +churn +ns_per_op .*p=.*slower \(advisory\)' "$work/out.txt" >/dev/null ||
        fail "ns_per_op not flagged slower: $(cat "$work/out.txt")"
    grep -q 'wall_ns' "$work/out.txt" && fail "wall_ns did not move, must not be listed"
    "$fl" compare --time-check --all "$work/a.json" "$work/b.json" | grep -E '^hybrid +churn +wall_ns .* ok$' >/dev/null ||
        fail "wall_ns not ok with --all"
    # without --time-check: not compared; on another host: skipped
    "$fl" compare "$work/a.json" "$work/b.json" | grep -q 'ns_per_op' && fail "times compared without --time-check"
    sed 's/"host":"h"/"host":"other"/' "$work/b.json" >"$work/c.json"
    "$fl" compare --time-check "$work/a.json" "$work/c.json" | grep -E 'ns_per_op .*different machines' >/dev/null ||
        fail "times from another machine not skipped"
    # fewer than 9 runs: skipped
    gen "$work/b.json" 120
    sed 's/,{"cell":"c001"[^}]*}}\]/]/' "$work/b.json" >"$work/d.json"
    "$fl" compare --time-check "$work/a.json" "$work/d.json" | grep -E 'ns_per_op .*fewer than 9' >/dev/null ||
        fail "8 runs not skipped: $("$fl" compare --time-check "$work/a.json" "$work/d.json")"
    ;;
coverage-*)
    # Coverage is part of the verdict. NEW files are derived from the committed baseline, so the
    # environment fingerprint matches and only coverage differs.
    base=$src/results/baseline/ci.json
    derive() { # out.json python-expression-on-d
        python3 - "$base" "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"))
PY
    }
    gate() { # expected-exit, then compare arguments; output in $work/out.txt
        local want=$1 rc=0
        shift
        "$fl" compare --tolerances "$src/ci/tolerances.conf" "$@" >"$work/out.txt" 2>&1 || rc=$?
        [ "$rc" = "$want" ] || fail "compare $*: exit $rc, want $want: $(cat "$work/out.txt")"
    }
    case "$mode" in
    coverage-killed) # a sweep killed after 15 of its runs: every cell listed, later ones never ran
        derive "$work/new.json" 'd["runs"] = d["runs"][:15]'
        gate 3 "$base" "$work/new.json"
        grep -q 'INCOMPLETE' "$work/out.txt" || fail "no INCOMPLETE status: $(cat "$work/out.txt")"
        grep -Eq '^glibc +size-sweep:max=1M +cell .*missing: no runs in NEW' "$work/out.txt" ||
            fail "last cell not named missing: $(cat "$work/out.txt")"
        ran=$(python3 -c 'import json,sys; print(len({r["cell"] for r in json.load(open(sys.argv[1]))["runs"]}))' "$work/new.json")
        grep -q "compared $ran of 24 baseline cells" "$work/out.txt" ||
            fail "coverage not counted ($ran cells ran): $(cat "$work/out.txt")"
        ;;
    coverage-empty) # cells and runs empty: nothing compared must not pass
        derive "$work/new.json" 'd["cells"] = []; d["runs"] = []; d.pop("callgrind", None)'
        gate 3 "$base" "$work/new.json"
        grep -q 'compared 0 of 24 baseline cells and 0 of ' "$work/out.txt" ||
            fail "empty NEW not counted as nothing compared: $(cat "$work/out.txt")"
        ;;
    coverage-missing) # one baseline cell missing from NEW: named
        derive "$work/new.json" 'd["cells"] = [c for c in d["cells"] if c["id"] != "c007"]; d["runs"] = [r for r in d["runs"] if r["cell"] != "c007"]'
        cell=$(python3 -c 'import json,sys; c=[c for c in json.load(open(sys.argv[1]))["cells"] if c["id"]=="c007"][0]; print(c["backend_spec"], c["workload_spec"])' "$base")
        read -r -a cellv <<<"$cell"
        set -- "${cellv[@]}"
        gate 3 "$base" "$work/new.json"
        grep -Eq "^$1 +$2 +cell .*missing: not in NEW" "$work/out.txt" ||
            fail "missing cell $cell not named: $(cat "$work/out.txt")"
        grep -q '1 missing, 0 not compared, 0 new' "$work/out.txt" || fail "summary: $(cat "$work/out.txt")"
        # --allow-missing: passes, still lists it
        gate 0 --allow-missing "$base" "$work/new.json"
        grep -Eq "^$1 +$2 +cell .*missing" "$work/out.txt" || fail "allowed cell not listed: $(cat "$work/out.txt")"
        ;;
    coverage-spec) # hybrid cells run with trim=off: missing (old spec) + new (new spec), not skipped
        derive "$work/new.json" '
for c in d["cells"]:
    if c["backend"] == "hybrid":
        c["backend_params"] = "trim=off"; c["backend_spec"] = "hybrid:trim=off"
for r in d["runs"]:
    if r["backend"] == "hybrid":
        r["backend"] = "hybrid:trim=off"
for g in d.get("callgrind", []):
    if g["backend_spec"] == "hybrid":
        g["backend_spec"] = "hybrid:trim=off"'
        gate 3 "$base" "$work/new.json"
        grep -Eq '^hybrid +churn:count=20 +cell .*missing' "$work/out.txt" || fail "old spec not missing: $(cat "$work/out.txt")"
        grep -Eq '^hybrid:trim=off +churn:count=20 +cell .*new \(not gated\)' "$work/out.txt" ||
            fail "new spec not listed as new: $(cat "$work/out.txt")"
        grep -q '6 missing, 0 not compared, 6 new' "$work/out.txt" || fail "summary: $(cat "$work/out.txt")"
        ;;
    coverage-json) # --format json and md carry the same verdict
        derive "$work/new.json" 'd["runs"] = [r for r in d["runs"] if r["cell"] != "c002"]
for r in d["runs"]:
    if r["cell"] == "c001": r["metrics"]["os_brk"] = None'
        gate 3 --format json "$base" "$work/new.json"
        python3 - "$work/out.txt" <<'PY' || fail "JSON report: $(cat "$work/out.txt")"
import json, sys
d = json.load(open(sys.argv[1]))
c = d["coverage"]
assert d["status"] == "incomplete" and d["exit_status"] == 3, d["status"]
assert c["baseline_cells"] == 24 and c["cells_compared"] == 23 and c["missing"] == 1, c
assert c["not_compared"] == 1 and c["gated_values_compared"] == c["gated_values"] - 1, c
rows = [r for r in d["rows"] if r["verdict"] == "not_compared"]
assert rows[0]["metric"] == "os_brk" and rows[0]["base"] is not None and rows[0]["new"] is None, rows
PY
        gate 3 --format md "$base" "$work/new.json"
        grep -q 'INCOMPLETE' "$work/out.txt" && grep -q '| not compared' "$work/out.txt" ||
            fail "md report: $(cat "$work/out.txt")"
        gate 0 "$base" "$base"
        grep -q 'compared 24 of 24 baseline cells' "$work/out.txt" || fail "self compare: $(cat "$work/out.txt")"
        ;;
    *) fail "unknown mode $mode" ;;
    esac
    ;;
*)
    fail "unknown mode $mode"
    ;;
esac
echo "PASS: $mode"
