#!/bin/sh
# From a fresh checkout to a built tree: dependencies, configure, make.
# Extra arguments go to ./configure (e.g. --enable-sanitizers).
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure "$@"
make -j"$(nproc)"
