#!/bin/bash
# The L1 initramfs: busybox and bash, the kvm modules (rebuilt ones from
# build-kvm.sh, irqbypass and ccp from the image), the built xenkvm tree
# under /xenkvm (xenkvm, xenstored, xl, the test guests, tests/run and
# tests/guests.list, laid out as in the build tree so xl finds its helpers),
# the holder of KVM's static keys (tests/nested/kvm_hold), Debian's
# xenstore-utils, the L2 guest's kernel, initramfs and config
# under /nested, the main part's script and modules (l1-main.sh: the
# suite in the host's tree, over 9p), and l1-init as /init.
# usage: l1-initramfs.sh CACHE BUILDDIR SRCDIR   (output: CACHE/l1/initramfs.cpio)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=$(cd "${1:?usage: l1-initramfs.sh CACHE BUILDDIR SRCDIR}" && pwd)
builddir=$(cd "${2:?}" && pwd)
srcdir=$(cd "${3:?}" && pwd)
. "$here/common.sh"
# shellcheck disable=SC1091
. "$cache/versions"
root=$cache/l1/root
rm -rf "$root"
busybox_root "$root" "$cache/root/busybox-static/bin/busybox"
cp "$here/l1-init" "$root/init"
chmod +x "$root/init"
copy_with_libs "$root" /bin /bin/bash

mods=$root/nested/modules
mkdir -p "$mods"
kmods=$cache/root/$IMAGE_PKG/lib/modules/$KERNEL_ABI/kernel
cp "$kmods/virt/lib/irqbypass.ko" "$kmods/drivers/crypto/ccp/ccp.ko" "$mods/"
cp "$cache/kvm/kvm.ko" "$cache/kvm/kvm-amd.ko" "$mods/"
# For the vif parts (l1-parts/3*): tun for netback's taps, the bridge.
cp "$kmods/drivers/net/tun.ko" "$kmods/net/llc/llc.ko" "$kmods/net/802/stp.ko" \
   "$kmods/net/bridge/bridge.ko" "$mods/"
# For the main part (l1-main.sh): virtio-9p, to mount the host's tree,
# and what the suite's network and disk scripts use besides.
cp "$kmods"/drivers/virtio/virtio_ring.ko "$kmods"/drivers/virtio/virtio.ko \
   "$kmods"/drivers/virtio/virtio_pci_modern_dev.ko "$kmods"/drivers/virtio/virtio_pci_legacy_dev.ko \
   "$kmods"/drivers/virtio/virtio_pci.ko "$kmods"/fs/netfs/netfs.ko "$kmods"/fs/fscache/fscache.ko \
   "$kmods"/net/9p/9pnet.ko "$kmods"/net/9p/9pnet_virtio.ko "$kmods"/fs/9p/9p.ko \
   "$kmods"/drivers/net/veth.ko "$kmods"/drivers/block/loop.ko \
   "$kmods"/crypto/crc32c_generic.ko "$kmods"/lib/libcrc32c.ko \
   "$kmods"/net/netfilter/nfnetlink.ko "$kmods"/net/netfilter/nf_tables.ko "$mods/"

xk=$root/xenkvm
copy_with_libs "$root" /xenkvm/hvm "$builddir/hvm/xenkvm"
copy_with_libs "$root" /xenkvm/xl-compat "$builddir/xl-compat/xl"
copy_with_libs "$root" /xenkvm/xenstored "$builddir/xenstored/xenstored"
# The holder of KVM's static keys l1-init starts before any VM.
copy_with_libs "$root" /xenkvm/tests/nested "$builddir/tests/nested/kvm_hold"
# The backends xl starts for disks and vifs (found next to xl's directory,
# as in the build tree), and Debian's qemu-storage-daemon and qemu-img for
# the qcow2 disk where the host has them (blkback runs the daemon from $PATH).
copy_with_libs "$root" /xenkvm/blkback "$builddir/blkback/xenkvm-blkback"
copy_with_libs "$root" /xenkvm/netback "$builddir/netback/xenkvm-netback"
for q in qemu-storage-daemon qemu-img; do
    qp=$(command -v "$q" || true)
    [ -n "$qp" ] && copy_with_libs "$root" /usr/bin "$qp"
done
mkdir -p "$xk/tests/guest"
cp "$builddir"/tests/guest/*.elf "$xk/tests/guest/"
cp "$srcdir/tests/run" "$srcdir/tests/guests.list" "$xk/tests/"

tools=
for t in xenstore-read xenstore-write xenstore-ls xenstore-list xenstore-rm; do
    tools="$tools $cache/root/xenstore-utils/usr/bin/$t"
done
# shellcheck disable=SC2086
copy_with_libs "$root" /usr/bin $tools

cp "$cache/l2/vmlinux" "$root/nested/vmlinux"
cp "$cache/l2/initramfs.cpio" "$root/nested/l2-initramfs.cpio"
cp "$here/l2.cfg" "$here/l1-guest-test.sh" "$here/l1-main.sh" "$root/nested/"
# The parts l1-guest-test.sh runs against the running L2 guest, in order.
mkdir -p "$root/nested/l1-parts"
cp "$here"/l1-parts/*.sh "$root/nested/l1-parts/"
mkdir -p "$cache/l1"
make_cpio "$root" "$cache/l1/initramfs.cpio"
rm -rf "$root"
