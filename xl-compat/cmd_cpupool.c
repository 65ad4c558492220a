/* xl cpupool-*: pools of host CPUs (cpupool.h for where they live,
 * cpupool_bind.h for how a pool's domains are held to its CPUs).  The
 * options, output, messages and statuses are xl 4.17's (xl_cpupool.c). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_parse.h"
#include "cpu_affinity.h"
#include "cpupool.h"
#include "dominfo.h"
#include "util.h"
#include "xl.h"

#define CONFIG_MAX (1 << 20)

/* libxl's error line for a failed pool operation. */
static void libxl_error(const char *what, int rc)
{
    fprintf(stderr, "libxl: error: %s: %s\n", what, strerror(-rc));
}

/* A pool named on the command line, or xl's message. */
static bool pool_arg(const char *q, struct xl_pool *p)
{
    if (xl_pool_find(q, p))
        return true;
    fprintf(stderr, "unknown cpupool '%s'\n", q);
    return false;
}

/* The CPUs of host NUMA node NODE (sysfs), false if there is none. */
static bool node_cpus(int node, cpu_set_t *set)
{
    char path[64], text[4096] = "";
    FILE *f;

    snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist", node);
    f = fopen(path, "re");
    if (!f)
        return false;
    if (!fgets(text, sizeof(text), f))
        text[0] = 0;
    fclose(f);
    text[strcspn(text, "\n")] = 0;
    return xl_cpulist_parse(text, set) == 0;
}

/* xl's parse_cpurange: a CPU list, or "node:N" / "nodes:N,M". */
static bool cpurange(const char *s, cpu_set_t *set)
{
    const char *n = !strncmp(s, "nodes:", 6) ? s + 6 : !strncmp(s, "node:", 5) ? s + 5 : NULL;

    if (n) {
        cpu_set_t one;
        char *end;
        CPU_ZERO(set);
        while (*n) {
            long v = strtol(n, &end, 10);
            if (end == n || v < 0 || !node_cpus((int)v, &one))
                goto bad;
            CPU_OR(set, set, &one);
            n = *end == ',' ? end + 1 : end;
            if (end == n && *n)
                goto bad;
        }
        return true;
    }
    if (xl_cpulist_parse(s, set) == 0)
        return true;
bad:
    fprintf(stderr, "Invalid cpu range \"%s\".\n", s);
    return false;
}

int cmd_cpupool_list(int argc, char **argv)
{
    static const struct option opts[] = {
        { "cpus", 0, 0, 'c' }, { "help", 0, 0, 'h' }, { 0, 0, 0, 0 },
    };
    struct xl_pool one, *l;
    bool cpus = false;
    unsigned n;
    int opt;

    while ((opt = xl_getopt(argc, argv, "c", opts, "cpupool-list", 0)) != -1)
        if (opt == 'c')
            cpus = true;
    if (optind < argc && !xl_pool_find(argv[optind], &one)) {
        fprintf(stderr, "Pool '%s' does not exist\n", argv[optind]);
        return EXIT_FAILURE;
    }
    l = xl_pool_list(&n);
    if (!l) {
        fprintf(stderr, "error getting cpupool info\n");
        return EXIT_FAILURE;
    }
    printf("%-19s", "Name");
    printf(cpus ? "CPU list\n" : "CPUs   Sched     Active   Domain count\n");
    for (unsigned p = 0; p < n; p++) {
        int k = 0;
        if (optind < argc && l[p].id != one.id)
            continue;
        printf("%-19s", l[p].name);
        for (int c = 0; c < CPU_SETSIZE; c++)
            if (CPU_ISSET(c, &l[p].cpus)) {
                if (cpus)
                    printf("%s%d", k ? "," : "", c);
                k++;
            }
        if (!cpus)
            printf("%3d %9s       y       %4u", k, l[p].sched, l[p].n_dom);
        printf("\n");
    }
    free(l);
    return EXIT_SUCCESS;
}

/* A config value as a string (a number's text too), or NULL. */
static const char *cfg_str(const struct cfg *c, const char *key)
{
    const struct cfg_setting *s = cfg_get(c, key);

    return s && s->value->type == CFG_STRING ? s->value->str : NULL;
}

