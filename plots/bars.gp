# Grouped bars: one cluster per row of dat (label in column 1), one bar per series.
# err=1: each series has three columns y,min,max and gets a min-max error bar; err=0: one column.
load gpdir.'/common.gp'
set style data histograms
set style fill solid 0.75 border -1
set boxwidth 0.9
if (!logy) { set yrange [0:*] }
if (err) {
    set style histogram errorbars gap 1 lw 1
    plot for [i=1:n] dat using (column(3*i-1)):(column(3*i)):(column(3*i+1)):xtic(1) title word(titles, i)
} else {
    set style histogram clustered gap 1
    plot for [i=1:n] dat using (column(i+1)):xtic(1) title word(titles, i)
}
