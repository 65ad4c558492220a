#!/bin/bash
# xl top (xentop's columns, built in) through the real command line against
# a running test guest with a disk: batch mode's header and rows, what the
# VMM reports in them (state, memory, vCPUs), the device counts, the -v /
# -x / -z / -r / -i / -d options and a bad option's status.  Then the VBD
# columns against blkfront64.elf `stats', which makes a known set of
# requests on its disk (xenkvm-blkback's counters, Linux blkback's
# statistics), and "-" for a vbd that no xenkvm-blkback serves.
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm xl_top
guest=$BUILDDIR/tests/guest/pvcontrol64.elf
xl_private xltop
trap xl_teardown EXIT

truncate -s 16M "$tmp/disk.img"
xl_cfg a-top "$guest" 'vcpus = 2' "disk = [ '$tmp/disk.img,raw,xvda,rw' ]"
"$xl" create -q "$tmp/a-top.cfg" || { fail create "xl create"; exit 0; }
wait_for 30 grep -q "pvcontrol: watching" "$tmp/log/console/guest-a-top.log"

hdr='      NAME  STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)  MAXMEM(k) MAXMEM(%) VCPUS NETS NETTX(k) NETRX(k) VBDS   VBD_OO   VBD_RD   VBD_WR  VBD_RSECT  VBD_WSECT SSID'
out=$("$xl" top -b -i 1); st=$?
name=batch_status; ok test "$st" = 0
name=batch_header; ok test "$(head -1 <<<"$out")" = "$hdr"
name=batch_three_lines; ok test "$(wc -l <<<"$out")" = 3
# xentop sorts by name: a-top before Domain-0.
name=sorted_by_name; ok test "$(awk 'NR > 1 { printf "%s ", $1 }' <<<"$out")" = "a-top Domain-0 "
row=$(awk '$1 == "a-top"' <<<"$out")
f() { awk -v i="$1" '{ print $i }' <<<"$row"; }
name=row_state; ok grep -qE '^[-d][-s][-b][-c][-p][-r]$' <<<"$(f 2)"
name=row_cpu_pct_first_round; ok test "$(f 4)" = 0.0
name=row_mem_kb_from_vmm; ok test "$(f 5)" -ge 32000 -a "$(f 5)" -le 33792
name=row_maxmem_kb; ok test "$(f 7)" = 32768
name=row_vcpus; ok test "$(f 9)" = 2
name=row_no_nets; ok test "$(f 10) $(f 11) $(f 12)" = "0 0 0"
name=row_one_vbd; ok test "$(f 13)" = 1
# Served by xenkvm-blkback, never connected by this guest: all zero.
name=row_vbd_counters_zero; ok test "$(f 14) $(f 15) $(f 16) $(f 17) $(f 18)" = "0 0 0 0 0"
name=row_ssid; ok test "$(f 19)" = 0
dom0=$(awk '$1 == "Domain-0"' <<<"$out")
name=dom0_no_limit; ok grep -q ' no limit       n/a ' <<<"$dom0"
name=dom0_vcpus_host_cpus; ok test "$(awk '{ print $10 }' <<<"$dom0")" = "$(getconf _NPROCESSORS_ONLN)"

# Two rounds one second apart; the second has a CPU(%) from the first.
out=$("$xl" top -b -i 2 -d 1)
name=two_iterations; ok test "$(grep -c '^      NAME' <<<"$out")" = 2
name=cpu_pct_number; ok grep -qE '^ +a-top [-a-z]{6} +[0-9]+ +[0-9]+\.[0-9] ' <<<"$(tail -2 <<<"$out")"

out=$("$xl" top -b -i 1 -z -v -x -r)
name=dom0_first; ok test "$(awk '$1 == "Domain-0" || $1 == "a-top" { printf "%s ", $1 }' <<<"$out")" = "Domain-0 a-top "
name=repeat_header; ok test "$(grep -c '^      NAME' <<<"$out")" = 2
name=vcpu_line; ok grep -qE '^VCPUs\(sec\):   0: +[0-9]+s$' <<<"$(sed -n '/^ *a-top /{n;p}' <<<"$out")"
name=vbd_line; ok grep -qxF 'VBD BlkBack 51712 [ca: 0]  OO:        0   RD:        0   WR:        0   RSECT:          0   WSECT:          0' <<<"$out"

