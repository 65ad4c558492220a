#!/bin/bash
# What guests print reaches the VMM's output: HYPERVISOR_console_io, port
# 0xe9 and the PV console ring (with no console log or run directory) on
# stdout, the platform log port on stderr.  Reads the logs the
# guest tests just wrote (tests/run runs this after them).
set -u
logs=$BUILDDIR/tests/logs
check() { # name file pattern
    if [ ! -f "$2" ]; then
        echo "FAIL: $1: no log $2 (guest tests did not run)"
    elif grep -qF -- "$3" "$2"; then
        echo "PASS: $1"
    else
        echo "FAIL: $1: '$3' not in $2"
    fi
}
if [ "${KVM_OK:-0}" != 1 ]; then
    echo "SKIP: guest_output: no /dev/kvm, so no guest ran"
    exit 0
fi
check console_io_text "$logs/hypercalls64.log" "console_io: hello from the test guest"
check debugcon_text "$logs/hypercalls64.log" "hypercalls64: Xen 4.17"
check platform_log_line "$logs/hypercalls64.log" "platform log: platform log from the test guest"
check demo_banner "$logs/demo64.log" "Hello from a PVH guest on xenkvm!"
check demo_cmdline "$logs/demo64.log" 'command line: "demo-command-line"'
check demo_no_xenstore "$logs/demo64.log" "xenstore is not connected"
check demo_vcpus "$logs/demo64.log" "vcpus: 1"
check demo_powers_off "$logs/demo64.log" "Powering off."
check pv_console_stdout "$logs/pvcons64.log" "pvcons: hello from the PV console ring of domain 1"
exit 0
