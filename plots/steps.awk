# steps.csv as TSV -> series lines "backend<TAB>x<TAB>y<TAB>xtic" for the workload FL_WL, first
# repetition of each cell. FL_MODE=seq: x = step, xtic = its label, y = column FL_Y.
# FL_MODE=size: per-op deltas of consecutive steps (FL_Y = faults or syscalls) against the
# request size of labels "size=N" (x = N, xtic = N spelled 4K, 1M).
NR == 1 { hdr(); wl = ENVIRON["FL_WL"]; m = ENVIRON["FL_Y"]; mode = ENVIRON["FL_MODE"]; next }
v("workload") != wl { next }
{ c = v("cell"); if (!(c in R)) R[c] = v("rep"); if (v("rep") != R[c]) next
  b = label(v("backend"), v("backend_params")) }
mode == "seq" { if (isnum(v(m))) print b "\t" v("step") "\t" v(m) "\t" v("label"); next }
{
    y = (m == "faults") ? v("minflt") : calls(syscall_kinds(), "")
    ops = v("ops"); sz = v("label"); sub(/^size=/, "", sz)
    if (v("step") == 0) { PY[c] = 0; PO[c] = 0 }
    if (y != "" && PY[c] != "" && ops > PO[c] && isnum(sz))
        printf "%s\t%s\t%.6g\t%s\n", b, sz, (y - PY[c]) / (ops - PO[c]), spell(sz)
    PY[c] = y; PO[c] = ops
}
