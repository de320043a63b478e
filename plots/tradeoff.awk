# Trade-off of a threshold or trim sweep (sweep.csv as TSV, after aggregates.tsv and a
# "cell<TAB>p99" file): one panel per workload, x = RSS at the end (retained), y = the cost
# (-v cost=syscalls|minflt|p99), one labelled point per setting ("trim=off"), colour = backend,
# and the Pareto front (no other setting is lower on both axes) drawn as a dashed line.
function concept(k) {
    if (family == "threshold") return (k == "threshold" || k == "mmap_threshold")
    return (k == "trim" || k == "trim_threshold" || k == "top_pad")
}
FNR == 1 { hdr(); file++
    if (file == 3) { for (i = C["workload"] + 1; i < C["runs"]; i++) PARAM[i] = $i }
    next }
file == 1 { SPELLB[v("cell")] = v("backend_params"); next }
file == 2 { P99[$1] = $2; next }
{
    wl = v("workload"); be = v("backend"); cell = v("cell")
    xr = has("retained_rss") ? v("retained_rss") : v("rss_end")
    y = (cost == "syscalls") ? calls(syscall_kinds(), "") : (cost == "p99") ? P99[cell] : v(cost)
    if (!isnum(xr) || !isnum(y)) next
    lab = ""; sk = ""
    for (i = C["workload"] + 1; i < C["runs"]; i++) {
        if ($i == "") continue
        xs = param(SPELLB[cell], PARAM[i]); if (xs == "") xs = spell($i)
        lab = lab (lab == "" ? "" : " ") PARAM[i] "=" xs
        if (concept(PARAM[i])) sk = sk (sk == "" ? "" : " ") PARAM[i]
    }
    if (sk == "") next
    if (!(wl in seen)) { seen[wl] = 1; print "P\t" wl "\t" wl ": " ylab " vs retained RSS, one point per setting\tRSS at the end of the phase\tbytes\t" ylab "\t" yunit "\tauto\ttradeoff" }
    sid = be " " sk
    if (!((be, sid) in VAR)) VAR[be, sid] = NVAR[be]++
    print "S\t" wl "\t" sid "\t" sid "\t" be "\t" VAR[be, sid] "\t0"
    # settings with the same result share one point: one label naming them all
    pk = wl SUBSEP sid SUBSEP xr SUBSEP y
    if (!(pk in PL)) { PL[pk] = lab; PN[++npk] = pk; PW[npk] = wl; PS[npk] = sid; PXX[npk] = xr; PYY[npk] = y }
    else PL[pk] = PL[pk] ", " substr(lab, index(lab, "=") + 1)
    n[wl]++; PX[wl, n[wl]] = xr + 0; PY[wl, n[wl]] = y + 0
}
END {
    # points closer than 4 % of the panel's ranges share one label (listing every setting),
    # so that labels of a cluster do not print over each other
    for (i = 1; i <= npk; i++) { w = PW[i]
        if (!(w in XLO) || PXX[i] + 0 < XLO[w]) XLO[w] = PXX[i] + 0; if (!(w in XHI) || PXX[i] + 0 > XHI[w]) XHI[w] = PXX[i] + 0
        if (!(w in YLO) || PYY[i] + 0 < YLO[w]) YLO[w] = PYY[i] + 0; if (!(w in YHI) || PYY[i] + 0 > YHI[w]) YHI[w] = PYY[i] + 0 }
    for (i = 1; i <= npk; i++) { LAB[i] = PL[PN[i]]; OWN[i] = i }
    for (i = 1; i <= npk; i++) { if (OWN[i] != i) continue; w = PW[i]
        for (j = i + 1; j <= npk; j++) { if (OWN[j] != j || PW[j] != w) continue
            if (near(PXX[i], PXX[j], XHI[w] - XLO[w]) && near(PYY[i], PYY[j], YHI[w] - YLO[w])) { OWN[j] = i; LAB[i] = LAB[i] "; " LAB[j]; LAB[j] = "" } } }
    for (i = 1; i <= npk; i++) print "D\t" PW[i] "\t" PS[i] "\t" PXX[i] "\t" PYY[i] "\t\t" LAB[i] "\t\t"
    for (wl in n) {
        # Pareto front: sort by x, keep each point lower in y than every point left of it
        m = n[wl]
        for (i = 1; i <= m; i++) O[i] = i
        for (i = 2; i <= m; i++) { t = O[i]; j = i - 1
            while (j >= 1 && (PX[wl, O[j]] > PX[wl, t] || (PX[wl, O[j]] == PX[wl, t] && PY[wl, O[j]] > PY[wl, t]))) { O[j + 1] = O[j]; j-- }
            O[j + 1] = t }
        best = ""
        print "S\t" wl "\tzz-front\tPareto front\t#000000\t0\t1"
        for (i = 1; i <= m; i++) { k = O[i]
            if (best == "" || PY[wl, k] < best) { best = PY[wl, k]; print "D\t" wl "\tzz-front\t" PX[wl, k] "\t" PY[wl, k] "\t\t\t\t" } }
    }
}
function near(a, b, range) { return range <= 0 || (a - b) * (a - b) <= (0.04 * range) * (0.04 * range) }
