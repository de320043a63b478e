# The RSS breakdown of one run (breakdown/<cell>-r<rep>.csv as TSV) as stacked lines: each part's
# line is the running sum of the parts below it, so the band between two lines is that part and
# the top line meets the measured Rss (drawn too) when the parts add up. x = the point's index
# (workload steps, then the phase end). free_held is drawn resident (minus untouched).
NR == 1 { hdr(); split("before-the-phase live overhead free-resident file shmem unattributed", N, " "); next }
{ p[1] = v("baseline"); p[2] = v("live"); p[3] = v("overhead")
  p[4] = (v("free_held") == "" ? "" : v("free_held") - v("untouched"))
  p[5] = v("file"); p[6] = v("shmem"); p[7] = v("unattributed")
  if (p[4] == "") p[7] = v("unattributed") - v("untouched")
  if (!isnum(v("rss"))) next
  x = NR - 2; t = 0
  for (i = 1; i <= 7; i++) { if (p[i] == "") continue; t += p[i]; print "+ " N[i] "\t" x "\t" t "\t" }
  print "Rss (smaps_rollup)\t" x "\t" v("rss") "\t" }
