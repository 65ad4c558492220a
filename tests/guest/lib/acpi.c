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
