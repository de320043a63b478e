#!/usr/bin/env bash
# Report tests over committed results fixtures: every plot rendered as valid SVG + PNG, every
# <img> of index.html present, skip notes (not zeros) for null counters and crashed runs, and
# the report loading all its images in headless Chromium.
# inject: paths, labels and CSV cells that try to run code (quotes, $(), backticks, newlines,
# gnuplot's system(), <script>) are drawn and printed as data: nothing runs, plots are drawn.
# usage: test_report.sh basic|nullcrash|chromium|badinput|tune|inject FAULTLINE FIXTURES_DIR OUT_ROOT
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
    # shellcheck disable=SC2013 # image paths have no spaces (plots/NAME.svg)
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
    expected="threshold-minflt threshold-syscalls threshold-ns_per_op threshold-rss_peak
        tradeoff-threshold-syscalls tradeoff-threshold-minflt tradeoff-threshold-p99
        trim-sys_brk trim-rss_end trim-minflt trim-ns_per_op
        tradeoff-trim-syscalls tradeoff-trim-minflt tradeoff-trim-p99
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
    [ "$(find "$d/plots" -maxdepth 1 -name '*.svg' | wc -l)" -eq "$(echo "$expected" | wc -w)" ] || fail "unexpected extra plots: $(ls "$d/plots")"
    # sawtooth records no malloc histogram: a note, not an empty plot
    grep -qx 'latency-malloc-sawtooth-peak-512K-cycles-2: no malloc histogram for sawtooth:peak=512K;cycles=2' "$d/plots/skipped.txt" ||
        fail "skipped.txt lacks the sawtooth malloc note: $(cat "$d/plots/skipped.txt")"
    check_imgs "$d"
    # uncertainty where the eye is: the fixture's first churn cell took 855 us median with runs
    # 72 % either side (cv > 10 %: noisy), and every row has its time relative to the reference
    # (no plain glibc in the fixture: the first backend, so its own row reads 1.00x)
    grep -q '<th>time vs hybrid:threshold=64K</th>' "$d/index.html" || fail "no relative time column"
    grep -q '<td title="noisy: cv > 10 %">855 us ±72%<span class="noisy">!</span></td>' "$d/index.html" ||
        fail "summary lacks the spread and noisy mark of the first cell"
    grep -q '| churn:count=4 | hybrid:threshold=64K | 2/2 | 855 us ±72%! |.* | 1.00x |$' "$d/report.md" ||
        fail "report.md summary lacks spread, noisy mark or relative time"
    grep -q '| churn:count=4 | hybrid:threshold=1M | 2/2 | 376 us ±41%! |.* | 0.44x |$' "$d/report.md" ||
        fail "report.md relative time of threshold=1M is not 376/855"
    # readings come from the data: hybrid at threshold 64K makes 1024 faults for 4 x 1 MiB churn
    grep -q "For churn, hybrid's minor faults per run is 1024 (128 per op) at threshold 64 KiB" "$d/index.html" ||
        fail "threshold reading does not carry the fixture's numbers"
    # the trade-off reading: the Pareto front from the fixture's sawtooth trim sweep
    grep -qF "For sawtooth, 2 of 2 settings are on the Pareto front of syscalls vs RSS at the end: hybrid:trim=64K (61, 4.31 MiB), hybrid:trim=1M (4, 4.69 MiB). Going from hybrid:trim=64K to hybrid:trim=1M cuts syscalls by 15.2x and costs 1.09x the RSS." "$d/index.html" ||
        fail "trade-off reading does not carry the fixture's numbers"
    # spreads are ratios with zeros handled: 219.5 vs 34 minor faults, not a 0-vs-n pair
    grep -qF 'The widest spread is on size-sweep:max=128K: hybrid:threshold=64K has the lowest median minflt (34) and mmap the highest (219.5, 6.46x as much).' "$d/index.html" ||
        fail "spread reading wrong"
    grep -q '<td class="l differs">differs</td>' "$d/index.html" || fail "seed claims table missing"
    grep -q 'class="best"' "$d/index.html" || fail "no best value highlighted in the summary"
    grep -q '<th class="l">kernel</th>' "$d/index.html" || fail "context block has no kernel"
    grep -qi '<script' "$d/index.html" && fail "index.html must not need JavaScript"
    echo "basic: $(echo "$expected" | wc -w) plots ok"
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
    # --ref names a backend: anything else is refused with one line, before anything runs
    set +e
    err2=$("$faultline" run -b glibc -w churn:count=2 --ref nosuch --no-out 2>&1 >/dev/null)
    rc=$?
    set -e
    [ $rc -eq 2 ] || fail "run --ref nosuch exited $rc, want 2"
    [ "$(printf '%s\n' "$err2" | wc -l)" -eq 1 ] && grep -q -- '--ref nosuch' <<<"$err2" || fail "want one line naming --ref, got: $err2"
    # the console table: spread, noisy mark, and the relative column against --ref
    tab=$("$faultline" run -b glibc -b hybrid -w churn:count=2 --runs 2 --fake-measure --no-out --ref hybrid)
    grep -q 'time vs hybrid' <<<"$tab" || fail "console table lacks the relative column: $tab"
    grep -qE '^hybrid +churn:count=2 .* 1\.00x ' <<<"$tab" || fail "the reference row is not 1.00x: $tab"
    echo "badinput: exit 2 with one line: $err; --ref: $err2"
    ;;
