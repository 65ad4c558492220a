/*
 * acpi_poweroff64.elf: power off as Linux does: on a hardware-reduced
 * ACPI platform (PVH, acpi_hw_extended_sleep) SLP_TYP from \_S5 in the
 * DSDT and SLP_EN written to the FADT's sleep control register; on a
 * full one (HVM, booted with --firmware; acpi_hw_legacy_sleep) SLP_TYP
 * << 10 | SLP_EN, 16 bits, to the PM1a control block.  The domain must
 * end there (exit status 0, poweroff); a write that comes back is a
 * failure, reported as a crash.
 */
#include "acpi.h"
#include "lib.h"
#include "hypercall.h"
#include "x86.h"
#include "xen_guest.h"

/* SLP_TYPa from Name (\_S5, Package () { a, b, ... }): the first element
 * (Zero, One or BytePrefix n); -1 if not found. */
static int s5_type(const uint8_t *d, uint32_t len)
{
    for (uint32_t i = 36; i + 10 <= len; i++) {
        const uint8_t *p = d + i;
        unsigned int n;

        if (memcmp(p, "\\_S5_", 5) || p[5] != 0x12)
            continue;
        n = (p[6] >> 6) + 1;            /* PkgLength bytes */
        p += 6 + n + 1;                 /* past NumElements */
        if (p[0] == 0x0a)
            return p[1];
        return p[0] <= 1 ? p[0] : -1;
    }
    return -1;
}

void guest_main(void)
{
    const uint8_t *f, *d;
    uint64_t port;
    int typ;

    if (!acpi_map() || !(f = acpi_find("FACP")) || acpi_rd32(f + 4) < 268) {
        printf("FAIL: acpi_poweroff: no FADT with sleep registers\n");
        guest_shutdown(SHUTDOWN_crash);
    }
    d = acpi_ptr(acpi_rd64(f + 140), 36);
    typ = d ? s5_type(d, acpi_rd32(d + 4)) : -1;
    if (!(acpi_rd32(f + 112) & (1u << 20))) {          /* not HW_REDUCED */
        port = acpi_rd32(f + 64);                       /* PM1a_CNT_BLK */
        if (typ < 0 || !port || port > 0xffff || f[89] != 2) {
            printf("FAIL: acpi_poweroff: no \\_S5 (%d) or no PM1a control block\n", typ);
            guest_shutdown(SHUTDOWN_crash);
        }
        printf("acpi_poweroff: SLP_TYP %d << 10 | SLP_EN to PM1a_CNT 0x%llx\n", typ,
               (unsigned long long)port);
        outw((uint16_t)port, (uint16_t)((unsigned int)(typ & 7) << 10 | 1u << 13));
    } else {
        port = acpi_rd64(f + 248);
        if (typ < 0 || f[244] != 1 || port > 0xffff) {
            printf("FAIL: acpi_poweroff: no \\_S5 (%d) or no I/O sleep control "
                   "register (space %u)\n", typ, f[244]);
            guest_shutdown(SHUTDOWN_crash);
        }
        printf("acpi_poweroff: SLP_TYP %d | SLP_EN to port 0x%llx\n", typ,
               (unsigned long long)port);
        outb((uint16_t)port, (uint8_t)(((typ & 7) << 2) | 0x20));
    }
    /* Linux then waits for WAK_STS; the domain must have ended before. */
    for (int i = 0; i < 1000; i++)
        cpu_relax();
    printf("FAIL: acpi_poweroff: still running after the S5 write\n");
    guest_shutdown(SHUTDOWN_crash);
}
