#!/bin/sh
# The host packages `make check-nested` needs on Debian bookworm, kept apart
# from scripts/install-deps.sh so the main build does not pull in QEMU and a
# kernel tool chain: QEMU (TCG emulates AMD SVM, the nested KVM host), what
# a kernel module build needs, and the unpacking tools.
set -eu
PKGS="qemu-system-x86 build-essential bc bison flex libelf-dev libssl-dev xz-utils cpio"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
missing=
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "nested/install-deps: installing:$missing"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
