#!/bin/bash
# xl end to end, through the real command line: create, list, console,
# shutdown, reboot and crash actions, destroy, two domains at once, a VMM
# killed with SIGKILL, pause, mem-set, sysrq, rename, bad configs.  A
# private xenstored is started on demand by xl itself; the real Debian
# xenstore tools look at the tree.  The guest is tests/guest/pvcontrol64.elf
# (it answers control/shutdown, control/sysrq and memory/target, and
# echoes console input).
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm xl_lifecycle
guest=$BUILDDIR/tests/guest/pvcontrol64.elf
xl_private xl
trap xl_teardown EXIT

# check NAME CMD...: PASS when the command succeeds.
check() { local n=$1; shift; if "$@" >/dev/null 2>&1; then pass "$n"; else fail "$n" "$*"; fi; }
# mkcfg NAME [lines...]: a config for the test guest.
mkcfg() { xl_cfg "$1" "$guest" "${@:2}"; }
conslog() { cat "$tmp/log/console/guest-$1.log" 2>/dev/null; }
in_console() { conslog "$1" | grep -qF -- "$2"; }
domid_of() { "$xl" domid "$1" 2>/dev/null; }
gone() { ! listed "$1"; }
xs_absent() { ! xenstore-read "$1" >/dev/null 2>&1; }

# --- create, list, the xenstore tree ---------------------------------------
mkcfg alpha 'on_poweroff = "destroy"' 'on_reboot = "restart"'
out=$("$xl" create "$tmp/alpha.cfg" 2>&1)
st=$?
[ $st = 0 ] && pass create || fail create "status $st: $out"
grep -qF "Parsing config from $tmp/alpha.cfg" <<<"$out" && pass create_says_parsing \
    || fail create_says_parsing "$out"
check xenstored_started_on_demand test -S "$XENSTORED_PATH"
check dom0_named [ "$(xenstore-read /local/domain/0/name)" = Domain-0 ]
wait_for 20 in_console alpha "pvcontrol: up" && pass console_log_output \
    || fail console_log_output "$(conslog alpha)"
id=$(domid_of alpha)
[ "$id" = 1 ] && pass first_domid_is_1 || fail first_domid_is_1 "got '$id'"
in_console alpha "domid 1, name alpha" && pass guest_reads_its_name \
    || fail guest_reads_its_name "$(conslog alpha)"
line=$("$xl" list | grep '^alpha ')
if [[ $line =~ ^alpha\ +1\ +3[12]\ +1\ +[-r][-b]----\ +[0-9.]+$ ]]; then
    pass list_row
else
    fail list_row "'$line'"
fi
head=$("$xl" list | head -1)
[ "$head" = "$(printf 'Name                                        ID   Mem VCPUs\tState\tTime(s)')" ] \
    && pass list_header || fail list_header "'$head'"
"$xl" list | grep -q '^Domain-0  *0 ' && pass list_dom0 || fail list_dom0 "$("$xl" list)"
for node in name domid vm memory/target memory/static-max control/shutdown \
            console/ring-ref console/port store/port store/ring-ref device cpu/0/availability; do
    check "tree_$node" xenstore-read "/local/domain/1/$node"
done
[ "$(xenstore-read /local/domain/1/memory/target)" = 32768 ] && pass memory_target_kib \
    || fail memory_target_kib "$(xenstore-read /local/domain/1/memory/target)"
vm=$(xenstore-read /local/domain/1/vm)
[ "$(xenstore-read "$vm/name")" = alpha ] && pass vm_path_name || fail vm_path_name "$vm"
check vm_start_time xenstore-read "$vm/start_time"
perm=$(xenstore-ls -p /local/domain/1 2>/dev/null | grep '^name ')
[[ $perm == *"(n0,r1)"* ]] && pass dom_path_perms || fail dom_path_perms "$perm"
"$xl" list -l | grep -q '"name": "alpha"' && pass list_long_json \
    || fail list_long_json "$("$xl" list -l | head -20)"
"$xl" list -l alpha | grep -q '"domid": 1' && pass list_long_domid \
    || fail list_long_domid "$("$xl" list -l alpha | head -5)"
