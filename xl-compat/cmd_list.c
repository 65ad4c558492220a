/* xl list [-l] [-v] [Domain]: the domain table, or each domain's config
 * as libxl JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpupool.h"
#include "device_vbd.h"
#include "domcfg.h"
#include "dominfo.h"
#include "paths.h"
#include "util.h"
#include "xl.h"

static void list_table(const struct xl_dominfo *d, unsigned n, bool verbose, bool cpupool)
{
    static const char reason_letters[] = "-rscwS";

    printf("Name                                        ID   Mem VCPUs\tState\tTime(s)");
    if (verbose)
        printf("   UUID                            Reason-Code\tSecurity Label");
    if (cpupool)
        printf("         Cpupool");
    printf("\n");
    for (unsigned i = 0; i < n; i++) {
        int r = d[i].shutdown ? d[i].shutdown_reason : 0;
        printf("%-40s %5u %5lu %5u     %c%c%c%c%c%c  %8.1f", d[i].name ? d[i].name : "(null)",
               d[i].domid, (unsigned long)(d[i].current_kb / 1024), d[i].vcpu_online,
               d[i].running ? 'r' : '-', d[i].blocked ? 'b' : '-', d[i].paused ? 'p' : '-',
               d[i].shutdown ? 's' : '-',
               r >= 0 && r < (int)sizeof(reason_letters) - 1 ? reason_letters[r] : '?',
               d[i].dying ? 'd' : '-', (double)d[i].cpu_time_ns / 1e9);
        if (verbose) {
            printf(" %s", d[i].uuid);
            if (d[i].shutdown)
                printf(" %8x", r);
            else
                printf(" %8s", "-");
            printf(" %16s", "-");
        }
        if (cpupool) {
            char *pool = xl_pool_name(xl_pool_of_domain(d[i].domid));
            printf("%16s", pool ? pool : "(null)");
            free(pool);
        }
        printf("\n");
    }
}

/* A running domain's config: its saved text read again, under the name
 * it has now (xl rename changes it). */
static bool domain_config(const struct xl_dominfo *d, struct domcfg *dc)
{
    char *path = xl_dom_file(d->domid, ".cfg"), *text, *ov[1];
    FILE *quiet = fopen("/dev/null", "w");
    size_t len;
    int rc;

    text = read_file(path, &len, 1 << 20);
    free(path);
    if (!text || !quiet) {
        free(text);
        if (quiet)
            fclose(quiet);
        return false;
    }
    /* Quotes and backslashes are escaped the way the config syntax reads them. */
    {
        size_t n = strlen(d->name);
        char *q = ov[0] = xl_xmalloc(2 * n + 8);
        q += sprintf(q, "name=\"");
        for (size_t i = 0; i < n; i++) {
            if (d->name[i] == '"' || d->name[i] == '\\')
                *q++ = '\\';
            *q++ = d->name[i];
        }
        strcpy(q, "\"");
    }
    rc = domcfg_parse(dc, "saved config", text, len, ov, 1, quiet);
    free(ov[0]);
    free(text);
    fclose(quiet);
    return rc == 0;
}

static void list_long(const struct xl_dominfo *d, unsigned n)
{
    bool first = true;

    /* yajl's beautified array: each element 4 spaces in. */
    printf("[\n");
    for (unsigned i = 0; i < n; i++) {
        struct domcfg dc;

        if (d[i].domid == 0 || !domain_config(&d[i], &dc))
            continue;
        printf("%s    ", first ? "" : ",\n");
        /* Only what the domain has: libxl reads devices back from
         * xenstore, so a disk shows once it is attached, block-attach's
         * too, and not after block-detach. */
        xl_vbd_domain_disks(d[i].domid, &dc);
        domcfg_write_json_domain(&dc, (int)d[i].domid, stdout, 4);
        domcfg_free(&dc);
        first = false;
    }
    printf("%s]\n", first ? "" : "\n");
}

int cmd_list(int argc, char **argv)
{
    static const struct option opts[] = {
        { "long", 0, 0, 'l' },
        { "verbose", 0, 0, 'v' },
        { "cpupool", 0, 0, 'c' },
        { "help", 0, 0, 'h' },
        { 0, 0, 0, 0 },
    };
    bool details = false, verbose = false, cpupool = false;
    struct xl_dominfo *l, one;
    unsigned n, n_pools;
    int opt;

    while ((opt = xl_getopt(argc, argv, "lvc", opts, "list", 0)) != -1) {
        switch (opt) {
        case 'c': cpupool = true; break;
        case 'l': details = true; break;
        case 'v': verbose = true; break;
        }
    }
    if (optind < argc - 1) {
        xl_help("list");
        return EXIT_FAILURE;
    }
    if (optind == argc - 1) {
        unsigned domid = xl_find_domain(argv[optind]);
        if (xl_dom_get(domid, &one)) {
            fprintf(stderr, "Error: Domain '%s' does not exist.\n", argv[optind]);
            return EXIT_FAILURE;
        }
        l = &one;
        n = 1;
    } else {
        l = xl_dom_list(&n);
    }
    if (details)
        list_long(l, n);
    else
    {
        if (cpupool)
            free(xl_pool_list(&n_pools));   /* Pool-0 named before it is shown */
        list_table(l, n, verbose, cpupool);
    }
    if (l == &one)
        xl_dominfo_free(&one);
    else
        xl_dom_list_free(l, n);
    return EXIT_SUCCESS;
}
