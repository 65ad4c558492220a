#!/usr/bin/env python3
"""Damaged variants of an image `xl save` wrote, for
tests/cli/xl_save_restore.sh: mig_image.py IMAGE KIND OUT.

The image is walked with the layout of docs/migration.md (xl's header, the
libxl v2 stream, the libxc v3 stream inside it, xenkvm's records after the
libxl END); KIND names one change (hvmctx_*: one in the HVM context; hvmctx_list
prints its descriptors instead)."""
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


def hvmctx(b, w):
    """The HVM_CONTEXT record's offset and its descriptors
    [code, instance, data] (<xen/arch-x86/hvm/save.h>)."""
    rec = [r for r in w["recs"] if r[0] == "libxc" and r[1] == 0x09][0]
    body = bytes(b[rec[2] + 8: rec[2] + 8 + rec[3]])
    out, off = [], 0
    while off + 8 <= len(body):
        code, inst, n = struct.unpack_from("<HHI", body, off)
        out.append([code, inst, bytearray(body[off + 8: off + 8 + n])])
        off += 8 + n
    return rec, out


def put_hvmctx(b, rec, descs):
    """B with the HVM_CONTEXT record's body rebuilt from DESCS."""
    body = b"".join(struct.pack("<HHI", c, i, len(d)) + bytes(d) for c, i, d in descs)
    pad = (8 - len(body) % 8) % 8
    old_end = rec[2] + 8 + ((rec[3] + 7) & ~7)
    return b[: rec[2]] + struct.pack("<II", 0x09, len(body)) + body + b"\0" * pad + b[old_end:]


def edit_hvmctx(b, w, kind):
    """The HVM context changed as KIND says (tests/cli/xl_save_hvm.sh)."""
    rec, descs = hvmctx(b, w)
    end = len(descs) - 1                        # the END descriptor
    if kind == "hvmctx_no_platform":            # as an older xenkvm wrote it
        descs = [d for d in descs if d[0] not in (3, 4, 10)]
    elif kind == "hvmctx_ioapic_pin40":         # pin 40 unmasked
        io = [d for d in descs if d[0] == 4][0][2]
        e = struct.unpack_from("<Q", io, 16 + 40 * 8)[0]
        struct.pack_into("<Q", io, 16 + 40 * 8, (e & ~(1 << 16)) | 0x41)
    elif kind == "hvmctx_hpet_enabled":         # an HPET the guest enabled
        hpet = bytearray(1048)
        struct.pack_into("<QQQ", hpet, 0, 0x8086a201 | (10000000 << 32), 0, 1)
        descs.insert(end, [12, 0, hpet])
    elif kind == "hvmctx_viridian":             # Hyper-V hypercall page set up
        descs.insert(end, [15, 0, bytearray(struct.pack("<QQQQ", 0x1001, 0x1040a00, 0, 0))])
    elif kind == "hvmctx_add_platform":         # a new type=hvm domain's, as Xen writes them
        pic = bytearray(8)
        pic[5] = 0x40                           # is_master (bit 6 of the flags byte)
        io = bytearray(struct.pack("<QII", 0xfec00000, 0, 0) + struct.pack("<Q", 1 << 16) * 48)
        ch = struct.pack("<IHBBBBBBBBBB", 0x10000, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0, 1)
        pit = bytearray(ch * 3 + struct.pack("<II", 0, 0))
        at = [i for i, d in enumerate(descs) if d[0] > 2 or d[0] == 0][0]
        descs[at:at] = [[3, 0, pic], [3, 1, bytearray(8)], [4, 0, io]]
        at = [i for i, d in enumerate(descs) if d[0] > 6 or d[0] == 0][0]
        descs.insert(at, [10, 0, pit])
    elif kind == "hvmctx_unknown_type":
        descs.insert(end, [42, 0, bytearray(8)])
    else:
        sys.exit("unknown kind " + kind)
    return put_hvmctx(b, rec, descs)


def main():
    src, kind, dst = sys.argv[1:4]
    b = bytearray(open(src, "rb").read())
    w = walk(b)
    libxc = w["libxc"]
    if kind == "hvmctx_list":
        # One line per descriptor: type code, instance, length.
        for c, i, d in hvmctx(b, w)[1]:
            print(c, i, len(d))
        return
    if kind.startswith("hvmctx_"):
        b = edit_hvmctx(b, w, kind)
    elif kind == "truncated":
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
