/*
 * IDT set-up and the C side of exception handling.  Unexpected exceptions
 * print vector, error code, IP and CR2, then crash the domain so the host
 * sees a failure (SHUTDOWN_crash) instead of a hang.
 */
#include "lib.h"
#include "x86.h"
#include "trap.h"
#include "xen_guest.h"
#include <xen/sched.h>

/* 256 stubs, 16 bytes apart (arch/vectors*.S). */
extern const uint8_t trap_stubs[];

#ifdef __x86_64__
struct gate { uint16_t off0, sel; uint8_t ist, type; uint16_t off1;
              uint32_t off2, rsvd; };
#else
struct gate { uint16_t off0, sel; uint8_t zero, type; uint16_t off1; };
#endif

static struct gate idt[256] __aligned(16);
static trap_handler_t handlers[256];

static void set_gate(unsigned int v, uintptr_t entry, unsigned int dpl)
{
    struct gate *g = &idt[v];

    memset(g, 0, sizeof(*g));
    g->off0 = (uint16_t)entry;
    g->off1 = (uint16_t)(entry >> 16);
#ifdef __x86_64__
    g->off2 = (uint32_t)((uint64_t)entry >> 32);
    g->sel = SEL_CS64;
    g->type = 0x8e | (dpl << 5); /* present, 64-bit interrupt gate */
#else
    g->sel = SEL_CS32;
    g->type = 0x8e | (dpl << 5); /* present, 32-bit interrupt gate */
#endif
}

void trap_load_idt(void)
{
    struct { uint16_t limit; uintptr_t base; } __attribute__((packed)) d;

    d.limit = sizeof(idt) - 1;
    d.base = (uintptr_t)idt;
    __asm__ volatile("lidt %0" : : "m"(d));
}

void trap_init(void)
{
    unsigned int v;

    for (v = 0; v < 256; v++)
        set_gate(v, (uintptr_t)(trap_stubs + v * 16), 0);
    trap_load_idt();
}

void trap_set_handler(unsigned int vector, trap_handler_t fn, unsigned int dpl)
{
    handlers[vector] = fn;
    set_gate(vector, (uintptr_t)(trap_stubs + vector * 16), dpl);
}

void trap_set_gate(unsigned int vector, void (*entry)(void), unsigned int dpl)
{
    set_gate(vector, (uintptr_t)entry, dpl);
}

void trap_dispatch(struct trap_frame *f)
{
    if (f->vector < 256 && handlers[f->vector]) {
        handlers[f->vector](f);
        return;
    }
    printf("EXCEPTION: vector %lu error 0x%lx ip 0x%lx cr2 0x%lx\n",
           (unsigned long)f->vector, (unsigned long)f->error,
           (unsigned long)f->ip, read_cr2());
    guest_shutdown(SHUTDOWN_crash);
}
