/* Frontend nodes across a transparent save (device_save.h). */
#include "device_save.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "xl.h"
#include "xs_util.h"

/* Node depth below device/<kind>/: devid/queue-N/leaf at most. */
#define MAX_DEPTH 4

static void walk(FILE *out, const char *base, const char *rel, unsigned depth)
{
    char *path = xl_xasprintf("%s/%s", base, rel), *val;
    unsigned n = 0, len;
    char **ents;

    /* backend and backend-id name the source's backend directory (its
     * domid): libxl's node sets write the destination's. */
    if (depth == 2 && (!strcmp(strrchr(rel, '/'), "/backend") ||
                       !strcmp(strrchr(rel, '/'), "/backend-id"))) {
        free(path);
        return;
    }
    val = xs_read(xl_xs(), XBT_NULL, path, &len);
    /* A value that would break the line format is not one a frontend
     * writes: left out. */
    if (val && !memchr(val, '\n', len) && !memchr(val, '\t', len) && strlen(val) == len)
        fprintf(out, "%s\t%s\n", rel, val);
    free(val);
    ents = depth < MAX_DEPTH ? xs_directory(xl_xs(), XBT_NULL, path, &n) : NULL;
    for (unsigned i = 0; ents && i < n; i++) {
        char *sub = xl_xasprintf("%s/%s", rel, ents[i]);
        walk(out, base, sub, depth + 1);
        free(sub);
    }
    free(ents);
    free(path);
}

char *xl_devices_export(unsigned domid)
{
    static const char *const kinds[] = { "vbd", "vif" };
    char *base = xl_xasprintf("/local/domain/%u/device", domid), *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    if (!out) {
        free(base);
        return NULL;
    }
    for (unsigned k = 0; k < 2; k++) {
        char *dir = xl_xasprintf("%s/%s", base, kinds[k]);
        unsigned n = 0;
        char **ents = xs_directory(xl_xs(), XBT_NULL, dir, &n);

        for (unsigned i = 0; ents && i < n; i++) {
            char *rel = xl_xasprintf("%s/%s", kinds[k], ents[i]);
            walk(out, base, rel, 1);
            free(rel);
        }
        free(ents);
        free(dir);
    }
    fclose(out);
    free(base);
    if (text && !*text) {
        free(text);
        text = NULL;
    }
    return text;
}

static bool line_ok(const char *rel)
{
    return (!strncmp(rel, "vbd/", 4) || !strncmp(rel, "vif/", 4)) && !strstr(rel, "..") &&
           !strstr(rel, "//") && rel[strlen(rel) - 1] != '/';
}

bool xl_devices_import(unsigned domid, const char *list)
{
    for (int tries = 0; tries < 16; tries++) {
        xs_transaction_t t = xs_transaction_start(xl_xs());
        const char *p = list;
        bool ok = t != XBT_NULL;

        while (ok && *p) {
            const char *nl = strchr(p, '\n'), *end = nl ? nl : p + strlen(p);
            const char *tab = memchr(p, '\t', (size_t)(end - p));
            char *rel, *path;

            if (!tab) {
                fprintf(stderr, "xl: the save file's device nodes are damaged\n");
                xs_transaction_end(xl_xs(), t, true);
                return false;
            }
            rel = xl_xasprintf("%.*s", (int)(tab - p), p);
            if (!line_ok(rel)) {
                fprintf(stderr, "xl: the save file names a device node %s: refused\n", rel);
                free(rel);
                xs_transaction_end(xl_xs(), t, true);
                return false;
            }
            path = xl_xasprintf("/local/domain/%u/device/%s", domid, rel);
            ok = xs_write(xl_xs(), t, path, tab + 1, (unsigned)(end - tab - 1));
            free(path);
            free(rel);
            p = nl ? nl + 1 : end;
        }
        if (!ok) {
            int e = errno;
            if (t != XBT_NULL)
                xs_transaction_end(xl_xs(), t, true);
            fprintf(stderr, "libxl: error: domain %u: cannot write its device nodes back: %s\n",
                    domid, strerror(e));
            return false;
        }
        if (xs_transaction_end(xl_xs(), t, false))
            return true;
        if (errno != EAGAIN)
            break;
    }
    fprintf(stderr, "libxl: error: domain %u: cannot write its device nodes back: %s\n", domid,
            strerror(errno));
    return false;
}
