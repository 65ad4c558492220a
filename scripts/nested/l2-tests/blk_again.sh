# xvdb attached again (l1-parts/20-blkfront.sh), to the blkfront that
# blk_reload.sh loaded with a 16-page ring and 256-segment indirect
# requests: it comes back with the file system and the file blk_fs.sh
# left (data/blk-fs-sum), and 1 MiB direct requests (256 segments each)
# carry data both ways.
. /tests/lib.inc
. /tests/dev.inc
if appears /sys/block/xvdb 30 && appears /dev/xvdb 5; then
    pass xvdb_back
else
    fail xvdb_back "no /sys/block/xvdb 30 s after the second block-attach"
    exit 0
fi
# What the frontend wrote for its rings (each queue's ring-page-order
# under queue-N/ with several queues) and how large its requests may be.
order=$(xenstore-read device/vbd/51728/ring-page-order 2>/dev/null ||
        xenstore-read device/vbd/51728/queue-0/ring-page-order 2>/dev/null)
check ring_page_order 4 "$order"
check max_segments 256 "$(cat /sys/block/xvdb/queue/max_segments)"
if mount -t ext2 /dev/xvdb /mnt; then
    check fs_after_reattach "$(xenstore-read data/blk-fs-sum)" "$(sum /mnt/keep)"
    umount /mnt
else
    fail fs_after_reattach "mount of the attached-again xvdb failed"
fi
# The file system has served its turn: 4 MiB at MiB 40 in 1 MiB direct
# requests (256 segments each), read back the same way; the sha256 goes to
# data/blk-big-sum for L1 to check in the image.
dd if=/dev/urandom of=/tmp/big bs=64k count=64 2>/dev/null
want=$(sum /tmp/big)
dd if=/tmp/big of=/dev/xvdb bs=1M seek=40 oflag=direct conv=fsync 2>/dev/null
check big_write_read_back "$want" "$(region /dev/xvdb 40 4)"
xenstore-write data/blk-big-sum "$want"
rm -f /tmp/big