[ "$("$xl" domname 1)" = alpha ] && pass domname || fail domname
"$xl" vcpu-list alpha | grep -qE '^alpha +1 +0 ' && pass vcpu_list || fail vcpu_list \
    "$("$xl" vcpu-list alpha)"
"$xl" uptime alpha | grep -qE '^alpha +1 +[ 0-9]+:[0-9]{2}:[0-9]{2}$' && pass uptime \
    || fail uptime "$("$xl" uptime alpha)"
"$xl" info | grep -q '^xen_version *: 4.17' && pass info || fail info
[ "$("$xl" info free_cpus)" = 0 ] && pass info_one_key || fail info_one_key

# --- console ----------------------------------------------------------------
out=$( (sleep 1; printf 'hello console\n'; sleep 2; printf '\035') |
       timeout 20 "$xl" console alpha 2>&1)
st=$?
grep -qF "echo: hello console" <<<"$out" && pass console_echo || fail console_echo "$st: $out"
[ $st = 0 ] && pass console_escape_exits || fail console_escape_exits "status $st"

# --- pause, sysrq, mem-set, rename --------------------------------------------
check pause "$xl" pause alpha
"$xl" list alpha | grep -qE ' --p--- | -bp--- | r-p--- ' && pass list_paused \
    || fail list_paused "$("$xl" list alpha)"
check unpause "$xl" unpause alpha
out=$("$xl" unpause alpha 2>&1) && fail unpause_not_paused "$out" || pass unpause_not_paused
check sysrq "$xl" sysrq alpha s
wait_for 10 in_console alpha "pvcontrol: sysrq s" && pass sysrq_reaches_guest \
    || fail sysrq_reaches_guest "$(conslog alpha | tail -3)"
check mem_set "$xl" mem-set alpha 16m
wait_for 10 in_console alpha "balloon target 16384 KiB" && pass mem_set_reaches_guest \
    || fail mem_set_reaches_guest "$(conslog alpha | tail -3)"
out=$("$xl" mem-set alpha 1g 2>&1) && fail mem_set_over_max "$out" || pass mem_set_over_max
check rename "$xl" rename alpha alpha2
check rename_listed listed alpha2
[ "$(xenstore-read "$vm/name")" = alpha2 ] && pass rename_vm_path || fail rename_vm_path
"$xl" rename alpha2 alpha >/dev/null 2>&1

# --- a second domain at once; duplicate names refused -------------------------
mkcfg beta
check create_second "$xl" create -q "$tmp/beta.cfg"
bid=$(domid_of beta)
[ -n "$bid" ] && [ "$bid" != 1 ] && pass second_domid || fail second_domid "'$bid'"
wait_for 20 in_console beta "pvcontrol: up, domid $bid, name beta" && pass second_console \
    || fail second_console "$(conslog beta)"
out=$("$xl" create "$tmp/beta.cfg" 2>&1) && fail duplicate_name "$out"
grep -q 'already exists' <<<"$out" && pass duplicate_name || fail duplicate_name "$out"

# --- shutdown: the guest powers off, on_poweroff=destroy ----------------------
out=$(timeout 120 "$xl" shutdown -w alpha 2>&1)
st=$?
[ $st = 0 ] && pass shutdown_wait || fail shutdown_wait "$st: $out"
in_console alpha "pvcontrol: shutdown poweroff" && pass shutdown_reaches_guest \
    || fail shutdown_reaches_guest "$(conslog alpha | tail -3)"
wait_for 10 gone alpha && pass shutdown_destroys || fail shutdown_destroys "$("$xl" list)"
wait_for 10 xs_absent /local/domain/1/name && pass shutdown_removes_nodes \
    || fail shutdown_removes_nodes
check shutdown_removes_vm_path xs_absent "$vm/name"
check other_domain_untouched listed beta

# --- reboot: on_reboot=restart gives a new domid -------------------------------
mkcfg gamma 'on_reboot = "restart"'
"$xl" create -q "$tmp/gamma.cfg"
wait_for 20 in_console gamma "name gamma" || true
gid=$(domid_of gamma)
check reboot "$xl" reboot gamma
wait_for 20 bash -c "[ -n \"\$('$xl' domid gamma 2>/dev/null)\" ] && [ \"\$('$xl' domid gamma)\" != $gid ]" \
    && pass reboot_restarts_with_new_domid || fail reboot_restarts_with_new_domid "$("$xl" list)"
