/* The domain registry: which domains exist and what state they are in.
 * A domain exists while its lock is held (lockfile.h); its name and uuid
 * come from xenstore, its state from its VMM. */
#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/un.h>
#include <unistd.h>

#include "domcfg.h"
#include "cpupool_bind.h"
#include "dominfo.h"
#include "lockfile.h"
#include "paths.h"
#include "sched_cgroup.h"
#include "unix_sock.h"
#include "util.h"
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

/* Hung domains are not waited for by the list: one deadline for all. */
#define LIST_TIMEOUT_MS 1000

bool xl_dom_saved_config(unsigned domid, struct domcfg *dc)
{
    char *path = xl_dom_file(domid, ".cfg"), *text;
    FILE *quiet = fopen("/dev/null", "w");
    size_t len;
    int rc = -1;

    text = read_file(path, &len, 1 << 20);
    free(path);
    if (text && quiet)
        rc = domcfg_parse(dc, "saved config", text, len, NULL, 0, quiet);
    free(text);
    if (quiet)
        fclose(quiet);
    return rc == 0;
}

char *xl_dom_saved_name(unsigned domid)
{
    struct domcfg dc;
    char *name;

    if (!xl_dom_saved_config(domid, &dc))
        return NULL;
    name = dc.name ? xl_xstrdup(dc.name) : NULL;
    domcfg_free(&dc);
    return name;
}

static void read_identity(struct xl_dominfo *d)
{
    char *vm = xl_xs_readf(XBT_NULL, "/local/domain/%u/vm", d->domid);

    d->name = xl_xs_readf(XBT_NULL, "/local/domain/%u/name", d->domid);
    if (vm && !strncmp(vm, "/vm/", 4))
        snprintf(d->uuid, sizeof(d->uuid), "%.36s", vm + 4);
    free(vm);
    /* A store that lost the domain (restarted empty, say): the name it
     * was created with. */
    if (!d->name)
        d->name = xl_dom_saved_name(d->domid);
}

static uint64_t xs_u64(unsigned domid, const char *node)
{
    char *v = xl_xs_readf(XBT_NULL, "/local/domain/%u/%s", domid, node);
    uint64_t n = v ? strtoull(v, NULL, 10) : 0;

    free(v);
    return n;
}

/* CPU time of process PID (user + system), from /proc. */
static uint64_t proc_cpu_ns(pid_t pid)
{
    char path[64], buf[1024], *p;
    unsigned long long ut = 0, st = 0;
    long hz = sysconf(_SC_CLK_TCK);
    FILE *f;
    size_t n;

    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    f = fopen(path, "re");
    if (!f)
        return 0;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    p = strrchr(buf, ')');
    /* After comm: state and ten fields, then utime and stime. */
    if (!p || hz <= 0 ||
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return 0;
    return (ut + st) * (1000000000ULL / (unsigned long long)hz);
}

/* What is known of a domain whose VMM did not answer: xenstore's numbers
 * (or the saved config's), and a stopped VMM shows as paused. */
static void offline_info(struct xl_dominfo *d)
{
    if (!d->hung) {
        d->dying = true;    /* the monitor holds it, the VMM is gone */
        return;
    }
    if (xl_verbose)
        fprintf(stderr, "xl: domain %u (%s): %s; listed with what xenstore and /proc know\n",
                d->domid, d->name ? d->name : "?", d->hung_why ? d->hung_why : "no answer");
    d->current_kb = xs_u64(d->domid, "memory/target");
    d->max_kb = xs_u64(d->domid, "memory/static-max");
    if (!d->current_kb) {
        struct domcfg dc;
        if (xl_dom_saved_config(d->domid, &dc)) {
            d->current_kb = dc.memory_mib * 1024;
            d->vcpu_online = dc.vcpus;
            domcfg_free(&dc);
        }
    }
    if (!d->max_kb)
        d->max_kb = d->current_kb;
    if (!d->vcpu_online) {
        unsigned n = 0;
        char *p = xl_xasprintf("/local/domain/%u/cpu", d->domid);
        char **c = xs_directory(xl_xs(), XBT_NULL, p, &n);
        free(p);
        free(c);
        d->vcpu_online = n;
    }
    d->max_vcpus = d->vcpu_online;
    if (d->vmm_pid > 0) {
        d->paused = xl_pid_stopped(d->vmm_pid);
        d->cpu_time_ns = proc_cpu_ns(d->vmm_pid);
    }
}

/* A guest domain whose lock is held, from xenstore and its VMM. */
static int guest_info(unsigned domid, struct xl_dominfo *d)
{
    memset(d, 0, sizeof(*d));
    d->domid = domid;
    read_identity(d);
    xl_vmm_query_many(d, 1, LIST_TIMEOUT_MS);
    if (!d->vmm_up)
        offline_info(d);
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
    return domid == 0 || (domid < 0x7ff0 && xl_domlock_held(domid));
}


void xl_dom_clean(unsigned domid)
{
    static const char *const files[] = { ".cfg", ".pid", ".pid.new", ".vbd.pid", ".cfg.update" };
    static const char *const sockets[] = { ".sock", ".console" };

    xl_tree_remove(domid);
    xl_sched_forget(domid);     /* its cgroup, before the record naming it goes */
    xl_cpuset_forget(domid);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char *p = xl_dom_file(domid, files[i]);
        unlink(p);
        free(p);
    }
    for (size_t i = 0; i < sizeof(sockets) / sizeof(sockets[0]); i++) {
        char *p = xl_dom_file(domid, sockets[i]);
        xk_unix_remove_stale(p);       /* gone only if nobody listens */
        free(p);
    }
    /* vbd counters a killed xenkvm-blkback left (lib/vbd_stats.h) */
    {
        char *pat = xl_dom_file(domid, ".vbd*.stats");
        glob_t g;
        if (glob(pat, 0, NULL, &g) == 0)
            for (size_t i = 0; i < g.gl_pathc; i++)
                unlink(g.gl_pathv[i]);
        globfree(&g);
        free(pat);
    }
}

