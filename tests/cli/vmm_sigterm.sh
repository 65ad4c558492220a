#!/bin/bash
# A stopping signal to a VMM with many vCPUs: vm_shutdown kicks every vCPU
# thread while the main thread joins them; the kicks must never reach a
# joined thread (issue 19 item 1: exit 139 in 13 of 20 runs before).
# Each run must end with XK_EXIT_KILLED (22, docs/exit-codes.md).
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm vmm_sigterm_128_vcpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

bad=
for run in 1 2 3 4 5 6 7 8 9 10; do
    mkdir "$tmp/r$run"
    timeout -k 5 60 "$vmm" --kernel "$guests/pvcons64.elf" --vcpus 128 --memory 32 \
        --rundir "$tmp/r$run" --domid 5 2> "$tmp/err$run" > "$tmp/out$run" &
    pid=$!
    # Signalled once the guest has greeted and waits for console input
    # (before that point the race was rarely hit).
    wait_for 30 grep -q "console port" "$tmp/out$run"
    kill -TERM "$pid"
    wait "$pid"
    status=$?
    if [ "$status" -ne 22 ]; then
        bad="run $run: exit status $status, expected 22: $(tail -3 "$tmp/err$run")"
        break
    fi
    if grep -qE "AddressSanitizer|runtime error|ThreadSanitizer" "$tmp/err$run"; then
        bad="run $run: sanitizer report: $(grep -m3 -E 'Sanitizer|runtime error' "$tmp/err$run")"
        break
    fi
done
if [ -n "$bad" ]; then fail vmm_sigterm_128_vcpus "$bad"; else pass vmm_sigterm_128_vcpus; fi
