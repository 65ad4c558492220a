/* vCPU thread affinity (see cpu_affinity.h). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu_affinity.h"

int xl_host_ncpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_CONF);

    return n > 0 && n <= CPU_SETSIZE ? (int)n : 1;
}

int xl_cpulist_parse(const char *s, cpu_set_t *set)
{
    int ncpu = xl_host_ncpus();
    char *copy = strdup(s), *tok, *save = NULL;
    bool any_plus = false;
    cpu_set_t minus;

    CPU_ZERO(set);
    CPU_ZERO(&minus);
    if (!copy)
        return -1;
    for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        bool exclude = tok[0] == '^';
        char *p = tok + exclude, *end;
        long a, b;

        if (!strcmp(p, "all")) {
            a = 0;
            b = ncpu - 1;
        } else {
            a = strtol(p, &end, 10);
            if (end == p || a < 0)
                goto bad;
            b = a;
            if (*end == '-') {
                p = end + 1;
                b = strtol(p, &end, 10);
                if (end == p || b < a)
                    goto bad;
            }
            if (*end || b >= ncpu)
                goto bad;
        }
        for (long c = a; c <= b; c++)
            CPU_SET(c, exclude ? &minus : set);
        any_plus |= !exclude;
    }
    if (!any_plus)          /* only exclusions: from all */
        for (int c = 0; c < ncpu; c++)
            CPU_SET(c, set);
    for (int c = 0; c < ncpu; c++)
        if (CPU_ISSET(c, &minus))
            CPU_CLR(c, set);
    free(copy);
    return CPU_COUNT(set) ? 0 : -1;
bad:
    free(copy);
    return -1;
}

void xl_cpulist_format(const cpu_set_t *set, char *buf, size_t len)
{
    int ncpu = xl_host_ncpus(), c = 0;
    size_t off = 0;

    buf[0] = 0;
    if (CPU_COUNT(set) >= ncpu) {
        snprintf(buf, len, "all");
        return;
    }
    while (c < ncpu) {
        int a;

        if (!CPU_ISSET(c, set)) {
            c++;
            continue;
        }
        for (a = c; c + 1 < ncpu && CPU_ISSET(c + 1, set); c++)
            ;
        off += snprintf(buf + off, off < len ? len - off : 0, "%s%d", off ? "," : "", a);
        if (c > a)
            off += snprintf(buf + off, off < len ? len - off : 0, "-%d", c);
        c++;
    }
}

pid_t xl_vcpu_tid(pid_t vmm_pid, unsigned vcpu)
{
    char path[64], want[16], comm[32];
    struct dirent *e;
    pid_t tid = 0;
    DIR *d;

    snprintf(path, sizeof(path), "/proc/%ld/task", (long)vmm_pid);
    snprintf(want, sizeof(want), "vcpu%u\n", vcpu);
    d = opendir(path);
    if (!d)
        return 0;
    while (!tid && (e = readdir(d))) {
        FILE *f;

        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "/proc/%ld/task/%.20s/comm", (long)vmm_pid, e->d_name);
        f = fopen(path, "re");
        if (!f)
            continue;
        if (fgets(comm, sizeof(comm), f) && !strcmp(comm, want))
            tid = atoi(e->d_name);
        fclose(f);
    }
    closedir(d);
    return tid;
}

double xl_host_cpu_mhz(void)
{
    FILE *f = fopen("/proc/cpuinfo", "re");
    char line[256];
    double mhz = 0;

    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "cpu MHz : %lf", &mhz) == 1)
            break;
    if (f)
        fclose(f);
    return mhz;
}
