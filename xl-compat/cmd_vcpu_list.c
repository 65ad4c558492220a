/* xl vcpu-list [Domain...]: each vCPU's host CPU, state and time. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cpu_affinity.h"
#include "dominfo.h"
#include "xl.h"

static const char *hard_affinity(const struct xl_dominfo *d, unsigned vcpu)
{
    static char buf[256];
    pid_t tid = d->vmm_pid > 0 ? xl_vcpu_tid(d->vmm_pid, vcpu) : 0;
    cpu_set_t set;

    if (!tid || sched_getaffinity(tid, sizeof(set), &set))
        return "all";
    xl_cpulist_format(&set, buf, sizeof(buf));
    return buf;
}

static void print_domain(const struct xl_dominfo *d)
{
    for (unsigned i = 0; i < d->max_vcpus; i++) {
        const struct xl_vcpuinfo *v = d->vcpus ? &d->vcpus[i] : NULL;

        printf("%-32s %5u %5u", d->name, d->domid, i);
        if (!v || !v->online)
            printf("%5c %3c%cp ", '-', '-', '-');
        else
            printf("%5d %3c%c- ", v->cpu, v->running ? 'r' : '-', v->blocked ? 'b' : '-');
        printf("%9.1f  ", v ? (double)v->time_ns / 1e9 : 0.0);
        /* Hard: the vCPU thread's affinity (xl vcpu-pin); no soft one. */
        printf("%s / all\n", hard_affinity(d, i));
    }
}

int cmd_vcpu_list(int argc, char **argv)
{
    struct xl_dominfo *l;
    unsigned n;

    while (xl_getopt(argc, argv, "", NULL, "vcpu-list", 0) != -1)
        ;
    printf("%-32s %5s %5s %5s %5s %9s %s\n", "Name", "ID", "VCPU", "CPU", "State", "Time(s)",
           "Affinity (Hard / Soft)");
    if (optind >= argc) {
        l = xl_dom_list(&n);
        for (unsigned i = 0; i < n; i++)
            if (l[i].domid != 0)
                print_domain(&l[i]);
        xl_dom_list_free(l, n);
        return EXIT_SUCCESS;
    }
    for (; optind < argc; optind++) {
        struct xl_dominfo d;
        unsigned domid = xl_find_domain(argv[optind]);
        if (domid != 0 && xl_dom_get(domid, &d) == 0) {
            print_domain(&d);
            xl_dominfo_free(&d);
        }
    }
    return EXIT_SUCCESS;
}