bool xl_dom_reap(unsigned domid)
{
    int fd = xl_domlock_try(domid);

    if (fd < 0)
        return false;
    xl_dom_clean(domid);
    xl_domlock_drop(domid, fd);
    return true;
}

static int cmp_domid(const void *a, const void *b)
{
    const struct xl_dominfo *x = a, *y = b;
    return (x->domid > y->domid) - (x->domid < y->domid);
}

static int cmp_uint(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return (x > y) - (x < y);
}

/* The domids that may name domains: lock files, then xenstore's entries;
 * sorted, each once. */
static unsigned *known_domids(unsigned *count)
{
    unsigned n = 0, cap = 16, nxs = 0, k = 0;
    unsigned *ids = xl_xmalloc(cap * sizeof(*ids));
    char **ents = xs_directory(xl_xs(), XBT_NULL, "/local/domain", &nxs);
    DIR *d = opendir(xl_rundir());
    struct dirent *e;

    while (d && (e = readdir(d))) {
        unsigned id;
        int end = 0;
        if (sscanf(e->d_name, "dom%u.lock%n", &id, &end) != 1 || e->d_name[end] ||
            strncmp(e->d_name, "dom", 3) || !isdigit((unsigned char)e->d_name[3]))
            continue;
        if (n == cap && !(ids = realloc(ids, (cap *= 2) * sizeof(*ids)))) {
            perror("xl");
            exit(EXIT_FAILURE);
        }
        ids[n++] = id;
    }
    if (d)
        closedir(d);
    ids = realloc(ids, (n + nxs + 1) * sizeof(*ids));
    if (!ids) {
        perror("xl");
        exit(EXIT_FAILURE);
    }
    for (unsigned i = 0; ents && i < nxs; i++) {
        char *end;
        unsigned long id = strtoul(ents[i], &end, 10);
        if (!*end)
            ids[n++] = (unsigned)id;
    }
    free(ents);
    qsort(ids, n, sizeof(*ids), cmp_uint);
    for (unsigned i = 0; i < n; i++)
        if (ids[i] != 0 && ids[i] < 0x7ff0 && (k == 0 || ids[k - 1] != ids[i]))
            ids[k++] = ids[i];
    *count = k;
    return ids;
}

