#!/bin/bash
# Disks through the real xl: disk= lines on temp files, block-attach,
# block-list, block-detach, xl list -l, teardown with the domain.
#  Part 1 (xl's side, always): libxl's vbd node set and permissions, the
#   virtual-device numbers, block-list's table, attach and forced detach,
#   the refusals, nodes gone with the domain.  A stand-in backend process
#   (it only writes its pid file, as xenkvm-blkback does) keeps the nodes
#   in their first state, so they can be read as xl wrote them.
#  Part 2 (needs blkback/xenkvm-blkback): tests/guest/blkfront64.elf with
#   `hotplug' and, while its first disk's ring is halted, blkfront32.elf in
#   a second domain; their PASS/FAIL lines are passed on prefixed; then the
#   images are checked from the host, and block-attach / block-detach run
#   against the live guest.
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm blkfront_xl
xl_private blk
trap 'xl_teardown' EXIT
blkback=$BUILDDIR/blkback/xenkvm-blkback

has() { grep -qF -- "$2" <<<"$1"; }
node() { xenstore-read "$1" 2>/dev/null; }
check() { # name status why
    if [ "$2" = 0 ]; then pass "$1"; else fail "$1" "$3"; fi
}

# ---- part 1: xl's nodes, with a stand-in backend --------------------------
cat > "$tmp/standin" <<'EOF'
#!/bin/sh
# --domid N --rundir DIR ...: claim the domain's vbds, serve nothing.
echo $$ > "$4/dom$2.vbd.pid"
exec sleep 600
EOF
chmod +x "$tmp/standin"
truncate -s 8M "$tmp/a.img"
truncate -s 1M "$tmp/b.img"
truncate -s 2M "$tmp/c.img"
xl_cfg nodes "$guests/pvcontrol64.elf" \
    "disk = [ '$tmp/a.img,raw,xvda,rw', 'format=qcow2,vdev=xvdb,access=ro,target=$tmp/b.img'," \
    "         '$tmp/b.img,,hdc,cdrom', 'vdev=d1p2,direct-io-safe,no-discard,target=$tmp/a.img'," \
    "         'backendtype=qdisk,vdev=sdb,target=$tmp/a.img' ]"
out=$(XENKVM_BLKBACK=$tmp/standin "$xl" create "$tmp/nodes.cfg" 2>&1)
check create_with_disks $? "$out"
d=$("$xl" domid nodes 2>/dev/null)
be=/local/domain/0/backend/vbd/$d
fe=/local/domain/$d/device/vbd
want_be() { # devid key value
    local v
    v=$(node "$be/$1/$2")
    [ "$v" = "$3" ] || { echo "$be/$1/$2 = '$v', expected '$3'"; return 1; }
}
want_fe() {
    local v
    v=$(node "$fe/$1/$2")
    [ "$v" = "$3" ] || { echo "$fe/$1/$2 = '$v', expected '$3'"; return 1; }
}
why=$( {
    want_be 51712 frontend "$fe/51712" && want_be 51712 frontend-id "$d" &&
    want_be 51712 online 1 && want_be 51712 removable 0 && want_be 51712 bootable 1 &&
    want_be 51712 state 1 && want_be 51712 dev xvda && want_be 51712 type phy &&
    want_be 51712 mode w && want_be 51712 device-type disk &&
    want_be 51712 params "$tmp/a.img" && want_be 51712 discard-enable 1 &&
    want_fe 51712 backend "$be/51712" && want_fe 51712 backend-id 0 &&
    want_fe 51712 state 1 && want_fe 51712 virtual-device 51712 &&
    want_fe 51712 device-type disk
} 2>&1)
check libxl_vbd_nodes $? "$why"
# No direct-io-safe unless asked; the libxl directory.
why=$( {
    ! node "$be/51712/direct-io-safe" >/dev/null || echo "direct-io-safe written"
    [ "$(node "/libxl/$d/device/vbd/51712/backend")" = "$be/51712" ] || echo "libxl dir"
} 2>&1)
[ -z "$why" ]; check libxl_vbd_optional_nodes $? "$why"
why=$( {
    want_be 51728 type qdisk && want_be 51728 mode r &&
    want_be 51728 params "qcow2:$tmp/b.img" && want_be 51728 discard-enable 0 &&
    want_be 2064 type qdisk && want_be 2064 params "aio:$tmp/a.img" &&
    want_be 5632 device-type cdrom && want_be 5632 removable 1 && want_be 5632 mode r &&
    want_be 5632 type phy && want_be 5632 params "$tmp/b.img" && want_fe 5632 device-type cdrom &&
    want_be 51730 dev d1p2 && want_be 51730 direct-io-safe 1 &&
    want_be 51730 discard-enable 0 && want_fe 51730 virtual-device 51730
} 2>&1)
check vbd_keys_and_numbers $? "$why"
# libxl's permissions: the backend is domain 0's, readable by the guest;
# the frontend the guest's own, readable by domain 0.
bad=$(xenstore-ls -p "$be" | grep -v "(n0,r$d)\$"; xenstore-ls -p "$fe" | grep -v "(n$d,r0)\$")
[ -z "$bad" ]; check vbd_permissions $? "$bad"
out=$("$xl" block-list nodes)
{ [ "$(head -1 <<<"$out")" = "Vdev  BE  handle state evt-ch ring-ref BE-path                       " ] &&
  grep -qE "^51712 +0 +$d +1 +-1 +-1 +$be/51712" <<<"$out" &&
  [ "$(wc -l <<<"$out")" = 6 ]; }
