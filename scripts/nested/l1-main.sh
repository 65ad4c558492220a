#!/bin/sh
# L1's part "main" (l1-init): the project's whole test suite, tests/run as
# the README's `make check` runs it, on this real-SVM KVM and with
# XENKVM_REQUIRE_KVM=1, so that nothing that needs /dev/kvm is skipped
# (docs/nested-host.md, "The main suite on the nested KVM").  It runs in
# the host's own tree and with the host's own programs: QEMU exports the
# host's root read-only (9p tag "hostroot") and the build tree read-write
# (tag "build"); the suite runs chrooted into them, with this kernel's
# /proc, /sys (cgroup v2 in it), /dev and fresh tmpfs where programs
# write outside the build tree.  Its logs land in the host's build tree
# (tests/logs), where tests/run names them.  Guests run in the kvm
# transport (KVM_EXIT_XEN); the suite part runs them again in the port
# transport.
#
# Each program's "RUN: N NAME" line from tests/run --progress comes out as
# "L1: main: running N NAME", its cases as "PASS: nested/main/NAME: ...":
# when L1 dies under the emulator, run-l1.sh boots a fresh one that starts
# at the program that was running (NESTED_MAIN_FROM=N, tests/run --from).
# A program that fails is run once more (tests/run --retry-failed), its
# first run's failures shown as "L1: main: retried NAME: ..." and listed
# again above check.sh's summary: the emulator kills a test guest now and
# then (docs/nested-host.md); a real failure fails both runs.
# usage: l1-main.sh BUILDDIR SRCDIR FROM
b=${1:?usage: l1-main.sh BUILDDIR SRCDIR FROM} s=${2:?} from=${3:-1}
h=/host
mods=/nested/modules
# virtio-9p for the trees; tun, the bridge and veth for the vif scripts
# (without /dev/net/tun they skip), nf_tables for netback's ip=
# anti-spoofing (nft; libcrc32c wants the crc32c it loads first), loop
# for the disk scripts.  L1 has no modprobe to load them on demand.
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci \
         netfs fscache 9pnet 9pnet_virtio 9p tun llc stp bridge veth loop \
         crc32c_generic libcrc32c nfnetlink nf_tables; do
    [ -d "/sys/module/$m" ] || insmod "$mods/$m.ko" || echo "L1: main: insmod $m failed"
done
o=trans=virtio,version=9p2000.L,msize=512000,cache=loose
mkdir -p $h
if ! mount -t 9p -o "ro,$o" hostroot $h || ! mount -t 9p -o "$o" build "$h$b"; then
    echo "FAIL: nested/main: the host's root or build tree could not be mounted over 9p"
    exit 0
fi
# /dev/fd and the standard streams, as udev makes them (bash's process
# substitution opens /dev/fd/N).
ln -sf /proc/self/fd /dev/fd
for i in 0:stdin 1:stdout 2:stderr; do ln -sf "fd/${i%%:*}" "/dev/${i#*:}"; done
mount -t proc proc $h/proc
mount -t sysfs sysfs $h/sys
# cgroup v2, as a systemd host has it (xl puts each domain's VMM in a
# cgroup of its own for cpu_weight= and cap=, tests/cli/xl_sched.sh).
mount -t cgroup2 cgroup2 $h/sys/fs/cgroup
mount -o bind /dev $h/dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts $h/dev/pts
mount -t tmpfs tmpfs $h/dev/shm
# Where programs write outside the build tree (the root is read-only).
for d in /tmp /run /var/tmp /var/log /var/lib/xen /root; do
    [ -d "$h$d" ] && mount -t tmpfs tmpfs "$h$d"
done
echo "L1: main: the host's tree mounted after $(cut -d' ' -f1 /proc/uptime) s;" \
     "tests/run from program $from, in $b"
chroot $h /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 XENKVM_REQUIRE_KVM=1 \
    /bin/bash "$s/tests/run" --builddir "$b" --srcdir "$s" --guest-limit 180 \
    --vmm-opts "--hypercall-transport kvm" --progress --from "$from" --retry-failed 2>&1 |
    tee /tmp/main.out |
while IFS= read -r l; do    # as they come: a hang shows where it is
    case "$l" in
    PASS:*|FAIL:*|SKIP:*) echo "${l%%: *}: nested/main/${l#*: }" ;;
    RUN:*)  # the programs before it wrote their logs: onto the host with
            # them (9p's loose cache keeps writes in L1 for a while), so
            # that a resumed run finds them (guest_output reads the
            # guests' logs)
            sync
            echo "L1: main: running ${l#RUN: } at $(cut -d' ' -f1 /proc/uptime) s" ;;
    RETRIED:*) echo "L1: main: retried ${l#RETRIED: }" ;;
    esac
done
# The last lines of each failed program's log, for the record (the whole
# logs are in the host's build tree).
grep '^FAIL: ' /tmp/main.out | sed 's/^FAIL: \([^:]*\).*/\1/' | sort -u |
while read -r p; do
    case "$p" in
    unit/*) f=$h$b/tests/logs/${p#unit/}.log ;;
    guest/*) f=$h$b/tests/logs/${p#guest/}.log ;;
    cli/*) f=$h$b/tests/logs/cli-${p#cli/}.log ;;
    *) continue ;;
    esac
    [ -f "$f" ] && tail -n "${NESTED_LOG_LINES:-15}" "$f" | sed "s|^|L1: $p: |"
done
