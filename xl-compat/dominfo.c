/* The domain registry: which domains exist and what state they are in.
 * A domain exists while its lock is held (lockfile.h); its name and uuid
 * come from xenstore, its state from its VMM. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "dominfo.h"
#include "lockfile.h"
#include "paths.h"
#include "xl.h"
#include "xs_util.h"

/* Domain 0 is the host: its memory, CPUs and CPU time. */
static void host_info(struct xl_dominfo *d)
{
    struct sysinfo si;
    FILE *f = fopen("/proc/stat", "r");
    long hz = sysconf(_SC_CLK_TCK);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned long long v[8] = { 0 };

    d->running = true;
    if (sysinfo(&si) == 0)
        d->current_kb = d->max_kb = (uint64_t)si.totalram * si.mem_unit / 1024;
    d->vcpu_online = d->max_vcpus = n > 0 ? (unsigned)n : 1;
    if (f) {
        if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
                   &v[3], &v[4], &v[5], &v[6], &v[7]) == 8 && hz > 0)
            /* Busy time: user, nice, system, irq, softirq, steal. */
            d->cpu_time_ns = (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) * (1000000000ULL / hz);
        fclose(f);
    }
    memcpy(d->uuid, "00000000-0000-0000-0000-000000000000", 37);
}

static void read_identity(struct xl_dominfo *d)
{
    char *vm = xl_xs_readf(XBT_NULL, "/local/domain/%u/vm", d->domid);

    d->name = xl_xs_readf(XBT_NULL, "/local/domain/%u/name", d->domid);
    if (vm && !strncmp(vm, "/vm/", 4))
        snprintf(d->uuid, sizeof(d->uuid), "%.36s", vm + 4);
    free(vm);
}

/* A guest domain whose lock is held, from xenstore and its VMM. */
static int guest_info(unsigned domid, struct xl_dominfo *d)
{
    memset(d, 0, sizeof(*d));
    d->domid = domid;
    read_identity(d);
    if (!d->name) {
        /* Being built or torn down: not a domain to act on yet. */
        return -ENOENT;
    }
    if (!xl_vmm_query(d))
        d->dying = true;    /* the monitor holds it, the VMM is gone */
    return 0;
}

int xl_dom_get(unsigned domid, struct xl_dominfo *d)
{
    if (domid == 0) {
        memset(d, 0, sizeof(*d));
        d->name = xl_xs_read(XBT_NULL, "/local/domain/0/name");
        if (!d->name)
            d->name = xl_xstrdup("Domain-0");
        host_info(d);
        return 0;
    }
    if (domid >= 0x7ff0 || !xl_domlock_held(domid)) {
        memset(d, 0, sizeof(*d));
        return -ENOENT;
    }
    return guest_info(domid, d);
}

/* Whether DOMID names a domain, without asking its VMM anything. */
static bool dom_exists(unsigned domid)
{
    char *name;

    if (domid == 0)
        return true;
    if (domid >= 0x7ff0 || !xl_domlock_held(domid))
        return false;
    name = xl_xs_readf(XBT_NULL, "/local/domain/%u/name", domid);
    free(name);
    return name != NULL;
}

/* Remove the xenstore remains of a domain nobody holds any more. */
static void reap(unsigned domid)
{
    int fd = xl_domlock_try(domid);

    if (fd < 0)
        return;
    xl_tree_remove(domid);
    close(fd);
}

static int cmp_domid(const void *a, const void *b)
{
    const struct xl_dominfo *x = a, *y = b;
    return (x->domid > y->domid) - (x->domid < y->domid);
}

struct xl_dominfo *xl_dom_list(unsigned *count)
{
    unsigned n = 0, k = 0;
    char **ents = xs_directory(xl_xs(), XBT_NULL, "/local/domain", &n);
    struct xl_dominfo *l = calloc(n + 1, sizeof(*l));

    if (!l) {
        perror("xl");
        exit(EXIT_FAILURE);
    }
    xl_dom_get(0, &l[k++]);
    for (unsigned i = 0; ents && i < n; i++) {
        char *end;
        unsigned long id = strtoul(ents[i], &end, 10);
        if (*end || id == 0 || id >= 0x7ff0)
            continue;
        if (!xl_domlock_held((unsigned)id)) {
            reap((unsigned)id);
            continue;
        }
        if (guest_info((unsigned)id, &l[k]) == 0)
            k++;
        else
            xl_dominfo_free(&l[k]);
    }
    free(ents);
    qsort(l, k, sizeof(*l), cmp_domid);
    *count = k;
    return l;
}

void xl_dominfo_free(struct xl_dominfo *d)
{
    free(d->name);
    free(d->vcpus);
    d->name = NULL;
    d->vcpus = NULL;
}

void xl_dom_list_free(struct xl_dominfo *l, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        xl_dominfo_free(&l[i]);
    free(l);
}

unsigned xl_find_domain(const char *q)
{
    const char *p = q;
    int id;

    while (*p && isdigit((unsigned char)*p))
        p++;
    if (*q && !*p && strlen(q) < 6) {
        id = atoi(q);
    } else {
        id = xl_tree_name_to_domid(XBT_NULL, q);
        if (id < 0) {
            fprintf(stderr, "%s is an invalid domain identifier (rc=-6)\n", q);
            exit(EXIT_FAILURE);
        }
    }
    if (!dom_exists((unsigned)id)) {
        /* libxl's ERROR_DOMAIN_NOTFOUND */
        fprintf(stderr, "%s is an invalid domain identifier (rc=-21)\n", q);
        exit(EXIT_FAILURE);
    }
    return (unsigned)id;
}

void xl_dom_pids(unsigned domid, pid_t *monitor, pid_t *vmm)
{
    char *path = xl_dom_file(domid, ".pid");
    FILE *f = fopen(path, "r");
    long m = 0, v = 0;

    if (f) {
        if (fscanf(f, "%ld %ld", &m, &v) != 2)
            m = v = 0;
        fclose(f);
    }
    free(path);
    *monitor = (pid_t)m;
    *vmm = (pid_t)v;
}