wait_for 20 bash -c "[ \$(grep -c 'pvcontrol: up' '$tmp/log/console/guest-gamma.log') -ge 2 ]" \
    && pass reboot_boots_again || fail reboot_boots_again "$(conslog gamma)"
check reboot_old_nodes_gone xs_absent "/local/domain/$gid/name"

# --- crash: preserve keeps it (state c), destroy removes it --------------------
mkcfg delta 'on_crash = "preserve"' 'extra = "pvcontrol.crash"'
"$xl" create -q "$tmp/delta.cfg"
wait_for 20 bash -c "'$xl' list delta | grep -q ' ---sc- '" && pass crash_preserve_state \
    || fail crash_preserve_state "$("$xl" list)"
check destroy "$xl" destroy delta
check destroy_gone gone delta
mkcfg epsilon 'on_crash = "destroy"' 'extra = "pvcontrol.crash"'
timeout 30 xenstore-watch -n 3 @releaseDomain > "$tmp/watch" 2>&1 &
wpid=$!
sleep 0.3
"$xl" create -q "$tmp/epsilon.cfg"
wait_for 20 bash -c "grep -q 'pvcontrol: up' '$tmp/log/console/guest-epsilon.log' && ! '$xl' list epsilon" \
    && pass crash_destroy || fail crash_destroy "$("$xl" list)"
wait_for 10 bash -c "[ \$(grep -c '^@releaseDomain' '$tmp/watch') -ge 2 ]" \
    && pass release_domain_fired || fail release_domain_fired "$(cat "$tmp/watch")"
kill $wpid 2>/dev/null

# --- watchdog and triple fault reach their actions -----------------------------
mkcfg kappa 'on_watchdog = "destroy"' 'extra = "pvcontrol.watchdog"'
"$xl" create -q "$tmp/kappa.cfg"
wait_for 30 bash -c "grep -q 'reason code 4' '$tmp/log/xl-kappa.log' && ! '$xl' list kappa" \
    && pass watchdog_action || fail watchdog_action "$(tail -3 "$tmp/log/xl-kappa.log")"
# A triple fault is Xen's default HVM_PARAM_TRIPLE_FAULT_REASON: a reboot.
mkcfg lambda 'on_reboot = "destroy"' 'extra = "pvcontrol.triple"'
"$xl" create -q "$tmp/lambda.cfg"
wait_for 30 bash -c "grep -q 'reason code 1' '$tmp/log/xl-lambda.log' && ! '$xl' list lambda" \
    && pass triple_fault_is_reboot || fail triple_fault_is_reboot "$(tail -3 "$tmp/log/xl-lambda.log")"

# --- rename-restart: the old domain stays, renamed -----------------------------
mkcfg zeta 'on_reboot = "rename-restart"'
"$xl" create -q "$tmp/zeta.cfg"
wait_for 20 in_console zeta "name zeta" || true
check rename_restart_reboot "$xl" reboot zeta
wait_for 20 bash -c "'$xl' list | grep -q '^zeta-[0-9]*T[0-9]*Z '" \
    && pass rename_restart_old_kept || fail rename_restart_old_kept "$("$xl" list)"
wait_for 20 listed zeta && pass rename_restart_new_running || fail rename_restart_new_running
old=$("$xl" list | awk '/^zeta-/ { print $1 }')
[ -n "$old" ] && "$xl" destroy "$old" && gone "$old" && pass rename_restart_destroy_old \
    || fail rename_restart_destroy_old "$old"
"$xl" destroy zeta

# --- a VMM killed with SIGKILL: list and xenstore stay consistent --------------
read -r _ vpid < "$XENKVM_RUNDIR/dom$bid.pid"
kill -9 "$vpid"
wait_for 10 gone beta && pass sigkill_vmm_unlisted || fail sigkill_vmm_unlisted "$("$xl" list)"
wait_for 10 xs_absent "/local/domain/$bid/name" && pass sigkill_vmm_nodes_removed \
    || fail sigkill_vmm_nodes_removed