check block_list_table $? "$out"
out=$("$xl" list -l nodes)
{ has "$out" '"vdev": "xvda"' && has "$out" '"vdev": "hdc"' && has "$out" '"backend": "qdisk"'; }
check list_long_shows_disks $? "$out"

# block-attach: nodes written, shown; refusals named.
truncate -s 1M "$tmp/e.img"
out=$(XENKVM_BLKBACK=$tmp/standin "$xl" block-attach nodes "$tmp/e.img,raw,xvdc,w" 2>&1)
check block_attach $? "$out"
{ [ "$(node "$be/51744/params")" = "$tmp/e.img" ] && [ "$(node "$fe/51744/state")" = 1 ] &&
  "$xl" list -l nodes | grep -qF '"vdev": "xvdc"' &&
  "$xl" block-list nodes | grep -q "^51744 "; }
check block_attach_nodes $? "$(xenstore-ls "$be" 2>&1 | tail -5)"
out=$("$xl" -N block-attach nodes "$tmp/e.img,raw,xvdd,r" 2>&1)
{ [ $? = 0 ] && [ "$(head -1 <<<"$out")" = "disk: {" ] && has "$out" '"vdev": "xvdd"' &&
  ! node "$be/51760/state" >/dev/null; }
check block_attach_dryrun $? "$out"
out=$("$xl" block-attach nodes "$tmp/e.img,raw,xvdc,w" 2>&1)
[ $? = 1 ] && has "$out" "device already exists in xenstore"
check block_attach_same_vdev_refused $? "$out"
out=$("$xl" block-attach nodes "$tmp/e.img,raw,xvdA,w" 2>&1)
[ $? = 1 ] && has "$out" "Invalid or unsupported virtual disk identifier xvdA"
check block_attach_bad_vdev_refused $? "$out"
out=$("$xl" block-attach nodes "script=block-iscsi,vdev=xvdd,target=$tmp/e.img" 2>&1)
[ $? = 1 ] && has "$out" "script=block-iscsi is not supported"
check block_attach_script_refused $? "$out"
out=$("$xl" block-attach nodes "backend=dd,vdev=xvdd,target=$tmp/e.img" 2>&1)
[ $? = 1 ] && has "$out" "backend=dd: the host (domain 0) is the only backend domain"
check block_attach_backend_domain_refused $? "$out"
out=$("$xl" block-attach nodes "$tmp/e.img,raw,xvdd,w,junk" 2>&1)
[ $? = 1 ] && has "$out" "too many positional parameters"
check block_attach_bad_spec_refused $? "$out"
# An empty cdrom drive is served (its media comes with xl cd-insert,
# tests/cli/xl_cdrom.sh): libxl's qdisk with the empty format.
out=$("$xl" block-attach nodes "cdrom,vdev=hdd" 2>&1)
[ $? = 0 ] && [ "$(node "$be/5696/params")" = "empty:" ] && [ "$(node "$be/5696/device-type")" = cdrom ] &&
    "$xl" block-detach -f nodes hdd
