#!/bin/bash
# Save, restore and migrate of domains with disks and networks
# (docs/migration.md, "Domains with disks and networks").
#  Disks: blkfront64.elf in `saverestore' mode keeps writing pages of its
#   first disk and reading back earlier ones; it is saved transparently
#   (nothing asked of it: the backend quiesces, the file carries its
#   frontend's nodes, the restored domain's backend attaches to the same
#   ring and channel), restored, checkpointed with save -c, migrated to
#   localhost with the disk file shared, and saved cooperatively (with
#   `suspend': it suspends when asked and connects its disk again after
#   the restore, as Linux does).  Each time it must end with PASS: every
#   page it wrote, before and after, read back as written.
#  Networks: netfront64.elf in `saverestore' mode in a network namespace
#   with a peer on the bridge: frames both ways before the save, after the
#   restore and after a migration.
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm xl_save_devices
xl_private sdev
trap xl_teardown EXIT
export XENKVM_BLKBACK=$BUILDDIR/blkback/xenkvm-blkback

log() { cat "$tmp/log/xl-$1.log" 2>/dev/null; }
in_log() { log "$1" | grep -qF -- "$2"; }
gone() { ! listed "$1"; }
node_is() { [ "$(xenstore-read "$1" 2>/dev/null)" = "$2" ]; }
check() { if [ "$2" = 0 ]; then pass "$1"; else fail "$1" "$3"; fi; }
# finish NAME LOGNAME TAG: the guest ends; PASS TAG when it says PASS.
finish() {
    local id
    id=$("$xl" domid "$1" 2>/dev/null)
    # Rounds reported since the log was emptied: I/O went on after the
    # save, restore or migration (what the guest reads back or receives
    # then is checked by the guest).
    wait_for 60 in_log "$2" "blkfront-sr: round"
    check "${3}_io_after" $? "$(log "$2" | tail -3)"
    xenstore-write "/local/domain/$id/data/finish" done
    if wait_for 60 in_log "$2" "rounds, PASS"; then pass "$3"
    else fail "$3" "$(log "$2" | grep -E 'blkfront-sr|netfront-sr' | tail -5)"; fi
    wait_for 20 gone "$1" || "$xl" destroy "$1" >/dev/null 2>&1
}

truncate -s 8M "$tmp/a.img"
xl_cfg sd "$guests/blkfront64.elf" 'cmdline = "saverestore"' 'on_poweroff = "destroy"' \
    "disk = [ '$tmp/a.img,raw,xvda,rw' ]"

# --- transparent save and restore -------------------------------------------
"$xl" create "$tmp/sd.cfg" >/dev/null 2>&1
wait_for 60 in_log sd "blkfront-sr: ready"; check blk_guest_ready $? "$(log sd | tail -3)"
out=$("$xl" save sd "$tmp/sd.img" 2>&1)
check blk_save $? "$out"
wait_for 10 gone sd; check blk_saved_domain_gone $? "$("$xl" list)"
: > "$tmp/log/xl-sd.log"
out=$("$xl" restore "$tmp/sd.img" 2>&1)
check blk_restore $? "$out"
d=$("$xl" domid sd 2>/dev/null)
[ "$(xenstore-read "/local/domain/$d/device/vbd/51712/state" 2>/dev/null)" = 4 ]
check blk_frontend_still_connected $? "state $(xenstore-read "/local/domain/$d/device/vbd/51712/state" 2>&1)"
wait_for 30 node_is "/local/domain/0/backend/vbd/$d/51712/state" 4
check blk_backend_reconnected $? "$(xenstore-read "/local/domain/0/backend/vbd/$d/51712/state" 2>&1)"
finish sd sd blk_restored_guest_reads_back

# --- save -c: a checkpoint; the backend goes on serving the original -------
: > "$tmp/log/xl-sd.log"
"$xl" create "$tmp/sd.cfg" >/dev/null 2>&1
wait_for 60 in_log sd "blkfront-sr: ready"
out=$("$xl" save -c sd "$tmp/cp.img" 2>&1)
check blk_checkpoint $? "$out"
: > "$tmp/log/xl-sd.log"
listed sd; check blk_checkpoint_leaves_it $? "$("$xl" list)"
finish sd sd blk_original_after_checkpoint_reads_back

# --- xl save -p, then unpause: the quiesced backend resumes -----------------
: > "$tmp/log/xl-sd.log"
"$xl" create "$tmp/sd.cfg" >/dev/null 2>&1
wait_for 60 in_log sd "blkfront-sr: ready"
out=$("$xl" save -p sd "$tmp/p.img" 2>&1)
check blk_save_paused $? "$out"
: > "$tmp/log/xl-sd.log"
"$xl" unpause sd
finish sd sd blk_unpaused_after_save_p_reads_back

# --- migrate to localhost, the disk file shared ------------------------------
: > "$tmp/log/xl-sd.log"
"$xl" create "$tmp/sd.cfg" >/dev/null 2>&1
wait_for 60 in_log sd "blkfront-sr: ready"
out=$("$xl" migrate -s '' sd "$xl migrate-receive" 2>&1)
check blk_migrate $? "$out"
grep -qF "Migration successful." <<<"$out"; check blk_migrate_successful $? "$out"
listed sd && gone sd--migratedaway; check blk_migrated_listed $? "$("$xl" list)"
d=$("$xl" domid sd 2>/dev/null)
wait_for 30 node_is "/local/domain/0/backend/vbd/$d/51712/state" 4
check blk_migrated_backend_connected $? "$(xenstore-ls "/local/domain/0/backend/vbd/$d" 2>&1 | head -5)"
finish sd sd--incoming blk_migrated_guest_reads_back

# --- cooperative: the guest suspends and connects its disk again -----------
xl_cfg sdc "$guests/blkfront64.elf" 'cmdline = "saverestore suspend"' \
    'on_poweroff = "destroy"' "disk = [ '$tmp/a.img,raw,xvda,rw' ]"
"$xl" create "$tmp/sdc.cfg" >/dev/null 2>&1
wait_for 60 in_log sdc "blkfront-sr: ready"
out=$("$xl" save sdc "$tmp/sdc.img" 2>&1)
{ [ $? = 0 ] && in_log sdc "blkfront-sr: suspending"; }
check blk_cooperative_save $? "$out $(log sdc | tail -3)"
wait_for 10 gone sdc
: > "$tmp/log/xl-sdc.log"
out=$("$xl" restore "$tmp/sdc.img" 2>&1)
check blk_cooperative_restore $? "$out"
wait_for 60 in_log sdc "blkfront-sr: reconnected"
check blk_cooperative_reconnected $? "$(log sdc | tail -3)"
finish sdc sdc blk_cooperative_guest_reads_back
# save -c of a cooperative guest: the suspend is cancelled (1), it goes on.
: > "$tmp/log/xl-sdc.log"
"$xl" create "$tmp/sdc.cfg" >/dev/null 2>&1
wait_for 60 in_log sdc "blkfront-sr: ready"
out=$("$xl" save -c sdc "$tmp/sdc2.img" 2>&1)
{ [ $? = 0 ] && wait_for 20 in_log sdc "suspend returned 1"; }
check blk_cooperative_checkpoint $? "$out $(log sdc | tail -3)"
: > "$tmp/log/xl-sdc.log"
finish sdc sdc blk_cooperative_checkpoint_reads_back
