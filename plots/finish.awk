# Turns a figure description into the two files render.gp reads: DAT (one block per series,
# tab-separated "x y xtic label lo hi") and VARS (gnuplot assignments of numbers and of strings
# quoted by gpq(), the only place where text from the results reaches gnuplot).
# Input lines (TSV), written by the family programs:
#   F title
#   P panel title xlabel xunit ylabel yunit xkind style   (xkind cat|num|log2|log10|auto; style lp|steps|bars|tradeoff;
#     yunit "fraction": linear from 0, never log)
#   S panel series title colourkey variant front         (colourkey: a backend, or #rrggbb)
#   D panel series x y xtic label lo hi
# Here: units scaled once per axis (KiB/MiB, ns/us/ms), log axes chosen from the data with the
# baseline a decade below the smallest value (zeros drawn on it, tick "0"), categories in
# numeric order with words after numbers, panels of more than 12 series split, long titles wrapped.
BEGIN { FS = "\t"; np = 0; ns = 0; ttl = ""
    n = split("#4e79a7 #f28e2b #59a14f #e15759 #76b7b2 #edc948 #b07aa1 #ff9da7 #9c755f #17becf #6b6b6b #bcbd22", PAL, " ")
    npal = n
    # fixed colour per known backend, the same in every plot of every report
    split("hybrid glibc mmap brk jemalloc tcmalloc mimalloc", KN, " ")
    for (i = 1; i <= 7; i++) { COL[KN[i]] = PAL[i]; used[i] = 1 }
    if (colours != "") while ((getline line < colours) > 0) { split(line, a, "\t"); COL[a[1]] = a[2] }
}
function gpq(s) { gsub(/[\t\r\n]/, " ", s); gsub(/'/, "''", s); return "'" s "'" }
function num(x) { return x + 0 }
$1 == "F" { ttl = $2; next }
$1 == "P" { if (!($2 in PI)) { PI[$2] = ++np; PID[np] = $2 } p = PI[$2]
    PT[p] = $3; PXL[p] = $4; PXU[p] = $5; PYL[p] = $6; PYU[p] = $7; PXK[p] = $8; PST[p] = $9; next }
$1 == "S" { p = PI[$2]; k = $2 SUBSEP $3; if (!(k in SI)) { SI[k] = ++nsp[p]; SP[p, nsp[p]] = k }
    s = SI[k]; ST[p, s] = $4; SC[p, s] = $5; SV[p, s] = $6 + 0; SF[p, s] = $7 + 0; next }
$1 == "D" { p = PI[$2]; s = SI[$2 SUBSEP $3]; nd[p, s]++; i = nd[p, s]
    DX[p, s, i] = $4; DY[p, s, i] = $5; DT[p, s, i] = $6; DL[p, s, i] = $7; DLO[p, s, i] = $8; DHI[p, s, i] = $9
    if (PXK[p] == "cat" && !((p, $4) in CATI)) { CATI[p, $4] = ++ncat[p]; CATK[p, ncat[p]] = $4; CATL[p, ncat[p]] = $6 }
    next }
function colour(key, pp, ss,   i) {
    if (key ~ /^#[0-9a-fA-F]+$/) return key
    if (key in COL) return COL[key]
    for (i = 1; i <= npal; i++) if (!used[i]) { used[i] = 1; COL[key] = PAL[i]; return PAL[i] }
    COL[key] = PAL[(ss - 1) % npal + 1]; return COL[key]
}
function unitdiv(u, mx) {
    if (u == "bytes") { if (mx >= 1073741824) { UN = "GiB"; return 1073741824 } if (mx >= 1048576) { UN = "MiB"; return 1048576 }
                        if (mx >= 1024) { UN = "KiB"; return 1024 } UN = "bytes"; return 1 }
    if (u == "ns") { if (mx >= 1e9) { UN = "s"; return 1e9 } if (mx >= 1e6) { UN = "ms"; return 1e6 }
                     if (mx >= 1e3) { UN = "us"; return 1e3 } UN = "ns"; return 1 }
    if (u == "count" && mx >= 1e6) { UN = "millions"; return 1e6 }
    UN = u; return 1
}
function axlabel(l, un, lg) { if (un != "" && un != "count" && un != "-") l = l " (" un (lg ? ", log" : "") ")"; else if (lg) l = l " (log)"; return l }
function wrap(s, w, part,   i, c) { # part 1 or 2 of s wrapped at w characters
    if (length(s) <= w) return part == 1 ? s : ""
    for (i = w; i > w / 2; i--) { c = substr(s, i, 1); if (c == " " || c == ";" || c == ",") break }
    if (i <= w / 2) i = w
    if (part == 1) return substr(s, 1, i)
    s = substr(s, i + 1); sub(/^ +/, "", s)
    return length(s) > w ? substr(s, 1, w - 3) "..." : s
}
function cmpcat(p, a, b,   ka, kb) { ka = CATK[p, a]; kb = CATK[p, b]
    if (isnumv(ka) && isnumv(kb)) return (ka + 0 < kb + 0) ? -1 : (ka + 0 > kb + 0) ? 1 : 0
    if (isnumv(ka)) return -1
    if (isnumv(kb)) return 1
    return a < b ? -1 : 1 }
function isnumv(s) { return s ~ /^-?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?$/ }
END {
    # split panels with more than 12 series: <= 12 legend entries per panel
    nq = 0
    for (p = 1; p <= np; p++) {
        nchunk = nsp[p] > 12 ? int((nsp[p] + 11) / 12) : 1
        for (c = 1; c <= nchunk; c++) { Q[++nq] = p; QA[nq] = (c - 1) * 12 + 1; QB[nq] = (c * 12 < nsp[p]) ? c * 12 : nsp[p]
            QT[nq] = PT[p] (nchunk > 1 ? " (" c "/" nchunk ")" : "") }
    }
    ncols = nq <= 1 ? 1 : (nq <= 4 ? 2 : 3)
    nrows = int((nq + ncols - 1) / ncols)
    W = ncols == 1 ? 960 : 1200; H = nrows * (ncols == 1 ? 560 : 420) + 40
    pw = W / ncols
    printf "ttl=%s\nnp=%d\nncols=%d\nnrows=%d\nW=%d\nH=%d\n", gpq(wrap(ttl, int(W / 8.5), 1) (wrap(ttl, int(W / 8.5), 2) != "" ? " ..." : "")), nq, ncols, nrows, W, H > vars
    g = 0
    for (q = 1; q <= nq; q++) {
        p = Q[q]
        # category order: numbers ascending, then words in the order seen
        for (i = 1; i <= ncat[p]; i++) ORD[i] = i
        for (i = 2; i <= ncat[p]; i++) { t = ORD[i]; j = i - 1; while (j >= 1 && cmpcat(p, ORD[j], t) > 0) { ORD[j + 1] = ORD[j]; j-- } ORD[j + 1] = t }
        maxlen = 0
        for (i = 1; i <= ncat[p]; i++) { POS[p, CATK[p, ORD[i]]] = i; if (length(CATL[p, ORD[i]]) > maxlen) maxlen = length(CATL[p, ORD[i]]) }
        # y (and x) extent over the panel
        ymx = 0; ymn = -1; zero = 0; zneg = 0; xmx = 0; xmn = -1; xzero = 0
        for (s = QA[q]; s <= QB[q]; s++) for (i = 1; i <= nd[p, s]; i++) {
            for (f = 1; f <= 3; f++) { y = (f == 1) ? DY[p, s, i] : (f == 2) ? DLO[p, s, i] : DHI[p, s, i]
                if (!isnumv(y)) continue
                y += 0; if (y > ymx) ymx = y; if (y > 0 && (ymn < 0 || y < ymn)) ymn = y; if (y <= 0) zero = 1; if (y < 0) zneg = 1 }
            x = DX[p, s, i]; if (PXK[p] != "cat" && isnumv(x)) { x += 0; if (x > xmx) xmx = x; if (x > 0 && (xmn < 0 || x < xmn)) xmn = x; if (x <= 0) xzero = 1 } }
        ydiv = unitdiv(PYU[p], ymx); yun = UN
        xdiv = (PXK[p] == "cat") ? 1 : unitdiv(PXU[p], xmx); xun = (PXK[p] == "cat") ? PXU[p] : UN
        logy = (PYU[p] != "fraction" && ymn > 0 && ymx / ymn >= 100) ? 1 : 0
        logx = (PXK[p] == "log2") ? 2 : (PXK[p] == "log10" && !xzero || PXK[p] == "auto" && !xzero && xmn > 0 && xmx / xmn >= 100) ? 10 : 0
        ybase = 0
        if (logy) { ybase = 10 ^ int(log(ymn / ydiv) / log(10) + (ymn / ydiv < 1 ? -1 : 0)); if (ybase >= ymn / ydiv * 0.999) ybase /= 10
                    if (zero) ybase /= 10 }
        xrot = (PXK[p] == "cat" && ncat[p] * (maxlen + 1) * 7 > pw * 0.75) ? 1 : 0
        # rotated category labels hang left of their tick: the first one may need a wider left
        # margin than the y axis alone (12-point ticks: ~6.7 px per character; lmargin counts
        # characters of ~7 px)
        lm = 0
        if (xrot) { need = length(CATL[p, ORD[1]]) * 6.7 * 0.87 + 6 - (pw - 110) / ncat[p] / 2
                    if (need > 60) lm = int((need + 15) / 7) + 1 }
        printf "plmarg_%d=%d\n", q, lm > vars
        style = (PST[p] == "steps") ? 2 : (PST[p] == "bars") ? 3 : (PST[p] == "tradeoff") ? 4 : 1
        tw = int(pw / 7.5)
        printf "pt1_%d=%s\npt2_%d=%s\npxl_%d=%s\npyl_%d=%s\n", q, gpq(wrap(QT[q], tw, 1)), q, gpq(wrap(QT[q], tw, 2)),
            q, gpq(axlabel(PXL[p], xun, logx)), q, gpq(axlabel(PYL[p], yun, logy)) > vars
        printf "plogx_%d=%d\nplogy_%d=%d\npybase_%d=%.10g\npzero_%d=%d\npcat_%d=%d\npncat_%d=%d\npxrot_%d=%d\npstyle_%d=%d\n",
            q, logx, q, logy, q, ybase, q, (logy && zero), q, PXK[p] == "cat", q, ncat[p], q, xrot, q, style > vars
        from0 = (!logy && ymn >= 0 && !zneg && (PYU[p] == "count" || PYU[p] == "fraction" || PST[p] == "bars"))
        printf "pfirst_%d=%d\npfrom0_%d=%d\n", q, g + 1, q, from0 > vars
        # trade-off panels: fixed ranges and a label position per point (labels.awk)
        ranged = (style == 4) ? place(p, q, xdiv, ydiv, logx ? 10 : 0, logy, ybase, from0, pw, ncols == 1 ? 560 : 420) : 0
        printf "prange_%d=%d\n", q, ranged > vars
        if (ranged) printf "pxlo_%d=%.10g\npxhi_%d=%.10g\npylo_%d=%.10g\npyhi_%d=%.10g\n", q, RXLO[q], q, RXHI[q], q, RYLO[q], q, RYHI[q] > vars
        for (s = QA[q]; s <= QB[q]; s++) {
            g++
            printf "t_%d=%s\nc_%d=%s\ndt_%d=%d\npt_%d=%d\nfr_%d=%d\n", g, gpq(ST[p, s]), g, gpq(SF[p, s] ? "#000000" : colour(SC[p, s], p, s)),
                g, SV[p, s] % 5 + 1, g, (SV[p, s] % 6) * 2 + 7 - (SV[p, s] % 6 ? 1 : 0), g, SF[p, s] > vars
            if (g > 1) printf "\n\n" > dat
            if (!nd[p, s]) printf "NaN\tNaN\t\t\tNaN\tNaN\n" > dat
            for (i = 1; i <= nd[p, s]; i++) {
                x = (PXK[p] == "cat") ? POS[p, DX[p, s, i]] : isnumv(DX[p, s, i]) ? DX[p, s, i] / xdiv : "NaN"
                if (ranged) # columns 5-7: label anchor x, y and alignment (0 left, 1 right)
                    printf "%s\t%s\t%s\t%s\t%s\t%s\t%d\n", x, yv(DY[p, s, i], ydiv, logy, ybase), DT[p, s, i], DL[p, s, i],
                        LX[p, s, i] == "" ? "NaN" : sprintf("%.10g", LX[p, s, i]), LX[p, s, i] == "" ? "NaN" : sprintf("%.10g", LY[p, s, i]), LA[p, s, i] > dat
                else
                    printf "%s\t%s\t%s\t%s\t%s\t%s\n", x, yv(DY[p, s, i], ydiv, logy, ybase), DT[p, s, i], DL[p, s, i],
                        yv(DLO[p, s, i], ydiv, logy, ybase), yv(DHI[p, s, i], ydiv, logy, ybase) > dat
            }
        }
        printf "plast_%d=%d\n", q, g > vars
    }
}
function yv(y, div, lg, b) { if (!isnumv(y)) return "NaN"; y = y / div; if (lg && y <= 0) return b; return sprintf("%.10g", y) }
