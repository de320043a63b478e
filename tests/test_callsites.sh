#!/usr/bin/env bash
# Tests of `faultline exec --callsites`: the named call sites of callsites_prog are found under a
# backend, call-site totals equal exec's own counters (syscalls exactly; faults within the
# sampling period), the report's top call sites table shows glibc's policy reasons escaped, and
# without permission the run goes on with one line and null call sites.
# Mode cxx: a C++ program's call sites are demangled (work::big_map(unsigned long)).
# Mode python: PROG is a Python source run as `python3 -c "$(cat PROG)"`; its two named Python
# functions are the top call sites (mmap by mapped bytes, brk by calls), their frames sit in the
# folded stacks under CPython's evaluation loop, and the totals still equal exec's counters.
# Mode python-threads: the same with big_mapping in a second thread (PROG's argument `threads`):
# its folded stack starts at the thread's clone and holds threading's Thread.run.
# Mode python-nocap: the same program without CAP_SYS_ADMIN (capsh): one warning, native stacks.
# Mode tails: `run --explain-tails` on churn 1M under hybrid:threshold=64K, causes sum to 100 %;
# the latency CDF split by cause sums to all samples and is plotted (needs gnuplot).
# usage: test_callsites.sh MODE BUILD_DIR PROG [BACKEND]; exit 77 = skipped (reason printed).
set -euo pipefail
mode=$1
build=$2
prog=$3
backend=${4:-glibc}
fl=$build/faultline
work=$(mktemp -d /tmp/faultline-test-callsites-XXXXXX)
trap 'rm -rf "$work"' EXIT

fail() {
    echo "FAIL: $*"
    exit 1
}

need_sampling() {
    command -v python3 >/dev/null || { echo "SKIP: python3 is needed to read the results"; exit 77; }
    [ "$(id -u)" = 0 ] || [ "$(cat /proc/sys/kernel/perf_event_paranoid)" -le -1 ] ||
        { echo "SKIP: call chains need root or perf_event_paranoid <= -1"; exit 77; }
    [ -e /sys/kernel/tracing/events/syscalls ] || [ -e /sys/kernel/debug/tracing/events/syscalls ] ||
        { echo "SKIP: tracefs with syscall tracepoints is not mounted"; exit 77; }
}

# The top call sites of cell c001: each WANT is EVENT:BY:FUNC[@TEXT], the site with the most
# calls (BY=calls) or mapped bytes (BY=bytes) for EVENT must be function FUNC ("f.constprop.0"
# and "f.<locals>.<listcomp> (file:1)" count as f) and contain TEXT; and big_mapping's mmap
# sites must hold 20 calls of 40 MiB or more. usage: check_sites CSV WANT...
check_sites() {
    python3 - "$@" <<'EOF'
import csv, sys
per = {}
for r in csv.DictReader(open(sys.argv[1])):
    if r["cell"] == "c001" and r["count"]:
        k = (r["event"], r["site"])
        c, b = per.get(k, (0, 0))
        per[k] = (c + int(r["count"]), b + int(r["bytes"] or 0))
def func(site):
    return site.split(" ")[0].split(".")[0]
bad = False
for spec in sys.argv[2:]:
    ev, by, want = spec.split(":", 2)
    want, _, text = want.partition("@")
    cands = [((c if by == "calls" else b), s) for (e, s), (c, b) in per.items() if e == ev]
    got = max(cands)[1] if cands else "(none)"
    ok = func(got) == want and text in got
    print(("ok" if ok else "FAIL") + f": top {ev} call site by {by}: {got} (want {want}{' in ' + text if text else ''})")
    bad |= not ok
big = [(c, b) for (e, s), (c, b) in per.items() if e == "mmap" and func(s) == "big_mapping"]
c, b = sum(x[0] for x in big), sum(x[1] for x in big)
ok = c == 20 and b >= 20 * (40 << 20)
print(("ok" if ok else "FAIL") + f": big_mapping: {c} mmap, {b} bytes (want 20 and >= 20 x 40 MiB)")
sys.exit(1 if bad or not ok else 0)
EOF
}

