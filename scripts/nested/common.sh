# Shell helpers shared by the nested-host scripts (sourced).

# copy_with_libs ROOT DIR FILE...: copy each program FILE into ROOT/DIR
# (DIR "-": the same path as on the host), with the shared libraries ldd
# says it needs and the dynamic loader, so it runs in an initramfs.
copy_with_libs() {
    local root=$1 dir=$2 f d lib
    shift 2
    for f in "$@"; do
        d=$dir
        [ "$d" = - ] && d=$(dirname "$f")
        mkdir -p "$root$d"
        cp -L "$f" "$root$d/"
        for lib in $(ldd "$f" 2>/dev/null | awk '/=> \// { print $3 } /^\t\/.*ld-linux/ { print $1 }'); do
            [ -e "$root$lib" ] && continue
            mkdir -p "$root$(dirname "$lib")"
            cp -L "$lib" "$root$lib"
        done
    done
}

# busybox_root ROOT BUSYBOX: the static busybox as ROOT/bin/busybox; /init
# installs its applet links at boot.
busybox_root() {
    mkdir -p "$1/bin" "$1/sbin" "$1/proc" "$1/sys" "$1/dev" "$1/tmp" "$1/run" "$1/etc"
    cp "$2" "$1/bin/busybox"
    ln -sf busybox "$1/bin/sh"
}

# make_cpio ROOT OUT: an uncompressed newc archive (TCG decompresses slowly).
make_cpio() {
    (cd "$1" && find . -print0 | cpio --null -o -H newc --quiet) > "$2.tmp"
    mv "$2.tmp" "$2"
}
