# Draws one figure: gnuplot -c render.gp SVG PNG VARS DAT
# SVG, PNG: the files to write; VARS the assignments finish.awk wrote (numbers, and strings
# quoted there); DAT the series blocks. Nothing from the results is ever part of this
# code: paths arrive as ARG strings, titles and labels as string variables, values as data.
load ARG3
dat = ARG4
do for [fmt=1:2] {
if (fmt == 1) {
    set terminal svg size W,H dynamic noenhanced font 'Helvetica,12' background rgb 'white'
    set output ARG1
} else {
    set terminal pngcairo size W,H noenhanced font 'Helvetica,12' fontscale 0.75 background rgb 'white'
    set output ARG2
}
set datafile separator "\t"
set datafile missing 'NaN'
str(n, i) = value(sprintf('%s_%d', n, i))
nl = "\n"
set multiplot layout nrows,ncols title ttl font ',14'
do for [p=1:np] {
    unset logscale
    unset xtics
    unset ytics
    set xtics nomirror
    set ytics nomirror
    set autoscale
    set grid
    set border 3
    set key below horizontal samplen 2 spacing 1 height 1 font ',9'
    set offsets 0, 0, 0, 0
    if (str('plmarg', p) > 0) { set lmargin str('plmarg', p) } else { set lmargin -1 }
    set format x '%g'
    set format y '%g'
    t2 = str('pt2', p)
    set title (t2 eq '' ? str('pt1', p) : str('pt1', p) . nl . t2)
    set xlabel str('pxl', p)
    set ylabel str('pyl', p)
    if (str('plogx', p) > 0) { set logscale x str('plogx', p) }
    if (str('plogy', p)) {
        set logscale y 10
        set yrange [str('pybase', p):*]
        if (str('pzero', p)) { set ytics add ('0' str('pybase', p)) }
    } else {
        if (str('pfrom0', p)) { set yrange [0:*] }
    }
    if (str('pcat', p)) {
        set xrange [0.4:str('pncat', p) + 0.6]
        set xtics 1
        if (str('pxrot', p)) { set xtics rotate by 30 right }
    } else {
        set offsets graph 0.03, graph 0.03, graph 0.05, 0
        set format x '%.4g'
    }
    set format y '%.4g'
    a = str('pfirst', p)
    b = str('plast', p)
    st = str('pstyle', p)
    if (st == 1) {
        plot for [s=a:b] dat index (s-1) using 1:2:xtic(3) with linespoints lw 2 pt str('pt', s) dt str('dt', s) lc rgb str('c', s) title str('t', s)
    }
    if (st == 2) {
        plot for [s=a:b] dat index (s-1) using 1:2 with steps lw 2 dt str('dt', s) lc rgb str('c', s) title str('t', s)
    }
    if (st == 3) {
        set style fill solid 0.8 border -1
        set boxwidth 0.7
        unset key
        plot for [s=a:b] dat index (s-1) using 1:2:xtic(3) with boxes lc rgb str('c', s) notitle, \
             for [s=a:b] dat index (s-1) using 1:2:5:6 with yerrorbars pt 7 ps 0 lc rgb '#202020' notitle
    }
    if (st == 4) {
        if (str('pfrom0', p)) {
            set offsets graph 0.05, graph 0.25, graph 0.1, 0
        } else {
            set offsets graph 0.05, graph 0.25, graph 0.1, graph 0.1
        }
        if (str('prange', p)) {
            # finish.awk fixed the ranges and placed every label (labels.awk): columns 5-7
            set offsets 0, 0, 0, 0
            set xrange [str('pxlo', p):str('pxhi', p)]
            set yrange [str('pylo', p):str('pyhi', p)]
        }
        plot for [s=a:b] dat index (s-1) using 1:(str('fr', s) ? NaN : column(2)) with points pt str('pt', s) ps 1.4 lc rgb str('c', s) title (str('fr', s) ? '' : str('t', s)), \
             for [s=a:b] dat index (s-1) using 1:(str('fr', s) ? column(2) : NaN) with linespoints lw 1.5 dt 2 pt 6 ps 2.4 lc rgb '#000000' title (str('fr', s) ? str('t', s) : ''), \
             for [s=a:b] dat index (s-1) using ((str('fr', s) || column(7) != 0) ? NaN : column(5)):6:4 with labels left font ',9' tc rgb str('c', s) notitle, \
             for [s=a:b] dat index (s-1) using ((str('fr', s) || column(7) != 1) ? NaN : column(5)):6:4 with labels right font ',9' tc rgb str('c', s) notitle
    }
}
unset multiplot
unset output
}