# Compare callsites.csv with run.json of the same run and print a summary; fail on mismatch.
# Syscalls are sampled every time, so their totals must be equal; a fault sample stands for
# PERIOD faults and each inherited per-CPU counter keeps its own remainder, so the fault total
# may be short by less than PERIOD x CPUs x processes.
check_totals() {
    python3 - "$work/res" "$(nproc)" <<'EOF'
import csv, json, sys
d, ncpu = sys.argv[1], int(sys.argv[2])
rows = [r for r in csv.DictReader(open(d + "/callsites.csv")) if r["cell"] == "c001"]
run = [r for r in json.load(open(d + "/run.json"))["runs"] if r["cell"] == "c001"][0]["metrics"]
tot = {}
for r in rows:
    if r["note"] and "lost" in r["note"]:
        sys.exit("FAIL: samples were lost: " + r["note"])
    tot[r["event"]] = tot.get(r["event"], 0) + int(r["count"])
bad = False
for ev in ("brk", "mmap", "munmap", "mremap", "madvise"):
    want = run.get("sys_" + ev)
    got = tot.get(ev, 0)
    print(f"ok: {ev}: call sites {got}, exec counter {want}" if got == want else
          f"FAIL: {ev}: call sites {got}, exec counter {want}")
    bad |= got != want
period = int(next(r["period"] for r in rows if r["event"] == "fault"))
want = run["perf_minflt"] + run["perf_majflt"]
got = tot.get("fault", 0)
slack = period * ncpu * 4
ok = want - slack <= got <= want
print(("ok" if ok else "FAIL") + f": faults: call sites {got} (period {period}), exec counter {want:.0f}, "
      f"allowed shortfall {slack}")
sys.exit(1 if bad or not ok else 0)
EOF
}

# The latency CDF split by cause (tails/tails_cdf-<pid>.csv): per run and op kind the causes'
# samples add up to the run's samples of that kind (tails-<pid>.csv), each cause's line rises to
# 1, the tail causes appear among them; the plot is drawn and shown under the tails table.
check_cdf() {
    python3 - "$work/res" <<'EOF' || return 1
import csv, glob, sys
d = sys.argv[1]
bad = False
for f in glob.glob(d + "/tails/tails-*.csv"):
    pid = f.rsplit("-", 1)[1]
    was_bad, bad = bad, False
    want, tail_causes = {}, {}
    for r in csv.DictReader(open(f)):
        want[r["op"]] = int(r["samples"])
        tail_causes.setdefault(r["op"], set()).add(r["cause"])
    got, last, causes = {}, {}, {}
    for r in csv.DictReader(open(d + "/tails/tails_cdf-" + pid)):
        got[r["op"]] = got.get(r["op"], 0) + int(r["samples"])
        last[(r["op"], r["cause"])] = float(r["cum_fraction"])
        causes.setdefault(r["op"], set()).add(r["cause"])
    for op, n in want.items():
        if got.get(op) != n:
            print(f"FAIL: tails_cdf-{pid} {op}: causes hold {got.get(op)} samples, the run {n}"); bad = True
        if not tail_causes[op] <= causes.get(op, set()):
            print(f"FAIL: tails_cdf-{pid} {op}: tail causes {tail_causes[op]} missing"); bad = True
    if any(abs(v - 1) > 1e-6 for v in last.values()):
        print(f"FAIL: tails_cdf-{pid}: a cause's CDF does not end at 1: {last}"); bad = True
    if not bad:
        print(f"ok: tails_cdf-{pid}: per-cause samples sum to the run's samples {want}")
    bad |= was_bad
sys.exit(1 if bad or not want else 0)
EOF
    local png
    png=$(ls "$work/res"/plots/tails-cdf-churn-*-hybrid-threshold-64K.png) || { cat "$work/res/plots/skipped.txt"; return 1; }
    [ -s "$png" ] && [ -s "${png%.png}.svg" ] || { echo "FAIL: $png or its SVG is empty"; return 1; }
    grep -qF "<img src=\"plots/$(basename "${png%.png}").svg\"" "$work/res/index.html" ||
        { echo "FAIL: index.html does not show the CDF plot"; return 1; }
    grep -qF "](plots/$(basename "$png"))" "$work/res/report.md" || { echo "FAIL: report.md does not show the CDF plot"; return 1; }
    echo "ok: $(basename "$png") drawn and shown in index.html and report.md"
}

