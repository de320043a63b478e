# samples.csv as TSV -> "cell<TAB>backend-label<TAB>workload-label<TAB>backend" per run; cell ids
# that could name another path (anything but letters, digits, '_', '-', '.') are left out.
NR == 1 { hdr(); next }
v("cell") ~ /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/ {
    print v("cell") "\t" label(v("backend"), v("backend_params")) "\t" label(v("workload"), v("workload_params")) "\t" v("backend") }
