#!/usr/bin/env python3
"""Reads a Xen dump-core file (docs/misc/dump-core-format.txt) the way an
analysis tool would, checking its structure, for tests/cli/xl_dump_core.sh.

core_read.py FILE [GPA]: prints "vcpus N pages P", then per vCPU
"vcpu I flags F rip R cr0 C cr3 D", and with GPA the NUL-terminated text at
that guest-physical address (found through .xen_pfn).  Any malformation
is an error (status 1, the reason on stderr)."""
import struct
import sys

PAGE = 4096
CTX_SIZE = 5168         # sizeof(vcpu_guest_context_t), x86_64
FLAGS_OFF, RIP_OFF, CTRLREG_OFF = 512, 648, 4984
NOTE_TYPES = {0x2000000: "none", 0x2000001: "header", 0x2000002: "xen_version",
              0x2000003: "format_version"}


def die(why):
    sys.stderr.write("core_read: %s\n" % why)
    sys.exit(1)


def main():
    data = open(sys.argv[1], "rb").read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        die("not a little-endian ELF64 file")
    (e_type, _mach, _ver, _entry, phoff, shoff, _flags, _ehsize, _phentsize, phnum,
     shentsize, shnum, shstrndx) = struct.unpack_from("<HHIQQQIHHHHHH", data, 16)
    if e_type != 4:
        die("e_type %d, not ET_CORE" % e_type)
    if phnum != 0 or phoff != 0:
        die("program headers present")
    if shentsize != 64 or shoff + shnum * 64 > len(data):
        die("bad section header table")
    secs = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * 64) for i in range(shnum)]
    stro = secs[shstrndx][4]
    byname = {}
    for s in secs[1:]:
        name = data[stro + s[0]:data.index(b"\0", stro + s[0])].decode()
        if s[4] + s[5] > len(data):
            die("section %s runs past the file" % name)
        byname[name] = s
    for need in (".note.Xen", ".xen_prstatus", ".xen_pfn", ".xen_pages"):
        if need not in byname:
            die("no %s section" % need)
    if byname[".note.Xen"][1] != 7:
        die(".note.Xen is not SHT_NOTE")

    notes = {}
    off, end = byname[".note.Xen"][4], byname[".note.Xen"][4] + byname[".note.Xen"][5]
    while off < end:
        namesz, descsz, ntype = struct.unpack_from("<III", data, off)
        name = data[off + 12:off + 12 + namesz]
        if name != b"Xen\0":
            die("note owner %r" % name)
        doff = off + 12 + ((namesz + 3) & ~3)
        notes[NOTE_TYPES.get(ntype, ntype)] = data[doff:doff + descsz]
        off = doff + ((descsz + 3) & ~3)
    for need in ("none", "header", "xen_version", "format_version"):
        if need not in notes:
            die("no %s note" % need)
    magic, nr_vcpus, nr_pages, page_size = struct.unpack("<QQQQ", notes["header"])
    if magic != 0xF00FEBEE:
        die("header magic %#x, not XC_CORE_MAGIC_HVM" % magic)
    if page_size != PAGE:
        die("page size %d" % page_size)
    major, minor = struct.unpack_from("<QQ", notes["xen_version"])
    if (major, minor) != (4, 17):
        die("xen version %d.%d" % (major, minor))
    if struct.unpack("<Q", notes["format_version"])[0] != 1:
        die("format version is not (0, 1)")

    pr, pfn, pages = byname[".xen_prstatus"], byname[".xen_pfn"], byname[".xen_pages"]
    if pr[5] != nr_vcpus * CTX_SIZE:
        die(".xen_prstatus holds %d bytes for %d vCPUs" % (pr[5], nr_vcpus))
    if pfn[5] != nr_pages * 8 or pages[5] != nr_pages * PAGE:
        die(".xen_pfn / .xen_pages sizes do not match %d pages" % nr_pages)
    if pages[4] % PAGE:
        die(".xen_pages is not page aligned")
    pfns = struct.unpack_from("<%dQ" % nr_pages, data, pfn[4])
    if len(set(pfns)) != nr_pages:
        die("a frame is listed twice")
    print("vcpus %d pages %d" % (nr_vcpus, nr_pages))
    for i in range(nr_vcpus):
        base = pr[4] + i * CTX_SIZE
        flags = struct.unpack_from("<Q", data, base + FLAGS_OFF)[0]
        rip = struct.unpack_from("<Q", data, base + RIP_OFF)[0]
        cr = struct.unpack_from("<8Q", data, base + CTRLREG_OFF)
        print("vcpu %d flags %#x rip %#x cr0 %#x cr3 %#x" % (i, flags, rip, cr[0], cr[3]))
    if len(sys.argv) > 2:
        gpa = int(sys.argv[2], 0)
        try:
            idx = pfns.index(gpa // PAGE)
        except ValueError:
            die("frame %#x is not in the core" % (gpa // PAGE))
        start = pages[4] + idx * PAGE + gpa % PAGE
        print(data[start:data.index(b"\0", start)].decode(errors="replace"))


main()
