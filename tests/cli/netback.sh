#!/bin/bash
# vifs end to end (docs/netback.md): in a network namespace of its own (a
# bridge xkbr0, MTU 9000, IPv6 off so nothing else talks on it) and a
# private xl world, netfront64.elf is created by `xl create` with two
# vif= lines.  tests/netback/nb_peer answers its frames on the bridge;
# the guest's cases (one slot, scatter-gather, GSO and checksum offload
# both ways, two queues with split event channels, a bad request that
# disables only its own vif, a frontend reset and reconnect) count here.
# Then xl's side: network-list, network-attach (vif-bridge and vif-route,
# a missing bridge), network-detach with the guest closing its frontend,
# and everything gone with the domain.  Needs root, /dev/net/tun and
# iproute2; says SKIP otherwise.
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm netback

in_netns netback xknb "$0"

# ---- inside the namespace ----
xl_private netback
peer_pid=
cleanup() {
    [ -n "$peer_pid" ] && kill "$peer_pid" 2>/dev/null
    xl_teardown
}
trap cleanup EXIT
check() { if [ "$2" = 0 ]; then pass "$1"; else fail "$1" "$3"; fi; }

ip link set lo up
sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip link add xkbr0 mtu 9000 type bridge && ip link set xkbr0 up
"$BUILDDIR/tests/netback/nb_peer" xkbr0 300 > "$tmp/peer.log" 2>&1 &
peer_pid=$!
wait_for 5 grep -q listening "$tmp/peer.log"

xl_cfg nf "$guests/netfront64.elf" \
    'vif = [ "bridge=xkbr0,mac=00:16:3e:00:00:11", "bridge=xkbr0,mac=00:16:3e:00:00:12" ]'
