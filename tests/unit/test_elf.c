/* Unit tests for hvm/elf_load.c: ELF images are built in memory and loaded
 * into a fake 16 MiB guest; valid images must land correctly, malformed or
 * hostile ones must be rejected without touching guest memory. */
#include <elf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/elfnote.h>

#include "check.h"
#include "hvm/elf_load.h"

/* ---- fake guest memory ------------------------------------------------- */

#define GUEST_SIZE  (16ULL << 20)
#define HOLE_LO     0xA0000ULL      /* a non-RAM hole, like the VGA window */
#define HOLE_HI     0xC0000ULL

static uint8_t *guest;          /* GUEST_SIZE bytes at gpa 0 */
static uint8_t *pristine;       /* what guest holds before each load */
static uint64_t touched_lo, touched_hi; /* union of ranges handed out */

static void *fake_gpa_ptr(void *opaque, uint64_t gpa, uint64_t len)
{
    if (gpa >= GUEST_SIZE || len > GUEST_SIZE - gpa)
        return NULL;
    if (gpa < HOLE_HI && gpa + len > HOLE_LO)
        return NULL;
    if (gpa < touched_lo)
        touched_lo = gpa;
    if (gpa + len > touched_hi)
        touched_hi = gpa + len;
    return guest + gpa;
}

static const struct elf_guest_mem gmem = { fake_gpa_ptr, NULL };

static void guest_init(void)
{
    guest = malloc(GUEST_SIZE);
    pristine = malloc(GUEST_SIZE);
    if (!guest || !pristine) {
        perror("malloc");
        exit(2);
    }
    /* A non-zero pattern, so bss clearing and stray writes both show. */
    for (uint64_t i = 0; i < GUEST_SIZE; i++)
        pristine[i] = (uint8_t)(0xA5 ^ (i * 131) ^ (i >> 9));
    memcpy(guest, pristine, GUEST_SIZE);
}

static void touched_reset(void)
{
    touched_lo = UINT64_MAX;
    touched_hi = 0;
}

static bool guest_unchanged(void)
{
    return memcmp(guest, pristine, GUEST_SIZE) == 0;
}

/* Cheap checks for the loops: only the ranges gpa_ptr handed out can have
 * been written by elf_load. */
static bool touched_unchanged(void)
{
    if (touched_hi <= touched_lo)
        return true;
    return memcmp(guest + touched_lo, pristine + touched_lo,
                  touched_hi - touched_lo) == 0;
}

static void touched_restore(void)
{
    if (touched_hi > touched_lo)
        memcpy(guest + touched_lo, pristine + touched_lo,
               touched_hi - touched_lo);
}

static void guest_restore(void)
{
    memcpy(guest, pristine, GUEST_SIZE);
}

/* ---- image builder ----------------------------------------------------- */

#define TEXT_PA     0x100000ULL
#define TEXT_LEN    256
#define DATA_PA     0x101000ULL
#define DATA_LEN    64
#define DATA_MEMSZ  0x2000ULL
#define PVH_ENTRY   (TEXT_PA + 0x40)
#define NPHDR       4

struct opts {
    bool is64;
    bool shdrs;         /* append a section table with an SHT_NOTE section */
    bool pt_note;       /* program header 2 is PT_NOTE (else PT_NULL) */
    bool xen_note;      /* include the XEN_ELFNOTE_PHYS32_ENTRY note */
    unsigned descsz;    /* its descriptor size */
    uint64_t pvh_entry; /* its value (little-endian, descsz bytes) */
};

struct img {
    uint8_t *buf;       /* exactly size bytes, heap: ASan sees over-reads */
    size_t size;
    bool is64;
    size_t phoff, phsize;
    size_t notes_off, notes_len;
    size_t note1_off;   /* the GNU build-id note */
    size_t phys_off;    /* the PHYS32 note (if any) */
    size_t text_off, data_off, data_end;
    size_t shoff, shsize;
};

static struct opts defaults(bool is64)
{
    return (struct opts){ .is64 = is64, .shdrs = false, .pt_note = true,
                          .xen_note = true, .descsz = 4,
                          .pvh_entry = PVH_ENTRY };
}

static size_t align_up(size_t v, size_t a)
{
    return (v + a - 1) & ~(a - 1);
}

static uint8_t text_byte(size_t i) { return (uint8_t)(i * 7 + 1); }
static uint8_t data_byte(size_t i) { return (uint8_t)(i * 13 + 5); }

/* Class-independent header access: Elf64 structs are the canonical form. */
static void eh_get(const struct img *im, Elf64_Ehdr *e)
{
    if (im->is64) {
        memcpy(e, im->buf, sizeof(*e));
        return;
    }
    Elf32_Ehdr h;
    memcpy(&h, im->buf, sizeof(h));
    memset(e, 0, sizeof(*e));
    memcpy(e->e_ident, h.e_ident, EI_NIDENT);
    e->e_type = h.e_type;
    e->e_machine = h.e_machine;
    e->e_version = h.e_version;
    e->e_entry = h.e_entry;
    e->e_phoff = h.e_phoff;
    e->e_shoff = h.e_shoff;
    e->e_flags = h.e_flags;
    e->e_ehsize = h.e_ehsize;
    e->e_phentsize = h.e_phentsize;
    e->e_phnum = h.e_phnum;
    e->e_shentsize = h.e_shentsize;
    e->e_shnum = h.e_shnum;
    e->e_shstrndx = h.e_shstrndx;
}

static void eh_put(struct img *im, const Elf64_Ehdr *e)
{
    if (im->is64) {
        memcpy(im->buf, e, sizeof(*e));
        return;
    }
    Elf32_Ehdr h;
    memcpy(h.e_ident, e->e_ident, EI_NIDENT);
    h.e_type = e->e_type;
    h.e_machine = e->e_machine;
    h.e_version = e->e_version;
    h.e_entry = (Elf32_Addr)e->e_entry;
    h.e_phoff = (Elf32_Off)e->e_phoff;
    h.e_shoff = (Elf32_Off)e->e_shoff;
    h.e_flags = e->e_flags;
    h.e_ehsize = e->e_ehsize;
    h.e_phentsize = e->e_phentsize;
    h.e_phnum = e->e_phnum;
    h.e_shentsize = e->e_shentsize;
    h.e_shnum = e->e_shnum;
    h.e_shstrndx = e->e_shstrndx;
    memcpy(im->buf, &h, sizeof(h));
}

