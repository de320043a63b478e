# tune.csv as TSV -> a trade-off figure: every GLIBC_TUNABLES setting as a grey point, the
# Pareto front (column pareto) as a dashed line, the default and the recommended setting
# marked and labelled. -v m=peak_rss_bytes|retained_rss_bytes
NR == 1 { hdr()
    print "P\t1\tTuning advisor: time vs " (m == "peak_rss_bytes" ? "peak" : "retained") " RSS\t" (m == "peak_rss_bytes" ? "peak" : "retained") " RSS\tbytes\ttime (median)\tns\tauto\ttradeoff"
    print "S\t1\tall\tall settings\t#b0b0b0\t0\t0"
    print "S\t1\tfront\tPareto front (4 metrics)\t#000000\t0\t1"
    print "S\t1\tdefault\tdefault (reference)\t#1f77b4\t1\t0"
    print "S\t1\trec\trecommended\t#2ca02c\t2\t0"
    next }
!isnum(v(m)) || !isnum(v("time_ns")) { next }
{ x = v(m); y = v("time_ns"); print "D\t1\tall\t" x "\t" y "\t\t\t\t"
  if (v("pareto") == 1) { n++; FX[n] = x + 0; FY[n] = y }
  if (v("default") == 1) print "D\t1\tdefault\t" x "\t" y "\t\tdefault\t\t"
  if (v("recommended") == 1) print "D\t1\trec\t" x "\t" y "\t\trecommended\t\t" }
END { for (i = 2; i <= n; i++) { tx = FX[i]; ty = FY[i]; j = i - 1; while (j >= 1 && FX[j] > tx) { FX[j + 1] = FX[j]; FY[j + 1] = FY[j]; j-- } FX[j + 1] = tx; FY[j + 1] = ty }
      for (i = 1; i <= n; i++) print "D\t1\tfront\t" FX[i] "\t" FY[i] "\t\t\t\t" }
