#!/bin/bash
# xl config-update through the real command line: the new config is kept
# for the domain's next restart (the running domain is unchanged), a guest
# reboot brings the domain back with it (memory, vCPUs, command line), and
# xl's messages, dry run and exit statuses.
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm xl_config_update
guest=$BUILDDIR/tests/guest/pvcontrol64.elf
xl_private xlcu
trap xl_teardown EXIT
warn='WARNING: xl now has better capability to manage domain configuration, avoid using this command when possible'
mem() { "$xl" list cu | awk 'NR == 2 { print $3 " " $4 }'; }
mem_is() { [ "$(mem)" = "$1" ]; }
con=$tmp/log/console/guest-cu.log

xl_cfg cu "$guest" 'vcpus = 1'
"$xl" create -q "$tmp/cu.cfg" || { fail create "xl create"; exit 0; }
id=$("$xl" domid cu)
name=guest_up; ok wait_for 30 grep -q "pvcontrol: watching" "$con"
uuid=$("$xl" list -v cu | awk 'NR == 2 { print $7 }')

xl_cfg cu2 "$guest"
sed -i 's/^name = .*/name = "cu"/; s/^memory = 32/memory = 40/' "$tmp/cu2.cfg"
out=$("$xl" -N config-update cu "$tmp/cu2.cfg" vcpus=2 2>&1 >/dev/null); st=$?
name=update_dry_run; ok test "$st" = 0 -a "$out" = "$warn"
name=dry_run_stores_nothing; ok test ! -e "$XENKVM_RUNDIR/dom$id.cfg.update"
out=$("$xl" -N config-update cu "$tmp/cu2.cfg" vcpus=2 2>/dev/null)
name=dry_run_prints_json; ok grep -q '"max_vcpus": 2' <<<"$out"
t update 0 "$(printf '%s\nsetting dom%s configuration' "$warn" "$id")" \
    config-update cu "$tmp/cu2.cfg" vcpus=2 'cmdline="pvcontrol.marker"'
name=update_stored; ok test -s "$XENKVM_RUNDIR/dom$id.cfg.update"
name=running_domain_unchanged; ok test "$(mem)" = "32 1"

# The guest reboots: the monitor rebuilds the domain from the new config.
"$xl" reboot cu >/dev/null 2>&1
name=restarted_with_new_memory; ok wait_for 30 mem_is "40 1"
name=restarted_guest_up; ok wait_for 30 grep -q "pvcontrol: core marker" "$con"
name=restarted_two_vcpus; ok test "$("$xl" vcpu-list cu | wc -l)" = 3
name=uuid_kept; ok test "$("$xl" list -v cu | awk 'NR == 2 { print $7 }')" = "$uuid"
name=monitor_said_so; ok grep -q '"xl" configuration found, using it' "$tmp/log/xl-cu.log"
name=update_used_once; ok test ! -e "$XENKVM_RUNDIR/dom$id.cfg.update"
name=list_l_new_config; ok bash -c "'$xl' list -l cu | grep -q '\"max_memkb\": 40960'"

# --- errors -----------------------------------------------------------------
t no_domain_argument 1 "$(printf 'xl config-update requires a domain argument\n%s' "$("$xl" help config-update 2>&1)")" config-update
t no_config_file 1 "$(printf '%s\nConfig file not specified' "$warn")" config-update cu
t unreadable_file 253 "$(printf '%s\nFailed to read config file: %s: No such file or directory' "$warn" "$tmp/none.cfg")" \
    config-update cu "$tmp/none.cfg"
printf 'memory = "lots"\n' > "$tmp/bad.cfg"
out=$("$xl" config-update cu "$tmp/bad.cfg" 2>&1); st=$?
name=bad_config_refused; ok test "$st" = 1 -a ! -e "$XENKVM_RUNDIR/dom$id.cfg.update"
t unknown_domain 1 "$(printf '%s\nnosuch is an invalid domain identifier (rc=-6)' "$warn")" config-update nosuch "$tmp/cu2.cfg"
"$xl" destroy cu
