#!/bin/bash
# xenstored end to end: a private daemon on a temporary socket, Debian's
# xenstore-utils against it, then the protocol, ring and hostile-input
# clients (tests/xenstored/).  Prints PASS:/FAIL:/SKIP: lines.
set -u
xsd=$BUILDDIR/xenstored/xenstored
tbin=$BUILDDIR/tests/xenstored
tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    release_domains
    rm -rf "$tmp"
}
trap cleanup EXIT
export XENSTORED_PATH=$tmp/socket XENSTORED_VMM_PATH=$tmp/vmm
# Domains exist while their lock is held here (the daemon's default
# --rundir); the clients below name domains 1-9, which exist throughout.
export XENKVM_RUNDIR=$tmp/run
mkdir -p "$XENKVM_RUNDIR"
. "$(dirname "$0")/common.inc"
hold_domains "$XENKVM_RUNDIR" 1 9

start() {
    "$xsd" -s "$XENSTORED_PATH" --vmm-socket "$XENSTORED_VMM_PATH" -T "$tmp/trace" "$@" \
        2> "$tmp/daemon.log" &
    pid=$!
    for _ in $(seq 100); do [ -S "$XENSTORED_PATH" ] && [ -S "$XENSTORED_VMM_PATH" ] && return 0; sleep 0.05; done
    echo "FAIL: daemon_start: no socket: $(cat "$tmp/daemon.log")"
    exit 1
}
# stop NAME: the daemon must still be running (no crash), then end it.
stop() {
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid"; wait "$pid"; st=$?
        if grep -qE "AddressSanitizer|runtime error|LeakSanitizer" "$tmp/daemon.log"; then
            echo "FAIL: $1: sanitizer report: $(head -20 "$tmp/daemon.log")"
        else
            echo "PASS: $1 (exit $st)"
        fi
    else
        echo "FAIL: $1: daemon died: $(tail -20 "$tmp/daemon.log")"
    fi
    pid=
}
# t NAME EXPECTED COMMAND...: stdout of the tool must equal EXPECTED.
t() {
    local name=$1 want=$2 got; shift 2
    got=$("$@" 2>&1)
    if [ "$got" = "$want" ]; then echo "PASS: $name"; else echo "FAIL: $name: got '$got', expected '$want'"; fi
}
# f NAME COMMAND...: the tool must fail.
f() {
    local name=$1; shift
    if "$@" >/dev/null 2>&1; then echo "FAIL: $name: succeeded"; else echo "PASS: $name"; fi
}

# run_prog NAME CMD...: a client program's own PASS/FAIL lines count; a
# crash, sanitizer exit or timeout (status other than 0/1) is one more FAIL.
run_prog() {
    local name=$1 st; shift
    timeout -k 5 120 "$@"
    st=$?
    if [ "$st" -ne 0 ] && [ "$st" -ne 1 ]; then echo "FAIL: $name: exited with status $st"; fi
}

start
t tools_write "" xenstore-write /vm/a 1 /vm/b/c "two words"
t tools_read "1" xenstore-read /vm/a
t tools_read_multi "$(printf '1\ntwo words')" xenstore-read /vm/a /vm/b/c
t tools_list "$(printf 'a\nb')" xenstore-list /vm
t tools_exists "" xenstore-exists /vm/b/c
f tools_exists_missing xenstore-exists /vm/nope
f tools_read_missing xenstore-read /vm/nope
t tools_ls "$(printf 'a = "1"\nb = ""\n c = "two words"')" xenstore-ls /vm
t tools_chmod "" xenstore-chmod /vm/a n0 r3 w4
t tools_ls_perms 'a = "1" (n0,r3,w4)' \
    bash -c "xenstore-ls -p /vm | head -1 | sed 's/  [. ]*/ /'"
t tools_chmod_recursive "" xenstore-chmod -r /vm/b b7
t tools_ls_perms_recursive 'c = "two words" (b7)' \
    bash -c "xenstore-ls -p /vm/b | sed 's/  [. ]*/ /'"
# SET_PERMS naming a domain that does not exist, as Xen 4.17: an owner is
# ENOENT, a grant is kept (ignored).  Domain 12 exists while its lock is
# held (as while xl's monitor runs), and not before or after.
f perms_owner_absent xenstore-chmod /vm/b n12
t perms_grant_absent "" xenstore-chmod /vm/b/c n0 r12
t perms_grant_absent_kept 'c = "two words" (n0,r12)' \
    bash -c "xenstore-ls -p /vm/b | sed 's/  [. ]*/ /'"
hold_domains "$XENKVM_RUNDIR" 12
t perms_owner_exists "" xenstore-chmod /vm/b/c n12
t perms_owner_exists_read 'c = "two words" (n12)' \
    bash -c "xenstore-ls -p /vm/b | sed 's/  [. ]*/ /'"
