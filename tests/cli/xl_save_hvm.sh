#!/bin/bash
# xl save / restore / migrate of a type="hvm" guest (docs/migration.md,
# "HVM_CONTEXT"): saverestore64.elf with "platform" programs its PIC
# (masks, ELCR, the slave left between ICW2 and ICW3), IOAPIC
# (redirection entries, ID) and PIT (channel 2's mode, a latched count,
# the speaker port) and checks after each restore that they read back the
# same.  The image carries Xen's PIC (two), IOAPIC (48 pins) and PIT
# records and passes Xen's verify-stream-v2; an image without them (an
# older xenkvm's) still restores; an IOAPIC pin past KVM's 24 in use, an
# HPET or viridian record with state, and an unknown record type are
# refused with a message naming the record, nothing left behind.
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm xl_save_hvm
guest=$BUILDDIR/tests/guest/saverestore64.elf
xl_private srh
trap xl_teardown EXIT

conslog() { cat "$tmp/log/console/guest-$1.log" 2>/dev/null; }
in_console() { conslog "$1" | grep -qF -- "$2"; }
gone() { ! listed "$1"; }

finish() { # NAME TAG [CONSOLE-NAME]
    local id
    id=$("$xl" domid "$1" 2>/dev/null)
    xenstore-write "/local/domain/$id/data/finish" done
    if wait_for 30 in_console "${3:-$1}" "rounds, PASS"; then pass "$2"
    else fail "$2" "$(conslog "${3:-$1}")"; fi
    wait_for 20 gone "$1"
}
hvm_cfg() { # NAME EXTRA
    printf 'name = "%s"\ntype = "hvm"\nfirmware_override = "%s"\nmemory = 32\nextra = "%s"\non_poweroff = "destroy"\n' \
        "$1" "$guest" "$2" > "$tmp/$1.cfg"
}
start() { # NAME
    [ -f "$tmp/log/console/guest-$1.log" ] && : > "$tmp/log/console/guest-$1.log"
    "$xl" create "$tmp/$1.cfg" >/dev/null 2>&1
    wait_for 30 in_console "$1" "saverestore: ready" || fail "$1_ready" "$(conslog "$1")"
}

hvm_cfg srh platform
start srh
in_console srh "(PIC, IOAPIC, PIT)" && ! in_console srh FAIL && pass platform_programmed \
    || fail platform_programmed "$(conslog srh)"

# --- save: Xen's platform records, Xen's checker, restore ---------------------
out=$("$xl" save srh "$tmp/srh.img" 2>&1)
[ $? = 0 ] && pass save_hvm || fail save_hvm "$out"
recs=$(python3 "$SRCDIR/tests/cli/mig_image.py" "$tmp/srh.img" hvmctx_list -)
grep -qx "3 0 8" <<<"$recs" && grep -qx "3 1 8" <<<"$recs" && pass image_has_two_pic_records \
    || fail image_has_two_pic_records "$recs"
grep -qx "4 0 400" <<<"$recs" && pass image_has_48_pin_ioapic_record || fail image_has_48_pin_ioapic_record "$recs"
grep -qx "10 0 56" <<<"$recs" && pass image_has_pit_record || fail image_has_pit_record "$recs"
verify_image verify_stream_hvm "$tmp/srh.img"

refuse() { # KIND TEXT
    local img=$tmp/bad-$1.img out st
    python3 "$SRCDIR/tests/cli/mig_image.py" "$tmp/srh.img" "$1" "$img" || { fail "refuse_$1" "mig_image.py"; return; }
    out=$("$xl" restore "$img" 2>&1); st=$?
    if [ $st != 0 ] && grep -qF -- "$2" <<<"$out" && gone srh; then pass "refuse_$1"
    else fail "refuse_$1" "status $st: $out"; fi
}
refuse hvmctx_ioapic_pin40 "IOAPIC pin 40 is unmasked (entry 0x41): KVM's IOAPIC has 24 pins"
refuse hvmctx_hpet_enabled "the HPET record (instance 0) cannot be loaded: the guest enabled its HPET"
refuse hvmctx_viridian "the VIRIDIAN_DOMAIN record (instance 0) cannot be loaded"
refuse hvmctx_unknown_type "HVM restore: unknown entry typecode 42"

out=$("$xl" restore "$tmp/srh.img" 2>&1)
[ $? = 0 ] && pass restore_hvm || fail restore_hvm "$out"
finish srh restored_platform_state_reads_back

# --- save -c and a checkpoint's image restored a second time ------------------
start srh
"$xl" save -c srh "$tmp/cp.img" >/dev/null 2>&1 && pass checkpoint_hvm || fail checkpoint_hvm
finish srh original_after_checkpoint_passes
: > "$tmp/log/console/guest-srh.log"
out=$("$xl" restore "$tmp/cp.img" 2>&1)
[ $? = 0 ] && pass restore_checkpoint_hvm || fail restore_checkpoint_hvm "$out"
finish srh restored_checkpoint_platform_state

# --- migrate to localhost ------------------------------------------------------
start srh
out=$("$xl" migrate -s '' srh "$xl migrate-receive" 2>&1)
[ $? = 0 ] && grep -qx "Migration successful." <<<"$out" && pass migrate_hvm || fail migrate_hvm "$out"
finish srh migrated_platform_state_reads_back srh--incoming

# A live update carries the PIC, IOAPIC and PIT (hvm/save_irqchip.c): the
# guest's per-round checks read its programmed state back after it.
start srh
out=$("$xl" live-update --binary "$vmm" srh 2>&1)
[ $? = 0 ] && pass live_update_hvm || fail live_update_hvm "$out"
finish srh live_updated_platform_state_reads_back

# --- an image without the platform records (an older xenkvm's) ----------------
hvm_cfg srh ""
start srh
"$xl" save srh "$tmp/plain.img" >/dev/null 2>&1
python3 "$SRCDIR/tests/cli/mig_image.py" "$tmp/plain.img" hvmctx_no_platform "$tmp/old.img"
recs=$(python3 "$SRCDIR/tests/cli/mig_image.py" "$tmp/old.img" hvmctx_list -)
grep -qE "^(3|4|10) " <<<"$recs" && fail old_image_made "$recs"
out=$("$xl" restore "$tmp/old.img" 2>&1)
[ $? = 0 ] && pass restore_without_platform_records || fail restore_without_platform_records "$out"
finish srh restored_old_image_guest_passes
