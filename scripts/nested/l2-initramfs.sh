#!/bin/bash
# The L2 guest's initramfs: busybox, Debian's xenstore-utils with their
# shared libraries, and l2-init as /init.  Output: CACHE/l2/initramfs.cpio.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=$(cd "${1:?usage: l2-initramfs.sh CACHE}" && pwd)
. "$here/common.sh"
out=$cache/l2/initramfs.cpio
root=$cache/l2/root
rm -rf "$root"
busybox_root "$root" "$cache/root/busybox-static/bin/busybox"
cp "$here/l2-init" "$root/init"
chmod +x "$root/init"
# The test parts L1 asks for through data/run (l2-init).
mkdir -p "$root/tests"
cp "$here"/l2-tests/* "$root/tests/"
tools=
for t in xenstore-read xenstore-write xenstore-ls xenstore-list xenstore-rm xenstore-exists xenstore-watch; do
    tools="$tools $cache/root/xenstore-utils/usr/bin/$t"
done
# shellcheck disable=SC2086
copy_with_libs "$root" /usr/bin $tools
# Debian's PV block and network frontends, and ext4 (it mounts ext2) with
# what it needs (its mount asks for crc32c even for ext2), for the parts that insmod them (l2-tests/blk*.sh, net*.sh).
# shellcheck disable=SC1091
. "$cache/versions"
kmods=$cache/root/$IMAGE_PKG/lib/modules/$KERNEL_ABI/kernel
mkdir -p "$root/modules"
cp "$kmods/drivers/block/xen-blkfront.ko" "$kmods/drivers/net/xen-netfront.ko" \
   "$kmods/lib/crc16.ko" "$kmods/crypto/crc32c_generic.ko" "$kmods/fs/mbcache.ko" "$kmods/fs/jbd2/jbd2.ko" \
   "$kmods/fs/ext4/ext4.ko" "$root/modules/"
make_cpio "$root" "$out"
rm -rf "$root"
