#!/bin/bash
# Event channels that leave a domain: a guest and the host echo backend
# (domain 0, through the backend library), two guests in two VMMs bound to
# each other, a VIRQ raised from the host, and what a VMM that dies leaves.
set -u
tool=$BUILDDIR/tests/evtchn/evtchn_tool
. "$SRCDIR/tests/cli/common.inc"
need_kvm evtchn_links
run=$(mktemp -d /tmp/xenkvm-links.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$run"' EXIT

# Guest lines count as this script's cases, prefixed with the guest.
relay() { # prefix log
    sed -n "s/^\(PASS\|FAIL\|SKIP\): /\1: $1: /p" "$2"
}
status() { # name got want log
    if [ "$2" = "$3" ]; then echo "PASS: $1"; else echo "FAIL: $1: status $2, expected $3 (log: $4)"; fi
}

# 1. Echo: the guest offers port 3 to domain 0, the host echoes each event.
timeout -k 5 60 "$vmm" --rundir "$run" --domid 7 --kernel "$guests/evtchn_echo64.elf" \
    > "$logs/evtchn_echo64.log" 2>&1 &
g=$!
timeout -k 5 60 "$tool" echo "$run" 7 3 > "$logs/evtchn_echo_backend.log" 2>&1
b=$?
wait $g; s=$?
relay echo "$logs/evtchn_echo64.log"
status echo_guest_status $s 0 "$logs/evtchn_echo64.log"
status echo_backend_status $b 0 "$logs/evtchn_echo_backend.log"
if grep -q "^echo: 100 events" "$logs/evtchn_echo_backend.log"; then
    echo "PASS: echo_backend_counted_100"
else
    echo "FAIL: echo_backend_counted_100: $(tail -1 "$logs/evtchn_echo_backend.log")"
fi

# 2. Two guests, two VMMs, one channel.
timeout -k 5 60 "$vmm" --rundir "$run" --domid 1 --kernel "$guests/evtchn_peer64.elf" \
    --cmdline "peer=2 role=alloc" > "$logs/evtchn_peer_a.log" 2>&1 &
a=$!
timeout -k 5 60 "$vmm" --rundir "$run" --domid 2 --kernel "$guests/evtchn_peer64.elf" \
    --cmdline "peer=1 role=bind" > "$logs/evtchn_peer_b.log" 2>&1 &
b=$!
wait $a; sa=$?
wait $b; sb=$?
relay peer_alloc "$logs/evtchn_peer_a.log"
relay peer_bind "$logs/evtchn_peer_b.log"
status peer_alloc_status $sa 0 "$logs/evtchn_peer_a.log"
status peer_bind_status $sb 0 "$logs/evtchn_peer_b.log"

# 3. VIRQs from the host: VIRQ_DEBUG (per vCPU) and VIRQ_CONSOLE (global).
timeout -k 5 300 "$vmm" --rundir "$run" --domid 4 --kernel "$guests/evtchn_virq64.elf" \
    > "$logs/evtchn_virq64.log" 2>&1 &
g=$!
for i in $(seq 1800); do grep -q "^VIRQ-READY" "$logs/evtchn_virq64.log" && break; sleep 0.1; done
"$tool" virq "$run" 4 1 && echo "PASS: virq_debug_sent" || echo "FAIL: virq_debug_sent"
"$tool" virq "$run" 4 2 && echo "PASS: virq_console_sent" || echo "FAIL: virq_console_sent"
wait $g; s=$?
relay virq "$logs/evtchn_virq64.log"
status virq_guest_status $s 0 "$logs/evtchn_virq64.log"

# 4. Bad binds from the host: no such domain, a port not offered to us.
# (No timeout wrapper: case 4 kills this VMM itself.)
"$vmm" --rundir "$run" --domid 9 --kernel "$guests/evtchn_echo64.elf" \
    > "$logs/evtchn_echo_refuse.log" 2>&1 &
g=$!
for i in $(seq 50); do [ -S "$run/dom9.sock" ] && break; sleep 0.1; done
if "$tool" virq "$run" 99 1 2>/dev/null; then
    echo "FAIL: virq_no_such_domain: accepted"
else
    echo "PASS: virq_no_such_domain"
fi
if "$tool" virq "$run" 9 9999 2>/dev/null; then
    echo "FAIL: virq_out_of_range: accepted"
else
    echo "PASS: virq_out_of_range"
fi
# Port 60 is not in use: Xen's -EINVAL; a domain that does not exist:
# -ESRCH.  Port 1 (xenstore) is offered to domain 0: binding it works.
out=$("$tool" bind "$run" 9 60)
[ "$out" = "bind: Invalid argument" ] && echo "PASS: bind_unused_port_refused" ||
    echo "FAIL: bind_unused_port_refused: $out"
out=$("$tool" bind "$run" 98 3)
[ "$out" = "bind: No such process" ] && echo "PASS: bind_no_such_domain" ||
    echo "FAIL: bind_no_such_domain: $out"
"$tool" bind "$run" 9 1 && echo "PASS: bind_store_port" || echo "FAIL: bind_store_port"
# 5. The VMM killed: its socket goes with it or is taken over later.
kill -9 $g 2>/dev/null; wait $g 2>/dev/null
timeout -k 5 60 "$vmm" --rundir "$run" --domid 9 --kernel "$guests/evtchn_echo64.elf" \
    > "$logs/evtchn_echo_restart.log" 2>&1 &
g=$!
timeout -k 5 60 "$tool" echo "$run" 9 3 > "$logs/evtchn_echo_backend2.log" 2>&1
wait $g; s=$?
status stale_socket_taken_over $s 0 "$logs/evtchn_echo_restart.log"
exit 0