check empty_drive_attached $? "$out $(node "$be/5696/params")"
out=$("$xl" block-attach nodes "backendtype=phy,format=vhd,vdev=xvde,target=$tmp/b.img" 2>&1)
[ $? = 1 ] && has "$out" "backendtype=phy needs a raw image, not format vhd"
check phy_needs_raw $? "$out"
out=$("$xl" block-detach nodes xvdz 2>&1)
[ $? = 1 ] && [ "$out" = "Error: Device xvdz not connected." ]
check block_detach_unknown $? "$out"
out=$("$xl" block-detach -f nodes 51744 2>&1)
{ [ $? = 0 ] && ! node "$be/51744/state" >/dev/null && ! node "$fe/51744/state" >/dev/null &&
  lst=$("$xl" list -l nodes) && has "$lst" '"vdev": "xvda"' && ! has "$lst" '"vdev": "xvdc"'; }
check block_detach_force $? "$out"
standin=$(cat "$XENKVM_RUNDIR/dom$d.vbd.pid" 2>/dev/null)
"$xl" destroy nodes
{ ! xenstore-ls "$be" >/dev/null 2>&1 && ! xenstore-ls "/libxl/$d" >/dev/null 2>&1; }
check destroy_removes_vbds $? "$(xenstore-ls "$be" 2>&1 | head -3)"
[ -n "$standin" ] && kill "$standin" 2>/dev/null

# A config with a bad disk: file, line and disk named; nothing built.
xl_cfg badvdev "$guests/pvcontrol64.elf" "disk = [ '$tmp/a.img,raw,hdz,rw' ]"
out=$("$xl" create "$tmp/badvdev.cfg" 2>&1)
[ $? = 1 ] && has "$out" "badvdev.cfg:5: error: disk \`hdz': Invalid or unsupported virtual disk identifier hdz" &&
    ! "$xl" list badvdev >/dev/null 2>&1
check create_bad_vdev_refused $? "$out"

# ---- part 2: the guests against the real backend --------------------------
if [ ! -x "$blkback" ]; then
    echo "SKIP: blkfront_guests: $blkback is not built (the backend half of issue 13)"
    exit 0
fi
export XENKVM_BLKBACK=$blkback
log() { cat "$tmp/log/xl-$1.log" 2>/dev/null; }
# relay NAME PREFIX: the guest's case lines, renamed PREFIX_case.
relay() { log "$1" | sed -n "s/^\(PASS\|FAIL\|SKIP\): /\1: $2_/p"; }
head -c 1M /dev/urandom > "$tmp/b.img"
sum_b=$(md5sum < "$tmp/b.img")
truncate -s 0 "$tmp/a.img"; truncate -s 8M "$tmp/a.img"
truncate -s 8M "$tmp/c.img"; cp "$tmp/b.img" "$tmp/d.img"
xl_cfg alpha "$guests/blkfront64.elf" 'cmdline = "hotplug"' \
    "disk = [ '$tmp/a.img,raw,xvda,rw', '$tmp/b.img,raw,xvdb,r' ]"
xl_cfg beta "$guests/blkfront32.elf" \
    "disk = [ '$tmp/c.img,raw,xvda,rw', '$tmp/d.img,raw,xvdb,r' ]"
