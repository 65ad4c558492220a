/* ACPI table access for test guests (acpi.h). */
#include "acpi.h"
#include "lib.h"
#include "paging.h"
#include "xen_guest.h"

static uint64_t window_pa;     /* guest-physical base of the mapping */

bool acpi_map(void)
{
    const uint64_t half = ACPI_WINDOW_PAGES * PAGE_SIZE / 2;
    uint64_t rsdp;

    if (!start_info || start_info->version < 1 || !start_info->rsdp_paddr)
        return false;
    /* Tables are placed before the RSDP (libxl's order and ours): map the
     * 64 KiB-aligned block holding it and the one before. */
    rsdp = start_info->rsdp_paddr & ~(half - 1);
    window_pa = rsdp >= half ? rsdp - half : 0;
    for (unsigned i = 0; i < ACPI_WINDOW_PAGES; i++)
        vmap_set(VMAP_BASE + i * PAGE_SIZE, window_pa + i * PAGE_SIZE);
    return true;
}

const uint8_t *acpi_ptr(uint64_t pa, uint32_t len)
{
    const uint64_t size = ACPI_WINDOW_PAGES * PAGE_SIZE;

    if (pa < window_pa || len > size || pa - window_pa > size - len)
        return NULL;
    return (const uint8_t *)(VMAP_BASE + (unsigned long)(pa - window_pa));
}

uint8_t acpi_sum(const uint8_t *p, uint32_t len)
{
    uint8_t s = 0;

    while (len--)
        s += *p++;
    return s;
}

static const uint8_t *checked(uint64_t pa)
{
    const uint8_t *t = acpi_ptr(pa, 36);

    if (!t || acpi_rd32(t + 4) < 36 || !acpi_ptr(pa, acpi_rd32(t + 4)))
        return NULL;
    return acpi_sum(t, acpi_rd32(t + 4)) ? NULL : t;
}

const uint8_t *acpi_find(const char *sig)
{
    const uint8_t *r = acpi_ptr(start_info->rsdp_paddr, 36), *x;
    uint32_t n;

    if (!r)
        return NULL;
    if (!memcmp(sig, "XSDT", 4))
        return checked(acpi_rd64(r + 24));
    x = checked(acpi_rd64(r + 24));
    if (!x)
        return NULL;
    n = (acpi_rd32(x + 4) - 36) / 8;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *t = checked(acpi_rd64(x + 36 + 8 * i));
        if (t && !memcmp(t, sig, 4))
            return t;
    }
    return NULL;
}

/* The PkgLength at P (ACPI 20.2.4): the length it encodes (itself
 * included), its own size in *N; 0 when malformed or past END. */
static uint32_t pkg_len(const uint8_t *p, const uint8_t *end, unsigned *n)
{
    uint32_t len;

    if (p >= end)
        return 0;
    *n = (p[0] >> 6) + 1;
    if (*n > (unsigned)(end - p))
        return 0;
    len = *n == 1 ? p[0] & 0x3fu : p[0] & 0xfu;
    for (unsigned i = 1; i < *n; i++)
        len |= (uint32_t)p[i] << (4 + 8 * (i - 1));
    return len;
}

/* A constant integer data object at *P (ZeroOp, OneOp, OnesOp, Byte-,
 * Word-, DWord-, QWordConst); *P moves past it.  False for anything else
 * (a link device's name, for instance). */
static bool aml_int(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    static const unsigned width[] = { [0x0a] = 1, [0x0b] = 2, [0x0c] = 4, [0x0e] = 8 };
    const uint8_t *q = *p;
    unsigned w;

    if (q >= end)
        return false;
    if (*q <= 1 || *q == 0xff) {
        *v = *q == 0xff ? ~0ull : *q;
        *p = q + 1;
        return true;
    }
    if (*q > 0x0e || !(w = width[*q]) || (unsigned)(end - q) < 1 + w)
        return false;
    *v = 0;
    for (unsigned i = 0; i < w; i++)
        *v |= (uint64_t)q[1 + i] << (8 * i);
    *p = q + 1 + w;
    return true;
}

int acpi_prt_gsi(unsigned int slot, unsigned int pin)
{
    static const uint8_t name_prt[] = { 0x08, '_', 'P', 'R', 'T', 0x12 };
    const uint8_t *fadt = acpi_find("FACP"), *dsdt, *p, *end, *pkg_end;
    unsigned n, count;
    uint32_t len;

    dsdt = fadt ? checked(acpi_rd64(fadt + 140)) : NULL;
    if (!dsdt)
        return -1;
    end = dsdt + acpi_rd32(dsdt + 4);
    /* Name (_PRT, Package () {...}): the table itself (not a method). */
    for (p = dsdt + 36; p + sizeof(name_prt) <= end; p++)
        if (!memcmp(p, name_prt, sizeof(name_prt)))
            break;
    if (p + sizeof(name_prt) > end)
        return -1;
    p += sizeof(name_prt);
    len = pkg_len(p, end, &n);
    if (!len || len > (uint32_t)(end - p))
        return -1;
    pkg_end = p + len;
    p += n;
    if (p >= pkg_end)
        return -1;
    count = *p++;
    /* Each entry: Package (4) { Address, Pin, Source, Source Index }. */
    for (unsigned i = 0; i < count && p < pkg_end; i++) {
        const uint8_t *e_end;
        uint64_t v[4];

        if (*p++ != 0x12 || !(len = pkg_len(p, pkg_end, &n)) || len > (uint32_t)(pkg_end - p))
            return -1;
        e_end = p + len;
        p += n;
        if (*p++ != 4)
            return -1;
        for (unsigned k = 0; k < 4; k++)
            if (!aml_int(&p, e_end, &v[k]))
                return -1;
        if (v[0] == ((uint64_t)slot << 16 | 0xffff) && v[1] == pin)
            return v[2] == 0 ? (int)v[3] : -1;      /* a GSI, not a link */
        p = e_end;
    }
    return -1;
}
