#!/bin/bash
# xl vcpu-set through the real command line: a guest with vcpus = 1 and
# maxvcpus = 3 (vcpu_hotplug64.elf, which onlines and offlines vCPUs from
# cpu/<N>/availability as Linux's xenbus hotplug driver does).  The nodes
# xl writes, what the guest did (its console line, checked with
# VCPUOP_is_up inside), xl vcpu-list, and xl's errors and exit codes.
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm xl_vcpu_set
guest=$BUILDDIR/tests/guest/vcpu_hotplug64.elf
xl_private xlvs
trap xl_teardown EXIT
con=$tmp/log/console/guest-hp.log
# said LINE: the guest's last "online" line is LINE.
said() { [ "$(grep 'vcpuhotplug: online' "$con" 2>/dev/null | tail -1 | tr -d '\r')" = "vcpuhotplug: online $1" ]; }
avail() { local i s=; for i in 0 1 2; do s="$s$(xenstore-read "/local/domain/$id/cpu/$i/availability") "; done; echo "${s% }"; }
# states: each vCPU's State column in xl vcpu-list
states() { "$xl" vcpu-list hp | awk 'NR > 1 { printf "%s%s", s, $5; s = " " } END { print "" }'; }
online_states() { [ "$(states | sed 's/r--\|-b-\|---/on/g')" = "$1" ]; }

xl_cfg hp "$guest" 'vcpus = 1' 'maxvcpus = 3'
"$xl" create -q "$tmp/hp.cfg" || { fail create "xl create"; exit 0; }
id=$("$xl" domid hp)
name=guest_sees_cpu_nodes; ok wait_for 30 said "1 of 3: 0"
name=boot_availability; ok test "$(avail)" = "online offline offline"
name=vcpu_list_three_rows; ok test "$("$xl" vcpu-list hp | wc -l)" = 4
name=vcpu_list_down_ones_offline; ok online_states "on --p --p"
name=list_vcpus_column; ok test "$("$xl" list hp | awk 'NR == 2 { print $4 }')" = 1

# --- up to maxvcpus -----------------------------------------------------
t vcpu_set_2 0 "" vcpu-set hp 2
name=vcpu_set_2_nodes; ok test "$(avail)" = "online online offline"
name=vcpu_set_2_guest; ok wait_for 30 said "2 of 3: 0,1"
name=vcpu_set_2_vcpu_list; ok wait_for 10 online_states "on on --p"
listed_vcpus() { [ "$("$xl" list hp | awk 'NR == 2 { print $4 }')" = "$1" ]; }
name=vcpu_set_2_list; ok wait_for 10 listed_vcpus 2
t vcpu_set_3 0 "" vcpu-set -i hp 3
name=vcpu_set_3_guest; ok wait_for 30 said "3 of 3: 0,1,2"
name=vcpu_set_3_vcpu_list; ok wait_for 10 online_states "on on on"

# --- down again, and up once more (VCPUOP_up resumes a downed vCPU) ------
t vcpu_set_1 0 "" vcpu-set hp 1
name=vcpu_set_1_nodes; ok test "$(avail)" = "online offline offline"
name=vcpu_set_1_guest; ok wait_for 30 said "1 of 3: 0"
name=vcpu_set_1_vcpu_list; ok wait_for 10 online_states "on --p --p"
t vcpu_set_2_again 0 "" vcpu-set --ignore-host hp 2
name=vcpu_set_2_again_guest; ok wait_for 30 said "2 of 3: 0,1"
name=guest_never_mismatched; ok bash -c "! grep -q MISMATCH '$con'"

# --- xl's errors ----------------------------------------------------------
t vcpu_set_beyond_max 1 "$(printf 'libxl: error: Domain %s:Requested 4 VCPUs, however maxcpus is 3!\nlibxl_set_vcpuonline failed domid=%s max_vcpus=4, rc: -3' "$id" "$id")" \
    vcpu-set -i hp 4
t vcpu_set_zero 1 "$(printf 'libxl: error: Domain %s:Requested 0 VCPUs!\nlibxl_set_vcpuonline failed domid=%s max_vcpus=0, rc: -3' "$id" "$id")" \
    vcpu-set hp 0
t vcpu_set_not_a_number 1 "Error: Invalid argument." vcpu-set hp many
ncpu=$(getconf _NPROCESSORS_ONLN)
over=$((ncpu + 1))
t vcpu_set_overcommit 1 "You are overcommmitting! You have $ncpu physical CPUs and want $over vCPUs! Aborting, use --ignore-host to continue" \
    vcpu-set hp "$over"
name=errors_left_nodes; ok test "$(avail)" = "online online offline"
t vcpu_set_no_domain 1 'nosuch is an invalid domain identifier (rc=-6)' vcpu-set nosuch 1
name=vcpu_set_too_few_args; ok test "$("$xl" vcpu-set hp >/dev/null 2>&1; echo $?)" = 2
name=vcpu_set_help; ok bash -c "'$xl' help vcpu-set | grep -q -- '--ignore-host'"

"$xl" destroy hp