out=$("$xl" create "$tmp/alpha.cfg" 2>&1)
check create_alpha $? "$out"
da=$("$xl" domid alpha 2>/dev/null)
wait_for 300 grep -q "ready for block-attach\|RESULT" "$tmp/log/xl-alpha.log"
bpid=$(cat "$XENKVM_RUNDIR/dom$da.vbd.pid" 2>/dev/null)
if grep -q "ring halted" "$tmp/log/xl-alpha.log"; then
    # Its first ring is halted: the backend lives on and another domain's
    # disks work (blkfront32.elf, every case).
    { [ -n "$bpid" ] && kill -0 "$bpid"; }
    check backend_alive_after_halt $? "pid '$bpid'"
    out=$("$xl" create "$tmp/beta.cfg" 2>&1)
    check create_beta $? "$out"
    wait_for 300 grep -q "^RESULT" "$tmp/log/xl-beta.log"
    relay beta blkfront32
    grep -q "^RESULT: [0-9]* passed, 0 failed" "$tmp/log/xl-beta.log"
    check other_domain_after_halt $? "$(log beta | tail -3)"
    # The disks as block-list shows them while the guest runs.
    out=$("$xl" block-list alpha)
    grep -qE "^51728 +0 +$da +4 +[0-9]+ +[0-9]+ +/local/domain/0/backend/vbd/$da/51728" <<<"$out"
    check block_list_connected $? "$out"
    # block-attach while it runs; the guest connects, writes, reads.
    # A qcow2 image where qemu-img is there (the backend serves it through
    # qemu-storage-daemon), else a raw one.
    if command -v qemu-img > /dev/null && command -v qemu-storage-daemon > /dev/null; then
        hot=$tmp/e.qcow2 hotfmt=qcow2
        qemu-img create -q -f qcow2 "$hot" 1M
    else
        echo "SKIP: hotplug_qcow2: no qemu-img / qemu-storage-daemon: a raw disk instead"
        hot=$tmp/e.img hotfmt=raw
        truncate -s 0 "$hot"; truncate -s 1M "$hot"
    fi
    out=$("$xl" block-attach alpha "$hot,$hotfmt,xvdc,w" 2>&1)
    check block_attach_live $? "$out"
    wait_for 120 grep -q "hotplug disk 51744 connected" "$tmp/log/xl-alpha.log"
    check hotplug_connected $? "$(log alpha | tail -3)"
    "$xl" list -l alpha | grep -qF '"vdev": "xvdc"'
    check list_long_shows_attached $? ""
    out=$("$xl" block-detach alpha xvdc 2>&1)
    { [ $? = 0 ] && [ -z "$out" ]; }
    check block_detach_live $? "$out"
    wait_for 60 grep -q "hotplug disk detached" "$tmp/log/xl-alpha.log"
    out=$("$xl" block-list alpha 2>&1)
    { grep -q "^51728 " <<<"$out" && ! grep -q "^51744 " <<<"$out"; }
    check block_list_after_detach $? "$out"
    xenstore-write "/local/domain/$da/data/release" 1
else
    fail backend_alive_after_halt "the guest did not get there: $(log alpha | tail -3)"
fi
wait_for 120 grep -q "^RESULT" "$tmp/log/xl-alpha.log"
relay alpha blkfront64
grep -q "^RESULT: [0-9]* passed, 0 failed" "$tmp/log/xl-alpha.log"
check blkfront64_result $? "$(log alpha | grep -E '^(FAIL|RESULT)' | head -5)"

# The images from the host: the signatures, the hotplug disk's pattern,
# the read-only disks untouched.
sig() { dd if="$1" bs=512 skip=8000 count=1 2>/dev/null | tr -d '\0'; }
has "$(sig "$tmp/a.img")" "xenkvm-blkfront-signature domid=$da bits=64"
check image_signature64 $? "$(sig "$tmp/a.img" | head -c 80)"
if [ -n "$(log beta)" ]; then
    has "$(sig "$tmp/c.img")" "xenkvm-blkfront-signature domid=" &&
        has "$(sig "$tmp/c.img")" "bits=32"
    check image_signature32 $? "$(sig "$tmp/c.img" | head -c 80)"
fi
# Sector 16 of the hotplug disk: pattern(16, off, seed 14) =
# 16 * 131 + off * 7 + 14 * 29 (mod 256) for off < 256.
want=$(for o in 0 1 2 3; do printf '%02x' $(( (16 * 131 + o * 7 + 14 * 29) & 255 )); done)
img=${hot:-$tmp/e.img}
if [ "${hotfmt:-raw}" = qcow2 ]; then
    qemu-img convert -f qcow2 -O raw "$hot" "$tmp/e.raw" && img=$tmp/e.raw
fi
got=$(dd if="$img" bs=1 skip=$((16 * 512)) count=4 2>/dev/null | od -An -tx1 | tr -d ' \n')
[ "$got" = "$want" ]; check "image_hotplug_data_${hotfmt:-raw}" $? "got $got want $want"
[ "$(md5sum < "$tmp/b.img")" = "$sum_b" ] && [ "$(md5sum < "$tmp/d.img")" = "$sum_b" ]
check image_readonly_unchanged $? ""

