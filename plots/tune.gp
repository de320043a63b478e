# Tuning advisor (tune.csv): every GLIBC_TUNABLES setting as a grey point, the Pareto front as
# a connected line, the default and the recommended setting marked and labelled. dat blocks:
# 0 all settings, 1 front sorted by x, 2 default, 3 recommended; columns x y [label].
load gpdir.'/common.gp'
set key outside right top box opaque
plot dat index 0 using 1:2 with points pt 7 ps 1.0 lc rgb '#b0b0b0' title 'all settings', \
     dat index 1 using 1:2 with linespoints lw 2 pt 7 ps 1.2 lc rgb '#d62728' title 'Pareto front (4 metrics)', \
     dat index 2 using 1:2 with points pt 4 ps 2.4 lw 2 lc rgb '#1f77b4' title 'default (reference)', \
     dat index 2 using 1:2:3 with labels left offset char 1.2,0.8 tc rgb '#1f77b4' notitle, \
     dat index 3 using 1:2 with points pt 6 ps 2.6 lw 2 lc rgb '#2ca02c' title 'recommended', \
     dat index 3 using 1:2:3 with labels left offset char 1.2,-0.8 tc rgb '#2ca02c' notitle
