#!/bin/bash
# Xen's own checker of migration streams and save files, verify-stream-v2,
# and the pure-Python part of its package (xen/migration, xen/util.py),
# from Debian's xen-utils-4.17: fetched with apt-get download and unpacked
# into DIR (default tests/migration/xen-utils) without installing the
# package (which would bring Xen's services and an /usr/sbin/xl that needs
# a hypervisor).  tests/cli/xl_save_restore.sh runs it with PYTHONPATH set
# to DIR/usr/lib/xen-4.17/lib/python; without it those checks are skipped.
set -eu
dest=${1:-tests/migration/xen-utils}
top=$dest/usr/lib/xen-4.17
[ -f "$top/bin/verify-stream-v2" ] && [ -f "$top/lib/python/xen/migration/libxc.py" ] && exit 0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download xen-utils-4.17 >/dev/null 2>&1)
dpkg-deb -x "$tmp"/xen-utils-4.17_*.deb "$tmp/root"
mkdir -p "$top/bin" "$top/lib/python/xen"
cp "$tmp/root/usr/lib/xen-4.17/bin/verify-stream-v2" "$top/bin/"
cp -r "$tmp/root/usr/lib/xen-4.17/lib/python/xen/migration" \
      "$tmp/root/usr/lib/xen-4.17/lib/python/xen/__init__.py" \
      "$tmp/root/usr/lib/xen-4.17/lib/python/xen/util.py" "$top/lib/python/xen/"
echo "verify-stream-v2: $top/bin/verify-stream-v2"
