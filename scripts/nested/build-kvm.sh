#!/bin/bash
# kvm.ko and kvm-amd.ko with CONFIG_KVM_XEN=y for Debian's own kernel image:
# Debian's kvm is built without KVM's Xen support (KVM_EXIT_XEN, the
# in-kernel Xen hypercall page).  Built from the linux-source of the same
# Debian version as the image (fetch.sh), with the image's config and the
# headers' Module.symvers and KERNELRELEASE equal to the image's, so the
# modules load into that kernel.  Output: CACHE/kvm/{kvm,kvm-amd}.ko; the
# source tree is removed afterwards (it is 1.4 GB), the modules stay cached.
set -euo pipefail
cache=$(cd "${1:?usage: build-kvm.sh CACHE}" && pwd)
# shellcheck disable=SC1091
. "$cache/versions"
out=$cache/kvm
stamp=$out/built-for
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$KERNEL_VERSION $KERNEL_ABI" ] &&
   [ -f "$out/kvm.ko" ] && [ -f "$out/kvm-amd.ko" ]; then
    exit 0
fi
rm -rf "$out"
src=$cache/linux-src
rm -rf "$src" && mkdir -p "$src"
echo "build-kvm: unpacking linux-source $KERNEL_VERSION"
tar -xf "$cache/root/$SOURCE_PKG/usr/src/linux-source-6.1.tar.xz" -C "$src" --strip-components=1
cp "$cache/root/$IMAGE_PKG/boot/config-$KERNEL_ABI" "$src/.config"
# KVM_WERROR off: a newer compiler's warning must not stop the build.  No
# signing keys: the modules load unsigned (MODULE_SIG_FORCE is off), with
# the kernel marked tainted.
"$src/scripts/config" --file "$src/.config" -e KVM_XEN -d KVM_WERROR \
    --set-str SYSTEM_TRUSTED_KEYS "" --set-str SYSTEM_REVOCATION_KEYS "" -d MODULE_SIG_ALL
mk() { make -s -C "$src" -j"$(nproc)" KERNELRELEASE="$KERNEL_ABI" "$@"; }
echo "build-kvm: preparing the tree for $KERNEL_ABI"
mk olddefconfig
grep -qx 'CONFIG_KVM_XEN=y' "$src/.config" || { echo "build-kvm: CONFIG_KVM_XEN did not stick" >&2; exit 1; }
mk modules_prepare
cp "$cache/root/$HEADERS_PKG/usr/src/linux-headers-$KERNEL_ABI/Module.symvers" "$src/"
echo "build-kvm: building arch/x86/kvm"
mk M=arch/x86/kvm modules
mkdir -p "$out"
for m in kvm kvm-amd; do
    strip --strip-debug -o "$out/$m.ko" "$src/arch/x86/kvm/$m.ko"
done
echo "$KERNEL_VERSION $KERNEL_ABI" > "$stamp"
rm -rf "$src"
