# xen-blkfront with the disk of the domain's config (l2.cfg's disk=,
# l1-parts/15-boot-disk.sh).  l2-init loaded the module at boot and noted
# the disks it had then in /tmp/boot-disks.  L1 writes
# data/blk-boot-expect as "SECTORS SUM": the disk's size in sectors and
# the sha256 of its first MiB.  The guest's own MiB goes to MiB 1 (direct
# I/O) and MiB 3 (through the page cache), its sha256 to data/blk-boot-sum
# for L1 to check in the image file.
. /tests/lib.inc
. /tests/dev.inc
set -- $(xenstore-read data/blk-boot-expect 2>/dev/null)
check xvda_at_boot yes "$(grep -q -x xvda /tmp/boot-disks 2>/dev/null && echo yes || echo "no (disks at boot: $(cat /tmp/boot-disks 2>&1 | tr '\n' ' '))")"
if [ ! -b /dev/xvda ]; then
    fail xvda_dev "no /dev/xvda"
    exit 0
fi
check xvda_size "$1" "$(cat /sys/block/xvda/size)"
check xvda_rw 0 "$(cat /sys/block/xvda/ro)"
check read_host_data "$2" "$(region /dev/xvda 0 1)"
dd if=/dev/urandom of=/tmp/blk-boot-pat bs=64k count=16 2>/dev/null
want=$(sum /tmp/blk-boot-pat)
if dd if=/tmp/blk-boot-pat of=/dev/xvda bs=1M seek=1 oflag=direct conv=fsync 2>/dev/null; then
    pass write_direct
else
    fail write_direct "dd to /dev/xvda failed"
fi
check write_read_back "$want" "$(region /dev/xvda 1 1)"
dd if=/tmp/blk-boot-pat of=/dev/xvda bs=4k seek=768 conv=fsync 2>/dev/null
blockdev --flushbufs /dev/xvda
echo 3 > /proc/sys/vm/drop_caches
check write_read_cached "$want" "$(dd if=/dev/xvda bs=4k skip=768 count=256 2>/dev/null | sha256sum | cut -d' ' -f1)"
xenstore-write data/blk-boot-sum "$want"
