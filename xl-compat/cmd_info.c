/* xl info [-n] [key]: the host, in xl info's layout.  The Xen lines say
 * what the guests see (the Xen version xenkvm presents) and that the
 * hypervisor is Linux KVM. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "xen_version.h"     /* the Xen version the VMM presents */

#include "cpu_affinity.h"
#include "xl.h"
#include "cpupool.h"
#include "xs_util.h"
#include "xl_conf.h"

static const char *only;   /* print just this key's value */

static void item(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void item(const char *key, const char *fmt, ...)
{
    va_list ap;

    /* xl's maybe_printf: the lines whose key starts with the name given */
    if (only && strncmp(key, only, strlen(only)))
        return;
    if (!only)
        printf("%-23s: ", key);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
}

/* xenkvm-only lines: what KVM offers for Xen guests and the hypercall
 * transport a domain gets by default (xl.conf's setting resolved). */
static void transport_items(void)
{
    uint32_t caps = xk_transport_probe();
    enum xk_transport want = xl_conf_transport(), got;
    char why[256];

    item("xenkvm_kvm_xen_caps", "%#x", caps);
    if (xk_transport_choose(want, caps, &got, why, sizeof(why)))
        item("xenkvm_hypercall_transport", "none (xl.conf: %s, unavailable)",
             xk_transport_name(want));
    else
        item("xenkvm_hypercall_transport", "%s (xl.conf: %s)", xk_transport_name(got),
             xk_transport_name(want));
}

/* CPUs in no cpupool (cpupool-cpu-remove); all are in Pool-0 until a
 * xenstored holds pools. */
static int free_cpus(void)
{
    cpu_set_t set;

    if (!xl_xs_running())
        return 0;
    xl_pool_free_cpus(&set);
    return CPU_COUNT(&set);
}

int cmd_info(int argc, char **argv)
{
    static const struct option opts[] = {
        { "numa", 0, 0, 'n' }, { "help", 0, 0, 'h' }, { 0, 0, 0, 0 },
    };
    struct utsname u;
    struct sysinfo si;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned long long total = 0, free_mb = 0;
    double mhz = xl_host_cpu_mhz();
    bool numa = false;
    int opt;

    while ((opt = xl_getopt(argc, argv, "n", opts, "info", 0)) != -1)
        numa = true;    /* -n: one node; nothing more to show */
    if (!numa && argc > optind)
        only = argv[optind];
    uname(&u);
    if (sysinfo(&si) == 0) {
        total = (unsigned long long)si.totalram * si.mem_unit >> 20;
        free_mb = (unsigned long long)si.freeram * si.mem_unit >> 20;
    }
    item("host", "%s", u.nodename);
    item("release", "%s", u.release);
    item("version", "%s", u.version);
    item("machine", "%s", u.machine);
    item("nr_cpus", "%ld", ncpu);
    item("max_cpu_id", "%ld", ncpu - 1);
    item("nr_nodes", "%d", 1);
    item("cores_per_socket", "%ld", ncpu);
    item("threads_per_core", "%d", 1);
    item("cpu_mhz", "%d.%03d", (int)mhz, (int)((mhz - (int)mhz) * 1000));
    item("virt_caps", "%s", "hvm");
    item("total_memory", "%llu", total);
    item("free_memory", "%llu", free_mb);
    item("sharing_freed_memory", "%d", 0);
    item("sharing_used_memory", "%d", 0);
    item("outstanding_claims", "%d", 0);
    item("free_cpus", "%d", free_cpus());
    item("xen_major", "%d", XK_XEN_MAJOR);
    item("xen_minor", "%d", XK_XEN_MINOR);
    item("xen_extra", "%s", XK_XEN_EXTRA);
    item("xen_version", "%d.%d%s", XK_XEN_MAJOR, XK_XEN_MINOR, XK_XEN_EXTRA);
    item("xen_caps", "%s", "hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64");
    item("xen_scheduler", "%s", "linux");
    item("xen_pagesize", "%d", 4096);
    item("platform_params", "%s", "virt_start=0x0");
    item("xen_changeset", "%s", "xenkvm " PACKAGE_VERSION " on Linux KVM");
    item("xen_commandline", "%s", "");
    item("cc_compiler", "%s", __VERSION__);
    item("cc_compile_by", "%s", "xenkvm");
    item("cc_compile_domain", "%s", "");
    item("cc_compile_date", "%s", __DATE__);
    item("build_id", "%s", "");
    item("xend_config_format", "%d", 4);
    transport_items();
    return EXIT_SUCCESS;
}
