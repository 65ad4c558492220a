#!/bin/bash
# xl migrate between two network namespaces over TCP (docs/migration.md,
# "Between namespaces"): a veth pair joins namespace A (10.77.0.1) and B
# (10.77.0.2); in B a listener runs `xl migrate-receive` on the accepted
# TCP connection; in A, `xl migrate -s ''` runs the connector as its host
# command, so the stream and the handshake cross a real TCP socket
# between the two.  Both xl are separate invocations; they share the
# run directory and xenstored (one per machine here, not per namespace).
# The saverestore64 guest dirties memory and checks it, its clock,
# channels and xenstore watch after a precopy migration and after a
# postcopy one with a precopy round first.
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm xl_migrate_netns
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || ! command -v python3 >/dev/null; then
    echo "SKIP: xl_migrate_netns: needs root, ip (iproute2) and python3"
    exit 0
fi
na=xkma$$ nb=xkmb$$
if ! ip netns add "$na" 2>/dev/null || ! ip netns add "$nb" 2>/dev/null; then
    ip netns del "$na" 2>/dev/null
    echo "SKIP: xl_migrate_netns: cannot create network namespaces"
    exit 0
fi
guest=$BUILDDIR/tests/guest/saverestore64.elf
pipe="python3 $SRCDIR/tests/cli/tcp_pipe.py"
xl_private mns
cleanup() {
    ip netns pids "$na" 2>/dev/null | xargs -r kill 2>/dev/null
    ip netns pids "$nb" 2>/dev/null | xargs -r kill 2>/dev/null
    ip netns del "$na" 2>/dev/null
    ip netns del "$nb" 2>/dev/null
    xl_teardown
}
trap cleanup EXIT

ip link add xkva$$ type veth peer name xkvb$$ &&
ip link set xkva$$ netns "$na" && ip link set xkvb$$ netns "$nb" &&
ip -n "$na" addr add 10.77.0.1/24 dev xkva$$ && ip -n "$nb" addr add 10.77.0.2/24 dev xkvb$$ &&
ip -n "$na" link set xkva$$ up && ip -n "$nb" link set xkvb$$ up &&
ip -n "$na" link set lo up && ip -n "$nb" link set lo up \
    && pass netns_veth_up || { fail netns_veth_up "ip failed"; exit 0; }

conslog() { cat "$tmp/log/console/guest-$1.log" 2>/dev/null; }
in_console() { conslog "$1" | grep -qF -- "$2"; }
gone() { ! listed "$1"; }
state() { "$xl" list | awk -v n="$1" '$1 == n { print $5 }'; }
running() { [[ $(state "$1") =~ ^[-r][-b]---- ]]; }
xl_cfg sr "$guest" 'on_poweroff = "destroy"'

# over_tcp TAG XL-MIGRATE-OPTIONS...: one migration of sr from A to B.
over_tcp() {
    local tag=$1 out st; shift
    mkdir -p "$tmp/log/console"; : > "$tmp/log/console/guest-sr.log"
    "$xl" create "$tmp/sr.cfg" >/dev/null 2>&1
    wait_for 30 in_console sr "saverestore: ready" || fail "guest_ready_$tag" "$(conslog sr)"
    : > "$tmp/log/console/guest-sr--incoming.log"
    rm -f "$tmp/ready" "$tmp/peer"
    ip netns exec "$nb" $pipe listen 10.77.0.2 7734 "$tmp/ready" "$tmp/peer" -- \
        "$xl" migrate-receive 2> "$tmp/recv.err" &
    wait_for 20 test -e "$tmp/ready" || fail "listener_$tag" "$(cat "$tmp/recv.err")"
    out=$("$xl" migrate "$@" -s '' sr "ip netns exec $na $pipe connect 10.77.0.2 7734" 2>&1)
    st=$?
    wait
    out="$out
$(cat "$tmp/recv.err")"
    echo "$out" | grep -E "bytes,|postcopy:" >&2
    [ $st = 0 ] && grep -qx "Migration successful." <<<"$out" \
        && grep -qE "^migration sender: precopy round 1: " <<<"$out" \
        && grep -qx "migration target: Domain started successsfully." <<<"$out" \
        && pass "migrate_tcp_$tag" || fail "migrate_tcp_$tag" "status $st: $out"
    # The receiver's connection came from namespace A's address.
    [ "$(cat "$tmp/peer" 2>/dev/null)" = 10.77.0.1 ] && pass "stream_from_namespace_a_$tag" \
        || fail "stream_from_namespace_a_$tag" "peer '$(cat "$tmp/peer" 2>/dev/null)'"
    gone sr--incoming && gone sr--migratedaway && running sr && pass "domain_runs_$tag" \
        || fail "domain_runs_$tag" "$("$xl" list)"
    xenstore-write "/local/domain/$("$xl" domid sr)/data/finish" done
    wait_for 30 in_console sr--incoming "rounds, PASS" && pass "guest_checks_pass_$tag" \
        || fail "guest_checks_pass_$tag" "$(conslog sr--incoming)"
    wait_for 20 gone sr
}
over_tcp precopy
over_tcp postcopy --postcopy --precopy-rounds 1
