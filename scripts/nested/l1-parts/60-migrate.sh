# Part: xl migrate of the L2 guest to localhost inside L1, with `-s ''`
# (the host string is the receiver's command: no ssh), as tests/cli/
# xl_migrate.sh does.  Linux suspends cooperatively (stop-and-copy), the
# new domain takes the name back under a new domid, and the guest is the
# same (keep_check) through a new console.
# Not run by default (NESTED_L2_MOVES=1 runs it): Linux suspends for a
# migration as for xl save (see 55-save-restore.sh).  Of two runs, one
# passed (but a console check, since fixed); in the other the migrated
# guest's CPU 1 never got its timer again (RCU stall, "timer wakeup
# didn't happen ... cpu=1"), not understood yet.
if [ "${NESTED_L2_MOVES:-0}" != 1 ]; then
    echo "SKIP: nested/l2/migrate: CPU 1 of the migrated Linux lost its timer in 1 run of 2 (docs/nested-host.md); NESTED_L2_MOVES=1 runs it"
else
mg=migrate
keep_begin $mg
tick0=$(last_tick $cn)
olddom=$domid
t=$(uptime_s)
out=$("$xl" migrate -s '' "$name" "$xl migrate-receive" 2>&1)
st=$?
echo "$out" | sed 's/^/L1: /'
echo "L1: xl migrate took $(since "$t") s"
if [ $st = 0 ] && echo "$out" | grep -qx 'Migration successful.'; then
    pass $mg/command
else
    fail $mg/command "status $st: $out"
fi
ended "$con_pid" 60
new_console
if [ -n "$domid" ] && [ "$domid" != "$olddom" ] &&
   ! "$xl" list "$name--incoming" > /dev/null 2>&1 &&
   ! "$xl" list "$name--migratedaway" > /dev/null 2>&1; then
    pass $mg/renamed_back
else
    fail $mg/renamed_back "domid '$domid' (was $olddom): $("$xl" list 2>&1)"
fi
ticks_on $mg $cn "$tick0"
keep_end $mg
fi
