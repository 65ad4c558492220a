# A qcow2 image (served by qemu-storage-daemon in L1) as xvdd
# (l1-parts/22-blkfront-qcow2.sh): data/blk-qcow2-expect is "SECTORS SUM"
# (size, sha256 of the first MiB); the guest writes MiB 1 and puts its
# sha256 in data/blk-qcow2-sum for L1 to check with qemu-img.
. /tests/lib.inc
. /tests/dev.inc
set -- $(xenstore-read data/blk-qcow2-expect 2>/dev/null)
if appears /sys/block/xvdd 30 && appears /dev/xvdd 5; then
    pass xvdd_appears
else
    fail xvdd_appears "no /sys/block/xvdd 30 s after block-attach"
    exit 0
fi
check xvdd_size "$1" "$(cat /sys/block/xvdd/size)"
check qcow2_read "$2" "$(region /dev/xvdd 0 1)"
dd if=/dev/urandom of=/tmp/q-pat bs=64k count=16 2>/dev/null
want=$(sum /tmp/q-pat)
dd if=/tmp/q-pat of=/dev/xvdd bs=1M seek=1 oflag=direct conv=fsync 2>/dev/null
check qcow2_write_read_back "$want" "$(region /dev/xvdd 1 1)"
xenstore-write data/blk-qcow2-sum "$want"
