# A file system on xvdb (l1-parts/20-blkfront.sh): mke2fs, mount (ext4's
# driver), a file written, remounted and read back; fstrim gives the file system's free space back (L1 checks the image's
# allocated blocks).  The file's sha256 goes to data/blk-fs-sum for the
# reattach part.
. /tests/lib.inc
. /tests/dev.inc
if mke2fs -F /dev/xvdb > /tmp/mke2fs.out 2>&1; then
    pass mkfs
else
    fail mkfs "$(tail -n 1 /tmp/mke2fs.out)"
fi
load crc16 crc32c_generic mbcache jbd2 ext4 || fail ext4_loaded "insmod of ext4 or its dependencies failed"
mkdir -p /mnt
if mount -t ext2 /dev/xvdb /mnt; then
    pass mount
else
    fail mount "mount -t ext2 /dev/xvdb /mnt failed"
    exit 0
fi
dd if=/dev/urandom of=/mnt/keep bs=64k count=8 2>/dev/null
want=$(sum /mnt/keep)
sync
umount /mnt
blockdev --flushbufs /dev/xvdb
echo 3 > /proc/sys/vm/drop_caches
if mount -t ext2 /dev/xvdb /mnt; then
    check fs_read_back "$want" "$(sum /mnt/keep)"
else
    fail fs_read_back "the second mount failed"
    exit 0
fi
xenstore-write data/blk-fs-sum "$want"
trimmed=$(fstrim -v /mnt 2>&1)
case "$trimmed" in
*" bytes trimmed"*) pass fstrim ;;
*) fail fstrim "fstrim -v said '$trimmed'" ;;
esac
umount /mnt || fail umount "umount /mnt failed"
