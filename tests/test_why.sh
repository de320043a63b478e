#!/usr/bin/env bash
# The report's "Why each OS call" section (issue 13): the seed sequence call by call with the
# twin's reasons, and other cells grouped by reason whose counts add up to the run's OS-layer
# calls (samples.csv os_*), in index.html and report.md.
#   test_why.sh FAULTLINE OUT
set -euo pipefail
fl=$1
out=$2
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
rm -rf "$out"
mkdir -p "$(dirname "$out")"
"$fl" run -b hybrid -w seed-sequence -w 'churn:size=1M,count=3' --runs 2 --no-aslr --quiet \
    --out "$out" >/dev/null
"$fl" report --no-plots "$out" >/dev/null
md="$out/report.md"
html="$out/index.html"
grep -q '^## Why each OS call (ledger)' "$md" || fail "no why section in report.md"
grep -q '<h2>Why each OS call (ledger)</h2>' "$html" || fail "no why section in index.html"
# glibc 2.36's choices for the seed sequence, with the twin's reasons (x86-64, default settings)
for row in '| 0 | brk | 135168 | first malloc of the process' \
    '| 2 | mmap | 208896 | chunk 204816 B &gt;= mmap threshold 131072 B: own mapping |' \
    '| 3 | brk | 172032 | top too small for chunk 102416 B' \
    '| 4 | munmap | 208896 | free of a mmapped chunk raised the mmap threshold to 208896 B and trim to 417792 B |'; do
    grep -qF -- "$row" "$md" || fail "seed-sequence row missing: $row"
done
grep -qF '<td class="l">chunk 204816 B &gt;= mmap threshold 131072 B: own mapping</td>' "$html" ||
    fail "index.html lacks the escaped mmap reason"
# churn: the grouped calls of one run add up to that run's OS-layer counts
sum=$(awk '/^### hybrid x churn:size=1M,count=3/ { p = 1; next } p && /^### / { exit }
    p && /^\| (brk|mmap|munmap|mremap|madvise|mprotect) \|/ { split($0, f, "|"); s += f[3] }
    END { print s + 0 }' "$md")
want=$(python3 - "$out/samples.csv" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1], newline="")) if r["workload"] == "churn"]
r = rows[0]
print(sum(int(r["os_" + k]) for k in ("brk", "mmap", "munmap", "mremap", "madvise", "mprotect")))
PY
)
[ "$sum" -gt 0 ] && [ "$sum" = "$want" ] || fail "churn's reasons count $sum calls, the run made $want"
echo "why: seed-sequence reasons as glibc's; churn's $sum calls all explained"
