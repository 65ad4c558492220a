# Part: xl migrate of the L2 guest to localhost inside L1, with `-s ''`
# (the host string is the receiver's command: no ssh), as tests/cli/
# xl_migrate.sh does.  The new domain takes the name back under a new
# domid, and the guest is the same (keep_check) through a new console.
# Linux suspends cooperatively (stop-and-copy) only while control/feature-suspend is
# there, which its kernel writes once at boot: after 55's restore (a new
# domain) it is not, and the migration is transparent and live (precopy
# rounds).  A vCPU's timer expiring in the last round was lost on the way
# (Linux's idle CPU 1 in an RCU stall, 1 run of 2): the event thread now
# waits through it (docs/migration.md).
mg_t0=$(uptime_s)
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
echo "L1: part migrate took $(since "$mg_t0") s"
