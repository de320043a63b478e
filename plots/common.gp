# Shared style for every faultline plot: titles, grid, key, log axes and byte-scaled tics.
# The driver (plot.sh) sets terminal, output and the variables dat, n, titles, ttl, xl, yl,
# logx, logy, xbytes, ybytes before loading a plot script.
set title ttl
set xlabel xl
set ylabel yl
set grid
set border 3
set tics nomirror
set key outside right top box opaque
set datafile missing '?'
set pointsize 0.8
if (logx > 0) { set logscale x logx }
if (logy > 0) { set logscale y 10 }
# byte axes read 64 KiB, 2 MiB instead of 65536, 2097152 (gnuplot's %b/%B are base 1024)
if (xbytes) { set format x '%.0b %BB' }
if (ybytes) { set format y '%.1b %BB' }
