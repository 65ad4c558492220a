/*
 * pciback_bench64.elf (make bench): the passed-through test device
 * (tests/pciback/vfu_testdev over vfio-user, --pci) measured from an HVM
 * guest, each figure with its reference in the same run, TSC cycles,
 * medians of ROUNDS rounds:
 *   BENCH pt_bar_trapped   a BAR0 register read (MMIO exit, VMM, vfio-user
 *                          round trip to the server)   vs  pt_portio_exit
 *                          (a bare port-I/O exit to the VMM)
 *   BENCH pt_bar_io        an I/O BAR register read (port exit, VMM,
 *                          vfio-user round trip; vfu_testdev --iobar)
 *                          vs  pt_bar_trapped
 *   BENCH pt_bar_mmap      a BAR2 read (KVM memslot)   vs  pt_ram_read
 *   BENCH pt_msix_latency  BAR0 write that raises vector 0 to its handler
 *                          (server eventfd -> KVM irqfd)  vs  pt_self_ipi
 *   BENCH pt_memcpy_1mib   the guest's own memcpy of 1 MiB  vs  pt_dma_1mib
 *                          (the device copying the same 1 MiB of guest
 *                          memory; started by one write, polled till done)
 */
#include "apic.h"
#include "bench.h"
#include "hypercall.h"
#include "lib.h"
#include "paging.h"
#include "test.h"
#include "trap.h"
#include "x86.h"
#include "xen_guest.h"
#include "../pciback/testdev_regs.h"

#define DEV 2
#define BAR0_PA 0xf4000000ul
#define BAR2_PA 0xf4010000ul
#define VEC 0x60
#define VEC_IPI 0x62
#define ROUNDS 7
#define N 200
#define DMA_SRC 0x1000000ul             /* 16 MiB, identity-mapped RAM */
#define DMA_DST 0x1800000ul
#define DMA_LEN (1u << 20)

static volatile uint32_t irqs;
static volatile uint32_t *bar0, *bar2;
static volatile uint32_t ram_word;

static void h_irq(struct trap_frame *f)
{
    (void)f;
    irqs++;
    lapic_eoi();
}

static uint64_t per_access(volatile uint32_t *p)
{
    uint64_t t = rdtsc();

    for (unsigned int i = 0; i < N; i++)
        (void)*p;
    return (rdtsc() - t) / N;
}

static uint64_t portio(void)
{
    uint64_t t = rdtsc();

    for (unsigned int i = 0; i < N; i++)
        (void)inb(0x80);        /* unclaimed: a bare exit */
    return (rdtsc() - t) / N;
}

static uint64_t io_bar_read(uint16_t port)
{
    uint64_t t = rdtsc();

    for (unsigned int i = 0; i < N; i++)
        (void)inl(port);
    return (rdtsc() - t) / N;
}

static uint64_t irq_latency(bool device)
{
    uint64_t sum = 0;

    for (unsigned int i = 0; i < 20; i++) {
        uint32_t before = irqs;
        uint64_t t = rdtsc();

        if (device)
            bar0[TD_IRQ_RAISE / 4] = 0;
        else
            lapic_write(0x300, 0x40000 | VEC_IPI);
        sti();
        while (irqs == before)
            cpu_relax();
        cli();
        sum += rdtsc() - t;
    }
    return sum / 20;
}

static uint64_t dma_1mib(void)
{
    uint64_t t = rdtsc();

    bar0[TD_DMA_SRC / 4] = (uint32_t)DMA_SRC;
    bar0[TD_DMA_SRC / 4 + 1] = 0;
    bar0[TD_DMA_DST / 4] = (uint32_t)DMA_DST;
    bar0[TD_DMA_DST / 4 + 1] = 0;
    bar0[TD_DMA_LEN / 4] = DMA_LEN;
    bar0[TD_DMA_CMD / 4] = TD_CMD_START;
    while (!(bar0[TD_STATUS / 4] & TD_ST_DONE))
        cpu_relax();
    t = rdtsc() - t;
    bar0[TD_STATUS / 4] = TD_ST_DONE | TD_ST_ERROR;
    return t;
}

