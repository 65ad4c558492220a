/* xl uptime [-s] [Domain...]: time since each domain started
 * (/vm/UUID/start_time), the host's for Domain-0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dominfo.h"
#include "xl.h"
#include "xs_util.h"

static char *uptime_str(unsigned long up, bool short_mode)
{
    int day = (int)(up / 86400), hour = (int)(up % 86400 / 3600), min = (int)(up % 3600 / 60);
    int sec = (int)(up % 60);
    const char *days = day > 1 ? "days" : "day";

    if (short_mode)
        return day ? xl_xasprintf("%d %s, %2d:%02d", day, days, hour, min)
                   : xl_xasprintf("%2d:%02d", hour, min);
    return day ? xl_xasprintf("%d %s, %2d:%02d:%02d", day, days, hour, min, sec)
               : xl_xasprintf("%2d:%02d:%02d", hour, min, sec);
}

static bool start_time(unsigned domid, time_t *t)
{
    FILE *f;
    double up;
    char *vm, *s;

    if (domid == 0) {
        f = fopen("/proc/uptime", "r");
        if (!f || fscanf(f, "%lf", &up) != 1) {
            if (f)
                fclose(f);
            return false;
        }
        fclose(f);
        *t = time(NULL) - (time_t)up;
        return true;
    }
    vm = xl_xs_readf(XBT_NULL, "/local/domain/%u/vm", domid);
    s = vm ? xl_xs_readf(XBT_NULL, "%s/start_time", vm) : NULL;
    free(vm);
    if (!s)
        return false;
    *t = (time_t)strtoull(s, NULL, 10);
    free(s);
    return true;
}

static void print_one(const struct xl_dominfo *d, bool short_mode, time_t now)
{
    time_t st;
    char *u, nowbuf[16];
    struct tm tm;

    if (!start_time(d->domid, &st))
        return;
    u = uptime_str((unsigned long)(now - st), short_mode);
    if (short_mode) {
        localtime_r(&now, &tm);
        strftime(nowbuf, sizeof(nowbuf), "%H:%M:%S", &tm);
        printf(" %s up %s, %s (%u)\n", nowbuf, u, d->name, d->domid);
    } else {
        printf("%-33s %4u %s\n", d->name, d->domid, u);
    }
    free(u);
}

int cmd_uptime(int argc, char **argv)
{
    bool short_mode = false;
    time_t now = time(NULL);
    int opt;

    while ((opt = xl_getopt(argc, argv, "s", NULL, "uptime", 0)) != -1)
        if (opt == 's')
            short_mode = true;
    if (!short_mode)
        printf("%-33s %4s %s\n", "Name", "ID", "Uptime");
    if (optind >= argc) {
        unsigned n;
        struct xl_dominfo *l = xl_dom_list(&n);
        for (unsigned i = 0; i < n; i++)
            print_one(&l[i], short_mode, now);
        xl_dom_list_free(l, n);
        return EXIT_SUCCESS;
    }
    for (; optind < argc; optind++) {
        struct xl_dominfo d;
        if (xl_dom_get(xl_find_domain(argv[optind]), &d) == 0) {
            print_one(&d, short_mode, now);
            xl_dominfo_free(&d);
        }
    }
    return EXIT_SUCCESS;
}
