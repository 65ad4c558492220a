/* xl.conf(5), read with the xl.cfg(5) parser (the same syntax). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_parse.h"
#include "util.h"
#include "xl_conf.h"

#define XL_CONF_MAX (1 << 20)

static bool loaded;
static long claim_mode = 1;     /* xl's default */
static enum xk_transport transport = XK_TRANSPORT_AUTO;

const char *xl_conf_path(void)
{
    const char *p = getenv("XENKVM_XL_CONF");

    /* /etc/xen/xl.conf for --sysconfdir=/etc (the package's). */
    return p && *p ? p : XK_SYSCONFDIR "/xen/xl.conf";
}

void xl_conf_load(void)
{
    const struct cfg_setting *st;
    struct cfg *c;
    size_t len;
    char *text;

    if (loaded)
        return;
    loaded = true;
    text = read_file(xl_conf_path(), &len, XL_CONF_MAX);
    if (!text)
        return;     /* no file: the defaults */
    c = cfg_new();
    if (!c || cfg_parse(c, xl_conf_path(), text, len, stderr)) {
        fprintf(stderr, "Failed to parse config file: %s\n", strerror(EINVAL));
        exit(EXIT_FAILURE);
    }
    st = cfg_get(c, "claim_mode");
    if (st && st->value->type == CFG_STRING) {
        char *end;
        long v = strtol(st->value->str, &end, 0);
        if (*end)
            fprintf(stderr, "%s: claim_mode: not a number, keeping %ld\n", xl_conf_path(),
                    claim_mode);
        else
            claim_mode = v;
    }
    /* autoballoon: xl's values are checked; there is no domain 0 memory
     * to balloon on a KVM host (the host's own memory is the kernel's),
     * so each value means what "off" means in Xen. */
    st = cfg_get(c, "autoballoon");
    if (st && (st->value->type != CFG_STRING ||
               (strcmp(st->value->str, "on") && strcmp(st->value->str, "off") &&
                strcmp(st->value->str, "auto") && strcmp(st->value->str, "1") &&
                strcmp(st->value->str, "0"))))
        fprintf(stderr, "%s:%d: warning: invalid autoballoon option\n", xl_conf_path(),
                st->line);
    st = cfg_get(c, "xen_hypercall_transport");
    if (st && (st->value->type != CFG_STRING ||
               !xk_transport_parse(st->value->str, &transport))) {
        fprintf(stderr, "%s:%d: warning: xen_hypercall_transport must be \"auto\", "
                "\"kvm\" or \"port\"; using auto\n", xl_conf_path(), st->line);
        transport = XK_TRANSPORT_AUTO;
    }
    cfg_free(c);
    free(text);
}

bool xl_conf_claim_mode(void)
{
    xl_conf_load();
    return claim_mode != 0;
}

enum xk_transport xl_conf_transport(void)
{
    xl_conf_load();
    return transport;
}
