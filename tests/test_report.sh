#!/usr/bin/env bash
# Report tests over committed results fixtures: every plot rendered as valid SVG + PNG, every
# <img> of index.html present, skip notes (not zeros) for null counters and crashed runs, and
# the report loading all its images in headless Chromium.
# usage: test_report.sh basic|nullcrash|chromium|badinput FAULTLINE FIXTURES_DIR OUT_ROOT
set -euo pipefail
mode=$1 faultline=$2 fixtures=$3 outroot=$4
fail() { echo "FAIL: $*" >&2; exit 1; }

# A private copy per test, so ctest -j runs never share a directory.
fresh() {
    local out="$outroot/report-$mode"
    rm -rf "$out"
    mkdir -p "$outroot"
    cp -r "$fixtures/$1" "$out"
    echo "$out"
}

check_svg() { python3 -c 'import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); sys.exit(0 if r.tag.endswith("svg") else 1)' "$1" || fail "$1 is not a valid SVG"; }
check_png() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "$1 has no PNG magic"; }

# every <img src> of index.html exists and is non-empty
check_imgs() {
    local d=$1 n=0
    for src in $(grep -o '<img src="[^"]*"' "$d/index.html" | sed 's/<img src="//; s/"$//'); do
        case $src in http:* | https:* | //*) fail "index.html loads $src from the network" ;; esac
        [ -s "$d/$src" ] || fail "index.html references missing $src"
        n=$((n + 1))
    done
    echo "$n images referenced, all present"
}

case $mode in
basic)
    d=$(fresh basic)
    "$faultline" report "$d" || fail "faultline report exited $?"
    expected="threshold-hybrid-threshold-minflt threshold-hybrid-threshold-syscalls
        threshold-hybrid-threshold-ns_per_op threshold-hybrid-threshold-rss_peak
        threshold-glibc-mmap_threshold-minflt threshold-glibc-mmap_threshold-syscalls
        threshold-glibc-mmap_threshold-ns_per_op threshold-glibc-mmap_threshold-rss_peak
        trim-hybrid-trim-sys_brk trim-hybrid-trim-rss_end
        backends-minflt backends-syscalls backends-ns_per_op backends-rss_peak
        latency-malloc-churn-count-4 latency-free-churn-count-4
        latency-malloc-seed-sequence latency-free-seed-sequence
        latency-free-sawtooth-peak-512K-cycles-2
        latency-malloc-size-sweep-max-128K latency-free-size-sweep-max-128K
        timeline-sawtooth-peak-512K-cycles-2-rss_bytes timeline-sawtooth-peak-512K-cycles-2-break_offset
        timeline-sawtooth-peak-512K-cycles-2-mapped_bytes
        seed-sequence-break_offset seed-sequence-mapped_bytes size-sweep-faults size-sweep-syscalls"
    for p in $expected; do
        [ -s "$d/plots/$p.svg" ] || fail "missing plot $p.svg"
        [ -s "$d/plots/$p.png" ] || fail "missing plot $p.png"
        check_svg "$d/plots/$p.svg"
        check_png "$d/plots/$p.png"
        grep -q "src=\"plots/$p.svg\"" "$d/index.html" || fail "index.html does not show $p"
        grep -q "(plots/$p.png)" "$d/report.md" || fail "report.md does not show $p"
    done
    [ "$(ls "$d"/plots/*.svg | wc -l)" -eq "$(echo $expected | wc -w)" ] || fail "unexpected extra plots: $(ls "$d/plots")"
    # sawtooth records no malloc histogram: a note, not an empty plot
    grep -qx 'latency-malloc-sawtooth-peak-512K-cycles-2: no malloc histogram for sawtooth:peak=512K;cycles=2' "$d/plots/skipped.txt" ||
        fail "skipped.txt lacks the sawtooth malloc note: $(cat "$d/plots/skipped.txt")"
    check_imgs "$d"
    # readings come from the data: hybrid at threshold 64K makes 1024 faults for 4 x 1 MiB churn
    grep -q "For churn, hybrid's minor faults per run is 1024 (128 per op) at threshold 64 KiB" "$d/index.html" ||
        fail "threshold reading does not carry the fixture's numbers"
    grep -q '<td class="l differs">differs</td>' "$d/index.html" || fail "seed claims table missing"
    grep -q 'class="best"' "$d/index.html" || fail "no best value highlighted in the summary"
    grep -q '<th class="l">kernel</th>' "$d/index.html" || fail "context block has no kernel"
    grep -qi '<script' "$d/index.html" && fail "index.html must not need JavaScript"
    echo "basic: $(echo $expected | wc -w) plots ok"
    ;;
