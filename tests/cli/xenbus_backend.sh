#!/bin/bash
# The backend side of the XenbusState handshake on a real xenstored: a
# private daemon on a temporary socket and tests/xenstored/xs_backend, which
# plays toolstack, frontend and backend.  Prints PASS:/FAIL: lines.
set -u
xsd=$BUILDDIR/xenstored/xenstored
tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
export XENSTORED_PATH=$tmp/socket

"$xsd" -s "$XENSTORED_PATH" --vmm-socket "$tmp/vmm" 2> "$tmp/daemon.log" &
pid=$!
for _ in $(seq 200); do [ -S "$XENSTORED_PATH" ] && break; sleep 0.05; done
if [ ! -S "$XENSTORED_PATH" ]; then
    echo "FAIL: daemon_start: no socket: $(cat "$tmp/daemon.log")"
    exit 1
fi
timeout -k 5 120 "$BUILDDIR/tests/xenstored/xs_backend"
st=$?
[ "$st" -eq 0 ] || [ "$st" -eq 1 ] || echo "FAIL: xs_backend: exited with status $st"
if kill -0 "$pid" 2>/dev/null; then
    echo "PASS: daemon_alive"
else
    echo "FAIL: daemon_alive: $(tail -5 "$tmp/daemon.log")"
fi