# The reason column: under glibc, every call of callsites_prog's named sites has glibc's policy
# reason (big_mapping's mmap/munmap: own mapping; grow_heap's brk: top too small; release_heap's
# brk: trim), the loader's calls none; under any other backend the column is empty.
check_reasons() {
    python3 - "$work/res/callsites.csv" "$backend" <<'EOF'
import csv, sys
want = {("mmap", "big_mapping"): "size >= mmap threshold",
        ("munmap", "big_mapping"): "free of mmapped chunk",
        ("brk", "grow_heap"): "top too small: grow by request + top_pad",
        ("brk", "release_heap"): "top >= trim threshold: trim"}
glibc = sys.argv[2] == "glibc"
seen, bad = set(), False
for r in csv.DictReader(open(sys.argv[1])):
    k = (r["event"], r["site"].split(".")[0])
    exp = want.get(k) if glibc else ""
    if r["site"] == "[dynamic loader]":
        exp = ""
    if exp is None:
        continue
    seen.add(k)
    if r["reason"] != exp:
        print(f"FAIL: {k}: reason {r['reason']!r}, want {exp!r}"); bad = True
missing = set(want) - seen if glibc else set()
if missing:
    print(f"FAIL: no rows for {sorted(missing)}"); bad = True
print(("FAIL" if bad else "ok") + f": policy reasons under {sys.argv[2]} ({len(seen)} kinds of row checked)")
sys.exit(1 if bad else 0)
EOF
}

# The reason column of the report's top call sites table: every row of report.md and index.html
# shows the distinct reasons callsites.csv holds for its (site, via), "; "-joined and escaped
# (">=" as "&gt;=", "_" as "\_" in Markdown), or an em dash where there are none (all rows under
# a backend other than glibc); under glibc big_mapping's malloc row names the mmap threshold and
# grow_heap's the grown top. Then markup planted in callsites.csv's reasons must come out
# escaped in both pages, never as markup.
check_report_reasons() {
    python3 - "$work/res" "$backend" <<'EOF' || return 1
import csv, html, re, sys
d, glibc = sys.argv[1], sys.argv[2] == "glibc"
def md_esc(s):
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_\[\]|#])", r"\\\1", s)
want = {}
for r in csv.DictReader(open(d + "/callsites.csv", newline="")):
    if r["cell"] != "c001" or not r["count"]:
        continue
    k = (r["site"], r["entry"] or "-")
    want.setdefault(k, [])
    if r["reason"] and r["reason"] not in want[k]:
        want[k].append(r["reason"])
want = {k: "; ".join(v) or "\u2014" for k, v in want.items()}
bad, n = False, 0
for l in open(d + "/report.md").read().splitlines():
    m = re.match(r"\| `([^`]*)` \| (.*?) \| (.*?) \| [^|]* \|$", l)
    if not m:
        continue
    n += 1
    exp = [v for (s, e), v in want.items() if s == m[1] and md_esc(e) == m[2]]
    if len(exp) != 1 or m[3] != md_esc(exp[0]):
        print(f"FAIL: report.md row {l!r}: want reason {exp}"); bad = True
page = open(d + "/index.html").read()
cells = re.findall(r"<tr><td><code>([^<]*)</code></td><td>([^<]*)</td><td>([^<]*)</td>", page)
for s, e, why in cells:
    exp = want.get((html.unescape(s), html.unescape(e)))
    if exp is None or html.unescape(why) != exp or ">" in why:
        print(f"FAIL: index.html row {s} via {e}: reason {why!r}, want {exp!r}"); bad = True
if glibc:
    for k, sub in ((("big_mapping", "malloc"), "size >= mmap threshold"),
                   (("grow_heap", "malloc"), "top too small: grow by request + top_pad")):
        if not any(s.startswith(k[0]) and e.endswith(k[1]) and sub in v for (s, e), v in want.items()):
            print(f"FAIL: no {k} row with reason {sub!r}: {want}"); bad = True
if not n or len(cells) != n:
    print(f"FAIL: {n} report.md and {len(cells)} index.html call-site rows"); bad = True
print(("FAIL" if bad else "ok") + f": glibc policy reasons in {n} report.md and {len(cells)} index.html call-site rows")
sys.exit(1 if bad else 0)
EOF
    [ "$backend" = glibc ] || return 0
    python3 - "$work/res/callsites.csv" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
for r in rows:
    if r["site"].startswith("big_mapping") and r["reason"]:
        r["reason"] = '<b>x</b> | `y` & "z"'
with open(sys.argv[1], "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
EOF
    "$fl" report --no-plots "$work/res" >/dev/null || { echo "FAIL: faultline report failed"; return 1; }
    if grep -qF '<b>x</b>' "$work/res/index.html" "$work/res/report.md"; then
        echo "FAIL: a planted reason reached a page unescaped"
        return 1
    fi
    # shellcheck disable=SC2016 # the backquotes are the planted text, not an expansion
    grep -qF '&lt;b&gt;x&lt;/b&gt; | `y` &amp; &quot;z&quot;' "$work/res/index.html" ||
        { echo "FAIL: index.html does not show the planted reason escaped"; return 1; }
    # shellcheck disable=SC2016 # as above
    grep -qF '&lt;b&gt;x&lt;/b&gt; \| \`y\` &amp; "z"' "$work/res/report.md" ||
        { echo "FAIL: report.md does not show the planted reason escaped"; return 1; }
    echo "ok: a planted reason with markup is escaped in index.html and report.md"
}

case $mode in
attribution)
    need_sampling
    "$fl" exec --callsites -b "$backend" -r 1 --quiet --out "$work/res" -- "$prog" >"$work/out.txt" 2>&1 ||
        { cat "$work/out.txt"; fail "exec --callsites failed"; }
    check_sites "$work/res/callsites.csv" mmap:calls:big_mapping munmap:calls:big_mapping \
        brk:calls:grow_heap fault:calls:grow_heap || fail "call sites not attributed"
    check_totals || fail "call-site totals differ from exec's counters"
    check_reasons || fail "policy reasons wrong"
    folded=$(ls "$work/res/callsites/"c001-mmap.folded) || fail "no folded stacks"
    grep -Eq '^[^ ]+;big_mapping[^ ]* [0-9]+$' "$folded" || { cat "$folded"; fail "folded stacks malformed"; }
    echo "ok: $folded holds folded stacks"
    "$fl" report --no-plots "$work/res" >/dev/null || fail "faultline report failed"
    for f in report.md index.html; do
        if ! grep -q 'Top call sites' "$work/res/$f" || ! grep -q 'big_mapping' "$work/res/$f"; then
            fail "$f has no top call sites table naming big_mapping"
        fi
    done
    echo "ok: report.md and index.html show the top call sites"
    check_report_reasons || fail "the top call sites table's reason column is wrong"
    ;;
