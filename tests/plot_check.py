#!/usr/bin/env python3
"""Checks the plots `faultline report` drew, from the SVG files themselves (issue 16).

  plot_check.py static DIR...    every plot in DIR/plots/manifest.txt: the SVG parses, carries
                                 its manifest title, a y-axis label, at least one drawn series,
                                 <= 12 legend entries per panel; in threshold-/trim-/tradeoff-
                                 plots every swept value of the sweep appears, spelled as the
                                 user wrote it (aggregates.csv backend_params)
  plot_check.py page OUT.html DIR...
                                 writes one HTML page that inlines every SVG at 1400 px and,
                                 in the browser, lists text boxes that overlap or leave their
                                 plot (cut titles, colliding tick labels) into <pre id=verdict>
  plot_check.py verdict DOM.html prints the verdict found in a dumped DOM; exit 1 unless clean

Why the SVG and a browser: the figure description is gnuplot's input, not what a reader sees;
only the rendered text boxes (real font metrics, rotation applied) show a collision.
"""
import csv
import html
import os
import re
import sys
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
MAX_LEGEND = 12


def manifest(d):
    rows = []
    with open(os.path.join(d, "plots", "manifest.txt"), encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("|")
            if len(parts) >= 4:
                rows.append((parts[0], parts[1], "|".join(parts[3:])))
    return rows


def texts(root):
    """(text, rotated) for every <text>, rotated when an enclosing group rotates it"""
    out = []

    def walk(node, rot):
        tr = node.get("transform", "")
        r = rot or bool(re.search(r"rotate\((270|-90|90)\)", tr))
        if node.tag == SVG + "text":
            out.append(("".join(node.itertext()).strip(), r))
        for ch in node:
            walk(ch, r)

    walk(root, False)
    return out


def legend_per_panel(root):
    """gnuplot ids a series group gnuplot_plot_<n><panel letter>; a series with a legend entry
    holds its key text first, right-aligned (text-anchor end: the key's default justification),
    while point labels ("with labels left") are start-aligned"""
    panels = {}
    drawn = 0
    for g in root.iter(SVG + "g"):
        m = re.fullmatch(r"gnuplot_plot_(\d+)([a-z]*)", g.get("id", ""))
        if not m:
            continue
        drawn += 1
        for holder in g.iter(SVG + "g"):
            t = holder.find(SVG + "text")
            if t is not None and "".join(t.itertext()).strip():
                if holder.get("text-anchor") == "end":
                    panels[m.group(2)] = panels.get(m.group(2), 0) + 1
                break
    return drawn, panels


def swept_values(d):
    """{key: {spelling}} from aggregates.csv backend_params (key=value;key=value)"""
    vals = {}
    path = os.path.join(d, "aggregates.csv")
    if not os.path.exists(path) or not os.path.exists(os.path.join(d, "sweep.csv")):
        return vals
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            for kv in re.split(r"[;,]", row.get("backend_params", "")):
                if "=" in kv:
                    k, v = kv.split("=", 1)
                    vals.setdefault(k, set()).add(v)
    return vals


def check_static(d):
    errs = []
    sweep = swept_values(d)
    rows = manifest(d)
    if not rows:
        errs.append(f"{d}: manifest.txt lists no plot")
    for name, family, title in rows:
        p = os.path.join(d, "plots", name + ".svg")
        try:
            root = ET.parse(p).getroot()
        except (OSError, ET.ParseError) as e:
            errs.append(f"{name}: SVG unreadable: {e}")
            continue
        tx = texts(root)
        plain = [t for t, _ in tx]
        head = title[:40]
        if not any(t.startswith(head) or head.startswith(t[:-4]) and t.endswith("...") for t in plain):
            errs.append(f"{name}: title '{head}...' not in the SVG")
        if not any(r and t for t, r in tx):
            errs.append(f"{name}: no y-axis label (no rotated text)")
        drawn, legend = legend_per_panel(root)
        if drawn == 0:
            errs.append(f"{name}: no series drawn (empty plot)")
        for panel, n in legend.items():
            if n > MAX_LEGEND:
                errs.append(f"{name}: panel {panel or 'a'} has {n} legend entries (> {MAX_LEGEND})")
        fam = name.split("-")[0]
        key = name.split("-")[1] if fam == "tradeoff" else fam
        keys = {"threshold": ["threshold", "mmap_threshold"], "trim": ["trim", "trim_threshold", "top_pad"]}
        # a trade-off label names its settings as "key=v1, v2; key2=v3" (points that share a
        # result share one label); sweep plots show the values as x tick labels
        shown = set()
        for t in plain:
            for item in t.split("; "):
                if "=" in item:
                    k, vs = item.split("=", 1)
                    shown.update((k, v.strip()) for v in vs.split(", "))
        for k in keys.get(key, []):
            for v in sorted(sweep.get(k, ())):
                ok = (k, v) in shown if fam == "tradeoff" else v in plain
                if not ok:
                    errs.append(f"{name}: swept value {k}={v} not shown")
    return errs


PAGE_JS = r"""
/* each text's own box (getBBox, unrotated) mapped through its screen matrix: a rotated tick
   label is a rotated rectangle, and two of them collide only if the rectangles do (separating
   axis test), not when their axis-aligned hulls touch */
function quad(t) {
  var b = t.getBBox(), m = t.getScreenCTM(), pts = [];
  [[b.x, b.y], [b.x + b.width, b.y], [b.x + b.width, b.y + b.height], [b.x, b.y + b.height]].forEach(function (c) {
    pts.push({x: m.a * c[0] + m.c * c[1] + m.e, y: m.b * c[0] + m.d * c[1] + m.f});
  });
  return pts;
}
function shrink(q, d) { /* ascender/descender padding is not a collision a reader sees */
  var cx = 0, cy = 0;
  q.forEach(function (p) { cx += p.x / 4; cy += p.y / 4; });
  return q.map(function (p) {
    var dx = p.x - cx, dy = p.y - cy, l = Math.sqrt(dx * dx + dy * dy) || 1;
    return {x: p.x - dx / l * d, y: p.y - dy / l * d};
  });
}
function apart(a, b) {
  var qs = [a, b];
  for (var k = 0; k < 2; k++)
    for (var i = 0; i < 4; i++) {
      var p = qs[k][i], r = qs[k][(i + 1) % 4], nx = r.y - p.y, ny = p.x - r.x;
      var amin = 1e18, amax = -1e18, bmin = 1e18, bmax = -1e18;
      a.forEach(function (v) { var s = v.x * nx + v.y * ny; amin = Math.min(amin, s); amax = Math.max(amax, s); });
      b.forEach(function (v) { var s = v.x * nx + v.y * ny; bmin = Math.min(bmin, s); bmax = Math.max(bmax, s); });
      if (amax <= bmin || bmax <= amin) return true;
    }
  return false;
}
window.addEventListener("load", function () {
  var bad = [], n = 0;
  document.querySelectorAll("div.plot").forEach(function (div) {
    var svg = div.querySelector("svg"), box = svg.getBoundingClientRect(), name = div.id;
    var ts = [];
    svg.querySelectorAll("text").forEach(function (t) {
      var s = t.textContent.trim(), r = t.getBoundingClientRect();
      if (s === "" || r.width === 0) return;
      ts.push({t: s, q: shrink(quad(t), 2)});
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
        bad.push(name + ": '" + s + "' leaves the plot");
    });
    for (var i = 0; i < ts.length; i++)
      for (var j = i + 1; j < ts.length; j++)
        if (!apart(ts[i].q, ts[j].q)) bad.push(name + ": '" + ts[i].t + "' overlaps '" + ts[j].t + "'");
    n++;
  });
  var p = document.createElement("pre");
  p.id = "verdict";
  p.textContent = (bad.length ? "PLOTS-BAD " + n + "\n" + bad.join("\n") : "PLOTS-OK " + n);
  document.body.appendChild(p);
});
"""


def write_page(out, dirs):
    parts = ["<!doctype html><html><head><meta charset=utf-8><style>div.plot{width:1400px}"
             "svg{width:1400px;height:auto;display:block}</style></head><body>"]
    for d in dirs:
        for name, _, _ in manifest(d):
            with open(os.path.join(d, "plots", name + ".svg"), encoding="utf-8") as f:
                svg = re.sub(r"^<\?xml[^>]*>\s*", "", f.read())
            label = html.escape(os.path.basename(os.path.normpath(d)) + "/" + name, quote=True)
            parts.append(f'<div class="plot" id="{label}">{svg}</div>')
    parts.append("<script>" + PAGE_JS + "</script></body></html>")
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(parts))


def verdict(dom_path):
    with open(dom_path, encoding="utf-8", errors="replace") as f:
        m = re.search(r'<pre id="verdict">([^<]*)', f.read())
    if not m:
        print("no verdict in the dumped page (script did not run)")
        return 1
    v = html.unescape(m.group(1))
    print(v)
    return 0 if v.startswith("PLOTS-OK") else 1


def main(argv):
    if len(argv) >= 3 and argv[1] == "static":
        errs = [e for d in argv[2:] for e in check_static(d)]
        for e in errs:
            print(e)
        n = sum(len(manifest(d)) for d in argv[2:])
        print(f"static: {n} plots checked, {len(errs)} problems")
        return 1 if errs else 0
    if len(argv) >= 4 and argv[1] == "page":
        write_page(argv[2], argv[3:])
        return 0
    if len(argv) == 3 and argv[1] == "verdict":
        return verdict(argv[2])
    print(__doc__.strip().splitlines()[0], file=sys.stderr)
    print("usage: plot_check.py static DIR... | page OUT.html DIR... | verdict DOM.html", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
