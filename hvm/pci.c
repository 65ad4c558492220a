/* PCI configuration mechanism #1 (ports 0xcf8/0xcfc) with two devices on
 * bus 0: a host bridge at 00:00.0 and the Xen platform device at 00:01.0
 * (vendor 0x5853, device 0x0001), whose INTA is the line a guest may name
 * in HVM_PARAM_CALLBACK_IRQ.  The slot is chosen so Xen's INTx swizzle
 * (hvm_pci_intx_gsi) lands on a pin KVM's 24-pin IOAPIC has: GSI 20. */
#include "pci.h"
#include "acpi_hw.h"
#include "passthrough.h"

#include <string.h>

#define PCI_ADDR_PORT 0xcf8
#define PCI_DATA_PORT 0xcfc

#define BAR0_SIZE 0x100         /* I/O, as QEMU's xen-platform */
#define BAR1_SIZE 0x1000000     /* 16 MiB memory for grant frames etc. */

/* The 256-byte header of each device, read-only parts. */
static void header(struct vm *vm, unsigned dev, uint8_t *h)
{
    memset(h, 0, 256);
    if (dev == 0) {
        h[0x00] = 0x86; h[0x01] = 0x80;         /* Intel */
        h[0x02] = 0x37; h[0x03] = 0x12;         /* 440FX host bridge */
        h[0x0a] = 0x00; h[0x0b] = 0x06;         /* class: host bridge */
        return;
    }
    h[0x00] = 0x53; h[0x01] = 0x58;             /* XenSource */
    h[0x02] = 0x01; h[0x03] = 0x00;             /* platform device */
    memcpy(h + 0x04, &vm->pci_cmd, 2);
    h[0x08] = 0x01;                             /* revision */
    h[0x0a] = 0x80; h[0x0b] = 0xff;             /* class: other */
    memcpy(h + 0x10, &vm->pci_bar[0], 4);
    memcpy(h + 0x14, &vm->pci_bar[1], 4);
    h[0x2c] = 0x53; h[0x2d] = 0x58;             /* subsystem vendor */
    h[0x2e] = 0x01; h[0x2f] = 0x00;
    h[0x3c] = (uint8_t)xk_pci_intx_gsi(1, 0);   /* interrupt line: GSI 20 */
    h[0x3d] = 1;                                /* INTA */
}

static void config_write(struct vm *vm, unsigned dev, unsigned reg,
                         unsigned size, uint32_t val)
{
    if (dev != XK_PLATFORM_DEV)
        return;
    if (reg == 0x04 && size >= 2) {
        vm->pci_cmd = (uint16_t)(val & 0x7);    /* I/O, memory, master */
    } else if ((reg == 0x10 || reg == 0x14) && size == 4) {
        unsigned b = (reg - 0x10) / 4;
        /* Sizing writes all ones; the low bits say I/O or memory. */
        vm->pci_bar[b] = b == 0 ? (val & ~(BAR0_SIZE - 1)) | 1
                                : (val & ~(BAR1_SIZE - 1)) | 8;
    }
}

static bool pci_io(struct vcpu *v, uint16_t port, bool out, unsigned size, uint8_t *data)
{
    struct vm *vm = v->vm;
    uint32_t val = 0;
    unsigned bus, dev, fn, reg;
    uint8_t h[256];

    if (port >= PCI_ADDR_PORT && port < PCI_ADDR_PORT + 4) {
        if (port != PCI_ADDR_PORT || size != 4)
            return false;       /* other sizes belong to mechanism #2 */
        if (out)
            memcpy(&vm->pci_addr, data, 4);
        else
            memcpy(data, &vm->pci_addr, 4);
        return true;
    }
    if (port < PCI_DATA_PORT || port >= PCI_DATA_PORT + 4)
        return false;
    bus = (vm->pci_addr >> 16) & 0xff;
    dev = (vm->pci_addr >> 11) & 0x1f;
    fn = (vm->pci_addr >> 8) & 0x7;
    reg = (vm->pci_addr & 0xfc) + (port - PCI_DATA_PORT);
    if (reg + size > 256)
        size = 256 - reg;
    if ((vm->pci_addr & 0x80000000u) && !bus && !fn &&
        passthrough_cfg(vm, dev, reg, size, out, data))
        return true;
    if (!(vm->pci_addr & 0x80000000u) || bus || fn || dev > XK_PLATFORM_DEV) {
        if (!out)
            memset(data, 0xff, size);
        return true;
    }
    if (out) {
        memcpy(&val, data, size);
        config_write(vm, dev, reg, size, val);
        return true;
    }
    header(vm, dev, h);
    memcpy(data, h + reg, size);
    return true;
}

int pci_init(struct vm *vm)
{
    vm->pci_bar[0] = 0xc000 | 1;
    vm->pci_bar[1] = 0xf2000000u | 8;
    return ioport_register(vm, PCI_ADDR_PORT, 8, pci_io);
}