sort)
    need_sampling
    # the input of exec_counts: ~12 MB of pseudo-random lines, single-threaded sort
    awk 'BEGIN { srand(7); for (i = 0; i < 400000; i++) {
                 printf "%08x ", int(rand() * 4294967295); n = int(rand() * 41);
                 s = ""; for (j = 0; j < n; j++) s = s "x"; print s } }' >"$work/in.txt"
    "$fl" exec --callsites -b glibc -r 1 --quiet --out "$work/res" -- sort --parallel=1 "$work/in.txt" \
        >"$work/out.txt" 2>&1 || { cat "$work/out.txt"; fail "exec --callsites sort failed"; }
    check_totals || fail "call-site totals differ from exec's counters"
    ;;
python | python-threads)
    need_sampling
    # the interpreter itself, not a wrapper script (pyenv's shim runs a dozen processes, and
    # check_totals' fault allowance assumes a few)
    py=$(python3 -c 'import sys; print(sys.executable)')
    args=()
    [ "$mode" = python-threads ] && args=(threads)
    "$fl" exec --callsites -b "$backend" -r 1 --quiet --out "$work/res" -- "$py" -c "$(cat "$prog")" \
        "${args[@]}" >"$work/out.txt" 2>&1 || { cat "$work/out.txt"; fail "exec --callsites python3 failed"; }
    if grep -q "Python frames" "$work/out.txt"; then
        cat "$work/out.txt"
        fail "Python frames were not read"
    fi
    check_sites "$work/res/callsites.csv" 'mmap:bytes:big_mapping@(<string>:' \
        'brk:calls:grow_heap@(<string>:' || fail "Python call sites not attributed"
    # the main thread's frames start at <module>; the worker's at threading's Thread.run
    outer='_PyEval_EvalFrameDefault;<module> \(<string>:1\)'
    [ "$mode" = python-threads ] && outer='^__clone3;start_thread;.*Thread\.run \([^)]*threading\.py:[0-9]+\)'
    grep -Eq "$outer;big_mapping \\(<string>:[0-9]+\\);.* 20\$" "$work/res/callsites/c001-mmap.folded" ||
        { grep big_mapping "$work/res/callsites/c001-mmap.folded"; fail "Python frames not in the folded stacks"; }
    echo "ok: the folded mmap stack holds big_mapping's 20 calls under ${outer#^}"
    check_totals || fail "call-site totals differ from exec's counters"
    ;;
