#!/bin/bash
# `faultline run --explain`: the hybrid twin's ledger gives the reason, op and bytes of every OS
# call on the seed sequence and on 3 x 1 MiB churn, in both threshold modes (dynamic, fixed
# 128K); the expected calls are glibc 2.36's (reference Table 3, B.4, and twinfuzz agreement).
# Cross-check: per call kind, ledger rows equal the counted OS layer (os_* in samples.csv) and,
# where syscall tracepoints work, the kernel's own count (sys_*).
# Usage: test_explain.sh FAULTLINE; exit 0 pass, 1 fail.
set -euo pipefail
fl=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fl-explain.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# run BACKEND WORKLOAD: the "op N call bytes reason" lines, spaces squeezed
run() {
    "$fl" run -b "$1" -w "$2" --runs 1 --settle 0 --explain --quiet --out "$tmp/$3" \
        >"$tmp/$3.out" 2>"$tmp/$3.err" || fail "$1 on $2: exit $? ($(head -c 300 "$tmp/$3.err"))"
    grep -E '^  op ' "$tmp/$3.out" | tr -s ' ' | sed 's/^ //' >"$tmp/$3.lines" || true
    # cross-check against the counted OS layer
    local k n want src
    python3 -c 'import csv, sys
r = next(csv.DictReader(open(sys.argv[1])))
for k in ("brk", "mmap", "munmap", "mremap", "madvise"):
    for src in ("os", "sys"):
        print(k, src, r.get(src + "_" + k, "") or "-")' "$tmp/$3/samples.csv" >"$tmp/$3.counts"
    while read -r k src want; do
        [ "$want" != "-" ] || continue # not measured here (no tracepoints)
        n=$(awk -v k="$k" '$3 == k' "$tmp/$3.lines" | wc -l)
        [ "$n" = "$want" ] || fail "$1 on $2: ledger has $n $k rows, samples.csv ${src}_$k=$want"
    done <"$tmp/$3.counts"
}

expect() { # NAME LINE...: exactly these lines, in order
    local name=$1
    shift
    printf '%s\n' "$@" >"$tmp/$name.want"
    diff -u "$tmp/$name.want" "$tmp/$name.lines" >&2 || fail "$name: ledger differs from glibc's calls"
}

tc="op 0 brk 135168 B first malloc of the process: the tcache's 656 B chunk needs a heap: grow by chunk + top_pad 131072 B + 32, page-rounded"

run hybrid seed-sequence seed
expect seed "$tc" \
    "op 2 mmap 208896 B chunk 204816 B >= mmap threshold 131072 B: own mapping" \
    "op 3 brk 172032 B top too small for chunk 102416 B: grow by chunk + top_pad 131072 B + 32 - top, page-rounded" \
    "op 4 munmap 208896 B free of a mmapped chunk raised the mmap threshold to 208896 B and trim to 417792 B"

run hybrid:threshold=128K seed-sequence seedfixed
expect seedfixed "$tc" \
    "op 2 mmap 208896 B chunk 204816 B >= mmap threshold 131072 B: own mapping" \
    "op 3 brk 172032 B top too small for chunk 102416 B: grow by chunk + top_pad 131072 B + 32 - top, page-rounded" \
    "op 4 munmap 208896 B free of a mmapped chunk of 208896 B (threshold 131072 B stays)" \
    "op 6 brk 143360 B free: top 275808 B >= trim threshold 131072 B: shrink, keeping top_pad" \
    "op 7 brk 28672 B free: top 163184 B >= trim threshold 131072 B: shrink, keeping top_pad"

run hybrid churn:size=1M,count=3 churn
expect churn "$tc" \
    "op 0 mmap 1052672 B chunk 1048592 B >= mmap threshold 131072 B: own mapping" \
    "op 1 munmap 1052672 B free of a mmapped chunk raised the mmap threshold to 1052672 B and trim to 2105344 B" \
    "op 2 brk 1048576 B top too small for chunk 1048592 B: grow by chunk + top_pad 131072 B + 32 - top, page-rounded"

run hybrid:threshold=128K churn:size=1M,count=3 churnfixed
m="mmap 1052672 B chunk 1048592 B >= mmap threshold 131072 B: own mapping"
u="munmap 1052672 B free of a mmapped chunk of 1052672 B (threshold 131072 B stays)"
expect churnfixed "$tc" "op 0 $m" "op 1 $u" "op 2 $m" "op 3 $u" "op 4 $m" "op 5 $u"

# a backend without reasons says so instead of printing nothing
"$fl" run -b brk -w seed-sequence --runs 1 --settle 0 --explain --quiet --out "$tmp/brk" \
    >"$tmp/brk.out" 2>&1 || fail "brk run failed"
grep -q '^why: no OS call explained' "$tmp/brk.out" || fail "brk: no 'not explained' line"
echo "explain: ok"
