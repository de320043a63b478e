# Backend comparison (aggregates.csv as TSV): small multiples, one panel per workload with its
# own y scale, one bar per backend (colour = backend) with min-max whiskers. -v metric -v ylab -v yunit
BEGIN { FS = "\t" }
NR == 1 { hdr(); next }
{
    b = label(v("backend"), v("backend_params")); w = label(v("workload"), v("workload_params"))
    if (metric == "syscalls") { y = calls(syscall_kinds(), "_median"); lo = calls(syscall_kinds(), "_min"); hi = calls(syscall_kinds(), "_max") }
    else { y = v(metric "_median"); lo = v(metric "_min"); hi = v(metric "_max") }
    if (!isnum(y)) next
    if (!isnum(lo)) lo = y; if (!isnum(hi)) hi = y
    if (!(w in P)) { P[w] = 1; print "P\t" w "\t" w "\tbackend\t-\t" ylab "\t" yunit "\tcat\tbars" }
    if (!(b in ORDER)) ORDER[b] = ++nb
    print "S\t" w "\t" b "\t" b "\t" v("backend") "\t0\t0"
    print "D\t" w "\t" b "\t" ORDER[b] "\t" y "\t" b "\t\t" lo "\t" hi
}
