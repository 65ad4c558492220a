#!/bin/bash
# xl commands of issue 18 through the real command line, against a running
# test guest: vm-list, vcpu-pin (the vCPU threads' affinity, seen in
# vcpu-list and in /proc), dmesg (the host side's logs).  Each with xl's
# output and exit codes.
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm xl_commands
guest=$BUILDDIR/tests/guest/pvcontrol64.elf
xl_private xlc
trap xl_teardown EXIT

xl_cfg cmds "$guest" 'vcpus = 2'
"$xl" create -q -p "$tmp/cmds.cfg" || { fail create "xl create"; exit 0; }
id=$("$xl" domid cmds)
uuid=$("$xl" list -v cmds | awk 'NR == 2 { print $7 }')
read -r _ vpid < "$XENKVM_RUNDIR/dom$id.pid"

# --- vm-list: xl's header and one line per guest (never domain 0) ---------
t vm_list 0 "$(printf 'UUID                                  ID    name\n%s  %u    %-30s' "$uuid" "$id" cmds)" vm-list
t vm_list_no_args 2 "$(printf "option \`x' not supported.")" vm-list -x

# --- vcpu-pin ---------------------------------------------------------------
# affinity_of N: the host CPUs vCPU N's thread may run on, as /proc says.
affinity_of() {
    local t
    for t in /proc/"$vpid"/task/*; do
        [ "$(cat "$t/comm")" = "vcpu$1" ] && awk '/^Cpus_allowed_list/ { print $2 }' "$t/status"
    done
}
vl_affinity() { "$xl" vcpu-list cmds | awk -v v="$1" '$3 == v { print $(NF - 2), $(NF - 1), $NF }'; }
all=$(affinity_of 0)
t vcpu_pin_one 0 "" vcpu-pin cmds 0 0
name=vcpu_pin_one_proc; ok test "$(affinity_of 0)" = 0
name=vcpu_pin_other_untouched; ok test "$(affinity_of 1)" = "$all"
name=vcpu_list_shows_pin; ok test "$(vl_affinity 0)" = "0 / all"
name=vcpu_list_unpinned_all; ok test "$(vl_affinity 1)" = "all / all"
t vcpu_pin_all 0 "" vcpu-pin cmds all 1
name=vcpu_pin_all_proc; ok test "$(affinity_of 0),$(affinity_of 1)" = "1,1"
t vcpu_pin_exclude 0 "" vcpu-pin cmds 1 "^1"
name=vcpu_pin_exclude_proc; ok test "$(affinity_of 1)" = 0
t vcpu_pin_soft_dash 0 "" vcpu-pin cmds 0 all -
name=vcpu_pin_back_to_all; ok test "$(vl_affinity 0)" = "all / all"
t vcpu_pin_bad_vcpu_name 1 "Error: Invalid argument x as VCPU." vcpu-pin cmds x 0
t vcpu_pin_no_such_vcpu 1 "Could not set affinity for vcpu \`7'." vcpu-pin cmds 7 0
t vcpu_pin_bad_range 1 'Invalid cpu range "0-999".' vcpu-pin cmds 0 0-999
t vcpu_pin_soft_refused 1 'xl: soft affinity "0": xenkvm has none (Linux schedules threads by hard affinity only)' \
    vcpu-pin cmds 0 all 0
name=vcpu_pin_too_few_args; ok bash -c "! '$xl' vcpu-pin cmds 0"

# --- mem-max: static-max, the VMM's max_pages, the bound of mem-set -------
smax() { xenstore-read "/local/domain/$id/memory/static-max"; }
t mem_max_below_target 1 "$(printf 'libxl: error: Domain %s:memory_static_max must be greater than or or equal to memory_dynamic_max\ncannot set domid %s static max memory to : 16' "$id" "$id")" mem-max cmds 16
t mem_max_beyond_vmm 1 "$(printf 'libxl: error: Domain %s:Failed to set max memory to 65536 KiB: more than the domain was started with (xenkvm cannot add memory)\ncannot set domid %s static max memory to : 64' "$id" "$id")" mem-max cmds 64
t mem_max_bad_size 1 "invalid memory size: 12x" mem-max cmds 12x
name=mem_max_unchanged_after_errors; ok test "$(smax)" = 32768
t mem_set_lower 0 "" mem-set cmds 24
t mem_max_lower 0 "" mem-max cmds 28
name=mem_max_static_max; ok test "$(smax)" = 28672
t mem_set_above_max 1 "$(printf 'libxl: error: memory_dynamic_max must be less than or equal to memory_static_max\ncannot set domid %s dynamic max memory to : 30' "$id")" mem-set cmds 30
t mem_set_up_to_max 0 "" mem-set cmds 28
t mem_max_too_few_args 2 "$(printf "'xl mem-max' requires at least 2 arguments.\n\n%s" "$("$xl" help mem-max 2>&1)")" mem-max cmds

# --- trigger, button-press -----------------------------------------------
# The guest (pvcontrol64) counts NMIs and says so from its main loop; an
# NMI reaches a vCPU waiting in SCHEDOP_poll when it is woken (a sysrq).
conslog() { cat "$tmp/log/console/guest-cmds.log" 2>/dev/null; }
"$xl" unpause cmds
name=guest_up; ok wait_for 30 grep -q "pvcontrol: watching" "$tmp/log/console/guest-cmds.log"
t trigger_nmi 0 "" trigger cmds nmi
"$xl" sysrq cmds h
name=trigger_nmi_reaches_guest; ok wait_for 30 grep -q "pvcontrol: NMI 1" "$tmp/log/console/guest-cmds.log"
t trigger_nmi_vcpu1 0 "" trigger cmds nmi 1
t trigger_no_such_vcpu 0 "libxl: error: Domain $id:Send trigger 'nmi' failed: No such process" trigger cmds nmi 5
t trigger_bad_vcpu 0 "$(printf 'Invalid vcpuid, using default vcpuid=0.\n')" trigger cmds nmi x
t trigger_power 0 "libxl: error: Domain $id:Send trigger 'power' failed: No such device" trigger cmds power
t trigger_reset 0 "libxl: error: Domain $id:Send trigger 'reset' failed: Function not implemented" trigger cmds reset
t trigger_invalid 1 'Invalid trigger "bogus"' trigger cmds bogus
t button_press_power 0 "$(printf 'WARNING: "button-press" is deprecated. Please use "trigger"\nlibxl: error: Domain %s:Send trigger %s failed: No such device' "$id" "'power'")" button-press cmds power
t button_press_invalid 1 "$(printf 'WARNING: "button-press" is deprecated. Please use "trigger"\nlid is an invalid button identifier')" button-press cmds lid
# More NMIs counted (nmi x goes to vCPU 0; NMIs pending together are one).
"$xl" sysrq cmds h
name=trigger_nmi_count; ok wait_for 30 grep -qE "pvcontrol: NMI [2-9]" "$tmp/log/console/guest-cmds.log"

# --- dmesg: xenstored's log, then each domain's (xl-NAME.log), tagged -----
out=$("$xl" dmesg); st=$?
name=dmesg_status; ok test "$st" = 0
name=dmesg_has_domain_log; ok grep -q '^(xl-cmds) ' <<<"$out"
name=dmesg_lines_tagged; ok bash -c "! grep -qvE '^\((xenstored|xl-[^)]*)\) ' <<<'$(sed "s/'//g" <<<"$out")'"
first=$(grep -m1 '^(xl-cmds) ' <<<"$out")
"$xl" dmesg -c > "$tmp/dmesg-c.out"; st=$?
name=dmesg_clear_prints; ok test "$st" = 0 -a -s "$tmp/dmesg-c.out"
name=dmesg_cleared; ok bash -c "! '$xl' dmesg | grep -qxF -- '$first'"
t dmesg_bad_option 2 "option \`z' not supported." dmesg -z

"$xl" destroy cmds
