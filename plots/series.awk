# Generic per-backend series for one panel from "backend<TAB>x<TAB>y<TAB>xtic" lines (latency
# percentiles, timelines, seed-sequence steps, size-sweep deltas): colour = backend, dash =
# the variant of a backend (its parameters). Strings come from the environment (never -v, which
# would read backslashes): FL_TITLE FL_XL FL_XU FL_YL FL_YU FL_XKIND FL_STYLE.
BEGIN { FS = "\t"; E["x"] = 1
    print "P\t1\t" ENVIRON["FL_TITLE"] "\t" ENVIRON["FL_XL"] "\t" ENVIRON["FL_XU"] "\t" ENVIRON["FL_YL"] "\t" ENVIRON["FL_YU"] "\t" ENVIRON["FL_XKIND"] "\t" ENVIRON["FL_STYLE"] }
{ b = $1; if (!(b in seen)) { seen[b] = 1; bb = base(b); vv = NV[bb]++; print "S\t1\t" b "\t" b "\t" bb "\t" vv "\t0" }
  print "D\t1\t" b "\t" $2 "\t" $3 "\t" $4 "\t\t\t" }
