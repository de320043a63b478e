#!/usr/bin/env bash
# The CI regression gate (`make regress`, `make baseline`): run the small deterministic suite,
# add callgrind instruction counts when valgrind is installed, compare against the committed
# baseline results/baseline/ci.json with ci/tolerances.conf.
#
#   BUILD=<dir> bash ci/regress.sh                     gate: exit 1 when a count regressed,
#                                                      3 when a baseline cell or gated metric
#                                                      is missing (strict: no --allow-missing)
#   BUILD=<dir> bash ci/regress.sh --refresh-baseline  rewrite results/baseline/ci.json (commit it)
#
# Environment knobs (tests and experiments; CI uses the defaults):
#   REGRESS_OUT=DIR        results directory (default results/runs/regress-<sha>)
#   REGRESS_BASELINE=FILE  baseline to compare with / refresh (default results/baseline/ci.json)
#   REGRESS_ENV=KEY=VAL    extra environment for the measured children (fault injection)
#   REGRESS_CALLGRIND=0    skip the callgrind pass (instructions are then skipped, with a reason)
#   REGRESS_BACKENDS, REGRESS_WORKLOADS  space-separated specs replacing the suite
#   REGRESS_RUNS=N         repetitions per cell (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
FL=$BUILD/faultline
refresh=0
case "${1:-}" in
"") ;;
--refresh-baseline) refresh=1 ;;
*)
    echo "usage: BUILD=<dir> bash ci/regress.sh [--refresh-baseline]" >&2
    exit 2
    ;;
esac
[ -x "$FL" ] || {
    echo "regress: $FL not found: build first (make build BUILD=$BUILD)" >&2
    exit 2
}

# The suite: the four policy backends x small deterministic workloads (fixed seed, fixed op
# counts). Each cell takes well under 0.1 s; the run is dominated by process start-up.
read -r -a backends <<<"${REGRESS_BACKENDS:-brk mmap hybrid glibc}"
read -r -a workloads <<<"${REGRESS_WORKLOADS:-churn:count=20 seed-sequence:touch=on \
sawtooth:peak=2M,cycles=2 random-mix:count=20000 fragment:count=2048 size-sweep:max=1M}"
runs=${REGRESS_RUNS:-3}

sha=$(git rev-parse --short=12 HEAD 2>/dev/null || echo nogit)
if ! git diff --quiet HEAD -- 2>/dev/null; then
    sha="$sha-dirty"
fi
out=${REGRESS_OUT:-results/runs/regress-$sha}
baseline=${REGRESS_BASELINE:-results/baseline/ci.json}
rm -rf "$out"
mkdir -p "$(dirname "$out")" # faultline run creates $out itself and refuses a non-empty one
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

args=()
for b in "${backends[@]}"; do args+=(-b "$b"); done
for w in "${workloads[@]}"; do args+=(-w "$w"); done
envarg=()
[ -n "${REGRESS_ENV:-}" ] && envarg=(--env "$REGRESS_ENV")

t0=$(date +%s)
echo "regress: ${#backends[@]} backends x ${#workloads[@]} workloads x $runs runs, ASLR off -> $out"
rc=0
"$FL" run "${args[@]}" --runs "$runs" --no-aslr --quiet --out "$out" "${envarg[@]}" \
    >"$log/console.txt" 2>"$log/run.stderr" || rc=$?
[ -d "$out" ] && cp "$log/console.txt" "$log/run.stderr" "$out/"
if [ "$rc" -ge 2 ]; then
    echo "regress: faultline run failed (exit $rc):" >&2
    cat "$log/run.stderr" >&2
    exit 2
fi
# exit 1 = some runs failed: compare reports those cells' outcome as a regression

