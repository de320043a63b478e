#!/usr/bin/env bash
# plots/plot.sh RESULTS_DIR: render every plot a faultline results directory has data for into
# RESULTS_DIR/plots/ (SVG + PNG). Reads only the directory's CSV files; a plot whose data is
# missing is listed in plots/skipped.txt ("name: reason") instead of being drawn from zeros.
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
trap 'rm -rf "$tmp"' EXIT
# stale files of an earlier render would outlive data that is gone now
rm -f "$out"/*.svg "$out"/*.png "$out/skipped.txt" "$out/manifest.txt"
: >"$tmp/skipped"
: >"$tmp/manifest"
TAB=$'\t'

# faultline writes CSV by RFC 4180: a field holding a comma, quote or line break is quoted
# ("size=1M,count=100"). The awk programs below split on bare commas, so they read flattened
# copies: quotes removed, a comma inside a field kept as \037 (v() turns it back into ','), a
# line break inside a field as a space. Numbers are never quoted, so they are untouched.
flatten_csv() { # SRC_DIR DST_DIR FILE... (one awk for every file: processes are the cost here)
    awk -v src="$1" -v dst="$2" 'BEGIN { RS = "\r\n|\r|\n" }
        FNR == 1 { if (o != "") close(o); o = dst substr(FILENAME, length(src) + 1); out = ""; inq = 0 }
        !inq && index($0, "\"") == 0 { print > o; next }
        { n = length($0)
          for (i = 1; i <= n; i++) { ch = substr($0, i, 1)
              if (inq) { if (ch != "\"") out = out (ch == "," ? "\037" : ch)
                         else if (substr($0, i + 1, 1) == "\"") { out = out ch; i++ } else inq = 0 }
              else if (ch == "\"") inq = 1
              else out = out ch }
          if (inq) { out = out " "; next }
          print out > o; out = "" }' "${@:3}"
}
data="$tmp/data"
mkdir -p "$data/hist" "$data/timeline" "$data/breakdown" "$data/settle"
csvs=()
for f in "$dir"/*.csv "$dir"/hist/*.csv "$dir"/timeline/*.csv "$dir"/breakdown/*.csv "$dir"/settle/*.csv; do
    [ -f "$f" ] || continue
    csvs+=("$f")
    : >"$data/${f#"$dir"/}" # an empty file stays an empty file (awk writes only lines)
done
[ ${#csvs[@]} = 0 ] || flatten_csv "$dir" "$data" "${csvs[@]}"
dir=$data

skip() { echo "$1: $2" >>"$tmp/skipped"; }

# Header lookup shared by every awk program: v("minflt") is that column of the current row.
AWKLIB='
function hdr(   i) { for (i = 1; i <= NF; i++) C[$i] = i }
function v(name,   s) { s = (name in C) ? $(C[name]) : ""; gsub(/\037/, ",", s); return s }
function has(name) { return (name in C) }
function isnum(s) { return s ~ /^-?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?$/ }
function label(name, params) { return params == "" ? name : name ":" params }
'

# stdin: "series<TAB>sortkey<TAB>col..." -> $1: one gnuplot block per series, $1.titles.
to_blocks() {
    sort -t "$TAB" -k1,1 -k2,2g | awk -F '\t' -v dat="$1" '
        $1 != prev { if (NR > 1) printf "\n\n" > dat; print $1 > (dat ".titles"); prev = $1 }
        { line = $2; for (i = 3; i <= NF; i++) line = line " " $i; print line > dat }'
}

# 10 when the positive values of column(s) span two decades and none is <= 0, else 0.
logy_for() { # file firstcol step
    awk -v c0="$2" -v st="$3" '
        /^$/ { next }
        { for (i = c0; i <= NF; i += st) { if ($i == "?") continue; x = $i + 0
              if (x <= 0) bad = 1; else { if (!n || x < lo) lo = x; if (!n || x > hi) hi = x; n++ } } }
        END { print (!bad && n && hi / lo >= 100) ? 10 : 0 }' "$1"
}

safe() { printf '%s' "$1" | tr -c 'A-Za-z0-9._-' '-'; }

# render NAME SCRIPT FAMILY ARGS GNUPLOT-ASSIGNMENTS: SVG and PNG, plus one manifest line
# "name|family|args|title" that the HTML report uses to place the plot and write its reading.
render() {
    local name=$1 script=$2 family=$3 args=$4 vars=$5 ttl=$6
    local common="gpdir='$here'; ttl='$ttl'; $vars"
    if gnuplot -e "set terminal svg size 960,540 dynamic noenhanced font 'Helvetica,12' background rgb 'white'; set output '$out/$name.svg'; $common" "$here/$script" 2>>"$tmp/gp.log" &&
        gnuplot -e "set terminal pngcairo size 960,540 noenhanced font 'Helvetica,10'; set output '$out/$name.png'; $common" "$here/$script" 2>>"$tmp/gp.log"; then
        echo "$name|$family|$args|$ttl" >>"$tmp/manifest"
    else
        rm -f "$out/$name.svg" "$out/$name.png"
        skip "$name" "gnuplot failed: $(tail -n 1 "$tmp/gp.log")"
    fi
}

# lines_plot NAME FAMILY ARGS DAT TITLE XLABEL YLABEL LOGX XBYTES YBYTES [SCRIPT]
lines_plot() {
    local name=$1 family=$2 args=$3 dat=$4 ttl=$5 xl=$6 yl=$7 logx=$8 xb=$9 yb=${10} script=${11:-lines.gp}
    local col=2
    [ "$script" = steps.gp ] && col=3
    local n titles logy
    n=$(wc -l <"$dat.titles")
    titles=$(tr '\n' ' ' <"$dat.titles")
    logy=$(logy_for "$dat" "$col" 99)
    render "$name" "$script" "$family" "$args" \
        "dat='$dat'; n=$n; titles='$titles'; xl='$xl'; yl='$yl'; logx=$logx; logy=$logy; xbytes=$xb; ybytes=$yb" "$ttl"
}

# ---- 1, 2: parameter sweeps (sweep.csv) -------------------------------------------------
# Series = workload plus every other swept key; x = the swept size key, log2.
sweep_series() { # KEY BACKEND YEXPR(awk, may be "" for missing) -> tagged lines
    awk -F, -v key="$1" -v be="$2" "$AWKLIB"'
        NR == 1 { hdr(); for (i = 1; i <= NF; i++) { if ($i == "workload") w = i; if ($i == "runs") r = i }; next }
        v("backend") != be || !isnum(v(key)) || v(key) + 0 <= 0 { next }
        { s = v("workload"); for (i = w + 1; i < r; i++) if ($i != "" && i != C[key]) s = s ";" ($i ~ /^[0-9]+$/ && $i >= 1024 ? $i / 1024 "K" : $i) ""
          gsub(/[ ]/, "_", s) }
        { y = '"$3"'; if (y != "") print s "\t" v(key) "\t" y }' "$dir/sweep.csv"
}
sysexpr() { # awk expr: sum of the given sys_* (or os_* when tracepoints were not available)
    local pre=$1 e='' k
    shift
    for k in "$@"; do e="$e (v(\"${pre}_$k\") == \"\" ? \"x\" : \"\") "; done
    local sum=''
    for k in "$@"; do sum="$sum + v(\"${pre}_$k\")"; done
    echo "(($e) != \"\" ? \"\" : 0 $sum)"
}
sweep_plots() {
    if [ ! -f "$dir/sweep.csv" ]; then
        skip threshold "no sweep.csv (not a sweep directory)"
        skip trim "no sweep.csv (not a sweep directory)"
        return
    fi
    local hdrline backends
    hdrline=$(head -n 1 "$dir/sweep.csv")
    backends=$(awk -F, 'NR > 1 { print $2 }' "$dir/sweep.csv" | sort -u)
    local drew_threshold=0 drew_trim=0
    for key in threshold mmap_threshold trim trim_threshold top_pad; do
        case ",$hdrline," in *",$key,"*) ;; *) continue ;; esac
        for be in $backends; do
            sweep_series "$key" "$be" 'v("runs")' >"$tmp/probe"
            [ -s "$tmp/probe" ] || continue
            local fam=trim metrics="sys_brk rss_end"
            case $key in threshold | mmap_threshold) fam=threshold metrics="minflt syscalls ns_per_op rss_peak" ;; esac
            [ $fam = threshold ] && drew_threshold=1 || drew_trim=1
            for m in $metrics; do
                local name="$fam-$be-$key-$m" dat="$tmp/$fam-$be-$key-$m.dat" yl expr yb=0
                case $m in
                minflt) yl='minor faults per run' expr='v("minflt")' ;;
                ns_per_op) yl='ns per operation' expr='v("ns_per_op")' ;;
                rss_peak) yl='peak RSS' expr='v("rss_peak")' yb=1 ;;
                rss_end) yl='RSS at end of phase' expr='v("rss_end")' yb=1 ;;
                sys_brk) yl='brk calls per run' expr="($(sysexpr sys brk) != \"\" ? $(sysexpr sys brk) : $(sysexpr os brk))" ;;
                syscalls) ;;
                esac
                if [ "$m" = syscalls ]; then
                    local s3 o3
                    s3=$(sysexpr sys brk)" \"\\t\" "$(sysexpr sys mmap)" \"\\t\" "$(sysexpr sys munmap)
                    o3=$(sysexpr os brk)" \"\\t\" "$(sysexpr os mmap)" \"\\t\" "$(sysexpr os munmap)
                    # a row is usable when all three counts exist (tracepoints first, OS layer second)
                    sweep_series "$key" "$be" "(v(\"sys_brk\") != \"\" && v(\"sys_mmap\") != \"\" && v(\"sys_munmap\") != \"\") ? ($s3) : (v(\"os_brk\") != \"\" && v(\"os_mmap\") != \"\" && v(\"os_munmap\") != \"\") ? ($o3) : \"\"" |
                        awk -F '\t' -v OFS='\t' '{ x = $2; l = (x >= 1048576 && x % 1048576 == 0) ? x / 1048576 "M" : (x >= 1024 && x % 1024 == 0) ? x / 1024 "K" : x; print $1, $2, l, $3, $4, $5 }' |
                        to_blocks "$dat"
                    # drop the numeric sort key: stacked.gp wants label brk mmap munmap
                    if [ -s "$dat" ]; then
                        awk 'NF { $1 = ""; sub(/^ /, "") } { print }' "$dat" >"$dat.t" && mv "$dat.t" "$dat"
                        local n titles
                        n=$(wc -l <"$dat.titles")
                        titles=$(tr '\n' ' ' <"$dat.titles")
                        render "$name" stacked.gp "$fam" "$be;$key;$m" \
                            "dat='$dat'; n=$n; titles='$titles'; xl='$key (bytes)'; yl='syscalls per run (median)'; logx=0; logy=0; xbytes=0; ybytes=0" \
                            "$be: brk/mmap/munmap calls vs $key"
                    else
                        skip "$name" "brk/mmap/munmap counts are empty (not measured) for $be"
                    fi
                    continue
                fi
                sweep_series "$key" "$be" "$expr" | to_blocks "$dat"
                if [ ! -s "$dat" ]; then
                    skip "$name" "$m is empty (not measured) for $be in sweep.csv"
                    continue
                fi
                lines_plot "$name" "$fam" "$be;$key;$m" "$dat" "$be: $yl vs $key" "$key (log2)" "$yl" 2 1 "$yb"
            done
        done
    done
    [ $drew_threshold = 1 ] || skip threshold "sweep.csv has no threshold or mmap_threshold column with sizes"
    [ $drew_trim = 1 ] || skip trim "sweep.csv has no trim, trim_threshold or top_pad column with sizes"
}

# ---- 3: backend comparison (aggregates.csv) -----------------------------------------------
backend_plots() {
    local a="$dir/aggregates.csv"
    if [ ! -f "$a" ]; then
        skip backends "no aggregates.csv"
        return
    fi
    for m in minflt syscalls ns_per_op rss_peak; do
        local dat="$tmp/backends-$m.dat" name="backends-$m"
        # matrix: one row per workload, y min max per backend; '?' where a cell is missing
        awk -F, -v m="$m" -v dat="$dat" "$AWKLIB"'
            function stat(s,   k, t, x) {
                if (m != "syscalls") return v(m "_" s)
                for (p = 1; p <= 2; p++) { t = 0; ok = 1
                    for (k = 1; k <= 5; k++) { x = v(P[p] "_" K[k] "_" s); if (x == "") { ok = 0; break } t += x }
                    if (ok) return t }
                return ""
            }
            BEGIN { split("sys os", P, " "); split("brk mmap munmap mremap madvise", K, " ") }
            NR == 1 { hdr(); next }
            { b = label(v("backend"), v("backend_params")); w = label(v("workload"), v("workload_params"))
              if (!(b in B)) { B[b] = ++nb; BN[nb] = b } if (!(w in W)) { W[w] = ++nw; WN[nw] = w }
              y = stat("median"); if (y == "") next
              lo = stat("min"); hi = stat("max"); if (lo == "") lo = y; if (hi == "") hi = y
              Y[w, b] = y " " lo " " hi; any = 1 }
            END {
                if (!any) exit
                for (i = 1; i <= nb; i++) { t = BN[i]; gsub(/ /, "_", t); print t > (dat ".titles") }
                for (j = 1; j <= nw; j++) { line = WN[j]
                    for (i = 1; i <= nb; i++) line = line " " (((WN[j], BN[i]) in Y) ? Y[WN[j], BN[i]] : "? ? ?")
                    print line > dat }
            }' "$a"
        if [ ! -s "$dat" ]; then
            skip "$name" "$m is empty (not measured) in every cell of aggregates.csv"
            continue
        fi
        local yl yb=0
        case $m in
        minflt) yl='minor faults per run (median)' ;;
        syscalls) yl='brk+mmap+munmap+mremap+madvise calls per run (median)' ;;
        ns_per_op) yl='ns per operation (median)' ;;
        rss_peak) yl='peak RSS (median)' yb=1 ;;
        esac
        local n titles logy
        n=$(wc -l <"$dat.titles")
        titles=$(tr '\n' ' ' <"$dat.titles")
        logy=$(logy_for "$dat" 2 1)
        render "$name" bars.gp backends "$m" \
            "dat='$dat'; n=$n; titles='$titles'; xl='workload'; yl='$yl'; logx=0; logy=$logy; xbytes=0; ybytes=$yb; err=1" \
            "$m per workload and backend (bars: median, whiskers: min-max)"
    done
}

# cell -> "backend<TAB>workload" labels from samples.csv
if [ -f "$dir/samples.csv" ]; then
    awk -F, "$AWKLIB"'NR == 1 { hdr(); next } { print v("cell") "\t" label(v("backend"), v("backend_params")) "\t" label(v("workload"), v("workload_params")) }' \
        "$dir/samples.csv" | sort -u >"$tmp/cells"
fi

# ---- 4: latency percentiles (hist/<cell>-<op>.csv) ------------------------------------------
latency_plots() {
    if [ ! -d "$dir/hist" ] || ! ls "$dir"/hist/*.csv >/dev/null 2>&1; then
        skip latency "no hist/*.csv (run with --no-measure, or no run succeeded)"
        return
    fi
    local wls
    wls=$(cut -f3 "$tmp/cells" | sort -u)
    for op in malloc free; do
        local drew=0
        while IFS= read -r wl; do
            [ -n "$wl" ] || continue
            local name="latency-$op-$(safe "$wl")" dat="$tmp/latency-$op-$(safe "$wl").dat"
            : >"$dat.titles"
            local rows=""
            while IFS="$TAB" read -r cell be w; do
                [ "$w" = "$wl" ] || continue
                local f="$dir/hist/$cell-$op.csv"
                [ -s "$f" ] || continue
                local p
                p=$(awk -F, 'NR == 1 { next } $2 > 0 { v[++n] = $1; c[n] = $3; last = $1 }
                    END { if (!n) exit; tot = c[n]; split("0.5 0.9 0.99 0.999", q, " ")
                          for (k = 1; k <= 4; k++) { need = q[k] * tot; for (i = 1; i <= n; i++) if (c[i] >= need) break; printf "%s ", v[i] }
                          print last }' "$f")
                [ -n "$p" ] || continue
                echo "${be// /_}" >>"$dat.titles"
                rows="$rows$p"$'\n'
            done <"$tmp/cells"
            if [ ! -s "$dat.titles" ]; then
                skip "$name" "no $op histogram for $wl"
                continue
            fi
            # transpose: rows = percentiles, columns = backends
            printf '%s' "$rows" | awk '{ for (i = 1; i <= NF; i++) M[NR, i] = $i; nc = NF }
                END { split("p50 p90 p99 p99.9 max", L, " "); for (i = 1; i <= 5; i++) { line = L[i]; for (j = 1; j <= NR; j++) line = line " " M[j, i]; print line } }' >"$dat"
            local n titles
            n=$(wc -l <"$dat.titles")
            titles=$(tr '\n' ' ' <"$dat.titles")
            render "$name" bars.gp latency "$op;$wl" \
                "dat='$dat'; n=$n; titles='$titles'; xl='percentile'; yl='$op latency (ns, log)'; logx=0; logy=10; xbytes=0; ybytes=0; err=0" \
                "$op latency percentiles, $wl"
            drew=1
        done <<<"$wls"
        [ $drew = 1 ] || skip "latency-$op" "no $op histogram in hist/"
    done
}

# ---- 5: timeline of sawtooth (timeline/<cell>-r<rep>.csv) ----------------------------------
timeline_plots() {
    local cells
    cells=$(awk -F '\t' '$3 ~ /^sawtooth(:|$)/' "$tmp/cells")
    if [ -z "$cells" ]; then
        skip timeline "workload sawtooth was not run"
        return
    fi
    local wls
    wls=$(cut -f3 <<<"$cells" | sort -u)
    while IFS= read -r wl; do
        for m in rss_bytes break_offset mapped_bytes; do
            local name="timeline-$(safe "$wl")-$m" dat="$tmp/timeline-$(safe "$wl")-$m.dat"
            while IFS="$TAB" read -r cell be w; do
                [ "$w" = "$wl" ] || continue
                local f
                f=$(ls "$dir/timeline/$cell"-r*.csv 2>/dev/null | sort -V | head -n 1 || true)
                [ -n "$f" ] || continue
                awk -F, -v m="$m" -v s="${be// /_}" "$AWKLIB"'NR == 1 { hdr(); next } isnum(v(m)) { print s "\t" v("ops") "\t" v(m) }' "$f"
            done <<<"$cells" | to_blocks "$dat"
            if [ ! -s "$dat" ]; then
                skip "$name" "$m is empty (not measured) in every timeline of $wl"
                continue
            fi
            local yl
            case $m in rss_bytes) yl='RSS' ;; break_offset) yl='program break above its start' ;; *) yl='backend mapped bytes' ;; esac
            lines_plot "$name" timeline "$wl;$m" "$dat" "$yl over the run, $wl (first repetition)" "allocator operations" "$yl" 0 0 1
        done
    done <<<"$wls"
}

# ---- issue 18: RSS breakdown (breakdown/<cell>-r<rep>.csv), one stacked-area plot per cell ----
breakdown_plots() {
    local any=0
    while IFS="$TAB" read -r cell be wl; do
        local f
        f=$(ls "$dir/breakdown/$cell"-r*.csv 2>/dev/null | sort -V | head -n 1 || true)
        [ -n "$f" ] || continue
        any=1
        local name dat="$tmp/breakdown-$cell.dat"
        name="breakdown-$(safe "$wl")-$(safe "$be")"
        # cumulative tops: baseline, live, overhead, free_held - untouched, file, shmem, rest
        awk -F, "$AWKLIB"'NR == 1 { hdr(); next }
            { p[1] = v("baseline"); p[2] = v("live"); p[3] = v("overhead")
              p[4] = (v("free_held") == "" ? "" : v("free_held") - v("untouched"))
              p[5] = v("file"); p[6] = v("shmem"); p[7] = v("unattributed")
              if (p[4] == "") p[7] = v("unattributed") - v("untouched")
              line = (NR - 2) " " v("rss"); t = 0
              for (i = 1; i <= 7; i++) { t += p[i]; line = line " " t }
              print line }' "$f" >"$dat"
        render "$name" area.gp breakdown "$cell" \
            "dat='$dat'; n=7; titles='before-the-phase live overhead free-resident file shmem unattributed'; xl='breakdown point (workload steps, then the phase end)'; yl='resident bytes'; logx=0; logy=0; xbytes=0; ybytes=1" \
            "Where the RSS went: $wl on $be (first repetition)"
    done <"$tmp/cells"
    [ "$any" = 1 ] || skip breakdown "no breakdown/ files (runs with --no-measure, or older results)"
}

# ---- issue 18: time to release (settle/<cell>-r<rep>.csv), Rss after the phase per backend ----
settle_plots() {
    local wls
    wls=$(cut -f3 "$tmp/cells" | sort -u)
    local any=0
    while IFS= read -r wl; do
        local name dat
        name="settle-$(safe "$wl")"
        dat="$tmp/$name.dat"
        while IFS="$TAB" read -r cell be w; do
            [ "$w" = "$wl" ] || continue
            local f
            f=$(ls "$dir/settle/$cell"-r*.csv 2>/dev/null | sort -V | head -n 1 || true)
            [ -n "$f" ] || continue
            awk -F, -v s="${be// /_}" "$AWKLIB"'NR == 1 { hdr(); next } isnum(v("rss")) { print s "\t" v("t_ns") / 1e6 "\t" v("rss") }' "$f"
        done <"$tmp/cells" | to_blocks "$dat"
        [ -s "$dat" ] || continue
        any=1
        lines_plot "$name" settle "$wl" "$dat" "Rss after the last free, $wl (first repetition)" "ms after the measured phase" "Rss" 0 0 1
    done <<<"$wls"
    [ "$any" = 1 ] || skip settle "no settle/ files (--settle 0 or --no-measure)"
}

# ---- 6, 7: per-step snapshots (steps.csv) -------------------------------------------------
# First repetition of each cell of workload WL: "backend<TAB>step<TAB>rest of row".
steps_rows() {
    awk -F, -v wl="$1" "$AWKLIB"'NR == 1 { hdr(); next }
        v("workload") != wl { next }
        { c = v("cell"); if (!(c in R)) R[c] = v("rep"); if (v("rep") != R[c]) next; print }' "$dir/steps.csv"
}
steps_plots() {
    if [ ! -f "$dir/steps.csv" ] || [ "$(wc -l <"$dir/steps.csv")" -le 1 ]; then
        skip seed-sequence "steps.csv is empty"
        skip size-sweep "steps.csv is empty"
        return
    fi
    local hdrline
    hdrline=$(head -n 1 "$dir/steps.csv")
    # seed-sequence: break and mapped bytes after each step
    steps_rows seed-sequence >"$tmp/probe"
    if [ ! -s "$tmp/probe" ]; then
        skip seed-sequence "workload seed-sequence was not run"
    else
        for m in break_offset mapped_bytes; do
            local name="seed-sequence-$m" dat="$tmp/seed-sequence-$m.dat"
            { echo "$hdrline"; steps_rows seed-sequence; } | awk -F, -v m="$m" "$AWKLIB"'NR == 1 { hdr(); next }
                isnum(v(m)) { s = label(v("backend"), v("backend_params")); gsub(/ /, "_", s); l = v("label"); gsub(/ /, "_", l)
                              print s "\t" v("step") "\t" l "\t" v(m) }' | to_blocks "$dat"
            if [ ! -s "$dat" ]; then
                skip "$name" "$m is empty (not measured) for every backend"
                continue
            fi
            local yl='program break above its start'
            [ $m = mapped_bytes ] && yl='bytes in mmapped blocks'
            lines_plot "$name" steps "seed-sequence;$m" "$dat" "seed-sequence: $yl after each step" "step" "$yl" 0 0 1 steps.gp
        done
    fi
    # size-sweep: per-size deltas of the cumulative counters, per op
    steps_rows size-sweep >"$tmp/probe"
    if [ ! -s "$tmp/probe" ]; then
        skip size-sweep "workload size-sweep was not run"
    else
        for m in faults syscalls; do
            local name="size-sweep-$m" dat="$tmp/size-sweep-$m.dat"
            { echo "$hdrline"; steps_rows size-sweep; } | awk -F, -v m="$m" "$AWKLIB"'
                function cnt(   k, t, x, p, ok) {
                    if (m == "faults") return v("minflt")
                    for (p = 1; p <= 2; p++) { t = 0; ok = 1
                        for (k = 1; k <= 5; k++) { x = v(P[p] "_" K[k]); if (x == "") { ok = 0; break } t += x }
                        if (ok) return t }
                    return ""
                }
                BEGIN { split("sys os", P, " "); split("brk mmap munmap mremap madvise", K, " ") }
                NR == 1 { hdr(); next }
                { c = v("cell"); y = cnt(); ops = v("ops"); sz = v("label"); sub(/^size=/, "", sz)
                  if (v("step") == 0) { PY[c] = 0; PO[c] = 0 }
                  if (y != "" && PY[c] != "" && ops > PO[c] && isnum(sz)) {
                      s = label(v("backend"), v("backend_params")); gsub(/ /, "_", s)
                      printf "%s\t%s\t%.6g\n", s, sz, (y - PY[c]) / (ops - PO[c]) }
                  PY[c] = y; PO[c] = ops }' | to_blocks "$dat"
            if [ ! -s "$dat" ]; then
                skip "$name" "$m counters are empty (not measured) in the size-sweep steps"
                continue
            fi
            local yl='minor faults per operation'
            [ $m = syscalls ] && yl='brk+mmap+munmap+mremap+madvise calls per operation'
            lines_plot "$name" sizesweep "size-sweep;$m" "$dat" "size-sweep: $yl vs request size" "request size (log2)" "$yl" 2 1 0
        done
    fi
}

# ---- 8: tuning advisor (tune.csv) ------------------------------------------------------------
# x = peak or retained RSS, y = time; grey points, the Pareto front (sorted by x) as a line,
# the default and the recommended setting labelled. No tune.csv: no plot and no note.
tune_plots() {
    [ -f "$dir/tune.csv" ] || return 0
    local m
    for m in peak_rss_bytes retained_rss_bytes; do
        local name="tune-${m%_bytes}" dat="$tmp/tune-$m.dat" what=peak
        [ "$m" = retained_rss_bytes ] && what=retained
        # rows with both values; time in s when the largest is >= 0.1 s, else ns
        awk -F, -v m="$m" "$AWKLIB"'NR == 1 { hdr(); next }
            isnum(v(m)) && isnum(v("time_ns")) { print v(m) "\t" v("time_ns") "\t" v("pareto") "\t" v("default") "\t" v("recommended") }' \
            "$dir/tune.csv" >"$tmp/tune-rows"
        if [ ! -s "$tmp/tune-rows" ]; then
            skip "$name" "$m or time_ns is empty (not measured) in every row of tune.csv"
            continue
        fi
        local unit
        unit=$(awk -F '\t' '$2 > mx { mx = $2 } END { print (mx >= 1e8) ? "s" : "ns" }' "$tmp/tune-rows")
        awk -F '\t' -v u="$unit" -v dat="$dat" '
            { y = (u == "s") ? $2 / 1e9 : $2; row = $1 " " y
              all = all row "\n"
              if ($3 == 1) front[++nf] = $1 "\t" row
              if ($4 == 1) def = row " \"default\""
              if ($5 == 1) rec = row " \"recommended\"" }
            END {
                # the front sorted by x (insertion sort: a front has a handful of points)
                for (i = 2; i <= nf; i++) { t = front[i]; split(t, a, "\t"); j = i - 1
                    while (j >= 1) { split(front[j], b, "\t"); if (b[1] + 0 <= a[1] + 0) break; front[j + 1] = front[j]; j-- }
                    front[j + 1] = t }
                printf "%s\n\n", all > dat
                if (!nf) print "? ?" > dat
                for (i = 1; i <= nf; i++) { split(front[i], a, "\t"); print a[2] > dat }
                printf "\n\n%s\n\n\n%s\n", (def != "" ? def : "? ? \"\""), (rec != "" ? rec : "? ? \"\"") > dat
            }' "$tmp/tune-rows"
        local logx
        logx=$(awk -F '\t' '{ x = $1 + 0; if (x <= 0) bad = 1; else { if (!n || x < lo) lo = x; if (!n || x > hi) hi = x; n++ } }
            END { print (!bad && n && hi / lo >= 100) ? 2 : 0 }' "$tmp/tune-rows")
        render "$name" tune.gp tune "$m" \
            "dat='$dat'; n=1; titles=''; xl='$what RSS (bytes$([ "$logx" = 2 ] && echo ', log'))'; yl='time ($unit, median)'; logx=$logx; logy=0; xbytes=1; ybytes=0" \
            "Tuning advisor: time vs $what RSS per GLIBC_TUNABLES setting"
    done
}

if [ -f "$dir/samples.csv" ]; then
    sweep_plots
    backend_plots
    latency_plots
    timeline_plots
    breakdown_plots
    settle_plots
    steps_plots
fi
tune_plots

cp "$tmp/skipped" "$out/skipped.txt"
cp "$tmp/manifest" "$out/manifest.txt"
echo "plot.sh: $(wc -l <"$out/manifest.txt") plots in $out, $(wc -l <"$out/skipped.txt") skipped (see skipped.txt)"