struct xl_dominfo *xl_dom_list(unsigned *count)
{
    unsigned n, k = 0;
    unsigned *ids = known_domids(&n);
    struct xl_dominfo *l = calloc(n + 1, sizeof(*l));

    if (!l) {
        perror("xl");
        exit(EXIT_FAILURE);
    }
    xl_dom_get(0, &l[k++]);
    for (unsigned i = 0; i < n; i++) {
        if (!xl_domlock_held(ids[i])) {
            xl_dom_reap(ids[i]);
            continue;
        }
        l[k].domid = ids[i];
        read_identity(&l[k]);
        k++;
    }
    free(ids);
    xl_vmm_query_many(l + 1, k - 1, LIST_TIMEOUT_MS);
    for (unsigned i = 1; i < k; i++)
        if (!l[i].vmm_up)
            offline_info(&l[i]);
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

/* A held domain whose saved config has NAME (xenstore does not know it). */
static int saved_name_to_domid(const char *name)
{
    unsigned n, *ids = known_domids(&n);
    int found = -1;

    for (unsigned i = 0; found < 0 && i < n; i++) {
        char *s;
        if (!xl_domlock_held(ids[i]))
            continue;
        s = xl_xs_readf(XBT_NULL, "/local/domain/%u/name", ids[i]);
        if (!s && (s = xl_dom_saved_name(ids[i])) && !strcmp(s, name))
            found = (int)ids[i];
        free(s);
    }
    free(ids);
    return found;
}

int xl_lookup_domain(const char *q, unsigned *domid)
{
    const char *p = q;
    int id;

    while (*p && isdigit((unsigned char)*p))
        p++;
    if (*q && !*p && strlen(q) < 6) {
        id = atoi(q);
    } else {
        id = xl_tree_name_to_domid(XBT_NULL, q);
        if (id < 0)
            id = saved_name_to_domid(q);
        if (id < 0)
            return -6;
    }
    if (!dom_exists((unsigned)id))
        return -21;     /* libxl's ERROR_DOMAIN_NOTFOUND */
    *domid = (unsigned)id;
    return 0;
}

unsigned xl_find_domain(const char *q)
{
    unsigned domid = 0;
    int rc = xl_lookup_domain(q, &domid);

    if (rc) {
        fprintf(stderr, "%s is an invalid domain identifier (rc=%d)\n", q, rc);
        exit(EXIT_FAILURE);
    }
    return domid;
}

/* Whether process PID runs the same program as this xl (a monitor). */
static bool is_xl(pid_t pid)
{
    char path[64];
    struct stat a, b;

    snprintf(path, sizeof(path), "/proc/%ld/exe", (long)pid);
    return stat(path, &a) == 0 && stat("/proc/self/exe", &b) == 0 &&
           a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

void xl_dom_pidfile(unsigned domid, pid_t *monitor, pid_t *vmm)
{
    char *path = xl_dom_file(domid, ".pid");
    FILE *f = fopen(path, "re");
    long m = 0, v = 0;

    if (f) {
        if (fscanf(f, "%ld %ld", &m, &v) != 2)
            m = v = 0;
        fclose(f);
    }
    free(path);
    *monitor = m;
    *vmm = v;
}

void xl_dom_pids(unsigned domid, pid_t *monitor, pid_t *vmm)
{
    pid_t m, v;

    xl_dom_pidfile(domid, &m, &v);
    /* The file may be old and its pids reused: only a holder counts. */
    if (!xl_domlock_holder(domid, m))
        m = 0;
    if (!xl_domlock_holder(domid, v))
        v = 0;
    if (!v) {
        pid_t p = xl_vmm_peer_pid(domid);
        if (xl_domlock_holder(domid, p))
            v = p;
    }
    if ((!m || !v) && xl_domlock_held(domid)) {
        pid_t h[8];
        unsigned n = xl_domlock_holders(domid, h, 8);
        for (unsigned i = 0; i < n && i < 8; i++) {
            if (h[i] == m || h[i] == v)
                continue;
            if (is_xl(h[i])) {
                if (!m)
                    m = h[i];
            } else if (!v) {
                v = h[i];
            }
        }
    }
    *monitor = m;
    *vmm = v;
}
