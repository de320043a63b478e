# RSS breakdown of one run as stacked areas (issue 18). dat columns: point rss then the
# cumulative tops of the parts in the order of the words of titles; the rss line on top
# should meet the last area (the parts sum to Rss).
load gpdir.'/common.gp'
set style fill solid 0.7 noborder
set yrange [0:*]
colors = '#bab0ac #4e79a7 #f28e2b #e15759 #76b7b2 #59a14f #edc948'
plot for [i=1:n] dat using 1:(i == 1 ? 0 : column(i + 1)):(column(i + 2)) with filledcurves \
         lc rgb word(colors, i) title word(titles, i), \
     dat using 1:2 with linespoints lw 2 pt 7 lc rgb 'black' title 'Rss (smaps_rollup)'
