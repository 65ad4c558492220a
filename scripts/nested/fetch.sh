#!/bin/bash
# Download the Debian packages the nested host is made of into CACHE/debs
# and unpack them under CACHE/root/<package>: the newest bookworm 6.1
# kernel image (the name linux-image-amd64 points at), its headers
# (Module.symvers), the linux-source of the same Debian source version,
# busybox-static and xenstore-utils (its libraries come from the host,
# where scripts/install-deps.sh installed the same package).  Versions are
# resolved from the apt lists at run time; CACHE/versions records them.
# A second run with the same versions downloads nothing.
set -euo pipefail
cache=${1:?usage: fetch.sh CACHE}
mkdir -p "$cache/debs" "$cache/root"
cache=$(cd "$cache" && pwd)

# The package linux-image-amd64 depends on names the current ABI.
image=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-6\.1\.0-/ { print $2; exit }')
[ -n "$image" ] || { echo "fetch: no linux-image-6.1.0-*-amd64 in the apt lists" >&2; exit 1; }
# "6.1.192-3": the signed image, the headers and linux-source-6.1 all
# carry the Debian version of the linux source package they came from.
version=$(apt-cache show "$image" | awk '/^Version:/ { print $2; exit }')
abi=${image#linux-image-}
headers=linux-headers-$abi
source_pkg=linux-source-6.1

# name=version pairs to download; xenstore-utils' library comes along.
want="$image=$version $headers=$version $source_pkg=$version busybox-static xenstore-utils"
cat > "$cache/versions.new" <<EOT
KERNEL_ABI=$abi
KERNEL_VERSION=$version
IMAGE_PKG=$image
HEADERS_PKG=$headers
SOURCE_PKG=$source_pkg
EOT

for spec in $want; do
    pkg=${spec%%=*}
    if ! ls "$cache/debs/${pkg}_"*.deb >/dev/null 2>&1 || \
       { [ "$spec" != "$pkg" ] && ! ls "$cache/debs/${pkg}_${version//:/%3a}_"*.deb >/dev/null 2>&1; }; then
        rm -f "$cache/debs/${pkg}_"*.deb
        rm -rf "${cache:?}/root/$pkg"
        echo "fetch: apt-get download $spec"
        (cd "$cache/debs" && apt-get download -q "$spec" 2>&1 >/dev/null | grep -v "unsandboxed" >&2 || true)
        ls "$cache/debs/${pkg}_"*.deb >/dev/null
    fi
    if [ ! -d "$cache/root/$pkg" ]; then
        dpkg-deb -x "$cache/debs/${pkg}_"*.deb "$cache/root/$pkg.tmp"
        mv "$cache/root/$pkg.tmp" "$cache/root/$pkg"
    fi
done
mv "$cache/versions.new" "$cache/versions"
cat "$cache/versions"