python-nocap)
    # without CAP_SYS_ADMIN the exec child cannot install its seccomp filter: the run goes on
    # with native stacks and says so in one warning, naming the capability
    need_sampling
    command -v capsh >/dev/null || { echo "SKIP: capsh (libcap2-bin) is needed to drop a capability"; exit 77; }
    py=$(python3 -c 'import sys; print(sys.executable)')
    # shellcheck disable=SC2016 # expanded by the shell capsh starts, from its arguments
    capsh --drop=cap_sys_admin -- -c '"$0" exec --callsites -b glibc -r 1 --out "$1" -- "$2" -c "$3"' \
        "$fl" "$work/res" "$py" "$(cat "$prog")" >"$work/out.txt" 2>&1 ||
        { cat "$work/out.txt"; fail "exec --callsites without CAP_SYS_ADMIN failed"; }
    n=$(grep -c "Python frames not read: no syscall stopped for them (the seccomp filter needs CAP_SYS_ADMIN)" \
        "$work/out.txt" || true)
    [ "$n" = 1 ] || { cat "$work/out.txt"; fail "want one warning naming CAP_SYS_ADMIN, got $n"; }
    ! grep -q "big_mapping" "$work/res/callsites.csv" || fail "Python frames read without the filter?"
    echo "ok: without CAP_SYS_ADMIN: one warning, native stacks only"
    ;;
cxx)
    need_sampling
    "$fl" exec --callsites -b glibc -r 1 --quiet --out "$work/res" -- "$prog" >"$work/out.txt" 2>&1 ||
        { cat "$work/out.txt"; fail "exec --callsites failed"; }
    python3 - "$work/res/callsites.csv" <<'EOF' || fail "C++ call sites not demangled"
import csv, sys
per = {}
for r in csv.DictReader(open(sys.argv[1])):
    if r["cell"] == "c001" and r["count"]:
        k = (r["event"], r["site"], r["entry"])
        per[k] = per.get(k, 0) + int(r["count"])
bad = False
for ev, want in (("mmap", "work::big_map(unsigned long)"), ("brk", "work::grow(unsigned long)")):
    c, site, entry = max((c, s, e) for (e2, s, e), c in per.items() if e2 == ev)
    # operator new[] tail-calls operator new: the frame below the site is either
    ok = site == want and entry.startswith("operator new")
    print(("ok" if ok else "FAIL") + f": top {ev} call site {site!r} via {entry!r} ({c}), want {want!r} via operator new")
    bad |= not ok
sys.exit(1 if bad else 0)
EOF
    grep -qF 'work::big_map(unsigned long)' "$work/res/callsites/c001-mmap.folded" || fail "folded stacks not demangled"
    "$fl" report --no-plots "$work/res" >/dev/null || fail "faultline report failed"
    grep -qF 'work::big_map(unsigned long)' "$work/res/report.md" || fail "report.md does not name work::big_map"
    echo "ok: callsites.csv, the folded stacks and report.md name work::big_map(unsigned long)"
    ;;
trace)
    need_sampling
    "$fl" trace -o "$work/t.fltrace" --no-baseline --callsites "$work/sites" -- "$prog" \
        >"$work/out.txt" 2>&1 || { cat "$work/out.txt"; fail "trace --callsites failed"; }
    python3 - "$work/sites/callsites.csv" <<'EOF' || fail "trace call sites not attributed"
import csv, sys
per = {}
for r in csv.DictReader(open(sys.argv[1])):
    k = (r["event"], r["site"].split(".")[0])
    per[k] = per.get(k, 0) + int(r["count"])
ok = per.get(("munmap", "big_mapping"), 0) >= 20 and per.get(("brk", "grow_heap"), 0) > 100
print(("ok" if ok else "FAIL") + f": trace call sites: big_mapping munmap {per.get(('munmap', 'big_mapping'))}, "
      f"grow_heap brk {per.get(('brk', 'grow_heap'))}")
sys.exit(0 if ok else 1)
EOF
    grep -q 'top call sites' "$work/out.txt" || fail "no top call sites on stderr"
    set +e
    "$fl" trace -o "$work/t2.fltrace" --callsites '' -- "$prog" >/dev/null 2>&1
    rc=$?
    set -e
    [ "$rc" = 2 ] || fail "trace --callsites '' should be bad input (exit 2), got $rc"
    echo "ok: trace --callsites attributes the traced run; an empty DIR is bad input"
    ;;
