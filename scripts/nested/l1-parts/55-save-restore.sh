# Part: xl save -c (a checkpoint: Linux's suspend is cancelled, its
# SCHEDOP_shutdown returns 1, the guest carries on in the same domain),
# then xl save / xl restore (Linux suspends cooperatively, as on Xen:
# control/shutdown = "suspend", its xenbus suspend path, SCHEDOP_shutdown
# (SHUTDOWN_suspend); the restored domain's call returns 0 and Linux
# rebinds its channels and xenbus).  After each the guest is the same
# (keep_check), through the same console (checkpoint) or a new one
# (restore).  The image is Xen's format; verify-stream-v2 needs Python,
# which L1 has not (the main suite checks images with it).
sr_t0=$(uptime_s)
sr=save_checkpoint
keep_begin $sr
tick0=$(last_tick $cn)
t=$(uptime_s)
out=$("$xl" save -c "$name" /tmp/l2-ckpt.save 2>&1)
st=$?
echo "$out" | sed 's/^/L1: /'
echo "L1: xl save -c took $(since "$t") s, image $(wc -c < /tmp/l2-ckpt.save 2>/dev/null) bytes"
rm -f /tmp/l2-ckpt.save
if [ $st = 0 ] && [ "$("$xl" domid "$name" 2>/dev/null)" = "$domid" ]; then
    pass $sr/command
else
    fail $sr/command "status $st, domid $("$xl" domid "$name" 2>&1) (was $domid): $out"
fi
ticks_on $sr $cn "$tick0"
keep_end $sr

sr=save_restore
keep_begin $sr
tick0=$(last_tick $cn)
olddom=$domid
t=$(uptime_s)
out=$("$xl" save "$name" /tmp/l2.save 2>&1)
st=$?
echo "$out" | sed 's/^/L1: /'
echo "L1: xl save took $(since "$t") s, image $(wc -c < /tmp/l2.save 2>/dev/null) bytes"
if [ $st = 0 ] && gone 60; then
    pass $sr/save
else
    fail $sr/save "status $st: $out"
fi
ended "$con_pid" 60
t=$(uptime_s)
out=$("$xl" restore -p /tmp/l2.save 2>&1)
st=$?
echo "$out" | sed 's/^/L1: /'
rm -f /tmp/l2.save
new_console
"$xl" unpause "$name" 2>&1 | sed 's/^/L1: xl unpause: /'
echo "L1: xl restore took $(since "$t") s"
if [ $st = 0 ] && [ -n "$domid" ] && [ "$domid" != "$olddom" ]; then
    pass $sr/restore
else
    fail $sr/restore "status $st, domid '$domid': $out"
fi
ticks_on $sr $cn "$tick0"
keep_end $sr
echo "L1: part save-restore took $(since "$sr_t0") s"
