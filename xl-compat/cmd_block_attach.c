/* xl block-attach <Domain> <disk-spec-component(s)>...: the components
 * are one xl-disk-configuration(5) spec joined with commas (xl's
 * parse_disk_config_multistring); the disk's nodes are written and the
 * domain's block backend started if it does not run yet. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device_vbd.h"
#include "domcfg.h"
#include "domcfg_int.h"
#include "dominfo.h"
#include "xl.h"
#include "xs_util.h"

static void report(void *arg, const char *msg)
{
    (void)arg;
    fprintf(stderr, "%s\n", msg);
}

int cmd_block_attach(int argc, char **argv)
{
    struct dc_disk d;
    struct xl_vbd v;
    char err[512], *spec = NULL, *name;
    unsigned domid;
    size_t len = 1;
    int opt, rc;

    while ((opt = xl_getopt(argc, argv, "", NULL, "block-attach", 2)) != -1)
        ;
    domid = xl_find_domain(argv[optind++]);
    for (int i = optind; i < argc; i++)
        len += strlen(argv[i]) + 1;
    spec = xl_xmalloc(len);
    spec[0] = 0;
    for (int i = optind; i < argc; i++) {
        if (i > optind)
            strcat(spec, ",");
        strcat(spec, argv[i]);
    }
    if (dc_disk_parse_report(&d, spec, report, NULL)) {
        fprintf(stderr, "xlu_disk_parse failed: %s\n", strerror(EINVAL));
        free(spec);
        return EXIT_FAILURE;
    }
    free(spec);
    if (xl_dryrun) {
        /* xl -N: the disk as parsed, nothing attached. */
        printf("disk: ");
        dc_disk_write_json(&d, stdout);
        fflush(stdout);
        dc_disk_free(&d);
        return EXIT_SUCCESS;
    }
    if (domid == 0) {
        fprintf(stderr, "xl: domain 0 is the host on xenkvm: disks attach to guests\n");
        dc_disk_free(&d);
        return EXIT_FAILURE;
    }
    if (xl_vbd_prepare(&d, &v, err, sizeof(err))) {
        fprintf(stderr, "libxl: error: disk `%s': %s\n", d.vdev, err);
        fprintf(stderr, "libxl_device_disk_add failed.\n");
        dc_disk_free(&d);
        return EXIT_FAILURE;
    }
    rc = xl_vbd_add(domid, &d, &v);
    if (rc)
        fprintf(stderr, "libxl: error: disk `%s' of domain %u: %s\n", d.vdev, domid,
                rc == -EEXIST ? "device already exists in xenstore" :
                strerror(-rc));
    name = xl_xs_readf(XBT_NULL, "/local/domain/%u/name", domid);
    if (!rc && !xl_blkback_ensure(domid, name ? name : "unnamed")) {
        /* Nobody would serve it: take the nodes back. */
        xl_vbd_remove(domid, v.devid, true, 0);
        rc = -1;
    }
    free(name);
    xl_vbd_free(&v);
    dc_disk_free(&d);
    if (rc) {
        fprintf(stderr, "libxl_device_disk_add failed.\n");
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}
