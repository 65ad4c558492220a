/* xl sched-credit / sched-credit2: a domain's weight and cap, with xl
 * 4.17's options, listing and messages.  Here both name the same thing,
 * the cgroup of the domain's VMM (sched_cgroup.h): Linux schedules the
 * vCPU threads, and both of Xen's credit schedulers mean the same by a
 * weight (a share relative to other domains) and a cap (percent of one
 * CPU).  Cpupools (cpupool.h) have no parameters of their own (Xen's
 * tslice/ratelimit have no Linux counterpart per pool); the listing goes
 * pool by pool, as xl's, every pool under both commands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpupool.h"
#include "dominfo.h"
#include "sched_cgroup.h"
#include "xl.h"

#define PARAM_DEFAULT (-1)      /* LIBXL_DOMAIN_SCHED_PARAM_*_DEFAULT: leave as is */

struct sched_kind {
    const char *cmd;
    const char *name;           /* in libxl's messages: "credit", "credit2" */
};

static const struct sched_kind credit = { "sched-credit", "credit" };
static const struct sched_kind credit2 = { "sched-credit2", "credit2" };

static void header(void)
{
    printf("%-33s %4s %6s %4s\n", "Name", "ID", "Weight", "Cap");
}

static void row(const struct xl_dominfo *d)
{
    struct xl_sched s = { XL_SCHED_WEIGHT_DEFAULT, 0 };

    if (d->domid != 0)
        xl_sched_get(d->domid, &s);
    printf("%-33s %4d %6d %4d\n", d->name, (int)d->domid, s.weight, s.cap);
}

static void pool_line(const char *name)
{
    printf("Cpupool %s: [sched params unavailable]\n", name);
}

/* Each pool (or only POOL): its line, then its domains. */
static int list_all(const struct xl_pool *only)
{
    struct xl_dominfo *l;
    struct xl_pool *pools;
    unsigned n, np;

    pools = xl_pool_list(&np);
    l = xl_dom_list(&n);
    for (unsigned p = 0; p < np; p++) {
        if (only && pools[p].id != only->id)
            continue;
        pool_line(pools[p].name);
        header();
        for (unsigned i = 0; i < n; i++)
            if (xl_pool_of_domain(l[i].domid) == pools[p].id)
                row(&l[i]);
    }
    xl_dom_list_free(l, n);
    free(pools);
    return EXIT_SUCCESS;
}

/* libxl_domain_sched_params_set for DOMID: range checks, then the cgroup. */
static int set_domain(const struct sched_kind *k, unsigned domid, int weight, int cap)
{
    struct xl_dominfo d;
    struct xl_sched s;
    char why[512];
    int rc = -1;

    if (xl_dom_get(domid, &d)) {
        fprintf(stderr, "libxl: error: Domain %u:Getting domain info list: No such domain\n",
                domid);
        goto out_nodom;
    }
    xl_sched_get(domid, &s);
    if (weight != PARAM_DEFAULT) {
        if (weight < 1 || weight > XL_SCHED_WEIGHT_MAX) {
            fprintf(stderr, "libxl: error: Domain %u:Cpu weight out of range, valid values "
                    "are within range from 1 to 65535\n", domid);
            goto out;
        }
        s.weight = weight;
    }
    if (cap != PARAM_DEFAULT) {
        unsigned max = (d.max_vcpus ? d.max_vcpus : 1) * 100;
        if (cap < 0 || (unsigned)cap > max) {
            fprintf(stderr, "libxl: error: Domain %u:Cpu cap out of range, valid range is "
                    "from 0 to %u for specified number of vcpus\n", domid, max);
            goto out;
        }
        s.cap = cap;
    }
    if (domid == 0) {
        fprintf(stderr, "libxl: error: Domain 0:Setting domain sched %s: domain 0 is the "
                "host, whose processes xenkvm does not schedule\n", k->name);
        goto out;
    }
    if (d.vmm_pid <= 0) {
        fprintf(stderr, "libxl: error: Domain %u:Setting domain sched %s: its VMM does not "
                "answer\n", domid, k->name);
        goto out;
    }
    if (xl_sched_apply(domid, d.uuid, d.vmm_pid, &s, why, sizeof(why))) {
        fprintf(stderr, "libxl: error: Domain %u:Setting domain sched %s: %s\n", domid,
                k->name, why);
        goto out;
    }
    rc = 0;
out:
    xl_dominfo_free(&d);
out_nodom:
    if (rc)
        fprintf(stderr, "libxl_domain_sched_params_set failed.\n");
    return rc ? EXIT_FAILURE : EXIT_SUCCESS;
}

