/* ACPI tables, as libxl (PVH) and hvmloader (HVM) build them
 * (tools/libacpi): the RSDP that hvm_start_info.rsdp_paddr names, an RSDT
 * and XSDT, a MADT with one local APIC per vCPU and the IOAPIC, and a
 * DSDT with the processors and \_S5.  PVH: a hardware-reduced FADT whose
 * sleep control register powers the domain off.  HVM: a FADT with PM1a
 * event and control blocks, GPE0 and the SCI, a FACS, and the DSDT's PCI
 * root bridge, _PRT and hot-plug slots (acpi_dsdt_pci.h).  docs/acpi.md. */
#ifndef XK_ACPI_H
#define XK_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vcpu;

/* Where the tables live: libxl's ACPI_INFO_PHYSICAL_ADDRESS, in the MMIO
 * hole, XK_ACPI_PAGES VMM-owned pages marked ACPI in the memory map. */
#define XK_ACPI_BASE        0xfc000000ULL
#define XK_ACPI_PAGES       16

/* The FADT's hardware-reduced sleep registers (8-bit, I/O space). */
#define XK_ACPI_SLEEP_STATUS_PORT  0xb000
#define XK_ACPI_SLEEP_CONTROL_PORT 0xb004
/* Sleep control register: SLP_TYPx in bits 2-4, SLP_EN bit 5. */
#define XK_ACPI_SLP_TYP_SHIFT      2
#define XK_ACPI_SLP_TYP_MASK       0x1c
#define XK_ACPI_SLP_EN             0x20
/* The SLP_TYP value \_S5 gives (any value is the firmware's choice). */
#define XK_ACPI_S5_TYPE            5

/* The local APIC and IOAPIC as KVM's in-kernel irqchip has them. */
#define XK_LAPIC_BASE       0xfee00000u
#define XK_IOAPIC_BASE      0xfec00000u

struct acpi_layout {
    uint64_t rsdp, rsdt, xsdt, fadt, madt, dsdt;   /* guest-physical */
    uint64_t facs;                                 /* HVM only, else 0 */
    size_t used;                                   /* bytes of BUF used */
};

/* Build the tables into BUF (LEN bytes, seen by the guest at GPA) for
 * MAX_VCPUS processors of which the first ONLINE are enabled (libxl's
 * avail_vcpus; the rest are present but disabled); HVM: hvmloader's set,
 * otherwise libxl's PVH set.  Returns 0 and fills *L, or -1 if they do
 * not fit. */
int acpi_build(uint8_t *buf, size_t len, uint64_t gpa, unsigned max_vcpus,
               unsigned online, bool hvm, struct acpi_layout *l);

/* The sum of LEN bytes at P (a correct table sums to 0). */
uint8_t acpi_checksum(const void *p, size_t len);

/* A byte access to the PVH FADT's sleep registers, or an access to the
 * HVM FADT's PM1a blocks (an ioport_fn): true if it was one.  SLP_TYP=S5
 * with SLP_EN written to the control register powers the domain off. */
bool acpi_io(struct vcpu *v, uint16_t port, bool out, unsigned size,
             uint8_t *data);
/* Register those ports (ioport.h) when the domain has ACPI: 0 or -errno. */
struct vm;
int acpi_io_init(struct vm *vm);

#endif
