/* Loading guest kernels and firmware from ELF images into guest memory.
 *
 * The image is untrusted: every header field is read with explicit
 * little-endian accessors at offsets bounds-checked against SIZE, all
 * offset+length sums are checked for overflow, and nothing is written to
 * guest memory until the whole image (program headers, segment ranges,
 * guest RAM ranges, overlaps, entry point) has been validated. */
#include "elf_load.h"

#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/elfnote.h>

#define FOUR_GIB 0x100000000ULL

/* A program header, independent of the ELF class. */
struct phdr {
    uint32_t type;
    uint64_t offset;
    uint64_t paddr;
    uint64_t filesz;
    uint64_t memsz;
};

/* A PT_LOAD segment that will be loaded (p_memsz > 0). */
struct load {
    unsigned idx;       /* program header index, for messages */
    uint64_t paddr;
    uint64_t memsz;
    uint64_t offset;
    uint64_t filesz;
    void *host;         /* gpa_ptr(paddr, memsz) */
};

/* The parts of the file header the loader uses, independent of class. */
struct ehdr {
    bool is64;
    uint16_t type;
    uint16_t machine;
    uint32_t version;
    uint64_t entry;
    uint64_t phoff;
    uint64_t shoff;
    uint16_t phentsize;
    uint16_t phnum;
    uint16_t shentsize;
    uint16_t shnum;
};

/* Where the PHYS32 entry note search stands. */
enum note_result { NOTE_NONE, NOTE_FOUND, NOTE_BAD };

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* Little-endian readers; the caller has checked P..P+N lies in the image. */
static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) |
           ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | ((uint64_t)rd32(p + 4) << 32);
}

/* Read a class-dependent address/offset/size field ("word"). */
static uint64_t rdw(const uint8_t *p, bool is64)
{
    return is64 ? rd64(p) : rd32(p);
}

/* Is [off, off+len) inside a SIZE-byte file?  Overflow-safe. */
static bool in_file(uint64_t off, uint64_t len, size_t size)
{
    return off <= size && len <= (uint64_t)size - off;
}

/* Field readers by struct offset; elf.h gives the layouts. */
#define EH(p, is64, field) \
    ((p) + ((is64) ? offsetof(Elf64_Ehdr, field) : offsetof(Elf32_Ehdr, field)))
#define PH(p, is64, field) \
    ((p) + ((is64) ? offsetof(Elf64_Phdr, field) : offsetof(Elf32_Phdr, field)))
#define SH(p, is64, field) \
    ((p) + ((is64) ? offsetof(Elf64_Shdr, field) : offsetof(Elf32_Shdr, field)))

