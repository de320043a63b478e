#!/bin/bash
# faultline-gbench and `faultline run --format gbench`: the JSON must follow Google Benchmark's
# schema with our fault and syscall counters, and compare.py must read two faultline runs.
# Usage: test_gbench.sh binary|compare|golden BUILD_DIR [SOURCE_TESTS_DIR]; exit 0 pass, 1 fail,
# 77 skip.
set -euo pipefail
mode=$1
bin=$2
py=/usr/bin/python3 # Debian's python: a pyenv python on PATH may lack scipy
compare=/usr/share/benchmark/compare.py
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fl-gbench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
skip() {
    echo "SKIP: $*"
    exit 77
}

[ -x "$py" ] || skip "$py missing (apt-get install python3)"

case "$mode" in
binary)
    # mmap backend, churn of 16 x 256 KiB: every iteration is exactly 16 mmap + 16 munmap calls
    # and 32 ops, and at least 16 x 64 first-touch faults (each block is a fresh mapping).
    # Two repetitions: the aggregates (mean ... cv) must carry the same fixes.
    timeout 100 "$bin/faultline-gbench" --backend mmap --backend hybrid \
        --workload churn:size=256K,count=16 --benchmark_filter='^mmap/churn$' \
        --benchmark_min_time=0.1 --benchmark_repetitions=2 --benchmark_format=json \
        >"$tmp/out.json" 2>"$tmp/err.txt" ||
        fail "faultline-gbench failed: $(cat "$tmp/err.txt")"
    "$py" - "$tmp/out.json" <<'PY' || fail "JSON checks failed"
import json, sys
def no_nan(c):
    raise ValueError("not a number in the JSON: " + c)
d = json.load(open(sys.argv[1]), parse_constant=no_nan)
assert "context" in d and d["context"]["faultline_seed"] == "1", d.get("context")
b = d["benchmarks"]
names = [x["name"] for x in b]
want = ["mmap/churn"] * 2 + ["mmap/churn_" + a for a in ("mean", "median", "stddev", "cv")]
assert names == want, names  # the name the filter matched, no "/manual_time"
for x in b:
    assert x["run_name"] == "mmap/churn", x["run_name"]
    if x.get("aggregate_name") == "cv":
        assert "majflt" not in x, x  # 0/0: left out, never NaN
b = b[0]
print(json.dumps(b, indent=1))
assert b["run_type"] == "iteration" and b["iterations"] >= 1 and b["real_time"] > 0
assert b["label"] == "churn:size=256K,count=16", b["label"]
assert b["ops"] == 32, b["ops"]
assert b["os_mmap"] == 16 and b["os_munmap"] == 16 and b["os_brk"] == 0, b
assert 1024 <= b["minflt"] <= 1100, b["minflt"]
assert b["majflt"] == 0, b["majflt"]
# op_time: seconds per op (a time, with a unit on the console) = real time / ops
assert abs(b["op_time"] * 1e9 * 32 - b["real_time"]) < 1e-6 * b["real_time"], b
# tracepoints, when this machine permits them, must agree with the OS layer exactly
if "sys_mmap" in b:
    assert b["sys_mmap"] == 16 and b["sys_munmap"] == 16, b
else:
    print("note: no syscall tracepoints here (sys_* counters absent)")
PY
    # CPU is the child's user + sys time. A tiny workload runs ~1e5 iterations per batch, so
    # the parent's share (fork, wait: ~1 ms a batch) is ~0.01 of the wall time, the child's
    # near 1 (0.2 on a machine loaded 5x); and a single-threaded child never exceeds its wall.
    timeout 100 "$bin/faultline-gbench" -b hybrid -w churn:size=64,count=16 \
        --benchmark_min_time=0.1 --benchmark_format=json >"$tmp/cpu.json" 2>"$tmp/err.txt" ||
        fail "faultline-gbench (cpu) failed: $(cat "$tmp/err.txt")"
    "$py" - "$tmp/cpu.json" <<'PY' || fail "the CPU column is not the child's"
import json, sys
b = json.load(open(sys.argv[1]))["benchmarks"][0]
r = b["cpu_time"] / b["real_time"]
print("cpu/real = %.3f (%d iterations)" % (r, b["iterations"]))
assert 0.05 <= r <= 1.1, r
PY
    # Console: counters with units (op_time=12.3us), no NaN anywhere (the cv of majflt, all 0)
    timeout 100 "$bin/faultline-gbench" -b glibc -w churn:size=64K,count=8 \
        --benchmark_filter='^glibc/churn$' --benchmark_min_time=0.01 --benchmark_repetitions=2 \
        >"$tmp/con.txt" 2>"$tmp/err.txt" || fail "console run failed: $(cat "$tmp/err.txt")"
    cat "$tmp/con.txt"
    grep -qE '^glibc/churn +[0-9]+ ns +[0-9]+ ns .* op_time=[0-9.]+[mun]?s ' "$tmp/con.txt" ||
        fail "console: no 'glibc/churn ... op_time=<time><unit>' row"
    ! grep -qi nan "$tmp/con.txt" || fail "console prints NaN"
    # --benchmark_list_tests lists the names the filter matches
    "$bin/faultline-gbench" -b glibc,mmap -w churn,sawtooth --benchmark_filter='/churn$' \
        --benchmark_list_tests=true >"$tmp/list.txt" 2>/dev/null || fail "list_tests failed"
    [ "$(tr '\n' ' ' <"$tmp/list.txt")" = "glibc/churn mmap/churn " ] ||
        fail "list_tests: $(cat "$tmp/list.txt")"
    # A filter that matches nothing: exit 1 and one line; a bad one: exit 2
    rc=0
    "$bin/faultline-gbench" -b glibc --benchmark_filter='^hybrid/churn$' >/dev/null \
        2>"$tmp/err.txt" || rc=$?
    [ "$rc" -eq 1 ] || fail "a filter that matches nothing: exit $rc, expected 1"
    [ "$(grep -c . "$tmp/err.txt")" -eq 1 ] && grep -q "no benchmark matched" "$tmp/err.txt" ||
        fail "a filter that matches nothing: $(cat "$tmp/err.txt")"
    rc=0
    "$bin/faultline-gbench" -b glibc --benchmark_filter='(' >/dev/null 2>"$tmp/err.txt" || rc=$?
    [ "$rc" -eq 2 ] || fail "--benchmark_filter='(': exit $rc, expected 2"
    # An unknown backend is a usage error (exit 2).
    rc=0
    "$bin/faultline-gbench" --backend nosuch >/dev/null 2>"$tmp/err.txt" || rc=$?
    [ "$rc" -eq 2 ] || fail "--backend nosuch: exit $rc, expected 2"
    grep -q "unknown backend 'nosuch'" "$tmp/err.txt" || fail "no 'unknown backend' message"
    ;;
