/* xl top: xentop's table of domains, from what the VMMs and backends
 * report.  Xen's `xl top` runs xentop; here the same options and columns
 * are built in: -b (batch: plain lines, no summary), -i N iterations, -d
 * SECONDS between them, -v vCPU lines, -n network lines, -x vbd lines,
 * -r header before each domain, -f full names, -z Domain-0 first.
 * Without -b each round clears the terminal and starts with xentop's
 * summary lines (no key commands: ^C ends it).
 *
 * Sources: each VMM's INFO (state, CPU time, memory, vCPUs), the host for
 * Domain-0 and the node's memory, xenstore's backend directories for the
 * vifs and vbds, the vif's host interface counters (its rx is the guest's
 * tx).  The VBD_* columns are xenkvm-blkback's per-vbd counters, the
 * ones Linux blkback keeps in sysfs (lib/vbd_stats.h: a shared file in the
 * run directory, as a user-space backend has no sysfs node), summed over
 * the domain's vbds; "-" where no vbd of the domain has counters (one no
 * xenkvm-blkback serves), as xentop shows a vbd it cannot read. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <xen/sched.h>

#include "dominfo.h"
#include "paths.h"
#include "vbd_stats.h"
#include "xen_version.h"
#include "cpu_affinity.h"
#include "xl.h"
#include "xs_util.h"

struct top_dev {
    unsigned devid;
    unsigned long long rbytes, tbytes, rpkts, tpkts, rerrs, terrs, rdrop, tdrop;
    bool have_ctr;              /* a vbd: its counters were read */
    struct xk_vbd_counters ctr;
};

struct top_dom {
    struct xl_dominfo info;
    struct top_dev *nets, *vbds;
    unsigned nr_nets, nr_vbds;
    uint64_t prev_cpu_ns;
    bool has_prev;
};

static struct {
    bool batch, vcpus, nets, vbds, repeat, full, dom0_first;
} o;
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static unsigned long long read_counter(const char *ifname, const char *leaf)
{
    char path[256];
    unsigned long long v = 0;
    FILE *f;

    snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", ifname, leaf);
    f = fopen(path, "re");
    if (f) {
        if (fscanf(f, "%llu", &v) != 1)
            v = 0;
        fclose(f);
    }
    return v;
}

/* The domain's devices of KIND (vif, vbd) from the backend directory. */
static struct top_dev *devices(unsigned domid, const char *kind, unsigned *n)
{
    char path[96];
    unsigned cnt = 0;
    char **ents;
    struct top_dev *d;

    snprintf(path, sizeof(path), "/local/domain/0/backend/%s/%u", kind, domid);
    ents = xs_directory(xl_xs(), XBT_NULL, path, &cnt);
    *n = 0;
    if (!ents || !cnt) {
        free(ents);
        return NULL;
    }
    d = calloc(cnt, sizeof(*d));
    for (unsigned i = 0; d && i < cnt; i++) {
        struct top_dev *t = &d[(*n)++];
        t->devid = (unsigned)strtoul(ents[i], NULL, 10);
        if (!strcmp(kind, "vif")) {
            /* The host side of the vif: its rx is what the guest sent. */
            char *name = xl_xs_readf(XBT_NULL, "%s/%s/vifname", path, ents[i]), def[32];
            snprintf(def, sizeof(def), "vif%u.%u", domid, t->devid);
            const char *ifn = name && *name ? name : def;
            t->tbytes = read_counter(ifn, "rx_bytes");
            t->rbytes = read_counter(ifn, "tx_bytes");
            t->tpkts = read_counter(ifn, "rx_packets");
            t->rpkts = read_counter(ifn, "tx_packets");
            t->terrs = read_counter(ifn, "rx_errors");
            t->rerrs = read_counter(ifn, "tx_errors");
            t->tdrop = read_counter(ifn, "rx_dropped");
            t->rdrop = read_counter(ifn, "tx_dropped");
            free(name);
        } else {
            t->have_ctr = xk_vbd_stats_read(xl_rundir(), domid, t->devid, &t->ctr) == 0;
        }
    }
    free(ents);
    return d;
}

/* ------------------------------------------------------------- fields */

static unsigned long long host_mem_kb;
static double elapsed_us;
static unsigned net_w, net_rx_w, name_w;

