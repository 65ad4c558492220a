/* pci_spec.c: pci= entries (xl-pci-configuration(5)); see pci_spec.h. */
#include "pci_spec.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool hexnum(const char *s, size_t len, unsigned max, unsigned *out)
{
    unsigned v = 0;

    if (!len || len > 8)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
                   : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                   : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16;

        if (d == 16)
            return false;
        v = v * 16 + d;
    }
    if (v > max)
        return false;
    *out = v;
    return true;
}

/* [DDDD:]BB:DD.F[@VSLOT] */
static bool parse_bdf(const char *s, struct pci_spec *p)
{
    const char *c1 = strchr(s, ':'), *c2, *dot, *at, *end = s + strlen(s);

    if (!c1)
        return false;
    at = strchr(s, '@');
    if (at)
        end = at;
    c2 = memchr(c1 + 1, ':', (size_t)(end - c1 - 1));
    if (c2) {
        if (!hexnum(s, (size_t)(c1 - s), 0xffff, &p->domain))
            return false;
        s = c1 + 1;
        c1 = c2;
    } else {
        p->domain = 0;
    }
    dot = memchr(c1, '.', (size_t)(end - c1));
    if (!dot || !hexnum(s, (size_t)(c1 - s), 0xff, &p->bus) ||
        !hexnum(c1 + 1, (size_t)(dot - c1 - 1), 0x1f, &p->dev) ||
        !hexnum(dot + 1, (size_t)(end - dot - 1), 7, &p->func))
        return false;
    if (at) {
        unsigned v;

        if (!hexnum(at + 1, strlen(at + 1), 0x1f, &v))
            return false;
        p->vslot = (int)v;
    }
    p->has_bdf = true;
    return true;
}

static int boolean(const char *v)
{
    if (!strcmp(v, "1"))
        return 1;
    if (!strcmp(v, "0"))
        return 0;
    return -1;
}

int pci_spec_parse_any_slot(const char *s, struct pci_spec *out, char *err, size_t errlen)
{
    char *copy = strdup(s), *save = NULL, *tok;
    bool first = true;
    int r = 0;

    memset(out, 0, sizeof(*out));
    out->vslot = out->permissive = out->msitranslate = out->seize = out->power_mgmt = -1;
    out->rdm_policy = -1;
    if (!copy) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (tok = strtok_r(copy, ",", &save); tok && r == 0; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        int *flag = NULL;

        if (first && !eq) {
            if (!parse_bdf(tok, out))
                r = -1;
            first = false;
            continue;
        }
        first = false;
        if (!eq) {
            r = -1;
            break;
        }
        *eq++ = '\0';
        if (!strcmp(tok, "bdf")) {
            if (out->has_bdf || !parse_bdf(eq, out))
                r = -1;
            continue;
        }
        if (!strcmp(tok, "vslot")) {
            unsigned v;
            const char *h = !strncmp(eq, "0x", 2) ? eq + 2 : eq;

            if (!hexnum(h, strlen(h), 0x1f, &v))
                r = -1;
            else
                out->vslot = (int)v;
            continue;
        }
        if (!strcmp(tok, "rdm_policy")) {
            if (!strcmp(eq, "strict"))
                out->rdm_policy = 1;
            else if (!strcmp(eq, "relaxed"))
                out->rdm_policy = 0;
            else
                r = -1;
            continue;
        }
        if (!strcmp(tok, "vfio-user")) {
            if (!*eq || out->vfio_user) {
                r = -1;
            } else {
                out->vfio_user = strdup(eq);
                if (!out->vfio_user)
                    r = -1;
            }
            continue;
        }
        if (!strcmp(tok, "permissive"))
            flag = &out->permissive;
        else if (!strcmp(tok, "msitranslate"))
            flag = &out->msitranslate;
        else if (!strcmp(tok, "seize"))
            flag = &out->seize;
        else if (!strcmp(tok, "power_mgmt"))
            flag = &out->power_mgmt;
        if (!flag || (*flag = boolean(eq)) < 0)
            r = -1;
    }
    free(copy);
    if (r == 0 && !out->has_bdf && !out->vfio_user)
        r = -1;
    if (r < 0) {
        /* xl's words (parse_config_data). */
        snprintf(err, errlen, "unable to parse PCI BDF `%s' for passthrough", s);
        pci_spec_free(out);
        return -1;
    }
    return 0;
}

int pci_spec_parse(const char *s, struct pci_spec *out, char *err, size_t errlen)
{
    if (pci_spec_parse_any_slot(s, out, err, errlen) < 0)
        return -1;
    if (out->vslot >= 0 && out->vslot != 2) {
        snprintf(err, errlen, "`%s': xenkvm places a passed-through function at slot 2 "
                 "(@2 or no @VSLOT)", s);
        pci_spec_free(out);
        return -1;
    }
    return 0;
}

void pci_spec_free(struct pci_spec *p)
{
    free(p->vfio_user);
    p->vfio_user = NULL;
}

char *pci_spec_vmm_arg(const struct pci_spec *p, const char *sysfs, bool global_permissive,
                       bool global_power_mgmt, char *err, size_t errlen)
{
    bool perm = p->permissive >= 0 ? p->permissive : global_permissive;
    bool pm = p->power_mgmt >= 0 ? p->power_mgmt : global_power_mgmt;
    const char *opts = perm && pm ? ",permissive,power_mgmt" : perm ? ",permissive"
                     : pm ? ",power_mgmt" : "";
    char link[PATH_MAX], target[PATH_MAX], *out = NULL;
    const char *group;
    ssize_t n;

    if (p->vfio_user) {
        if (asprintf(&out, "vfio-user:%s%s", p->vfio_user, opts) < 0)
            out = NULL;
        return out;
    }
    snprintf(link, sizeof(link), "%s/bus/pci/devices/%04x:%02x:%02x.%x/iommu_group", sysfs,
             p->domain, p->bus, p->dev, p->func);
    n = readlink(link, target, sizeof(target) - 1);
    if (n <= 0) {
        snprintf(err, errlen, "%04x:%02x:%02x.%x has no IOMMU group (%s): %s", p->domain,
                 p->bus, p->dev, p->func, link, strerror(errno));
        return NULL;
    }
    target[n] = '\0';
    group = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
    if (asprintf(&out, "vfio:%04x:%02x:%02x.%x,group=%s%s", p->domain, p->bus, p->dev,
                 p->func, group, opts) < 0)
        out = NULL;
    return out;
}