static void ph_get(const struct img *im, unsigned i, Elf64_Phdr *p)
{
    const uint8_t *src = im->buf + im->phoff + i * im->phsize;
    if (im->is64) {
        memcpy(p, src, sizeof(*p));
        return;
    }
    Elf32_Phdr h;
    memcpy(&h, src, sizeof(h));
    p->p_type = h.p_type;
    p->p_flags = h.p_flags;
    p->p_offset = h.p_offset;
    p->p_vaddr = h.p_vaddr;
    p->p_paddr = h.p_paddr;
    p->p_filesz = h.p_filesz;
    p->p_memsz = h.p_memsz;
    p->p_align = h.p_align;
}

static void ph_put(struct img *im, unsigned i, const Elf64_Phdr *p)
{
    uint8_t *dst = im->buf + im->phoff + i * im->phsize;
    if (im->is64) {
        memcpy(dst, p, sizeof(*p));
        return;
    }
    Elf32_Phdr h;
    h.p_type = p->p_type;
    h.p_flags = p->p_flags;
    h.p_offset = (Elf32_Off)p->p_offset;
    h.p_vaddr = (Elf32_Addr)p->p_vaddr;
    h.p_paddr = (Elf32_Addr)p->p_paddr;
    h.p_filesz = (Elf32_Word)p->p_filesz;
    h.p_memsz = (Elf32_Word)p->p_memsz;
    h.p_align = (Elf32_Word)p->p_align;
    memcpy(dst, &h, sizeof(h));
}

static void sh_put(struct img *im, unsigned i, const Elf64_Shdr *s)
{
    uint8_t *dst = im->buf + im->shoff + i * im->shsize;
    if (im->is64) {
        memcpy(dst, s, sizeof(*s));
        return;
    }
    Elf32_Shdr h;
    h.sh_name = s->sh_name;
    h.sh_type = s->sh_type;
    h.sh_flags = (Elf32_Word)s->sh_flags;
    h.sh_addr = (Elf32_Addr)s->sh_addr;
    h.sh_offset = (Elf32_Off)s->sh_offset;
    h.sh_size = (Elf32_Word)s->sh_size;
    h.sh_link = s->sh_link;
    h.sh_info = s->sh_info;
    h.sh_addralign = (Elf32_Word)s->sh_addralign;
    h.sh_entsize = (Elf32_Word)s->sh_entsize;
    memcpy(dst, &h, sizeof(h));
}

/* Patch one program header field through a callback-free idiom: get, edit,
 * put.  These macros keep the test cases short. */
#define PH_SET(im, i, field, val) do {                                     \
        Elf64_Phdr ph_;                                                    \
        ph_get(&(im), (i), &ph_);                                          \
        ph_.field = (val);                                                 \
        ph_put(&(im), (i), &ph_);                                          \
    } while (0)

#define EH_SET(im, field, val) do {                                        \
        Elf64_Ehdr eh_;                                                    \
        eh_get(&(im), &eh_);                                               \
        eh_.field = (val);                                                 \
        eh_put(&(im), &eh_);                                               \
    } while (0)

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);   /* the test host is little-endian x86 */
}

/* Write one note at P; returns its padded length. */
static size_t put_note(uint8_t *p, const char *name, uint32_t namesz,
                       uint32_t type, const void *desc, uint32_t descsz)
{
    if (p) {
        put32(p, namesz);
        put32(p + 4, descsz);
        put32(p + 8, type);
        memcpy(p + 12, name, namesz);
        memcpy(p + 12 + align_up(namesz, 4), desc, descsz);
    }
    return 12 + align_up(namesz, 4) + align_up(descsz, 4);
}

static void write_notes(struct img *im, const struct opts *o, uint8_t *p)
{
    static const uint8_t build_id[20] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
                                          11, 12, 13, 14, 15, 16, 17, 18,
                                          19, 20 };
    uint8_t entry[16];
    size_t off = 0;

    memset(entry, 0, sizeof(entry));
    for (unsigned i = 0; i < 8 && i < sizeof(entry); i++)
        entry[i] = (uint8_t)(o->pvh_entry >> (8 * i));

    im->note1_off = im->notes_off;
    off += put_note(p ? p + off : NULL, "GNU", 4, NT_GNU_BUILD_ID,
                    build_id, sizeof(build_id));
    off += put_note(p ? p + off : NULL, "Xen", 4, XEN_ELFNOTE_GUEST_OS,
                    "linux", 6);            /* descriptor needs padding */
    off += put_note(p ? p + off : NULL, "Linux", 6, 0x100,
                    "\x01\x02\x03\x04", 4);   /* name needs padding */
    im->phys_off = 0;
    if (o->xen_note) {
        im->phys_off = im->notes_off + off;
        off += put_note(p ? p + off : NULL, "Xen", 4,
                        XEN_ELFNOTE_PHYS32_ENTRY, entry,
                        o->descsz <= sizeof(entry) ? o->descsz : 0);
    }
    im->notes_len = off;
}

