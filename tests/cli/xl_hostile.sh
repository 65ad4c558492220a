#!/bin/bash
# xl against a hostile user, through the real command line: creates cut
# short (monitor killed, xl killed, Ctrl-C of create -F, an image that is a
# FIFO), a hung VMM (SIGSTOP) in list/destroy/shutdown -w, memory
# admission and xl.conf's claim_mode, leftover files, stale pid files,
# and a domain xenstore has lost.  A VMM wrapper that waits for a file
# before running the real VMM holds a create in the middle, so the cuts
# land where they should without timing.
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm xl_hostile
guest=$BUILDDIR/tests/guest/pvcontrol64.elf
xl_private xlh
export XENKVM_XL_CONF=$tmp/xl.conf     # absent: xl's defaults
realvmm=$(cd "$(dirname "$vmm")" && pwd)/$(basename "$vmm")
run=$XENKVM_RUNDIR
bgpids=()
cleanup() {
    for p in "${bgpids[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    xl_teardown
}
trap cleanup EXIT

check() { local n=$1; shift; if "$@" >/dev/null 2>&1; then pass "$n"; else fail "$n" "$*"; fi; }
mkcfg() { xl_cfg "$1" "$guest" "${@:2}"; }
gone() { ! listed "$1"; }
# dead PID: gone, or a zombie nobody has reaped yet
dead() { ! kill -0 "$1" 2>/dev/null || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
# leftovers N: the files of domain N still in the run directory
leftovers() { ls "$run" | grep -E "^dom$1\.(lock|sock|console|cfg|pid)" | tr '\n' ' '; }
no_leftovers() { [ -z "$(leftovers "$1")" ]; }
state_of() { "$xl" list "$1" 2>/dev/null | awk 'NR == 2 { print $5 }'; }

# The held VMM: runs the real one once $tmp/go exists.
cat > "$tmp/vmm-wrapper" <<EOF
#!/bin/sh
touch "$tmp/started"
while [ ! -e "$tmp/go" ]; do sleep 0.05; done
exec "$realvmm" "\$@"
EOF
chmod +x "$tmp/vmm-wrapper"
held_create() { # NAME [xl create options]: xl create in the background, held
    rm -f "$tmp/go" "$tmp/started"
    local n=$1; shift
    mkcfg "$n"
    XENKVM_VMM=$tmp/vmm-wrapper "$xl" create -q "$@" "$tmp/$n.cfg" > "$tmp/$n.out" 2>&1 &
    xlpid=$!
    bgpids+=("$xlpid")
    wait_for 20 test -e "$tmp/started"
}
pids_of() { mpid=0 vpid=0; read -r mpid vpid < "$run/dom$1.pid"; } 2>/dev/null
# held_ids: the held create's domid, monitor (xl's child) and VMM (the
# monitor's child), from the process tree
held_ids() {
    id=$(ls "$run" | sed -n 's/^dom\([0-9]*\)\.cfg$/\1/p' | head -1)
    mpid=$(pgrep -P "$xlpid" | head -1)
    vpid=$(pgrep -P "${mpid:-0}" | head -1)
    mpid=${mpid:-0} vpid=${vpid:-0}
}
mkcfg warmup
"$xl" create -q "$tmp/warmup.cfg"   # xenstored up
# xl create returns once the guest runs (libxl unpauses before it returns).
s=$(state_of warmup)
[[ $s != *p* ]] && pass create_returns_unpaused || fail create_returns_unpaused "'$s'"
"$xl" destroy warmup

# --- item 2: the monitor killed before it adopted the domain -------------------
held_create orph1
kill -STOP "$xlpid"         # xl cannot read the monitor's report
held_ids
touch "$tmp/go"
# The real VMM is up and paused, the monitor waits for xl.
wait_for 20 test -S "$run/dom$id.sock" && wait_for 20 listed orph1
kill -9 "$mpid"
wait_for 10 dead "$vpid" && pass monitor_killed_vmm_ends || fail monitor_killed_vmm_ends \
    "VMM $vpid still runs: $(ps -o pid,stat,args -p "$vpid" | tail -1)"
wait_for 10 gone orph1 && pass monitor_killed_unlisted || fail monitor_killed_unlisted \
    "$("$xl" list)"
"$xl" list >/dev/null
no_leftovers "$id" && pass monitor_killed_no_files || fail monitor_killed_no_files \
    "$(leftovers "$id")"
xenstore-read "/local/domain/$id/name" >/dev/null 2>&1 && fail monitor_killed_nodes_reaped \
    || pass monitor_killed_nodes_reaped
kill -9 "$xlpid" 2>/dev/null; wait "$xlpid" 2>/dev/null

# --- item 2: xl itself killed before it learnt the domid -------------------------
held_create orph2
held_ids
kill -9 "$xlpid"; wait "$xlpid" 2>/dev/null
touch "$tmp/go"
wait_for 10 dead "$vpid" && pass xl_killed_vmm_ends || fail xl_killed_vmm_ends
wait_for 10 dead "$mpid" && pass xl_killed_monitor_ends || fail xl_killed_monitor_ends
wait_for 10 gone orph2 && "$xl" list >/dev/null && no_leftovers "$id" \
    && pass xl_killed_nothing_left || fail xl_killed_nothing_left "$(leftovers "$id")"

# --- item 2: Ctrl-C of xl create -F while the domain is built ------------------------
rm -f "$tmp/go" "$tmp/started"
mkcfg orph3
XENKVM_VMM=$tmp/vmm-wrapper setsid "$xl" create -F -q "$tmp/orph3.cfg" > "$tmp/orph3.out" 2>&1 &
xlpid=$!
bgpids+=("$xlpid")
wait_for 20 test -e "$tmp/started"
held_ids
kill -INT -- "-$xlpid"      # the terminal's ^C: xl and its monitor
wait_for 10 dead "$vpid" && pass ctrl_c_vmm_ends || fail ctrl_c_vmm_ends
wait_for 10 dead "$mpid" && pass ctrl_c_monitor_ends || fail ctrl_c_monitor_ends
no_leftovers "$id" && pass ctrl_c_monitor_cleans_up || fail ctrl_c_monitor_cleans_up \
    "$(leftovers "$id")"

# --- item 2: xl destroy reaches a domain still being built ---------------------------
held_create orph4
kill -STOP "$xlpid"
held_ids
touch "$tmp/go"
wait_for 20 listed orph4
rm -f "$run/dom$id.pid"     # not even the pid file: the lock and socket lead to it
out=$("$xl" destroy "$id" 2>&1)
st=$?
[ $st = 0 ] && pass destroy_unfinished_create || fail destroy_unfinished_create "$st: $out"
check destroy_unfinished_vmm_gone dead "$vpid"
wait_for 10 gone orph4 && pass destroy_unfinished_unlisted || fail destroy_unfinished_unlisted
kill -9 "$xlpid" 2>/dev/null; wait "$xlpid" 2>/dev/null
wait_for 10 dead "$mpid"
"$xl" list >/dev/null
no_leftovers "$id" && pass destroy_unfinished_no_files || fail destroy_unfinished_no_files \
    "$(leftovers "$id")"

# --- item 2: an image that would block the VMM ---------------------------------------
mkfifo "$tmp/fifo"
mkcfg fifo
sed -i "s|^kernel = .*|kernel = \"$tmp/fifo\"|" "$tmp/fifo.cfg"
# Into a file: a monitor stuck on the FIFO would keep a pipe open forever.
timeout 30 "$xl" create -q "$tmp/fifo.cfg" > "$tmp/fifo.out" 2>&1
st=$?
out=$(cat "$tmp/fifo.out")
[ $st != 0 ] && [ $st != 124 ] && grep -q "not a regular file" <<<"$out" \
    && pass fifo_kernel_refused || fail fifo_kernel_refused "status $st: $out"
gone fifo && pass fifo_kernel_no_domain || fail fifo_kernel_no_domain

# --- item 4: a hung VMM (SIGSTOP) ------------------------------------------------------
mkcfg hung1
mkcfg hung2
"$xl" create -q "$tmp/hung1.cfg" && "$xl" create -q "$tmp/hung2.cfg"
h1=$("$xl" domid hung1) h2=$("$xl" domid hung2)
pids_of "$h1"; v1=$vpid
pids_of "$h2"; v2=$vpid
kill -STOP "$v1" "$v2"
# kill returns before every thread has stopped: wait until /proc says so.
stopped() { [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = T ]; }
wait_for 10 stopped "$v1"; wait_for 10 stopped "$v2"
out=$(timeout 60 "$xl" list 2>&1)
st=$?
[ $st = 0 ] && pass hung_list_returns || fail hung_list_returns "status $st: $out"
awk '$1 == "hung1" || $1 == "hung2" { n++ } END { exit n != 2 }' <<<"$out" \
    && pass hung_listed || fail hung_listed "$out"
# A stopped VMM runs no guest code: paused, not dying.
s=$(state_of hung1)
[[ $s == --p--- ]] && pass hung_shows_paused || fail hung_shows_paused "'$s'"
out=$(timeout 60 "$xl" shutdown -a -w 2>&1)
st=$?
[ $st != 124 ] && pass hung_shutdown_wait_returns || fail hung_shutdown_wait_returns "$out"
grep -q "Domain $h1 does not answer" <<<"$out" && pass hung_shutdown_wait_says_so \
    || fail hung_shutdown_wait_says_so "$out"
[ $st = 1 ] && pass hung_shutdown_wait_fails || fail hung_shutdown_wait_fails "status $st"
out=$(timeout 60 "$xl" destroy hung1 2>&1)
st=$?
[ $st = 0 ] && pass hung_destroy || fail hung_destroy "status $st: $out"
wait_for 10 dead "$v1" && pass hung_destroy_vmm_gone || fail hung_destroy_vmm_gone
check hung_destroy_unlisted gone hung1

# A running VMM that does not answer (stuck, not stopped): its socket taken
# over by a listener that accepts requests and answers none, asleep.  xl
# list gives up on it once its grace (XL_STUCK_GRACE_MS, named in xl -v's
# line) has passed with none of its threads runnable, and lists it with
# what xenstore and /proc know, next to the stopped VMM (never asked) and
# a live one (answered).  Before, it waited for the list's whole second.
mkcfg stuck1
mkcfg live1
"$xl" create -q -p "$tmp/stuck1.cfg" && "$xl" create -q -p "$tmp/live1.cfg"
s1=$("$xl" domid stuck1)
mv "$run/dom$s1.sock" "$run/dom$s1.sock.real"
"$BUILDDIR/tests/vmmctl/vmmctl_tool" mute-listener "$run/dom$s1.sock" > "$tmp/mute.out" &
mute=$!
bgpids+=("$mute")
wait_for 10 grep -q listening "$tmp/mute.out"
out=$(timeout 60 "$xl" -v list 2> "$tmp/list.err")
grep -qx "xl: domain $s1 (stuck1): its VMM did not answer within 250 ms and none of its threads is runnable; listed with what xenstore and /proc know" "$tmp/list.err" \
    && pass stuck_given_up_after_grace || fail stuck_given_up_after_grace "$(cat "$tmp/list.err")"
grep -qx "xl: domain $h2 (hung2): its VMM is stopped: not asked; listed with what xenstore and /proc know" "$tmp/list.err" \
    && pass stopped_not_asked || fail stopped_not_asked "$(cat "$tmp/list.err")"
# Name, id, memory (xenstore's target), vCPUs; state unknown: no flag.
awk -v id="$s1" '$1 == "stuck1" && $2 == id && $3 == 32 && $4 == 1 && $5 == "------" { f = 1 } END { exit !f }' <<<"$out" \
    && pass stuck_listed_with_known || fail stuck_listed_with_known "$out"
awk '$1 == "live1" && $5 == "--p---" { f = 1 } END { exit !f }' <<<"$out" \
    && pass stuck_others_answered || fail stuck_others_answered "$out"
kill "$mute"; wait "$mute" 2>/dev/null
mv -f "$run/dom$s1.sock.real" "$run/dom$s1.sock"
"$xl" destroy stuck1 >/dev/null 2>&1
"$xl" destroy live1 >/dev/null 2>&1
check stuck_destroyed gone stuck1
"$xl" destroy hung2 >/dev/null 2>&1

# --- item 5: memory admission ----------------------------------------------------------
avail=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
big=$((avail * 6 / 10))
mkcfg big1 "memory = $big"
mkcfg big2 "memory = $big"
check admit_first "$xl" create -q "$tmp/big1.cfg"
out=$("$xl" create "$tmp/big2.cfg" 2>&1)
st=$?
[ $st = 3 ] && pass admit_refused_status || fail admit_refused_status "status $st: $out"
grep -qx "failed to free memory for the domain" <<<"$out" && pass admit_refused_message \
    || fail admit_refused_message "$out"
check admit_refused_no_domain gone big2
echo "claim_mode = 0" > "$XENKVM_XL_CONF"
check admit_overcommit_by_xl_conf "$xl" create -q "$tmp/big2.cfg"
check admit_overcommit_listed listed big2
"$xl" destroy big2
"$xl" destroy big1
rm -f "$XENKVM_XL_CONF"
echo "claim_mode = [" > "$XENKVM_XL_CONF"
out=$("$xl" create -q "$tmp/big1.cfg" 2>&1)
st=$?
[ $st != 0 ] && grep -q "Failed to parse config file" <<<"$out" && pass xl_conf_bad_refused \
    || fail xl_conf_bad_refused "status $st: $out"
rm -f "$XENKVM_XL_CONF"

# --- item 7: leftovers and stale pids --------------------------------------------------
mkcfg left
"$xl" create -q "$tmp/left.cfg"
id=$("$xl" domid left)
pids_of "$id"
kill -9 "$vpid"
wait_for 10 gone left
wait_for 10 dead "$mpid"
no_leftovers "$id" && pass vmm_killed_no_files || fail vmm_killed_no_files "$(leftovers "$id")"
"$xl" create -q "$tmp/left.cfg"
id=$("$xl" domid left)
pids_of "$id"
kill -9 "$mpid"
wait_for 10 dead "$mpid"
check monitor_killed_domain_lives listed left
sleep 300 & s1=$!
sleep 300 & s2=$!
bgpids+=("$s1" "$s2")
echo "$s1 $s2" > "$run/dom$id.pid"     # a stale file naming other processes
check destroy_after_monitor_killed "$xl" destroy left
check stale_pids_not_signalled kill -0 "$s1" "$s2"
check destroy_stale_pid_vmm_gone dead "$vpid"
no_leftovers "$id" && pass monitor_killed_no_files_after_destroy \
    || fail monitor_killed_no_files_after_destroy "$(leftovers "$id")"
# The monitor killed, then the guest powers off by itself: the next list
# removes what the monitor would have.
"$xl" create -q "$tmp/left.cfg"
id=$("$xl" domid left)
pids_of "$id"
kill -9 "$mpid"
wait_for 10 dead "$mpid"
"$xl" shutdown left >/dev/null 2>&1
wait_for 20 dead "$vpid" && pass orphan_poweroff_vmm_exits || fail orphan_poweroff_vmm_exits
"$xl" list >/dev/null
no_leftovers "$id" && pass orphan_poweroff_reaped_by_list \
    || fail orphan_poweroff_reaped_by_list "$(leftovers "$id")"
locks=$(ls "$run" | grep -c '^dom[0-9]*\.lock$')
[ "$locks" = 0 ] && pass no_lock_per_used_domid || fail no_lock_per_used_domid "$(ls "$run")"

# --- item 3 (xl's part): a domain xenstore lost is listed and destroyed --------------
mkcfg lost
"$xl" create -q "$tmp/lost.cfg"
id=$("$xl" domid lost)
pids_of "$id"
xenstore-rm "/local/domain/$id"
check lost_listed listed lost
check lost_listed_by_id "$xl" list "$id"
check lost_destroy_by_name "$xl" destroy lost
check lost_vmm_gone dead "$vpid"
check lost_unlisted gone lost
# xl's and the VMMs' logs (monitor and VMM stderr), and what xl printed.
bad=$(grep -lE "AddressSanitizer|LeakSanitizer|runtime error" "$tmp"/log/*.log "$tmp"/*.out 2>/dev/null)
[ -z "$bad" ] && pass sanitizers_clean || fail sanitizers_clean "$bad"
exit 0
