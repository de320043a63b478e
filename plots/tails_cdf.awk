# Latency CDF split by cause for one cell, from the tails_cdf-<pid>.csv files of
# `faultline run --explain-tails` (TSV, one header line, runs concatenated): one panel per op
# kind, one line per cause (the share of that cause's samples at or below each bucket's upper
# edge, runs summed) and a black line for all samples of the kind. The cell comes from the
# environment (FL_BE, FL_WL: never -v, which would read backslashes).
NR == 1 { hdr(); be = ENVIRON["FL_BE"]; wl = ENVIRON["FL_WL"]; next }
v("backend") != be || v("workload") != wl || !isnum(v("le_ns")) || !isnum(v("samples")) { next }
{ op = v("op"); c = v("cause"); x = v("le_ns") + 0; n = v("samples") + 0
  if (!(op in OPS)) { OPS[op] = ++nop; OPN[nop] = op }
  if (!((op, c) in CS)) { CS[op, c] = ++nc[op]; CN[op, nc[op]] = c }
  add(op SUBSEP c, x, n); add(op SUBSEP "", x, n); tot[op, c] += n; all[op] += n }
# bucket edges per line, kept in insertion order and sorted at the end
function add(k, x, n) { if (!((k, x) in cnt)) { ne[k]++; E[k, ne[k]] = x } cnt[k, x] += n }
function line(op, k, sid, title, colour,   i, j, t, cum, x, m) {
    for (i = 2; i <= ne[k]; i++) { t = E[k, i]; j = i - 1; while (j >= 1 && E[k, j] > t) { E[k, j + 1] = E[k, j]; j-- } E[k, j + 1] = t }
    print "S\t" op "\t" sid "\t" title "\t" colour "\t0\t0"
    # start at 0 on the edge below the first bucket (no sample of the line is at or below it):
    # buckets are 16 ns wide below 256 ns, then 8 per octave (tails.c)
    x = E[k, 1]; m = int(log(x) / log(2) + 1e-9); x = x - (x < 256 ? 16 : 2 ^ (m - 3))
    if (x > 0) printf "D\t%s\t%s\t%s\t0\t\t\t\t\n", op, sid, x
    cum = 0
    for (i = 1; i <= ne[k]; i++) { x = E[k, i]; cum += cnt[k, x]; printf "D\t%s\t%s\t%s\t%.6f\t\t\t\t\n", op, sid, x, cum / total[k] }
}
END {
    for (o = 1; o <= nop; o++) {
        op = OPN[o]
        print "P\t" op "\t" op ": " all[op] " samples\tlatency\tns\tcumulative share of samples\tfraction\tlog10\tsteps"
        total[op SUBSEP ""] = all[op]
        line(op, op SUBSEP "", "all", "all samples (" all[op] ")", "#000000")
        # causes by sample count, largest first
        for (i = 1; i <= nc[op]; i++) R[i] = i
        for (i = 2; i <= nc[op]; i++) { t = R[i]; j = i - 1
            while (j >= 1 && tot[op, CN[op, R[j]]] < tot[op, CN[op, t]]) { R[j + 1] = R[j]; j-- } R[j + 1] = t }
        for (i = 1; i <= nc[op]; i++) {
            c = CN[op, R[i]]; k = op SUBSEP c; total[k] = tot[op, c]
            line(op, k, "c" i, sprintf("%s: %d (%.1f %%)", c, tot[op, c], 100 * tot[op, c] / all[op]), "cause:" c)
        }
    }
}
