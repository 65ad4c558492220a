# Part: Debian's xen-blkfront against xenkvm-blkback (sourced by
# l1-guest-test.sh; the guest side is l2-tests/blk_*.sh).  Raw image files
# in L1's tmpfs attached with `xl block-attach` while the guest runs:
# xvdb read-write (its data checked on both sides, grown while in use,
# discard seen as holes in the file, a file system), xvdc read-only, both detached, xvdb
# attached again with its file system, and detached at the end.
blk_img=/tmp/l2-xvdb.img
blk_ro_img=/tmp/l2-xvdc.img
blk_t0=$(uptime_s)
# sha256 of MIB MiB at OFFSET_MIB of FILE; allocated blocks of FILE.
blk_region() { dd if="$1" bs=1M skip="$2" count="$3" 2>/dev/null | sha256sum | cut -d' ' -f1; }
blk_blocks() { stat -c %b "$1"; }
blk_home=/local/domain/$domid
# dev_run NAME SECONDS: l2_run for the device parts (20-40), but once a
# part did not finish (the guest stuck in I/O to a device that stopped
# answering) the later ones fail at once instead of each waiting out its
# time.
dev_stuck=
dev_run() {
    if [ -n "$dev_stuck" ]; then
        fail "$1" "not run: the guest is still in part $dev_stuck"
        return 1
    fi
    l2_run "$@" && return 0
    text $cn | grep -qE "$(mark_re done "$1" $l2_seq)" || dev_stuck=$1
    return 1
}
# blk_attach CHECK SPEC: xl block-attach, its errors shown.
blk_attach() {
    if "$xl" block-attach "$name" "$2" > /tmp/blk-attach.out 2>&1; then
        pass "blk/$1"
    else
        fail "blk/$1" "xl block-attach $name $2: $(tr '\n' ' ' < /tmp/blk-attach.out)"
    fi
}
# blk_state DEVID: the state column of the device's `xl block-list` line.
blk_state() { "$xl" block-list "$name" 2>/dev/null | awk -v d="$1" '$1 == d { print $4 }'; }
# blk_queues DEVID: the queues a Linux frontend should use, the
# backend's maximum and at most one per vCPU.
blk_queues() {
    local be v n=0
    while ! be=$(xenstore-read "/local/domain/0/backend/vbd/$domid/$1/multi-queue-max-queues" 2>/dev/null) &&
          [ "$n" -lt 10 ]; do
        n=$((n + 1))
        sleep 1
    done
    v=$("$xl" list "$name" | awk -v n="$name" '$1 == n { print $4 }')
    echo $(( ${be:-1} < ${v:-1} ? ${be:-1} : ${v:-1} ))
}
blk_log() { tail -n 30 "$XENKVM_LOGDIR/blkback-$name.log" 2>/dev/null | sed 's/^/L1: blkback: /'; }

# Fully allocated (the holes discard makes are then visible), a random
# first MiB the guest reads.
dd if=/dev/zero of=$blk_img bs=1M count=32 2>/dev/null
dd if=/dev/urandom of=$blk_img bs=64k count=16 conv=notrunc 2>/dev/null
blk_sum0=$(blk_region $blk_img 0 1)
blk_attach attach "format=raw,vdev=xvdb,access=rw,target=$blk_img"
xenstore-write "$blk_home/data/blk-expect" "65536 $blk_sum0 $(blk_queues 51728)"
dev_run blk_io 120 || blk_log
sync
blk_sum=$(xenstore-read "$blk_home/data/blk-sum" 2>/dev/null)
for m in 1:direct 3:cached; do
    if [ -n "$blk_sum" ] && [ "$(blk_region $blk_img "${m%%:*}" 1)" = "$blk_sum" ]; then
        pass "blk/image_has_${m#*:}_write"
    else
        fail "blk/image_has_${m#*:}_write" "MiB ${m%%:*} of $blk_img is not what the guest wrote"
    fi
done

