#!/bin/sh
# The Debian package on a clean Debian 12 (bookworm): a minimal bookworm
# made with debootstrap (minbase, with systemd and man-db as every
# standard bookworm system has them: the units' Documentation= pages are
# looked up with man), the .deb installed there with apt (its dependencies resolved from
# Debian's archive), then the installed programs run in that root (xl help,
# xl info, xenstored --help), the units enabled and `systemd-analyze
# verify` clean on them.  `make check-package` runs it (.ci/run too).
#
#   DEB=path        the package (default: build-deb/xenkvm_*.deb, built
#                   with scripts/build-deb.sh when there is none)
#   XENKVM_PKG_CACHE  where the bootstrapped base is kept as a tarball
#                   (default /var/cache/xenkvm; a week old is made again)
#
# Needs root (debootstrap, chroot, mount) and the package registry.  The
# services are not started by systemd: a chroot has no systemd running as
# PID 1 (booting the root would need a container manager or a VM), so
# xenstored is started from its unit's ExecStartPre/ExecStart lines.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
cache=${XENKVM_PKG_CACHE:-/var/cache/xenkvm}
base=$cache/bookworm-minbase-systemd-man.tar.gz
start=$(date +%s)
st=0
check() { n=$1; shift; if "$@" >/dev/null 2>&1; then echo "PASS: $n"; else echo "FAIL: $n"; st=1; fi; }
elapsed() { echo $(( $(date +%s) - start )); }

if [ "$(id -u)" != 0 ]; then
    echo "SKIP: check_package: needs root (debootstrap, chroot)"
    exit 0
fi
"$src/scripts/install-deps.sh" debootstrap >/dev/null

deb=${DEB:-}
if [ -z "$deb" ]; then
    deb=$(ls -t "$src"/build-deb/xenkvm_*.deb 2>/dev/null | head -1 || true)
    if [ -z "$deb" ]; then
        OUT=$src/build-deb "$src/scripts/build-deb.sh" >/dev/null
        deb=$(ls -t "$src"/build-deb/xenkvm_*.deb | head -1)
    fi
fi
[ -f "$deb" ] || { echo "FAIL: check_package: no package at $deb"; exit 1; }

work=$(mktemp -d /tmp/xenkvm-pkgroot.XXXXXX)
root=$work/root
cleanup() {
    umount "$root/proc" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

# The base, bootstrapped once a week: Debian's archive moves, and apt
# brings the lists up to date in the root anyway.
mkdir -p "$cache"
if [ -z "$(find "$base" -mtime -7 2>/dev/null)" ]; then
    t0=$(date +%s)
    if ! debootstrap --variant=minbase --include=systemd,man-db bookworm "$work/base" \
            > "$work/debootstrap.log" 2>&1; then
        tail -20 "$work/debootstrap.log"
        echo "FAIL: check_package_debootstrap"
        exit 1
    fi
    tar -C "$work/base" -czf "$base.new" . && mv "$base.new" "$base"
    rm -rf "$work/base"
    echo "check-package: bookworm bootstrapped in $(( $(date +%s) - t0 )) s, kept as $base"
fi
mkdir -p "$root"
tar -C "$root" -xzf "$base"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# No service is started from a package script in this root.
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod +x "$root/usr/sbin/policy-rc.d"
mount -t proc proc "$root/proc"
cp "$deb" "$root/tmp/"
pkg=/tmp/$(basename "$deb")
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"; }

if ! in_root apt-get -q update > "$work/apt.log" 2>&1 ||
   ! in_root apt-get -q -y install "$pkg" >> "$work/apt.log" 2>&1; then
    tail -30 "$work/apt.log"
    echo "FAIL: pkg_apt_install"
    exit 1
fi
echo "PASS: pkg_apt_install"
echo "check-package: apt installed $(grep -c '^Setting up ' "$work/apt.log") packages for it"

check pkg_installed sh -c '[ "$(chroot "$1" dpkg-query -W -f "\${Status}" xenkvm)" = "install ok installed" ]' sh "$root"
# What Depends names, installed from the archive.
for d in $(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/[(|].*//; s/ //g'); do
    check "pkg_dep_installed_$d" sh -c 'chroot "$1" dpkg-query -W -f "\${Status}" "$2" | grep -q "ok installed"' sh "$root" "$d"
done
check pkg_xl_is_installed sh -c '[ "$(chroot "$1" sh -c "command -v xl")" = /usr/bin/xl ]' sh "$root"
check pkg_xl_help sh -c 'chroot "$1" xl help | grep -q "^ create "' sh "$root"
check pkg_xl_info sh -c 'chroot "$1" xl info | grep -q "^xen_version "' sh "$root"
check pkg_xenstored_help sh -c 'chroot "$1" xenstored --help | grep -qi usage' sh "$root"
check pkg_vmm_runs sh -c 'chroot "$1" xenkvm --help 2>&1 | grep -qi usage' sh "$root"
for u in xenstored xendomains; do
    check "pkg_unit_enabled_$u" sh -c '[ "$(chroot "$1" systemctl is-enabled "$2.service")" = enabled ]' sh "$root" "$u"
done
# systemd-analyze verify in the root: the units, their commands and man
# pages are the installed ones; any warning about them fails.
if in_root systemd-analyze verify /lib/systemd/system/xenstored.service \
        /lib/systemd/system/xendomains.service > "$work/verify.log" 2>&1 &&
   ! grep -qE 'xenstored|xendomains' "$work/verify.log"; then
    echo "PASS: pkg_units_verify"
else
    cat "$work/verify.log"
    echo "FAIL: pkg_units_verify"
    st=1
fi
# The installed xenstored started as its unit starts it (its ExecStartPre
# and ExecStart lines, run in the root: no systemd runs there as PID 1),
# then Debian's xenstore-utils and the installed xl talk to it.
unit=$root/lib/systemd/system/xenstored.service
sed -n 's/^ExecStartPre=//p' "$unit" | while read -r pre; do in_root sh -c "$pre"; done
chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin $(sed -n 's/^ExecStart=//p' "$unit") \
    > "$work/xenstored.log" 2>&1 &
xs=$!
for _ in $(seq 100); do [ -S "$root/run/xenstored/socket" ] && break; sleep 0.1; done
check pkg_xenstored_starts test -S "$root/run/xenstored/socket"
check pkg_xenstore_utils_talk sh -c 'chroot "$1" xenstore-write /pkgcheck ok &&
    [ "$(chroot "$1" xenstore-read /pkgcheck)" = ok ]' sh "$root"
check pkg_xl_list_domain0 sh -c 'chroot "$1" xl list | grep -q "^Domain-0 "' sh "$root"
kill "$xs" 2>/dev/null || true
wait "$xs" 2>/dev/null || true
check pkg_xenstored_stops sh -c '! kill -0 "$1" 2>/dev/null' sh "$xs"
check pkg_purge sh -c 'chroot "$1" env DEBIAN_FRONTEND=noninteractive apt-get -q -y purge xenkvm && ! chroot "$1" sh -c "command -v xl"' sh "$root"
echo "check-package: $(elapsed) s"
exit $st
