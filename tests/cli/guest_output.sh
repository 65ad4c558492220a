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
# CONSOLEIO_write as Xen's guest_console_write: unprintable bytes dropped
# (t_console.c console_write_filtered), a line cut after DOMAIN_PBUF_SIZE
# (console_write_long_line: 17 + 237 characters, then the other 63).
checkline() { # name file line
    if LC_ALL=C grep -qxF -- "$3" "$2" 2>/dev/null; then echo "PASS: $1"
    else echo "FAIL: $1: no line '$3' in $2"; fi
}
checkline console_io_filtered "$logs/hypercalls64.log" "$(printf 'console_io filter: ab\tc[1md\351ef')"
checkline console_io_filtered32 "$logs/hypercalls32.log" "$(printf 'console_io filter: ab\tc[1md\351ef')"
checkline console_io_line_cut "$logs/hypercalls64.log" "console_io long: $(printf 'y%.0s' $(seq 237))"
checkline console_io_line_rest "$logs/hypercalls64.log" "$(printf 'y%.0s' $(seq 63))"
check demo_banner "$logs/demo64.log" "Hello from a PVH guest on xenkvm!"
check demo_cmdline "$logs/demo64.log" 'command line: "demo-command-line"'
check demo_no_xenstore "$logs/demo64.log" "xenstore is not connected"
check demo_vcpus "$logs/demo64.log" "vcpus: 1"
check demo_powers_off "$logs/demo64.log" "Powering off."
check pv_console_stdout "$logs/pvcons64.log" "pvcons: hello from the PV console ring of domain 1"
exit 0
