/* The HVM platform's interrupt wiring and ACPI registers, defined once
 * for both sides: the VMM that emulates them (pci.c, passthrough.c,
 * acpi.c) and the DSDT that describes them to the guest (acpi_dsdt_pci.c).
 * The addresses are the ones hvmloader's DSDT names for qemu-xen
 * (docs/acpi.md, docs/pciback.md). */
#ifndef XK_ACPI_HW_H
#define XK_ACPI_HW_H

#include <stdint.h>

#define XK_PCI_SLOTS        32          /* devices on bus 0 */

/* The GSI that INTx (PIN 0-3: INTA-D) of the device in SLOT raises.
 * Xen's swizzle (hvm_pci_intx_gsi, the DSDT's PRTA:
 * 16 + ((slot*4 + slot/8 + pin) & 31)) folded onto the 8 PCI pins 16-23
 * of KVM's 24-pin IOAPIC (Xen's vIOAPIC has 48): slot 1 INTA is GSI 20,
 * slot 2 INTA GSI 16, as on Xen. */
static inline uint32_t xk_pci_intx_gsi(unsigned slot, unsigned pin)
{
    return 16 + (((slot << 2) + (slot >> 3) + pin) & 7);
}

/* The SCI (FADT SCI_INT): ISA IRQ 9, level, as on Xen. */
#define XK_SCI_GSI          9

/* The PCI hot-plug controller (QEMU's PIIX4 ACPI PCI hot plug): 32-bit
 * slot bitmaps at XK_HP_PORT + offset. */
#define XK_HP_PORT          0xae00
#define XK_HP_LEN           16
#define XK_HP_PCIU          0           /* functions inserted */
#define XK_HP_PCID          4           /* removal requested */
#define XK_HP_B0EJ          8           /* the guest ejects (write) */
#define XK_HP_RMV           12          /* removable slots */

/* GPE0: status (16 bits) then enable (16 bits); bit 1 is PCI hot plug,
 * so its handler is \_GPE._E01. */
#define XK_GPE0_PORT        0xafe0
#define XK_GPE0_LEN         4
#define XK_GPE_PCI_HOTPLUG  1           /* the bit number */

/* PM1a event (status, enable: 16 bits each) and control (16 bits)
 * blocks of the HVM FADT. */
#define XK_PM1A_EVT_PORT    0xb000
#define XK_PM1A_EVT_LEN     4
#define XK_PM1A_CNT_PORT    0xb004
#define XK_PM1A_CNT_LEN     2
#define XK_PM1_CNT_SCI_EN   (1u << 0)
#define XK_PM1_CNT_SLP_TYP_SHIFT 10
#define XK_PM1_CNT_SLP_TYP_MASK  (7u << 10)
#define XK_PM1_CNT_SLP_EN   (1u << 13)

#endif