tune)
    # fixture: tune.csv of `faultline tune --objective retained-rss --budget 10 -- tune_prog`,
    # the only file `faultline tune --out DIR` writes; default t001, recommended t010
    d=$(fresh tune)
    "$faultline" report "$d" || fail "faultline report exited $?"
    for p in tune-peak_rss tune-retained_rss; do
        check_svg "$d/plots/$p.svg"
        check_png "$d/plots/$p.png"
        grep -q "src=\"plots/$p.svg\"" "$d/index.html" || fail "index.html does not show $p"
        grep -q "(plots/$p.png)" "$d/report.md" || fail "report.md does not show $p"
    done
    [ "$(find "$d/plots" -maxdepth 1 -name '*.svg' | wc -l)" -eq 2 ] || fail "unexpected plots: $(ls "$d/plots")"
    [ ! -s "$d/plots/skipped.txt" ] || fail "nothing should be skipped: $(cat "$d/plots/skipped.txt")"
    # the plot marks and labels the default and the recommended setting, and draws the front
    for t in 'Pareto front (4 metrics)' 'default (reference)' '>recommended<' '>default<'; do
        grep -qF "$t" "$d/plots/tune-retained_rss.svg" || fail "tune-retained_rss.svg lacks '$t'"
    done
    line='GLIBC_TUNABLES=glibc.malloc.mmap_threshold=65536:glibc.malloc.trim_threshold=131072:glibc.malloc.arena_max=1'
    # report.md escapes Markdown punctuation of values (GLIBC\_TUNABLES): compare its plain text
    sed 's/\\\(.\)/\1/g' "$d/report.md" >"$d/report.md.txt"
    for f in index.html report.md.txt; do
        grep -q 'Tuning advisor' "$d/$f" || fail "$f has no Tuning advisor section"
        grep -qF "$line" "$d/$f" || fail "$f lacks the recommended GLIBC_TUNABLES line"
        # readings come from tune.csv: retained 174731264 -> 1429504 bytes, time 680998048 / 149870676 ns
        grep -qF "The recommended setting cuts retained RSS from 167 MiB to 1.36 MiB (122x lower) at 4.54x the default's time (681 ms vs 150 ms)." "$d/$f" ||
            fail "$f: retained reading does not carry the fixture's numbers"
        grep -qF 'The Pareto front holds 4 of 10 settings' "$d/$f" || fail "$f: front size not 4 of 10"
    done
    # the front table: the default as the reference, the recommendation highlighted, 4 front rows
    grep -q '<tr class="ref"><td class="l">glibc defaults</td><td class="l">default (reference), not on the front</td><td>150 ms</td>' "$d/index.html" ||
        fail "default reference row missing"
    grep -q '<tr class="rec"><td class="l">mmap_threshold=64K,trim_threshold=128K,arena_max=1</td><td class="l">recommended</td>' "$d/index.html" ||
        fail "recommended row not highlighted"
    [ "$(grep -c '<td class="l">Pareto front</td>' "$d/index.html")" -eq 3 ] || fail "want 3 more front rows"
    grep -qF "| mmap\\_threshold=64K,trim\\_threshold=128K,arena\\_max=1 | recommended | **681 ms** |" "$d/report.md" ||
        fail "report.md does not highlight the recommended row"
    grep -q 'run.json is missing' "$d/index.html" && fail "a tune directory has no run.json to miss"
    check_imgs "$d"
    # a metric empty in every row: a note instead of a plot drawn from nothing
    awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "peak_rss_bytes") c = i; print; next } { $c = ""; print }' \
        "$fixtures/tune/tune.csv" >"$d/tune.csv"
    "$faultline" report "$d" || fail "faultline report exited $? on an empty peak_rss_bytes column"
    grep -qxF 'tune-peak_rss: peak_rss_bytes or time_ns is empty (not measured) in every row of tune.csv' "$d/plots/skipped.txt" ||
        fail "skipped.txt lacks the tune-peak_rss note: $(cat "$d/plots/skipped.txt")"
    [ ! -e "$d/plots/tune-peak_rss.svg" ] || fail "tune-peak_rss drawn from empty cells"
    grep -qF 'skipped tune-peak_rss: peak_rss_bytes or time_ns is empty' "$d/index.html" || fail "index.html lacks the skip note"
    check_svg "$d/plots/tune-retained_rss.svg"
    grep -q '<td class="na">n/a</td>' "$d/index.html" || fail "empty peak RSS cells not shown as n/a"
    echo "tune: section, GLIBC_TUNABLES line, front table and 2 plots ok; skip note ok"
    ;;