static uint64_t memcpy_1mib(void)
{
    uint64_t t = rdtsc();

    memcpy((void *)DMA_DST, (const void *)DMA_SRC, DMA_LEN);
    return rdtsc() - t;
}

static void line(const char *name, const char *ref, uint64_t *a, uint64_t *b)
{
    uint64_t x = bench_median(a, ROUNDS), y = bench_median(b, ROUNDS);
    char r[64];

    printf("BENCH %s %llu cycles\n", name, (unsigned long long)x);
    printf("BENCH %s %llu cycles\n", ref, (unsigned long long)y);
    snprintf(r, sizeof(r), "ratio_%s_%s", name, ref);
    bench_print_ratio(r, x, y);
}

void guest_main(void)
{
    uint64_t trap[ROUNDS], pio[ROUNDS], mm[ROUNDS], ram[ROUNDS];
    uint64_t msix[ROUNDS], ipi[ROUNDS], dma[ROUNDS], cpy[ROUNDS], io[ROUNDS];
    uint32_t io_bar;

    if (pci_cfg_read32(0, DEV, 0, 0) != (TD_VENDOR | (TD_DEVICE << 16))) {
        printf("pciback_bench: no test device at 00:02.0\n");
        guest_shutdown(SHUTDOWN_crash);
    }
    for (unsigned int i = 0; i < 17; i++)
        vmap_set(VMAP_BASE + i * PAGE_SIZE, (i ? BAR2_PA + (i - 1) * PAGE_SIZE : BAR0_PA));
    bar0 = (volatile uint32_t *)VMAP_BASE;
    bar2 = (volatile uint32_t *)(VMAP_BASE + PAGE_SIZE);
    /* An I/O BAR4 (vfu_testdev --iobar), where the VMM placed it. */
    io_bar = pci_cfg_read32(0, DEV, 0, 0x20);
    io_bar = (io_bar & 1) ? io_bar & ~3u : 0;
    pci_cfg_write32(0, DEV, 0, 0x04, io_bar ? 0x7 : 0x6);
    trap_set_handler(VEC, h_irq, 0);
    trap_set_handler(VEC_IPI, h_irq, 0);
    lapic_enable();
    bar0[TD_MSIX_TABLE / 4] = 0xfee00000u | (lapic_id() << 12);
    bar0[TD_MSIX_TABLE / 4 + 1] = 0;
    bar0[TD_MSIX_TABLE / 4 + 2] = VEC;
    bar0[TD_MSIX_TABLE / 4 + 3] = 0;
    pci_cfg_write32(0, DEV, 0, TD_CAP_MSIX, pci_cfg_read32(0, DEV, 0, TD_CAP_MSIX) | 0x80000000u);
    memset((void *)DMA_SRC, 0x5a, DMA_LEN);
    for (unsigned int r = 0; r < ROUNDS; r++) {
        trap[r] = per_access(&bar0[TD_ID / 4]);
        pio[r] = portio();
        mm[r] = per_access(&bar2[100]);
        ram[r] = per_access(&ram_word);
        msix[r] = irq_latency(true);
        ipi[r] = irq_latency(false);
        dma[r] = dma_1mib();
        cpy[r] = memcpy_1mib();
        io[r] = io_bar ? io_bar_read((uint16_t)(io_bar + TD_IO_ID)) : 0;
    }
    line("pt_bar_trapped", "pt_portio_exit", trap, pio);
    if (io_bar)
        line("pt_bar_io", "pt_bar_trapped", io, trap);
    line("pt_bar_mmap", "pt_ram_read", mm, ram);
    line("pt_msix_latency", "pt_self_ipi", msix, ipi);
    /* Reversed: how many times the guest's memcpy takes the device's DMA. */
    line("pt_memcpy_1mib", "pt_dma_1mib", cpy, dma);
    guest_shutdown(SHUTDOWN_poweroff);
}
