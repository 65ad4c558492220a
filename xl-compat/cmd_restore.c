/* xl restore [-p] [-e] [-d] [-V] [CONFIG] FILE: a domain from a file xl
 * save wrote (docs/migration.md).  xl's save-file header is read here; the
 * domain is built as xl create builds it (config, xenstore tree, monitor)
 * from the config in the file or CONFIG, and its VMM reads the stream
 * that follows the header (--restore-fd). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "domcfg.h"
#include "lifecycle.h"
#include "xl.h"
#include "xl_conf.h"
#include "xl_savefile.h"

int cmd_restore(int argc, char **argv)
{
    struct xl_create_opts o = { .restore_fd = -1 };
    struct xl_savefile sf;
    const char *file, *config = NULL;
    char msg[256];
    struct domcfg dc;
    bool debug = false;
    int opt, rc;

    while ((opt = xl_getopt(argc, argv, "FepdV", NULL, "restore", 1)) != -1) {
        switch (opt) {
        case 'F': o.foreground = true; break;
        case 'e': o.no_monitor = true; break;
        case 'p': o.paused = true; break;
        case 'd': debug = true; break;
        case 'V': break;    /* no VNC viewer: there is no framebuffer */
        }
    }
    if (argc - optind == 2) {
        config = argv[optind];
        file = argv[optind + 1];
    } else if (argc - optind == 1) {
        file = argv[optind];
    } else {
        xl_help("restore");
        return 2;
    }
    o.restore_fd = open(file, O_RDONLY | O_CLOEXEC);
    if (o.restore_fd < 0) {
        fprintf(stderr, "Failed to open restore file %s: %s\n", file, strerror(errno));
        return EXIT_FAILURE;
    }
    rc = xl_savefile_read(o.restore_fd, &sf, msg, sizeof(msg));
    if (rc) {
        fprintf(stderr, "%s: %s\n", file, msg);
        xl_savefile_free(&sf);
        close(o.restore_fd);
        return EXIT_FAILURE;
    }
    {
        fprintf(stderr, "Loading new save file %s (new xl fmt info 0x%x/0x%x/%u)\n", file,
                sf.mandatory, sf.optional, sf.optional_len);
        if (sf.config)
            fprintf(stderr, " Savefile contains xl domain config%s\n",
                    (sf.mandatory & XL_MANDATORY_JSON) ? " in JSON format" : "");
    }
    if (debug && sf.config)
        fputs(sf.config, stderr);
    if (config) {
        rc = domcfg_load(&dc, config, NULL, 0, stderr);
    } else if (sf.xk_config) {
        rc = domcfg_parse(&dc, "the save file's config", sf.xk_config, strlen(sf.xk_config),
                          NULL, 0, stderr);
    } else {
        fprintf(stderr, "%s holds no xl config this xl reads (a file from Xen's xl has "
                "only libxl's JSON): give the domain's config file, xl restore CONFIG FILE\n",
                file);
        rc = -1;
    }
    if (rc) {
        xl_savefile_free(&sf);
        close(o.restore_fd);
        return EXIT_FAILURE;
    }
    o.restore_watches = sf.xk_watches;
    o.restore_devices = sf.xk_devices;
    if (!dc.transport_set) {
        dc.transport = xl_conf_transport();
        dc.transport_set = true;
    }
    {
        /* What xl list -l re-reads: the config as restored. */
        const char *text = config ? NULL : sf.xk_config;
        char *owned = NULL;
        if (!text) {
            FILE *f = fopen(config, "r");
            size_t n = 0;
            owned = f ? xl_xmalloc(1 << 20) : NULL;
            if (owned) {
                n = fread(owned, 1, (1 << 20) - 1, f);
                owned[n] = '\0';
            }
            if (f)
                fclose(f);
            text = owned ? owned : "";
        }
        rc = xl_create(&dc, text, &o);
        free(owned);
    }
    domcfg_free(&dc);
    xl_savefile_free(&sf);
    close(o.restore_fd);
    return rc;
}
