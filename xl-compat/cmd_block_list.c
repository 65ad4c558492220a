/* xl block-list <Domain(s)>: xl's table, one row a disk, from the
 * frontend's nodes as libxl_device_disk_getinfo reads them (-1 where the
 * frontend has not written one: before it connects, or with a multi-page
 * ring or several queues, whose refs and channels have other names). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device_vbd.h"
#include "domain_tree.h"
#include "xl.h"
#include "xs_util.h"

/* The domid of Q, or -1 (xl says so and goes on with the next). */
static int domain_of(const char *q)
{
    const char *p = q;
    char *dom;
    int id;

    while (*p && isdigit((unsigned char)*p))
        p++;
    id = *q && !*p && strlen(q) < 6 ? atoi(q) : xl_tree_name_to_domid(XBT_NULL, q);
    if (id <= 0)
        return id;
    dom = xl_xs_readf(XBT_NULL, "/local/domain/%d/domid", id);
    free(dom);
    return dom ? id : -1;
}

static int node_int(const char *dir, const char *key)
{
    char *v = xl_xs_readf(XBT_NULL, "%s/%s", dir, key);
    int n = v ? (int)strtoul(v, NULL, 10) : -1;

    free(v);
    return n;
}

int cmd_block_list(int argc, char **argv)
{
    int opt;

    while ((opt = xl_getopt(argc, argv, "", NULL, "block-list", 1)) != -1)
        ;
    printf("%-5s %-3s %-6s %-5s %-6s %-8s %-30s\n",
           "Vdev", "BE", "handle", "state", "evt-ch", "ring-ref", "BE-path");
    for (int a = optind; a < argc; a++) {
        int domid = domain_of(argv[a]), *ids;
        unsigned n;

        if (domid < 0) {
            fprintf(stderr, "%s is an invalid domain identifier\n", argv[a]);
            continue;
        }
        n = xl_vbd_list((unsigned)domid, &ids);
        for (unsigned i = 0; i < n; i++) {
            char *fe = xl_xasprintf("/local/domain/%d/device/vbd/%d", domid, ids[i]);
            /* The backend path from libxl's own record, as getinfo reads it. */
            char *be = xl_xs_readf(XBT_NULL, "/libxl/%d/device/vbd/%d/backend", domid, ids[i]);
            char *beid = xl_xs_readf(XBT_NULL, "%s/backend-id", fe);

            if (be)
                printf("%-5d %-3d %-6d %-5d %-6d %-8d %-30s\n", ids[i],
                       beid ? atoi(beid) : 0, domid, node_int(fe, "state"),
                       node_int(fe, "event-channel"), node_int(fe, "ring-ref"), be);
            free(be);
            free(beid);
            free(fe);
        }
        free(ids);
    }
    return EXIT_SUCCESS;
}
