#!/usr/bin/env bash
# A faultline sweep as a Slurm job array: one shard per array task, all writing to one shared
# results directory, then a merge job that runs once every task succeeded.
#
#   ci/slurm-sweep.sh submit [--wait] N OUT -- SWEEP-ARGS...
#       submits `sbatch --array=0-(N-1)` of this script (one `faultline sweep ... --shard auto/N`
#       per task, into OUT/shard-<task>) and a merge job (--dependency=afterok) that writes
#       OUT/merged; prints both job ids. --wait blocks until the merge job has finished.
#   ci/slurm-sweep.sh shard N OUT -- SWEEP-ARGS...   (what each array task runs)
#   ci/slurm-sweep.sh merge N OUT                    (what the merge job runs)
#
# The shard index comes from SLURM_ARRAY_TASK_ID (faultline reads it for --shard auto/N); cells
# go to shards by a stable hash of their specs, so a requeued task redoes exactly its cells.
# OUT must be on a filesystem every node sees. The faultline binary is $FAULTLINE, else
# `faultline` on PATH; sbatch passes the submitting environment on (--export=ALL).
#SBATCH --job-name=faultline-sweep
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=1
#SBATCH --output=slurm-%A_%a.out
set -euo pipefail

usage() {
    echo "usage: $0 submit [--wait] N OUT -- SWEEP-ARGS... | shard N OUT -- SWEEP-ARGS... | merge N OUT" >&2
    exit 2
}
fl=${FAULTLINE:-faultline}
mode=${1:-}
[ $# -ge 1 ] && shift
wait_merge=0
if [ "$mode" = submit ] && [ "${1:-}" = --wait ]; then
    wait_merge=1
    shift
fi
[ $# -ge 2 ] || usage
n=$1
out=$2
shift 2
case "$n" in '' | *[!0-9]* | 0) echo "$0: N $n: expected a shard count >= 1" >&2; exit 2 ;; esac
if [ "$mode" != merge ]; then
    [ "${1:-}" = -- ] || usage
    shift
fi
# when sbatch runs this script it is a copy in the spool directory: find ourselves by name
self=${FAULTLINE_SLURM_SCRIPT:-$(readlink -f "$0")}

case "$mode" in
submit)
    mkdir -p "$out"
    export FAULTLINE_SLURM_SCRIPT=$self
    array=$(sbatch --parsable --array="0-$((n - 1))" --output="$out/slurm-%A_%a.out" \
        "$self" shard "$n" "$out" -- "$@")
    array=${array%%;*}
    merge=$(sbatch --parsable --dependency="afterok:$array" --output="$out/slurm-merge-%j.out" \
        "$self" merge "$n" "$out")
    merge=${merge%%;*}
    echo "array job $array ($n tasks), merge job $merge -> $out/merged"
    if [ $wait_merge = 1 ]; then
        while squeue -h -j "$array,$merge" 2>/dev/null | grep -q .; do
            sleep 1
        done
        [ -f "$out/merged/samples.csv" ] || { echo "$0: merge job $merge wrote no results (see $out/slurm-*.out)" >&2; exit 1; }
    fi
    ;;
shard)
    task=${SLURM_ARRAY_TASK_ID:?shard mode runs as a Slurm array task (sbatch --array)}
    "$fl" sweep "$@" --shard "auto/$n" --quiet --out "$out/shard-$task" >/dev/null
    ;;
merge)
    dirs=()
    for ((k = 0; k < n; k++)); do
        [ -f "$out/shard-$k/samples.csv" ] || { echo "$0: shard $k missing in $out" >&2; exit 1; }
        dirs+=("$out/shard-$k")
    done
    rm -rf "$out/merged"
    "$fl" merge "$out/merged" "${dirs[@]}"
    ;;
*)
    usage
    ;;
esac