/* Build a valid image (per O) into IM. */
static void build(struct img *im, const struct opts *o)
{
    memset(im, 0, sizeof(*im));
    im->is64 = o->is64;
    size_t ehsize = o->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    im->phsize = o->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
    im->shsize = o->is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);

    im->phoff = ehsize;
    im->notes_off = align_up(im->phoff + NPHDR * im->phsize, 4);
    write_notes(im, o, NULL);               /* layout only */
    im->text_off = align_up(im->notes_off + im->notes_len, 16);
    im->data_off = im->text_off + TEXT_LEN;
    im->data_end = im->data_off + DATA_LEN;
    im->size = im->data_end;
    if (o->shdrs) {
        im->shoff = align_up(im->data_end, 8);
        im->size = im->shoff + 3 * im->shsize;
    }

    im->buf = calloc(1, im->size);
    if (!im->buf) {
        perror("calloc");
        exit(2);
    }

    Elf64_Ehdr e;
    memset(&e, 0, sizeof(e));
    memcpy(e.e_ident, ELFMAG, SELFMAG);
    e.e_ident[EI_CLASS] = o->is64 ? ELFCLASS64 : ELFCLASS32;
    e.e_ident[EI_DATA] = ELFDATA2LSB;
    e.e_ident[EI_VERSION] = EV_CURRENT;
    e.e_type = ET_EXEC;
    e.e_machine = o->is64 ? EM_X86_64 : EM_386;
    e.e_version = EV_CURRENT;
    e.e_entry = TEXT_PA;
    e.e_phoff = im->phoff;
    e.e_shoff = o->shdrs ? im->shoff : 0;
    e.e_ehsize = (uint16_t)ehsize;
    e.e_phentsize = (uint16_t)im->phsize;
    e.e_phnum = NPHDR;
    e.e_shentsize = o->shdrs ? (uint16_t)im->shsize : 0;
    e.e_shnum = o->shdrs ? 3 : 0;
    eh_put(im, &e);

    Elf64_Phdr ph[NPHDR];
    memset(ph, 0, sizeof(ph));
    ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X,
                          .p_offset = im->text_off, .p_vaddr = TEXT_PA,
                          .p_paddr = TEXT_PA, .p_filesz = TEXT_LEN,
                          .p_memsz = TEXT_LEN, .p_align = 16 };
    ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W,
                          .p_offset = im->data_off, .p_vaddr = DATA_PA,
                          .p_paddr = DATA_PA, .p_filesz = DATA_LEN,
                          .p_memsz = DATA_MEMSZ, .p_align = 16 };
    ph[2] = (Elf64_Phdr){ .p_type = o->pt_note ? PT_NOTE : PT_NULL,
                          .p_flags = PF_R, .p_offset = im->notes_off,
                          .p_filesz = im->notes_len, .p_align = 4 };
    ph[3] = (Elf64_Phdr){ .p_type = PT_GNU_STACK, .p_flags = PF_R | PF_W };
    for (unsigned i = 0; i < NPHDR; i++)
        ph_put(im, i, &ph[i]);

    write_notes(im, o, im->buf + im->notes_off);
    for (size_t i = 0; i < TEXT_LEN; i++)
        im->buf[im->text_off + i] = text_byte(i);
    for (size_t i = 0; i < DATA_LEN; i++)
        im->buf[im->data_off + i] = data_byte(i);

    if (o->shdrs) {
        Elf64_Shdr s[3];
        memset(s, 0, sizeof(s));
        s[1] = (Elf64_Shdr){ .sh_type = SHT_NOTE, .sh_flags = SHF_ALLOC,
                             .sh_offset = im->notes_off,
                             .sh_size = im->notes_len, .sh_addralign = 4 };
        s[2] = (Elf64_Shdr){ .sh_type = SHT_PROGBITS,
                             .sh_flags = SHF_ALLOC | SHF_EXECINSTR,
                             .sh_addr = TEXT_PA, .sh_offset = im->text_off,
                             .sh_size = TEXT_LEN, .sh_addralign = 16 };
        for (unsigned i = 0; i < 3; i++)
            sh_put(im, i, &s[i]);
    }
}

static struct img make(bool is64)
{
    struct img im;
    struct opts o = defaults(is64);
    build(&im, &o);
    return im;
}

static struct img make_opts(const struct opts *o)
{
    struct img im;
    build(&im, o);
    return im;
}

static void drop(struct img *im)
{
    free(im->buf);
    im->buf = NULL;
}

/* ---- load helpers ------------------------------------------------------ */

static char last_err[256];

static int do_load(const void *buf, size_t size, enum elf_kind kind,
                   struct elf_info *info)
{
    memset(last_err, 'x', sizeof(last_err) - 1);
    last_err[sizeof(last_err) - 1] = '\0';
    touched_reset();
    return elf_load(buf, size, kind, &gmem, info, last_err, sizeof(last_err));
}

/* The image must be rejected, with a message containing SUBSTR, and guest memory must be untouched.  A macro so failures report
 * the caller's line. */
#define REJECT(im, kind, substr) do {                                      \
        struct elf_info info_;                                             \
        int r_ = do_load((im).buf, (im).size, (kind), &info_);             \
        CHECK_EQ(r_, -1);                                                  \
        CHECK(last_err[0] != '\0' && last_err[0] != 'x');                  \
        if (!strstr(last_err, (substr))) {                                 \
            fprintf(stderr, "  err was: \"%s\", wanted \"%s\"\n",           \
                    last_err, (substr));                                   \
            CHECK(!"error message mismatch");                              \
        }                                                                  \
        CHECK(guest_unchanged());                                          \
        guest_restore();                                                   \
    } while (0)

/* Check a default image (per O) landed, then restore the guest. */
static void check_loaded(const struct opts *o, const struct elf_info *info,
                         enum elf_kind kind)
{
    uint64_t want_entry = kind == ELF_KIND_PVH ? o->pvh_entry : TEXT_PA;
    CHECK_EQ(info->entry, want_entry);
    CHECK_EQ(info->load_lo, TEXT_PA);
    CHECK_EQ(info->load_hi, DATA_PA + DATA_MEMSZ);
    CHECK_EQ(info->is64, o->is64);

    bool text_ok = true, data_ok = true, bss_ok = true;
    for (size_t i = 0; i < TEXT_LEN; i++)
        text_ok &= guest[TEXT_PA + i] == text_byte(i);
    for (size_t i = 0; i < DATA_LEN; i++)
        data_ok &= guest[DATA_PA + i] == data_byte(i);
    for (uint64_t i = DATA_LEN; i < DATA_MEMSZ; i++)
        bss_ok &= guest[DATA_PA + i] == 0;
    CHECK(text_ok);
    CHECK(data_ok);
    CHECK(bss_ok);
    /* Nothing else changed: below text, the gap between text and data,
     * and above the bss still hold the pattern. */
    CHECK(memcmp(guest, pristine, TEXT_PA) == 0);
    CHECK(memcmp(guest + TEXT_PA + TEXT_LEN, pristine + TEXT_PA + TEXT_LEN,
                 DATA_PA - TEXT_PA - TEXT_LEN) == 0);
    CHECK(memcmp(guest + DATA_PA + DATA_MEMSZ, pristine + DATA_PA + DATA_MEMSZ,
                 GUEST_SIZE - DATA_PA - DATA_MEMSZ) == 0);
    guest_restore();
}

static void load_ok(const struct opts *o, enum elf_kind kind)
{
    struct img im = make_opts(o);
    struct elf_info info;
    memset(&info, 0xEE, sizeof(info));
    int r = do_load(im.buf, im.size, kind, &info);
    if (r != 0)
        fprintf(stderr, "  unexpected error: %s\n", last_err);
    CHECK_EQ(r, 0);
    if (r == 0)
        check_loaded(o, &info, kind);
    else
        guest_restore();
    drop(&im);
}