static int show_domain(unsigned domid)
{
    struct xl_dominfo d;

    header();
    if (xl_dom_get(domid, &d)) {
        fprintf(stderr, "libxl_domain_sched_params_get failed.\n");
        return EXIT_FAILURE;
    }
    row(&d);
    xl_dominfo_free(&d);
    return EXIT_SUCCESS;
}

static int sched_main(const struct sched_kind *k, int argc, char **argv)
{
    static const struct option opts[] = {
        { "domain", 1, 0, 'd' }, { "weight", 1, 0, 'w' }, { "cap", 1, 0, 'c' },
        { "schedparam", 0, 0, 's' }, { "tslice_ms", 1, 0, 't' },
        { "ratelimit_us", 1, 0, 'r' }, { "migration_delay_us", 1, 0, 'm' },
        { "cpupool", 1, 0, 'p' }, { "help", 0, 0, 'h' }, { 0, 0, 0, 0 },
    };
    /* sched-credit2 has no -t or -m. */
    const char *optstring = k == &credit ? "d:w:c:p:t:r:m:s" : "d:w:c:p:r:s";
    const char *dom = NULL, *pool = NULL;
    struct xl_pool the_pool;
    int weight = XL_SCHED_WEIGHT_DEFAULT, cap = 0, opt;
    bool opt_w = false, opt_c = false, opt_s = false, opt_tune = false;

    while ((opt = xl_getopt(argc, argv, optstring, opts, k->cmd, 0)) != -1) {
        switch (opt) {
        case 'd': dom = optarg; break;
        case 'w': weight = (int)strtol(optarg, NULL, 10); opt_w = true; break;
        case 'c': cap = (int)strtol(optarg, NULL, 10); opt_c = true; break;
        case 't': case 'r': case 'm': opt_tune = true; break;
        case 's': opt_s = true; break;
        case 'p': pool = optarg; break;
        }
    }
    if (k == &credit && (pool || opt_s) && (dom || opt_w || opt_c)) {
        fprintf(stderr, "Specifying a cpupool or schedparam is not allowed with domain "
                "options.\n");
        return EXIT_FAILURE;
    }
    if (k == &credit2 && pool && (dom || opt_w || opt_c)) {
        fprintf(stderr, "Specifying a cpupool is not allowed with other options.\n");
        return EXIT_FAILURE;
    }
    if (!dom && (opt_w || opt_c)) {
        fprintf(stderr, "Must specify a domain.\n");
        return EXIT_FAILURE;
    }
    if (k == &credit && !opt_s && opt_tune) {
        fprintf(stderr, "Must specify schedparam to set schedule parameter values.\n");
        return EXIT_FAILURE;
    }
    if (pool && !xl_pool_find(pool, &the_pool)) {
        fprintf(stderr, "unknown cpupool '%s'\n", pool);
        return EXIT_FAILURE;
    }
    if (opt_s) {
        if (!opt_tune) {
            struct xl_pool *pools;
            unsigned np;
            if (pool) {
                pool_line(the_pool.name);
                return EXIT_SUCCESS;
            }
            pools = xl_pool_list(&np);
            for (unsigned p = 0; p < np; p++)
                pool_line(pools[p].name);
            free(pools);
            return EXIT_SUCCESS;
        }
        fprintf(stderr, "libxl: error: %s scheduler parameters: Linux's scheduler has no "
                "per-pool parameters here\n", k == &credit ? "getting Credit" : "Setting Credit2");
        fprintf(stderr, "libxl_sched_%s_params_%s failed.\n", k->name,
                k == &credit ? "get" : "set");
        return EXIT_FAILURE;
    }
    if (!dom)
        return list_all(pool ? &the_pool : NULL);
    if (!opt_w && !opt_c)
        return show_domain(xl_find_domain(dom));
    return set_domain(k, xl_find_domain(dom), opt_w ? weight : PARAM_DEFAULT,
                      opt_c ? cap : PARAM_DEFAULT);
}

int cmd_sched_credit(int argc, char **argv)
{
    return sched_main(&credit, argc, argv);
}

int cmd_sched_credit2(int argc, char **argv)
{
    return sched_main(&credit2, argc, argv);
}
