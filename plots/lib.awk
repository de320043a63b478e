# Functions shared by the awk programs of plot.sh (loaded with -f lib.awk -f PROGRAM.awk).
# Input is TSV from csv2tsv.awk; FS is a tab.

# header row -> C[column name] = index
function hdr(   i) { split("", C); for (i = 1; i <= NF; i++) C[$i] = i }
function v(name) { return (name in C) ? $(C[name]) : "" }
function has(name) { return (name in C) }
function isnum(s) { return s ~ /^-?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?$/ }
function label(name, params) { return params == "" ? name : name ":" params }

# The syscall rule, in one place for the plots: the sum of the given kinds ("brk mmap munmap")
# from the syscall tracepoints (sys_KIND SUFFIX) when every one of them was measured, else from
# the counted OS layer (os_KIND SUFFIX), else "" (not measured: never 0).
# the syscall kinds every "syscalls" plot sums (allocators/os.h's list); a kind whose column a
# results file lacks (mprotect before it was counted) is left out rather than voiding the sum
function syscall_kinds() { return "brk mmap munmap mremap madvise mprotect" }
function calls(kinds, suffix,   K, n, p, P, k, t, x, ok) {
    n = split(kinds, K, " "); split("sys os", P, " ")
    for (p = 1; p <= 2; p++) {
        t = 0; ok = 1
        for (k = 1; k <= n; k++) { if (!((P[p] "_" K[k] suffix) in C) && K[k] == "mprotect") continue
            x = v(P[p] "_" K[k] suffix); if (!isnum(x)) { ok = 0; break } t += x }
        if (ok) return t
    }
    return ""
}
function calls_source(kinds, suffix,   K, n, k) {
    n = split(kinds, K, " ")
    for (k = 1; k <= n; k++) if (!isnum(v("sys_" K[k] suffix))) return "OS layer"
    return "tracepoints"
}

# value of KEY in "k=v;k2=v2" (the backend_params / workload_params spelling), or ""
function param(params, key,   A, n, i) {
    n = split(params, A, ";")
    for (i = 1; i <= n; i++) if (index(A[i], key "=") == 1) return substr(A[i], length(key) + 2)
    return ""
}
# bytes in the user's usual spelling when exact: 1048576 -> 1M, 65536 -> 64K
function spell(x) {
    if (!isnum(x) || x <= 0) return x
    if (x % 1073741824 == 0) return x / 1073741824 "G"
    if (x % 1048576 == 0) return x / 1048576 "M"
    if (x % 1024 == 0) return x / 1024 "K"
    return x
}
# the part of a backend label before ':'
function base(b,   i) { i = index(b, ":"); return i ? substr(b, 1, i - 1) : b }
