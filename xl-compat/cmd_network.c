/* xl network-attach, network-list, network-detach (xl_vif.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device_vif.h"
#include "dominfo.h"
#include "xl.h"
#include "xs_util.h"

int cmd_network_attach(int argc, char **argv)
{
    struct dc_vif v;
    char err[160], *name;
    unsigned domid;
    int rc = 1;

    while (xl_getopt(argc, argv, "", NULL, "network-attach", 1) != -1)
        ;
    domid = xl_find_domain(argv[optind]);
    dc_vif_init(&v);
    for (int i = optind + 1; i < argc; i++) {
        int r = dc_vif_parse_token(&v, argv[i], err, sizeof(err));

        if (r < 0) {
            fprintf(stderr, "%s\n", err);
            dc_vif_free(&v);
            return 1;
        }
        if (r > 0)
            fprintf(stderr, "%s\n", err);
    }
    if (v.devid < 0)
        v.devid = xl_vif_next_devid(domid);
    else {
        char *st = xl_xs_readf(XBT_NULL, "/local/domain/0/backend/vif/%u/%d/state", domid,
                               v.devid);
        if (st) {
            free(st);
            fprintf(stderr, "libxl: error: device vif %d of domain %u exists already\n",
                    v.devid, domid);
            fprintf(stderr, "libxl_device_nic_add failed.\n");
            dc_vif_free(&v);
            return 1;
        }
    }
    dc_vif_defaults(&v);
    for (int tries = 0; tries < 10; tries++) {
        xs_transaction_t t = xs_transaction_start(xl_xs());

        if (t == XBT_NULL)
            break;
        xl_device_vif_add(t, domid, &v);
        if (xs_transaction_end(xl_xs(), t, false)) {
            rc = 0;
            break;
        }
    }
    name = xl_xs_readf(XBT_NULL, "/local/domain/%u/name", domid);
    if (rc || xl_netback_ensure(domid, name) || xl_vif_wait_hotplug(domid, (unsigned)v.devid)) {
        /* As libxl: a device whose hotplug failed is taken away again. */
        if (!rc)
            xl_device_vif_remove(domid, (unsigned)v.devid);
        fprintf(stderr, "libxl_device_nic_add failed.\n");
        rc = 1;
    }
    free(name);
    dc_vif_free(&v);
    return rc;
}

/* A frontend or backend node as a number, -1 when absent (libxl's
 * libxl_device_nic_getinfo). */
static int node_int(const char *dir, const char *leaf)
{
    char *v = xl_xs_readf(XBT_NULL, "%s/%s", dir, leaf);
    int n = v ? (int)strtol(v, NULL, 10) : -1;

    free(v);
    return n;
}

static int cmp_devid(const void *a, const void *b)
{
    return atoi(*(char *const *)a) - atoi(*(char *const *)b);
}

int cmd_network_list(int argc, char **argv)
{
    while (xl_getopt(argc, argv, "", NULL, "network-list", 1) != -1)
        ;
    /*      Idx  BE   MAC   Hdl  Sta  evch txr/rxr  BE-path */
    printf("%-3s %-2s %-17s %-6s %-5s %-6s %5s/%-5s %-30s\n", "Idx", "BE", "Mac Addr.",
           "handle", "state", "evt-ch", "tx-", "rx-ring-ref", "BE-path");
    for (int a = optind; a < argc; a++) {
        unsigned domid = xl_find_domain(argv[a]), n = 0;
        char dir[64], **ents;

        snprintf(dir, sizeof(dir), "/local/domain/%u/device/vif", domid);
        ents = xs_directory(xl_xs(), XBT_NULL, dir, &n);
        if (ents)
            qsort(ents, n, sizeof(*ents), cmp_devid);
        for (unsigned i = 0; ents && i < n; i++) {
            char *fe = xl_xasprintf("%s/%s", dir, ents[i]);
            char *be = xl_xs_readf(XBT_NULL, "%s/backend", fe);
            char *mac = be ? xl_xs_readf(XBT_NULL, "%s/mac", be) : NULL;
            int devid = atoi(ents[i]);

            if (be && mac) {
                printf("%-3d %-2d ", devid, node_int(fe, "backend-id"));
                printf("%s", mac);
                printf("%6d %5d %6d %5d/%-11d %-30s\n", devid, node_int(fe, "state"),
                       node_int(fe, "event-channel"), node_int(fe, "tx-ring-ref"),
                       node_int(fe, "rx-ring-ref"), be);
            }
            free(mac);
            free(be);
            free(fe);
        }
        free(ents);
    }
    return 0;
}

int cmd_network_detach(int argc, char **argv)
{
    const char *dev;
    unsigned domid;
    int devid = -1;

    while (xl_getopt(argc, argv, "", NULL, "network-detach", 2) != -1)
        ;
    domid = xl_find_domain(argv[optind]);
    dev = argv[optind + 1];
    if (!strchr(dev, ':')) {
        char *end;
        long d = strtol(dev, &end, 10);
        if (*dev && !*end && d >= 0 && d <= 65535)
            devid = (int)d;
    } else {
        /* A MAC: the vif that has it. */
        char dir[64], **ents;
        unsigned n = 0;

        snprintf(dir, sizeof(dir), "/local/domain/0/backend/vif/%u", domid);
        ents = xs_directory(xl_xs(), XBT_NULL, dir, &n);
        for (unsigned i = 0; ents && i < n && devid < 0; i++) {
            char *mac = xl_xs_readf(XBT_NULL, "%s/%s/mac", dir, ents[i]);

            if (mac && !strcasecmp(mac, dev))
                devid = atoi(ents[i]);
            free(mac);
        }
        free(ents);
    }
    if (devid < 0 || xl_device_vif_remove(domid, (unsigned)devid)) {
        fprintf(stderr, "Unknown device %s.\n", dev);
        return 1;
    }
    return 0;
}