compare)
    for side in a b; do
        timeout 250 "$bin/faultline" run -b glibc -b mmap -w churn:size=256K,count=20 --runs 3 \
            --format gbench --no-out --quiet >"$tmp/$side.json" 2>"$tmp/err.txt" ||
            fail "faultline run --format gbench failed: $(cat "$tmp/err.txt")"
    done
    "$py" - "$tmp/a.json" <<'PY' || fail "JSON checks failed"
import json, sys
d = json.load(open(sys.argv[1]))
ctx = d["context"]
for k in ("date", "host_name", "num_cpus", "executable", "library_build_type", "glibc"):
    assert k in ctx, k
b = d["benchmarks"]
names = ["glibc/churn:size=256K,count=20", "mmap/churn:size=256K,count=20"]
want = []
for n in names:
    want += [n] * 3 + [n + "_mean", n + "_median", n + "_stddev", n + "_cv"]
assert [x["name"] for x in b] == want, [x["name"] for x in b]
for x in b:
    assert x["time_unit"] == "ns" and x["repetitions"] == 3 and x["threads"] == 1
    if x["run_type"] == "iteration":
        assert x["iterations"] == 40 and x["ops"] == 40, x  # 20 mallocs + 20 frees
        assert x["real_time"] > 0 and abs(x["real_time"] - x["wall_ns"] / 40) < 1e-3 * x["real_time"]
        assert x["minflt"] >= 20 * 64 or x["name"].startswith("glibc"), x
        assert x["run_name"] == x["name"]
    else:
        assert x["run_type"] == "aggregate" and x["iterations"] == 3
        assert x["aggregate_unit"] == ("percentage" if x["aggregate_name"] == "cv" else "time")
    if x["name"].startswith("mmap"):
        # one mmap per malloc in every run: spread statistics of an exact count are 0
        spread = x.get("aggregate_name") in ("stddev", "cv")
        assert x["os_mmap"] == (0 if spread else 20), x
reps = [x["repetition_index"] for x in b if x["run_type"] == "iteration"]
assert reps == [0, 1, 2, 0, 1, 2], reps
PY
    [ -f "$compare" ] || skip "$compare missing (apt-get install libbenchmark-tools)"
    "$py" -c 'import scipy, numpy' 2>/dev/null || skip "scipy missing (apt-get install python3-scipy)"
    "$py" "$compare" --no-color benchmarks "$tmp/a.json" "$tmp/b.json" >"$tmp/cmp.txt" 2>&1 ||
        fail "compare.py exited non-zero: $(cat "$tmp/cmp.txt")"
    cat "$tmp/cmp.txt"
    for n in "glibc/churn:size=256K,count=20" "mmap/churn:size=256K,count=20" \
        "mmap/churn:size=256K,count=20_pvalue" "mmap/churn:size=256K,count=20_median"; do
        grep -qF "$n " "$tmp/cmp.txt" || fail "compare.py output lacks $n"
    done
    grep -q "U Test, Repetitions: 3 vs 3" "$tmp/cmp.txt" || fail "compare.py ran no U test"
    ;;
golden)
    # fake-measure: fixed numbers, so the whole benchmarks array has a golden file (the
    # context block holds the date and the machine, so it is only checked for its keys)
    src=$3
    "$bin/faultline" run -b glibc -b 'hybrid:threshold=64K' -w churn:count=5 --runs 3 \
        --fake-measure --quiet --no-out --format gbench >"$tmp/fake.json" ||
        fail "fake run --format gbench failed"
    "$py" -c 'import json, sys; c = json.load(open(sys.argv[1]))["context"]
for k in ("date", "host_name", "num_cpus", "executable", "library_build_type", "git_sha"):
    assert k in c, k' "$tmp/fake.json" || fail "context block lacks a key"
    sed -e '/^  "context": {$/,/^  },$/d' "$tmp/fake.json" >"$tmp/gbench_fake.out"
    g=$src/golden/gbench_fake.out
    if [ "${FAULTLINE_UPDATE_GOLDEN:-0}" = 1 ]; then cp "$tmp/gbench_fake.out" "$g"; fi
    diff -u "$g" "$tmp/gbench_fake.out" || fail "differs from $g (FAULTLINE_UPDATE_GOLDEN=1 to refresh)"
    ;;
*)
    fail "unknown mode $mode"
    ;;
esac
echo PASS
