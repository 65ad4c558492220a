/* xl create: parse a domain config file and build the domain. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device_pci.h"
#include "device_vbd.h"
#include "domcfg.h"
#include "lifecycle.h"
#include "util.h"
#include "uuid.h"
#include "xl.h"
#include "xl_conf.h"

#define CONFIG_MAX (1 << 20)

char *xl_saved_config(const char *text, size_t len, char **ov, int nov,
                      const uint8_t u[16], enum xk_transport t)
{
    size_t n = len + 128;
    char uuid[37], *s, *p;

    for (int i = 0; i < nov; i++)
        n += strlen(ov[i]) + 1;
    s = p = xl_xmalloc(n);
    memcpy(p, text, len);
    p += len;
    *p++ = '\n';
    for (int i = 0; i < nov; i++)
        p += sprintf(p, "%s\n", ov[i]);
    format_uuid(u, uuid);
    p += sprintf(p, "uuid=\"%s\"\n", uuid);
    sprintf(p, "xen_hypercall_transport=\"%s\"\n", xk_transport_name(t));
    return s;
}

/* libxl's exit codes as `xl create` returns them (-rc). */
#define XL_ERROR_FAIL  3
#define XL_ERROR_INVAL 6

int cmd_create(int argc, char **argv)
{
    static const struct option opts[] = {
        { "defconfig", 1, 0, 'f' },
        { "dryrun", 0, 0, 'n' },
        { "quiet", 0, 0, 'q' },
        { "help", 0, 0, 'h' },
        { 0, 0, 0, 0 },
    };
    struct xl_create_opts o = { .restore_fd = -1 };
    const char *file = NULL;
    char **ov = NULL, *text, *saved;
    struct domcfg dc;
    bool dryrun = xl_dryrun, debug = false;
    int nov = 0, opt, rc;
    size_t len;

    if (argv[1] && argv[1][0] != '-' && !strchr(argv[1], '=')) {
        file = argv[1];
        argc--;
        argv++;
    }
    while ((opt = xl_getopt(argc, argv, "Fcdef:npq", opts, "create", 0)) != -1) {
        switch (opt) {
        case 'F': o.foreground = true; break;
        case 'c': o.console = true; break;
        case 'd': debug = true; break;
        case 'e': o.no_monitor = true; break;
        case 'f': file = optarg; break;
        case 'n': dryrun = true; break;
        case 'p': o.paused = true; break;
        case 'q': o.quiet = true; break;
        }
    }
    ov = xl_xmalloc(sizeof(*ov) * (size_t)(argc + 1));
    for (; optind < argc; optind++) {
        if (strchr(argv[optind], '='))
            ov[nov++] = argv[optind];
        else if (!file)
            file = argv[optind];
        else {
            xl_help("create");
            free(ov);
            return 2;
        }
    }
    if (!file) {
        fprintf(stderr, "Config file not specified and none in save file\n");
        free(ov);
        return XL_ERROR_INVAL;
    }
    text = read_file(file, &len, CONFIG_MAX);
    if (!text) {
        fprintf(stderr, "Failed to read config file: %s: %s\n", file, strerror(errno));
        free(ov);
        return XL_ERROR_FAIL;
    }
    if (!o.quiet)
        fprintf(stderr, "Parsing config from %s\n", file);
    if (domcfg_parse(&dc, file, text, len, ov, nov, stderr)) {
        free(text);
        free(ov);
        return EXIT_FAILURE;
    }
    if (!dc.uuid_set) {
        xl_uuid_generate(dc.uuid);
        dc.uuid_set = true;
    }
    if (dryrun || debug) {
        /* The bare libxl_domain_config, as xl 4.17 prints it (Debian's
         * xen-init-name and xendomains read it); -d alone to stderr. */
        domcfg_write_json(&dc, dryrun ? stdout : stderr, 0);
        fflush(NULL);
        if (dryrun) {
            domcfg_free(&dc);
            free(text);
            free(ov);
            return 0;
        }
    }
    if (dc.type == DC_TYPE_HVM && !dc.firmware) {
        fprintf(stderr, "%s: type=\"hvm\" needs firmware_override: xenkvm has no hvmloader "
                "to load a BIOS or UEFI\n", file);
        domcfg_free(&dc);
        free(text);
        free(ov);
        return EXIT_FAILURE;
    }
    if (dc.nr_pcis && xl_pci_prepare(&dc, file) < 0) {
        domcfg_free(&dc);
        free(text);
        free(ov);
        return EXIT_FAILURE;
    }
    /* The transport: the config's, else xl.conf's, else auto, resolved
     * against this host's KVM now (kvm where it cannot is an error). */
    {
        char why[256];
        enum xk_transport want = dc.transport_set ? dc.transport : xl_conf_transport();

        if (xk_transport_choose(want, xk_transport_probe(), &dc.transport, why,
                                sizeof(why))) {
            fprintf(stderr, "%s: %s\n", file, why);
            domcfg_free(&dc);
            free(text);
            free(ov);
            return EXIT_FAILURE;
        }
        dc.transport_set = true;
    }
    if (!xl_vbd_check_config(&dc)) {
        domcfg_free(&dc);
        free(text);
        free(ov);
        return EXIT_FAILURE;
    }
    saved = xl_saved_config(text, len, ov, nov, dc.uuid, dc.transport);
    rc = xl_create(&dc, saved, &o);
    free(saved);
    domcfg_free(&dc);
    free(text);
    free(ov);
    return rc;
}