/* ---- valid images ------------------------------------------------------ */

static void test_valid64_pvh(void)
{
    struct opts o = defaults(true);
    load_ok(&o, ELF_KIND_PVH);
}

static void test_valid32_pvh(void)
{
    struct opts o = defaults(false);
    load_ok(&o, ELF_KIND_PVH);
}

static void test_pvh_note_descsz8(void)
{
    struct opts o = defaults(true);
    o.descsz = 8;
    o.pvh_entry = TEXT_PA + 0x80;
    load_ok(&o, ELF_KIND_PVH);
    o.is64 = false;
    load_ok(&o, ELF_KIND_PVH);
}

static void test_pvh_note_in_section(void)
{
    /* No PT_NOTE: the note is found through the section table. */
    for (int c = 0; c < 2; c++) {
        struct opts o = defaults(c);
        o.pt_note = false;
        o.shdrs = true;
        o.pvh_entry = TEXT_PA + 0x10;
        load_ok(&o, ELF_KIND_PVH);
    }
}

static void test_valid_with_sections(void)
{
    for (int c = 0; c < 2; c++) {
        struct opts o = defaults(c);
        o.shdrs = true;
        load_ok(&o, ELF_KIND_PVH);
    }
}

static void test_firmware_entry(void)
{
    for (int c = 0; c < 2; c++) {
        struct opts o = defaults(c);
        load_ok(&o, ELF_KIND_FIRMWARE);     /* e_entry, not the note */
        o.xen_note = false;                 /* firmware needs no note */
        load_ok(&o, ELF_KIND_FIRMWARE);
    }
}

static void test_unaligned_image(void)
{
    /* Headers at an odd host address must be read without misaligned
     * accesses (UBSan checks). */
    struct opts o = defaults(true);
    o.shdrs = true;
    struct img im = make_opts(&o);
    uint8_t *odd = malloc(im.size + 1);
    CHECK(odd != NULL);
    if (!odd) {
        drop(&im);
        return;
    }
    memcpy(odd + 1, im.buf, im.size);
    struct elf_info info;
    int r = do_load(odd + 1, im.size, ELF_KIND_PVH, &info);
    CHECK_EQ(r, 0);
    if (r == 0)
        check_loaded(&o, &info, ELF_KIND_PVH);
    else
        guest_restore();
    free(odd);
    drop(&im);
}

static void test_segment_order_and_adjacency(void)
{
    for (int c = 0; c < 2; c++) {
        /* Program headers in descending address order. */
        struct opts o = defaults(c);
        struct img im = make_opts(&o);
        Elf64_Phdr a, b;
        ph_get(&im, 0, &a);
        ph_get(&im, 1, &b);
        ph_put(&im, 0, &b);
        ph_put(&im, 1, &a);
        struct elf_info info;
        int r = do_load(im.buf, im.size, ELF_KIND_PVH, &info);
        CHECK_EQ(r, 0);
        if (r == 0)
            check_loaded(&o, &info, ELF_KIND_PVH);
        else
            guest_restore();

        /* Text ending exactly where data starts is not an overlap. */
        PH_SET(im, 0, p_memsz, DATA_PA - TEXT_PA);      /* data now ph 0 */
        PH_SET(im, 1, p_memsz, DATA_PA - TEXT_PA);
        r = do_load(im.buf, im.size, ELF_KIND_PVH, &info);
        if (r)
            fprintf(stderr, "  unexpected error: %s\n", last_err);
        CHECK_EQ(r, 0);
        CHECK_EQ(info.load_lo, TEXT_PA);
        CHECK_EQ(info.load_hi, DATA_PA + DATA_PA - TEXT_PA);
        guest_restore();
        drop(&im);
    }
}

static void test_bss_only_and_empty_load(void)
{
    for (int c = 0; c < 2; c++) {
        struct opts o = defaults(c);
        struct img im = make_opts(&o);
        /* Data segment with no file bytes: all bss. */
        PH_SET(im, 1, p_filesz, 0);
        PH_SET(im, 1, p_offset, 0xFFFFFFF0);    /* unused when filesz 0 */
        /* An empty PT_LOAD is ignored, wherever it claims to be. */
        Elf64_Phdr e = { .p_type = PT_LOAD, .p_offset = 0xFFFFFFF0,
                         .p_paddr = 0xFFFFFFF0 };
        ph_put(&im, 3, &e);
        struct elf_info info;
        int r = do_load(im.buf, im.size, ELF_KIND_PVH, &info);
        if (r)
            fprintf(stderr, "  unexpected error: %s\n", last_err);
        CHECK_EQ(r, 0);
        CHECK_EQ(info.load_lo, TEXT_PA);
        CHECK_EQ(info.load_hi, DATA_PA + DATA_MEMSZ);
        bool zero = true;
        for (uint64_t i = 0; i < DATA_MEMSZ; i++)
            zero &= guest[DATA_PA + i] == 0;
        CHECK(zero);
        guest_restore();
        drop(&im);
    }
}

/* ---- error reporting --------------------------------------------------- */

static void test_err_buffer(void)
{
    struct img im = make(true);
    im.buf[0] = 0;                       /* bad magic */
    struct elf_info info;
    CHECK_EQ(elf_load(im.buf, im.size, ELF_KIND_PVH, &gmem, &info, NULL, 0),
             -1);
    char one[1] = { 'x' };
    CHECK_EQ(elf_load(im.buf, im.size, ELF_KIND_PVH, &gmem, &info, one, 1),
             -1);
    CHECK_EQ(one[0], '\0');
    char small[8];
    memset(small, 'x', sizeof(small));
    CHECK_EQ(elf_load(im.buf, im.size, ELF_KIND_PVH, &gmem, &info, small,
                      sizeof(small)), -1);
    CHECK_EQ(strnlen(small, sizeof(small)), sizeof(small) - 1);
    /* A valid image with no error buffer. */
    drop(&im);
    im = make(false);
    CHECK_EQ(elf_load(im.buf, im.size, ELF_KIND_PVH, &gmem, &info, NULL, 0),
             0);
    guest_restore();
    /* NULL image, no guest memory. */
    CHECK_EQ(do_load(NULL, 0, ELF_KIND_PVH, &info), -1);
    CHECK(last_err[0] != '\0');
    struct elf_guest_mem none = { NULL, NULL };
    CHECK_EQ(elf_load(im.buf, im.size, ELF_KIND_PVH, &none, &info,
                      last_err, sizeof(last_err)), -1);
    CHECK(last_err[0] != '\0');
    CHECK(guest_unchanged());
    drop(&im);
}

