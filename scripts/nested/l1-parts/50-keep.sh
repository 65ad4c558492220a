# Helpers for the parts that move the running guest (51 live update, 55
# save/restore, 60 migration); nothing is checked here.  keep_begin LABEL
# before a move: the guest keeps a value in tmpfs, notes its clock and
# timer counts and starts its ticker (l2-tests/keep_start.sh); keep_end
# LABEL after it: the guest checks all of that (l2-tests/keep_check.sh)
# and L1 reads back the xenstore value the guest wrote.
keep_begin() {
    keep_t0=$(uptime_s)
    keep_val="$1-$(date +%s)"
    xenstore-write "/local/domain/$domid/data/expect" "$keep_val $(date +%s)"
    l2_run keep_start 60 "$1/before"
}
keep_end() {
    local tok=$((l2_seq + 1)) got
    xenstore-write "/local/domain/$domid/data/expect" \
        "$keep_val $(date +%s) $(since "$keep_t0") $tok"
    l2_run keep_check 120 "$1" || move_debug
    got=$(xenstore-read "/local/domain/$domid/data/keep-after" 2>&1)
    if [ "$got" = "after-$tok" ]; then
        pass "$1/xenstore_seen_by_l1"
    else
        fail "$1/xenstore_seen_by_l1" "L1 read '$got' from domain $domid, expected after-$tok"
    fi
}
# last_tick N: the number of the guest's last "L2: tick" line on console N.
last_tick() {
    text "$1" | sed -n 's/.*L2: tick \([0-9]*\).*/\1/p' | tail -n 1
}
# ticks_on LABEL N FROM: console N shows the guest's ticker going on past
# tick FROM (three more ticks).
ticks_on() {
    local want=$((${3:-0} + 3))
    local n=0 last
    # Any tick past WANT will do: a console attached after the guest ran
    # on (a restore, a migration) begins later in the count.
    while last=$(last_tick "$2"); [ "${last:-0}" -lt "$want" ]; do
        n=$((n + 1))
        [ "$n" -gt 60 ] && break
        sleep 1
    done
    if [ "${last:-0}" -ge "$want" ]; then
        pass "$1/console_ticks_on"
    else
        fail "$1/console_ticks_on" "no 'L2: tick $want' on console $2 (last tick seen: $(last_tick "$2"))"
        move_debug
    fi
}
# vmm_pid: the VMM's pid as xl records it (<rundir>/dom<N>.pid: monitor, VMM).
vmm_pid() {
    awk '{ print $2 }' "$XENKVM_RUNDIR/dom$domid.pid" 2>/dev/null
}
# new_console: the domain was replaced (restore, migration): follow it
# under its new domid with a new console.
new_console() {
    domid=$("$xl" domid "$name" 2>/dev/null)
    cn=$((cn + 1))
    console $cn
}
# move_debug: what L1 can see of a guest that stopped answering.
move_debug() {
    local p
    p=$(vmm_pid)
    "$xl" vcpu-list "$name" 2>&1 | sed 's/^/L1: /'
    sleep 2
    "$xl" vcpu-list "$name" 2>&1 | sed 's/^/L1: /'
    for t in /proc/$p/task/*; do
        echo "L1: VMM thread $(cat $t/comm 2>/dev/null) $(cut -d' ' -f3 $t/stat 2>/dev/null) $(cat $t/wchan 2>/dev/null)"
    done
    xenstore-ls "/local/domain/$domid" 2>&1 | grep -E 'data|control' | sed 's/^/L1: xs: /'
    show_logs
}
