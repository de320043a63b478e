# Places the point labels of a trade-off panel (finish.awk calls place()) so that no two labels,
# and no label and point marker, print over each other, and no label leaves the plot area.
# Why here and not in gnuplot: gnuplot's "with labels" puts every label at one fixed offset, so
# settings with close results (glibc's and hybrid's threshold=256K, say) collide. This fixes the
# panel's ranges (gnuplot draws them as given), maps points to approximate pixels of the panel,
# and tries a few positions around each point in turn (right above, right below, left above,
# left below, then further out and further right), keeping the first free one. Pixel sizes are
# those of render.gp's terminals: 9-point labels, at most ~6 px per character in the fonts
# a browser substitutes for Helvetica (boxes are padded; the plot check measures the real ones).
# Out: RXLO RXHI RYLO RYHI [q] (ranges in scaled units), LX LY LA [p, s, i] (label anchor in
# scaled units, LA 0 = left-aligned, 1 = right-aligned; LX "" = no label).
function lbl_t(val, lg) { if (lg) return log(val) / log(10); return val }
function lbl_inv(t, lg) { if (lg) return 10 ^ t; return t }
function lbl_hits(x0, y0, x1, y1, aw, ah,   k, n) { # boxes hit; leaving the area counts 100
    n = (x0 < 0 || x1 > aw || y0 < 0 || y1 > ah) ? 100 : 0
    for (k = 1; k <= NB; k++)
        if (x0 < BX1[k] && BX0[k] < x1 && y0 < BY1[k] && BY0[k] < y1) n++
    return n
}
function place(p, q, xdiv, ydiv, logx, logy, ybase, from0, pw, ph,
               s, i, x, y, xlo, xhi, ylo, yhi, dx, dy, aw, ah, c, w, px, py, al, n, nc, k, a, best, bestn, x0, x1, r, sh, ox) {
    # extent in transformed (log or linear) units over every point of the panel
    xlo = ""; ylo = ""
    for (s = QA[q]; s <= QB[q]; s++) for (i = 1; i <= nd[p, s]; i++) {
        if (!isnumv(DX[p, s, i]) || !isnumv(DY[p, s, i])) continue
        x = DX[p, s, i] / xdiv; y = DY[p, s, i] / ydiv
        if ((logx && x <= 0)) continue
        if (logy && y <= 0) y = ybase
        x = lbl_t(x, logx); y = lbl_t(y, logy)
        if (xlo == "" || x < xlo) xlo = x; if (xlo == "" || x > xhi) xhi = x
        if (ylo == "" || y < ylo) ylo = y; if (ylo == "" || y > yhi) yhi = y
    }
    if (xlo == "") return 0
    dx = xhi - xlo; if (dx <= 0) dx = (xlo != 0 && !logx) ? (xlo < 0 ? -xlo : xlo) * 0.1 : 1
    dy = yhi - ylo; if (dy <= 0) dy = (ylo != 0 && !logy) ? (ylo < 0 ? -ylo : ylo) * 0.1 : 1
    # room for labels: 35 % of the width right of the points, 10 % left, 12 % above and below
    xlo -= 0.1 * dx; xhi += 0.35 * dx
    if (from0 && !logy) { ylo = 0; dy = yhi } # the axis starts at 0: pad by the axis span
    yhi += 0.12 * dy; if (!(from0 && !logy)) ylo -= 0.12 * dy
    RXLO[q] = lbl_inv(xlo, logx); RXHI[q] = lbl_inv(xhi, logx)
    RYLO[q] = lbl_inv(ylo, logy); RYHI[q] = lbl_inv(yhi, logy)
    # the plot area inside the panel (measured on render.gp's output): tick labels and y label
    # left, titles above, x label and the key below; a lone panel has no panel-row spacing
    aw = pw - 95; ah = (ph >= 560) ? ph - 85 : ph - 120
    NB = 0
    for (s = QA[q]; s <= QB[q]; s++) for (i = 1; i <= nd[p, s]; i++) {
        LX[p, s, i] = ""
        if (!isnumv(DX[p, s, i]) || !isnumv(DY[p, s, i])) continue
        x = DX[p, s, i] / xdiv; y = DY[p, s, i] / ydiv
        if (logy && y <= 0) y = ybase
        if (logx && x <= 0) continue
        PXP[s, i] = (lbl_t(x, logx) - xlo) / (xhi - xlo) * aw
        PYP[s, i] = (1 - (lbl_t(y, logy) - ylo) / (yhi - ylo)) * ah
        r = SF[p, s] ? 9 : 6 # point markers: the front's circles are larger
        NB++; BX0[NB] = PXP[s, i] - r; BX1[NB] = PXP[s, i] + r; BY0[NB] = PYP[s, i] - r; BY1[NB] = PYP[s, i] + r
    }
    # candidates, nearest first: right above, right below, left above, left below, then one
    # line further out each time (up to ten), then the same shifted right (a point at the left
    # edge of a crowded corner has no room on its left)
    nc = 0
    for (sh = 0; sh <= 2; sh++) for (k = 0; k <= 10; k++) {
        ox = 8 + sh * 45
        CO[++nc] = ox SUBSEP (-4 - 12 * k) SUBSEP 0; CO[++nc] = ox SUBSEP (13 + 12 * k) SUBSEP 0
        if (sh) continue
        CO[++nc] = -8 SUBSEP (-4 - 12 * k) SUBSEP 1; CO[++nc] = -8 SUBSEP (13 + 12 * k) SUBSEP 1
    }
    for (s = QA[q]; s <= QB[q]; s++) for (i = 1; i <= nd[p, s]; i++) {
        if (DL[p, s, i] == "" || !((s, i) in PXP)) continue
        w = length(DL[p, s, i]) * 6.2 + 4
        best = 0; bestn = 1e9
        for (c = 1; c <= nc && bestn > 0; c++) {
            split(CO[c], a, SUBSEP)
            px = PXP[s, i] + a[1]; py = PYP[s, i] + a[2]
            x0 = a[3] ? px - w : px; x1 = a[3] ? px : px + w
            n = lbl_hits(x0, py - 12, x1, py + 5, aw, ah)
            if (n < bestn) { bestn = n; best = c }
        }
        # nowhere free: the least crowded position, a collision the plot check reports
        split(CO[best], a, SUBSEP); al = a[3]
        px = PXP[s, i] + a[1]; py = PYP[s, i] + a[2]
        x0 = al ? px - w : px; x1 = al ? px : px + w
        NB++; BX0[NB] = x0; BX1[NB] = x1; BY0[NB] = py - 12; BY1[NB] = py + 5
        LX[p, s, i] = lbl_inv(px / aw * (xhi - xlo) + xlo, logx)
        LY[p, s, i] = lbl_inv((1 - py / ah) * (yhi - ylo) + ylo, logy)
        LA[p, s, i] = al
    }
    delete PXP; delete PYP
    return 1
}