static unsigned long long net_total(const struct top_dom *t, bool rx)
{
    unsigned long long s = 0;

    for (unsigned i = 0; i < t->nr_nets; i++)
        s += rx ? t->nets[i].rbytes : t->nets[i].tbytes;
    return s;
}

static unsigned width_of(unsigned long long v)
{
    unsigned w = 1;

    while (v >= 10) {
        v /= 10;
        w++;
    }
    return w;
}

static void print_state(const struct xl_dominfo *d)
{
    bool crashed = d->shutdown && d->shutdown_reason == SHUTDOWN_crash;
    bool shut = d->shutdown && !crashed;

    printf("%c%c%c%c%c%c", d->dying ? 'd' : '-', shut ? 's' : '-',
           d->blocked ? 'b' : '-', crashed ? 'c' : '-', d->paused ? 'p' : '-',
           d->running ? 'r' : '-');
}

static void do_header(void)
{
    printf("%*s %6s %10s %6s %10s %6s %10s %9s %5s %4s %*s %*s %4s %8s %8s %8s %10s %10s %4s\n",
           name_w, "NAME", "STATE", "CPU(sec)", "CPU(%)", "MEM(k)", "MEM(%)", "MAXMEM(k)",
           "MAXMEM(%)", "VCPUS", "NETS", net_w, "NETTX(k)", net_rx_w, "NETRX(k)", "VBDS",
           "VBD_OO", "VBD_RD", "VBD_WR", "VBD_RSECT", "VBD_WSECT", "SSID");
}

static void do_domain(const struct top_dom *t)
{
    const struct xl_dominfo *d = &t->info;
    double pct = 0.0;

    if (o.full)
        printf("%*s ", name_w, d->name);
    else
        printf("%10.10s ", d->name);
    print_state(d);
    if (t->has_prev && elapsed_us > 0 && d->cpu_time_ns >= t->prev_cpu_ns)
        pct = (double)(d->cpu_time_ns - t->prev_cpu_ns) / 10.0 / elapsed_us;
    printf(" %10llu %6.1f %10llu %6.1f ", (unsigned long long)(d->cpu_time_ns / 1000000000ULL),
           pct, (unsigned long long)d->current_kb,
           host_mem_kb ? (double)d->current_kb / (double)host_mem_kb * 100 : 0.0);
    /* Domain-0 is the host: no limit, as a dom0 without dom0_mem=max. */
    if (d->domid == 0 || !d->max_kb)
        printf("%10s %9s", "no limit", "n/a");
    else
        printf("%10llu %9.1f", (unsigned long long)d->max_kb,
               host_mem_kb ? (double)d->max_kb / (double)host_mem_kb * 100 : 0.0);
    printf(" %5u %4u %*llu %*llu %4u", d->max_vcpus, t->nr_nets, net_w, net_total(t, false) / 1024,
           net_rx_w, net_total(t, true) / 1024, t->nr_vbds);
    {
        struct xk_vbd_counters sum = { 0 };
        bool any = !t->nr_vbds;

        for (unsigned i = 0; i < t->nr_vbds; i++) {
            const struct xk_vbd_counters *c = &t->vbds[i].ctr;
            if (!t->vbds[i].have_ctr)
                continue;
            any = true;
            sum.oo_req += c->oo_req;
            sum.rd_req += c->rd_req;
            sum.wr_req += c->wr_req;
            sum.rd_sect += c->rd_sect;
            sum.wr_sect += c->wr_sect;
        }
        if (any)
            printf(" %8llu %8llu %8llu %10llu %10llu", (unsigned long long)sum.oo_req,
                   (unsigned long long)sum.rd_req, (unsigned long long)sum.wr_req,
                   (unsigned long long)sum.rd_sect, (unsigned long long)sum.wr_sect);
        else
            printf(" %8c %8c %8c %10c %10c", '-', '-', '-', '-', '-');
    }
    printf(" %4u\n", 0);
}