/* cpus= / nodes= of a pool config into SET, the CPUs checked free. */
static bool config_cpus(const struct cfg *c, const cpu_set_t *freeset, cpu_set_t *set)
{
    const struct cfg_setting *nodes = cfg_get(c, "nodes"), *cpus = cfg_get(c, "cpus");

    CPU_ZERO(set);
    if (nodes) {
        /* every free CPU of the nodes listed */
        for (size_t i = 0; i < (nodes->value->type == CFG_LIST ? nodes->value->n : 1); i++) {
            const struct cfg_value *v = nodes->value->type == CFG_LIST ? nodes->value->items[i]
                                                                       : nodes->value;
            cpu_set_t one;
            if (v->type == CFG_STRING && node_cpus(atoi(v->str), &one))
                for (int k = 0; k < CPU_SETSIZE; k++)
                    if (CPU_ISSET(k, &one) && CPU_ISSET(k, freeset))
                        CPU_SET(k, set);
        }
        if (!CPU_COUNT(set)) {
            fprintf(stderr, "no free cpu found\n");
            return false;
        }
        return true;
    }
    if (!cpus)
        return true;
    if (cpus->value->type == CFG_LIST) {
        for (size_t i = 0; i < cpus->value->n; i++) {
            const struct cfg_value *v = cpus->value->items[i];
            int k = v->type == CFG_STRING ? atoi(v->str) : -1;
            if (k < 0 || k >= CPU_SETSIZE || !CPU_ISSET(k, freeset)) {
                fprintf(stderr, "cpu %d illegal or not free\n", k);
                return false;
            }
            CPU_SET(k, set);
        }
        return true;
    }
    if (!cpurange(cpus->value->str, set))
        return false;
    for (int k = 0; k < CPU_SETSIZE; k++)
        if (CPU_ISSET(k, set) && !CPU_ISSET(k, freeset)) {
            fprintf(stderr, "cpu %d illegal or not free\n", k);
            return false;
        }
    return true;
}

int cmd_cpupool_create(int argc, char **argv)
{
    static const struct option opts[] = {
        { "defconfig", 1, 0, 'f' }, { "dryrun", 0, 0, 'n' }, { "help", 0, 0, 'h' },
        { 0, 0, 0, 0 },
    };
    const char *file = NULL, *src, *v;
    char *text = NULL, *name = NULL;
    size_t len = 0;
    bool dryrun = xl_dryrun;
    struct cfg *c = NULL;
    struct xl_pool existing;
    cpu_set_t freeset, cpus;
    const char *sched = XL_POOL_SCHED_DEFAULT;
    unsigned id;
    int opt, rc = EXIT_FAILURE, e;

    while ((opt = xl_getopt(argc, argv, "nf:", opts, "cpupool-create", 0)) != -1) {
        if (opt == 'f')
            file = optarg;
        else if (opt == 'n')
            dryrun = true;
    }
    /* key=value operands are appended to the file, as xl does */
    {
        size_t extra = 0;
        for (int i = optind; i < argc; i++)
            if (strchr(argv[i], '='))
                extra += strlen(argv[i]) + 1;
            else if (!file)
                file = argv[i];
            else {
                xl_help("cpupool-create");
                return EXIT_FAILURE;
            }
        if (file) {
            text = read_file(file, &len, CONFIG_MAX);
            if (!text) {
                fprintf(stderr, "Failed to read config file: %s: %s\n", file, strerror(errno));
                return EXIT_FAILURE;
            }
        }
        {
            char *grown = realloc(text, len + extra + 2);
            if (!grown) {
                free(text);
                fprintf(stderr, "Failed to realloc config_data\n");
                return EXIT_FAILURE;
            }
            text = grown;
            text[len] = 0;
        }
        for (int i = optind; i < argc; i++)
            if (strchr(argv[i], '=')) {
                len += (size_t)sprintf(text + len, "\n%s", argv[i]);
            }
        if (extra)
            len += (size_t)sprintf(text + len, "\n");
    }
    src = file ? file : "command line";
    c = cfg_new();
    if (!c || cfg_parse(c, src, text, len, stderr)) {
        fprintf(stderr, "Failed to parse config file: %s\n", strerror(EINVAL));
        goto out;
    }
    if ((v = cfg_str(c, "name")))
        name = xl_xstrdup(v);
    else if (file) {
        const char *b = strrchr(file, '/');
        name = xl_xstrdup(b ? b + 1 : file);
    } else {
        fprintf(stderr, "Missing cpupool name!\n");
        goto out;
    }
    if (strlen(name) >= XL_POOL_NAME_MAX) {
        fprintf(stderr, "cpupool name \"%s\" is longer than %d bytes\n", name,
                XL_POOL_NAME_MAX - 1);
        goto out;
    }
    if (xl_pool_find(name, &existing)) {
        fprintf(stderr, "Pool name \"%s\" already exists\n", name);
        goto out;
    }
    if ((v = cfg_str(c, "sched"))) {
        static const char *const libxl_scheds[] = { "credit", "credit2", "arinc653", "rtds",
                                                    "null", "sedf" };
        bool known = false;
        for (size_t i = 0; i < sizeof(libxl_scheds) / sizeof(libxl_scheds[0]); i++)
            known |= !strcmp(v, libxl_scheds[i]);
        if (!known) {
            fprintf(stderr, "Unknown scheduler\n");
            goto out;
        }
        sched = v;
    }
    xl_pool_free_cpus(&freeset);
    if (!config_cpus(c, &freeset, &cpus))
        goto out;
    printf("Using config file \"%s\"\n", src);
    printf("cpupool name:   %s\n", name);
    printf("scheduler:      %s\n", sched);
    printf("number of cpus: %d\n", CPU_COUNT(&cpus));
    fflush(stdout);
    if (!dryrun) {
        if (!xl_pool_sched_known(sched)) {
            /* Linux's scheduler is what runs the vCPUs: credit and credit2
             * (weight and cap) map onto it, the others have nothing to. */
            fprintf(stderr, "libxl: error: Could not create cpupool: scheduler %s is not "
                    "available on xenkvm (only credit and credit2): %s\n", sched,
                    strerror(EINVAL));
            fprintf(stderr, "error on creating cpupool\n");
            goto out;
        }
        if ((e = xl_pool_create(name, sched, &cpus, &id))) {
            libxl_error(e == -EBUSY ? "Error moving cpu to cpupool" : "Could not create cpupool",
                        e);
            fprintf(stderr, "error on creating cpupool\n");
            goto out;
        }
    }
    rc = EXIT_SUCCESS;
out:
    cfg_free(c);
    free(name);
    free(text);
    return rc;
}

