#!/usr/bin/env bash
# The plot check (issue 16): a small suite, a threshold sweep and a trim sweep are run and
# reported, then tests/plot_check.py reads every SVG drawn: title, y label, a series, <= 12
# legend entries per panel, every swept value (trim=off included) present; headless Chromium
# lays every SVG out at 1400 px and fails on text that overlaps other text or leaves its plot.
# A deliberately broken figure is checked alongside, so the check is seen to fail. Screenshots
# of each report page are left in OUT/screenshots/ for a reviewer.
#   test_plots.sh FAULTLINE OUT
set -euo pipefail
fl=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
check="$here/plot_check.py"
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
command -v gnuplot >/dev/null || {
    echo "gnuplot not installed (make deps installs gnuplot-nox)"
    exit 77
}
browser=$(command -v chromium || command -v chromium-browser || true)
rm -rf "$out"
mkdir -p "$out"
# Under ASan its allocator replaces glibc malloc in the runner, which refuses mallopt: the
# glibc settings of the sweeps would fail. Those builds sweep hybrid only.
glibc_thr=(-b 'glibc:mmap_threshold=64K..1M:x4')
glibc_trim=(-b 'glibc:trim_threshold=64K,1M')
if grep -q 'FAULTLINE_SANITIZED 1' "$(dirname "$fl")/config.h" 2>/dev/null; then
    glibc_thr=()
    glibc_trim=()
fi

"$fl" run -b brk -b hybrid -b glibc -w seed-sequence -w sawtooth:cycles=2 -w churn:count=20 \
    --runs 2 --quiet --out "$out/suite" >/dev/null
"$fl" sweep -b 'hybrid:threshold=64K..1M:x4' "${glibc_thr[@]}" \
    -w size-sweep:max=4M -w 'churn:size=256K,count=20' --runs 1 --quiet --out "$out/threshold" >/dev/null
"$fl" sweep -b 'hybrid:trim=64K,1M,off' -b 'hybrid:top_pad=0,1M' "${glibc_trim[@]}" \
    -w sawtooth:cycles=2 --runs 1 --quiet --out "$out/trim" >/dev/null
for d in suite threshold trim; do
    "$fl" report "$out/$d" >/dev/null || fail "faultline report $d exited $?"
done

# what issue 16 names: trim=off in every trim plot and in the trade-off plot with its front
for p in trim-sys_brk trim-rss_end tradeoff-trim-syscalls; do
    [ -s "$out/trim/plots/$p.svg" ] || fail "$p was not drawn"
done
grep -q '<text>off</text>' "$out/trim/plots/trim-sys_brk.svg" || fail "trim-sys_brk lacks trim=off"
grep -q 'trim=off' "$out/trim/plots/tradeoff-trim-syscalls.svg" || fail "trade-off plot lacks trim=off"
grep -q '<text>Pareto front</text>' "$out/trim/plots/tradeoff-trim-syscalls.svg" || fail "no Pareto front"

# a figure that must fail: no title, overlapping texts, 13 legend entries
bad="$out/broken"
mkdir -p "$bad/plots"
echo 'bad|backends|x|a title that is not drawn' >"$bad/plots/manifest.txt"
{
    echo '<svg viewBox="0 0 400 300" xmlns="http://www.w3.org/2000/svg"><g id="gnuplot_canvas">'
    echo '<g transform="translate(100,100)" font-size="12"><text>colliding label</text></g>'
    echo '<g transform="translate(105,102)" font-size="12"><text>colliding label</text></g>'
    for i in $(seq 1 13); do
        echo "<g id=\"gnuplot_plot_${i}a\"><title>gnuplot_plot_${i}a</title><g text-anchor=\"end\"><text>s$i</text></g></g>"
    done
    echo '</g></svg>'
} >"$bad/plots/bad.svg"
set +e
msg=$(python3 "$check" static "$bad")
rc=$?
set -e
[ $rc -eq 1 ] || fail "static check passed a broken figure: $msg"
for want in 'not in the SVG' 'no y-axis label' '13 legend entries'; do
    grep -q "$want" <<<"$msg" || fail "static check missed '$want': $msg"
done

python3 "$check" static "$out/suite" "$out/threshold" "$out/trim" || fail "static plot check"

if [ -z "$browser" ]; then
    echo "chromium not found: layout check skipped (apt-get install chromium; ci/deps.sh installs it)"
    if [ "${CI:-}" = 1 ] || [ "${FAULTLINE_CI:-}" = 1 ]; then exit 1; fi
    exit 77
fi
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
    --disable-component-update --disable-sync --disable-dev-shm-usage)
prof=$(mktemp -d)
trap 'rm -rf "$prof"' EXIT
python3 "$check" page "$out/layout.html" "$out/suite" "$out/threshold" "$out/trim" "$bad"
timeout 600 "$browser" "${flags[@]}" --user-data-dir="$prof/a" --virtual-time-budget=60000 \
    --dump-dom "file://$out/layout.html" >"$out/layout.dom" 2>"$out/chromium.log" ||
    fail "chromium --dump-dom failed: $(tail -n 3 "$out/chromium.log")"
set +e
verdict=$(python3 "$check" verdict "$out/layout.dom")
set -e
printf '%s\n' "$verdict" >"$out/layout.txt"
# the broken figure's collision is found, and nothing else is
grep -q "^broken/bad: 'colliding label' overlaps 'colliding label'" <<<"$verdict" ||
    fail "layout check missed the planted collision: $verdict"
others=$(grep -v '^broken/' <<<"$verdict" | grep -v '^PLOTS-' || true)
[ -z "$others" ] || fail "text collides or leaves its plot at 1400 px:
$others"
n=$(grep -o '^PLOTS-BAD [0-9]*' <<<"$verdict" | cut -d' ' -f2)
echo "layout: $n plots laid out at 1400 px, no collision outside the planted one"

mkdir -p "$out/screenshots"
for d in suite threshold trim; do
    timeout 300 "$browser" "${flags[@]}" --user-data-dir="$prof/b" --hide-scrollbars --window-size=1400,4000 \
        --screenshot="$out/screenshots/$d.png" "file://$out/$d/index.html" 2>>"$out/chromium.log" ||
        fail "screenshot of $d/index.html failed"
    [ -s "$out/screenshots/$d.png" ] || fail "empty screenshot of $d"
done
echo "screenshots: $out/screenshots/{suite,threshold,trim}.png"
