#!/bin/bash
# The QEMU that emulates L1: Debian's qemu-system-x86 from
# bookworm-backports (10.0 when this was written), unpacked under
# CACHE/qemu with its firmware (qemu-system-common, qemu-system-data,
# seabios).  Bookworm's own QEMU 7.2 corrupts L1 and its guests under
# nested SVM now and then (docs/nested-host.md: the L1 panics with a
# corrupted vCPU-thread stack, the L2 deaths); the backport ran the main
# suite without one.  Its libraries are bookworm's, the ones the host's
# qemu-system-x86 (scripts/nested/install-deps.sh) already brought.
# apt reads bookworm-backports through a private list kept in
# CACHE/apt-backports; the host's apt configuration is not touched.  The
# version is resolved at run time (CACHE/qemu/version records it); a
# second run with the same version downloads nothing.
# NESTED_QEMU=system uses the host's QEMU instead (nothing fetched).
# usage: fetch-qemu.sh CACHE
set -euo pipefail
cache=$(cd "${1:?usage: fetch-qemu.sh CACHE}" && pwd)
if [ "${NESTED_QEMU:-}" = system ]; then
    echo "fetch-qemu: NESTED_QEMU=system: L1 runs on the host's $(qemu-system-x86_64 --version | head -n 1)"
    exit 0
fi
apt=$cache/apt-backports
mkdir -p "$apt/lists/partial" "$apt/archives/partial" "$cache/debs"
echo "deb http://deb.debian.org/debian bookworm-backports main" > "$apt/sources.list"
opts=(-o Dir::Etc::SourceList="$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
      -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt" -o Debug::NoLocking=1)
apt-get "${opts[@]}" -q update > "$apt/update.log" 2>&1 ||
    { cat "$apt/update.log" >&2; exit 1; }
version=$(apt-cache "${opts[@]}" show qemu-system-x86 | awk '/^Version:/ { print $2; exit }')
[ -n "$version" ] || { echo "fetch-qemu: no qemu-system-x86 in bookworm-backports" >&2; exit 1; }
if [ "$(cat "$cache/qemu/version" 2>/dev/null)" = "$version" ]; then
    echo "fetch-qemu: qemu-system-x86 $version (cached)"
    exit 0
fi
rm -rf "$cache/qemu" "$cache/qemu.tmp" "$cache"/debs/qemu-system-*_*.deb "$cache"/debs/seabios_*.deb
seabios=$(apt-cache "${opts[@]}" show seabios | awk '/^Version:/ { print $2; exit }')
(cd "$cache/debs" &&
 apt-get "${opts[@]}" download -q "qemu-system-x86=$version" "qemu-system-common=$version" \
     "qemu-system-data=$version" "seabios=$seabios" 2>&1 >/dev/null | grep -v unsandboxed >&2 || true)
for d in "$cache"/debs/qemu-system-*_*.deb "$cache"/debs/seabios_*.deb; do
    dpkg-deb -x "$d" "$cache/qemu.tmp"
done
# It must run here: every library found, and it says its version.
if ldd "$cache/qemu.tmp/usr/bin/qemu-system-x86_64" | grep 'not found' >&2 ||
   ! "$cache/qemu.tmp/usr/bin/qemu-system-x86_64" --version | grep -q "QEMU emulator version"; then
    echo "fetch-qemu: qemu-system-x86 $version from bookworm-backports does not run here" >&2
    exit 1
fi
echo "$version" > "$cache/qemu.tmp/version"
mv "$cache/qemu.tmp" "$cache/qemu"
echo "fetch-qemu: qemu-system-x86 $version from bookworm-backports"
