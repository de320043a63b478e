# Sweep plots (sweep.csv as TSV, after aggregates.tsv for the user's spelling of each value):
# one panel per workload and swept concept, one series per backend and key (colour = backend),
# x = every swept value as a category (numbers in numeric order, then words like "off"), so no
# setting is ever dropped. -v family=threshold|trim -v metric=... -v ylab=... -v yunit=...
# metric "syscalls" draws brk, mmap and munmap as three series per backend (dash = kind).
function concept(k) {
    if (family == "threshold") return (k == "threshold" || k == "mmap_threshold") ? "mmap threshold" : ""
    if (k == "trim" || k == "trim_threshold") return "trim threshold"
    if (k == "top_pad") return "top pad"
    return ""
}
FNR == 1 { hdr(); file++
    if (file == 2) { for (i = C["workload"] + 1; i < C["runs"]; i++) PARAM[i] = $i }
    next }
file == 1 { SPELLB[v("cell")] = v("backend_params"); next }
{
    wl = v("workload"); be = v("backend")
    for (i = C["workload"] + 1; i < C["runs"]; i++) {
        key = PARAM[i]; x = $i; cc = concept(key)
        if (cc == "" || x == "") continue
        # the other swept parameters of this row name the series (they are fixed along x)
        rest = ""
        for (j = C["workload"] + 1; j < C["runs"]; j++) if (j != i && $j != "" && concept(PARAM[j]) == "")
            rest = rest " " PARAM[j] "=" (param(SPELLB[v("cell")], PARAM[j]) != "" ? param(SPELLB[v("cell")], PARAM[j]) : spell($j))
        xs = param(SPELLB[v("cell")], key); if (xs == "") xs = spell(x)
        panel = wl " | " cc
        if (!(panel in seenp)) { seenp[panel] = 1
            print "P\t" panel "\t" wl ": " ylab " vs " cc "\t" cc " (" keys(cc) ")\t-\t" ylab "\t" yunit "\tcat\tlp" }
        if (metric == "syscalls") {
            split("brk mmap munmap", K, " ")
            for (k = 1; k <= 3; k++) {
                y = calls(K[k], ""); if (y == "") continue
                sid = be " " key rest " " K[k]
                print "S\t" panel "\t" sid "\t" be " " key rest ": " K[k] "\t" be "\t" (k - 1) "\t0"
                print "D\t" panel "\t" sid "\t" x "\t" y "\t" xs "\t\t\t"
            }
            continue
        }
        y = (metric == "sys_brk") ? calls("brk", "") : v(metric)
        if (!isnum(y)) continue
        sid = be " " key rest
        if (!((be, sid) in VAR)) VAR[be, sid] = NVAR[be]++
        print "S\t" panel "\t" sid "\t" sid "\t" be "\t" VAR[be, sid] "\t0"
        print "D\t" panel "\t" sid "\t" x "\t" y "\t" xs "\t\t\t"
    }
}
function keys(cc) { return family == "threshold" ? "hybrid: threshold, glibc: mmap_threshold" : (cc == "top pad" ? "top_pad" : "hybrid: trim, glibc: trim_threshold") }
