#!/bin/bash
# Save, restore and migrate of a domain with network interfaces
# (docs/migration.md, "Domains with disks and networks"): in a network
# namespace of its own with a bridge and tests/netback/nb_peer on it (as
# tests/cli/netback.sh), netfront64.elf in `saverestore' mode exchanges
# frames with the peer on vif 0, round after round.  It is saved
# transparently (netback lets go of its rings; the file carries the
# frontend's nodes), restored (a new netback attaches to the same rings
# and channels, the frontend stays Connected), checkpointed with save -c,
# and migrated to localhost; frames must flow before and after each time
# and the guest must end with PASS.  Needs root, /dev/net/tun and
# iproute2; says SKIP otherwise.
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm xl_save_vif

in_netns xl_save_vif xksv "$0"

# ---- inside the namespace ----
vif_fixture svif
node_is() { [ "$(xenstore-read "$1" 2>/dev/null)" = "$2" ]; }
# finish NAME LOGNAME TAG: the guest ends; PASS TAG when it says PASS.
finish() {
    local id
    id=$("$xl" domid "$1" 2>/dev/null)
    # Rounds reported since the log was emptied: I/O went on after the
    # save, restore or migration (what the guest reads back or receives
    # then is checked by the guest).
    wait_for 60 in_log "$2" "netfront-sr: round"
    check "${3}_io_after" $? "$(log "$2" | tail -3)"
    xenstore-write "/local/domain/$id/data/finish" done
    if wait_for 90 in_log "$2" "echoed, PASS"; then pass "$3"
    else fail "$3" "$(log "$2" | grep -E 'netfront' | tail -5)"; fi
    wait_for 20 gone "$1" || "$xl" destroy "$1" >/dev/null 2>&1
}

ip link set lo up
sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip link add xkbr0 mtu 9000 type bridge && ip link set xkbr0 up
"$BUILDDIR/tests/netback/nb_peer" xkbr0 600 > "$tmp/peer.log" 2>&1 &
peer_pid=$!
wait_for 5 grep -q listening "$tmp/peer.log"

xl_cfg sv "$guests/netfront64.elf" 'cmdline = "saverestore"' 'on_poweroff = "destroy"' \
    'vif = [ "bridge=xkbr0,mac=00:16:3e:00:00:21", "bridge=xkbr0,mac=00:16:3e:00:00:22" ]'

# --- transparent save and restore -------------------------------------------
"$xl" create "$tmp/sv.cfg" >/dev/null 2>&1
wait_for 60 in_log sv "netfront-sr: ready"; check vif_guest_ready $? "$(log sv | tail -3)"
out=$("$xl" save sv "$tmp/sv.img" 2>&1)
check vif_save $? "$out"
wait_for 10 gone sv; check vif_saved_domain_gone $? "$("$xl" list)"
: > "$tmp/log/xl-sv.log"
out=$("$xl" restore "$tmp/sv.img" 2>&1)
check vif_restore $? "$out"
d=$("$xl" domid sv 2>/dev/null)
[ "$(xenstore-read "/local/domain/$d/device/vif/0/state" 2>/dev/null)" = 4 ]
check vif_frontend_still_connected $? "$(xenstore-read "/local/domain/$d/device/vif/0/state" 2>&1)"
wait_for 30 node_is "/local/domain/0/backend/vif/$d/0/state" 4
check vif_backend_reconnected $? "$(xenstore-ls "/local/domain/0/backend/vif/$d/0" 2>&1 | head -3)"
ip -o link show "vif$d.0" 2>/dev/null | grep -q "master xkbr0"
check vif_restored_tap_on_bridge $? "$(ip -o link show 2>&1)"
finish sv sv vif_restored_guest_frames_flow

# --- save -c: the original goes on --------------------------------------------
: > "$tmp/log/xl-sv.log"
"$xl" create "$tmp/sv.cfg" >/dev/null 2>&1
wait_for 60 in_log sv "netfront-sr: ready"
out=$("$xl" save -c sv "$tmp/cp.img" 2>&1)
check vif_checkpoint $? "$out"
: > "$tmp/log/xl-sv.log"
finish sv sv vif_original_after_checkpoint_frames_flow

