#!/bin/bash
# xl sched-credit / sched-credit2 and the config's cpu_weight= / cap=
# through the real command line, against a running test guest: the
# listing as xl 4.17 prints it, the values in the VMM's cgroup (v2
# cpu.weight / cpu.max, or v1 cpu.shares / cpu.cfs_quota_us, whichever
# hierarchy has the cpu controller), xl's errors and exit codes.  Where no
# cgroup can take the VMM the cgroup cases skip with the reason and the
# refusal is checked instead.
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm xl_sched
guest=$BUILDDIR/tests/guest/pvcontrol64.elf
xl_private xlsched
trap xl_teardown EXIT
row() { printf '%-33s %4d %6d %4d' "$@"; }
hdr=$(printf '%-33s %4s %6s %4s' Name ID Weight Cap)

# --- config keys: bounds checked when the config is read -----------------
xl_cfg bad "$guest" 'vcpus = 2' 'cap = 201'
out=$("$xl" create -n "$tmp/bad.cfg" 2>&1); st=$?
name=config_cap_beyond_vcpus; ok test "$st" = 1 -a -n "$(grep -F "\`cap' must be between 0 and 200" <<<"$out")"
xl_cfg bad "$guest" 'cpu_weight = 0'
name=config_weight_zero; ok bash -c "! '$xl' create -n '$tmp/bad.cfg'"
xl_cfg j "$guest" 'cpu_weight = 512' 'cap = 50'
name=config_json_sched_params; ok bash -c "'$xl' create -n '$tmp/j.cfg' 2>/dev/null | tr -d ' \n' | grep -q '\"sched_params\":{\"weight\":512,\"cap\":50}'"

xl_cfg sc "$guest" 'vcpus = 2' 'cpu_weight = 512' 'cap = 50'
"$xl" create -q "$tmp/sc.cfg" 2> "$tmp/create.err" || { fail create "$(cat "$tmp/create.err")"; exit 0; }
id=$("$xl" domid sc)
read -r _ vpid < "$XENKVM_RUNDIR/dom$id.pid"

t show_config_values 0 "$(printf '%s\n%s' "$hdr" "$(row sc "$id" 512 50)")" sched-credit -d sc
t show_credit2_same 0 "$(printf '%s\n%s' "$hdr" "$(row sc "$id" 512 50)")" sched-credit2 -d sc
t list_all 0 "$(printf 'Cpupool Pool-0: [sched params unavailable]\n%s\n%s\n%s' "$hdr" \
    "$(row Domain-0 0 256 0)" "$(row sc "$id" 512 50)")" sched-credit
t list_pool 0 "$(printf 'Cpupool Pool-0: [sched params unavailable]\n%s\n%s\n%s' "$hdr" \
    "$(row Domain-0 0 256 0)" "$(row sc "$id" 512 50)")" sched-credit2 -p Pool-0
t schedparam 0 'Cpupool Pool-0: [sched params unavailable]' sched-credit -s

# --- errors -----------------------------------------------------------------
fails() { printf 'libxl: error: Domain %s:%s\nlibxl_domain_sched_params_set failed.' "$id" "$1"; }
t weight_zero 1 "$(fails 'Cpu weight out of range, valid values are within range from 1 to 65535')" sched-credit -d sc -w 0
t weight_too_big 1 "$(fails 'Cpu weight out of range, valid values are within range from 1 to 65535')" sched-credit2 -d sc -w 65536
t cap_beyond_vcpus 1 "$(fails 'Cpu cap out of range, valid range is from 0 to 200 for specified number of vcpus')" sched-credit -d sc -c 201
t no_domain 1 'Must specify a domain.' sched-credit -w 300
t pool_with_domain 1 'Specifying a cpupool or schedparam is not allowed with domain options.' sched-credit -p Pool-0 -d sc
t credit2_pool_with_domain 1 'Specifying a cpupool is not allowed with other options.' sched-credit2 -p Pool-0 -w 3 -d sc
t tslice_without_s 1 'Must specify schedparam to set schedule parameter values.' sched-credit -t 10
t unknown_pool 1 "unknown cpupool 'nosuch'" sched-credit -p nosuch
t bad_option 2 "option \`t' not supported." sched-credit2 -t 5
t domain0_refused 1 "$(printf 'libxl: error: Domain 0:Setting domain sched credit: domain 0 is the host, whose processes xenkvm does not schedule\nlibxl_domain_sched_params_set failed.')" \
    sched-credit -d 0 -w 300
XENKVM_CGROUP=$tmp/xenkvm t not_a_cgroup 1 \
    "$(fails "Setting domain sched credit: $tmp is not in a cgroup file system")" sched-credit -d sc -w 300
# A cgroup v2 hierarchy without the cpu controller (this machine's, where
# v1 has it): refused with that reason, nothing left behind.
v2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
if [ -n "$v2" ] && ! grep -qw cpu "$v2/cgroup.controllers" 2>/dev/null; then
    XENKVM_CGROUP=$v2/xenkvm-test-$$ t v2_without_cpu 1 \
        "$(fails "Setting domain sched credit: the cgroup $v2/xenkvm-test-$$ has no cpu controller (its parent does not delegate it)")" \
        sched-credit -d sc -w 300
    name=v2_without_cpu_nothing_left; ok test ! -e "$v2/xenkvm-test-$$"
else
    echo "SKIP: xl_sched: v2_without_cpu: no cgroup v2 hierarchy without the cpu controller here"
fi
t errors_changed_nothing 0 "$(printf '%s\n%s' "$hdr" "$(row sc "$id" 512 50)")" sched-credit -d sc

# --- the cgroup ------------------------------------------------------------
if [ -s "$tmp/create.err" ]; then
    # The config's values could not be applied: xl said why, and sets fail.
    echo "SKIP: xl_sched: cgroup cases: $(cat "$tmp/create.err")"
    out=$("$xl" sched-credit -d sc -w 300 2>&1); st=$?
    name=set_refused_without_cgroup; ok test "$st" = 1 -a -n "$(grep -F 'Setting domain sched credit:' <<<"$out")"
    "$xl" destroy sc
    exit 0
fi
read -r _ _ cg < "$XENKVM_RUNDIR/dom$id.sched"
uuid=$("$xl" list -v sc | awk 'NR == 2 { print $7 }')
name=vmm_in_domain_cgroup; ok grep -q "/$uuid\$" "/proc/$vpid/cgroup"
name=cgroup_named_by_uuid; ok test "$(basename "$cg")" = "$uuid"
# want WEIGHT CAP: the cgroup's files hold them, mapped
want() {
    if [ -f "$cg/cpu.weight" ]; then
        local w=$(( ($1 * 10000 + 32767) / 65535 )) m
        [ "$w" = 0 ] && w=1
        if [ "$2" = 0 ]; then m="max 100000"; else m="$(( $2 * 1000 )) 100000"; fi
        [ "$(cat "$cg/cpu.weight")" = "$w" ] && [ "$(cat "$cg/cpu.max")" = "$m" ]
    else
        local q=-1
        [ "$2" = 0 ] || q=$(( $2 * 1000 ))
        [ "$(cat "$cg/cpu.shares")" = $(( $1 * 4 )) ] && [ "$(cat "$cg/cpu.cfs_quota_us")" = "$q" ] &&
            [ "$(cat "$cg/cpu.cfs_period_us")" = 100000 ]
    fi
}
name=config_values_in_cgroup; ok want 512 50
t set_weight 0 "" sched-credit -d sc -w 1024
name=set_weight_cgroup; ok want 1024 50
t set_cap 0 "" sched-credit2 -d sc -c 150
name=set_cap_cgroup; ok want 1024 150
t set_both_credit2 0 "" sched-credit2 --domain=sc --weight=65535 --cap=0
name=set_both_cgroup; ok want 65535 0
t set_unchanged_minus_one 0 "" sched-credit -d sc -w -1 -c 25
name=minus_one_keeps_weight; ok want 65535 25
t set_weight_one 0 "" sched-credit -d sc -w 1
name=weight_one_cgroup; ok want 1 25
t show_after_sets 0 "$(printf '%s\n%s' "$hdr" "$(row sc "$id" 1 25)")" sched-credit -d sc
"$xl" destroy sc
name=cgroup_removed_with_domain; ok wait_for 10 test ! -d "$cg"