/* Domain-0's vCPUs are the host's CPUs: their busy time from /proc/stat. */
static void host_cpus(void)
{
    FILE *f = fopen("/proc/stat", "re");
    long hz = sysconf(_SC_CLK_TCK);
    char line[512];
    unsigned i;
    unsigned long long v[8];

    while (f && hz > 0 && fgets(line, sizeof(line), f))
        if (sscanf(line, "cpu%u %llu %llu %llu %llu %llu %llu %llu %llu", &i, &v[0], &v[1],
                   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 9) {
            if (i != 0 && i % 5 == 0)
                printf("\n        ");
            printf(" %2u: %10llus", i, (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (unsigned long long)hz);
        }
    if (f)
        fclose(f);
}

static void do_vcpus(const struct top_dom *t)
{
    printf("VCPUs(sec): ");
    if (t->info.domid == 0)
        host_cpus();
    for (unsigned i = 0; t->info.vcpus && i < t->info.max_vcpus; i++) {
        if (!t->info.vcpus[i].online)
            continue;
        if (i != 0 && i % 5 == 0)
            printf("\n        ");
        printf(" %2u: %10llus", i, (unsigned long long)(t->info.vcpus[i].time_ns / 1000000000ULL));
    }
    printf("\n");
}

static void do_nets(const struct top_dom *t)
{
    for (unsigned i = 0; i < t->nr_nets; i++) {
        const struct top_dev *n = &t->nets[i];
        printf("Net%u RX: %8llubytes %8llupkts %8lluerr %8lludrop  ", i, n->rbytes, n->rpkts,
               n->rerrs, n->rdrop);
        printf("TX: %8llubytes %8llupkts %8lluerr %8lludrop\n", n->tbytes, n->tpkts, n->terrs,
               n->tdrop);
    }
}

static void do_vbds(const struct top_dom *t)
{
    for (unsigned i = 0; i < t->nr_vbds; i++) {
        const struct top_dev *v = &t->vbds[i];
        unsigned dev = v->devid;
        printf("VBD BlkBack %4u [%2x:%2x]  ", dev, dev >> 8, dev & 0xff);
        if (v->have_ctr)
            printf("OO: %8llu   RD: %8llu   WR: %8llu   RSECT: %10llu   WSECT: %10llu\n",
                   (unsigned long long)v->ctr.oo_req, (unsigned long long)v->ctr.rd_req,
                   (unsigned long long)v->ctr.wr_req, (unsigned long long)v->ctr.rd_sect,
                   (unsigned long long)v->ctr.wr_sect);
        else
            printf("OO: %8c   RD: %8c   WR: %8c   RSECT: %10c   WSECT: %10c\n", '-', '-', '-',
                   '-', '-');
    }
}

static void do_summary(const struct top_dom *t, unsigned n, const struct timeval *now)
{
    struct sysinfo si;
    char ts[16];
    time_t sec = now->tv_sec;
    unsigned run = 0, block = 0, pause = 0, crash = 0, dying = 0, shut = 0;
    unsigned long long total = 0, freek = 0;

    strftime(ts, sizeof(ts), "%H:%M:%S", localtime(&sec));
    printf("xentop - %s   Xen %d.%d%s\n", ts, XK_XEN_MAJOR, XK_XEN_MINOR, XK_XEN_EXTRA);
    for (unsigned i = 0; i < n; i++) {
        const struct xl_dominfo *d = &t[i].info;
        if (d->running) run++;
        else if (d->blocked) block++;
        else if (d->paused) pause++;
        else if (d->shutdown && d->shutdown_reason != SHUTDOWN_crash) shut++;
        else if (d->shutdown) crash++;
        else if (d->dying) dying++;
    }
    printf("%u domains: %u running, %u blocked, %u paused, %u crashed, %u dying, %u shutdown \n",
           n, run, block, pause, crash, dying, shut);
    if (sysinfo(&si) == 0) {
        total = (unsigned long long)si.totalram * si.mem_unit / 1024;
        freek = (unsigned long long)si.freeram * si.mem_unit / 1024;
    }
    printf("Mem: %lluk total, %lluk used, %lluk free    CPUs: %ld @ %.0fMHz\n", total,
           total - freek, freek, sysconf(_SC_NPROCESSORS_ONLN), xl_host_cpu_mhz());
}

/* ------------------------------------------------------------- rounds */

static int by_name(const void *a, const void *b)
{
    return strcasecmp(((const struct top_dom *)a)->info.name,
                      ((const struct top_dom *)b)->info.name);
}

static void free_doms(struct top_dom *t, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        xl_dominfo_free(&t[i].info);
        free(t[i].nets);
        free(t[i].vbds);
    }
    free(t);
}

/* One round: the domains now, CPU(%) against PREV (the last round). */
static struct top_dom *round_once(struct top_dom *prev, unsigned nprev, unsigned *n,
                                  const struct timeval *now)
{
    struct xl_dominfo *l = xl_dom_list(n);
    struct top_dom *t = calloc(*n ? *n : 1, sizeof(*t));
    unsigned start = 0;

    for (unsigned i = 0; i < *n; i++) {
        t[i].info = l[i];
        if (l[i].domid != 0) {
            t[i].nets = devices(l[i].domid, "vif", &t[i].nr_nets);
            t[i].vbds = devices(l[i].domid, "vbd", &t[i].nr_vbds);
        }
        for (unsigned k = 0; k < nprev; k++)
            if (prev[k].info.domid == l[i].domid) {
                t[i].prev_cpu_ns = prev[k].info.cpu_time_ns;
                t[i].has_prev = true;
            }
    }
    free(l);    /* the entries moved into T */
    /* xentop sorts by its first field, the name; -z keeps Domain-0 first. */
    if (o.dom0_first && *n && t[0].info.domid == 0)
        start = 1;
    qsort(t + start, *n - start, sizeof(*t), by_name);

    net_w = net_rx_w = 8;
    name_w = 10;
    for (unsigned i = 0; i < *n; i++) {
        unsigned w;
        if (o.full && strlen(t[i].info.name) > name_w)
            name_w = (unsigned)strlen(t[i].info.name);
        if ((w = width_of(net_total(&t[i], false) / 1024 + 1)) > net_w)
            net_w = w;
        if ((w = width_of(net_total(&t[i], true) / 1024 + 1)) > net_rx_w)
            net_rx_w = w;
    }
    if (!o.batch) {
        printf("\033[H\033[2J");
        do_summary(t, *n, now);
    }
    for (unsigned i = 0; i < *n; i++) {
        if (i == 0 || o.repeat)
            do_header();
        do_domain(&t[i]);
        if (o.vcpus)
            do_vcpus(&t[i]);
        if (o.nets)
            do_nets(&t[i]);
        if (o.vbds)
            do_vbds(&t[i]);
    }
    fflush(stdout);
    return t;
}

int cmd_top(int argc, char **argv)
{
    static const struct option opts[] = {
        { "help", 0, 0, 'h' }, { "networks", 0, 0, 'n' }, { "vbds", 0, 0, 'x' },
        { "repeat-header", 0, 0, 'r' }, { "vcpus", 0, 0, 'v' }, { "delay", 1, 0, 'd' },
        { "batch", 0, 0, 'b' }, { "iterations", 1, 0, 'i' }, { "full-name", 0, 0, 'f' },
        { "dom0-first", 0, 0, 'z' }, { 0, 0, 0, 0 },
    };
    struct sysinfo si;
    struct sigaction sa = { .sa_handler = on_signal };
    struct timeval now, then = { 0, 0 };
    struct top_dom *prev = NULL;
    unsigned nprev = 0, delay = 3;
    int iterations = 0, opt;
    bool loop = true;

    while ((opt = xl_getopt(argc, argv, "nxrvd:bi:fz", opts, "top", 0)) != -1) {
        switch (opt) {
        case 'n': o.nets = true; break;
        case 'x': o.vbds = true; break;
        case 'r': o.repeat = true; break;
        case 'v': o.vcpus = true; break;
        case 'd': delay = (unsigned)atoi(optarg); break;
        case 'b': o.batch = true; break;
        case 'i': iterations = atoi(optarg); loop = false; break;
        case 'f': o.full = true; break;
        case 'z': o.dom0_first = true; break;
        }
    }
    if (sysinfo(&si) == 0)
        host_mem_kb = (unsigned long long)si.totalram * si.mem_unit / 1024;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    do {
        struct top_dom *t;
        unsigned n;

        gettimeofday(&now, NULL);
        elapsed_us = (now.tv_sec - then.tv_sec) * 1e6 + (now.tv_usec - then.tv_usec);
        t = round_once(prev, nprev, &n, &now);
        if (prev)
            free_doms(prev, nprev);
        prev = t;
        nprev = n;
        then = now;
        if (!loop && --iterations == 0)
            break;
        sleep(delay);
    } while (!stop);
    if (prev)
        free_doms(prev, nprev);
    return EXIT_SUCCESS;
}
