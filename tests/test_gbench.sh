#!/bin/bash
# faultline-gbench and `faultline run --format gbench`: the JSON must follow Google Benchmark's
# schema with our fault and syscall counters, and compare.py must read two faultline runs.
# Usage: test_gbench.sh binary|compare|golden BUILD_DIR [SOURCE_TESTS_DIR]; exit 0 pass, 1 fail,
# 77 skip.
set -u
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
    timeout 100 "$bin/faultline-gbench" --backend mmap --backend hybrid \
        --workload churn:size=256K,count=16 --benchmark_filter='^mmap/churn/' \
        --benchmark_min_time=0.1 --benchmark_format=json >"$tmp/out.json" 2>"$tmp/err.txt" ||
        fail "faultline-gbench failed: $(cat "$tmp/err.txt")"
    "$py" - "$tmp/out.json" <<'PY' || fail "JSON checks failed"
import json, sys
d = json.load(open(sys.argv[1]))
assert "context" in d and d["context"]["faultline_seed"] == "1", d.get("context")
b = d["benchmarks"]
assert len(b) == 1, [x["name"] for x in b]
b = b[0]
print(json.dumps(b, indent=1))
assert b["name"] == "mmap/churn/manual_time", b["name"]
assert b["run_type"] == "iteration" and b["iterations"] >= 1 and b["real_time"] > 0
assert b["label"] == "churn:size=256K,count=16", b["label"]
assert b["ops"] == 32, b["ops"]
assert b["os_mmap"] == 16 and b["os_munmap"] == 16 and b["os_brk"] == 0, b
assert 1024 <= b["minflt"] <= 1100, b["minflt"]
assert b["majflt"] == 0, b["majflt"]
# tracepoints, when this machine permits them, must agree with the OS layer exactly
if "sys_mmap" in b:
    assert b["sys_mmap"] == 16 and b["sys_munmap"] == 16, b
else:
    print("note: no syscall tracepoints here (sys_* counters absent)")
PY
    # The filter selects by name; an unknown backend is a usage error (exit 2).
    "$bin/faultline-gbench" --backend nosuch >/dev/null 2>"$tmp/err.txt"
    [ $? -eq 2 ] || fail "--backend nosuch: expected exit 2"
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