# --- migrate to localhost -----------------------------------------------------
: > "$tmp/log/xl-sv.log"
"$xl" create "$tmp/sv.cfg" >/dev/null 2>&1
wait_for 60 in_log sv "netfront-sr: ready"
out=$("$xl" migrate -s '' sv "$xl migrate-receive" 2>&1)
{ [ $? = 0 ] && grep -qF "Migration successful." <<<"$out"; }
check vif_migrate $? "$out"
d=$("$xl" domid sv 2>/dev/null)
wait_for 30 node_is "/local/domain/0/backend/vif/$d/0/state" 4
check vif_migrated_backend_connected $? "$(xenstore-ls "/local/domain/0/backend/vif/$d" 2>&1 | head -3)"
finish sv sv--incoming vif_migrated_guest_frames_flow

# --- xl reboot keeps a vif network-attach added (as libxl keeps it) ----------
xl_cfg rb "$guests/pvcontrol64.elf" 'vif = [ "bridge=xkbr0,mac=00:16:3e:00:00:31" ]'
"$xl" create "$tmp/rb.cfg" >/dev/null 2>&1
wait_for 60 in_log rb "pvcontrol: up"
r1=$("$xl" domid rb 2>/dev/null)
out=$("$xl" network-attach rb bridge=xkbr0 mac=00:16:3e:00:00:32 ip=10.7.0.9 2>&1)
check network_attach_before_reboot $? "$out"
"$xl" reboot rb >/dev/null 2>&1
wait_for 60 bash -c "g=\$('$xl' domid rb 2>/dev/null) && [ -n \"\$g\" ] && [ \"\$g\" != '$r1' ]"
r2=$("$xl" domid rb 2>/dev/null)
# The new domid shows before its devices are written: wait for them.
{ [ -n "$r2" ] && [ "$r2" != "$r1" ] &&
  wait_for 60 node_is "/local/domain/0/backend/vif/$r2/1/hotplug-status" connected &&
  node_is "/local/domain/0/backend/vif/$r2/0/mac" 00:16:3e:00:00:31 &&
  node_is "/local/domain/0/backend/vif/$r2/1/mac" 00:16:3e:00:00:32 &&
  node_is "/local/domain/0/backend/vif/$r2/1/ip" 10.7.0.9 &&
  node_is "/local/domain/0/backend/vif/$r2/1/bridge" xkbr0 &&
  wait_for 30 bash -c "ip -o link show vif$r2.1 2>/dev/null | grep -q 'master xkbr0'"; }
check reboot_keeps_attached_vif "$?" "domids $r1 -> $r2: $(xenstore-ls "/local/domain/0/backend/vif/$r2" 2>&1 | grep -E '^ *[0-9]|mac|ip ' | head)"
"$xl" destroy rb >/dev/null 2>&1

# --- ip= anti-spoofing (vif-common.sh's rules, with nftables) ---------------
if command -v nft >/dev/null; then
    xl_cfg sp "$guests/netfront64.elf" 'cmdline = "spoof"' 'on_poweroff = "destroy"' \
        'vif = [ "bridge=xkbr0,mac=00:16:3e:00:00:41,ip=10.7.0.9", "bridge=xkbr0,mac=00:16:3e:00:00:42" ]'
    "$xl" create "$tmp/sp.cfg" >/dev/null 2>&1
    s1=$("$xl" domid sp 2>/dev/null)
    wait_for 60 in_log sp "netfront-spoof: sent 8 frames"
    check spoof_guest_sent $? "$(log sp | tail -3)"
    rules=$(nft list table netdev "xenkvm_vif${s1}_0" 2>&1)
    # counter packets N of the accept (listed source) and drop rules.
    acc=$(sed -n 's/.*ip saddr 10\.7\.0\.9 counter packets \([0-9]*\).*/\1/p' <<<"$rules")
    drp=$(sed -n 's/.*meta protocol ip counter packets \([0-9]*\) .*drop.*/\1/p' <<<"$rules")
    [ "$acc" = 4 ] && [ "$drp" = 4 ]
    check spoof_listed_source_passes_forged_dropped $? "accepted '$acc' dropped '$drp': $rules"
    ! nft list table netdev "xenkvm_vif${s1}_1" >/dev/null 2>&1
    check spoof_no_filter_without_ip $? "$(nft list ruleset 2>&1 | head)"
    xenstore-write "/local/domain/$s1/data/finish" done
    wait_for 30 gone sp || "$xl" destroy sp >/dev/null 2>&1
    wait_for 10 bash -c "! nft list table netdev xenkvm_vif${s1}_0 >/dev/null 2>&1"
    check spoof_filter_removed_with_vif $? "$(nft list ruleset 2>&1 | head)"
else
    echo "SKIP: spoof_listed_source_passes_forged_dropped: no nft (nftables) on this host"
fi
