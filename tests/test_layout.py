#!/usr/bin/env python3
"""The house rules that a script can check (issue 14), over the files git tracks: no C/C++ source
or header over 600 lines, no function body over 100 lines (clang-format puts a function's
braces in column 0), no cycle among the headers' #includes, and includes only downward between
the layers (allocators <- workloads <- harness). Usage: test_layout.py SOURCE_DIR"""
import os
import re
import subprocess
import sys

MAX_FILE, MAX_FUNC = 600, 100
src = sys.argv[1]
files = subprocess.run(["git", "-C", src, "ls-files", "*.c", "*.h", "*.cc"], check=True,
                       capture_output=True, text=True).stdout.split()
bad = []
layer = {"allocators": 0, "workloads": 1, "harness": 2}
header_of = {}  # include name as written -> header stem, for the cycle check
graph = {}
for f in files:
    lines = open(os.path.join(src, f), errors="replace").read().split("\n")
    if len(lines) - 1 > MAX_FILE:
        bad.append("%s: %d lines (at most %d)" % (f, len(lines) - 1, MAX_FILE))
    start = None
    for i, line in enumerate(lines):
        if line == "{":
            start = i
        elif line.startswith("}") and start is not None:
            if i - start - 1 > MAX_FUNC:
                bad.append("%s:%d: a function body of %d lines (at most %d)" %
                           (f, start + 1, i - start - 1, MAX_FUNC))
            start = None
    top = f.split("/")[0]
    incs = re.findall(r'^#include\s+"([^"]+)"', "\n".join(lines), re.M)
    for inc in incs:
        target = os.path.normpath(os.path.join(os.path.dirname(f), inc))
        tl = target.split("/")[0]
        if top in layer and tl in layer and layer[tl] > layer[top]:
            bad.append("%s includes %s: %s may not include from %s" % (f, inc, top, tl))
    if f.endswith(".h"):
        graph[os.path.basename(f)] = {os.path.basename(i) for i in incs}

# a header include cycle: depth-first search for a back edge
state = {}


def visit(h, path):
    state[h] = 1
    for n in sorted(graph.get(h, ())):
        if state.get(n) == 1:
            bad.append("include cycle: " + " -> ".join(path[path.index(n):] + [n]))
        elif n in graph and n not in state:
            visit(n, path + [n])
    state[h] = 2


for h in sorted(graph):
    if h not in state:
        visit(h, [h])
for b in bad:
    print("FAIL:", b)
if bad:
    sys.exit(1)
print("ok: %d files: none over %d lines, no function over %d lines, %d headers without an "
      "include cycle, includes only downward between layers" % (len(files), MAX_FILE, MAX_FUNC,
                                                                len(graph)))
