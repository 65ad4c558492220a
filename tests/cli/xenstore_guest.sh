#!/bin/bash
# A guest on its xenstore ring: xenstored started privately, the domain's
# home made as the toolstack would, and xenbus64.elf booted with
# --xenstored so the VMM attaches its ring.  The guest's cases count here;
# then @releaseDomain must fire when the VMM exits, and the tools must
# still see the guest's writes while it ran.
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm xenstore_guest
tmp=$(mktemp -d /tmp/xenkvm-xsg.XXXXXX)
pid= wpid=
cleanup() {
    [ -n "$wpid" ] && kill "$wpid" 2>/dev/null
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    release_domains
    rm -rf "$tmp"
}
trap cleanup EXIT
start_xenstored "$tmp"
pid=$xsd_pid
# Domains 5 and 6 exist before their nodes are written, as under libxl.
hold_domains "$tmp" 5 6

# The toolstack's part (libxl): the domain's home, owned by the domain.
xenstore-write /local/domain/5/name xenbus-test
xenstore-chmod /local/domain/5 n5
xenstore-chmod /local/domain/5/name n5
timeout 30 xenstore-watch -n 2 @releaseDomain > "$tmp/watch" 2>&1 &
wpid=$!
sleep 0.3

timeout -k 5 60 "$vmm" --domid 5 --xenstored "$tmp/vmm" \
    --kernel "$BUILDDIR/tests/guest/xenbus64.elf" > "$logs/xenbus64.log" 2>&1
st=$?
sed -n 's/^\(PASS\|FAIL\|SKIP\): /\1: xenbus64: /p' "$logs/xenbus64.log"
[ "$st" = 0 ] && echo "PASS: xenbus64_status" || echo "FAIL: xenbus64_status: $st (log: $logs/xenbus64.log)"

# The guest's nodes stay (xenstored removes nothing on release, as Xen's).
if xenstore-ls /local/domain/5 >/dev/null 2>&1; then
    echo "PASS: guest_home_still_there"
else
    echo "FAIL: guest_home_still_there"
fi
wait "$wpid" 2>/dev/null; wpid=
if [ "$(grep -c '^@releaseDomain' "$tmp/watch")" -ge 2 ]; then
    echo "PASS: release_domain_fired"
else
    echo "FAIL: release_domain_fired: $(cat "$tmp/watch")"
fi
# A VMM pointed at a socket with no daemon fails clearly, before booting.
out=$("$vmm" --domid 6 --xenstored "$tmp/none" --kernel "$BUILDDIR/tests/guest/xenbus64.elf" 2>&1)
st=$?
if [ "$st" = 1 ] && printf '%s' "$out" | grep -q "xenstored at $tmp/none"; then
    echo "PASS: no_xenstored_clear_error"
else
    echo "FAIL: no_xenstored_clear_error: status $st: $out"
fi
kill "$pid"; wait "$pid"; pid=
if grep -qE "AddressSanitizer|runtime error|LeakSanitizer" "$tmp/daemon.log"; then
    echo "FAIL: daemon_clean: $(head -5 "$tmp/daemon.log")"
else
    echo "PASS: daemon_clean"
fi
exit 0
