#!/bin/bash
# Recaptures the shipped traces with `faultline trace`: sort.fltrace (GNU sort, 1 MB buffer, on
# ~4.7 MB of generated lines) and python.fltrace (python3 compileall of the json package and
# eight stdlib modules copied into a temp dir). Usage: capture.sh [BUILD_DIR] (default build).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
fl=${1:-$here/../../build}/faultline
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
awk 'BEGIN { srand(7); for (i = 0; i < 120000; i++)
             printf "%08x %07d %s\n", int(rand() * 4294967295), i,
                    substr("abcdefghijklmnopqrstuvwxyz0123456789", 1 + int(rand() * 30)) }' \
    >"$tmp/in.txt"
LC_ALL=C "$fl" trace -o "$here/sort.fltrace" -- sort -S 1M "$tmp/in.txt" >/dev/null
"$fl" trace -o "$here/python.fltrace" -- python3 -c "
import compileall, os, shutil, sys, tempfile
lib = os.path.dirname(os.__file__)
d = tempfile.mkdtemp()
try:
    shutil.copytree(os.path.join(lib, 'json'), os.path.join(d, 'json'))
    for m in ('csv', 'textwrap', 'string', 'heapq', 'bisect', 'fnmatch', 'shlex', 'difflib'):
        shutil.copy(os.path.join(lib, m + '.py'), d)
    sys.exit(0 if compileall.compile_dir(d, quiet=1, force=True) else 1)
finally:
    shutil.rmtree(d)
"
