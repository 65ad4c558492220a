/*
 * Local APIC (xAPIC MMIO), IOAPIC and PCI configuration space (type-1
 * ports 0xcf8/0xcfc) for the interrupt-delivery tests (lib/apic.c).
 * 64-bit guests reach the MMIO pages through the VMAP window; the 32-bit
 * guest runs unpaged and uses the physical addresses.
 */
#ifndef GUEST_APIC_H
#define GUEST_APIC_H

#include <stdint.h>
#include <stdbool.h>

#define LAPIC_BASE  0xfee00000ul
#define IOAPIC_BASE 0xfec00000ul

#define LAPIC_ID    0x020
#define LAPIC_VER   0x030
#define LAPIC_TPR   0x080
#define LAPIC_EOI   0x0b0
#define LAPIC_SVR   0x0f0
#define LAPIC_ISR   0x100
#define LAPIC_IRR   0x200
#define LAPIC_SVR_ENABLE 0x100

/* IOAPIC redirection entry bits (low word). */
#define IOAPIC_RTE_LEVEL   (1u << 15)
#define IOAPIC_RTE_LOW     (1u << 13)
#define IOAPIC_RTE_MASKED  (1u << 16)
#define IOAPIC_RTE_IRR     (1u << 14)

/* Maps the LAPIC page (once); every vCPU sees its own LAPIC there. */
void lapic_map(void);
uint32_t lapic_read(unsigned int reg);
void lapic_write(unsigned int reg, uint32_t v);
/* Software-enables the calling vCPU's LAPIC (SVR) with TPR 0. */
void lapic_enable(void);
void lapic_disable(void);
void lapic_eoi(void);
uint32_t lapic_id(void);
/* True if vector is set in the ISR / IRR of the calling vCPU. */
bool lapic_isr(unsigned int vector);
bool lapic_irr(unsigned int vector);

uint32_t ioapic_read(unsigned int reg);
void ioapic_write(unsigned int reg, uint32_t v);
/* Number of pins (max redirection entry + 1, from the version register). */
unsigned int ioapic_pins(void);
void ioapic_set_rte(unsigned int pin, uint32_t low, uint8_t dest_apic);
uint32_t ioapic_rte_low(unsigned int pin);
void ioapic_mask(unsigned int pin);

uint32_t pci_cfg_read32(unsigned int bus, unsigned int dev, unsigned int fn,
                        unsigned int off);
uint8_t pci_cfg_read8(unsigned int bus, unsigned int dev, unsigned int fn,
                      unsigned int off);
void pci_cfg_write32(unsigned int bus, unsigned int dev, unsigned int fn,
                     unsigned int off, uint32_t v);
/* 16-bit accesses as the dword around them (a write is a read-modify-write). */
uint16_t pci_cfg_read16(unsigned int bus, unsigned int dev, unsigned int fn,
                        unsigned int off);
void pci_cfg_write16(unsigned int bus, unsigned int dev, unsigned int fn,
                     unsigned int off, uint16_t v);
/* The config offset of capability ID in the function's list, 0 if none. */
unsigned int pci_find_cap(unsigned int bus, unsigned int dev, unsigned int fn, uint8_t id);

/* With interrupts on, wait until *C is no longer BEFORE or NS of Xen time
 * pass (a lost interrupt); interrupts are off again on return. */
bool irq_wait_change(volatile uint32_t *c, uint32_t before, uint64_t ns);

#endif
