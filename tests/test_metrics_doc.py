#!/usr/bin/env python3
"""results/README.md's metric table must match metrics.def row for row: the same metrics in the
same order with the same unit and source (metrics.def is the one definition; the README table is
its copy for readers, and its meaning column may say more than the one-line doc).   test_metrics_doc.py SOURCE_DIR"""
import re
import sys

src = sys.argv[1]
text = open(src + "/harness/measure/metrics.def").read()
defs = [(m.group(1), m.group(2), m.group(3), re.sub(r'"\s*"', "", m.group(4)))
        for m in re.finditer(r'^METRIC\((\w+),\s*"([^"]*)",\s*"([^"]*)",\s*((?:"(?:[^"\\]|\\.)*"\s*)+)\)',
                             text, re.M)]
defs = [(n, u, s, d.strip().strip('"')) for n, u, s, d in defs]
rows = []
for line in open(src + "/results/README.md"):
    m = re.match(r"^\| `(\w+)` \| ([^|]*) \| ([^|]*) \| (.*) \|$", line.rstrip("\n"))
    if m:
        rows.append(tuple(x.strip() for x in m.groups()))
bad = 0
for i in range(max(len(defs), len(rows))):
    d = defs[i] if i < len(defs) else None
    r = rows[i] if i < len(rows) else None
    if d is None or r is None or d[:3] != r[:3]:
        print("FAIL: row %d: metrics.def %s, results/README.md %s" % (i + 1, d, r))
        bad += 1
print("%d metrics, %d mismatches" % (len(defs), bad))
sys.exit(1 if bad else 0)
