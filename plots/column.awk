# One series from a TSV file: "FL_BE<TAB>x<TAB>y<TAB>" for every row where the columns FL_X and
# FL_Y are numbers (timelines: ops and a gauge). Names come from the environment.
NR == 1 { hdr(); x = ENVIRON["FL_X"]; y = ENVIRON["FL_Y"]; be = ENVIRON["FL_BE"]; next }
isnum(v(x)) && isnum(v(y)) { print be "\t" v(x) "\t" v(y) "\t" }
