#!/bin/bash
# The VMM's environment is documented in its --help and does what it says
# (issue 19 item 14): XENKVM_RUNDIR is the run directory when --rundir is
# not given.
set -u
. "$SRCDIR/tests/cli/common.inc"
tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
pid=

help=$("$vmm" --help 2>&1)
if grep -q 'XENKVM_RUNDIR' <<<"$help" && grep -qE -- '--rundir DIR' <<<"$help"; then
    pass vmm_help_names_xenkvm_rundir
else
    fail vmm_help_names_xenkvm_rundir "$help"
fi

need_kvm vmm_xenkvm_rundir_used
mkdir "$tmp/run"
XENKVM_RUNDIR=$tmp/run "$vmm" --kernel "$guests/pvcons64.elf" --domid 7 \
    > "$tmp/out" 2> "$tmp/err" &
pid=$!
if wait_for 20 test -S "$tmp/run/dom7.sock"; then
    pass vmm_xenkvm_rundir_used
else
    fail vmm_xenkvm_rundir_used "no $tmp/run/dom7.sock: $(cat "$tmp/err")"
fi
kill -TERM "$pid"
wait "$pid"
pid=
