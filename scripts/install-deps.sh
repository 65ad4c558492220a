#!/bin/sh
# Install everything xenkvm needs to build and test on Debian bookworm, or,
# given package names, just those (scripts/nested/install-deps.sh).
# Runs apt-get as root (through sudo when not root).
set -eu
PKGS="build-essential autoconf automake pkg-config linux-libc-dev libxen-dev xenstore-utils libtalloc-dev libtdb-dev libevent-dev liburing-dev libnbd-dev qemu-utils qemu-system-common acpica-tools clang libclang-rt-14-dev nftables"
[ $# -gt 0 ] && PKGS="$*"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
missing=
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "install-deps: installing:$missing"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
