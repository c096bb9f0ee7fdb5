#!/usr/bin/env bash
# docs/cluster.md's Slurm recipe, run for real on a one-node Slurm cluster
# started on this machine (a check people run by hand, as root, not part of
# `cargo test`): installs and starts munge, slurmctld and slurmd with a minimal
# slurm.conf, trains a small reproduction unsharded as the reference, submits
# the same reproduction as a job array over shards, cancels one task mid-run
# with SIGTERM and requeues it (`scontrol requeue`), waits, merges the shards
# and compares the merged report with the unsharded one.
#
#   sudo bash docs/cluster/run-local-slurm.sh [WORK_FOLDER]
#
# About five minutes on 2 cores after the build. Leaves the daemons running
# (`pkill slurmd slurmctld munged` stops them); writes a log to WORK_FOLDER/log.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo="$(pwd)"
work="$(realpath -m "${1:-runs/slurm-check}")"
# Long enough that a task is still training when it is cancelled.
study=(reproduce --tiny --updates 100000)
rm -rf "$work" && mkdir -p "$work"
exec > >(tee "$work/log") 2>&1
say() { printf '\n== %s (%s)\n' "$*" "$(date -u +%H:%M:%S)"; }

say "installing and starting munge and Slurm"
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge
fi
[ -f /etc/munge/munge.key ] || mungekey --create
chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
mkdir -p /run/munge && chown munge:munge /run/munge
pgrep -x munged >/dev/null || runuser -u munge -- /usr/sbin/munged
node="$(hostname -s)"
mkdir -p /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
cat > /etc/slurm/slurm.conf <<EOF
ClusterName=gradlab-check
SlurmctldHost=$node
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
JobRequeue=1
KillWait=60
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
NodeName=$node CPUs=$(nproc) State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
pkill -x slurmd || true
pkill -x slurmctld || true
sleep 1
slurmctld -c -i
slurmd -c
for _ in $(seq 30); do
  sinfo -h -o '%t' 2>/dev/null | grep -q idle && break
  sleep 1
done
sinfo

say "building, and the unsharded reference"
cargo build --release -q -p experiments
bin="$repo/target/release/experiments"
"$bin" "${study[@]}" --jobs 2 --quiet --out "$work/unsharded" >/dev/null
# One shard per job: the reference's parts are its jobs.
shards=$(ls "$work/unsharded/parts" | wc -l)

say "submitting a job array of $shards shards"
cat > "$work/shards.sh" <<EOF
#!/bin/bash
#SBATCH --job-name=glorot-check
#SBATCH --array=1-$shards
#SBATCH --cpus-per-task=1
#SBATCH --requeue
#SBATCH --open-mode=append
#SBATCH --output=$work/slurm-%A_%a.out
i=\$SLURM_ARRAY_TASK_ID
# --resume on an empty folder starts the shard; on a requeued task it continues it.
exec "$bin" ${study[*]} --jobs 1 --checkpoint-every 3 --shard "\$i/$shards" --out "$work/shard-\$i" --quiet --resume
EOF
cat "$work/shards.sh"
job=$(sbatch --parsable "$work/shards.sh")
echo "job $job"

say "waiting for a task to train and checkpoint, then cancelling it"
victim=""
for _ in $(seq 300); do
  for dir in "$work"/shard-*/checkpoints/*/; do
    [ -f "$dir/state.json" ] || continue
    i=$(echo "$dir" | sed -E 's|.*/shard-([0-9]+)/.*|\1|')
    if squeue -h -j "${job}_$i" -t RUNNING 2>/dev/null | grep -q .; then victim=$i; break 2; fi
  done
  sleep 0.5
done
[ -n "$victim" ] || { echo "no task was caught mid-run"; exit 1; }
# The update count of each checkpoint of the cancelled task's shard.
steps() { python3 -c "import json,glob,sys; print([json.load(open(f))['step'] for f in glob.glob(sys.argv[1])])" "$work/shard-$victim/checkpoints/*/state.json"; }
before=$(steps)
echo "task ${job}_$victim is running; its checkpoint steps: $before"
# Slurm may answer "try again later" while the task is already stopping.
scancel --signal=TERM --full "${job}_$victim" || true
for _ in $(seq 120); do
  squeue -h -j "${job}_$victim" 2>/dev/null | grep -q . || break
  sleep 0.5
done
after=$(steps)
echo "after SIGTERM: checkpoint steps $after"
tail -n 3 "$work/slurm-${job}_$victim.out" || true
echo "requeueing ${job}_$victim"
scontrol requeue "${job}_$victim"
# A requeued task that started over would write its next checkpoint below the
# step it was stopped at; one that resumed writes it above.
for _ in $(seq 600); do
  now=$(steps)
  [ "$now" != "$after" ] && break
  sleep 0.5
done
echo "the requeued task's next checkpoint steps: $now (stopped at $after)"

say "waiting for every task"
while squeue -h -j "$job" 2>/dev/null | grep -q .; do sleep 2; done
scontrol show job "$job" 2>/dev/null | grep -E "ArrayTaskId|JobState|Restarts" || true

say "merging and comparing with the unsharded run"
"$bin" merge "$work"/shard-* --out "$work/merged" >/dev/null
strip() { grep -v '^Setting `' "$1/report.md"; }
if diff <(strip "$work/unsharded") <(strip "$work/merged") >"$work/report.diff"; then
  echo "the merged report is the unsharded one, but for the line that names the run"
else
  echo "the reports differ:"; head -40 "$work/report.diff"; exit 1
fi