static int parse_ehdr(const uint8_t *img, size_t size, struct ehdr *eh,
                      char *err, size_t errlen)
{
    if (size < EI_NIDENT || memcmp(img, ELFMAG, SELFMAG) != 0)
        return fail(err, errlen, "not an ELF file");
    if (img[EI_CLASS] != ELFCLASS32 && img[EI_CLASS] != ELFCLASS64)
        return fail(err, errlen, "ELF class %u not supported",
                    (unsigned)img[EI_CLASS]);
    if (img[EI_DATA] != ELFDATA2LSB)
        return fail(err, errlen,
                    "ELF data encoding %u not supported (need little-endian)",
                    (unsigned)img[EI_DATA]);
    if (img[EI_VERSION] != EV_CURRENT)
        return fail(err, errlen, "ELF ident version %u not supported",
                    (unsigned)img[EI_VERSION]);

    bool is64 = img[EI_CLASS] == ELFCLASS64;
    size_t ehsize = is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    if (size < ehsize)
        return fail(err, errlen, "ELF header truncated (%zu of %zu bytes)",
                    size, ehsize);

    eh->is64 = is64;
    eh->type = rd16(EH(img, is64, e_type));
    eh->machine = rd16(EH(img, is64, e_machine));
    eh->version = rd32(EH(img, is64, e_version));
    eh->entry = rdw(EH(img, is64, e_entry), is64);
    eh->phoff = rdw(EH(img, is64, e_phoff), is64);
    eh->shoff = rdw(EH(img, is64, e_shoff), is64);
    eh->phentsize = rd16(EH(img, is64, e_phentsize));
    eh->phnum = rd16(EH(img, is64, e_phnum));
    eh->shentsize = rd16(EH(img, is64, e_shentsize));
    eh->shnum = rd16(EH(img, is64, e_shnum));

    if (eh->version != EV_CURRENT)
        return fail(err, errlen, "ELF version %u not supported",
                    (unsigned)eh->version);
    if (eh->type != ET_EXEC)
        return fail(err, errlen, "ELF type %u not supported (need ET_EXEC)",
                    (unsigned)eh->type);
    if (eh->machine != EM_386 && eh->machine != EM_X86_64)
        return fail(err, errlen, "ELF machine %u not supported (need x86)",
                    (unsigned)eh->machine);

    size_t phsize = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
    if (eh->phnum == PN_XNUM)
        return fail(err, errlen,
                    "extended program header numbering (PN_XNUM) not supported");
    if (eh->phnum == 0)
        return fail(err, errlen, "no loadable segments");
    if (eh->phentsize != phsize)
        return fail(err, errlen, "program header size %u, expected %zu",
                    (unsigned)eh->phentsize, phsize);
    /* e_phnum is 16 bits and PN_XNUM is refused, so the table is at most
     * 65534 entries; the product cannot overflow. */
    if (!in_file(eh->phoff, (uint64_t)eh->phnum * phsize, size))
        return fail(err, errlen, "program header table outside file");
    return 0;
}

/* Walk the notes in file bytes [off, off+len), already known to be inside
 * the file, looking for XEN_ELFNOTE_PHYS32_ENTRY.  WHAT names the container
 * ("segment 3", "section 7") for messages. */
static enum note_result scan_notes(const uint8_t *img, uint64_t off,
                                   uint64_t len, const char *what,
                                   uint64_t *entry, char *err, size_t errlen)
{
    /* Anything shorter than a note header at the end is padding.  (Form
     * no pointer from OFF unless there are bytes there: with LEN 0 the
     * offset was never checked.) */
    if (len < 12)
        return NOTE_NONE;

    const uint8_t *p = img + off;
    uint64_t left = len;

    while (left >= 12) {
        uint64_t namesz = rd32(p);
        uint64_t descsz = rd32(p + 4);
        uint32_t type = rd32(p + 8);
        /* 64-bit arithmetic: a 32-bit size rounded up cannot overflow. */
        uint64_t namepad = (namesz + 3) & ~(uint64_t)3;
        uint64_t descpad = (descsz + 3) & ~(uint64_t)3;

        p += 12;
        left -= 12;
        /* Padding may be missing at the very end of the container. */
        if (namesz > left) {
            fail(err, errlen, "%s: note name size %llu exceeds its container",
                 what, (unsigned long long)namesz);
            return NOTE_BAD;
        }
        const uint8_t *name = p;
        if (namepad > left)
            namepad = left;
        p += namepad;
        left -= namepad;
        if (descsz > left) {
            fail(err, errlen, "%s: note descriptor size %llu exceeds its "
                 "container", what, (unsigned long long)descsz);
            return NOTE_BAD;
        }
        const uint8_t *desc = p;
        if (descpad > left)
            descpad = left;
        p += descpad;
        left -= descpad;

        if (namesz != 4 || memcmp(name, "Xen", 4) != 0 ||
            type != XEN_ELFNOTE_PHYS32_ENTRY)
            continue;
        if (descsz == 4) {
            *entry = rd32(desc);
        } else if (descsz == 8) {
            *entry = rd64(desc);
        } else {
            fail(err, errlen, "%s: XEN_ELFNOTE_PHYS32_ENTRY descriptor size "
                 "%llu (need 4 or 8)", what, (unsigned long long)descsz);
            return NOTE_BAD;
        }
        return NOTE_FOUND;
    }
    return NOTE_NONE;
}