/* ---- truncation -------------------------------------------------------- */

static void truncations(const struct opts *o)
{
    struct img im = make_opts(o);
    size_t nok = 0;
    for (size_t len = 0; len <= im.size; len++) {
        uint8_t *cut = malloc(len ? len : 1);
        if (!cut) {
            CHECK(!"malloc");
            break;
        }
        memcpy(cut, im.buf, len);
        struct elf_info info;
        int r = do_load(cut, len, ELF_KIND_PVH, &info);
        CHECK(r == 0 || r == -1);
        if (r == 0) {
            nok++;
            /* Only the trailing section table may be cut off. */
            CHECK(len >= im.data_end);
            CHECK_EQ(info.entry, o->pvh_entry);
            CHECK_EQ(info.load_lo, TEXT_PA);
            CHECK_EQ(info.load_hi, DATA_PA + DATA_MEMSZ);
            touched_restore();
        } else {
            CHECK(len < im.size);
            CHECK(last_err[0] != '\0' && last_err[0] != 'x');
            CHECK(touched_unchanged());
        }
        free(cut);
    }
    /* Without a PT_NOTE the note lives in the trailing section table, so
     * only the whole file loads. */
    CHECK_EQ(nok, o->pt_note ? im.size - im.data_end + 1 : 1);
    CHECK(guest_unchanged());
    drop(&im);
}

static void test_truncated(void)
{
    for (int c = 0; c < 2; c++) {
        struct opts o = defaults(c);
        truncations(&o);
        o.shdrs = true;
        truncations(&o);
        o.pt_note = false;      /* note only in the section */
        truncations(&o);
    }
}

/* ---- malformed file headers -------------------------------------------- */

static void test_bad_magic(void)
{
    for (unsigned i = 0; i < SELFMAG; i++) {
        struct img im = make(i & 1);
        im.buf[i] ^= 0x20;
        REJECT(im, ELF_KIND_PVH, "not an ELF file");
        drop(&im);
    }
    static const char junk[] = "#!/bin/sh\necho not an ELF file at all\n";
    struct img im = { 0 };
    im.size = sizeof(junk);
    im.buf = malloc(im.size);
    memcpy(im.buf, junk, im.size);
    REJECT(im, ELF_KIND_FIRMWARE, "not an ELF file");
    drop(&im);
}

static void test_bad_ident(void)
{
    struct img im = make(true);
    im.buf[EI_CLASS] = 5;
    REJECT(im, ELF_KIND_PVH, "ELF class 5 not supported");
    im.buf[EI_CLASS] = ELFCLASSNONE;
    REJECT(im, ELF_KIND_PVH, "class 0");
    drop(&im);

    for (int c = 0; c < 2; c++) {
        im = make(c);
        im.buf[EI_DATA] = ELFDATA2MSB;
        REJECT(im, ELF_KIND_PVH, "little-endian");
        im.buf[EI_DATA] = ELFDATANONE;
        REJECT(im, ELF_KIND_FIRMWARE, "little-endian");
        drop(&im);

        im = make(c);
        im.buf[EI_VERSION] = 0;
        REJECT(im, ELF_KIND_PVH, "version");
        drop(&im);

        im = make(c);
        EH_SET(im, e_version, 2);
        REJECT(im, ELF_KIND_PVH, "version");
        drop(&im);
    }
}

static void test_bad_machine_type(void)
{
    for (int c = 0; c < 2; c++) {
        struct img im = make(c);
        EH_SET(im, e_machine, EM_ARM);
        REJECT(im, ELF_KIND_PVH, "machine");
        EH_SET(im, e_machine, EM_AARCH64);
        REJECT(im, ELF_KIND_FIRMWARE, "machine");
        EH_SET(im, e_machine, EM_NONE);
        REJECT(im, ELF_KIND_PVH, "machine");
        drop(&im);

        im = make(c);
        EH_SET(im, e_type, ET_DYN);
        REJECT(im, ELF_KIND_PVH, "type");
        EH_SET(im, e_type, ET_REL);
        REJECT(im, ELF_KIND_PVH, "type");
        EH_SET(im, e_type, ET_CORE);
        REJECT(im, ELF_KIND_FIRMWARE, "type");
        drop(&im);
    }
    /* Either x86 machine goes with either class. */
    struct opts o = defaults(true);
    struct img im = make_opts(&o);
    EH_SET(im, e_machine, EM_386);
    struct elf_info info;
    CHECK_EQ(do_load(im.buf, im.size, ELF_KIND_PVH, &info), 0);
    guest_restore();
    drop(&im);
}

/* ---- program header table ---------------------------------------------- */

static void test_phoff_beyond_file(void)
{
    for (int c = 0; c < 2; c++) {
        struct img im = make(c);
        EH_SET(im, e_phoff, im.size);
        REJECT(im, ELF_KIND_PVH, "program header table outside file");
        EH_SET(im, e_phoff, im.size - 8);
        REJECT(im, ELF_KIND_PVH, "program header table outside file");
        EH_SET(im, e_phoff, 0xFFFFFFF0);
        REJECT(im, ELF_KIND_PVH, "program header table outside file");
        if (c) {
            EH_SET(im, e_phoff, 0xFFFFFFFFFFFFFFF0ULL);
            REJECT(im, ELF_KIND_PVH, "program header table outside file");
            EH_SET(im, e_phoff, 0x8000000000000000ULL);
            REJECT(im, ELF_KIND_PVH, "program header table outside file");
        }
        drop(&im);
    }
}

