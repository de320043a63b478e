#!/usr/bin/env bash
# Benchmark of the gate itself (not part of every CI run): `make regress` N times (default 10)
# on an unchanged tree against the committed baseline, then the false-alarm count: runs whose
# gate failed (exit 1) although nothing changed, and which cell x metric rows tripped.
# The tree is built once (`make build`), then each round runs exactly what `make regress` runs
# after its build step (ci/regress.sh), so every round measures the same binaries.
#   BUILD=<dir> bash ci/regress-false-alarms.sh [N]     (NO_BUILD=1: use BUILD as it is)
set -euo pipefail
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
n=${1:-10}
log=$(mktemp -d /tmp/faultline-false-alarms.XXXXXX)
if [ "${NO_BUILD:-0}" != 1 ]; then
    make -s deps build BUILD="$BUILD" >"$log/build.txt" 2>&1 || {
        echo "false-alarms: build failed, see $log/build.txt" >&2
        exit 2
    }
fi
alarms=0
errors=0
for i in $(seq 1 "$n"); do
    rc=0
    REGRESS_OUT="$log/run-$i" BUILD="$BUILD" bash ci/regress.sh >"$log/$i.txt" 2>&1 || rc=$?
    if grep -q '^faultline compare: REGRESSED' "$log/$i.txt"; then
        alarms=$((alarms + 1))
        echo "run $i: FALSE ALARM"
        grep -E ' regressed$' "$log/$i.txt" | sed 's/^/    /'
    elif grep -q '^faultline compare: PASSED' "$log/$i.txt"; then
        echo "run $i: passed ($(grep -oE '[0-9]+ improved' "$log/$i.txt" | head -1))"
    else
        errors=$((errors + 1))
        echo "run $i: error (exit $rc), see $log/$i.txt"
    fi
done
echo "false alarms: $alarms of $n runs ($errors errors); logs in $log"
[ "$alarms" = 0 ] && [ "$errors" = 0 ]
