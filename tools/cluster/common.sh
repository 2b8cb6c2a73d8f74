# Shared by up.sh and down.sh: the layout of the cluster's state folder and its daemons.
# The folder holds everything cluster-up makes except the packages and a munge key it had to
# create: slurm.conf, munged's socket, slurmctld's state, slurmd's spool, the logs, and in pids/
# the process id of each daemon it started. A file named OWNER_MARK says cluster-up made it.

OWNER_MARK=.made-by-cluster-up
# Stopped in this order: slurmd before the controller, munged (which both use) last.
DAEMONS=(slurmd slurmctld munged)
SYSTEM_CONF=/etc/slurm/slurm.conf

# The pid cluster-up recorded for a daemon, if that process is still that daemon and alive (a
# daemon that exited may linger as a zombie when nothing reaps it).
running_pid() {
  local dir=$1 daemon=$2 pid state
  pid=$(cat "$dir/pids/$daemon" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$daemon" ] || return 1
  state=$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null) && [ "$state" != Z ] && echo "$pid"
}

# Stops a daemon cluster-up started: SIGTERM, then SIGKILL if it is still there after 10 s.
# Prints its pid when there was one to stop.
stop_daemon() {
  local dir=$1 daemon=$2 pid
  pid=$(running_pid "$dir" "$daemon") || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do running_pid "$dir" "$daemon" >/dev/null || break; sleep 0.1; done
  if running_pid "$dir" "$daemon" >/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  echo "$pid"
}

# Whether /etc/slurm/slurm.conf is the link cluster-up made to this folder's slurm.conf.
system_conf_is_ours() {
  [ -L "$SYSTEM_CONF" ] && [ "$(readlink "$SYSTEM_CONF")" = "$1/slurm.conf" ]
}

# Every live process named $1 (as /proc/<pid>/comm spells it), one pid a line; read only, to
# detect a cluster that cluster-up did not start. Zombies (daemons that exited, unreaped) are not counted.
pids_named() {
  local pid
  for pid in $(grep -lx -- "$1" /proc/[0-9]*/comm 2>/dev/null | cut -d/ -f3); do
    [ "$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)" = Z ] || echo "$pid"
  done
}

# The arguments joined with "; ".
joined() {
  local result=$1
  shift
  for part in "$@"; do result+="; $part"; done
  echo "$result"
}
