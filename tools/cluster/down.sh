#!/usr/bin/env bash
# make cluster-down: stops what make cluster-up started (the daemons whose pids it recorded, after
# cancelling the jobs still in its queue) and removes its state folder and the /etc/slurm/slurm.conf
# link it made. Touches nothing cluster-up did not make; with nothing running it says so.
#   tools/cluster/down.sh CLUSTER_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
dir=$(realpath -m -- "${1:?usage: down.sh CLUSTER_DIR}")

if [ ! -e "$dir" ]; then
  echo "cluster-down: no cluster to stop: $dir does not exist"
  exit 0
fi
if [ ! -f "$dir/$OWNER_MARK" ]; then
  echo "cluster-down: $dir was not made by cluster-up (it has no $OWNER_MARK); left it alone" >&2
  exit 1
fi

done_what=()
# A running job belongs to slurmstepd, not slurmd: it would outlive the daemons, so it is cancelled first.
if running_pid "$dir" slurmctld >/dev/null; then
  jobs=$(SLURM_CONF=$dir/slurm.conf squeue --noheader --format=%F 2>/dev/null | sort -u | paste -sd' ' || true)
  if [ -n "$jobs" ]; then
    # shellcheck disable=SC2086 # one job id a word
    SLURM_CONF=$dir/slurm.conf scancel $jobs || true
    for _ in $(seq 100); do [ -z "$(SLURM_CONF=$dir/slurm.conf squeue --noheader --format=%F 2>/dev/null)" ] && break; sleep 0.1; done
    done_what+=("cancelled jobs $jobs")
  fi
fi
for daemon in "${DAEMONS[@]}"; do
  pid=$(stop_daemon "$dir" "$daemon")
  if [ -n "$pid" ]; then done_what+=("stopped $daemon (pid $pid)"); fi
done
if system_conf_is_ours "$dir"; then
  rm -- "$SYSTEM_CONF"
  done_what+=("removed the link $SYSTEM_CONF")
fi
rm -rf -- "$dir"
done_what+=("removed $dir")
[ ${#done_what[@]} -gt 1 ] || done_what=("no daemon of it was running" "${done_what[@]}")
echo "cluster-down: $(joined "${done_what[@]}")"
