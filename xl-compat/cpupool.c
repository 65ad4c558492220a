/* CPU pools kept in xenstore (cpupool.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu_affinity.h"
#include "cpupool.h"
#include "cpupool_bind.h"
#include "dominfo.h"
#include "util.h"
#include "uuid.h"
#include "xs_util.h"

static const char *const known_scheds[] = { "credit", "credit2" };

bool xl_pool_sched_known(const char *sched)
{
    for (size_t i = 0; i < sizeof(known_scheds) / sizeof(known_scheds[0]); i++)
        if (!strcmp(sched, known_scheds[i]))
            return true;
    return false;
}

static void host_cpus(cpu_set_t *set)
{
    int n = xl_host_ncpus();

    CPU_ZERO(set);
    for (int c = 0; c < n; c++)
        CPU_SET(c, set);
}

static void cpus_parse(const char *s, cpu_set_t *set)
{
    CPU_ZERO(set);
    while (s && *s) {
        char *end;
        long c = strtol(s, &end, 10);
        if (end == s)
            break;
        if (c >= 0 && c < CPU_SETSIZE)
            CPU_SET(c, set);
        s = *end == ',' ? end + 1 : end;
    }
}

static void cpus_format(const cpu_set_t *set, char *buf, size_t len)
{
    size_t off = 0;

    buf[0] = 0;
    for (int c = 0; c < CPU_SETSIZE && off < len; c++)
        if (CPU_ISSET(c, set))
            off += snprintf(buf + off, len - off, "%s%d", off ? "," : "", c);
}

/* /local/pool/ID/KEY = VAL */
static bool pool_write(xs_transaction_t t, unsigned id, const char *key, const char *val)
{
    char path[64];

    snprintf(path, sizeof(path), "/local/pool/%u/%s", id, key);
    return xl_xs_write(t, path, val);
}

/* Pool-0 with every host CPU, the first time anything asks. */
static void ensure_pool0(void)
{
    char *name = xl_xs_read(XBT_NULL, "/local/pool/0/name");
    char buf[1024], uuid[40];
    unsigned char u[16];
    cpu_set_t all;

    if (name) {
        free(name);
        return;
    }
    host_cpus(&all);
    cpus_format(&all, buf, sizeof(buf));
    xl_uuid_generate(u);
    format_uuid(u, uuid);
    for (;;) {
        xs_transaction_t t = xs_transaction_start(xl_xs());
        char *again = xl_xs_read(t, "/local/pool/0/name");
        if (!again) {
            pool_write(t, 0, "name", "Pool-0");
            pool_write(t, 0, "uuid", uuid);
            pool_write(t, 0, "cpus", buf);
            pool_write(t, 0, "sched", XL_POOL_SCHED_DEFAULT);
        }
        free(again);
        if (xs_transaction_end(xl_xs(), t, false) || errno != EAGAIN)
            return;
    }
}

static bool read_pool(xs_transaction_t t, unsigned id, struct xl_pool *p)
{
    char *name = xl_xs_readf(t, "/local/pool/%u/name", id);
    char *cpus, *sched;

    if (!name)
        return false;
    memset(p, 0, sizeof(*p));
    p->id = id;
    snprintf(p->name, sizeof(p->name), "%s", name);
    free(name);
    cpus = xl_xs_readf(t, "/local/pool/%u/cpus", id);
    cpus_parse(cpus, &p->cpus);
    free(cpus);
    sched = xl_xs_readf(t, "/local/pool/%u/sched", id);
    snprintf(p->sched, sizeof(p->sched), "%s", sched ? sched : XL_POOL_SCHED_DEFAULT);
    free(sched);
    return true;
}

static unsigned pool_of(xs_transaction_t t, unsigned domid)
{
    char *v;
    unsigned id = 0;

    if (domid == 0)
        return 0;
    v = xl_xs_readf(t, "/libxl/%u/cpupool", domid);
    if (v)
        id = (unsigned)strtoul(v, NULL, 10);
    free(v);
    return id;
}

unsigned xl_pool_of_domain(unsigned domid)
{
    return pool_of(XBT_NULL, domid);
}

