#!/usr/bin/env bash
# A one-node Slurm on this machine, for the tests and for trying the agent's Slurm executor (docs/slurm.md).
#
#   bash scripts/slurm-local.sh start    # idempotent: exit 0 at once when it already runs
#   bash scripts/slurm-local.sh stop     # stops what `start` started
#   bash scripts/slurm-local.sh status
#
# One node `localhost` in one partition `debug`, listening on loopback only. Every file Slurm writes (state,
# spool, logs, pid files, the configuration) lives in ${BRIGHTRUN_SLURM_DIR:-/tmp/brightrun-slurm}.
# /etc/slurm/slurm.conf and gres.conf are symlinks into that folder (so plain `sbatch`, `squeue`, `scontrol`
# find the cluster); a slurm.conf that is not ours is never touched (then `start` refuses).
# GPUs: the machine's NVIDIA devices as gres `gpu:<type>`, or, where there are none, two fake ones
# (`gpu:fake:2`, character devices like /dev/null) so scheduling with --gres works; a job cannot compute on them.
# Needs root and Debian's packages slurmctld, slurmd, slurm-client and munge (scripts/setup.sh installs them).
set -euo pipefail

DIR=${BRIGHTRUN_SLURM_DIR:-/tmp/brightrun-slurm}
CONF_DIR=/etc/slurm
MARK="# written by BrightRun scripts/slurm-local.sh"

log() { printf 'slurm-local: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

need_tools() {
  [ "$(id -u)" = 0 ] || die "run as root (slurmd must start jobs as their users)"
  for tool in slurmctld slurmd sbatch scontrol sinfo munged; do
    command -v "$tool" >/dev/null 2>&1 ||
      die "$tool is missing: apt-get install slurmctld slurmd slurm-client munge (scripts/setup.sh does it)"
  done
}

node_state() { sinfo -h -n localhost -o %T 2>/dev/null | head -n1 | tr -d '*~#!%$@^-'; }

running() {
  scontrol ping 2>/dev/null | grep -q 'is UP' && case "$(node_state)" in
    idle | mixed | allocated | completing) return 0 ;;
    *) return 1 ;;
  esac
}

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local seconds=$1 what=$2
  shift 2
  for _ in $(seq $((seconds * 5))); do
    if "$@"; then return 0; fi
    sleep 0.2
  done
  log "$what did not happen within ${seconds}s; logs in $DIR/log:"
  tail -n 20 "$DIR"/log/*.log >&2 || true
  exit 1
}

start_munge() {
  if munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then return 0; fi
  [ -s /etc/munge/munge.key ] || {
    log "creating /etc/munge/munge.key"
    (umask 077 && dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none)
    chown munge:munge /etc/munge/munge.key
  }
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
  su -s /bin/sh munge -c munged
  wait_for 10 "munged answering" sh -c 'munge -n </dev/null | unmunge >/dev/null 2>&1'
  pgrep -u munge -x munged >"$DIR/munged.pid" || true
}

# The gres line and gres.conf: real NVIDIA GPUs, else two fake devices.
gpu_setup() {
  local names count type
  names=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null || true)
  count=$(printf '%s' "$names" | grep -c . || true)
  if [ "$count" -gt 0 ]; then
    # `NVIDIA H100 80GB HBM3` → `h100-80gb-hbm3`, the agent's own naming (crates/agent/src/gpu.rs).
    type=$(printf '%s\n' "$names" | head -n1 | tr 'A-Z' 'a-z' | tr -cs 'a-z0-9' '\n' |
      grep -vxE 'nvidia|geforce|tesla|' | paste -sd- -)
    GRES="gpu:$type:$count"
    GRES_CONF="NodeName=localhost Name=gpu Type=$type File=/dev/nvidia[0-$((count - 1))]"
  else
    mkdir -p "$DIR/dev"
    for i in 0 1; do
      [ -c "$DIR/dev/fake-gpu$i" ] || mknod "$DIR/dev/fake-gpu$i" c 1 3 # like /dev/null: slurmd refuses plain files
    done
    GRES="gpu:fake:2"
    GRES_CONF="NodeName=localhost Name=gpu Type=fake File=$DIR/dev/fake-gpu[0-1]"
  fi
}

write_config() {
  local cpus memory
  cpus=$(nproc)
  memory=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
  memory=$((memory > 1024 ? memory - 512 : memory)) # a margin: slurmd drains a node that has less than it says
  gpu_setup
  mkdir -p "$DIR/state" "$DIR/spool" "$DIR/log"
  cat >"$DIR/slurm.conf" <<EOF
$MARK
ClusterName=brightrun
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
# loopback only
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
SlurmctldPort=${BRIGHTRUN_SLURMCTLD_PORT:-6817}
SlurmdPort=${BRIGHTRUN_SLURMD_PORT:-6818}
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MailProg=/bin/true
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/log/jobcomp.txt
KillWait=5
MinJobAge=300
ReturnToService=2
SlurmdTimeout=60
GresTypes=gpu
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory Gres=$GRES State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
  printf '%s\nAutoDetect=off\n%s\n' "$MARK" "$GRES_CONF" >"$DIR/gres.conf"
  mkdir -p "$CONF_DIR"
  for name in slurm.conf gres.conf; do
    local target="$CONF_DIR/$name"
    if [ -e "$target" ] && ! [ -L "$target" ] && ! grep -qF "$MARK" "$target"; then
      die "$target exists and is not BrightRun's: not touching a real cluster's configuration"
    fi
    ln -sfn "$DIR/$name" "$target"
  done
}

start() {
  need_tools
  if running; then
    log "already running (partition debug on localhost)"
    return 0
  fi
  mkdir -p "$DIR"
  write_config
  start_munge
  if ! scontrol ping 2>/dev/null | grep -q 'is UP'; then
    slurmctld -i # -i: ignore state from an earlier run that cannot be recovered
    wait_for 20 "slurmctld answering" sh -c 'scontrol ping 2>/dev/null | grep -q "is UP"'
  fi
  if ! [ -s "$DIR/slurmd.pid" ] || ! kill -0 "$(cat "$DIR/slurmd.pid")" 2>/dev/null; then
    slurmd -N localhost
  fi
  # A node left down or drained by an earlier run (a killed slurmd, a failed job) is put back in service.
  case "$(node_state)" in
    down | drain | drained | draining | fail | failing)
      sleep 1
      scontrol update NodeName=localhost State=RESUME 2>/dev/null || true
      ;;
  esac
  wait_for 30 "node localhost idle" sh -c "sinfo -h -n localhost -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'"
  log "running: partition debug, node localhost, gres $GRES; state in $DIR"
}

stop_pidfile() { # stop_pidfile FILE NAME
  local file=$1 name=$2 pid
  [ -s "$file" ] || return 0
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && { log "$name did not stop: SIGKILL"; kill -KILL "$pid" || true; }
  fi
  rm -f "$file"
}

stop() {
  stop_pidfile "$DIR/slurmd.pid" slurmd
  stop_pidfile "$DIR/slurmctld.pid" slurmctld
  stop_pidfile "$DIR/munged.pid" munged
  for name in slurm.conf gres.conf; do
    [ -L "$CONF_DIR/$name" ] && [ "$(readlink "$CONF_DIR/$name")" = "$DIR/$name" ] && rm -f "$CONF_DIR/$name"
  done
  log "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if running; then echo running; else echo stopped; exit 3; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
