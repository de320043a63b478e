# Stacked syscall bars (brk, mmap, munmap) per swept value, one group per series.
# dat blocks per series, columns: xlabel brk mmap munmap.
load gpdir.'/common.gp'
set style data histograms
set style histogram rowstacked gap 1
set style fill solid 0.8 border -1
set boxwidth 0.8
set yrange [0:*]
s = 'plot '
do for [i=1:n] {
    t1 = (i == 1) ? "title 'brk'" : 'notitle'
    t2 = (i == 1) ? "title 'mmap'" : 'notitle'
    t3 = (i == 1) ? "title 'munmap'" : 'notitle'
    s = s . sprintf("newhistogram '%s', dat index %d using 2:xtic(1) %s lc rgb '#4e79a7', '' index %d using 3 %s lc rgb '#f28e2b', '' index %d using 4 %s lc rgb '#59a14f'", word(titles, i), i - 1, t1, i - 1, t2, i - 1, t3)
    if (i < n) { s = s . ', ' }
}
eval s
