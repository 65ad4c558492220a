/* Shared info mapping and the pvclock algorithm. */
#include "lib.h"
#include "x86.h"
#include "hypercall.h"
#include "shinfo.h"
#include "xen_guest.h"

struct shared_info *shared_info;
struct vcpu_info *volatile vcpu0_info;
bool vcpu0_info_moved;
static uint8_t shinfo_frame[4096] __aligned(4096) __attribute__((section(".bss.page")));

void *shinfo_default_frame(void)
{
    return shinfo_frame;
}

long shinfo_map_at(void *page)
{
    struct xen_add_to_physmap xatp = {
        .domid = DOMID_SELF,
        .space = XENMAPSPACE_shared_info,
        .idx = 0,
        .gpfn = (uintptr_t)page >> PAGE_SHIFT,
    };
    long rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp);

    if (rc == 0) {
        shared_info = page;
        if (!vcpu0_info_moved)
            vcpu0_info = &shared_info->vcpu_info[0];
        tsc_khz = pvclock_tsc_khz(&vcpu0_info->time);
    }
    return rc;
}

struct shared_info *shinfo_map(void)
{
    if (!shared_info)
        shinfo_map_at(shinfo_frame);
    return shared_info;
}

/* (delta * mul) >> 32 without 128-bit or libgcc help: two 32x32 products. */
static uint64_t scale(uint64_t delta, uint32_t mul)
{
    uint64_t lo = (uint64_t)(uint32_t)delta * mul;
    uint64_t hi = (uint64_t)(uint32_t)(delta >> 32) * mul;

    return hi + (lo >> 32);
}

uint64_t pvclock_read(const volatile struct vcpu_time_info *t)
{
    uint32_t ver, mul;
    uint64_t tsc, stamp, sys;
    int8_t shift;

    do {
        ver = t->version;
        barrier();
        stamp = t->tsc_timestamp;
        sys = t->system_time;
        mul = t->tsc_to_system_mul;
        shift = t->tsc_shift;
        tsc = rdtsc();
        barrier();
    } while ((ver & 1) || ver != t->version);

    tsc -= stamp;
    if (shift >= 0)
        tsc <<= shift;
    else
        tsc >>= -shift;
    return sys + scale(tsc, mul);
}

uint64_t pvclock_tsc_khz(const volatile struct vcpu_time_info *t)
{
    /* ns = (tsc << shift) * mul / 2^32, so kHz = 10^6 * 2^32 / mul,
     * corrected by the shift. */
    uint32_t mul = t->tsc_to_system_mul;
    int8_t shift = t->tsc_shift;
    uint64_t khz;

    if (!mul)
        return tsc_khz;
    khz = udiv64(1000000ull << 32, mul, NULL);
    if (shift < 0)
        khz <<= -shift;
    else
        khz >>= shift;
    return khz;
}

uint64_t xen_system_time(void)
{
    shinfo_map();
    return pvclock_read(&vcpu0_info->time);
}

void delay_us(uint64_t us)
{
    uint64_t end = rdtsc() + udiv64(us * tsc_khz, 1000, NULL);

    while (rdtsc() < end)
        cpu_relax();
}
