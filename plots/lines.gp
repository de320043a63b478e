# One line per series against a numeric x axis (sweeps, size-sweep, timeline).
# dat holds one block per series (two blank lines between blocks), columns x y.
load gpdir.'/common.gp'
plot for [i=1:n] dat index (i-1) using 1:2 with linespoints lw 2 pt 7 title word(titles, i)
