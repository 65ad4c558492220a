/*
 * wallclock64.elf, wallclock32.elf: Xen's wall clock computed the way
 * Linux does (arch/x86/kernel/pvclock.c pvclock_read_wallclock, called by
 * xen_read_wallclock at timekeeping_init and xen_time_init): shared info's
 * wc_sec/wc_nsec under wc_version, plus the system time of the time record
 * the guest reads then.  Printed as "WALLCLOCK <where> <sec>.<nsec>" for
 * tests/cli/wallclock.sh, which holds each value against the host's clock:
 *   shinfo_start  vcpu_info[0] in shared info, right after mapping it;
 *   shinfo_late   the same record WALLCLOCK_WAIT_S seconds of TSC later;
 *   registered    the vcpu_info moved by VCPUOP_register_vcpu_info, as
 *                 Linux's xen_vcpu_setup does before timekeeping_init;
 *   time_area     the copy at VCPUOP_register_vcpu_time_memory_area (what
 *                 Linux's vDSO reads for clock_gettime).
 * An unpublished record (version odd or no multiplier) is reported as a
 * failure: Linux would take system time 0 from it.
 */
#include "lib.h"
#include "hypercall.h"
#include "shinfo.h"
#include "x86.h"
#include "xen_guest.h"

#include <xen/vcpu.h>

#define WALLCLOCK_WAIT_S 4

static uint8_t vi_page[4096] __aligned(4096);
static struct vcpu_time_info time_area __aligned(64);
static int failures;

static bool published(const volatile struct vcpu_time_info *t)
{
    return !(t->version & 1) && t->tsc_to_system_mul != 0;
}

/* pvclock_read_wallclock: wc under its version, then the system time. */
static uint64_t wallclock_ns(const volatile struct vcpu_time_info *t)
{
    const volatile struct shared_info *s = shared_info;
    uint32_t ver, sec, nsec;

    do {
        ver = s->wc_version;
        barrier();
        sec = s->wc_sec;
        nsec = s->wc_nsec;
        barrier();
    } while ((ver & 1) || ver != s->wc_version);
    return (uint64_t)sec * 1000000000ull + nsec + pvclock_read(t);
}

static void report(const char *where, const volatile struct vcpu_time_info *t)
{
    uint32_t nsec;
    uint64_t sec;

    if (!published(t)) {
        printf("FAIL: %s: time record unpublished (version %u, mul %u)\n",
               where, t->version, t->tsc_to_system_mul);
        failures++;
    }
    sec = udiv64(wallclock_ns(t), 1000000000u, &nsec);
    printf("WALLCLOCK %s %llu.%09u\n", where, (unsigned long long)sec, nsec);
}

void guest_main(void)
{
    struct vcpu_register_vcpu_info info = {
        .mfn = (uintptr_t)vi_page >> PAGE_SHIFT,
        .offset = 64,
    };
    struct vcpu_register_time_memory_area area = {
        .addr.p = (uintptr_t)&time_area,
    };
    struct vcpu_info *vi = (struct vcpu_info *)(vi_page + 64);
    long rc;

    shinfo_map();
    report("shinfo_start", &shared_info->vcpu_info[0].time);
    delay_us(WALLCLOCK_WAIT_S * 1000000ull);
    report("shinfo_late", &shared_info->vcpu_info[0].time);

    rc = HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &info);
    if (rc) {
        printf("FAIL: register_vcpu_info returned %ld\n", rc);
        guest_shutdown(SHUTDOWN_crash);
    }
    vcpu0_info = vi;
    vcpu0_info_moved = true;
    report("registered", &vi->time);

    rc = HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &area);
    if (rc) {
        printf("FAIL: register_vcpu_time_memory_area returned %ld\n", rc);
        guest_shutdown(SHUTDOWN_crash);
    }
    report("time_area", &time_area);

    printf("WALLCLOCK done, %d failed\n", failures);
    guest_shutdown(failures ? SHUTDOWN_crash : SHUTDOWN_poweroff);
}
