/* xl cd-insert <Domain> <VirtualDevice> <Target> / xl cd-eject <Domain>
 * <VirtualDevice>: as xl 4.17's cd_insert, the spec "vdev=V,access=r,
 * devtype=cdrom,target=T" is parsed, a raw target must exist ("Cannot
 * stat file"), and the drive's media changes (device_vbd.h).  libxl
 * allows it for HVM domains only (QEMU's emulated drive is what changes
 * media on Xen); here the PV backend changes it, for any domain. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "device_vbd.h"
#include "domcfg.h"
#include "domcfg_int.h"
#include "dominfo.h"
#include "xl.h"

static void report(void *arg, const char *msg)
{
    (void)arg;
    fprintf(stderr, "%s\n", msg);
}

static int cd_insert(unsigned domid, const char *vdev, const char *target)
{
    char *spec = xl_xasprintf("vdev=%s,access=r,devtype=cdrom,target=%s", vdev,
                              target ? target : "");
    struct dc_disk d;
    struct stat st;
    char err[256];
    int rc = EXIT_FAILURE;

    if (dc_disk_parse_report(&d, spec, report, NULL)) {
        fprintf(stderr, "xlu_disk_parse failed: %s\n", strerror(EINVAL));
        free(spec);
        return EXIT_FAILURE;
    }
    free(spec);
    if (d.format == DC_FMT_RAW && d.target && *d.target && stat(d.target, &st)) {
        fprintf(stderr, "Cannot stat file: %s\n", d.target);
        goto out;
    }
    if (xl_vbd_cdrom_change(domid, &d, err, sizeof(err))) {
        fprintf(stderr, "libxl: error: Domain %u:%s\n", domid, err);
        goto out;
    }
    rc = EXIT_SUCCESS;
out:
    dc_disk_free(&d);
    return rc;
}

int cmd_cd_insert(int argc, char **argv)
{
    unsigned domid;

    while (xl_getopt(argc, argv, "", NULL, "cd-insert", 3) != -1)
        ;
    domid = xl_find_domain(argv[optind]);
    return cd_insert(domid, argv[optind + 1], argv[optind + 2]);
}

int cmd_cd_eject(int argc, char **argv)
{
    unsigned domid;

    while (xl_getopt(argc, argv, "", NULL, "cd-eject", 2) != -1)
        ;
    domid = xl_find_domain(argv[optind]);
    return cd_insert(domid, argv[optind + 1], NULL);
}