static void test_phnum(void)
{
    for (int c = 0; c < 2; c++) {
        struct img im = make(c);
        /* phnum * phentsize far beyond the file (and phoff + that would
         * wrap a 32-bit sum with a large phoff). */
        EH_SET(im, e_phnum, 0xFFFE);
        REJECT(im, ELF_KIND_PVH, "program header table outside file");
        EH_SET(im, e_phoff, c ? 0xFFFFFFFFFFFF0000ULL : 0xFFFF0000ULL);
        REJECT(im, ELF_KIND_PVH, "program header table outside file");
        EH_SET(im, e_phnum, PN_XNUM);
        REJECT(im, ELF_KIND_PVH, "PN_XNUM");
        EH_SET(im, e_phnum, 0);
        EH_SET(im, e_phoff, im.phoff);
        REJECT(im, ELF_KIND_PVH, "no loadable segments");
        /* One more header than there is room for before the end. */
        EH_SET(im, e_phnum, NPHDR);
        EH_SET(im, e_phoff, im.size - NPHDR * im.phsize + 1);
        REJECT(im, ELF_KIND_PVH, "program header table outside file");
        drop(&im);
    }
}

static void test_bad_phentsize(void)
{
    for (int c = 0; c < 2; c++) {
        struct img im = make(c);
        EH_SET(im, e_phentsize, c ? sizeof(Elf32_Phdr) : sizeof(Elf64_Phdr));
        REJECT(im, ELF_KIND_PVH, "program header size");
        EH_SET(im, e_phentsize, 0);
        REJECT(im, ELF_KIND_PVH, "program header size");
        EH_SET(im, e_phentsize, 0xFFFF);
        REJECT(im, ELF_KIND_PVH, "program header size");
        EH_SET(im, e_phentsize, im.phsize + 8);
        REJECT(im, ELF_KIND_PVH, "program header size");
        drop(&im);
    }
}

/* ---- segments ---------------------------------------------------------- */

static void test_segment_beyond_file(void)
{
    for (int c = 0; c < 2; c++) {
        struct img im = make(c);
        PH_SET(im, 0, p_offset, im.size - TEXT_LEN + 1);
        REJECT(im, ELF_KIND_PVH, "segment 0 file range outside file");
        PH_SET(im, 0, p_offset, im.size + 4096);
        REJECT(im, ELF_KIND_PVH, "segment 0 file range outside file");
        PH_SET(im, 0, p_offset, 0xFFFFFFC0);    /* wraps a 32-bit sum */
        REJECT(im, ELF_KIND_PVH, "segment 0 file range outside file");
        if (c) {
            PH_SET(im, 0, p_offset, 0xFFFFFFFFFFFFFFC0ULL);  /* wraps */
            REJECT(im, ELF_KIND_PVH, "segment 0 file range outside file");
        }
        drop(&im);

        /* filesz too large, memsz to match so only the file check fires */
        im = make(c);
        PH_SET(im, 1, p_filesz, DATA_MEMSZ);
        REJECT(im, ELF_KIND_PVH, "segment 1 file range outside file");
        drop(&im);

        /* A note segment outside the file is rejected too. */
        im = make(c);
        PH_SET(im, 2, p_filesz, im.size);
        REJECT(im, ELF_KIND_PVH, "segment 2 file range outside file");
        PH_SET(im, 2, p_filesz, 16);
        PH_SET(im, 2, p_offset, c ? 0xFFFFFFFFFFFFFFF8ULL : 0xFFFFFFF8ULL);
        REJECT(im, ELF_KIND_FIRMWARE, "segment 2 file range outside file");
        drop(&im);
    }
}

static void test_filesz_gt_memsz(void)
{
    for (int c = 0; c < 2; c++) {
        struct img im = make(c);
        PH_SET(im, 0, p_memsz, TEXT_LEN - 1);
        REJECT(im, ELF_KIND_PVH, "segment 0 memsz < filesz");
        PH_SET(im, 0, p_memsz, 0);
        REJECT(im, ELF_KIND_PVH, "segment 0 memsz < filesz");
        drop(&im);
    }
}

static void test_paddr_overflow(void)
{
    struct img im = make(true);
    PH_SET(im, 0, p_paddr, 0xFFFFFFFFFFFFF000ULL);
    PH_SET(im, 0, p_memsz, 0x2000);
    REJECT(im, ELF_KIND_FIRMWARE, "overflow");
    PH_SET(im, 0, p_paddr, 0xFFFFFFFFFFFFFF00ULL);
    PH_SET(im, 0, p_memsz, 0x100);              /* ends exactly at 2^64 */
    REJECT(im, ELF_KIND_FIRMWARE, "overflow");
    PH_SET(im, 0, p_paddr, 1);
    PH_SET(im, 0, p_memsz, 0xFFFFFFFFFFFFFFFFULL);
    REJECT(im, ELF_KIND_FIRMWARE, "overflow");
    drop(&im);
}

static void test_outside_guest_ram(void)
{
    for (int c = 0; c < 2; c++) {
        struct img im = make(c);
        PH_SET(im, 1, p_paddr, GUEST_SIZE - 0x1000);    /* bss runs past */
        REJECT(im, ELF_KIND_PVH, "segment 1 physical range");
        CHECK(strstr(last_err, "is not guest RAM") != NULL);
        PH_SET(im, 1, p_paddr, GUEST_SIZE);
        REJECT(im, ELF_KIND_PVH, "is not guest RAM");
        PH_SET(im, 1, p_paddr, 0xFFFFF000);
        REJECT(im, ELF_KIND_PVH, "is not guest RAM");
        PH_SET(im, 1, p_paddr, HOLE_LO - 0x1000);       /* into the hole */
        REJECT(im, ELF_KIND_PVH, "is not guest RAM");
        PH_SET(im, 1, p_paddr, DATA_PA);
        PH_SET(im, 1, p_memsz, GUEST_SIZE);             /* huge bss */
        REJECT(im, ELF_KIND_PVH, "is not guest RAM");
        drop(&im);
    }
}

static void test_overlap(void)
{
    for (int c = 0; c < 2; c++) {
        struct img im = make(c);
        PH_SET(im, 1, p_paddr, TEXT_PA + 0x80);
        REJECT(im, ELF_KIND_PVH, "segments 0 and 1 overlap");
        PH_SET(im, 1, p_paddr, TEXT_PA);
        REJECT(im, ELF_KIND_PVH, "segments 0 and 1 overlap");
        PH_SET(im, 1, p_paddr, TEXT_PA - 0x1000);   /* bss covers text */
        REJECT(im, ELF_KIND_PVH, "segments 0 and 1 overlap");
        PH_SET(im, 1, p_paddr, TEXT_PA + TEXT_LEN - 1);
        REJECT(im, ELF_KIND_PVH, "segments 0 and 1 overlap");
        drop(&im);

        /* A third segment inside the second's bss. */
        im = make(c);
        Elf64_Phdr p = { .p_type = PT_LOAD, .p_offset = im.text_off,
                         .p_paddr = DATA_PA + 0x1000, .p_filesz = 16,
                         .p_memsz = 16 };
        ph_put(&im, 3, &p);
        REJECT(im, ELF_KIND_PVH, "segments 1 and 3 overlap");
        drop(&im);
    }
}

