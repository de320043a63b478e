#!/bin/bash
# The hybrid twin is single-arena, and says so: `faultline list backends` states it, and a
# two-thread program makes glibc reserve a thread arena (mmap of 128 MiB, PROT_NONE) while under
# libfaultline-hybrid.so no such reservation appears. Cross-checked with strace.
# Usage: test_twin_arena.sh FAULTLINE PROG PRELOAD; exit 0 pass, 1 fail, 77 skip (no strace).
set -euo pipefail
fl=$1 prog=$2 lib=$3
command -v strace >/dev/null || { echo "skip: strace missing"; exit 77; }
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
"$fl" list backends | grep -A1 '^hybrid' | grep -q 'single-arena' ||
    fail "list backends does not say hybrid is single-arena"
arena() { # count of 128 MiB PROT_NONE reservations made by the program
    strace -f -qq -e trace=mmap "$@" 2>&1 | grep -c 'mmap(NULL, 134217728, PROT_NONE' || true
}
g=$(arena env -u LD_PRELOAD "$prog")
t=$(arena env LD_PRELOAD="$lib" "$prog")
[ "$g" -ge 1 ] || fail "glibc made no thread arena ($g): the test program is not testing anything"
[ "$t" = 0 ] || fail "hybrid made $t arena reservations; it is documented as single-arena"
echo "arena: glibc $g thread arena(s), hybrid 0: single-arena as documented"
