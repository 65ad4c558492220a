#!/usr/bin/env python3
"""Damaged variants of an image `xl save` wrote, for
tests/cli/xl_save_restore.sh: mig_image.py IMAGE KIND OUT.

The image is walked with the layout of docs/migration.md (xl's header, the
libxl v2 stream, the libxc v3 stream inside it, xenkvm's records after the
libxl END); KIND names one change."""
import struct
import sys


def walk(b):
    """Offsets: xl header end, libxl header, libxc headers, every record."""
    optlen = struct.unpack_from("<I", b, 44)[0]
    off = 48 + optlen
    out = {"libxl": off}
    off += 16
    recs = []
    depth = "libxl"
    while True:
        t, n = struct.unpack_from("<II", b, off)
        recs.append((depth, t, off, n))
        nxt = off + 8 + ((n + 7) & ~7)
        if depth == "libxl" and t == 1:          # LIBXC_CONTEXT
            out["libxc"] = nxt
            nxt += 24 + 16
            depth = "libxc"
        elif depth == "libxc" and t == 0:
            depth = "libxl"
        elif depth == "libxl" and t == 0:
            out["trailer"] = nxt
            break
        off = nxt
    out["recs"] = recs
    return out


def main():
    src, kind, dst = sys.argv[1:4]
    b = bytearray(open(src, "rb").read())
    w = walk(b)
    libxc = w["libxc"]
    if kind == "truncated":
        b = b[: len(b) // 2]
    elif kind == "truncated_header":
        b = b[:40]
    elif kind == "xl_magic":
        b[0:3] = b"Xon"
    elif kind == "xl_mandatory_flag":
        struct.pack_into("<I", b, 36, 0x3 | 0x100)
    elif kind == "libxl_version":
        struct.pack_into(">I", b, w["libxl"] + 8, 3)
    elif kind == "libxc_version":
        struct.pack_into(">I", b, libxc + 12, 4)
    elif kind == "domain_type_pv":
        struct.pack_into("<I", b, libxc + 24, 1)
    elif kind in ("unknown_mandatory", "unknown_optional"):
        # The MSR policy record becomes one of an unknown type.
        rec = [r for r in w["recs"] if r[0] == "libxc" and r[1] == 0x12][0]
        struct.pack_into("<I", b, rec[2], 0x7e if kind == "unknown_mandatory" else 0x8000007e)
    elif kind == "page_data_count":
        rec = [r for r in w["recs"] if r[0] == "libxc" and r[1] == 1][0]
        struct.pack_into("<I", b, rec[2] + 8, 5000)
    elif kind == "padding":
        rec = [r for r in w["recs"] if r[0] == "libxc" and r[1] == 0x12][0]
        # A record's length made odd, so its padding holds data.
        struct.pack_into("<I", b, rec[2] + 4, rec[3] - 1)
        b[rec[2] + 8 + rec[3] - 1] = 0x55
    elif kind == "emulator_context":
        end = [r for r in w["recs"] if r[0] == "libxl" and r[1] == 0][-1][2]
        body = struct.pack("<II", 2, 0) + b"QEVM" + b"\0" * 4
        b[end:end] = struct.pack("<II", 3, len(body)) + body
    elif kind == "xenkvm_damaged":
        # xenkvm's physmap record: its saved RAM size changed.
        struct.pack_into("<Q", b, w["trailer"] + 16 + 8 + 8, 12345)
    elif kind == "xenkvm_stripped":
        b = b[: w["trailer"]]
    else:
        sys.exit("unknown kind " + kind)
    open(dst, "wb").write(b)


if __name__ == "__main__":
    main()