# Grown by 16 MiB while attached: SIGHUP makes blkback look at the size.
truncate -s 48M $blk_img
xenstore-write "$blk_home/data/blk-resize" 98304
kill -HUP "$(cat "$XENKVM_RUNDIR/dom$domid.vbd.pid")"
dev_run blk_resize 60

blocks0=$(blk_blocks $blk_img)
dev_run blk_discard 60
blocks1=$(blk_blocks $blk_img)
if [ $((blocks0 - blocks1)) -ge 2048 ]; then
    pass blk/discard_punches_hole
else
    fail blk/discard_punches_hole "$blk_img went from $blocks0 to $blocks1 blocks after a 1 MiB discard"
fi
dev_run blk_fs 180
blocks2=$(blk_blocks $blk_img)
# fstrim gave the free space of the 48 MiB file system back: of the 32
# MiB allocated before, far less than half is still allocated.
if [ "$blocks2" -lt 32768 ]; then
    pass blk/fstrim_punches_holes
else
    fail blk/fstrim_punches_holes "$blk_img still has $blocks2 of 65536 blocks allocated after fstrim"
fi

# Read-only (mode r), given in xl's positional form (target, vdev,
# access: "file:PATH,xvdc,r").
dd if=/dev/urandom of=$blk_ro_img bs=1M count=4 2>/dev/null
ro_sum=$(blk_region $blk_ro_img 0 4)
xenstore-write "$blk_home/data/blk-ro-expect" "$(blk_region $blk_ro_img 0 1)"
blk_attach attach_ro "file:$blk_ro_img,xvdc,r"
dev_run blk_ro 60
if [ "$(blk_region $blk_ro_img 0 4)" = "$ro_sum" ]; then
    pass blk/ro_image_unchanged
else
    fail blk/ro_image_unchanged "the read-only image changed"
fi

# block-list shows both connected (state 4); block-detach takes them away.
st=$(blk_state 51728)/$(blk_state 51744)
if [ "$st" = 4/4 ]; then pass blk/block_list; else fail blk/block_list "xvdb/xvdc in state '$st', expected 4/4"; fi
"$xl" block-list "$name" 2>&1 | sed 's/^/L1: /'
for d in xvdb xvdc; do
    if "$xl" block-detach "$name" $d > /tmp/blk-detach.out 2>&1; then
        pass blk/detach_$d
    else
        fail blk/detach_$d "xl block-detach $name $d: $(tr '\n' ' ' < /tmp/blk-detach.out)"
    fi
done
st=$(blk_state 51728)$(blk_state 51744)
if [ -z "$st" ]; then pass blk/block_list_detached; else fail blk/block_list_detached "xl block-list still shows state '$st'"; fi
xenstore-write "$blk_home/data/blk-gone" "xvdb xvdc"
dev_run blk_gone 60

# Attached again, to a blkfront with 16-page rings and 256-segment
# indirect requests: the file system is still there, large requests work.
dev_run blk_reload 60
blk_attach attach_again "format=raw,vdev=xvdb,access=rw,target=$blk_img"
dev_run blk_again 120 || blk_log
sync
blk_sum=$(xenstore-read "$blk_home/data/blk-big-sum" 2>/dev/null)
if [ -n "$blk_sum" ] && [ "$(blk_region $blk_img 40 4)" = "$blk_sum" ]; then
    pass blk/image_has_large_write
else
    fail blk/image_has_large_write "MiB 40-43 of $blk_img are not what the guest wrote"
fi
if "$xl" block-detach "$name" xvdb > /tmp/blk-detach.out 2>&1 && [ -z "$(blk_state 51728)" ]; then
    pass blk/detach_again
else
    fail blk/detach_again "xl block-detach $name xvdb: $(tr '\n' ' ' < /tmp/blk-detach.out)"
fi

rm -f $blk_img $blk_ro_img
# What blkback logged meanwhile (warnings about a frontend show here).
blk_log
echo "L1: part blkfront took $(since "$blk_t0") s"