# The callgrind pass: one extra run per cell under callgrind, counting only the workload's run
# function (--toggle-collect) in the measured child (the parent's file has 0 events), minus the
# harness's step snapshots (child_step, toggled off again inside): they read /proc, whose numbers
# and so whose parsing cost differ between machines and directories (seed-sequence: 92669 vs
# 97818 instructions for the same code). Fault and
# time numbers under valgrind mean nothing; only the instruction count is kept. valgrind's own
# brk segment is small, so brk-heavy cells may end in ENOMEM there: they are skipped with that
# outcome as the reason. Two cells at a time (2 cores).
callgrind_cell() { # backend workload tmpdir index
    local b=$1 w=$2 dir=$3/$4 fn
    mkdir -p "$dir"
    fn=${w%%:*}
    fn=${fn//-/_}_run
    valgrind --tool=callgrind --trace-children=yes --collect-atstart=no --toggle-collect="$fn" \
        --toggle-collect=child_step \
        --callgrind-out-file="$dir/cg.%p" "$FL" run -b "$b" -w "$w" --runs 1 --no-aslr --no-perf \
        --no-out --quiet --format csv "${envarg[@]}" >"$dir/out.csv" 2>"$dir/valgrind.log" || true
    local outcome ir=""
    outcome=$(python3 -c 'import csv, sys; print(next(csv.DictReader(open(sys.argv[1], newline="")), {}).get("outcome", ""))' "$dir/out.csv" 2>/dev/null)
    [ -n "$outcome" ] || outcome="error: no result under valgrind"
    local f
    for f in "$dir"/cg.*; do
        [ -e "$f" ] || continue
        if grep -q '^cmd: .*faultline-runner' "$f"; then
            ir=$(awk '/^summary:/ { print $2 }' "$f")
        fi
    done
    if [ "$outcome" = ok ] && { [ -z "$ir" ] || [ "$ir" = 0 ]; }; then
        outcome="error: callgrind collected nothing in $fn (is it the workload's run function?)"
    fi
    [ "$outcome" = ok ] || ir=""
    printf '%s\t%s\t%s\t%s\n' "$b" "$w" "$outcome" "$ir" >"$dir/row.tsv"
}
if [ "${REGRESS_CALLGRIND:-1}" != 0 ] && command -v valgrind >/dev/null 2>&1; then
    tmp=$(mktemp -d /tmp/faultline-regress-cg.XXXXXX)
    trap 'rm -rf "$tmp"' EXIT
    i=0
    for b in "${backends[@]}"; do
        for w in "${workloads[@]}"; do
            callgrind_cell "$b" "$w" "$tmp" "$(printf %03d $i)" &
            i=$((i + 1))
            if [ $((i % 2)) = 0 ]; then wait; fi
        done
    done
    wait
    {
        printf 'backend_spec\tworkload_spec\toutcome\tir\n'
        cat "$tmp"/*/row.tsv
    } >"$out/callgrind.tsv"
    echo "regress: callgrind pass: $(awk -F'\t' 'NR > 1 && $4 != ""' "$out/callgrind.tsv" | wc -l)/$i cells counted"
else
    echo "regress: no callgrind pass (valgrind not installed or REGRESS_CALLGRIND=0): callgrind_ir is skipped"
fi
echo "regress: suite took $(($(date +%s) - t0)) s"

if [ "$refresh" = 1 ]; then
    # ci.json = the run.json plus the callgrind counts as a "callgrind" array, one self-contained
    # file that compare reads like any run.json.
    mkdir -p "$(dirname "$baseline")"
    tmpjson=$(mktemp "$baseline.XXXXXX")
    {
        # the per-step snapshots are not gated: dropped to keep the committed file small
        sed '$ d' "$out/run.json" | sed 's/,"steps":\[[^]]*\]//g; $ s/$/,/'
        printf '"callgrind":['
        if [ -f "$out/callgrind.tsv" ]; then
            awk -F'\t' 'NR > 1 {
                printf "%s\n {\"backend_spec\":\"%s\",\"workload_spec\":\"%s\",\"outcome\":\"%s\",\"ir\":%s}",
                    (n++ ? "," : ""), $1, $2, $3, ($4 == "" ? "null" : $4) }' "$out/callgrind.tsv"
        fi
        printf ']\n}\n'
    } >"$tmpjson"
    chmod 644 "$tmpjson"
    mv "$tmpjson" "$baseline"
    # sanity: compare must read it back and find every cell unchanged
    "$FL" compare "$baseline" "$out" --tolerances ci/tolerances.conf >/dev/null || {
        echo "regress: the new baseline does not compare clean with its own run" >&2
        exit 2
    }
    echo "regress: baseline written to $baseline (from $out); commit it:"
    echo "  git add $baseline && git commit -m 'regress: refresh the CI baseline' -- $baseline"
    exit 0
fi

if [ ! -f "$baseline" ]; then
    echo "regress: no baseline $baseline: create it with make baseline and commit it" >&2
    exit 2
fi
crc=0
"$FL" compare "$baseline" "$out" --tolerances ci/tolerances.conf --format md >"$out/report.md" || crc=$?
"$FL" compare "$baseline" "$out" --tolerances ci/tolerances.conf | tee "$out/report.txt" || crc=$?
echo "regress: report in $out/report.txt and $out/report.md"
exit "$crc"
