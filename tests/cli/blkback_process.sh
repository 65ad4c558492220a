#!/bin/bash
# xenkvm-blkback as a process: against a paused domain's VMM and a private
# xenstored it publishes a device the toolstack wrote (InitWait, features),
# fails one whose backing it cannot open (Closing, error node) and keeps
# serving, drops a removed device, publishes a resize on SIGHUP, writes
# and removes its pid file, exits 0 when the VMM goes and on SIGTERM, and
# refuses bad command lines.  (The ring side is tests/unit/test_blkback;
# a guest frontend is the freestanding blkfront guest's.)
set -u
. "$SRCDIR/tests/cli/common.inc"
blkback=$BUILDDIR/blkback/xenkvm-blkback
need_kvm blkback_process
tmp=$(mktemp -d /tmp/xenkvm-blkback.XXXXXX)
xsd_pid=
trap 'kill $(jobs -p) 2>/dev/null; [ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
run=$tmp/run
mkdir -p "$run"

if ! start_xenstored "$tmp"; then
    fail xenstored_start "$(cat "$tmp/daemon.log")"
    exit 1
fi
xsr() { xenstore-read "$1" 2>/dev/null; }
is() { [ "$(xsr "$1")" = "$2" ]; }
check() { # name cmd...
    local n=$1; shift
    if "$@"; then pass "$n"; else fail "$n" "$*"; fi
}

# the usage errors first
"$blkback" --rundir "$run" > /dev/null 2>&1
check usage_without_domid test $? -eq 2
"$blkback" --domid 0 --rundir "$run" > /dev/null 2>&1
check usage_domid_0 test $? -eq 2
"$blkback" --domid 4 --rundir "$run" > "$tmp/novmm.log" 2>&1
check no_vmm_exits_1 test $? -eq 1
check no_vmm_says_why grep -q "cannot reach its VMM" "$tmp/novmm.log"

start_vmm() { # domid
    "$vmm" --rundir "$run" --domid "$1" --paused --kernel "$guests/demo64.elf" \
        > "$tmp/vmm$1.log" 2>&1 &
    vmm_pid=$!
    wait_for 10 test -S "$run/dom$1.sock"
}
toolstack() { # domid devid params
    local be=/local/domain/0/backend/vbd/$1/$2 fe=/local/domain/$1/device/vbd/$2
    xenstore-write "$be/frontend" "$fe" "$be/frontend-id" "$1" "$be/online" 1 \
        "$be/state" 1 "$be/params" "$3" "$be/mode" w "$be/type" phy \
        "$be/device-type" disk "$be/removable" 0 "$be/discard-enable" 1 \
        "$fe/backend" "$be" "$fe/backend-id" 0 "$fe/state" 1 "$fe/virtual-device" "$2"
}

truncate -s 8M "$tmp/disk.img"
if ! start_vmm 4; then
    fail vmm_start "$(tail -3 "$tmp/vmm4.log")"
    exit 1
fi
toolstack 4 51712 "$tmp/disk.img"
"$blkback" --domid 4 --rundir "$run" --log "$tmp/blkback.log" -v &
bb=$!
be=/local/domain/0/backend/vbd/4/51712
check initwait wait_for 10 is "$be/state" 2
check pidfile wait_for 5 grep -qx "$bb" "$run/dom4.vbd.pid"
check sectors is "$be/sectors" 16384
check sector_size is "$be/sector-size" 512
check feature_flush is "$be/feature-flush-cache" 1
check feature_barrier is "$be/feature-barrier" 1
check feature_discard is "$be/feature-discard" 1
check max_indirect is "$be/feature-max-indirect-segments" 256
check ring_order is "$be/max-ring-page-order" 4
check max_queues is "$be/multi-queue-max-queues" 4

# a device it cannot serve closes with an error; the process carries on
toolstack 4 51728 "$tmp/missing.img"
check bad_device_closing wait_for 10 is /local/domain/0/backend/vbd/4/51728/state 5
check bad_device_error test -n "$(xsr /local/domain/0/backend/vbd/4/51728/error)"
check still_running kill -0 $bb

# a device hot-added later is published too
truncate -s 1M "$tmp/disk2.img"
toolstack 4 51744 "$tmp/disk2.img"
check hot_added wait_for 10 is /local/domain/0/backend/vbd/4/51744/sectors 2048

# resize: the backing grows, SIGHUP publishes it
truncate -s 16M "$tmp/disk.img"
kill -HUP $bb
check resize_sectors wait_for 10 is "$be/sectors" 32768
check resize_state is "$be/state" 2

# the toolstack removes a device's directory: it is dropped
xenstore-rm /local/domain/0/backend/vbd/4/51744
check removed_logged wait_for 10 grep -q "vbd 4/51744: the toolstack removed it" "$tmp/blkback.log"
check alive_after_remove kill -0 $bb