/* The domains xenstore knows (Domain-0 included). */
static unsigned *domains(xs_transaction_t t, unsigned *n)
{
    char **ents = xs_directory(xl_xs(), t, "/local/domain", n);
    unsigned *ids = calloc(*n + 1, sizeof(*ids)), k = 0;

    for (unsigned i = 0; ents && ids && i < *n; i++) {
        char *end;
        unsigned long v = strtoul(ents[i], &end, 10);
        if (!*end)
            ids[k++] = (unsigned)v;
    }
    free(ents);
    *n = k;
    return ids;
}

static struct xl_pool *list_in(xs_transaction_t t, unsigned *n)
{
    unsigned ne = 0, nd = 0, k = 0;
    char **ents = xs_directory(xl_xs(), t, "/local/pool", &ne);
    struct xl_pool *l = calloc(ne + 1, sizeof(*l));
    unsigned *doms;

    *n = 0;
    if (!ents || !l) {
        free(ents);
        free(l);
        return NULL;
    }
    for (unsigned i = 0; i < ne; i++) {
        char *end;
        unsigned long id = strtoul(ents[i], &end, 10);
        if (!*end && read_pool(t, (unsigned)id, &l[k]))
            k++;
    }
    free(ents);
    /* by id, as libxl lists them */
    for (unsigned i = 1; i < k; i++)
        for (unsigned j = i; j > 0 && l[j - 1].id > l[j].id; j--) {
            struct xl_pool tmp = l[j];
            l[j] = l[j - 1];
            l[j - 1] = tmp;
        }
    doms = domains(t, &nd);
    for (unsigned i = 0; doms && i < nd; i++) {
        unsigned pid = pool_of(t, doms[i]);
        for (unsigned j = 0; j < k; j++)
            if (l[j].id == pid)
                l[j].n_dom++;
    }
    free(doms);
    *n = k;
    return l;
}

struct xl_pool *xl_pool_list(unsigned *n)
{
    ensure_pool0();
    return list_in(XBT_NULL, n);
}

static bool find_in(xs_transaction_t t, const char *q, struct xl_pool *p)
{
    unsigned n;
    struct xl_pool *l = list_in(t, &n);
    char *end;
    unsigned long id = strtoul(q, &end, 10);
    bool numeric = *q && !*end, found = false;

    for (unsigned i = 0; l && i < n && !found; i++)
        if (numeric ? l[i].id == id : !strcmp(l[i].name, q)) {
            *p = l[i];
            found = true;
        }
    free(l);
    return found;
}

bool xl_pool_find(const char *qualifier, struct xl_pool *p)
{
    ensure_pool0();
    return find_in(XBT_NULL, qualifier, p);
}

static void free_in(xs_transaction_t t, cpu_set_t *set)
{
    unsigned n;
    struct xl_pool *l = list_in(t, &n);

    host_cpus(set);
    for (unsigned i = 0; l && i < n; i++)
        for (int c = 0; c < CPU_SETSIZE; c++)
            if (CPU_ISSET(c, &l[i].cpus))
                CPU_CLR(c, set);
    free(l);
}

void xl_pool_free_cpus(cpu_set_t *set)
{
    ensure_pool0();
    free_in(XBT_NULL, set);
}

char *xl_pool_name(unsigned id)
{
    return xl_xs_readf(XBT_NULL, "/local/pool/%u/name", id);
}

/* OP on pool state inside a transaction, retried on EAGAIN. */
typedef int (*pool_op)(xs_transaction_t t, void *arg);

static int in_transaction(pool_op op, void *arg)
{
    ensure_pool0();
    for (;;) {
        xs_transaction_t t = xs_transaction_start(xl_xs());
        int rc;

        if (t == XBT_NULL)
            return -errno;
        rc = op(t, arg);
        if (rc) {
            xs_transaction_end(xl_xs(), t, true);
            return rc;
        }
        if (xs_transaction_end(xl_xs(), t, false))
            return 0;
        if (errno != EAGAIN)
            return -errno;
    }
}