tails)
    command -v python3 >/dev/null || { echo "SKIP: python3 is needed to read the results"; exit 77; }
    command -v gnuplot >/dev/null || { echo "SKIP: gnuplot is needed for the latency CDF plot"; exit 77; }
    # churn of 1 MiB blocks with the mmap threshold at 64K: every malloc maps, every free unmaps
    "$fl" run -b hybrid:threshold=64K -w churn:size=1M,count=500 -r 2 --settle 0 --explain-tails --quiet \
        --out "$work/res" >"$work/out.txt" 2>&1 || { cat "$work/out.txt"; fail "run --explain-tails failed"; }
    "$fl" report "$work/res" >/dev/null || fail "faultline report failed"
    python3 - "$work/res" <<'EOF' || fail "explained tails wrong"
import csv, glob, re, sys
d = sys.argv[1]
files = glob.glob(d + "/tails/tails-*.csv")
if len(files) != 2:
    sys.exit(f"FAIL: {len(files)} tails files for 2 runs")
bad = False
for f in files:
    tail, causes = {}, {}
    for r in csv.DictReader(open(f)):
        tail[r["op"]] = int(r["tail_samples"])
        causes.setdefault(r["op"], []).append((r["cause"], int(r["cause_samples"])))
    for op, n in tail.items():
        s = sum(c for _, c in causes[op])
        if s != n:
            print(f"FAIL: {f} {op}: causes sum to {s} of {n} tail samples"); bad = True
    want = {"malloc": "mmap", "free": "munmap"}
    for op, call in want.items():
        if any(call not in c.split("+") for c, _ in causes.get(op, [])):
            print(f"FAIL: {op} tail samples without {call}: {causes.get(op)}"); bad = True
        elif op not in causes:
            print(f"FAIL: no {op} tail samples"); bad = True
md = open(d + "/report.md").read()
if "## Explained tails" not in md:
    sys.exit("FAIL: report.md has no explained-tails table")
rows = [l for l in md.splitlines() if l.startswith("| hybrid:threshold=64K | churn")]
for l in rows:
    shares = [float(x) for x in re.findall(r"([0-9.]+) % ", l.split("|")[6])]
    if abs(sum(shares) - 100) > 0.2:
        print("FAIL: shares do not add up to 100 %:", l); bad = True
print(("FAIL" if bad or not rows else "ok") + f": {len(rows)} explained-tails rows; causes sum to the tail samples")
sys.exit(1 if bad or not rows else 0)
EOF
    grep -q 'Explained tails' "$work/res/index.html" || fail "index.html has no explained-tails table"
    check_cdf || fail "latency CDF by cause wrong"
    "$fl" run -b hybrid:threshold=64K -w churn:size=1M,count=10 -r 1 --settle 0 --quiet --out "$work/res2" \
        >/dev/null 2>&1 || fail "plain run failed"
    [ ! -e "$work/res2/tails" ] || fail "tails recorded without --explain-tails (it is opt-in)"
    echo "ok: explained tails only with --explain-tails"
    ;;
denied)
    command -v setpriv >/dev/null || { echo "SKIP: setpriv (util-linux) is needed"; exit 77; }
    [ "$(cat /proc/sys/kernel/perf_event_paranoid)" -ge 0 ] ||
        { echo "SKIP: perf_event_paranoid < 0 permits call chains to everyone"; exit 77; }
    run=()
    if [ "$(id -u)" = 0 ]; then
        run=(setpriv --reuid=65534 --regid=65534 --clear-groups)
    fi
    chmod 755 "$work"
    mkdir -m 777 "$work/res"
    # copies the unprivileged user can reach: the build tree may sit under a 0700 directory
    # (a mktemp -d clone), which uid 65534 cannot enter
    mkdir -m 755 "$work/bin"
    cp "$fl" "$prog" "$work/bin/"
    "${run[@]}" "$work/bin/faultline" exec --callsites -b glibc -r 1 --quiet --out "$work/res/r" \
        -- "$work/bin/$(basename "$prog")" \
        >"$work/out.txt" 2>&1 || { cat "$work/out.txt"; fail "the run did not continue without call chains"; }
    n=$(grep -c -- '--callsites: call chains not permitted' "$work/out.txt" || true)
    [ "$n" = 1 ] || { cat "$work/out.txt"; fail "expected one line saying call chains are not permitted, got $n"; }
    row=$(grep '^c001,' "$work/res/r/callsites.csv") || fail "no callsites.csv row for the backend"
    IFS=, read -r _ _ _ runs count _ <<<"$row"
    if [ "$runs" != 0 ] || [ -n "$count" ]; then fail "call sites should be null: $row"; fi
    echo "ok: one line, run completed, call sites null: $row"
    ;;
*)
    fail "unknown mode $mode"
    ;;
esac
