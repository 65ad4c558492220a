#!/bin/sh
# The host packages `make check-nested` needs on Debian bookworm, kept apart
# from the main build's list so it does not pull in QEMU and a kernel tool
# chain: QEMU (TCG emulates AMD SVM, the nested KVM host), what a kernel
# module build needs, and the unpacking tools.
set -eu
exec "$(dirname "$0")/../install-deps.sh" qemu-system-x86 build-essential bc bison flex libelf-dev libssl-dev xz-utils cpio
