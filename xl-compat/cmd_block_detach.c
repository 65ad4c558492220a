/* xl block-detach [-f] <Domain> <DevId>: DevId a vdev ("xvdb") or its
 * number; the backend is asked to close (online 0, state Closing) and the
 * nodes go once it has (-f: at once, libxl_device_disk_destroy). */
#include <stdio.h>
#include <stdlib.h>

#include "device_vbd.h"
#include "dominfo.h"
#include "vbd_number.h"
#include "xl.h"

#define DETACH_TIMEOUT_MS 10000     /* LIBXL_DESTROY_TIMEOUT */

int cmd_block_detach(int argc, char **argv)
{
    static const struct option opts[] = {
        { "force", 0, 0, 'f' },
        { "help", 0, 0, 'h' },
        { 0, 0, 0, 0 },
    };
    bool force = false, found = false;
    unsigned domid, n;
    int opt, devid, *ids;

    while ((opt = xl_getopt(argc, argv, "f", opts, "block-detach", 2)) != -1)
        if (opt == 'f')
            force = true;
    domid = xl_find_domain(argv[optind]);
    devid = xl_vbd_number(argv[optind + 1], NULL, NULL);
    n = xl_vbd_list(domid, &ids);
    for (unsigned i = 0; i < n && devid >= 0; i++)
        found |= ids[i] == devid;
    free(ids);
    if (!found) {
        fprintf(stderr, "Error: Device %s not connected.\n", argv[optind + 1]);
        return EXIT_FAILURE;
    }
    if (xl_vbd_remove(domid, devid, force, DETACH_TIMEOUT_MS)) {
        fprintf(stderr, "libxl_device_disk_%s failed.\n", force ? "destroy" : "safe_remove");
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}
