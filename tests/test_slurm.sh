#!/usr/bin/env bash
# A one-node Slurm cluster on localhost (munged, slurmctld, slurmd from Debian's slurm-wlm and
# munge, a generated slurm.conf, no cgroup plugins), a 4-task array sweep submitted with
# ci/slurm-sweep.sh, its merge, and the merged counts compared with an unsharded run of the
# same plan: identical. Every daemon it started is stopped by PID.
# Usage: test_slurm.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
B=$(readlink -f "$1")
S=$(readlink -f "$2")
[ "$(id -u)" = 0 ] || { echo "SKIP: a private Slurm cluster needs root (munged --force, slurmd as root)"; exit 77; }
for cmd in munged slurmctld slurmd sbatch squeue sinfo; do
    command -v "$cmd" >/dev/null || { echo "SKIP: $cmd not installed (ci/deps.sh installs slurm-wlm and munge)"; exit 77; }
done
W=$(mktemp -d /tmp/fl-slurm-XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null || true
    done
    for p in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$p" 2>/dev/null || true
    done
    rm -rf "$W"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    for f in "$W"/log/*.log "$W"/res/slurm-*.out; do [ -f "$f" ] && { echo "--- $f"; tail -20 "$f"; }; done
    exit 1
}
mkdir -p "$W/log" "$W/munge" "$W/state" "$W/spool"
chmod 700 "$W/munge"
dd if=/dev/urandom of="$W/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$W/munge/munge.key"
sock="$W/munge/munge.socket"
munged --foreground --force --socket="$sock" --key-file="$W/munge/munge.key" \
    --pid-file="$W/munge/munged.pid" --log-file="$W/log/munged.log" \
    --seed-file="$W/munge/munged.seed" 2>>"$W/log/munged.log" &
pids+=($!)

# free ports for this cluster only (the machine may run other things)
read -r pc pd < <(python3 -c "
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(('127.0.0.1', 0))
print(*[x.getsockname()[1] for x in s])")
host=$(hostname -s)
cpus=$(nproc)
export SLURM_CONF="$W/slurm.conf"
cat >"$SLURM_CONF" <<CONF
ClusterName=fltest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$pc
SlurmdPort=$pd
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge
StateSaveLocation=$W/state
SlurmdSpoolDir=$W/spool
SlurmctldPidFile=$W/slurmctld.pid
SlurmdPidFile=$W/slurmd.pid
SlurmctldLogFile=$W/log/slurmctld.log
SlurmdLogFile=$W/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
CONF
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || fail "munged did not start"
slurmctld -D -i -f "$SLURM_CONF" >>"$W/log/slurmctld.log" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >>"$W/log/slurmd.log" 2>&1 &
pids+=($!)
up=0
for _ in $(seq 150); do
    if sinfo -h -N -o '%t' 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then up=1; break; fi
    sleep 0.2
done
[ $up = 1 ] || fail "the node did not come up: $(sinfo -h -N 2>&1 | head -2)"

plan=(-b 'hybrid:threshold=64K,256K,1M' -b mmap -w 'churn:size=128K,1M,count=20'
      -w 'sawtooth:cycles=2' --runs 1 --no-perf --no-aslr)
export FAULTLINE="$B/faultline"
timeout 50 bash "$S/ci/slurm-sweep.sh" submit --wait 4 "$W/res" -- "${plan[@]}" >"$W/submit.out" 2>&1 ||
    fail "slurm-sweep.sh submit: $(cat "$W/submit.out")"
n=0
for k in 0 1 2 3; do
    [ -f "$W/res/shard-$k/samples.csv" ] || fail "shard $k wrote nothing"
    n=$((n + $(wc -l <"$W/res/shard-$k/samples.csv") - 1))
done
"$B/faultline" sweep "${plan[@]}" --quiet --out "$W/whole" >/dev/null || fail "unsharded sweep"
python3 - "$W/whole/samples.csv" "$W/res/merged/samples.csv" <<'PY' || fail "merged counts differ from the unsharded run"
import csv, sys
counts = ["ops", "requested_bytes", "touched_pages", "minflt", "majflt", "os_brk", "os_mmap",
          "os_munmap", "os_mremap", "os_madvise", "break_growth", "heap_bytes_end",
          "mapped_bytes_end", "mapped_bytes_peak", "live_peak", "outcome"]
def load(p):
    return {(r["backend"], r["backend_params"], r["workload"], r["workload_params"], r["rep"]):
            [r[c] for c in counts] for r in csv.DictReader(open(p))}
a, b = load(sys.argv[1]), load(sys.argv[2])
if a != b:
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            print("differs:", k, a.get(k), b.get(k))
    sys.exit(1)
print("ok: %d cells, merged counts identical to the unsharded run" % len(a))
PY
echo "ok: 4-task array ($n runs over 4 shards) merged by a dependent job: $(head -1 "$W/submit.out")"
