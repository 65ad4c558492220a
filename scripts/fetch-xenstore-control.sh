#!/bin/bash
# Debian ships xenstore-control in xen-utils-4.17 (xenstore-utils only has
# a wrapper link to it), and installing that package pulls in the Xen
# hypervisor tool stack.  The xenstored tests only need the one binary:
# fetch the package with apt-get download and unpack it into DIR
# (default tests/xenstored/xen-utils), where tests/cli/xenstored_tools.sh
# looks for it.  Without it those few cases are skipped.
set -eu
dest=${1:-tests/xenstored/xen-utils}
bin=$dest/usr/lib/xen-4.17/bin/xenstore-control
[ -x "$bin" ] && exit 0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$dest"
(cd "$tmp" && apt-get download xen-utils-4.17 >/dev/null 2>&1)
dpkg-deb -x "$tmp"/xen-utils-4.17_*.deb "$tmp/root"
mkdir -p "$(dirname "$bin")"
cp "$tmp/root/usr/lib/xen-4.17/bin/xenstore-control" "$bin"
echo "xenstore-control: $bin"