out=$("$xl" create "$tmp/nf.cfg" 2>&1)
check xl_create_with_vifs $? "$out"
glog=$tmp/log/xl-nf.log
nblog=$tmp/log/netback-nf.log
domid=$("$xl" domid nf 2>/dev/null)
pid=$(cat "$XENKVM_RUNDIR/dom$domid.vif.pid" 2>/dev/null)
[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
check netback_running $? "no dom$domid.vif.pid: $(cat "$nblog" 2>/dev/null)"
# It holds nothing of xl's, above all not the domain's lock.
! ls -l "/proc/$pid/fd" 2>/dev/null | grep -q "\.lock"
check netback_holds_no_lock $? "$(ls -l "/proc/$pid/fd" 2>&1)"

# The taps, named as Xen names vifs, on the bridge with its MTU.
for d in 0 1; do
    ip -o link show "vif$domid.$d" 2>/dev/null | grep -q "master xkbr0"
    check "tap_vif${d}_on_bridge" $? "$(ip -o link show 2>&1)"
done
ip -o link show "vif$domid.0" | grep -q "mtu 9000"
check tap_takes_bridge_mtu $? "$(ip -o link show "vif$domid.0")"

wait_for 120 grep -q "waiting for detach\|RESULT" "$glog"
grep -q "^PASS: netfront_bad_request" "$glog" || fail netfront64_reached_the_bad_request "$(tail -5 "$glog")"

# xen-netback's fatal error for vif 0 only, logged; netback still serves.
grep -q "vif$domid.0 queue 0: cross page boundary.*fatal error, disabling the vif" "$nblog"
check fatal_tx_error_logged $? "$(cat "$nblog")"
kill -0 "$pid" 2>/dev/null
check netback_survives_bad_frontend $? ""
grep -q "PEER: tcp: gso len 20000 type 1 size 1448" "$tmp/peer.log"
check peer_saw_gso_frame $? "$(cat "$tmp/peer.log")"
grep -q "PEER-BAD" "$tmp/peer.log" && fail peer_frames_intact "$(grep PEER-BAD "$tmp/peer.log")" \
    || pass peer_frames_intact

# network-list: xl's columns, the frontend's state and rings.
out=$("$xl" network-list nf)
hdr=$(printf '%-3s %-2s %-17s %-6s %-5s %-6s %5s/%-5s %-30s' Idx BE "Mac Addr." handle state \
      evt-ch tx- rx-ring-ref BE-path)
[ "$(echo "$out" | head -1)" = "$hdr" ]
check network_list_header $? "$out"
echo "$out" | grep -Eq "^0   0  00:16:3e:00:00:11     0     4 +[0-9]+ +[0-9]+/[0-9]+ +/local/domain/0/backend/vif/$domid/0"
check network_list_row $? "$out"
# vif 1 has two queues: its rings and channels are under queue-N/, where
# libxl's nicinfo does not look (-1, as xl shows them).
echo "$out" | grep -Eq "^1   0  00:16:3e:00:00:12     1     4     -1    -1/-1 +/local/domain/0/backend/vif/$domid/1"
check network_list_multi_queue_row $? "$out"

# network-attach to the running domain: vif-bridge, then vif-route.
out=$("$xl" network-attach nf bridge=xkbr0 mac=00:16:3e:00:00:13 2>&1)
check network_attach $? "$out"
ip -o link show "vif$domid.2" 2>/dev/null | grep -q "master xkbr0"
check attached_tap_on_bridge $? "$(ip -o link show 2>&1; cat "$nblog")"
[ "$(xenstore-read "/local/domain/0/backend/vif/$domid/2/state" 2>/dev/null)" = 2 ]
check attached_backend_initwait $? "$(xenstore-ls "/local/domain/0/backend/vif/$domid" 2>&1)"
out=$("$xl" network-attach nf script=vif-route ip=10.9.0.5 vifname=xkroute 2>&1)
check network_attach_vif_route $? "$out"
ip route show 10.9.0.5 2>/dev/null | grep -q "dev xkroute"
check vif_route_host_route $? "$(ip route 2>&1)"
# A script of the user's own runs as Xen runs hotplug scripts.
cat > "$tmp/my-hotplug" <<EOS
#!/bin/sh
echo "\$1 \$XENBUS_PATH \$XENBUS_TYPE \$vif" >> "$tmp/hotplug.out"
[ "\$1" = online ] && ip link set "\$vif" up
exit 0
EOS
chmod +x "$tmp/my-hotplug"
out=$("$xl" network-attach nf script="$tmp/my-hotplug" vifname=xkscript 2>&1)
check network_attach_own_script $? "$out"
grep -qx "online /local/domain/0/backend/vif/$domid/4 vif xkscript" "$tmp/hotplug.out" 2>/dev/null
check own_script_online_env $? "$(cat "$tmp/hotplug.out" 2>&1)"
out=$("$xl" network-attach nf bridge=nosuchbr 2>&1)
st=$?
[ "$st" = 1 ] && echo "$out" | grep -q "could not find bridge device"
check network_attach_missing_bridge_fails $? "status $st: $out"
[ "$("$xl" network-list nf | wc -l)" = 6 ]
check failed_attach_leaves_no_device $? "$("$xl" network-list nf)"

# Detaching a vif whose frontend never came: the backend goes Closing and
# nobody closes the frontend, so xl removes it after libxl's 10 s, saying
# so; the script then runs offline.
out=$("$xl" network-detach nf 4 2>&1)
st=$?
[ $st = 0 ] && echo "$out" | grep -q "did not close in time: removed anyway"
check network_detach_unconnected $? "status $st: $out"
wait_for 10 grep -qx "offline /local/domain/0/backend/vif/$domid/4 vif xkscript" "$tmp/hotplug.out"
check own_script_offline $? "$(cat "$tmp/hotplug.out" 2>&1)"

# network-detach: the guest closes vif 1, the nodes and the tap go.
out=$("$xl" network-detach nf 7 2>&1)
[ $? = 1 ] && [ "$out" = "Unknown device 7." ]
check detach_unknown_device $? "$out"
out=$("$xl" network-detach nf 1 2>&1)
check network_detach $? "$out"
[ -z "$out" ]
check detach_in_time $? "$out"
! xenstore-read "/local/domain/0/backend/vif/$domid/1/state" >/dev/null 2>&1
check detach_removed_nodes $? ""
wait_for 5 bash -c "! ip link show vif$domid.1"
check detach_removed_tap $? "$(ip -o link show 2>&1)"

# The guest ends (poweroff: destroyed); its vifs and netback go with it.
wait_for 60 grep -q "^RESULT" "$glog"
sed -n 's/^\(PASS\|FAIL\|SKIP\): /\1: netfront64: /p' "$glog"
grep -q "^RESULT: .* 0 failed" "$glog"
check netfront64_result $? "$(grep RESULT "$glog")"
wait_for 20 bash -c "! '$xl' list nf"
check domain_gone $? ""
wait_for 10 bash -c "! kill -0 $pid"
check netback_exits_with_domain $? "$(tail -3 "$nblog")"
[ ! -e "$XENKVM_RUNDIR/dom$domid.vif.pid" ]
check netback_pid_file_removed $? ""
n=$(ip -o link show | grep -c "vif$domid\.\|xkroute")
[ "$n" = 0 ]
check taps_gone $? "$(ip -o link show)"
! ip route show 10.9.0.5 | grep -q .
check vif_route_route_gone $? "$(ip route)"

# A vif whose bridge is missing fails the create (libxl: hotplug failed),
# and nothing of the domain is left.
xl_cfg nobr "$guests/pvcontrol64.elf" 'vif = [ "bridge=nosuchbr" ]'
out=$("$xl" create "$tmp/nobr.cfg" 2>&1)
st=$?
[ "$st" != 0 ] && echo "$out" | grep -q "hotplug failed: could not find bridge device"
check create_with_missing_bridge_fails $? "status $st: $out"
! listed nobr && ! ip link show | grep -q "vif[0-9]*\.0"
check failed_create_leaves_nothing $? "$("$xl" list; ip -o link show)"

# network-attach to a domain created without vifs starts its netback; xl
# destroy then takes the vif (its frontend never connected: InitWait), the
# tap and the netback away.
xl_cfg idle "$guests/pvcontrol64.elf"
out=$("$xl" create "$tmp/idle.cfg" 2>&1)
check create_idle_without_vif $? "$out"
d=$("$xl" domid idle 2>/dev/null)
[ ! -e "$XENKVM_RUNDIR/dom$d.vif.pid" ]
check no_netback_without_vifs $? ""
out=$("$xl" network-attach idle bridge=xkbr0 vifname=xkidle 2>&1)
check network_attach_starts_netback $? "$out"
ipid=$(cat "$XENKVM_RUNDIR/dom$d.vif.pid" 2>/dev/null)
ip -o link show xkidle 2>/dev/null | grep -q "master xkbr0" \
    && [ "$(xenstore-read "/local/domain/0/backend/vif/$d/0/state" 2>/dev/null)" = 2 ]
check vifname_tap_waits_in_initwait $? "$(ip -o link show; xenstore-ls /local/domain/0/backend/vif 2>&1)"
# xenstored killed under it: xl starts it again (with the store it kept)
# and netback, reconnected, serves the next vif.
kill "$(cat "$XENKVM_RUNDIR/xenstored.pid")"
wait_for 5 bash -c "! kill -0 $(cat "$XENKVM_RUNDIR/xenstored.pid")"
out=$("$xl" network-attach idle bridge=xkbr0 vifname=xkafter 2>&1)
check attach_after_xenstored_restart $? "$out"
ip -o link show xkafter 2>/dev/null | grep -q "master xkbr0" \
    && [ "$(xenstore-read "/local/domain/0/backend/vif/$d/1/state" 2>/dev/null)" = 2 ]
check netback_reconnected_to_xenstored $? "$(cat "$tmp/log/netback-idle.log")"
"$xl" destroy idle
wait_for 10 bash -c "! ip link show xkidle && ! ip link show xkafter && ! kill -0 ${ipid:-0}"
check destroy_removes_tap_and_netback $? "$(ip -o link show; cat "$tmp/log/netback-idle.log")"

# A rebooted domain (on_reboot=restart: a new domid) gets its vifs and a
# netback of its own; the old domain's taps and netback are gone.
xl_cfg rb "$guests/pvcontrol64.elf" 'vif = [ "bridge=xkbr0" ]'
"$xl" create "$tmp/rb.cfg" >/dev/null 2>&1
d1=$("$xl" domid rb 2>/dev/null)
wait_for 30 grep -q "pvcontrol: up" "$tmp/log/console/guest-rb.log"
"$xl" reboot rb >/dev/null 2>&1
wait_for 30 bash -c "d=\$('$xl' domid rb 2>/dev/null) && [ \"\$d\" != '$d1' ]"
d2=$("$xl" domid rb 2>/dev/null)
wait_for 10 bash -c "ip link show vif$d2.0 && ! ip link show vif$d1.0 && [ ! -e '$XENKVM_RUNDIR/dom$d1.vif.pid' ] && [ -e '$XENKVM_RUNDIR/dom$d2.vif.pid' ]"
check reboot_gets_new_vifs_and_netback $? "domid $d1 -> $d2: $(ip -o link show; ls "$XENKVM_RUNDIR")"
"$xl" destroy rb
wait_for 10 bash -c "! ip link show vif$d2.0"
check reboot_destroy_removes_tap $? "$(ip -o link show)"

# Every log of this world (netbacks, monitors and VMMs) free of sanitizer
# reports (CI builds with ASan + UBSan).
if grep -lE "AddressSanitizer|runtime error|LeakSanitizer" "$tmp"/log/*.log >/dev/null 2>&1; then
    fail sanitizers_clean "$(grep -hE 'AddressSanitizer|runtime error|LeakSanitizer' "$tmp"/log/*.log | head -3)"
else
    pass sanitizers_clean
fi
