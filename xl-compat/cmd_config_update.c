/* xl config-update <Domain> [ConfigFile] [-d] [-f FILE] [key=value...]:
 * the config domain DOMID gets at its next restart, as xl 4.17 stores it
 * with libxl_userdata_store(..., "xl", ...) and reload_domain_config
 * takes it up on reboot: here <rundir>/domN.cfg.update, which the
 * domain's monitor reads when it restarts the domain (and then removes).
 * The running domain is not changed.  Messages and exit statuses as xl's;
 * -d (or xl -N) prints the parsed config as JSON, -N stores nothing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dominfo.h"
#include "domcfg.h"
#include "lifecycle.h"
#include "paths.h"
#include "util.h"
#include "xl.h"

#define CONFIG_MAX (1 << 20)
#define XL_ERROR_FAIL_STATUS 253    /* xl returns ERROR_FAIL (-3) from main */

static bool store(unsigned domid, const char *text, size_t len)
{
    char *path = xl_dom_file(domid, XL_CONFIG_UPDATE_SUFFIX);
    char *tmp = xl_xasprintf("%s.new", path);
    FILE *f = fopen(tmp, "we");
    bool ok = f && fwrite(text, 1, len, f) == len;

    if (f && fclose(f))
        ok = false;
    ok = ok && rename(tmp, path) == 0;
    if (!ok)
        unlink(tmp);
    free(tmp);
    free(path);
    return ok;
}

int cmd_config_update(int argc, char **argv)
{
    static const struct option opts[] = {
        { "defconfig", 1, 0, 'f' }, { "help", 0, 0, 'h' }, { 0, 0, 0, 0 },
    };
    const char *file = NULL;
    char *extra = NULL, *text, *full;
    size_t len, elen = 0, flen;
    struct domcfg dc;
    bool debug = false;
    unsigned domid;
    int opt;

    if (argc < 2) {
        fprintf(stderr, "xl config-update requires a domain argument\n");
        xl_help("config-update");
        return EXIT_FAILURE;
    }
    fprintf(stderr, "WARNING: xl now has better capability to manage domain configuration, "
            "avoid using this command when possible\n");
    domid = xl_find_domain(argv[1]);
    argc--;
    argv++;
    if (argv[1] && argv[1][0] != '-' && !strchr(argv[1], '=')) {
        file = argv[1];
        argc--;
        argv++;
    }
    while ((opt = xl_getopt(argc, argv, "dqf:", opts, "config-update", 0)) != -1) {
        if (opt == 'd')
            debug = true;
        else if (opt == 'f')
            file = optarg;
    }
    for (; optind < argc; optind++) {
        if (strchr(argv[optind], '=')) {
            size_t n = strlen(argv[optind]);
            extra = realloc(extra, elen + n + 2);
            if (!extra)
                return EXIT_FAILURE;
            memcpy(extra + elen, argv[optind], n);
            elen += n;
            extra[elen++] = '\n';
            extra[elen] = 0;
        } else if (!file) {
            file = argv[optind];
        } else {
            xl_help("create");
            free(extra);
            return 2;
        }
    }
    if (!file) {
        fprintf(stderr, "Config file not specified\n");
        free(extra);
        return EXIT_FAILURE;
    }
    text = read_file(file, &len, CONFIG_MAX);
    if (!text) {
        fprintf(stderr, "Failed to read config file: %s: %s\n", file, strerror(errno));
        free(extra);
        return XL_ERROR_FAIL_STATUS;
    }
    /* The extra settings after the file, each on its own line, as xl. */
    full = xl_xmalloc(len + elen + 3);
    memcpy(full, text, len);
    flen = len;
    if (elen)
        flen += (size_t)sprintf(full + len, "\n%s\n", extra);
    free(text);
    free(extra);
    if (domcfg_parse(&dc, file, full, flen, NULL, 0, stderr)) {
        free(full);
        return EXIT_FAILURE;
    }
    if (debug || xl_dryrun) {
        domcfg_write_json(&dc, stdout, 0);
        fflush(stdout);
    }
    domcfg_free(&dc);
    if (!xl_dryrun) {
        fprintf(stderr, "setting dom%u configuration\n", domid);
        /* Domain 0 is the host: no monitor restarts it. */
        if (domid == 0 || !store(domid, full, flen)) {
            fprintf(stderr, "failed to update configuration\n");
            free(full);
            return EXIT_FAILURE;
        }
    }
    free(full);
    return EXIT_SUCCESS;
}