struct create_arg {
    const char *name, *sched;
    const cpu_set_t *cpus;
    unsigned id;
    char uuid[40];
};

static int create_op(xs_transaction_t t, void *a)
{
    struct create_arg *c = a;
    struct xl_pool p, *l;
    cpu_set_t freeset;
    char buf[1024];
    unsigned n, id = 1;

    if (find_in(t, c->name, &p))
        return -EEXIST;
    free_in(t, &freeset);
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
        if (CPU_ISSET(cpu, c->cpus) && !CPU_ISSET(cpu, &freeset))
            return -EBUSY;
    l = list_in(t, &n);
    for (unsigned i = 0; l && i < n; i++)
        if (l[i].id >= id)
            id = l[i].id + 1;
    free(l);
    cpus_format(c->cpus, buf, sizeof(buf));
    if (!pool_write(t, id, "name", c->name) || !pool_write(t, id, "uuid", c->uuid) ||
        !pool_write(t, id, "cpus", buf) || !pool_write(t, id, "sched", c->sched))
        return -EIO;
    c->id = id;
    return 0;
}

int xl_pool_create(const char *name, const char *sched, const cpu_set_t *cpus, unsigned *id)
{
    struct create_arg c = { name, sched, cpus, 0, "" };
    unsigned char u[16];
    int rc;

    xl_uuid_generate(u);
    format_uuid(u, c.uuid);
    rc = in_transaction(create_op, &c);
    if (!rc)
        *id = c.id;
    return rc;
}

static int destroy_op(xs_transaction_t t, void *a)
{
    unsigned id = *(unsigned *)a;
    struct xl_pool p;
    char q[48];

    snprintf(q, sizeof(q), "%u", id);
    if (!find_in(t, q, &p))
        return -ENOENT;
    if (p.n_dom)            /* Pool-0 always holds Domain-0 */
        return -EBUSY;
    snprintf(q, sizeof(q), "/local/pool/%u", id);
    return xs_rm(xl_xs(), t, q) ? 0 : -errno;
}

int xl_pool_destroy(unsigned id)
{
    return in_transaction(destroy_op, &id);
}

struct rename_arg {
    unsigned id;
    const char *name;
};

static int rename_op(xs_transaction_t t, void *a)
{
    struct rename_arg *r = a;
    struct xl_pool p;

    if (find_in(t, r->name, &p) && p.id != r->id)
        return -EEXIST;
    return pool_write(t, r->id, "name", r->name) ? 0 : -EIO;
}

int xl_pool_rename(unsigned id, const char *name)
{
    struct rename_arg r = { id, name };

    return in_transaction(rename_op, &r);
}

struct cpu_arg {
    unsigned id;
    int cpu;
    bool add;
};

static int cpu_op(xs_transaction_t t, void *a)
{
    struct cpu_arg *c = a;
    struct xl_pool p;
    cpu_set_t freeset;
    char q[16], buf[1024];

    snprintf(q, sizeof(q), "%u", c->id);
    if (!find_in(t, q, &p))
        return -ENOENT;
    if (c->add) {
        free_in(t, &freeset);
        if (CPU_ISSET(c->cpu, &p.cpus))
            return 0;
        if (c->cpu < 0 || c->cpu >= CPU_SETSIZE || !CPU_ISSET(c->cpu, &freeset))
            return -EBUSY;
        CPU_SET(c->cpu, &p.cpus);
    } else {
        if (c->cpu < 0 || c->cpu >= CPU_SETSIZE || !CPU_ISSET(c->cpu, &p.cpus))
            return -EINVAL;
        /* A pool with domains keeps a CPU for them (Xen: EBUSY). */
        if (CPU_COUNT(&p.cpus) == 1 && p.n_dom)
            return -EBUSY;
        CPU_CLR(c->cpu, &p.cpus);
    }
    cpus_format(&p.cpus, buf, sizeof(buf));
    return pool_write(t, c->id, "cpus", buf) ? 0 : -EIO;
}