/* Look for the PHYS32 entry note in the SHT_NOTE sections, when the image
 * has a usable section header table (an unusable one counts as absent). */
static enum note_result scan_section_notes(const uint8_t *img, size_t size,
                                           const struct ehdr *eh,
                                           uint64_t *entry,
                                           char *err, size_t errlen)
{
    bool is64 = eh->is64;
    size_t shsize = is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);

    if (eh->shoff == 0 || eh->shnum == 0 || eh->shentsize != shsize ||
        !in_file(eh->shoff, (uint64_t)eh->shnum * shsize, size))
        return NOTE_NONE;

    for (unsigned i = 0; i < eh->shnum; i++) {
        const uint8_t *sh = img + eh->shoff + (uint64_t)i * shsize;
        if (rd32(SH(sh, is64, sh_type)) != SHT_NOTE)
            continue;
        uint64_t off = rdw(SH(sh, is64, sh_offset), is64);
        uint64_t len = rdw(SH(sh, is64, sh_size), is64);
        if (!in_file(off, len, size)) {
            fail(err, errlen, "section %u file range outside file", i);
            return NOTE_BAD;
        }
        char what[32];
        snprintf(what, sizeof(what), "section %u", i);
        enum note_result r = scan_notes(img, off, len, what, entry,
                                        err, errlen);
        if (r != NOTE_NONE)
            return r;
    }
    return NOTE_NONE;
}

