#!/bin/bash
# xl save / xl restore of a running guest (docs/migration.md): the
# saverestore64.elf guest dirties memory all the time and checks its
# memory, clock, event channels, timer, grant entry and xenstore after the
# domain was saved and restored (transparently: nothing asked of it), with
# and without -c; every image passes Xen's own verify-stream-v2 (from
# Debian's xen-utils-4.17, fetched at run time: skipped visibly when it
# cannot be); damaged images, wrong versions and unknown mandatory records
# are refused with a message, no domain is left, and the image file is
# untouched.
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm xl_save_restore
guest=$BUILDDIR/tests/guest/saverestore64.elf
xl_private sr
trap xl_teardown EXIT

check() { local n=$1; shift; if "$@" >/dev/null 2>&1; then pass "$n"; else fail "$n" "$*"; fi; }
conslog() { cat "$tmp/log/console/guest-$1.log" 2>/dev/null; }
in_console() { conslog "$1" | grep -qF -- "$2"; }
gone() { ! listed "$1"; }


# finish NAME TAG: tell the guest to end; PASS TAG when it says PASS.
finish() {
    local id
    id=$("$xl" domid "$1" 2>/dev/null)
    xenstore-write "/local/domain/$id/data/finish" done
    if wait_for 30 in_console "$1" "rounds, PASS"; then pass "$2"; else fail "$2" "$(conslog "$1")"; fi
    wait_for 20 gone "$1"
}

xl_cfg sr "$guest" 'on_poweroff = "destroy"'
"$xl" create "$tmp/sr.cfg" >/dev/null 2>&1
wait_for 30 in_console sr "saverestore: ready" && pass guest_ready || fail guest_ready "$(conslog sr)"

# --- save: the domain goes, the file is Xen's format -----------------------
out=$("$xl" save sr "$tmp/sr.img" 2>&1)
st=$?
[ $st = 0 ] && pass save || fail save "status $st: $out"
grep -qE "^Saving to $tmp/sr.img new xl format \(info 0x3/0x0/[0-9]+\)$" <<<"$out" \
    && pass save_says_saving || fail save_says_saving "$out"
wait_for 10 gone sr && pass saved_domain_destroyed || fail saved_domain_destroyed "$("$xl" list)"
magic=$(head -c 32 "$tmp/sr.img" | od -An -c -w32 | tr -s ' ')
[ "$magic" = " X e n s a v e d d o m a i n , x l f o r m a t \n \0 \r" ] \
    && pass xl_magic || fail xl_magic "'$magic'"
[ "$(od -An -tx4 -j32 -N8 "$tmp/sr.img" | tr -s ' ')" = " 01020304 00000003" ] \
    && pass xl_byteorder_and_flags || fail xl_byteorder_and_flags "$(od -An -tx4 -j32 -N8 "$tmp/sr.img")"
verify_image verify_stream_save "$tmp/sr.img"

# --- damaged images are refused; nothing is left; the file is untouched ----
refuse() { # KIND TEXT
    local img=$tmp/bad-$1.img sum out st
    python3 "$SRCDIR/tests/cli/mig_image.py" "$tmp/sr.img" "$1" "$img" || { fail "refuse_$1" "mig_image.py"; return; }
    sum=$(md5sum < "$img")
    out=$("$xl" restore "$img" 2>&1)
    st=$?
    if [ $st != 0 ] && grep -qF -- "$2" <<<"$out" && gone sr && [ "$(md5sum < "$img")" = "$sum" ]; then
        pass "refuse_$1"
    else
        fail "refuse_$1" "status $st: $out"
    fi
}
refuse truncated "stream truncated"
refuse truncated_header "Savefile truncated."
refuse xl_magic "File has wrong magic number"
refuse xl_mandatory_flag "mandatory flag(s) 0x100 which are not supported"
refuse libxl_version "libxl stream version 3: this restore reads version 2"
refuse libxc_version "libxc stream version 4: this restore reads versions 2 and 3"
refuse domain_type_pv "domain type 1: this restore takes x86 HVM/PVH"
refuse unknown_mandatory "mandatory record 0x7e is unknown to this restore"
refuse page_data_count "PAGE_DATA record: 5000 pfns"
refuse padding "padding containing non-0 bytes"
refuse emulator_context "emulator context (emulator id 2: QEMU upstream), which this VMM cannot load"
refuse xenkvm_damaged "physmap: saved from a VM with other memory geometry"

# --- restore: the guest goes on and finds everything as it was -------------
out=$("$xl" restore "$tmp/sr.img" 2>&1)
st=$?
[ $st = 0 ] && pass restore || fail restore "status $st: $out"
grep -qF "Loading new save file $tmp/sr.img (new xl fmt info 0x3/0x0/" <<<"$out" \
    && pass restore_says_loading || fail restore_says_loading "$out"
check restored_listed listed sr
finish sr restored_guest_checks_pass

# --- an optional record Xen's restore would skip is skipped here too -------
"$xl" create "$tmp/sr.cfg" >/dev/null 2>&1
wait_for 30 in_console sr "saverestore: ready"
"$xl" save sr "$tmp/sr2.img" >/dev/null 2>&1
python3 "$SRCDIR/tests/cli/mig_image.py" "$tmp/sr2.img" unknown_optional "$tmp/opt.img"
out=$("$xl" restore "$tmp/opt.img" 2>&1)
[ $? = 0 ] && pass restore_skips_optional_record || fail restore_skips_optional_record "$out"
finish sr restored_after_optional_record