int cmd_cpupool_destroy(int argc, char **argv)
{
    struct xl_pool p;
    int e;

    while (xl_getopt(argc, argv, "", NULL, "cpupool-destroy", 1) != -1)
        ;
    if (!pool_arg(argv[optind], &p))
        return EXIT_FAILURE;
    if ((e = xl_pool_destroy(p.id))) {
        if (e != -EBUSY)
            libxl_error("Could not destroy cpupool", e);
        fprintf(stderr, "Can't destroy cpupool '%s'\n", argv[optind]);
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}

int cmd_cpupool_rename(int argc, char **argv)
{
    struct xl_pool p;
    int e;

    while (xl_getopt(argc, argv, "", NULL, "cpupool-rename", 2) != -1)
        ;
    if (!pool_arg(argv[optind], &p))
        return EXIT_FAILURE;
    if (strlen(argv[optind + 1]) >= XL_POOL_NAME_MAX || !argv[optind + 1][0] ||
        (e = xl_pool_rename(p.id, argv[optind + 1]))) {
        fprintf(stderr, "Can't rename cpupool '%s'\n", argv[optind]);
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}

/* cpu-add / cpu-remove: each CPU of the range, xl's warning if some
 * failed, and status 0 all the same (as xl 4.17). */
static int cpu_add_remove(int argc, char **argv, bool add)
{
    const char *cmd = add ? "cpupool-cpu-add" : "cpupool-cpu-remove";
    struct xl_pool p;
    cpu_set_t set;
    bool failed = false;

    while (xl_getopt(argc, argv, "", NULL, cmd, 2) != -1)
        ;
    if (!cpurange(argv[optind + 1], &set))
        return EXIT_FAILURE;
    if (!pool_arg(argv[optind], &p))
        return EXIT_FAILURE;
    for (int c = 0; c < CPU_SETSIZE; c++) {
        int e;
        if (!CPU_ISSET(c, &set))
            continue;
        e = add ? xl_pool_cpu_add(p.id, c) : xl_pool_cpu_remove(p.id, c);
        if (e) {
            fprintf(stderr, "libxl: error: Error %s cpu %d %s cpupool: %s\n",
                    add ? "moving" : "removing", c, add ? "to" : "from", strerror(-e));
            failed = true;
        }
    }
    if (failed && add)
        fprintf(stderr, "some cpus may not have been added to %s\n", argv[optind]);
    else if (failed) {
        fprintf(stderr, "Some cpus may have not or only partially been removed from '%s'.\n",
                argv[optind]);
        fprintf(stderr, "If a cpu can't be added to another cpupool, add it to '%s' again "
                "and retry.\n", argv[optind]);
    }
    return EXIT_SUCCESS;
}

int cmd_cpupool_cpu_add(int argc, char **argv)
{
    return cpu_add_remove(argc, argv, true);
}

int cmd_cpupool_cpu_remove(int argc, char **argv)
{
    return cpu_add_remove(argc, argv, false);
}

int cmd_cpupool_migrate(int argc, char **argv)
{
    struct xl_dominfo d;
    struct xl_pool p;
    unsigned domid;
    char why[512];
    int e;

    while (xl_getopt(argc, argv, "", NULL, "cpupool-migrate", 2) != -1)
        ;
    if (xl_lookup_domain(argv[optind], &domid)) {
        fprintf(stderr, "unknown domain '%s'\n", argv[optind]);
        return EXIT_FAILURE;
    }
    if (!pool_arg(argv[optind + 1], &p))
        return EXIT_FAILURE;
    memset(&d, 0, sizeof(d));
    if (domid != 0 && xl_dom_get(domid, &d)) {
        fprintf(stderr, "unknown domain '%s'\n", argv[optind]);
        return EXIT_FAILURE;
    }
    e = xl_pool_move_domain(domid, d.uuid, d.vmm_pid, p.id, why, sizeof(why));
    if (domid != 0)
        xl_dominfo_free(&d);
    if (e) {
        fprintf(stderr, "libxl: error: Domain %u:Error moving domain to cpupool: %s\n", domid,
                why);
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}

/* Pools per host NUMA node, as xl does: Pool-0 becomes Pool-node<first
 * node> with that node's CPUs, each other node a pool of its own. */
int cmd_cpupool_numa_split(int argc, char **argv)
{
    struct xl_pool *l, p0;
    unsigned n, id;
    int first = -1, e;
    char name[32];

    while (xl_getopt(argc, argv, "", NULL, "cpupool-numa-split", 0) != -1)
        ;
    l = xl_pool_list(&n);
    if (!l) {
        fprintf(stderr, "error getting cpupool info\n");
        return EXIT_FAILURE;
    }
    free(l);
    if (n > 1) {
        fprintf(stderr, "splitting not possible, already cpupools in use\n");
        return EXIT_FAILURE;
    }
    for (int node = 0; node < 1024; node++) {
        cpu_set_t cpus;
        if (!node_cpus(node, &cpus))
            continue;
        if (first < 0) {
            /* first add the node's free CPUs, then remove the others */
            first = node;
            for (int c = 0; c < CPU_SETSIZE; c++)
                if (CPU_ISSET(c, &cpus))
                    xl_pool_cpu_add(0, c);
            snprintf(name, sizeof(name), "Pool-node%d", node);
            if (xl_pool_rename(0, name)) {
                fprintf(stderr, "error on renaming Pool 0\n");
                return EXIT_FAILURE;
            }
            if (!xl_pool_find("0", &p0))
                return EXIT_FAILURE;
            for (int c = 0; c < CPU_SETSIZE; c++)
                if (CPU_ISSET(c, &p0.cpus) && !CPU_ISSET(c, &cpus))
                    xl_pool_cpu_remove(0, c);
            continue;
        }
        for (int c = 0; c < CPU_SETSIZE; c++)
            if (CPU_ISSET(c, &cpus) && xl_pool_cpu_remove(0, c) && CPU_ISSET(c, &p0.cpus)) {
                fprintf(stderr, "error on removing cpu from Pool 0\n");
                return EXIT_FAILURE;
            }
        snprintf(name, sizeof(name), "Pool-node%d", node);
        if ((e = xl_pool_create(name, p0.sched, &cpus, &id))) {
            fprintf(stderr, "error on creating cpupool\n");
            return EXIT_FAILURE;
        }
    }
    if (first < 0) {
        fprintf(stderr, "libxl_get_topologyinfo failed\n");
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}