static int cmp_load(const void *a, const void *b)
{
    const struct load *x = a, *y = b;
    if (x->paddr != y->paddr)
        return x->paddr < y->paddr ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

int elf_load(const void *image, size_t size, enum elf_kind kind,
             const struct elf_guest_mem *mem, struct elf_info *info,
             char *err, size_t errlen)
{
    const uint8_t *img = image;
    struct ehdr eh = { .is64 = false };
    struct load *loads = NULL;
    unsigned nloads = 0;
    int ret = -1;

    if (err && errlen)
        err[0] = '\0';
    if (!mem || !mem->gpa_ptr)
        return fail(err, errlen, "no guest memory to load into");
    if (!img && size)
        return fail(err, errlen, "no image");
    if (kind != ELF_KIND_PVH && kind != ELF_KIND_FIRMWARE)
        return fail(err, errlen, "unknown image kind %d", (int)kind);
    if (parse_ehdr(img, size, &eh, err, errlen) < 0)
        return -1;

    bool is64 = eh.is64;
    size_t phsize = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);

    loads = calloc(eh.phnum, sizeof(*loads));
    if (!loads)
        return fail(err, errlen, "out of memory for %u program headers",
                    (unsigned)eh.phnum);

    /* Pass 1: every program header's file range; PT_LOAD memory ranges. */
    for (unsigned i = 0; i < eh.phnum; i++) {
        const uint8_t *ph = img + eh.phoff + (uint64_t)i * phsize;
        struct phdr p = {
            .type = rd32(PH(ph, is64, p_type)),
            .offset = rdw(PH(ph, is64, p_offset), is64),
            .paddr = rdw(PH(ph, is64, p_paddr), is64),
            .filesz = rdw(PH(ph, is64, p_filesz), is64),
            .memsz = rdw(PH(ph, is64, p_memsz), is64),
        };

        if (p.filesz && !in_file(p.offset, p.filesz, size)) {
            fail(err, errlen, "segment %u file range outside file", i);
            goto out;
        }
        if (p.type != PT_LOAD)
            continue;
        if (p.memsz < p.filesz) {
            fail(err, errlen, "segment %u memsz < filesz", i);
            goto out;
        }
        if (p.memsz == 0)
            continue;
        if (p.paddr + p.memsz < p.paddr) {
            fail(err, errlen, "segment %u physical range 0x%llx+0x%llx "
                 "overflows", i, (unsigned long long)p.paddr,
                 (unsigned long long)p.memsz);
            goto out;
        }
        void *host = mem->gpa_ptr(mem->opaque, p.paddr, p.memsz);
        if (!host) {
            fail(err, errlen, "segment %u physical range 0x%llx-0x%llx is "
                 "not guest RAM", i, (unsigned long long)p.paddr,
                 (unsigned long long)(p.paddr + p.memsz - 1));
            goto out;
        }
        loads[nloads++] = (struct load){
            .idx = i, .paddr = p.paddr, .memsz = p.memsz,
            .offset = p.offset, .filesz = p.filesz, .host = host,
        };
    }
    if (nloads == 0) {
        fail(err, errlen, "no loadable segments");
        goto out;
    }

    /* Overlaps: sort by address, compare neighbours. */
    qsort(loads, nloads, sizeof(*loads), cmp_load);
    for (unsigned i = 1; i < nloads; i++) {
        const struct load *a = &loads[i - 1], *b = &loads[i];
        if (a->paddr + a->memsz > b->paddr) {
            unsigned x = a->idx < b->idx ? a->idx : b->idx;
            unsigned y = a->idx < b->idx ? b->idx : a->idx;
            fail(err, errlen, "segments %u and %u overlap", x, y);
            goto out;
        }
    }

    /* Entry point. */
    uint64_t entry = 0;
    if (kind == ELF_KIND_PVH) {
        enum note_result r = NOTE_NONE;
        for (unsigned i = 0; i < eh.phnum && r == NOTE_NONE; i++) {
            const uint8_t *ph = img + eh.phoff + (uint64_t)i * phsize;
            if (rd32(PH(ph, is64, p_type)) != PT_NOTE)
                continue;
            char what[32];
            snprintf(what, sizeof(what), "segment %u", i);
            /* File range checked in pass 1 (or filesz is 0). */
            r = scan_notes(img, rdw(PH(ph, is64, p_offset), is64),
                           rdw(PH(ph, is64, p_filesz), is64), what,
                           &entry, err, errlen);
        }
        if (r == NOTE_NONE)
            r = scan_section_notes(img, size, &eh, &entry, err, errlen);
        if (r == NOTE_BAD)
            goto out;
        if (r == NOTE_NONE) {
            fail(err, errlen,
                 "no XEN_ELFNOTE_PHYS32_ENTRY note: not a PVH kernel");
            goto out;
        }
        if (entry >= FOUR_GIB) {
            fail(err, errlen, "PVH entry 0x%llx is not below 4 GiB",
                 (unsigned long long)entry);
            goto out;
        }
    } else {
        entry = eh.entry;
        if (entry >= FOUR_GIB) {
            fail(err, errlen, "firmware entry 0x%llx is not below 4 GiB",
                 (unsigned long long)entry);
            goto out;
        }
    }
    /* The entry must land in something we load. */
    bool entry_ok = false;
    for (unsigned i = 0; i < nloads && !entry_ok; i++)
        entry_ok = entry >= loads[i].paddr &&
                   entry - loads[i].paddr < loads[i].memsz;
    if (!entry_ok) {
        fail(err, errlen, "%s entry 0x%llx outside loaded segments",
             kind == ELF_KIND_PVH ? "PVH" : "firmware",
             (unsigned long long)entry);
        goto out;
    }

    /* Everything validated: copy the segments and clear their bss. */
    uint64_t lo = UINT64_MAX, hi = 0;
    for (unsigned i = 0; i < nloads; i++) {
        const struct load *l = &loads[i];
        uint8_t *dst = l->host;
        if (l->filesz)
            memmove(dst, img + l->offset, (size_t)l->filesz);
        memset(dst + l->filesz, 0, (size_t)(l->memsz - l->filesz));
        if (l->paddr < lo)
            lo = l->paddr;
        if (l->paddr + l->memsz > hi)
            hi = l->paddr + l->memsz;
    }

    if (info) {
        info->entry = entry;
        info->load_lo = lo;
        info->load_hi = hi;
        info->is64 = is64;
    }
    ret = 0;
out:
    free(loads);
    return ret;
}