# --- save -c: a checkpoint; the domain runs on ------------------------------
: > "$tmp/log/console/guest-sr.log"
"$xl" create "$tmp/sr.cfg" >/dev/null 2>&1
wait_for 30 in_console sr "saverestore: ready"
out=$("$xl" save -c sr "$tmp/cp.img" 2>&1)
[ $? = 0 ] && pass save_checkpoint || fail save_checkpoint "$out"
state=$("$xl" list | awk '$1 == "sr" { print $5 }')
[[ $state =~ ^[-r][-b]---- ]] && pass checkpoint_leaves_it_running || fail checkpoint_leaves_it_running "'$state'"
verify_image verify_stream_checkpoint "$tmp/cp.img"
finish sr original_after_checkpoint_passes
: > "$tmp/log/console/guest-sr.log"
out=$("$xl" restore -p "$tmp/cp.img" 2>&1)
[ $? = 0 ] && pass restore_checkpoint_paused || fail restore_checkpoint_paused "$out"
state=$("$xl" list | awk '$1 == "sr" { print $5 }')
[[ $state =~ ^--p--- ]] && pass restore_p_leaves_it_paused || fail restore_p_leaves_it_paused "'$state'"
"$xl" unpause sr
finish sr restored_checkpoint_passes

# --- xl save -p: saved and left paused, not destroyed -----------------------
"$xl" create "$tmp/sr.cfg" >/dev/null 2>&1
wait_for 30 in_console sr "saverestore: ready"
"$xl" save -p sr "$tmp/p.img" >/dev/null 2>&1
state=$("$xl" list | awk '$1 == "sr" { print $5 }')
[[ $state =~ ^--p--- ]] && pass save_p_leaves_it_paused || fail save_p_leaves_it_paused "'$state'"
"$xl" destroy sr

# --- a guest with PV drivers suspends itself, as Linux does ----------------
# (control/shutdown = suspend; SCHEDOP_shutdown returns 0 in the restored
# domain, which registers its watches again, and 1 after save -c.)
pvc=$BUILDDIR/tests/guest/pvcontrol64.elf
xl_cfg pvc "$pvc" 'cmdline = "pvcontrol.suspend"' 'on_poweroff = "destroy"'
"$xl" create "$tmp/pvc.cfg" >/dev/null 2>&1
wait_for 30 in_console pvc "pvcontrol: watching" || fail pvc_up "$(conslog pvc)"
out=$("$xl" save pvc "$tmp/pvc.img" 2>&1)
[ $? = 0 ] && in_console pvc "pvcontrol: suspending" && pass cooperative_save \
    || fail cooperative_save "$out $(conslog pvc)"
wait_for 10 gone pvc && pass cooperative_saved_domain_destroyed \
    || fail cooperative_saved_domain_destroyed "$("$xl" list)"
verify_image verify_stream_cooperative "$tmp/pvc.img"
out=$("$xl" restore "$tmp/pvc.img" 2>&1)
[ $? = 0 ] && wait_for 20 in_console pvc "pvcontrol: suspend returned 0" \
    && pass suspend_returns_0_after_restore || fail suspend_returns_0_after_restore "$out $(conslog pvc)"
# A new domain, as on Xen: the VIRQ it had bound is free again (Linux binds
# its VIRQs again and BUG()s on an error).
wait_for 20 in_console pvc "pvcontrol: VIRQ_TIMER bound again: 0" && pass restored_domain_is_new \
    || fail restored_domain_is_new "$(conslog pvc)"
"$xl" shutdown pvc >/dev/null 2>&1
wait_for 20 in_console pvc "pvcontrol: shutdown poweroff" && pass watches_registered_again \
    || fail watches_registered_again "$(conslog pvc)"
wait_for 20 gone pvc
: > "$tmp/log/console/guest-pvc.log"
"$xl" create "$tmp/pvc.cfg" >/dev/null 2>&1
wait_for 30 in_console pvc "pvcontrol: watching"
out=$("$xl" save -c pvc "$tmp/pvc-cp.img" 2>&1)
[ $? = 0 ] && wait_for 20 in_console pvc "pvcontrol: suspend returned 1" \
    && pass suspend_returns_1_after_checkpoint || fail suspend_returns_1_after_checkpoint "$out $(conslog pvc)"
"$xl" sysrq pvc h >/dev/null 2>&1
wait_for 20 in_console pvc "pvcontrol: sysrq h" && pass checkpointed_guest_runs_on \
    || fail checkpointed_guest_runs_on "$(conslog pvc)"
"$xl" shutdown pvc >/dev/null 2>&1
wait_for 20 gone pvc && pass checkpointed_guest_shuts_down || fail checkpointed_guest_shuts_down "$("$xl" list)"
out=$("$xl" restore "$tmp/pvc-cp.img" 2>&1)
[ $? = 0 ] && wait_for 20 in_console pvc "pvcontrol: suspend returned 0" \
    && pass checkpoint_restores || fail checkpoint_restores "$out $(conslog pvc)"
"$xl" destroy pvc