# Torn down with the domains: no nodes, no backend.
wait_for 30 bash -c "! '$xl' list alpha && ! '$xl' list beta"
{ ! xenstore-ls "/local/domain/0/backend/vbd/$da" >/dev/null 2>&1 &&
  { [ -z "$bpid" ] || wait_for 30 bash -c "! kill -0 $bpid"; }; }
check teardown_with_domain $? "$(xenstore-ls /local/domain/0/backend/vbd 2>&1 | head -3)"

# A reboot (on_reboot = restart): the new domain gets its disks and a
# backend of its own; the old domain's backend is gone with it.
xl_cfg gamma "$guests/pvcontrol64.elf" "disk = [ '$tmp/e.img,raw,xvda,rw' ]"
"$xl" create "$tmp/gamma.cfg" > /dev/null 2>&1
g1=$("$xl" domid gamma 2>/dev/null)
wait_for 60 grep -q "pvcontrol: up" "$tmp/log/xl-gamma.log"
p1=$(cat "$XENKVM_RUNDIR/dom$g1.vbd.pid" 2>/dev/null)
# A disk block-attach added is kept across the reboot, as libxl keeps it.
out=$("$xl" block-attach gamma "$tmp/c.img,raw,xvdb,r" 2>&1)
check block_attach_before_reboot $? "$out"
"$xl" reboot gamma > /dev/null 2>&1
wait_for 60 bash -c "g=\$('$xl' domid gamma 2>/dev/null) && [ -n \"\$g\" ] && [ \"\$g\" != '$g1' ] && test -s '$XENKVM_RUNDIR/dom'\$g'.vbd.pid'"
g2=$("$xl" domid gamma 2>/dev/null)
p2=$(cat "$XENKVM_RUNDIR/dom$g2.vbd.pid" 2>/dev/null)
{ [ -n "$p1" ] && [ -n "$p2" ] && [ "$g2" != "$g1" ] && wait_for 30 bash -c "! kill -0 $p1" &&
  kill -0 "$p2" && [ "$(node "/local/domain/0/backend/vbd/$g2/51712/params")" = "$tmp/e.img" ] &&
  ! xenstore-ls "/local/domain/0/backend/vbd/$g1" >/dev/null 2>&1; }
check reboot_disks_and_backend $? "domids $g1 -> $g2, backends $p1 -> $p2"
{ [ "$(node "/local/domain/0/backend/vbd/$g2/51728/params")" = "$tmp/c.img" ] &&
  [ "$(node "/local/domain/0/backend/vbd/$g2/51728/mode")" = r ] &&
  [ "$(node "/local/domain/$g2/device/vbd/51728/backend")" = "/local/domain/0/backend/vbd/$g2/51728" ]; }
check reboot_keeps_attached_disk $? "$(xenstore-ls "/local/domain/0/backend/vbd/$g2" 2>&1 | head -20)"
"$xl" destroy gamma > /dev/null 2>&1
{ [ -n "$p2" ] && wait_for 30 bash -c "! kill -0 $p2"; }
check destroy_stops_backend $? "pid $p2"

# block-attach to a domain created without disks starts its backend, which
# takes the device to InitWait.
xl_cfg delta "$guests/pvcontrol64.elf"
"$xl" create "$tmp/delta.cfg" > /dev/null 2>&1
dd_=$("$xl" domid delta 2>/dev/null)
[ ! -e "$XENKVM_RUNDIR/dom$dd_.vbd.pid" ]; check no_disks_no_backend $? ""
out=$("$xl" block-attach delta "$tmp/e.img,raw,xvdb,r" 2>&1)
{ [ $? = 0 ] && kill -0 "$(cat "$XENKVM_RUNDIR/dom$dd_.vbd.pid" 2>/dev/null)" &&
  wait_for 30 bash -c "[ \"\$(xenstore-read /local/domain/0/backend/vbd/$dd_/51728/state)\" = 2 ]"; }
check block_attach_starts_backend $? "$out $(node "/local/domain/0/backend/vbd/$dd_/51728/state")"
"$xl" destroy delta > /dev/null 2>&1