static void test_no_loadable(void)
{
    for (int c = 0; c < 2; c++) {
        struct img im = make(c);
        PH_SET(im, 0, p_type, PT_NULL);
        PH_SET(im, 1, p_type, PT_DYNAMIC);
        REJECT(im, ELF_KIND_PVH, "no loadable segments");
        REJECT(im, ELF_KIND_FIRMWARE, "no loadable segments");
        drop(&im);

        im = make(c);
        for (unsigned i = 0; i < 2; i++) {
            PH_SET(im, i, p_filesz, 0);
            PH_SET(im, i, p_memsz, 0);
        }
        REJECT(im, ELF_KIND_PVH, "no loadable segments");
        drop(&im);
    }
}

/* ---- PVH note and entry ------------------------------------------------ */

static void test_missing_note(void)
{
    for (int c = 0; c < 2; c++) {
        struct opts o = defaults(c);
        o.xen_note = false;
        struct img im = make_opts(&o);
        REJECT(im, ELF_KIND_PVH, "no XEN_ELFNOTE_PHYS32_ENTRY note");
        drop(&im);

        o.shdrs = true;                 /* not in the sections either */
        im = make_opts(&o);
        REJECT(im, ELF_KIND_PVH, "not a PVH kernel");
        drop(&im);

        /* The note exists but not where the loader may look: no PT_NOTE
         * and no (usable) section table. */
        o = defaults(c);
        o.pt_note = false;
        im = make_opts(&o);
        REJECT(im, ELF_KIND_PVH, "not a PVH kernel");
        drop(&im);

        o.shdrs = true;
        im = make_opts(&o);
        EH_SET(im, e_shentsize, 12);
        REJECT(im, ELF_KIND_PVH, "not a PVH kernel");
        EH_SET(im, e_shentsize, im.shsize);
        EH_SET(im, e_shoff, im.size - im.shsize);   /* table past end */
        REJECT(im, ELF_KIND_PVH, "not a PVH kernel");
        EH_SET(im, e_shoff, c ? 0xFFFFFFFFFFFFFF00ULL : 0xFFFFFF00ULL);
        REJECT(im, ELF_KIND_PVH, "not a PVH kernel");
        EH_SET(im, e_shoff, im.shoff);
        EH_SET(im, e_shnum, 0);
        REJECT(im, ELF_KIND_PVH, "not a PVH kernel");
        drop(&im);

        /* Name must be exactly "Xen". */
        o = defaults(c);
        im = make_opts(&o);
        memcpy(im.buf + im.phys_off + 12, "XEN", 4);
        REJECT(im, ELF_KIND_PVH, "not a PVH kernel");
        memcpy(im.buf + im.phys_off + 12, "Xe\0", 4);
        REJECT(im, ELF_KIND_PVH, "not a PVH kernel");
        memcpy(im.buf + im.phys_off + 12, "Xen", 4);
        put32(im.buf + im.phys_off, 3);         /* namesz 3, no NUL */
        REJECT(im, ELF_KIND_PVH, "not a PVH kernel");
        drop(&im);
    }
}

static void test_note_size_overflow(void)
{
    static const uint32_t bad[] = { 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFC,
                                    0x80000000, 0x10000, 0x1000 };
    for (int c = 0; c < 2; c++) {
        for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            struct img im = make(c);
            put32(im.buf + im.note1_off, bad[i]);           /* namesz */
            REJECT(im, ELF_KIND_PVH, "note name size");
            drop(&im);

            im = make(c);
            put32(im.buf + im.note1_off + 4, bad[i]);       /* descsz */
            REJECT(im, ELF_KIND_PVH, "note descriptor size");
            drop(&im);

            im = make(c);
            put32(im.buf + im.phys_off + 4, bad[i]);        /* last note */
            REJECT(im, ELF_KIND_PVH, "note descriptor size");
            drop(&im);

            /* The same in a note section. */
            struct opts o = defaults(c);
            o.pt_note = false;
            o.shdrs = true;
            im = make_opts(&o);
            put32(im.buf + im.note1_off, bad[i]);
            REJECT(im, ELF_KIND_PVH, "section 1: note name size");
            drop(&im);
        }
        /* A note just one byte too long for its segment. */
        struct img im = make(c);
        put32(im.buf + im.phys_off + 4, 5);
        REJECT(im, ELF_KIND_PVH, "note descriptor size");
        drop(&im);
        /* A segment that cuts the PHYS32 note's descriptor short. */
        im = make(c);
        PH_SET(im, 2, p_filesz, im.notes_len - 2);
        REJECT(im, ELF_KIND_PVH, "note descriptor size");
        drop(&im);
    }
}

static void test_note_descsz(void)
{
    static const unsigned sizes[] = { 0, 1, 2, 3, 5, 12, 16 };
    for (int c = 0; c < 2; c++) {
        for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
            struct opts o = defaults(c);
            o.descsz = sizes[i];
            struct img im = make_opts(&o);
            REJECT(im, ELF_KIND_PVH, "descriptor size");
            drop(&im);
        }
    }
}

static void test_entry_range(void)
{
    for (int c = 0; c < 2; c++) {
        struct opts o = defaults(c);
        o.descsz = 8;
        o.pvh_entry = 0x100000000ULL;
        struct img im = make_opts(&o);
        REJECT(im, ELF_KIND_PVH, "not below 4 GiB");
        drop(&im);

        o.pvh_entry = 0xFFFFFFFF00000000ULL | PVH_ENTRY;
        im = make_opts(&o);
        REJECT(im, ELF_KIND_PVH, "not below 4 GiB");
        drop(&im);

        /* In RAM but not in any segment. */
        o = defaults(c);
        o.pvh_entry = 0x500000;
        im = make_opts(&o);
        REJECT(im, ELF_KIND_PVH, "PVH entry 0x500000 outside loaded segments");
        drop(&im);
        o.pvh_entry = TEXT_PA + TEXT_LEN;       /* one past text */
        im = make_opts(&o);
        REJECT(im, ELF_KIND_PVH, "outside loaded segments");
        drop(&im);
        o.pvh_entry = DATA_PA + DATA_MEMSZ - 1; /* last bss byte: inside */
        load_ok(&o, ELF_KIND_PVH);
    }
}

