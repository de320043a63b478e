# One line per series over the labelled steps of a workload (seed-sequence): x is the step
# index, column 2 its label, column 3 the value.
load gpdir.'/common.gp'
set xtics rotate by -35
plot for [i=1:n] dat index (i-1) using 1:3:xtic(2) with linespoints lw 2 pt 7 title word(titles, i)
