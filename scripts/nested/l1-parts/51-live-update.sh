# Part: `xl live-update` of the L2 guest's VMM with Linux running
# (docs/live-update.md): the guest's ticker goes on through the same `xl
# console`, xenstore works, the clock moved on, both vCPUs tick, the domid
# and the VMM's pid stay.  Then a binary that refuses the state: the
# command fails and the guest carries on.
lu=live_update
keep_begin $lu
pid0=$(vmm_pid)
tick0=$(last_tick $cn)
out=$("$xl" live-update "$name" 2>&1)
st=$?
echo "$out" | sed 's/^/L1: /'
if [ $st = 0 ] && echo "$out" | grep -q 'live update .* done'; then
    pass $lu/command
else
    fail $lu/command "status $st: $out"
    show_logs
fi
if [ "$("$xl" domid "$name" 2>/dev/null)" = "$domid" ] && [ "$(vmm_pid)" = "$pid0" ] &&
   tr '\0' ' ' < "/proc/$pid0/cmdline" | grep -q -- '--live-update-fd'; then
    pass $lu/same_domain_and_pid
else
    fail $lu/same_domain_and_pid "domid $("$xl" domid "$name" 2>&1) (was $domid), VMM pid $(vmm_pid) (was $pid0)"
fi
ticks_on $lu $cn "$tick0"
if kill -0 "$con_pid" 2>/dev/null; then
    pass $lu/same_console_client
else
    fail $lu/same_console_client "xl console (pid $con_pid) ended"
fi
keep_end $lu

# A binary that cannot read the running VMM's state (it answers the probe
# as one reading only vCPU part version 99 would, as tests/cli/
# live_update.sh does): refused before anything stops.
lu=live_update_refused
cat > /tmp/newer-vmm <<SH
#!/bin/bash
if [ "\$1" = --check-live-update-version ]; then
    exec $xk/hvm/xenkvm --check-live-update-version "\$(echo "\$2" | sed 's/ 8=1/ 8=99/')"
fi
exec $xk/hvm/xenkvm "\$@"
SH
chmod +x /tmp/newer-vmm
# The kernel runs a script that execveat() got as a descriptor as
# /dev/fd/N: L1 has no udev to make that link.
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
keep_begin $lu
tick0=$(last_tick $cn)
out=$("$xl" live-update --binary /tmp/newer-vmm "$name" 2>&1)
st=$?
echo "$out" | sed 's/^/L1: /'
if [ $st != 0 ] && echo "$out" | grep -q 'version 99'; then
    pass $lu/command_fails
else
    fail $lu/command_fails "status $st: $out"
fi
if [ "$(vmm_pid)" = "$pid0" ] && "$xl" list "$name" > /dev/null 2>&1; then
    pass $lu/old_vmm_runs
else
    fail $lu/old_vmm_runs "$("$xl" list 2>&1)"
fi
ticks_on $lu $cn "$tick0"
keep_end $lu