"$xl" pause a-top
name=paused_state; ok test "$("$xl" top -b -i 1 | awk '$1 == "a-top" { print substr($2, 5, 1) }')" = p
"$xl" unpause a-top

out=$("$xl" top -q 2>&1); st=$?
name=bad_option; ok test "$st" = 2 -a "$(head -1 <<<"$out")" = "option \`q' not supported."
"$xl" destroy a-top

# --- the VBD columns against known I/O ----------------------------------------
# blkfront64 `stats': writes of 1, 1 and 4 pages (48 sectors), reads of 1,
# 1, 1 and 2 pages (40 sectors) and one read refused (first_sect >
# last_sect: counted, as Linux counts a request before checking it, with
# no sectors), a flush and a discard; then it waits for data/finish.
truncate -s 16M "$tmp/st.img"
xl_cfg st "$BUILDDIR/tests/guest/blkfront64.elf" 'cmdline = "stats"' \
    "disk = [ '$tmp/st.img,raw,xvda,rw' ]"
"$xl" create -q "$tmp/st.cfg" || { fail create_stats_guest "xl create"; exit 0; }
sid=$("$xl" domid st)
if ! wait_for 60 grep -q "blkfront-stats: done" "$tmp/log/xl-st.log"; then
    fail stats_guest_done "$(tail -5 "$tmp/log/xl-st.log")"
    exit 0
fi
name=stats_guest_requests_answered; ok grep -q "blkfront-stats: done: .*, PASS" "$tmp/log/xl-st.log"
out=$("$xl" top -b -i 1 -x)
row=$(awk '$1 == "st"' <<<"$out")
name=vbd_oo_rd_wr_rsect_wsect; ok test "$(f 13) $(f 14) $(f 15) $(f 16) $(f 17) $(f 18)" = "1 0 5 3 40 48"
name=vbd_line_counts; ok grep -qxF 'VBD BlkBack 51712 [ca: 0]  OO:        0   RD:        5   WR:        3   RSECT:         40   WSECT:         48' <<<"$out"
# The counters file itself (lib/vbd_stats.h): slot 0's oo_req rd_req
# wr_req f_req ds_req rd_sect wr_sect.
want_f=$(grep -o 'f_req [01] ds_req [01]' "$tmp/log/xl-st.log" | awk '{ print $2, $4 }')
name=stats_file_slot0; ok test "$(od -An -tu8 -j16 -N56 -w56 "$XENKVM_RUNDIR/dom$sid.vbd51712.stats" | xargs)" = "0 5 3 $want_f 40 48"
name=stats_flush_and_discard_offered; ok test "$want_f" = "1 1"
xenstore-write "/local/domain/$sid/data/finish" done
name=stats_guest_finished; ok wait_for 30 bash -c "! '$xl' domid st"
name=stats_file_gone_with_domain; ok wait_for 10 test ! -e "$XENKVM_RUNDIR/dom$sid.vbd51712.stats"

# A vbd no xenkvm-blkback serves (a stand-in that only claims the domain's
# vbds): xentop's "-".
printf '#!/bin/sh\necho $$ > "$4/dom$2.vbd.pid"\nexec sleep 600\n' > "$tmp/standin"
chmod +x "$tmp/standin"
xl_cfg un "$guest" "disk = [ '$tmp/st.img,raw,xvda,rw' ]"
XENKVM_BLKBACK=$tmp/standin "$xl" create -q "$tmp/un.cfg" || { fail create_unserved "xl create"; exit 0; }
row=$("$xl" top -b -i 1 | awk '$1 == "un"')
name=unserved_vbd_dashes; ok test "$(f 13) $(f 14)$(f 15)$(f 16)$(f 17)$(f 18)" = "1 -----"
uid=$("$xl" domid un)
standin_pid=$(cat "$XENKVM_RUNDIR/dom$uid.vbd.pid" 2>/dev/null)
"$xl" destroy un
[ -n "$standin_pid" ] && kill "$standin_pid" 2>/dev/null
