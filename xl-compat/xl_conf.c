/* Reading xl.conf (xl_conf.h) with the xl.cfg parser: same syntax. */
#include "xl_conf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cfg_parse.h"
#include "util.h"

const char *xl_conf_path(void)
{
    const char *p = getenv("XENKVM_XL_CONF");

    return p && *p ? p : "/etc/xen/xl.conf";
}

enum xk_transport xl_conf_transport(void)
{
    enum xk_transport t = XK_TRANSPORT_AUTO;
    const struct cfg_setting *s;
    struct cfg *c;
    size_t len;
    char *text = read_file(xl_conf_path(), &len, 1 << 20);

    if (!text)
        return t;       /* no xl.conf: every default */
    c = cfg_new();
    if (c && cfg_parse(c, xl_conf_path(), text, len, stderr) == 0 &&
        (s = cfg_get(c, "xen_hypercall_transport"))) {
        if (s->value->type != CFG_STRING || !xk_transport_parse(s->value->str, &t)) {
            fprintf(stderr, "%s:%d: warning: xen_hypercall_transport must be \"auto\", "
                    "\"kvm\" or \"port\"; using auto\n", xl_conf_path(), s->line);
            t = XK_TRANSPORT_AUTO;
        }
    }
    cfg_free(c);
    free(text);
    return t;
}
