/* A TSS only so that ring-3 code can trap back to a ring-0 stack. */
#include "lib.h"
#include "x86.h"
#include "trap.h"

extern uint64_t gdt[];

#ifdef __x86_64__
struct tss { uint32_t rsvd0; uint64_t rsp0, rsp1, rsp2, rsvd1, ist[7];
             uint64_t rsvd2; uint16_t rsvd3, iomap; } __attribute__((packed));
#else
struct tss { uint16_t link, r0; uint32_t esp0; uint16_t ss0, r1;
             uint32_t other[22]; uint16_t trap, iomap; } __attribute__((packed));
#endif

static struct tss tss __aligned(16);
static uint8_t ring0_stack[8192] __aligned(16);

void tss_init(void)
{
    uintptr_t base = (uintptr_t)&tss;
    uint32_t limit = sizeof(tss) - 1;

    memset(&tss, 0, sizeof(tss));
    tss.iomap = sizeof(tss); /* no I/O bitmap: ring 3 port I/O faults */
#ifdef __x86_64__
    tss.rsp0 = (uintptr_t)(ring0_stack + sizeof(ring0_stack));
#else
    tss.esp0 = (uintptr_t)(ring0_stack + sizeof(ring0_stack));
    tss.ss0 = SEL_DS;
#endif
    /* Available TSS (type 9), present, DPL 0; byte-granular limit. */
    gdt[SEL_TSS / 8] = (limit & 0xffff) | ((uint64_t)(base & 0xffffff) << 16) |
                       (0x89ull << 40) | ((uint64_t)((limit >> 16) & 0xf) << 48) |
                       ((uint64_t)((base >> 24) & 0xff) << 56);
#ifdef __x86_64__
    gdt[SEL_TSS / 8 + 1] = (uint64_t)base >> 32;
#endif
    __asm__ volatile("ltr %w0" : : "r"(SEL_TSS) : "memory");
}
