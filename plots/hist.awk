# hist/<cell>-<op>.csv as TSV -> one line "p50<TAB>p90<TAB>p99<TAB>p99.9<TAB>max" (ns): the
# smallest bucket value whose cumulative count reaches each quantile. Nothing for an empty one.
NR == 1 { hdr(); next }
isnum(v("count")) && v("count") > 0 { n++; val[n] = v("value_ns"); cum[n] = v("cumulative") }
END {
    if (!n) exit
    split("0.5 0.9 0.99 0.999", q, " ")
    line = ""
    for (k = 1; k <= 4; k++) { need = q[k] * cum[n]; for (i = 1; i < n; i++) if (cum[i] >= need) break; line = line val[i] "\t" }
    print line val[n]
}
