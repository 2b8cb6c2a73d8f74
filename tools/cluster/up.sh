#!/usr/bin/env bash
# make cluster-up: a one-node Slurm cluster on this machine, on 127.0.0.1, for the Slurm launcher's
# tests and measurements (docs/cluster.md). Installs Debian's slurmctld, slurmd, slurm-client and
# munge when missing; writes slurm.conf (this machine's CPUs and memory, cons_tres, no accounting)
# into CLUSTER_DIR, which holds all its state and logs; starts munged, slurmctld and slurmd without
# systemd, recording their pids; waits until the node is idle. A second run sees the cluster up.
#   tools/cluster/up.sh CLUSTER_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
dir=$(realpath -m -- "${1:?usage: up.sh CLUSTER_DIR}")
say() { echo "cluster-up: $*"; }
fail() {
  echo "cluster-up: $*" >&2
  exit 1
}
[[ $dir =~ ^[A-Za-z0-9_./+-]+$ ]] || fail "CLUSTER_DIR $dir goes into slurm.conf, which cannot quote it: choose a path of letters, digits and . _ - + /"

[ "$(id -u)" = 0 ] || fail "must run as root: it installs Debian packages and runs slurmd, which starts jobs as the users who submit them"

packages=(slurmctld slurmd slurm-client munge)
missing=()
for package in "${packages[@]}"; do dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package"); done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} with apt-get"
  # Waits for another apt-get to finish rather than failing on the lock; shows its output only when it fails.
  if ! output=$(apt-get update -qq -o DPkg::Lock::Timeout=600 2>&1 &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}" 2>&1); then
    echo "$output" >&2
    fail "installing ${missing[*]} failed (apt-get's output above)"
  fi
fi

export SLURM_CONF=$dir/slurm.conf
node_state() { sinfo --noheader --Node --format=%T 2>/dev/null | head -n1; }

if [ -f "$dir/$OWNER_MARK" ]; then
  running=0
  for daemon in "${DAEMONS[@]}"; do running_pid "$dir" "$daemon" >/dev/null && running=$((running + 1)); done
  if [ $running = ${#DAEMONS[@]} ] && [[ $(node_state) =~ ^(idle|mixed|allocated)$ ]]; then
    say "already up: node $(node_state), state in $dir; make cluster-down stops it"
    exit 0
  fi
  say "$dir holds a cluster that is not fully running; clearing it first"
  "$here/down.sh" "$dir"
elif [ -e "$dir" ]; then
  fail "$dir exists and was not made by cluster-up; remove it or choose another CLUSTER_DIR"
fi
for daemon in slurmctld slurmd; do
  others=$(pids_named "$daemon" | paste -sd' ')
  [ -z "$others" ] || fail "a $daemon that cluster-up did not start is running (pid $others); stop it first, or use that cluster"
done

mkdir -p -- "$(dirname "$dir")"
mkdir -m 755 -- "$dir"
touch "$dir/$OWNER_MARK"
mkdir "$dir/pids" "$dir/state" "$dir/spool" "$dir/munge"
chown munge:munge "$dir/munge"

if [ ! -e /etc/munge/munge.key ]; then
  runuser -u munge -- mungekey --create --keyfile=/etc/munge/munge.key
  say "created the munge key /etc/munge/munge.key"
fi

host=$(hostname -s)
# This machine as slurmd sees it (CPUs, sockets, cores, threads, memory), reached on 127.0.0.1.
node=$(slurmd -C | head -n1 | sed "s/^NodeName=[^ ]*/NodeName=$host NodeAddr=127.0.0.1/")
cat >"$dir/slurm.conf" <<EOF
# Written by tools/cluster/up.sh (make cluster-up); removed by make cluster-down.
ClusterName=satc
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
# No systemd or cgroups in a container: processes are tracked through /proc.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# Schedule a job as soon as it is submitted or eligible instead of batching for up to 3 s: a
# one-node test cluster sees no submission storms, and its tests wait less.
SchedulerParameters=batch_sched_delay=0
DefMemPerCPU=1024
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
$node State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF

# Started in the foreground of a new session each, so $! is the daemon itself, logging to its
# stderr: CLUSTER_DIR/<daemon>.log then holds its whole log, from errors before it read its configuration on.
setsid setpriv --reuid=munge --regid=munge --init-groups munged --foreground --log-file=/dev/null \
  --socket="$dir/munge/munge.socket" --pid-file="$dir/munge/munged.pid" --seed-file="$dir/munge/munged.seed" \
  </dev/null >>"$dir/munged.log" 2>&1 &
echo $! >"$dir/pids/munged"

munge_answers() { munge --socket="$dir/munge/munge.socket" --no-input >/dev/null 2>&1; }
controller_answers() { scontrol ping 2>/dev/null | grep -q "is UP"; }
node_idle() { [ "$(node_state)" = idle ]; }
# Waits up to $2 seconds for the check $3; else stops what it started, keeping the folder for the log $4.
wait_for() {
  local what=$1 seconds=$2 check=$3 log=$4
  for _ in $(seq $((seconds * 10))); do
    if $check; then return 0; fi
    sleep 0.1
  done
  for daemon in "${DAEMONS[@]}"; do stop_daemon "$dir" "$daemon" >/dev/null; done
  fail "$what within $seconds s; see $log (make cluster-down clears $dir)"
}
wait_for "munged did not answer" 10 munge_answers "$dir/munged.log"

setsid slurmctld -D -f "$dir/slurm.conf" </dev/null >>"$dir/slurmctld.log" 2>&1 &
echo $! >"$dir/pids/slurmctld"
wait_for "slurmctld did not answer" 30 controller_answers "$dir/slurmctld.log"

setsid slurmd -D -f "$dir/slurm.conf" </dev/null >>"$dir/slurmd.log" 2>&1 &
echo $! >"$dir/pids/slurmd"
wait_for "the node did not become idle" 60 node_idle "$dir/slurmd.log"

# Slurm's commands read /etc/slurm/slurm.conf unless SLURM_CONF says otherwise: link it when that is free.
if { [ ! -e "$SYSTEM_CONF" ] && [ ! -L "$SYSTEM_CONF" ]; } || system_conf_is_ours "$dir"; then
  ln -sfn -- "$dir/slurm.conf" "$SYSTEM_CONF"
  conf_note="linked from $SYSTEM_CONF"
else
  conf_note="$SYSTEM_CONF belongs to another setup and was left alone, so export SLURM_CONF=$dir/slurm.conf to use this cluster"
fi

pid() { cat "$dir/pids/$1"; }
say "started munged (pid $(pid munged)), slurmctld (pid $(pid slurmctld)) and slurmd (pid $(pid slurmd)); node $host on 127.0.0.1 is idle with $(sed -n 's/.*CPUs=\([0-9]*\).*RealMemory=\([0-9]*\).*/\1 CPUs and \2 MB/p' <<<"$node") in partition local; state, logs and slurm.conf are in $dir ($conf_note); make cluster-down stops it"
