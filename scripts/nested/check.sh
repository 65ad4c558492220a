#!/bin/bash
# `make check-nested`: build the nested test host from Debian packages and
# run it (docs/nested-host.md).  Every step is cached under
# BUILDDIR/nested-cache, so a second run goes straight to QEMU.  The last
# line printed is "N passed, N failed, N skipped"; the status is non-zero
# when anything failed.
# usage: check.sh BUILDDIR SRCDIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
builddir=$(cd "${1:?usage: check.sh BUILDDIR SRCDIR}" && pwd)
srcdir=$(cd "${2:?}" && pwd)
cache=$builddir/nested-cache
mkdir -p "$cache"

step() { # name command...: run one set-up step, timed
    local name=$1 t0 rc
    shift
    t0=$(date +%s)
    "$@"
    rc=$?
    echo "nested: $name took $(($(date +%s) - t0)) s"
    if [ $rc -ne 0 ]; then
        echo "FAIL: nested/setup/$name: exited with status $rc"
        echo
        echo "0 passed, 1 failed, 0 skipped"
        exit 1
    fi
}
step install-deps "$here/install-deps.sh"
step fetch "$here/fetch.sh" "$cache"
step build-kvm "$here/build-kvm.sh" "$cache"
step guest-kernel "$here/guest-kernel.sh" "$cache"
step l2-initramfs "$here/l2-initramfs.sh" "$cache"
step l1-initramfs "$here/l1-initramfs.sh" "$cache" "$builddir" "$srcdir"
exec "$here/run-l1.sh" "$cache" "$builddir/tests/logs/nested-l1.log"