kill "${held_pids##* }"; wait "${held_pids##* }" 2>/dev/null
held_pids=${held_pids% *}
f perms_owner_gone xenstore-chmod /vm/b n12
t tools_rm "" xenstore-rm /vm/b
t tools_list_after_rm "a" xenstore-list /vm
f tools_rm_missing_parent xenstore-rm /nope/nope
t tools_write_relative "" xenstore-write rel 9
t tools_read_relative "9" xenstore-read /local/domain/0/rel
# The watch's first event is its registration; keep writing until the
# second arrives (no guess at how long registration takes).
t tools_watch "$(printf '/vm\n/vm/w')" bash -c '
    timeout 30 xenstore-watch -n 2 /vm & w=$!
    for _ in $(seq 300); do kill -0 $w 2>/dev/null || break; xenstore-write /vm/w x; sleep 0.1; done
    wait $w'
t tools_rm_tree "" xenstore-rm -t /vm/a
t tools_via_multicall "1" bash -c 'xenstore write /mc 1 && xenstore read /mc'

# xenstore-control: the real Xen binary, from xen-utils-4.17 (see
# scripts/fetch-xenstore-control.sh) when it is on this machine.
xc=${XENSTORE_CONTROL:-}
for c in "$xc" /usr/lib/xen-4.17/bin/xenstore-control "$BUILDDIR/tests/xenstored/xen-utils/usr/lib/xen-4.17/bin/xenstore-control"; do
    [ -n "$c" ] && [ -x "$c" ] && { xc=$c; break; }
done
if [ -n "$xc" ] && [ -x "$xc" ]; then
    t control_help_has_quota "yes" bash -c "'$xc' help | grep -q '^quota' && echo yes"
    t control_quota_set "OK" "$xc" quota set nodes 900
    t control_quota_shows "nodes            :      900 Nodes per domain" bash -c "'$xc' quota | sed -n 2p"
    t control_quota_soft "yes" bash -c "'$xc' quota-soft | grep -q '^memory' && echo yes"
    t control_quota_restore "OK" "$xc" quota set nodes 1000
    t control_log "OK" "$xc" log off
    t control_log_on "OK" "$xc" log on
    t control_memreport "yes" bash -c "'$xc' memreport >/dev/null && grep -q 'full talloc report' '$tmp/trace' && echo yes"
    f control_bad_command "$xc" no-such-command
else
    for n in control_help control_quota control_log control_memreport; do
        echo "SKIP: $n: xenstore-control (xen-utils-4.17) is not installed"
    done
fi

run_prog xs_conform "$tbin/xs_conform"
stop daemon_after_conformance

start
run_prog xs_ring "$tbin/xs_ring"
stop daemon_after_rings

start
run_prog xs_hostile "$tbin/xs_hostile"
stop daemon_after_hostile_input

# Big requests (an RM of 20000 nodes, the commit of a transaction that
# removes them) run in slices: others' reads go on, atomically.  The
# client reads the order from the trace file.
start
run_prog xs_slices "$tbin/xs_slices" "$pid" "$tmp/trace"
stop daemon_after_slices

# Out of descriptors: a daemon with 64 and no trace file.  accept() fails
# with EMFILE; the daemon stops accepting until a connection closes and
# says so once (it once logged every retry, at full CPU).
( ulimit -n 64; exec "$xsd" -s "$XENSTORED_PATH" --vmm-socket "$XENSTORED_VMM_PATH" ) \
    2> "$tmp/daemon.log" &
pid=$!
for _ in $(seq 100); do [ -S "$XENSTORED_PATH" ] && break; sleep 0.05; done
run_prog xs_hostile_emfile "$tbin/xs_hostile" emfile
n=$(grep -c "not accepting connections" "$tmp/daemon.log")
if [ "$n" = 1 ]; then
    echo "PASS: emfile_logged_once"
else
    echo "FAIL: emfile_logged_once: $n warnings: $(head -c 300 "$tmp/daemon.log")"
fi
stop daemon_after_emfile

# Live update under load, by xenstore-control when we have it; the daemon
# keeps its pid (exec) and must survive.
start
XENSTORE_CONTROL=${xc:-} XENSTORED_BIN=$(cd "$(dirname "$xsd")" && pwd)/$(basename "$xsd") \
    run_prog xs_lu "$tbin/xs_lu"
stop daemon_after_live_update

# Options: a bad one is refused with the usage; the on-disk store works.
if "$xsd" --frobnicate >/dev/null 2>&1; then echo "FAIL: bad_option: accepted"; else echo "PASS: bad_option"; fi
start --db-file "$tmp/store.tdb" -E 5000 -Q memory=10000000
t db_file_write "" xenstore-write /disk 1
t db_file_read "1" xenstore-read /disk
if [ -s "$tmp/store.tdb" ]; then echo "PASS: db_file_exists"; else echo "FAIL: db_file_exists: no tdb file"; fi
if grep -q 'IN  conn.*WRITE' "$tmp/trace"; then echo "PASS: trace_file"; else echo "FAIL: trace_file: no WRITE traced"; fi
stop daemon_on_disk
