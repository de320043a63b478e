#!/usr/bin/env bash
# plots/plot.sh RESULTS_DIR: render every plot a faultline results directory has data for into
# RESULTS_DIR/plots/ (SVG + PNG). Reads only the directory's CSV files; a plot whose data is
# missing is listed in plots/skipped.txt ("name: reason") instead of being drawn from zeros.
#
# Data never becomes code: each CSV is first turned into TSV (csv2tsv.awk, RFC 4180 quoting),
# the awk programs are fixed files (*.awk) that get values only through data and -v of our own
# temp paths, and gnuplot runs one fixed script (render.gp) with the output path as an argument
# and every title or label as a string that finish.awk quotes (gpq, the one place that does).
# A family of plots is one function below that writes a figure description and calls draw.
set -euo pipefail

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
    echo "usage: plots/plot.sh RESULTS_DIR (a faultline results directory)" >&2
    exit 2
fi
dir=$1
here=$(cd "$(dirname "$0")" && pwd)
out="$dir/plots"
if ! command -v gnuplot >/dev/null; then
    echo "plot.sh: gnuplot not found: apt-get install gnuplot-nox" >&2
    exit 2
fi
# a `faultline tune --out DIR` directory holds only tune.csv
if [ ! -f "$dir/samples.csv" ] && [ ! -f "$dir/tune.csv" ]; then
    echo "plot.sh: $dir has no samples.csv or tune.csv: not a faultline results directory" >&2
    exit 2
fi
mkdir -p "$out"
tmp=$(mktemp -d)
# awk -v would read backslashes in a temp path as escapes: use /tmp when TMPDIR is unusual
case $tmp in *[!A-Za-z0-9/._-]*)
    rmdir "$tmp"
    tmp=$(mktemp -d /tmp/faultline-plot.XXXXXX)
    ;;