inject)
    # every hostile string below would create a PWNED* file if it ever ran as shell or gnuplot code
    work="$outroot/report-inject"
    rm -rf "$work"
    mkdir -p "$work/cwd"
    cd "$work/cwd"
    evil="x'.system(\"touch PWNED1\").'\$(touch PWNED2)\`touch PWNED3\`"$'\n'"nl"
    d="$work/$evil"
    cp -r "$fixtures/basic" "$d"
    # labels: backend and workload parameters (a replay trace name), quoted as RFC 4180 fields;
    # the ok_runs and runs cells of aggregates.csv carry markup
    python3 - "$d" <<'PY'
import csv, os, sys
d = sys.argv[1]
evil_wl = "file=t'.system(\"touch PWNED4\").'$(touch PWNED5)`touch PWNED6`<script>alert(1)</script>.fltrace"
evil_be = "threshold=64K'.system(\"touch PWNED7\").'"
for name in ("samples.csv", "aggregates.csv", "steps.csv"):
    p = os.path.join(d, name)
    rows = list(csv.reader(open(p, newline="")))
    h = rows[0]
    for r in rows[1:]:
        if r[h.index("workload")] == "churn":
            r[h.index("workload_params")] = evil_wl
        if r[h.index("backend_params")] == "threshold=64K":
            r[h.index("backend_params")] = evil_be
        if name == "aggregates.csv" and r[h.index("cell")] == "c001":
            r[h.index("ok_runs")] = "<script>alert('ok_runs')</script>"
            r[h.index("runs")] = "<img src=x onerror=alert(1)>"
    csv.writer(open(p, "w", newline=""), lineterminator="\n").writerows(rows)
PY
    "$faultline" report "$d" >"$work/report.log" 2>&1 || fail "faultline report exited $? on hostile labels: $(tail -n 3 "$work/report.log")"
    pwned=$(find "$work" / -maxdepth 1 -name 'PWNED*' 2>/dev/null || true)
    [ -z "$pwned" ] || fail "a label ran as code: $pwned"
    n=$(grep -c . "$d/plots/manifest.txt")
    [ "$n" -ge 20 ] || fail "only $n plots drawn with hostile labels: $(cat "$d/plots/skipped.txt")"
    grep -q 'gnuplot failed' "$d/plots/skipped.txt" && fail "gnuplot failed on hostile labels: $(cat "$d/plots/skipped.txt")"
    # the hostile workload label reaches a plot as text, and the pages as escaped text
    grep -qF 'touch PWNED5' "$d/plots/latency-malloc-churn-"*.svg || fail "the hostile workload label is not in its plot"
    for f in index.html report.md; do
        if grep -qiE '<script|<img src=x' "$d/$f"; then fail "$f holds an unescaped injected marker: $(grep -iE '<script|<img src=x' "$d/$f" | head -n 2)"; fi
    done
    grep -qF '&lt;script&gt;' "$d/index.html" || fail "index.html does not show the injected cell as text"
    # a plain apostrophe in --out
    bob="$work/bob's run"
    "$faultline" run -b mmap -w churn:count=2 --runs 1 --out "$bob" --quiet >/dev/null || fail "run --out \"bob's run\" failed"
    "$faultline" report "$bob" >/dev/null || fail "report of \"bob's run\" exited $?"
    [ "$(grep -c . "$bob/plots/manifest.txt")" -ge 4 ] || fail "bob's run: plots not drawn: $(cat "$bob/plots/skipped.txt")"
    # when gnuplot fails, the reason is said
    broken="$work/plots-broken"
    cp -r "$FAULTLINE_PLOTS_DIR" "$broken"
    echo 'this is not gnuplot' >>"$broken/render.gp"
    FAULTLINE_PLOTS_DIR=$broken "$faultline" report "$bob" >/dev/null 2>&1 || true
    grep -qE 'gnuplot failed: .*[a-z]' "$bob/plots/skipped.txt" || fail "gnuplot failure without a reason: $(cat "$bob/plots/skipped.txt")"
    [ -z "$(find "$work" / -maxdepth 1 -name 'PWNED*' 2>/dev/null)" ] || fail "something ran"
    echo "inject: $n plots drawn, nothing ran, pages escaped; bob's run drawn; gnuplot failure explained"
    ;;
*) fail "unknown mode $mode" ;;
esac
