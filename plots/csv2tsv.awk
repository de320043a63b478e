# RFC 4180 CSV -> TSV for the other awk programs of plot.sh: quoted fields (with "" for a
# quote, commas, CR and LF inside) become plain fields; a tab, CR or LF inside a field becomes a
# space, so every record is one line and every field one tab-separated column. A quote inside
# an unquoted field is kept as a character (lenient, like most readers). A lone CR or a
# CRLF ends a record like LF. Works with mawk (Debian's default awk): no gawk-only features.
BEGIN { RS = "\n"; inq = 0; rec = ""; fld = "" }
{
    line = $0
    # fast path: a line outside a quoted field without a quote
    if (!inq && index(line, "\"") == 0) {
        sub(/\r$/, "", line)
        gsub(/\t/, " ", line)
        n = split(line, parts, /\r/)
        for (k = 1; k <= n; k++) { t = parts[k]; gsub(/,/, "\t", t); print t }
        next
    }
    i = 1; L = length(line)
    while (i <= L) {
        c = substr(line, i, 1)
        if (inq) {
            if (c == "\"") {
                if (substr(line, i + 1, 1) == "\"") { fld = fld "\""; i += 2; continue }
                inq = 0
            } else if (c == "\t" || c == "\r") fld = fld " "
            else fld = fld c
        } else if (c == "\"" && fld == "" && (i == 1 || substr(line, i - 1, 1) == "," || rec == "" && i == 1)) inq = 1
        else if (c == ",") { rec = rec fld "\t"; fld = "" }
        else if (c == "\r") { if (i < L) { print rec fld; rec = ""; fld = "" } }
        else if (c == "\t") fld = fld " "
        else fld = fld c
        i++
    }
    if (inq) fld = fld " "
    else { print rec fld; rec = ""; fld = "" }
}
END { if (inq || rec != "" || fld != "") print rec fld }