esac
trap 'rm -rf "$tmp"' EXIT
# stale files of an earlier render would outlive data that is gone now
rm -f "$out"/*.svg "$out"/*.png "$out/skipped.txt" "$out/manifest.txt"
: >"$tmp/skipped"
: >"$tmp/manifest"
: >"$tmp/colours"
TAB=$'\t'
PCTL=(p50 p90 p99 p99.9 max)

skip() { printf '%s: %s\n' "$1" "$(oneline "$2")" >>"$tmp/skipped"; }
oneline() { printf '%s' "$1" | tr '\n\r|' '   '; }
safe() { printf '%s' "$1" | tr -c 'A-Za-z0-9._-' '-'; }
# awk with the shared functions; the program is a file of this folder, never built here
run_awk() { # PROGRAM [awk args...]
    local prog=$1
    shift
    awk -F "$TAB" -f "$here/lib.awk" -f "$here/$prog.awk" "$@"
}
# CSV (RFC 4180) -> TSV, read through stdin so that no file name is taken for an awk assignment
tsv() { awk -f "$here/csv2tsv.awk" <"$1" >"$2"; }

# draw NAME FAMILY ARGS TITLE: render $tmp/NAME.fig (see finish.awk) to NAME.svg and NAME.png
# and add "name|family|args|title" to the manifest that the HTML report reads.
draw() {
    local name=$1 family=$2 args=$3 title=$4 f="$tmp/$1"
    { printf 'F\t%s\n' "$(oneline "$title")"; cat "$f.fig"; } |
        run_awk finish -f "$here/labels.awk" -v vars="$f.vars" -v dat="$f.dat" -v colours="$tmp/colours"
    local rc=0
    gnuplot -c "$here/render.gp" "$f.svg" "$f.png" "$f.vars" "$f.dat" 2>"$f.log" || rc=$?
    # warnings (an empty series of a panel) go to the log too; only the exit status fails
    if [ $rc -eq 0 ] && [ -s "$f.svg" ] && [ -s "$f.png" ]; then
        mv "$f.svg" "$out/$name.svg"
        mv "$f.png" "$out/$name.png"
        printf '%s|%s|%s|%s\n' "$name" "$family" "$(oneline "$args")" "$(oneline "$title")" >>"$tmp/manifest"
    else
        local why
        why=$(grep -v '^[[:space:]]*$' "$f.log" | tail -n 1 || true)
        skip "$name" "gnuplot failed: ${why:-exit status $rc without a message}"
    fi
}

# ---- inputs as TSV; cells as "cell backend-label workload-label backend" ---------------------
for f in samples aggregates sweep steps tune; do
    if [ -f "$dir/$f.csv" ]; then tsv "$dir/$f.csv" "$tmp/$f.tsv"; fi
done
: >"$tmp/cells"
if [ -f "$tmp/samples.tsv" ]; then
    run_awk cells <"$tmp/samples.tsv" | sort -u >"$tmp/cells"
    # one colour per backend for the whole report: fixed for the known ones (finish.awk), the
    # others in sorted order after them
    cut -f4 "$tmp/cells" | sort -u | awk '{ print $0 "\t" }' >"$tmp/backends"
fi

# ---- 1, 2: parameter sweeps (sweep.csv) -------------------------------------------------
sweep_plots() {
    if [ ! -f "$tmp/sweep.tsv" ]; then
        skip threshold "no sweep.csv (not a sweep directory)"
        skip trim "no sweep.csv (not a sweep directory)"
        return
    fi
    local hdrline fam keys m
    hdrline=$(head -n 1 "$tmp/sweep.tsv")
    [ -f "$tmp/aggregates.tsv" ] || head -n 1 "$tmp/sweep.tsv" >"$tmp/aggregates.tsv"
    sweep_p99
    for fam in threshold trim; do
        keys="threshold mmap_threshold"
        [ $fam = trim ] && keys="trim trim_threshold top_pad"
        local k found=0
        for k in $keys; do case "$TAB$hdrline$TAB" in *"$TAB$k$TAB"*) found=1 ;; esac; done
        if [ $found = 0 ]; then
            skip "$fam" "sweep.csv has no ${keys// /, } column"
            continue
        fi
        local metrics="minflt syscalls ns_per_op rss_peak"
        [ $fam = trim ] && metrics="sys_brk rss_end minflt ns_per_op"
        for m in $metrics; do
            local yl yu=count name="$fam-$m"
            case $m in
            minflt) yl='minor faults per run' ;;
            syscalls) yl='calls per run' ;;
            sys_brk) yl='brk calls per run' ;;
            ns_per_op) yl='time per operation' yu=ns ;;
            rss_peak) yl='peak RSS' yu=bytes ;;
            rss_end) yl='RSS at end of phase' yu=bytes ;;
            esac
            run_awk sweep -v family="$fam" -v metric="$m" -v ylab="$yl" -v yunit="$yu" \
                "$tmp/aggregates.tsv" "$tmp/sweep.tsv" >"$tmp/$name.fig"
            if ! grep -q '^D' "$tmp/$name.fig"; then
                skip "$name" "$m is empty (not measured) in every row of sweep.csv"
                continue
            fi
            local what=$yl
            [ "$m" = syscalls ] && what='brk, mmap and munmap calls per run'
            draw "$name" "$fam" "$m" "$fam sweep: $what"
        done
        tradeoff_plots "$fam"
    done
}
# p99 of malloc latency per cell (hist/<cell>-malloc.csv), for the latency trade-off
sweep_p99() {
    # a header line: tradeoff.awk reads the first line of every input as its header
    printf 'cell\tp99\n' >"$tmp/p99"
    local cell
    while IFS="$TAB" read -r cell _; do
        local f="$dir/hist/$cell-malloc.csv" q
        [ -s "$f" ] || continue
        tsv "$f" "$tmp/h.tsv"
        q=$(run_awk hist <"$tmp/h.tsv" | cut -f3)
        [ -n "$q" ] && printf '%s\t%s\n' "$cell" "$q" >>"$tmp/p99"
    done <"$tmp/cells"
}
tradeoff_plots() { # FAMILY
    local fam=$1 cost
    for cost in syscalls minflt p99; do
        local name="tradeoff-$fam-$cost" yl yu=count
        case $cost in
        syscalls) yl='syscalls per run' ;;
        minflt) yl='minor faults per run' ;;
        p99) yl='malloc latency p99' yu=ns ;;
        esac
        run_awk tradeoff -v family="$fam" -v cost="$cost" -v ylab="$yl" -v yunit="$yu" \
            "$tmp/aggregates.tsv" "$tmp/p99" "$tmp/sweep.tsv" >"$tmp/$name.fig"
        if ! grep -q '^D' "$tmp/$name.fig"; then
            skip "$name" "no setting has both $cost and RSS at the end measured"
            continue
        fi
        draw "$name" tradeoff "$fam;$cost" "$fam sweep: $yl vs retained RSS per setting, Pareto front dashed"
    done
}

# ---- 3: backend comparison (aggregates.csv) -----------------------------------------------
backend_plots() {
    if [ ! -f "$tmp/aggregates.tsv" ]; then
        skip backends "no aggregates.csv"
        return
    fi
    local m
    for m in minflt syscalls ns_per_op rss_peak; do
        local name="backends-$m" yl yu=count
        case $m in
        minflt) yl='minor faults per run' ;;
        syscalls) yl='syscalls per run' ;;
        ns_per_op) yl='time per operation' yu=ns ;;
        rss_peak) yl='peak RSS' yu=bytes ;;
        esac
        run_awk backends -v metric="$m" -v ylab="$yl" -v yunit="$yu" <"$tmp/aggregates.tsv" >"$tmp/$name.fig"
        if ! grep -q '^D' "$tmp/$name.fig"; then
            skip "$name" "$m is empty (not measured) in every cell of aggregates.csv"
            continue
        fi
        local what=$yl
        [ "$m" = syscalls ] && what='brk+mmap+munmap+mremap+madvise+mprotect calls per run'
        draw "$name" backends "$m" "$what per workload (bars: median, whiskers: min-max)"
    done
}

# ---- 4: latency percentiles (hist/<cell>-<op>.csv) ------------------------------------------
latency_plots() {
    if [ ! -d "$dir/hist" ] || ! ls "$dir"/hist/*.csv >/dev/null 2>&1; then
        skip latency "no hist/*.csv (run with --no-measure, or no run succeeded)"
        return
    fi
    local op wl
    for op in malloc free; do
        local drew=0
        while IFS= read -r wl; do
            [ -n "$wl" ] || continue
            local name
            name="latency-$op-$(safe "$wl")"
            : >"$tmp/rows"
            while IFS="$TAB" read -r cell be w _; do
                [ "$w" = "$wl" ] || continue
                local f="$dir/hist/$cell-$op.csv"
                [ -s "$f" ] || continue
                tsv "$f" "$tmp/h.tsv"
                local q i=0
                for q in $(run_awk hist <"$tmp/h.tsv"); do
                    printf '%s\t%s\t%s\t%s\n' "$be" "$((i + 1))" "$q" "${PCTL[i]}" >>"$tmp/rows"
                    i=$((i + 1))
                done
            done <"$tmp/cells"
            if [ ! -s "$tmp/rows" ]; then
                skip "$name" "no $op histogram for $wl"
                continue
            fi
            FL_TITLE="$op latency percentiles, $wl" FL_XL=percentile FL_XU=- FL_YL="$op latency" FL_YU=ns \
                FL_XKIND=cat FL_STYLE=lp run_awk series <"$tmp/rows" >"$tmp/$name.fig"
            draw "$name" latency "$op;$wl" "$op latency percentiles, $wl"
            drew=1
        done < <(cut -f3 "$tmp/cells" | sort -u)
        [ $drew = 1 ] || skip "latency-$op" "no $op histogram in hist/"
    done
}


# ---- 5: timelines of sawtooth (timeline/<cell>-r<rep>.csv), drawn as steps ------------------
timeline_plots() {
    local wls wl m
    wls=$(cut -f3 "$tmp/cells" | sort -u | grep -E '^sawtooth(:|$)' || true)
    if [ -z "$wls" ]; then
        skip timeline "workload sawtooth was not run"
        return
    fi
    while IFS= read -r wl; do
        for m in rss_bytes break_offset mapped_bytes; do
            local name yl
            name="timeline-$(safe "$wl")-$m"
            : >"$tmp/rows"
            while IFS="$TAB" read -r cell be w _; do
                [ "$w" = "$wl" ] || continue
                local f
                f=$(first_rep timeline "$cell")
                [ -n "$f" ] || continue
                tsv "$f" "$tmp/t.tsv"
                FL_X=ops FL_Y=$m FL_BE=$be run_awk column <"$tmp/t.tsv" >>"$tmp/rows"
            done <"$tmp/cells"
            if [ ! -s "$tmp/rows" ]; then
                skip "$name" "$m is empty (not measured) in every timeline of $wl"
                continue
            fi
            case $m in rss_bytes) yl='RSS' ;; break_offset) yl='program break above its start' ;; *) yl='backend mapped bytes' ;; esac
            FL_TITLE="$yl over the run, $wl (first repetition)" FL_XL='allocator operations' FL_XU=count \
                FL_YL="$yl" FL_YU=bytes FL_XKIND=num FL_STYLE=steps run_awk series <"$tmp/rows" >"$tmp/$name.fig"
            draw "$name" timeline "$wl;$m" "$yl over the run, $wl (first repetition)"
        done
    done <<<"$wls"
}

# ---- 6, 7: per-step snapshots (steps.csv) -------------------------------------------------
steps_plots() {
    if [ ! -f "$tmp/steps.tsv" ] || [ "$(wc -l <"$tmp/steps.tsv")" -le 1 ]; then
        skip seed-sequence "steps.csv is empty"
        skip size-sweep "steps.csv is empty"
        return
    fi
    steps_family seed-sequence seq steps step cat bytes 'after each step' \
        'is empty (not measured) for every backend' \
        'break_offset|program break above its start' 'mapped_bytes|bytes in mmapped blocks'
    steps_family size-sweep size sizesweep 'request size' log2 count 'vs request size' \
        'counters are empty (not measured) in the size-sweep steps' \
        'faults|minor faults per operation' \
        'syscalls|syscalls per operation|brk+mmap+munmap+mremap+madvise+mprotect calls per operation'
}
# steps_family WORKLOAD MODE FAMILY XLABEL XKIND YUNIT HOW EMPTY METRIC|YLABEL[|TITLE]...: one plot
# per metric of WORKLOAD's steps (steps.awk FL_MODE=MODE), titled "WORKLOAD: TITLE HOW" (TITLE
# defaults to YLABEL); "METRIC EMPTY" is the note of a metric no backend measured.
steps_family() {
    local wl=$1 mode=$2 fam=$3 xl=$4 xkind=$5 yu=$6 how=$7 empty=$8 spec
    shift 8
    if ! cut -f3 "$tmp/cells" | grep -qE "^$wl(:|\$)"; then
        skip "$wl" "workload $wl was not run"
        return
    fi
    for spec in "$@"; do
        local m yl what name
        IFS='|' read -r m yl what <<<"$spec"
        name="$wl-$m"
        FL_WL=$wl FL_Y=$m FL_MODE=$mode run_awk steps <"$tmp/steps.tsv" >"$tmp/rows"
        if [ ! -s "$tmp/rows" ]; then
            skip "$name" "$m $empty"
            continue
        fi
        FL_TITLE="$wl: $yl $how" FL_XL=$xl FL_XU=- FL_YL="$yl" FL_YU=$yu \
            FL_XKIND=$xkind FL_STYLE=lp run_awk series <"$tmp/rows" >"$tmp/$name.fig"
        draw "$name" "$fam" "$wl;$m" "$wl: ${what:-$yl} $how"
    done
}

# ---- 8: tuning advisor (tune.csv) ------------------------------------------------------------
# No tune.csv: no plot and no note.
tune_plots() {
    [ -f "$tmp/tune.tsv" ] || return 0
    local m
    for m in peak_rss_bytes retained_rss_bytes; do
        local name="tune-${m%_bytes}" what=peak
        [ "$m" = retained_rss_bytes ] && what=retained
        run_awk tune -v m="$m" <"$tmp/tune.tsv" >"$tmp/$name.fig"
        if ! grep -q '^D' "$tmp/$name.fig"; then
            skip "$name" "$m or time_ns is empty (not measured) in every row of tune.csv"
            continue
        fi
        draw "$name" tune "$m" "Tuning advisor: time vs $what RSS per GLIBC_TUNABLES setting"
    done
}

# ---- issue 18: where the RSS went (breakdown/) and time to release (settle/) -----------------
first_rep() { # SUBDIR CELL: the first repetition's file (smallest N of <cell>-rN.csv), or ""
    local cand rep best=-1 f=""
    for cand in "$dir/$1/$2"-r*.csv; do
        [ -f "$cand" ] || continue
        rep=${cand##*-r}
        rep=${rep%.csv}
        case $rep in '' | *[!0-9]*) continue ;; esac
        if [ "$best" -lt 0 ] || [ "$rep" -lt "$best" ]; then best=$rep f=$cand; fi
    done
    printf '%s' "$f"
}
breakdown_plots() {
    local any=0 cell be wl f name
    while IFS="$TAB" read -r cell be wl _; do
        f=$(first_rep breakdown "$cell")
        [ -n "$f" ] || continue
        any=1
        name="breakdown-$(safe "$wl")-$(safe "$be")"
        tsv "$f" "$tmp/b.tsv"
        run_awk breakdown <"$tmp/b.tsv" >"$tmp/rows"
        FL_TITLE="parts stacked: each line adds one part" FL_XL='breakdown point (steps, then the phase end)' \
            FL_XU=count FL_YL='resident bytes' FL_YU=bytes FL_XKIND=num FL_STYLE=lp \
            run_awk series <"$tmp/rows" >"$tmp/$name.fig"
        draw "$name" breakdown "$cell" "Where the RSS went: $wl on $be (first repetition)"
    done <"$tmp/cells"
    [ "$any" = 1 ] || skip breakdown "no breakdown/ files (--no-measure, or results from before issue 18)"
}
settle_plots() {
    local any=0 wls wl cell be w f name
    wls=$(cut -f3 "$tmp/cells" | sort -u)
    while IFS= read -r wl; do
        [ -n "$wl" ] || continue
        name="settle-$(safe "$wl")"
        : >"$tmp/rows"
        while IFS="$TAB" read -r cell be w _; do
            [ "$w" = "$wl" ] || continue
            f=$(first_rep settle "$cell")
            [ -n "$f" ] || continue
            tsv "$f" "$tmp/s.tsv"
            FL_X=t_ns FL_Y=rss FL_BE=$be run_awk column <"$tmp/s.tsv" >>"$tmp/rows"
        done <"$tmp/cells"
        [ -s "$tmp/rows" ] || continue
        any=1
        FL_TITLE="Rss after the last free, $wl" FL_XL='time after the measured phase' FL_XU=ns \
            FL_YL='Rss' FL_YU=bytes FL_XKIND=num FL_STYLE=lp run_awk series <"$tmp/rows" >"$tmp/$name.fig"
        draw "$name" settle "$wl" "Time to release: Rss after the last free, $wl (first repetition)"
    done <<<"$wls"
    [ "$any" = 1 ] || skip settle "no settle/ files (--settle 0 or --no-measure)"
}

# ---- issue 19: latency CDF split by cause (tails/tails_cdf-<pid>.csv, run --explain-tails) ------
# No tails/ (the flag is opt-in): no plot and no note.
tails_cdf_plots() {
    local f any=0 be wl name
    : >"$tmp/tcdf.tsv"
    for f in "$dir"/tails/tails_cdf-*.csv; do
        [ -f "$f" ] || continue
        tsv "$f" "$tmp/t1.tsv"
        if [ $any = 0 ]; then cat "$tmp/t1.tsv"; else tail -n +2 "$tmp/t1.tsv"; fi >>"$tmp/tcdf.tsv"
        any=1
    done
    [ $any = 1 ] || return 0
    while IFS="$TAB" read -r be wl; do
        name="tails-cdf-$(safe "$wl")-$(safe "$be")"
        FL_BE=$be FL_WL=$wl run_awk tails_cdf <"$tmp/tcdf.tsv" >"$tmp/$name.fig"
        if ! grep -q '^D' "$tmp/$name.fig"; then
            skip "$name" "no latency samples in tails/tails_cdf-*.csv"
            continue
        fi
        draw "$name" tailscdf "$wl" "Latency CDF by cause: $wl on $be (runs summed)"
    done < <(tail -n +2 "$tmp/tcdf.tsv" | cut -f1,2 | sort -u)
}

if [ -f "$dir/samples.csv" ]; then
    sweep_plots
    backend_plots
    latency_plots
    timeline_plots
    breakdown_plots
    settle_plots
    steps_plots
    tails_cdf_plots
fi
tune_plots

cp "$tmp/skipped" "$out/skipped.txt"
cp "$tmp/manifest" "$out/manifest.txt"
echo "plot.sh: $(wc -l <"$out/manifest.txt") plots in $out, $(wc -l <"$out/skipped.txt") skipped (see skipped.txt)"