nullcrash)
    d=$(fresh nullcrash)
    "$faultline" report "$d" || fail "faultline report exited $?"
    for line in 'backends-syscalls: syscalls is empty (not measured) in every cell of aggregates.csv' \
        'seed-sequence-mapped_bytes: mapped_bytes is empty (not measured) for every backend' \
        'threshold: no sweep.csv (not a sweep directory)' 'timeline: workload sawtooth was not run'; do
        grep -qxF "$line" "$d/plots/skipped.txt" || fail "skipped.txt lacks '$line': $(cat "$d/plots/skipped.txt")"
        grep -qF "skipped $line" "$d/index.html" || fail "index.html lacks the skip note '$line'"
    done
    for p in backends-syscalls seed-sequence-mapped_bytes; do
        [ ! -e "$d/plots/$p.svg" ] && [ ! -e "$d/plots/$p.png" ] || fail "$p was drawn from empty cells"
        grep -q "plots/$p\." "$d/index.html" && fail "index.html shows the skipped plot $p"
    done
    for p in backends-minflt seed-sequence-break_offset latency-malloc-seed-sequence; do
        check_svg "$d/plots/$p.svg"
    done
    # the crashed cell has no latency plot series and its summary row says n/a, not 0
    grep -q 'mmap x churn:count=4): crashed: SIGSEGV' "$d/index.html" || fail "crashed run not warned"
    grep -q '<td class="l">mmap</td><td>0/2</td><td class="na">n/a</td><td class="na">n/a</td>' "$d/index.html" ||
        fail "crashed cell's summary row is not n/a"
    grep -q 'counters not measured in any run (empty cells, not zeros): sys_brk' "$d/index.html" || fail "missing-counter warning absent"
    grep -q 'syscall tracepoints unavailable' "$d/index.html" || fail "run.json warning absent"
    check_imgs "$d"
    echo "nullcrash: skip notes present, nothing drawn from empty cells"
    ;;
chromium)
    browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
    if [ -z "$browser" ]; then
        echo "chromium not found (apt-get install chromium; ci/deps.sh installs it)"
        if [ "${CI:-}" = 1 ] || [ "${FAULTLINE_CI:-}" = 1 ]; then exit 1; fi
        exit 77
    fi
    d=$(fresh basic)
    "$faultline" report "$d" >/dev/null || fail "faultline report exited $?"
    # The report has no script; a test copy of it gets one that counts the loaded images.
    sed 's|</body>|<script>window.addEventListener("load", function () { var bad = [], n = 0; var imgs = document.images; for (var i = 0; i < imgs.length; i++) { if (imgs[i].complete \&\& imgs[i].naturalWidth > 0) n++; else bad.push(imgs[i].getAttribute("src")); } var p = document.createElement("pre"); p.id = "verdict"; p.textContent = bad.length ? "IMAGES-BROKEN " + bad.join(" ") : "IMAGES-OK " + n; document.body.appendChild(p); });</script></body>|' \
        "$d/index.html" >"$d/check.html"
    flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
        --disable-component-update --disable-sync --disable-dev-shm-usage)
    prof=$(mktemp -d)
    trap 'rm -rf "$prof"' EXIT
    dom=$(timeout 120 "$browser" "${flags[@]}" --user-data-dir="$prof/a" --virtual-time-budget=5000 --dump-dom "file://$d/check.html" 2>"$d/chromium.log") ||
        fail "chromium --dump-dom failed: $(tail -n 3 "$d/chromium.log")"
    verdict=$(grep -o '<pre id="verdict">[^<]*' <<<"$dom" | sed 's/^<pre id="verdict">//' || true)
    n=$(grep -c '<img src=' "$d/index.html")
    [ "$verdict" = "IMAGES-OK $n" ] || fail "expected 'IMAGES-OK $n', got '${verdict:-no verdict}'"
    timeout 120 "$browser" "${flags[@]}" --user-data-dir="$prof/b" --hide-scrollbars --window-size=1200,3000 \
        --screenshot="$outroot/report.png" "file://$d/index.html" 2>>"$d/chromium.log" || fail "chromium --screenshot failed"
    check_png "$outroot/report.png"
    echo "chromium: $verdict; screenshot $outroot/report.png"
    ;;
badinput)
    set +e
    err=$("$faultline" report /nonexistent 2>&1 >/dev/null)
    rc=$?
    set -e
    [ $rc -eq 2 ] || fail "report /nonexistent exited $rc, want 2"
    [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "want one line, got: $err"
    grep -q '/nonexistent' <<<"$err" || fail "message does not name the path: $err"
    empty=$(mktemp -d)
    set +e
    "$faultline" report "$empty" 2>/dev/null
    rc=$?
    set -e
    rmdir "$empty"
    [ $rc -eq 2 ] || fail "report on a directory without samples.csv exited $rc, want 2"
    echo "badinput: exit 2 with one line: $err"
    ;;
*) fail "unknown mode $mode" ;;
esac
