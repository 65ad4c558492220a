#!/bin/bash
# tests/nested/kvm_hold, the holder of KVM's static keys that the nested
# host's L1 starts before any VM (docs/nested-host.md, "L1 stalls"): it
# holds its VM (a vCPU, the APIC disabled) until signalled, says what it
# holds, and the VMM's guests run beside it.
set -u
. "$SRCDIR/tests/cli/common.inc"
hold=$BUILDDIR/tests/nested/kvm_hold

out=$("$hold" --bogus 2>&1)
status=$?
if [ "$status" -eq 2 ] && [ "${out#usage:}" != "$out" ]; then
    pass kvm_hold_usage
else
    fail kvm_hold_usage "status $status, output: $out"
fi

need_kvm kvm_hold_once
tmp=$(mktemp -d)
hold_pid=
trap '[ -n "$hold_pid" ] && kill "$hold_pid" 2>/dev/null; rm -rf "$tmp"' EXIT

# --once: every step done, then the VM closed.  The APIC base read back
# without its enable bit (0x800).
out=$("$hold" --once 2>&1)
status=$?
base=$(echo "$out" | sed -n 's/.*APIC base \(0x[0-9a-f]*\).*/\1/p')
if [ "$status" -eq 0 ] &&
   echo "$out" | grep -q '^kvm_hold: holding preempt_notifier_key, apic_sw_disabled, apic_hw_disabled' &&
   echo "$out" | grep -q -E ', (kvm_xen_enabled|no kvm_xen_enabled \(KVM_CAP_XEN_HVM (0|0x[0-9a-f]+)\))$' &&
   [ -n "$base" ] && [ $(( base & 0x800 )) -eq 0 ]; then
    pass kvm_hold_once
else
    fail kvm_hold_once "status $status, output: $out"
fi

# Held: after its line the process is there with its VM and vCPU open.
"$hold" > "$tmp/out" 2>&1 &
hold_pid=$!
if wait_for 20 grep -q '^kvm_hold: holding' "$tmp/out" &&
   kill -0 "$hold_pid" 2>/dev/null &&
   ls -l "/proc/$hold_pid/fd" | grep -q 'anon_inode:kvm-vm' &&
   ls -l "/proc/$hold_pid/fd" | grep -q 'anon_inode:kvm-vcpu:0'; then
    pass kvm_hold_holds
else
    fail kvm_hold_holds "output: $(cat "$tmp/out"); fds: $(ls -l "/proc/$hold_pid/fd" 2>&1 | tail -n +2)"
fi

# A guest runs as usual beside the held VM.
timeout -k 5 60 "$vmm" --kernel "$guests/hypercalls64.elf" > "$tmp/guest" 2>&1
status=$?
if [ "$status" -eq 0 ]; then
    pass kvm_hold_guest_beside
else
    fail kvm_hold_guest_beside "hypercalls64 exit status $status: $(tail -3 "$tmp/guest")"
fi

# SIGTERM ends it (default action: killed by the signal, 128 + 15).
kill -TERM "$hold_pid"
wait "$hold_pid"
status=$?
hold_pid=
if [ "$status" -eq 143 ]; then
    pass kvm_hold_sigterm
else
    fail kvm_hold_sigterm "exit status $status, expected 143"
fi
