#!/bin/sh
# The Debian package from the committed tree (HEAD, or the commit given),
# built in a scratch copy with dpkg-buildpackage -us -uc -b; then its
# contents and dependencies are checked and it is unpacked with
# dpkg -i --instdir/--admindir into a scratch root (nothing installed on
# this machine).  OUT (default build-deb/) gets the .deb.
# tests/cli/... do not run this: it rebuilds the whole tree (slow).
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
rev=${1:-HEAD}
out=${OUT:-$src/build-deb}
"$src/scripts/install-deps.sh" debhelper dpkg-dev
work=$(mktemp -d /tmp/xenkvm-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/xenkvm" "$out"
git -C "$src" archive "$rev" | tar -x -C "$work/xenkvm"
(cd "$work/xenkvm" && autoreconf -fi >/dev/null 2>&1 && \
    DEB_BUILD_OPTIONS="parallel=2 nocheck" dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1) || {
    tail -30 "$work/build.log"; echo "FAIL: deb_build"; exit 1; }
echo "PASS: deb_build"
deb=$(ls "$work"/xenkvm_*.deb)
cp "$deb" "$out/"
st=0
check() { n=$1; shift; if "$@" >/dev/null 2>&1; then echo "PASS: $n"; else echo "FAIL: $n"; st=1; fi; }
contents=$(dpkg-deb -c "$deb")
for f in ./usr/bin/xl ./usr/bin/xenkvm ./usr/bin/xenkvm-blkback ./usr/sbin/xenstored \
         ./usr/libexec/xenkvm/xendomains ./etc/xen/xl.conf ./etc/default/xendomains ./etc/xen/auto/ \
         ./lib/systemd/system/xenstored.service ./lib/systemd/system/xendomains.service \
         ./usr/share/man/man1/xl.1.gz ./usr/share/man/man5/xl.cfg.5.gz ./usr/share/man/man8/xenkvm.8.gz \
         ./usr/share/man/man8/xenstored.8.gz ./usr/share/bash-completion/completions/xl \
         ./var/lib/xen/save/ ./var/log/xen/; do
    check "deb_has_$f" grep -qE " $f\$" <<EOT
$contents
EOT
done
depends=$(dpkg-deb -f "$deb" Depends)
for d in libtalloc2 libtdb1 libevent liburing2 libnbd0 qemu-utils qemu-system-common libxenstore; do
    check "deb_depends_$d" sh -c 'echo "$1" | grep -q "$2"' sh "$depends" "$d"
done
check deb_recommends_xenstore_utils sh -c 'dpkg-deb -f "$1" Recommends | grep -q xenstore-utils' sh "$deb"
check deb_conffiles sh -c 'dpkg-deb -e "$1" "$2/ctl" && grep -qx /etc/xen/xl.conf "$2/ctl/conffiles" && grep -qx /etc/default/xendomains "$2/ctl/conffiles"' sh "$deb" "$work"
# Unpacked into a scratch root with its own dpkg database (dependencies
# are not there, so they are not checked; scripts are not run).
root=$work/root
mkdir -p "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/info"
: > "$root/var/lib/dpkg/status"
check deb_unpacks dpkg --instdir="$root" --admindir="$root/var/lib/dpkg" --force-depends \
    --force-not-root --force-script-chrootless --no-triggers --unpack "$deb"
check deb_unpacked_xl_runs sh -c '"$1/usr/bin/xl" help | grep -q "^ create "' sh "$root"
exit $st
