#!/bin/bash
# The L2 guest's kernel: the vmlinux inside Debian's packaged bzImage (an
# xz stream after the setup code and decompressor; its ELF notes carry
# the PVH entry point, XEN_ELFNOTE_PHYS32_ENTRY, which xenkvm boots).
# Output: CACHE/l2/vmlinux.
set -euo pipefail
cache=$(cd "${1:?usage: guest-kernel.sh CACHE}" && pwd)
# shellcheck disable=SC1091
. "$cache/versions"
out=$cache/l2/vmlinux
bz=$cache/root/$IMAGE_PKG/boot/vmlinuz-$KERNEL_ABI
[ -f "$out" ] && [ "$out" -nt "$bz" ] && exit 0
mkdir -p "$cache/l2"
# The first xz stream header (FD '7zXZ' 00) in the image is the payload.
off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$bz" | head -1 | cut -d: -f1 || true)
[ -n "$off" ] || { echo "guest-kernel: no xz payload in $bz" >&2; exit 1; }
# (Through a file: xz stops reading at the stream's end, which would
# fail a pipe.)
tail -c +"$((off + 1))" "$bz" > "$out.xz"
xz -dc --single-stream "$out.xz" > "$out.tmp"
rm -f "$out.xz"
# PVH entry: note type 18 in the "Xen" notes.
notes=$(readelf -n "$out.tmp" | grep -E '^\s+Xen\s' || true)
if ! grep -q '(0x00000012)' <<<"$notes"; then
    echo "guest-kernel: $out has no XEN_ELFNOTE_PHYS32_ENTRY note" >&2
    exit 1
fi
mv "$out.tmp" "$out"
