#!/bin/bash
# xl cd-insert / cd-eject through the real command line against
# blkfront64.elf `cdrom', which connects its cdrom drive and prints, each
# time the backend publishes a new size, the size and the first 16 bytes
# of sector 0 (or that the read was refused): the drive starts empty,
# takes one image, then a bigger one, is ejected, takes the first again;
# libxl's nodes after each change; xl's errors and statuses.
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm xl_cdrom
xl_private xlcd
trap xl_teardown EXIT
has() { grep -qF -- "$2" <<<"$1"; }
node() { xenstore-read "$1" 2>/dev/null; }
head16() { head -c 16 "$1" | od -An -tx1 | tr -d ' \n'; }
# seen N LINE: the guest has printed LINE at least N times.
seen() { [ "$(grep -cxF "blkfront-cd: $2" "$tmp/log/xl-cd.log")" -ge "$1" ]; }
expect_seen() { # name count line
    if wait_for 30 seen "$2" "$3"; then pass "$1"
    else fail "$1" "no '$3' (x$2) in: $(grep blkfront-cd "$tmp/log/xl-cd.log" | tail -3)"; fi
}

printf 'CDROM-MEDIA-AAAA' > "$tmp/a.iso"; truncate -s 1M "$tmp/a.iso"
printf 'CDROM-MEDIA-BBBB' > "$tmp/b.iso"; truncate -s 2M "$tmp/b.iso"
truncate -s 1M "$tmp/disk.img"
xl_cfg cd "$guests/blkfront64.elf" 'cmdline = "cdrom"' \
    "disk = [ ',,hdc:cdrom', '$tmp/disk.img,raw,xvda,rw' ]"
out=$("$xl" create -q "$tmp/cd.cfg" 2>&1)
if [ $? != 0 ]; then fail create_empty_drive "$out"; exit 0; fi
pass create_empty_drive
d=$("$xl" domid cd)
be=/local/domain/0/backend/vbd/$d/5632
expect_seen guest_sees_cdrom 1 'info 0x7 (cdrom 1, read-only 1)'
expect_seen empty_drive_no_sectors 1 'sectors 0 read error'
name=empty_drive_nodes; ok test "$(node "$be/device-type") $(node "$be/removable") $(node "$be/mode")" = "cdrom 1 r"

# --- media in, bigger media, out, in again --------------------------------
out=$("$xl" cd-insert cd hdc "$tmp/a.iso" 2>&1); st=$?
name=insert_status; ok test "$st" = 0 -a -z "$out"
name=insert_params; ok test "$(node "$be/params")" = "aio:$tmp/a.iso"
name=insert_libxl_params; ok test "$(node "/libxl/$d/device/vbd/5632/params")" = "aio:$tmp/a.iso"
name=insert_type_kept; ok test "$(node "$be/type")" = qdisk
expect_seen guest_reads_media_a 1 "sectors 2048 read ok head $(head16 "$tmp/a.iso")"
name=list_l_target; ok bash -c "'$xl' list -l cd | grep -q '\"pdev_path\": \"$tmp/a.iso\"'"
"$xl" cd-insert cd hdc "$tmp/b.iso"
expect_seen guest_reads_media_b 1 "sectors 4096 read ok head $(head16 "$tmp/b.iso")"
out=$("$xl" cd-eject cd hdc 2>&1); st=$?
name=eject_status; ok test "$st" = 0 -a -z "$out"
name=eject_params_empty; ok test "$(node "$be/params")" = "" -a "$(node "$be/type")" = qdisk
expect_seen guest_sees_no_media 2 'sectors 0 read error'
"$xl" cd-insert cd hdc "$tmp/a.iso"
expect_seen guest_reads_media_a_again 2 "sectors 2048 read ok head $(head16 "$tmp/a.iso")"
name=disk_not_touched; ok test "$(node "/local/domain/0/backend/vbd/$d/51712/params")" = "$tmp/disk.img"

# --- errors -------------------------------------------------------------------
t not_a_cdrom 1 "libxl: error: Domain $d:Virtual device not found" cd-insert cd xvda "$tmp/b.iso"
t no_such_vdev 1 "libxl: error: Domain $d:Virtual device not found" cd-eject cd hdd
t missing_image 1 "Cannot stat file: $tmp/none.iso" cd-insert cd hdc "$tmp/none.iso"
t no_such_domain 1 'nosuch is an invalid domain identifier (rc=-6)' cd-eject nosuch hdc
t too_few_args 2 "$(printf "'xl cd-insert' requires at least 3 arguments.\n\n%s" "$("$xl" help cd-insert 2>&1)")" cd-insert cd hdc
name=errors_left_media; ok test "$(node "$be/params")" = "aio:$tmp/a.iso"

xenstore-write "/local/domain/$d/data/finish" done
name=guest_finished; ok wait_for 30 bash -c "! '$xl' domid cd"
