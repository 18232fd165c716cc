#!/usr/bin/env bash
# Tear down what tests/cluster/slurm_up.sh started: cancel the cluster's jobs, stop slurmd, slurmctld and (only if
# slurm_up.sh started it) munged by the PIDs in $WIRINGUP_SLURM_STATE/run (SIGTERM, SIGKILL after 10 s), then move
# /etc/slurm/slurm.conf and gres.conf (only when slurm_up.sh wrote them) into the state folder, so that
# `scontrol show config` (called by the SLURM plugin on every Snakemake start) fails fast instead of waiting ~9 s
# for a controller that is gone. Safe to run twice; leaves the packages installed.
set -uo pipefail
STATE=${WIRINGUP_SLURM_STATE:-/tmp/wiringup-slurm}
CONF_DIR=/etc/slurm
MARK="# written by wiringup tests/cluster/slurm_up.sh"

log() { echo "slurm_down: $*" >&2; }
alive() {
    local pid
    pid=$(cat "$1" 2>/dev/null) || return 1
    [ -n "$pid" ] && [ -r "/proc/$pid/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status"
}
stop() {  # stop NAME PIDFILE: only a process whose PID file slurm_up.sh's daemons wrote (or copied) in $STATE/run
    local name=$1 pidfile=$2 pid
    [ -f "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    if alive "$pidfile"; then
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 100); do alive "$pidfile" || break; sleep 0.1; done
        if alive "$pidfile"; then log "$name (PID $pid) ignored SIGTERM; SIGKILL"; kill -KILL "$pid" 2>/dev/null; sleep 0.2; fi
        log "stopped $name (PID $pid)"
    fi
    rm -f "$pidfile"
}

ours=false
if [ -f "$CONF_DIR/slurm.conf" ] && head -1 "$CONF_DIR/slurm.conf" | grep -qF "$MARK"; then ours=true; fi

if $ours && alive "$STATE/run/slurmctld.pid"; then
    jobs=$(squeue -h -o %A 2>/dev/null | tr '\n' ' ')
    if [ -n "${jobs// /}" ]; then
        log "cancelling jobs $jobs"
        # shellcheck disable=SC2086
        scancel $jobs 2>/dev/null || true
        for _ in $(seq 100); do [ -z "$(squeue -h -o %A 2>/dev/null)" ] && break; sleep 0.2; done
    fi
fi
stop slurmd "$STATE/run/slurmd.pid"
stop slurmctld "$STATE/run/slurmctld.pid"
stop munged "$STATE/run/munged.pid"  # present only when slurm_up.sh started munged

mkdir -p "$STATE"
for f in slurm.conf gres.conf; do
    if [ -f "$CONF_DIR/$f" ] && head -1 "$CONF_DIR/$f" | grep -qF "$MARK"; then
        mv -f "$CONF_DIR/$f" "$STATE/$f.off"
        log "moved $CONF_DIR/$f to $STATE/$f.off"
    fi
done
exit 0