static void test_firmware_entry_range(void)
{
    struct img im = make(true);
    EH_SET(im, e_entry, 0x100000000ULL + TEXT_PA);
    REJECT(im, ELF_KIND_FIRMWARE, "not below 4 GiB");
    drop(&im);
    for (int c = 0; c < 2; c++) {
        im = make(c);
        EH_SET(im, e_entry, 0x800000);
        REJECT(im, ELF_KIND_FIRMWARE, "outside loaded segments");
        drop(&im);
    }
}

/* ---- random mutation --------------------------------------------------- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t xorshift64(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

static uint64_t rnd(uint64_t n)
{
    return n ? xorshift64() % n : 0;
}

static void test_random_mutations(void)
{
    enum { NVARIANTS = 6, ITERATIONS = 20000 };
    struct img base[NVARIANTS];
    for (int v = 0; v < NVARIANTS; v++) {
        struct opts o = defaults(v & 1);
        o.shdrs = v >= 2;
        o.pt_note = v < 4;
        base[v] = make_opts(&o);
    }

    unsigned nok = 0, nfail = 0;
    for (unsigned it = 0; it < ITERATIONS; it++) {
        const struct img *b = &base[rnd(NVARIANTS)];
        size_t size = b->size;
        /* Sometimes cut or pad the file. */
        unsigned r = (unsigned)rnd(16);
        if (r == 0)
            size = (size_t)rnd(b->size + 1);
        else if (r == 1)
            size = b->size + (size_t)rnd(64);
        uint8_t *buf = calloc(1, size ? size : 1);
        if (!buf) {
            CHECK(!"calloc");
            break;
        }
        memcpy(buf, b->buf, size < b->size ? size : b->size);

        unsigned nmut = 1 + (unsigned)rnd(4);
        for (unsigned m = 0; m < nmut && size; m++) {
            /* Mostly hit headers and notes, where the parsing happens. */
            size_t hot = b->text_off;
            size_t off;
            unsigned region = (unsigned)rnd(8);
            if (region < 5)
                off = (size_t)rnd(hot < size ? hot : size);
            else if (region == 5 && b->shoff && b->shoff < size)
                off = b->shoff + (size_t)rnd(size - b->shoff);
            else
                off = (size_t)rnd(size);
            switch (rnd(4)) {
            case 0:
                buf[off] = (uint8_t)xorshift64();
                break;
            case 1:
                buf[off] ^= (uint8_t)(1u << rnd(8));
                break;
            default: {
                static const uint64_t interesting[] = {
                    0, 1, 3, 4, 8, 0x7F, 0x80, 0xFF, 0xFFFF, 0x10000,
                    0x7FFFFFFF, 0x80000000, 0xFFFFFFFC, 0xFFFFFFFF,
                    0x100000, 0x101000, 0xFFFFFFFFFFFFFFFFULL,
                    0x8000000000000000ULL, 0x100000000ULL, GUEST_SIZE,
                };
                uint64_t v;
                if (rnd(3) == 0)
                    v = size + rnd(3) - 1;
                else
                    v = interesting[rnd(sizeof(interesting) /
                                        sizeof(interesting[0]))];
                size_t w = rnd(2) ? 4 : 8;
                off &= ~(size_t)3;
                for (size_t k = 0; k < w && off + k < size; k++)
                    buf[off + k] = (uint8_t)(v >> (8 * k));
                break;
            }
            }
        }

        enum elf_kind kind = rnd(4) ? ELF_KIND_PVH : ELF_KIND_FIRMWARE;
        struct elf_info info;
        int rc = do_load(buf, size, kind, &info);
        CHECK(rc == 0 || rc == -1);
        if (rc == 0) {
            nok++;
            CHECK(info.entry < 0x100000000ULL);
            CHECK(info.load_lo < info.load_hi);
            CHECK(info.load_hi <= GUEST_SIZE);
            CHECK(info.entry >= info.load_lo && info.entry < info.load_hi);
            CHECK(info.load_lo >= touched_lo && info.load_hi <= touched_hi);
            touched_restore();
        } else {
            nfail++;
            CHECK(last_err[0] != '\0' && last_err[0] != 'x');
            CHECK(touched_unchanged());
        }
        free(buf);
        /* Now and then make sure nothing was written anywhere else. */
        if ((it & 1023) == 1023) {
            CHECK(guest_unchanged());
            guest_restore();
        }
    }
    CHECK(guest_unchanged());
    guest_restore();
    fprintf(stderr, "  random mutations: %u loaded, %u rejected\n", nok,
            nfail);
    CHECK(nok > 0);
    CHECK(nfail > 0);
    for (int v = 0; v < NVARIANTS; v++)
        drop(&base[v]);
}

int main(void)
{
    guest_init();

    RUN(test_valid64_pvh);
    RUN(test_valid32_pvh);
    RUN(test_pvh_note_descsz8);
    RUN(test_pvh_note_in_section);
    RUN(test_valid_with_sections);
    RUN(test_firmware_entry);
    RUN(test_unaligned_image);
    RUN(test_segment_order_and_adjacency);
    RUN(test_bss_only_and_empty_load);
    RUN(test_err_buffer);
    RUN(test_truncated);
    RUN(test_bad_magic);
    RUN(test_bad_ident);
    RUN(test_bad_machine_type);
    RUN(test_phoff_beyond_file);
    RUN(test_phnum);
    RUN(test_bad_phentsize);
    RUN(test_segment_beyond_file);
    RUN(test_filesz_gt_memsz);
    RUN(test_paddr_overflow);
    RUN(test_outside_guest_ram);
    RUN(test_overlap);
    RUN(test_no_loadable);
    RUN(test_missing_note);
    RUN(test_note_size_overflow);
    RUN(test_note_descsz);
    RUN(test_entry_range);
    RUN(test_firmware_entry_range);
    RUN(test_random_mutations);

    free(guest);
    free(pristine);
    return CHECK_DONE();
}