/* The pool's domains follow its CPUs (Domain-0, the host, is not bound). */
static void rebind_members(unsigned id)
{
    unsigned n = 0;
    unsigned *doms = domains(XBT_NULL, &n);
    struct xl_pool p;
    char q[16];

    snprintf(q, sizeof(q), "%u", id);
    if (!doms || !find_in(XBT_NULL, q, &p) || !CPU_COUNT(&p.cpus)) {
        free(doms);
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        char *vm, why[512];
        pid_t mon, vmm;

        if (doms[i] == 0 || pool_of(XBT_NULL, doms[i]) != id)
            continue;
        xl_dom_pids(doms[i], &mon, &vmm);
        vm = xl_xs_readf(XBT_NULL, "/local/domain/%u/vm", doms[i]);
        if (vmm > 0 && vm && strrchr(vm, '/') &&
            xl_cpuset_bind(doms[i], strrchr(vm, '/') + 1, vmm, &p.cpus, why, sizeof(why)))
            fprintf(stderr, "xl: warning: domain %u not bound to cpupool %s's cpus: %s\n",
                    doms[i], p.name, why);
        free(vm);
    }
    free(doms);
}

static int cpu_change(unsigned id, int cpu, bool add)
{
    struct cpu_arg c = { id, cpu, add };
    int rc = in_transaction(cpu_op, &c);

    if (!rc)
        rebind_members(id);
    return rc;
}

int xl_pool_cpu_add(unsigned id, int cpu)
{
    return cpu_change(id, cpu, true);
}

int xl_pool_cpu_remove(unsigned id, int cpu)
{
    return cpu_change(id, cpu, false);
}

static void record_member(unsigned domid, const char *uuid, unsigned id, const char *name)
{
    for (;;) {
        xs_transaction_t t = xs_transaction_start(xl_xs());
        char path[96];

        snprintf(path, sizeof(path), "/libxl/%u/cpupool", domid);
        xl_xs_writef(t, path, "%u", id);
        snprintf(path, sizeof(path), "/vm/%s/pool_name", uuid);
        xl_xs_write(t, path, name);
        if (xs_transaction_end(xl_xs(), t, false) || errno != EAGAIN)
            break;
    }
}

/* Whether pool P's CPUs are every host CPU (nothing to bind to). */
static bool all_host_cpus(const struct xl_pool *p)
{
    cpu_set_t all;

    host_cpus(&all);
    return CPU_EQUAL(&all, &p->cpus);
}

int xl_pool_move_domain(unsigned domid, const char *uuid, pid_t vmm, unsigned id,
                        char *why, size_t why_len)
{
    struct xl_pool p;
    char q[16];

    snprintf(q, sizeof(q), "%u", id);
    if (!xl_pool_find(q, &p)) {
        snprintf(why, why_len, "%s", strerror(ENOENT));
        return -ENOENT;
    }
    if (domid == 0) {       /* the host: xl's own domain, which Xen refuses */
        snprintf(why, why_len, "%s", strerror(EINVAL));
        return -EINVAL;
    }
    if (!CPU_COUNT(&p.cpus)) {
        snprintf(why, why_len, "%s", strerror(EINVAL));
        return -EINVAL;
    }
    if (vmm > 0 && xl_cpuset_bind(domid, uuid, vmm, &p.cpus, why, why_len))
        return -EIO;
    record_member(domid, uuid, id, p.name);
    return 0;
}

int xl_pool_join(unsigned domid, const char *uuid, pid_t vmm, unsigned id, char *why,
                 size_t why_len)
{
    struct xl_pool p;
    char q[16];

    snprintf(q, sizeof(q), "%u", id);
    if (!xl_pool_find(q, &p)) {
        snprintf(why, why_len, "cpupool %u is gone", id);
        return -ENOENT;
    }
    record_member(domid, uuid, id, p.name);
    /* Pool-0 with every CPU binds nothing: no cgroup for the common case. */
    if (all_host_cpus(&p) || !CPU_COUNT(&p.cpus))
        return 0;
    return xl_cpuset_bind(domid, uuid, vmm, &p.cpus, why, why_len) ? -EIO : 0;
}
