/* Finding the ACPI tables a guest is given (hvm_start_info's
 * rsdp_paddr), as Linux's PVH entry does, and reading them through the
 * VMAP window (the tables sit above the 1 GiB identity map). */
#ifndef GUEST_ACPI_H
#define GUEST_ACPI_H

#include <stdint.h>
#include <stdbool.h>

#define ACPI_WINDOW_PAGES 32     /* VMAP slots 0..31 */

/* Map the 128 KiB around rsdp_paddr; false if there is no RSDP. */
bool acpi_map(void);
/* A pointer to guest-physical PA in the mapped region, LEN bytes, or NULL
 * if that is outside it. */
const uint8_t *acpi_ptr(uint64_t pa, uint32_t len);
/* The sum of LEN bytes (0 for a good table). */
uint8_t acpi_sum(const uint8_t *p, uint32_t len);
/* The table with signature SIG that the XSDT lists, checked (length
 * inside the region, checksum 0), or NULL. */
const uint8_t *acpi_find(const char *sig);

/* The GSI that the DSDT's _PRT (a Name holding a package, the APIC-mode
 * table) routes INTx PIN (0 = INTA) of bus 0 device SLOT to, found by
 * walking the AML; -1 if there is none or it names a link device. */
int acpi_prt_gsi(unsigned int slot, unsigned int pin);

static inline uint32_t acpi_rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static inline uint64_t acpi_rd64(const uint8_t *p)
{
    return acpi_rd32(p) | (uint64_t)acpi_rd32(p + 4) << 32;
}

#endif
