/*
 * demo64.elf: the README's demo.  Tells what it found of Xen, once through
 * HYPERVISOR_console_io and once on port 0xe9, then powers off.
 * Run with:  xenkvm --kernel demo64.elf [--memory MiB] [--vcpus N]
 */
#include "lib.h"
#include "hypercall.h"
#include "xen_guest.h"

static void both(const char *fmt, ...) __printf(1, 2);

static void both(const char *fmt, ...)
{
    char buf[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    xen_console_write(buf, (unsigned int)strlen(buf));
    puts_e9(buf);
}

void guest_main(void)
{
    xen_extraversion_t extra;
    xen_feature_info_t fi = { .submap_idx = 0 };
    uint64_t ram = memmap_ram_bytes();

    memset(extra, 0, sizeof(extra));
    HYPERVISOR_xen_version(XENVER_extraversion, extra);
    HYPERVISOR_xen_version(XENVER_get_features, &fi);

    both("Hello from a PVH guest on xenkvm!\n");
    both("  Xen %u.%u%s found at CPUID leaf 0x%x\n", xen.version >> 16,
         xen.version & 0xffff, extra, xen.base);
    both("  hypercall page: %u page(s) via MSR 0x%x, at 0x%lx\n",
         xen.hcall_pages, xen.hcall_msr, (unsigned long)(uintptr_t)hypercall_page);
    both("  features submap 0: 0x%08x\n", fi.submap);
    if (xen.has_vcpu_id)
        both("  vcpu id: %u\n", xen.vcpu_id);
    if (xen.has_domid)
        both("  domid: %u\n", xen.domid);
    both("  memory: %llu MiB RAM in %u memmap entries\n",
         (unsigned long long)(ram >> 20),
         start_info ? start_info->memmap_entries : 0);
    both("  command line: \"%s\"\n", start_cmdline());
    both("Powering off.\n");
    guest_shutdown(SHUTDOWN_poweroff);
}
