#!/bin/bash
# xenstored killed with SIGKILL while domains run loses nothing
# (docs/xenstored.md, "Restart"): the store is a tdb file written as it
# changes, a restarted daemon comes back with the same nodes, permissions,
# domains and the domains' watches, each VMM attaches its ring again and
# the guest carries on through it.  First a private xenstored and the VMM
# directly (pvcontrol64.elf answers control/sysrq and memory/target
# through its ring, in transactions), then the same through xl, which
# starts the daemon again itself.
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm xenstored_restart
elf=$BUILDDIR/tests/guest/pvcontrol64.elf
tmp=$(mktemp -d /tmp/xenkvm-xsr.XXXXXX)
xpid= vmpid= vm2=
cleanup() {
    for p in $vmpid $vm2; do kill -9 "$p" 2>/dev/null; done
    if [ -n "${XENKVM_RUNDIR:-}" ]; then
        for d in $("$xl" list 2>/dev/null | awk 'NR > 2 { print $1 }'); do
            "$xl" destroy "$d" >/dev/null 2>&1
        done
        [ -f "$XENKVM_RUNDIR/xenstored.pid" ] && kill "$(cat "$XENKVM_RUNDIR/xenstored.pid")" 2>/dev/null
    fi
    [ -n "$xpid" ] && kill "$xpid" 2>/dev/null && wait "$xpid" 2>/dev/null
    sleep 0.2
    cp "$tmp"/*.log "$logs/" 2>/dev/null
    release_domains
    rm -rf "$tmp"
}
trap cleanup EXIT
check() { # name status why
    if [ "$2" = 0 ]; then pass "$1"; else fail "$1" "$3"; fi
}
mkdir -p "$logs"

# --- part 1: a private daemon with --db-file and the VMM directly ----------
export XENSTORED_PATH=$tmp/socket
db=$tmp/xs.tdb
xsd_start() { # [extra xenstored options]
    "$xsd" -V -s "$XENSTORED_PATH" --vmm-socket "$tmp/vmm" --db-file "$db" --rundir "$tmp" "$@" \
        2>> "$tmp/xenstored-restart-daemon.log" &
    xpid=$!
    wait_for 5 test -S "$XENSTORED_PATH" -a -S "$tmp/vmm" && wait_for 5 xenstore-read /tool
}
xsd_kill() { kill -9 "$xpid"; wait "$xpid" 2>/dev/null; xpid=; }
node() { xenstore-read "/local/domain/$1/$2" 2>&1; }
# Domains 5-9 exist before their nodes are written, as under libxl.
hold_domains "$tmp" 5 9
# What libxl writes for a new domain (as tests/cli/pvcontrol_guest.sh).
make_domain() {
    local d=/local/domain/$1 n
    xenstore-write "$d/name" "$2" "$d/control/shutdown" "" "$d/control/sysrq" "" \
        "$d/control/feature-poweroff" "" "$d/control/feature-reboot" "" \
        "$d/memory/static-max" 65536 "$d/memory/target" 65536 "$d/data" ""
    xenstore-chmod -r "$d" n0 "r$1"
    for n in control/shutdown control/sysrq control/feature-poweroff control/feature-reboot data; do
        xenstore-chmod "$d/$n" "n$1"
    done
}
glog() { cat "$tmp/xenstored-restart-dom$1.log" 2>/dev/null; }
has_line() { glog "$1" | grep -qF -- "$2"; }

xsd_start
check daemon_with_db_file $? "xenstored --db-file did not start"
make_domain 7 keeper
xenstore-write /tool/extra/a 1 /tool/extra/b two
xenstore-chmod /tool/extra/b n0 r7 w3
"$vmm" --domid 7 --xenstored "$tmp/vmm" --kernel "$elf" > "$tmp/xenstored-restart-dom7.log" 2>&1 &
vmpid=$!
wait_for 20 has_line 7 "pvcontrol: watching control/shutdown"
check guest_up $? "$(glog 7 | tail -3)"
xenstore-write /local/domain/7/control/sysrq a
wait_for 10 has_line 7 "pvcontrol: sysrq a"
check sysrq_before_kill $? "$(glog 7 | tail -3)"
wait_for 10 test -z "$(node 7 control/sysrq)"
before=$(xenstore-ls -p /)

xsd_kill
# While no daemon runs, the VMM's attach socket has hung up: it waits.
sleep 0.3
kill -0 "$vmpid" 2>/dev/null
check vmm_survives_xenstored_death $? "the VMM exited"
xsd_start
check daemon_restarts_on_file $? "no restart"
after=$(xenstore-ls -p /)
[ "$before" = "$after" ]
check nodes_and_permissions_back $? "$(diff <(echo "$before") <(echo "$after") | head -5)"
[ "$(xenstore-read /tool/extra/b)" = two ] && xenstore-ls -p /tool/extra | grep -q "b = \"two\".*(n0,r7,w3)"
check permissions_of_node $? "$(xenstore-ls -p /tool/extra)"
wait_for 10 grep -q "domain 7: VMM attached again" "$tmp/xenstored-restart-daemon.log"
check vmm_reattached $? "$(tail -3 "$tmp/xenstored-restart-daemon.log")"
# The guest's watches came back with the domain: a new request reaches it,
# and it answers through its ring (a transaction: read, write back "").
xenstore-write /local/domain/7/control/sysrq b
wait_for 10 has_line 7 "pvcontrol: sysrq b"
check guest_watch_fires_after_restart $? "$(glog 7 | tail -3)"
wait_for 10 test -z "$(node 7 control/sysrq)"
check guest_writes_through_ring $? "control/sysrq is '$(node 7 control/sysrq)'"
xenstore-write /local/domain/7/memory/target 40960
wait_for 10 has_line 7 "pvcontrol: balloon target 40960 KiB"
check guest_second_watch_after_restart $? "$(glog 7 | tail -3)"

# Twice more, with a request in flight: the guest is asked, then the
# daemon dies at once; the next one serves what the ring holds.
for k in c d; do
    xenstore-write /local/domain/7/control/sysrq $k
    xsd_kill
    xsd_start
    wait_for 10 has_line 7 "pvcontrol: sysrq $k"
    check "guest_served_across_kill_$k" $? "$(glog 7 | tail -3)"
done
wait_for 10 test -z "$(node 7 control/sysrq)"
check ring_consistent_after_kills $? "control/sysrq is '$(node 7 control/sysrq)'"

# Live update on the file (tests/xenstored/xs_lu: twice, under load, its
# own fake domain 5), then a kill: our domain and the file are still right.
XENSTORED_VMM_PATH=$tmp/vmm XENSTORED_BIN=$(cd "$(dirname "$xsd")" && pwd)/$(basename "$xsd") \
    "$BUILDDIR/tests/xenstored/xs_lu" > "$tmp/xenstored-restart-lu.log" 2>&1
check live_update_on_file $? "$(grep -v '^PASS' "$tmp/xenstored-restart-lu.log" | head -3)"
xenstore-write /local/domain/7/control/sysrq e
wait_for 10 has_line 7 "pvcontrol: sysrq e"
check guest_after_live_update $? "$(glog 7 | tail -3)"
xsd_kill
xsd_start
xenstore-write /local/domain/7/control/sysrq f
wait_for 10 has_line 7 "pvcontrol: sysrq f"
check guest_after_live_update_and_kill $? "$(glog 7 | tail -3)"

# A live update while the domain waits for its VMM after a restart (the
# VMM stopped): the new binary takes the waiting domain from the file, and
# the VMM, let go, gets its watches back there.
ctl=$BUILDDIR/tests/xenstored/xs_control_tool
n=$(grep -c "domain 7: VMM attached again" "$tmp/xenstored-restart-daemon.log")
kill -STOP "$vmpid"
xsd_kill
xsd_start
"$ctl" live-update -f "$(cd "$(dirname "$xsd")" && pwd)/$(basename "$xsd")" -- live-update -s \
    > "$tmp/lu.out" 2>&1
check live_update_while_domain_waits $? "$(cat "$tmp/lu.out")"
kill -CONT "$vmpid"
xenstore-write /local/domain/7/control/sysrq g
wait_for 10 has_line 7 "pvcontrol: sysrq g"
check guest_watches_across_waiting_live_update $? "$(glog 7 | tail -3)"
[ "$(grep -c "domain 7: VMM attached again" "$tmp/xenstored-restart-daemon.log")" = $((n + 1)) ]
check reattached_after_live_update $? "$(tail -5 "$tmp/xenstored-restart-daemon.log")"

# The guest ends: its domain leaves the file too.
xenstore-write /local/domain/7/control/shutdown poweroff
for _ in $(seq 200); do kill -0 "$vmpid" 2>/dev/null || break; sleep 0.05; done
kill -0 "$vmpid" 2>/dev/null && kill -9 "$vmpid"
wait "$vmpid"; st=$?; vmpid=
check guest_poweroff_after_restarts "$([ $st = 0 ]; echo $?)" "exit status $st"
wait_for 5 grep -q "domain 7: VMM gone" "$tmp/xenstored-restart-daemon.log"
xsd_kill
xsd_start --reattach-timeout 1
sleep 1.5
! grep -q "domain 7: no VMM attached again" "$tmp/xenstored-restart-daemon.log"
check released_domain_not_restored $? "domain 7 came back after its VMM ended"

# A domain whose VMM dies while no daemon runs is released after
# --reattach-timeout (and @releaseDomain fires).
make_domain 8 ghost
"$vmm" --domid 8 --xenstored "$tmp/vmm" --kernel "$elf" > "$tmp/xenstored-restart-dom8.log" 2>&1 &
vm2=$!
wait_for 20 has_line 8 "pvcontrol: watching control/shutdown"
xsd_kill
kill -9 "$vm2"; wait "$vm2" 2>/dev/null; vm2=
xsd_start --reattach-timeout 1
xenstore-watch -n 2 @releaseDomain > "$tmp/watch.out" 2>&1 &
wpid=$!
wait_for 10 grep -q "domain 8: no VMM attached again within 1 s" "$tmp/xenstored-restart-daemon.log"
check dead_vmm_released_after_timeout $? "$(tail -3 "$tmp/xenstored-restart-daemon.log")"
wait_for 5 sh -c "! kill -0 $wpid 2>/dev/null"
[ "$(grep -c @releaseDomain "$tmp/watch.out")" = 2 ]
check release_domain_fires "$?" "$(cat "$tmp/watch.out")"
kill "$wpid" 2>/dev/null
# A VMM stopped while no daemon runs (its re-attach thread waiting) ends
# as asked.
make_domain 9 lonely
"$vmm" --domid 9 --xenstored "$tmp/vmm" --kernel "$elf" > "$tmp/xenstored-restart-dom9.log" 2>&1 &
vm2=$!
wait_for 20 has_line 9 "pvcontrol: watching control/shutdown"
xsd_kill
wait_for 5 has_line 9 "xenstored went away"
kill -TERM "$vm2"
for _ in $(seq 200); do kill -0 "$vm2" 2>/dev/null || break; sleep 0.05; done
hung=
if kill -0 "$vm2" 2>/dev/null; then hung=" (hung: killed)"; kill -9 "$vm2"; fi
wait "$vm2"; st=$?$hung; vm2=
check vmm_stops_while_xenstored_away "$([ "$st" = 22 ]; echo $?)" "status $st, want 22"
xsd_start
# A second daemon on the same file is refused.
"$xsd" -s "$tmp/socket2" --vmm-socket "$tmp/vmm2" --db-file "$db" > "$tmp/second.out" 2>&1
st=$?
[ $st != 0 ] && grep -q "another xenstored uses it" "$tmp/second.out"
check second_daemon_refused $? "status $st: $(cat "$tmp/second.out")"
xsd_kill
unset XENSTORED_PATH

# --- part 2: xl, which starts xenstored again itself -----------------------
export XENKVM_RUNDIR=$tmp/run XENKVM_LOGDIR=$tmp/xllog XENSTORED_PATH=$tmp/xs/socket
mkcfg() {
    { echo "name = \"$1\""; echo 'type = "pvh"'; echo "kernel = \"$elf\""; echo 'memory = 32'
      echo 'on_poweroff = "destroy"'; } > "$tmp/$1.cfg"
}
conslog() { cat "$XENKVM_LOGDIR/console/guest-$1.log" 2>/dev/null; }
in_console() { conslog "$1" | grep -qF -- "$2"; }
listed() { "$xl" list | awk -v n="$1" '$1 == n { f = 1 } END { exit !f }'; }
xl_xsd_kill() { kill -9 "$(cat "$XENKVM_RUNDIR/xenstored.pid")"; sleep 0.2; }
mkcfg survivor
mkcfg other
"$xl" create "$tmp/survivor.cfg" > "$tmp/create.out" 2>&1
check xl_create $? "$(cat "$tmp/create.out")"
wait_for 20 in_console survivor "pvcontrol: watching control/shutdown"
check xl_guest_up $? "$(conslog survivor | tail -3)"
id=$("$xl" domid survivor)
xl_xsd_kill
listed survivor
check xl_list_after_kill $? "$("$xl" list 2>&1)"
[ "$("$xl" domid survivor 2>&1)" = "$id" ]
check xl_domid_after_kill $? "$("$xl" domid survivor 2>&1)"
out=$("$xl" create "$tmp/survivor.cfg" 2>&1)
st=$?
[ $st != 0 ] && [ "$(xenstore-list /local/domain | grep -cvx 0)" = 1 ]
check xl_name_not_reused "$?" "status $st: $out; domains $(xenstore-list /local/domain | tr '\n' ' ')"
"$xl" sysrq survivor s
wait_for 10 in_console survivor "pvcontrol: sysrq s"
check xl_guest_works_after_kill $? "$(conslog survivor | tail -3)"

# shutdown -w on a paused domain waits; xenstored dies meanwhile: the wait
# goes on (never "destroyed"), and ends when the unpaused guest shuts down.
"$xl" pause survivor
"$xl" shutdown -w survivor > "$tmp/shutdown.out" 2>&1 &
spid=$!
sleep 0.5
xl_xsd_kill
sleep 1
# An xl command starts the daemon again (shutdown -w does as well).
"$xl" list > /dev/null 2>&1
sleep 0.5
kill -0 "$spid" 2>/dev/null && ! grep -q destroyed "$tmp/shutdown.out"
check xl_shutdown_wait_survives_kill $? "$(cat "$tmp/shutdown.out")"
"$xl" unpause survivor
for _ in $(seq 200); do kill -0 "$spid" 2>/dev/null || break; sleep 0.05; done
kill -0 "$spid" 2>/dev/null && kill -9 "$spid"
wait "$spid"; st=$?
[ $st = 0 ] && in_console survivor "pvcontrol: shutdown poweroff"
check xl_shutdown_completes "$?" "status $st: $(cat "$tmp/shutdown.out"); $(conslog survivor | tail -2)"
wait_for 10 sh -c "! \"$xl\" list | grep -q '^survivor '"
check xl_domain_gone_after_shutdown $? "$("$xl" list)"
! xenstore-read /local/domain/"$id"/name > /dev/null 2>&1
check xl_nodes_removed_after_restart $? "$(xenstore-ls /local/domain/"$id" 2>&1 | head -3)"

# destroy after a kill, and the name is free again afterwards.
"$xl" create "$tmp/other.cfg" > "$tmp/create2.out" 2>&1
wait_for 20 in_console other "pvcontrol: watching control/shutdown"
xl_xsd_kill
"$xl" destroy other > "$tmp/destroy.out" 2>&1
check xl_destroy_after_kill $? "$(cat "$tmp/destroy.out")"
wait_for 10 sh -c "! \"$xl\" list | grep -q '^other '"
check xl_destroyed_not_listed $? "$("$xl" list)"
"$xl" create "$tmp/other.cfg" > "$tmp/create3.out" 2>&1
check xl_name_free_after_destroy $? "$(cat "$tmp/create3.out")"
"$xl" destroy other > /dev/null 2>&1
