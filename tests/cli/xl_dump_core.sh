#!/bin/bash
# xl dump-core through the real command line: a running test guest writes
# a pattern made at run time into a page of its own and says where; the
# core xl writes is read back as an analysis tool would (core_read.py:
# Xen's dump-core ELF layout, notes, .xen_prstatus, .xen_pfn, .xen_pages;
# readelf agrees on the sections) and the pattern is found at that guest
# frame.  xl's errors and exit codes, and the guest runs on after.
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm xl_dump_core
guest=$BUILDDIR/tests/guest/pvcontrol64.elf
reader=$SRCDIR/tests/cli/core_read.py
xl_private xldump
trap xl_teardown EXIT
con=$tmp/log/console/guest-dc.log

xl_cfg dc "$guest" 'vcpus = 2' 'cmdline = "pvcontrol.marker"'
"$xl" create -q "$tmp/dc.cfg" || { fail create "xl create"; exit 0; }
id=$("$xl" domid dc)
name=guest_marker; ok wait_for 30 grep -q "pvcontrol: watching" "$con"
read -r marker gpa < <(sed -n 's/.*core marker \([^ ]*\) at \(0x[0-9a-f]*\).*/\1 \2/p' "$con" | tr -d '\r')

t dump_core 0 "" dump-core dc "$tmp/dc.core"
name=core_mode_0600; ok test "$(stat -c %a "$tmp/dc.core")" = 600
out=$(python3 "$reader" "$tmp/dc.core" "$gpa" 2>&1); st=$?
name=core_well_formed; ok test "$st" = 0
name=core_vcpus; ok grep -q '^vcpus 2 ' <<<"$out"
# 32 MiB of RAM (less the frame the shared info now overlays), the 8
# special pages and the 16 ACPI table pages.
pages=$(awk '/^vcpus/ { print $4 }' <<<"$out")
name=core_page_count; ok test "${pages:-0}" -ge 8000 -a "${pages:-0}" -le 8216
name=core_size; ok test "$(stat -c %s "$tmp/dc.core")" -gt $(( ${pages:-0} * 4096 ))
name=core_pattern_at_gpa; ok test -n "$marker" -a "$(tail -1 <<<"$out")" = "$marker"
# vCPU 0 is up in long mode with paging; vCPU 1 was never brought up.
v0=$(grep '^vcpu 0 ' <<<"$out")
name=core_vcpu0_online; ok test $(( $(awk '{ print $4 }' <<<"$v0") & 0x20 )) != 0
name=core_vcpu0_paging; ok test $(( $(awk '{ print $8 }' <<<"$v0") & 0x80000000 )) != 0 -a "$(awk '{ print $10 }' <<<"$v0")" != 0x0
name=core_vcpu0_rip; ok test "$(awk '{ print $6 }' <<<"$v0")" != 0x0
name=core_vcpu1_offline; ok test $(( $(grep '^vcpu 1 ' <<<"$out" | awk '{ print $4 }') & 0x20 )) = 0
secs=$(readelf -S -W "$tmp/dc.core" 2>/dev/null | grep -oE '\.(note\.Xen|xen_[a-z]+|shstrtab)' | tr '\n' ' ')
name=readelf_sections; ok test "$secs" = ".shstrtab .note.Xen .xen_prstatus .xen_pfn .xen_pages "

# The domain runs on (unpaused after the dump) and answers its console.
name=running_after; ok bash -c "'$xl' list dc | awk 'NR == 2 { exit \$5 ~ /p/ }'"
"$xl" pause dc
t dump_core_paused 0 "" dump-core dc "$tmp/dc2.core"
name=stays_paused; ok bash -c "'$xl' list dc | awk 'NR == 2 { exit \$5 !~ /p/ }'"
name=second_core_same_marker; ok test "$(python3 "$reader" "$tmp/dc2.core" "$gpa" 2>&1 | tail -1)" = "$marker"
"$xl" unpause dc

t dump_core_bad_path 1 "$(printf 'libxl: error: Domain %s:Core dumping domain to %s: No such file or directory\ncore dump failed (rc=-3)' "$id" "$tmp/no/dir/core")" \
    dump-core dc "$tmp/no/dir/core"
t dump_core_domain0 1 "$(printf 'libxl: error: Domain 0:Core dumping domain to %s: domain 0 is the host\ncore dump failed (rc=-3)' "$tmp/d0.core")" \
    dump-core 0 "$tmp/d0.core"
t dump_core_no_domain 1 'nosuch is an invalid domain identifier (rc=-6)' dump-core nosuch "$tmp/x.core"
name=dump_core_too_few_args; ok test "$("$xl" dump-core dc >/dev/null 2>&1; echo $?)" = 2
# on_crash = "coredump-destroy": the monitor dumps the crashed domain to
# XEN_DUMP_DIR/NAME ($XENKVM_DUMPDIR here), then destroys it.
export XENKVM_DUMPDIR=$tmp/dump
xl_cfg crashy "$guest" 'cmdline = "pvcontrol.marker pvcontrol.crash"' 'on_crash = "coredump-destroy"'
"$xl" create -q "$tmp/crashy.cfg" || fail create_crashy "xl create"
name=crashed_domain_gone; ok wait_for 30 bash -c "! '$xl' list crashy"
read -r marker gpa < <(sed -n 's/.*core marker \([^ ]*\) at \(0x[0-9a-f]*\).*/\1 \2/p' "$tmp/log/console/guest-crashy.log" | tr -d '\r')
name=crash_core_written; ok test -s "$tmp/dump/crashy"
name=crash_core_logged; ok grep -q "dumping core to $tmp/dump/crashy" "$tmp/log/xl-crashy.log"
name=crash_core_pattern; ok test -n "$marker" -a "$(python3 "$reader" "$tmp/dump/crashy" "$gpa" 2>&1 | tail -1)" = "$marker"

printf 'not a core' > "$tmp/bad.core"
name=reader_rejects_garbage; ok bash -c "! python3 '$reader' '$tmp/bad.core'"
"$xl" destroy dc
