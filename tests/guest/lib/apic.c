/* LAPIC, IOAPIC and PCI configuration access for the delivery tests. */
#include "lib.h"
#include "x86.h"
#include "paging.h"
#include "apic.h"
#include "shinfo.h"

#define LAPIC_VA  VMAP_SLOT_VA(VMAP_SLOT_LAPIC)
#define IOAPIC_VA VMAP_SLOT_VA(VMAP_SLOT_IOAPIC)

static volatile uint8_t *lapic, *ioapic;

static volatile uint8_t *mmio(unsigned long va, unsigned long pa)
{
    if (paging_mode() == PAGING_NONE)
        return (volatile uint8_t *)pa;
    vmap_set(va, pa);
    return (volatile uint8_t *)va;
}

void lapic_map(void)
{
    if (!lapic)
        lapic = mmio(LAPIC_VA, LAPIC_BASE);
}

uint32_t lapic_read(unsigned int reg)
{
    lapic_map();
    return *(volatile uint32_t *)(lapic + reg);
}

void lapic_write(unsigned int reg, uint32_t v)
{
    lapic_map();
    *(volatile uint32_t *)(lapic + reg) = v;
}

void lapic_enable(void)
{
    lapic_write(LAPIC_TPR, 0);
    lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | 0xff);
}

void lapic_disable(void)
{
    lapic_write(LAPIC_SVR, 0xff);
}

void lapic_eoi(void)
{
    lapic_write(LAPIC_EOI, 0);
}

uint32_t lapic_id(void)
{
    return lapic_read(LAPIC_ID) >> 24;
}

bool lapic_isr(unsigned int vector)
{
    return lapic_read(LAPIC_ISR + (vector / 32) * 0x10) & (1u << (vector % 32));
}

bool lapic_irr(unsigned int vector)
{
    return lapic_read(LAPIC_IRR + (vector / 32) * 0x10) & (1u << (vector % 32));
}

static void ioapic_map(void)
{
    if (!ioapic)
        ioapic = mmio(IOAPIC_VA, IOAPIC_BASE);
}

uint32_t ioapic_read(unsigned int reg)
{
    ioapic_map();
    *(volatile uint32_t *)ioapic = reg;
    return *(volatile uint32_t *)(ioapic + 0x10);
}

void ioapic_write(unsigned int reg, uint32_t v)
{
    ioapic_map();
    *(volatile uint32_t *)ioapic = reg;
    *(volatile uint32_t *)(ioapic + 0x10) = v;
}

unsigned int ioapic_pins(void)
{
    return ((ioapic_read(1) >> 16) & 0xff) + 1;
}

void ioapic_set_rte(unsigned int pin, uint32_t low, uint8_t dest_apic)
{
    /* Masked while the halves change, then the final low word. */
    ioapic_write(0x10 + 2 * pin, IOAPIC_RTE_MASKED);
    ioapic_write(0x11 + 2 * pin, (uint32_t)dest_apic << 24);
    ioapic_write(0x10 + 2 * pin, low);
}

uint32_t ioapic_rte_low(unsigned int pin)
{
    return ioapic_read(0x10 + 2 * pin);
}

void ioapic_mask(unsigned int pin)
{
    ioapic_write(0x10 + 2 * pin, ioapic_rte_low(pin) | IOAPIC_RTE_MASKED);
}

static void pci_addr(unsigned int bus, unsigned int dev, unsigned int fn,
                     unsigned int off)
{
    outl(0xcf8, 0x80000000u | (bus << 16) | (dev << 11) | (fn << 8) |
                (off & 0xfc));
}

uint32_t pci_cfg_read32(unsigned int bus, unsigned int dev, unsigned int fn,
                        unsigned int off)
{
    uint32_t v;

    pci_addr(bus, dev, fn, off);
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"((uint16_t)0xcfc));
    return v;
}

uint8_t pci_cfg_read8(unsigned int bus, unsigned int dev, unsigned int fn,
                      unsigned int off)
{
    pci_addr(bus, dev, fn, off);
    return inb(0xcfc + (off & 3));
}

void pci_cfg_write32(unsigned int bus, unsigned int dev, unsigned int fn,
                     unsigned int off, uint32_t v)
{
    pci_addr(bus, dev, fn, off);
    outl(0xcfc, v);
}

uint16_t pci_cfg_read16(unsigned int bus, unsigned int dev, unsigned int fn,
                        unsigned int off)
{
    return (uint16_t)(pci_cfg_read32(bus, dev, fn, off & ~3u) >> (8 * (off & 2)));
}

void pci_cfg_write16(unsigned int bus, unsigned int dev, unsigned int fn,
                     unsigned int off, uint16_t v)
{
    uint32_t d = pci_cfg_read32(bus, dev, fn, off & ~3u), sh = 8 * (off & 2);

    pci_cfg_write32(bus, dev, fn, off & ~3u, (d & ~(0xffffu << sh)) | ((uint32_t)v << sh));
}

unsigned int pci_find_cap(unsigned int bus, unsigned int dev, unsigned int fn, uint8_t id)
{
    unsigned int p = pci_cfg_read32(bus, dev, fn, 0x34) & 0xfc;

    /* At most 48 entries fit in 192 bytes: a looping list ends. */
    for (unsigned int n = 0; p && n < 48; n++) {
        uint32_t h = pci_cfg_read32(bus, dev, fn, p);

        if ((h & 0xff) == id)
            return p;
        p = (h >> 8) & 0xfc;
    }
    return 0;
}

bool irq_wait_change(volatile uint32_t *c, uint32_t before, uint64_t ns)
{
    uint64_t end = xen_system_time() + ns;
    bool ok;

    sti();
    while (*c == before && xen_system_time() < end)
        cpu_relax();
    ok = *c != before;
    cli();
    return ok;
}
