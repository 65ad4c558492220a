#!/bin/bash
# The backend side of the XenbusState handshake on a real xenstored: a
# private daemon and tests/xenstored/xs_backend, which plays toolstack,
# frontend and backend.  Prints PASS:/FAIL: lines.
set -u
. "$SRCDIR/tests/cli/common.inc"
tmp=$(mktemp -d)
xsd_pid=
trap '[ -n "$xsd_pid" ] && kill "$xsd_pid" 2>/dev/null; rm -rf "$tmp"' EXIT

if ! start_xenstored "$tmp"; then
    fail daemon_start "no socket: $(cat "$tmp/daemon.log")"
    exit 1
fi
timeout -k 5 120 "$BUILDDIR/tests/xenstored/xs_backend"
st=$?
[ "$st" -eq 0 ] || [ "$st" -eq 1 ] || fail xs_backend "exited with status $st"
if kill -0 "$xsd_pid" 2>/dev/null; then
    pass daemon_alive
else
    fail daemon_alive "$(tail -5 "$tmp/daemon.log")"
fi