# Both the monitor and the VMM killed: the next xl list cleans up.
mkcfg eta
"$xl" create -q "$tmp/eta.cfg"
eid=$(domid_of eta)
read -r mpid vpid < "$XENKVM_RUNDIR/dom$eid.pid"
kill -9 "$mpid" "$vpid"
sleep 0.5
wait_for 10 gone eta && pass sigkill_all_unlisted || fail sigkill_all_unlisted "$("$xl" list)"
check sigkill_all_nodes_reaped xs_absent "/local/domain/$eid/name"

# --- paused create, dry run, HVM without PV drivers ----------------------------
mkcfg theta
check create_paused "$xl" create -q -p "$tmp/theta.cfg"
"$xl" list theta | grep -q ' --p--- ' && pass create_paused_state \
    || fail create_paused_state "$("$xl" list theta)"
sleep 0.5
! in_console theta "pvcontrol: up" && pass paused_does_not_run || fail paused_does_not_run
"$xl" unpause theta
wait_for 20 in_console theta "pvcontrol: up" && pass unpaused_runs || fail unpaused_runs
"$xl" destroy theta
out=$("$xl" create -n "$tmp/theta.cfg" memory=48 2>/dev/null)
grep -q '"c_info"' <<<"$out" && grep -q '"max_memkb": 49152' <<<"$out" \
    && pass dryrun_json || fail dryrun_json "$out"
cat > "$tmp/iota.cfg" <<CFG
name = "iota"
type = "hvm"
firmware_override = "$guest"
memory = 32
extra = "pvcontrol.no-pv"
on_poweroff = "destroy"
CFG
"$xl" create -q "$tmp/iota.cfg"
wait_for 20 in_console iota "pvcontrol: up" || true
out=$("$xl" shutdown iota 2>&1) && fail shutdown_needs_pv "$out"
grep -q 'PV control interface not available' <<<"$out" && pass shutdown_needs_pv \
    || fail shutdown_needs_pv "$out"
check shutdown_fallback "$xl" shutdown -F iota
wait_for 10 gone iota && pass shutdown_fallback_stops || fail shutdown_fallback_stops

# --- bad input: named errors, nothing created -----------------------------------
printf 'name = "bad"\nmemory = 32\nkernel = "%s"\nvcpus = [ 1, \n' "$guest" > "$tmp/bad.cfg"
before=$("$xl" list | wc -l)
out=$("$xl" create "$tmp/bad.cfg" 2>&1)
st=$?
[ $st != 0 ] && grep -q "$tmp/bad.cfg:[0-9]" <<<"$out" && pass bad_config_named \
    || fail bad_config_named "$st: $out"
[ "$("$xl" list | wc -l)" = "$before" ] && pass bad_config_creates_nothing \
    || fail bad_config_creates_nothing
out=$("$xl" create "$tmp/alpha.cfg" memory=lots 2>&1) && fail bad_override_syntax "$out"
grep -q "command line:1: config parsing error near \`lots'" <<<"$out" \
    && pass bad_override_syntax || fail bad_override_syntax "$out"
out=$("$xl" create "$tmp/alpha.cfg" 'memory="lots"' 2>&1) && fail bad_override_value "$out"
grep -q 'memory' <<<"$out" && ! listed alpha && pass bad_override_value \
    || fail bad_override_value "$out"
out=$("$xl" create "$tmp/nonexistent.cfg" 2>&1)
grep -q "Failed to read config file: $tmp/nonexistent.cfg" <<<"$out" && pass missing_config \
    || fail missing_config "$out"
out=$("$xl" destroy nosuchdomain 2>&1)
[ $? = 1 ] && grep -q 'nosuchdomain is an invalid domain identifier' <<<"$out" \
    && pass unknown_domain || fail unknown_domain "$out"
out=$("$xl" frobnicate 2>&1)
[ $? = 1 ] && pass unknown_command || fail unknown_command "$out"
out=$("$xl" pause 2>&1)
[ $? = 2 ] && grep -q "requires at least 1 argument" <<<"$out" && pass missing_argument \
    || fail missing_argument "$out"
"$xl" help | grep -q '^ create ' && pass help || fail help
grep -lE "AddressSanitizer|runtime error" "$tmp"/log/*.log >/dev/null 2>&1 \
    && fail sanitizers_clean "$(grep -lE 'AddressSanitizer|runtime error' "$tmp"/log/*.log)" \
    || pass sanitizers_clean
exit 0
