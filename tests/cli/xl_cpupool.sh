#!/bin/bash
# xl cpupool-* through the real command line, against running test
# guests: Pool-0 with every host CPU, a pool made from a CPU taken out of
# it, a guest created into it (pool=) and moved out (cpupool-migrate), its
# VMM's threads held to the pool's CPUs (a cpuset cgroup, or the threads'
# affinity with XENKVM_CPUSET=none), xl list -c, sched-credit -p, and xl
# 4.17's messages and statuses.  Needs two host CPUs for the pool cases.
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm xl_cpupool
guest=$BUILDDIR/tests/guest/pvcontrol64.elf
xl_private xlpool
trap xl_teardown EXIT
ncpu=$(getconf _NPROCESSORS_CONF)
last=$((ncpu - 1))
all=$(seq -s, 0 "$last")
pool_row() { printf '%-19s%3d %9s       y       %4d' "$@"; }
list_hdr='Name               CPUs   Sched     Active   Domain count'
cpus_hdr='Name               CPU list'

# The CPUs every thread of domain NAME's VMM may run on, one line per
# distinct list (Cpus_allowed_list).
vmm_cpus() {
    local id vpid
    id=$("$xl" domid "$1") || return 1
    read -r _ vpid < "$XENKVM_RUNDIR/dom$id.pid"
    sed -n 's/^Cpus_allowed_list:\s*//p' /proc/"$vpid"/task/*/status | sort -u
}
# The cpus of a cpuset list ("0-1" or "0,1") as "0,1".
expand() { awk -F, '{ for (i = 1; i <= NF; i++) { split($i, r, "-"); if (r[2] == "") r[2] = r[1];
    for (c = r[1]; c <= r[2]; c++) printf "%s%d", (n++ ? "," : ""), c } } END { print "" }' <<<"$1"; }
# pool_cpus POOL: the CPU list xl shows for it.
pool_cpus() { "$xl" cpupool-list -c "$1" | awk 'NR == 2 { print $2 }'; }

t list_default 0 "$(printf '%s\n%s' "$list_hdr" "$(pool_row Pool-0 "$ncpu" credit2 1)")" cpupool-list
t list_cpus 0 "$(printf '%s\n%-19s%s' "$cpus_hdr" Pool-0 "$all")" cpupool-list -c
t list_one_by_id 0 "$(printf '%s\n%s' "$list_hdr" "$(pool_row Pool-0 "$ncpu" credit2 1)")" cpupool-list 0
t list_unknown 1 "Pool 'nosuch' does not exist" cpupool-list nosuch
t info_no_free_cpus 0 0 info free_cpus
t create_no_name 1 'Missing cpupool name!' cpupool-create cpus=0
t create_unknown_sched 1 'Unknown scheduler' cpupool-create name=\"x\" sched=\"fair\"
t destroy_unknown 1 "unknown cpupool 'nosuch'" cpupool-destroy nosuch
t destroy_pool0 1 "Can't destroy cpupool 'Pool-0'" cpupool-destroy Pool-0
t bad_cpu_range 1 'Invalid cpu range "x".' cpupool-cpu-add Pool-0 x
t too_few_args 2 "$(printf "'xl cpupool-migrate' requires at least 2 arguments.\n\n%s" "$("$xl" help cpupool-migrate 2>&1)")" cpupool-migrate onlyone
name=help_listed; ok bash -c "'$xl' help | grep -q '^ cpupool-list '"

if [ "$ncpu" -lt 2 ]; then
    echo "SKIP: xl_cpupool_pools: this host has one CPU, a pool needs one of Pool-0's"
    exit 0
fi

# --- a CPU out of Pool-0, a pool made of it --------------------------------
t cpu_not_free 1 "cpu 0 illegal or not free" cpupool-create name=\"p1\" cpus=\"0\"
t remove_from_pool0 0 '' cpupool-cpu-remove Pool-0 "$last"
t info_one_free_cpu 0 1 info free_cpus
t remove_not_in_pool 0 "$(printf "libxl: error: Error removing cpu %d from cpupool: Invalid argument\nSome cpus may have not or only partially been removed from 'Pool-0'.\nIf a cpu can't be added to another cpupool, add it to 'Pool-0' again and retry." "$last")" \
    cpupool-cpu-remove Pool-0 "$last"
printf 'name = "p1"\nsched = "credit"\ncpus = "%d"\n' "$last" > "$tmp/p1.cfg"
t create_dryrun 0 "$(printf 'Using config file "%s"\ncpupool name:   p1\nscheduler:      credit\nnumber of cpus: 1' "$tmp/p1.cfg")" \
    cpupool-create -n "$tmp/p1.cfg"
t dryrun_created_nothing 1 "Pool 'p1' does not exist" cpupool-list p1
t create_rtds_refused 1 "$(printf 'Using config file "command line"\ncpupool name:   rt\nscheduler:      rtds\nnumber of cpus: 0\nlibxl: error: Could not create cpupool: scheduler rtds is not available on xenkvm (only credit and credit2): Invalid argument\nerror on creating cpupool')" \
    cpupool-create name=\"rt\" sched=\"rtds\"
t create_from_file 0 "$(printf 'Using config file "%s"\ncpupool name:   p1\nscheduler:      credit\nnumber of cpus: 1' "$tmp/p1.cfg")" \
    cpupool-create "$tmp/p1.cfg"
t create_name_taken 1 'Pool name "p1" already exists' cpupool-create "$tmp/p1.cfg"
t list_two 0 "$(printf '%s\n%s\n%s' "$list_hdr" "$(pool_row Pool-0 $((ncpu - 1)) credit2 1)" "$(pool_row p1 1 credit 0)")" cpupool-list
t info_none_free 0 0 info free_cpus

# --- a guest created into it ------------------------------------------------
xl_cfg bad "$guest" 'pool = "nosuch"'
t create_illegal_pool 1 "$(printf 'Parsing config from %s\nIllegal pool specified' "$tmp/bad.cfg")" create "$tmp/bad.cfg"
name=illegal_pool_left_nothing; ok bash -c "! '$xl' domid bad"
xl_cfg g "$guest" 'vcpus = 2' 'pool = "p1"'
"$xl" create -q "$tmp/g.cfg" 2> "$tmp/create.err" || { fail create "$(cat "$tmp/create.err")"; exit 0; }
id=$("$xl" domid g)
name=create_quiet; ok test ! -s "$tmp/create.err"
name=vmm_threads_on_pool_cpus; ok test "$(vmm_cpus g)" = "$last"
rec=$(cat "$XENKVM_RUNDIR/dom$id.cpuset" 2>/dev/null)
case $rec in
cgroup\ *)
    cg=${rec#cgroup }
    name=cpuset_cgroup_cpus; ok test "$(expand "$(cat "$cg/cpuset.cpus")")" = "$last"
    read -r _ vpid < "$XENKVM_RUNDIR/dom$id.pid"
    name=vmm_in_cpuset_cgroup; ok grep -qx "$vpid" "$cg/cgroup.procs"
    ;;
affinity) echo "SKIP: cpuset_cgroup_cpus: no cpuset cgroup hierarchy here (thread affinity used)" ;;
*) fail cpuset_record "'$rec'" ;;
esac
name=list_c_shows_pool; ok bash -c "'$xl' list -c | awk '\$1 == \"g\" && \$NF == \"p1\" { f = 1 } END { exit !f }'"
name=list_c_header; ok bash -c "'$xl' list -c | head -1 | grep -q 'Time(s)         Cpupool\$'"
name=list_c_domain0_pool0; ok bash -c "'$xl' list -c | awk '\$1 == \"Domain-0\" && \$NF == \"Pool-0\" { f = 1 } END { exit !f }'"
name=vcpu_list_affinity_is_pool; ok bash -c "'$xl' vcpu-list g | awk 'NR == 2 && \$(NF - 2) == \"$last\" { f = 1 } END { exit !f }'"
if command -v xenstore-read >/dev/null; then
    name=xenstore_membership; ok test "$(xenstore-read /libxl/"$id"/cpupool)" = 1
    name=xenstore_pool_nodes; ok test "$(xenstore-read /local/pool/1/name)/$(xenstore-read /local/pool/1/cpus)" = "p1/$last"
    name=xenstore_vm_pool_name; ok test "$(xenstore-read "$(xenstore-read /local/domain/"$id"/vm)/pool_name")" = p1
else
    echo "SKIP: xenstore_membership: no xenstore-read (xenstore-utils)"
fi
t list_count 0 "$(printf '%s\n%s' "$list_hdr" "$(pool_row p1 1 credit 1)")" cpupool-list p1
t sched_credit_pool 0 "$(printf 'Cpupool p1: [sched params unavailable]\n%-33s %4s %6s %4s\n%-33s %4d %6d %4d' Name ID Weight Cap g "$id" 256 0)" \
    sched-credit -p p1
t destroy_busy 1 "Can't destroy cpupool 'p1'" cpupool-destroy p1
t remove_last_cpu_busy 0 "$(printf "libxl: error: Error removing cpu %d from cpupool: Device or resource busy\nSome cpus may have not or only partially been removed from 'p1'.\nIf a cpu can't be added to another cpupool, add it to 'p1' again and retry." "$last")" \
    cpupool-cpu-remove p1 "$last"
t add_cpu_busy 0 "$(printf 'libxl: error: Error moving cpu 0 to cpupool: Device or resource busy\nsome cpus may not have been added to p1')" cpupool-cpu-add p1 0
t rename_taken 1 "Can't rename cpupool 'p1'" cpupool-rename p1 Pool-0
t rename 0 '' cpupool-rename p1 work
name=renamed_in_list_c; ok bash -c "'$xl' list -c | awk '\$1 == \"g\" && \$NF == \"work\" { f = 1 } END { exit !f }'"

# --- moved back to Pool-0, Pool-0's CPUs given back ------------------------
t migrate_unknown_domain 1 "unknown domain 'nosuch'" cpupool-migrate nosuch Pool-0
t migrate_unknown_pool 1 "unknown cpupool 'nosuch'" cpupool-migrate g nosuch
t migrate_domain0 1 'libxl: error: Domain 0:Error moving domain to cpupool: Invalid argument' cpupool-migrate 0 work
t migrate 0 '' cpupool-migrate g Pool-0
name=migrated_threads_on_pool0; ok test "$(vmm_cpus g)" = "$(expand "$(seq -s, 0 $((last - 1)))")"
name=migrated_list_c; ok bash -c "'$xl' list -c | awk '\$1 == \"g\" && \$NF == \"Pool-0\" { f = 1 } END { exit !f }'"
t destroy 0 '' cpupool-destroy work
t destroyed_gone 1 "Pool 'work' does not exist" cpupool-list work
t add_back 0 '' cpupool-cpu-add Pool-0 "$last"
name=pool0_cpus_back; ok test "$(pool_cpus Pool-0)" = "$all"
name=domain_follows_pool_cpus; ok test "$(expand "$(vmm_cpus g)")" = "$all"

# --- without cgroups: the threads' affinity --------------------------------
export XENKVM_CPUSET=none
t remove_again 0 '' cpupool-cpu-remove Pool-0 "$last"
t create_kv 0 "$(printf 'Using config file "command line"\ncpupool name:   aff\nscheduler:      credit2\nnumber of cpus: 1')" \
    cpupool-create name=\"aff\" cpus=\"$last\"
"$xl" destroy g
xl_cfg g2 "$guest" 'pool = "aff"'
"$xl" create -q "$tmp/g2.cfg" 2> "$tmp/create.err" || { fail create_g2 "$(cat "$tmp/create.err")"; exit 0; }
id2=$("$xl" domid g2)
name=affinity_record; ok test "$(cat "$XENKVM_RUNDIR/dom$id2.cpuset")" = affinity
name=affinity_threads_on_pool_cpus; ok test "$(vmm_cpus g2)" = "$last"
t migrate_affinity 0 '' cpupool-migrate g2 Pool-0
name=affinity_migrated; ok test "$(vmm_cpus g2)" = "$(expand "$(seq -s, 0 $((last - 1)))")"
unset XENKVM_CPUSET
"$xl" destroy g2
if [ -n "${cg:-}" ]; then
    name=cgroup_removed_with_domain; ok wait_for 10 test ! -d "$cg"
fi
t destroy_aff 0 '' cpupool-destroy aff
t add_back_again 0 '' cpupool-cpu-add Pool-0 "$last"

# --- one pool per NUMA node -------------------------------------------------
node0=$(cat /sys/devices/system/node/node0/cpulist 2>/dev/null)
if [ -n "$node0" ]; then
    t numa_split 0 '' cpupool-numa-split
    name=numa_split_pool0_renamed; ok test "$(pool_cpus Pool-node0)" = "$(expand "$node0")"
    "$xl" cpupool-create name=\"extra\" >/dev/null 2>&1
    t numa_split_refused 1 'splitting not possible, already cpupools in use' cpupool-numa-split
else
    echo "SKIP: numa_split: no /sys/devices/system/node here"
fi
