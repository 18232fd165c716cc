#!/usr/bin/env bash
# Stand up a real one-node SLURM cluster on this machine, without systemd (tests/cluster/README.md):
#   Debian's munge, slurmctld, slurmd and slurm-client (installed with apt-get when missing), no accounting;
#   two partitions on the one node, `cpu` (default) and `gpu`, and one declared fake GPU (gres.conf File=/dev/null);
#   state, logs and PID files under $WIRINGUP_SLURM_STATE (default /tmp/wiringup-slurm).
# Tear it down with tests/cluster/slurm_down.sh, always: while /etc/slurm/slurm.conf exists and the daemons are down,
# every `snakemake` run that loads the SLURM plugin waits ~9 s in `scontrol show config`.
# Without accounting the plugin needs `--slurm-status-command squeue` (sacct fails, and the plugin would then drop
# its jobs and wait forever); MinJobAge keeps finished jobs in `scontrol show job` for an hour.
# Exit status: 0 up; 2 not root; 3 packages not installable (no apt-get or no network); 4 a foreign slurm.conf
# exists; 5 already up; 1 anything else (what was started is torn down again).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STATE=${WIRINGUP_SLURM_STATE:-/tmp/wiringup-slurm}
CONF_DIR=/etc/slurm
MARK="# written by wiringup tests/cluster/slurm_up.sh"
PKGS=(munge slurmctld slurmd slurm-client)

log() { echo "slurm_up: $*" >&2; }
alive() {  # a PID file's process exists and is no zombie (PID 1 here does not reap: pgrep would see zombies)
    local pid
    pid=$(cat "$1" 2>/dev/null) || return 1
    [ -n "$pid" ] && [ -r "/proc/$pid/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status"
}

[ "$(id -u)" = 0 ] || { log "needs root"; exit 2; }
for f in slurm.conf gres.conf; do
    if [ -e "$CONF_DIR/$f" ] && ! head -1 "$CONF_DIR/$f" | grep -qF "$MARK"; then
        log "$CONF_DIR/$f exists and is not ours: not touching this machine's SLURM"; exit 4
    fi
done
for d in slurmctld slurmd; do
    if alive "$STATE/run/$d.pid"; then log "$d already runs (PID $(cat "$STATE/run/$d.pid")); run slurm_down.sh"; exit 5; fi
done

t0=$(date +%s.%N)
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    command -v apt-get >/dev/null || { log "apt-get not found; cannot install ${missing[*]}"; exit 3; }
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >"${TMPDIR:-/tmp}/wiringup-slurm-apt.log" 2>&1; then
        apt-get update -q >>"${TMPDIR:-/tmp}/wiringup-slurm-apt.log" 2>&1 || true
        apt-get install -y -q --no-install-recommends "${missing[@]}" >>"${TMPDIR:-/tmp}/wiringup-slurm-apt.log" 2>&1 \
            || { log "apt-get install failed (${TMPDIR:-/tmp}/wiringup-slurm-apt.log)"; exit 3; }
    fi
fi
t_install=$(date +%s.%N)

# From here on a failure tears down what was started and moves the config away again.
trap 'rc=$?; log "failed (exit $rc); tearing down"; bash "$HERE/slurm_down.sh" || true; exit 1' ERR

HOST=$(hostname -s)
if [ -z "$(getent hosts "$HOST" || true)" ]; then
    log "adding $HOST to /etc/hosts (127.0.0.1)"
    echo "127.0.0.1 $HOST  # wiringup tests/cluster" >>/etc/hosts
fi

rm -rf "$STATE/spool"
mkdir -p "$STATE"/{spool/ctld,spool/d,log,run}
chown -R slurm:slurm "$STATE/spool/ctld" "$STATE/log" "$STATE/run"
NODE=$(slurmd -C | head -1)  # NodeName=<host> CPUs=.. Boards=.. SocketsPerBoard=.. CoresPerSocket=.. ThreadsPerCore=.. RealMemory=..
mkdir -p "$CONF_DIR"
cat >"$CONF_DIR/slurm.conf" <<EOF
$MARK (state: $STATE); tests/cluster/slurm_down.sh moves it away
ClusterName=wiringup
SlurmctldHost=$HOST
SlurmUser=slurm
AuthType=auth/munge
StateSaveLocation=$STATE/spool/ctld
SlurmdSpoolDir=$STATE/spool/d
SlurmctldPidFile=$STATE/run/slurmctld.pid
SlurmdPidFile=$STATE/run/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
ReturnToService=2
MinJobAge=3600
DefMemPerCPU=500
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
GresTypes=gpu
$NODE Gres=gpu:1 State=UNKNOWN
PartitionName=cpu Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=$HOST MaxTime=INFINITE State=UP
EOF
cat >"$CONF_DIR/gres.conf" <<EOF
$MARK
NodeName=$HOST Name=gpu File=/dev/null
EOF

# munge: reuse a running munged (not ours, never stopped by slurm_down.sh), else start one and remember its PID.
if ! alive /run/munge/munged.pid; then
    [ -s /etc/munge/munge.key ] || { mungekey --create 2>/dev/null || /usr/sbin/create-munge-key -f; }
    chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
    mkdir -p /run/munge && chown munge:munge /run/munge && chmod 755 /run/munge
    runuser -u munge -- /usr/sbin/munged
    for _ in $(seq 50); do alive /run/munge/munged.pid && break; sleep 0.1; done
    cp /run/munge/munged.pid "$STATE/run/munged.pid"
fi
munge -n | unmunge >/dev/null

/usr/sbin/slurmctld
for _ in $(seq 100); do scontrol ping >/dev/null 2>&1 && break; sleep 0.1; done
/usr/sbin/slurmd
state=""
for _ in $(seq 150); do
    state=$(sinfo -h -n "$HOST" -p cpu -o %T 2>/dev/null | head -1)
    case "$state" in
        idle*|mixed*|allocated*) break ;;
        down*|drain*) scontrol update NodeName="$HOST" State=RESUME >/dev/null 2>&1 || true ;;
    esac
    sleep 0.2
done
case "$state" in idle*|mixed*|allocated*) ;; *) log "node $HOST is '$state', not idle"; false ;; esac
t_up=$(date +%s.%N)

VERSION=$(sinfo --version)
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
echo "$VERSION up on $HOST ($(echo "$NODE" | grep -o 'CPUs=[0-9]*') $(echo "$NODE" | grep -o 'RealMemory=[0-9]*')," \
    "Gres=gpu:1 fake): partitions cpu (default) and gpu; install $(secs "$t0" "$t_install") s," \
    "daemons $(secs "$t_install" "$t_up") s; state $STATE"
