# xvdb grown in L1 (the image file made longer, blkback told with SIGHUP;
# l1-parts/20-blkfront.sh): blkfront sees the new size (data/blk-resize:
# SECTORS) while the disk stays in use.
. /tests/lib.inc
. /tests/dev.inc
want=$(xenstore-read data/blk-resize 2>/dev/null)
n=0
while [ "$(cat /sys/block/xvdb/size)" != "$want" ] && [ "$n" -lt 30 ]; do
    n=$((n + 1))
    sleep 1
done
check xvdb_resized "$want" "$(cat /sys/block/xvdb/size)"
# The new end is readable.
check read_new_end 0 "$(dd if=/dev/xvdb bs=1M skip=$((want / 2048 - 1)) count=1 iflag=direct 2>/dev/null | tr -d '\0' | wc -c)"