# xl block-detach: online 0 and state 5 in one go, the frontend closes,
# the backend goes Closed; the toolstack then removes both directories
# and nothing is written there again
be2=/local/domain/0/backend/vbd/4/51712 fe2=/local/domain/4/device/vbd/51712
xenstore-write "$be2/online" 0 "$be2/state" 5
check detach_closing wait_for 10 is "$be2/state" 5
xenstore-write "$fe2/state" 6
check detach_closed wait_for 10 is "$be2/state" 6
xenstore-rm "$be2"
xenstore-rm "$fe2"
check detach_logged wait_for 10 grep -q "vbd 4/51712: the toolstack removed it" "$tmp/blkback.log"
check detach_not_recreated sh -c "! xenstore-exists $be2"
# xl destroy-like: both directories vanish under a device in InitWait
toolstack 4 51760 "$tmp/disk2.img"
check readded wait_for 10 is /local/domain/0/backend/vbd/4/51760/state 2
xenstore-rm /local/domain/4/device/vbd/51760
xenstore-rm /local/domain/0/backend/vbd/4/51760
check destroy_logged wait_for 10 grep -q "vbd 4/51760: the toolstack removed it" "$tmp/blkback.log"
check destroy_not_recreated sh -c "! xenstore-exists /local/domain/0/backend/vbd/4/51760"

# a qcow2 image: served through its own qemu-storage-daemon, which goes
# with the device
if command -v qemu-img > /dev/null && command -v qemu-storage-daemon > /dev/null; then
    qemu-img create -q -f qcow2 "$tmp/disk.qcow2" 4M
    toolstack 4 51776 "qcow2:$tmp/disk.qcow2"
    check qcow2_initwait wait_for 20 is /local/domain/0/backend/vbd/4/51776/state 2
    check qcow2_sectors is /local/domain/0/backend/vbd/4/51776/sectors 8192
    check qcow2_export_running sh -c "pgrep -f $run/[d]om4.vbd51776.nbd > /dev/null"
    xenstore-rm /local/domain/0/backend/vbd/4/51776
    check qcow2_export_stopped wait_for 10 sh -c "! pgrep -f $run/[d]om4.vbd51776.nbd"
    toolstack 4 51776 "vhd:$tmp/missing.vhd"
    check image_missing_closing wait_for 20 is /local/domain/0/backend/vbd/4/51776/state 5
else
    echo "SKIP: qcow2: qemu-img or qemu-storage-daemon missing"
fi

# the domain goes: blkback stops and exits 0
kill $vmm_pid
wait $vmm_pid 2>/dev/null
wait_for 10 sh -c "! kill -0 $bb 2>/dev/null"
wait $bb
check exit_0_when_vmm_goes test $? -eq 0
check pidfile_removed test ! -e "$run/dom4.vbd.pid"

# SIGTERM: exit 0 too
if start_vmm 5; then
    toolstack 5 51712 "$tmp/disk.img"
    "$blkback" --domid 5 --rundir "$run" --log "$tmp/blkback5.log" &
    bb=$!
    check initwait_dom5 wait_for 10 is /local/domain/0/backend/vbd/5/51712/state 2
    kill -TERM $bb
    wait $bb
    check exit_0_on_sigterm test $? -eq 0
    kill $vmm_pid
    wait $vmm_pid 2>/dev/null
else
    fail vmm5_start "$(tail -3 "$tmp/vmm5.log")"
fi
check xenstored_alive kill -0 "$xsd_pid"

# xenstored dies under it: blkback keeps its devices (no store, no
# changes) and still stops with its domain
if start_vmm 6; then
    toolstack 6 51712 "$tmp/disk.img"
    "$blkback" --domid 6 --rundir "$run" --log "$tmp/blkback6.log" &
    bb=$!
    check initwait_dom6 wait_for 10 is /local/domain/0/backend/vbd/6/51712/state 2
    kill -9 "$xsd_pid"
    wait "$xsd_pid" 2>/dev/null
    sleep 1
    check alive_without_xenstored kill -0 $bb
    kill $vmm_pid
    wait $vmm_pid 2>/dev/null
    wait_for 10 sh -c "! kill -0 $bb 2>/dev/null"
    wait $bb
    check exit_0_without_xenstored test $? -eq 0
    check quiet_without_xenstored test "$(wc -l < "$tmp/blkback6.log")" -lt 20
else
    fail vmm6_start "$(tail -3 "$tmp/vmm6.log")"
fi

# xenstored restarted on its durable store: blkback reconnects, watches
# again, and follows the toolstack as before (block-detach here)
db=$tmp/xs.tdb
start_durable() {
    "$xsd" -s "$XENSTORED_PATH" --vmm-socket "$tmp/vmm" --db-file "$db" 2>> "$tmp/daemon.log" &
    xsd_pid=$!
    wait_for 10 test -S "$XENSTORED_PATH"
}
rm -f "$XENSTORED_PATH"
if start_durable && start_vmm 7; then
    toolstack 7 51712 "$tmp/disk.img"
    "$blkback" --domid 7 --rundir "$run" --log "$tmp/blkback7.log" -v &
    bb=$!
    be7=/local/domain/0/backend/vbd/7/51712
    check initwait_dom7 wait_for 10 is "$be7/state" 2
    kill -9 "$xsd_pid"
    wait "$xsd_pid" 2>/dev/null
    check lost_logged wait_for 10 grep -q "xenstored went away" "$tmp/blkback7.log"
    start_durable
    check back_logged wait_for 10 grep -q "xenstored is back" "$tmp/blkback7.log"
    xenstore-write "$be7/online" 0
    check watches_after_restart wait_for 10 is "$be7/state" 5
    xenstore-write /local/domain/7/device/vbd/51712/state 6
    check closed_after_restart wait_for 10 is "$be7/state" 6
    kill $vmm_pid
    wait $vmm_pid 2>/dev/null
    wait $bb
    check exit_0_after_restart test $? -eq 0
else
    fail durable_start "$(tail -3 "$tmp/daemon.log")"
fi
