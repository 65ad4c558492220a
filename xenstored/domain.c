/* Domains: introduced guests with their ring connection, the tool requests
 * about them (INTRODUCE, RELEASE, IS_DOMAIN_INTRODUCED, GET_DOMAIN_PATH,
 * RESUME, SET_TARGET) and the special watches @introduceDomain and
 * @releaseDomain with their permissions. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xenstored.h"
#include "domlock.h"
#include "log.h"

#define DOMID_SELF_ 0x7FF0u
static TAILQ_HEAD(, domain) domains = TAILQ_HEAD_INITIALIZER(domains);

/* Who may watch the special nodes: as Xen, dom0 only until changed. */
static struct xs_permissions intro_default = { 0, XS_PERM_NONE };
static struct xs_permissions rel_default = { 0, XS_PERM_NONE };
static struct xs_permissions *intro_perms = &intro_default, *rel_perms = &rel_default;
static unsigned int intro_n = 1, rel_n = 1;

struct domain *domain_find(unsigned int domid)
{
    struct domain *d;

    TAILQ_FOREACH(d, &domains, link)
        if (d->domid == domid)
            return d;
    return NULL;
}

char *domain_path(const void *ctx, unsigned int domid)
{
    return talloc_asprintf(ctx, "/local/domain/%u", domid);
}

static struct domain *domain_new(unsigned int domid)
{
    struct domain *d = talloc_zero(NULL, struct domain);

    if (!d)
        return NULL;
    d->domid = domid;
    d->path = domain_path(d, domid);
    TAILQ_INSERT_TAIL(&domains, d, link);
    return d;
}

static void domain_free(struct domain *d)
{
    TAILQ_REMOVE(&domains, d, link);
    talloc_free(d);
}

void domain_init(void)
{
    struct domain *d = domain_new(0);    /* the host is always there */

    if (!d)
        die(1, "out of memory");
    d->introduced = true;
}

int domain_introduce(unsigned int domid, struct attach *a)
{
    struct domain *d = domain_find(domid);

    if (!d && !(d = domain_new(domid)))
        return ENOMEM;
    domref_touch(domid);
    d->attach = a;
    a->domain = d;
    if (d->introduced && d->conn) {
        /* Re-introduction: a fresh start for the guest's connection. */
        conn_reset(d->conn);
        d->conn->bad = false;
        return 0;
    }
    d->conn = ring_conn_new(d, a);
    if (!d->conn)
        return ENOMEM;
    d->introduced = true;
    if (a->target != XS_ATTACH_NO_TARGET) {
        struct domain *t = domain_find(a->target);
        if (t && t->conn)
            d->conn->target = t->conn;
    }
    if (d->restored_watches) {
        /* Back after a xenstored restart: not a new domain. */
        log_info("domain %u: VMM attached again after a restart", domid);
        persist_reattached(d);
        return 0;
    }
    d->shutdown = false;
    persist_domain(d);
    fire_special("@introduceDomain");
    return 0;
}

/* A domain from the store's file at a restart: introduced, waiting for
 * its VMM to attach again. */
struct domain *domain_restore(unsigned int domid)
{
    struct domain *d = domain_find(domid);

    if (!d && !(d = domain_new(domid)))
        return NULL;
    d->introduced = true;
    return d;
}

void domains_foreach(void (*fn)(struct domain *))
{
    struct domain *d;

    TAILQ_FOREACH(d, &domains, link)
        fn(d);
}

/* --reattach-timeout after a restart: a domain whose VMM has not attached
 * again is dead (its VMM died while xenstored was away). */
void domains_expire_restored(void)
{
    struct domain *d, *next;

    for (d = TAILQ_FIRST(&domains); d; d = next) {
        next = TAILQ_NEXT(d, link);
        if (!d->restored_watches)
            continue;
        log_warn("domain %u: no VMM attached again within %d s: releasing it",
                 d->domid, reattach_timeout);
        persist_domain_gone(d->domid);
        domref_drop(d->domid);
        domain_free(d);
        fire_special("@releaseDomain");
    }
}

const char *domains_rundir;

bool domain_exists(unsigned int domid)
{
    if (domid == DOMID_PRIV || domain_find(domid))
        return true;
    if (domlock_held(domains_rundir, domid))
        return true;
    /* Gone without ever being introduced (its lock let go): as Xen frees
     * such a domain's record when the hypervisor no longer knows it. */
    domref_drop(domid);
    return false;
}

void domain_release(struct domain *d, bool fire)
{
    if (d->conn)
        conn_free(d->conn);
    d->conn = NULL;
    d->introduced = false;
    if (fire)
        fire_special("@releaseDomain");
}

void domain_attach_lost(struct attach *a)
{
    struct domain *d = a->domain;

    log_info("domain %u: VMM gone, releasing it", a->domid);
    if (d) {
        bool was = d->introduced;
        domain_release(d, false);
        d->attach = NULL;
        domain_free(d);
        persist_domain_gone(a->domid);
        if (was)
            fire_special("@releaseDomain");
    }
    /* The domain is dead: a later one with this domid is another. */
    domref_drop(a->domid);
    vmm_attach_free(a);
}

/* Domids in requests are read as Xen reads them: atoi, so "5x" is 5,
 * "x" is 0 and "-1" is a domid no domain has. */
static unsigned int xen_domid(const char *s)
{
    return (unsigned int)atoi(s);
}

/* domid NUL gfn NUL port NUL.  The ring itself came from the domain's VMM
 * (see docs/xenstored-vmm-attach.md); INTRODUCE makes an attached domain
 * visible to tools again, as Xen's re-introduce does. */
int do_introduce(const void *ctx, struct conn *c, char *in, unsigned int len)
{
    struct domain *d;
    unsigned int domid, port;
    const char *v[3];
    int i;

    if (proto_count_strings(in, len) < 3)
        return EINVAL;
    for (i = 0, v[0] = in; i < 2; i++)
        v[i + 1] = v[i] + strlen(v[i]) + 1;
    /* Xen: an unsigned port from atoi, refused only when 0. */
    port = (uint32_t)atoi(v[2]);
    domid = xen_domid(v[0]);
    if (port == 0)
        return EINVAL;
    /* Domain 0 is the host, introduced from the start and with no ring to
     * reset: Xen's re-introduction of it comes down to the reply. */
    if (domid == 0) {
        send_ack(c, XS_INTRODUCE);
        return 0;
    }
    d = domain_find(domid);
    if (!d || !d->attach) {
        log_warn("INTRODUCE of domain %u refused: no VMM attached its ring", domid);
        return ENOENT;
    }
    if (d->attach->port && port != d->attach->port)
        log_info("INTRODUCE of domain %u: port %u, VMM said %u; using the VMM's",
                 domid, port, d->attach->port);
    if (domain_introduce(domid, d->attach))
        return ENOMEM;
    send_ack(c, XS_INTRODUCE);
    return 0;
}

/* Xen's find_connected_domain: an introduced domain with a connection. */
static int connected(unsigned int domid, struct domain **out)
{
    struct domain *d = domain_find(domid);

    if (!d || !d->introduced)
        return ENOENT;
    if (!d->conn)
        return EINVAL;
    *out = d;
    return 0;
}

static int onearg_domain(char *in, unsigned int len, struct domain **out)
{
    const char *arg = proto_onearg(in, len);
    unsigned int domid;

    if (!arg)
        return EINVAL;
    domid = xen_domid(arg);
    if (domid == 0)
        return EINVAL;
    return connected(domid, out);
}

int do_release(const void *ctx, struct conn *c, char *in, unsigned int len)
{
    struct domain *d;
    int err = onearg_domain(in, len, &d);

    if (err)
        return err;
    if (d->conn == c)
        return EINVAL;
    /* The reply goes before @releaseDomain, as Xen sends them. */
    send_ack(c, XS_RELEASE);
    domain_release(d, true);
    return 0;
}

int do_resume(const void *ctx, struct conn *c, char *in, unsigned int len)
{
    struct domain *d;
    int err = onearg_domain(in, len, &d);

    if (err)
        return err;
    d->shutdown = false;
    send_ack(c, XS_RESUME);
    return 0;
}

int do_is_domain_introduced(const void *ctx, struct conn *c, char *in, unsigned int len)
{
    const char *arg = proto_onearg(in, len);
    struct domain *d;
    bool yes;

    if (!arg)
        return EINVAL;
    if ((unsigned int)atoi(arg) == DOMID_SELF_) {
        yes = true;
    } else {
        d = domain_find(atoi(arg));
        yes = d && d->introduced;
    }
    send_reply(c, XS_IS_DOMAIN_INTRODUCED, yes ? "T" : "F", 2);
    return 0;
}

int do_get_domain_path(const void *ctx, struct conn *c, char *in, unsigned int len)
{
    const char *arg = proto_onearg(in, len);
    char *p;

    if (!arg)
        return EINVAL;
    p = domain_path(ctx, atoi(arg));
    if (!p)
        return ENOMEM;
    send_reply(c, XS_GET_DOMAIN_PATH, p, strlen(p) + 1);
    return 0;
}

/* domid NUL target NUL: domid (a device model) gets target's rights. */
int do_set_target(const void *ctx, struct conn *c, char *in, unsigned int len)
{
    struct domain *d, *t;
    int err;

    if (proto_count_strings(in, len) < 2)
        return EINVAL;
    err = connected(xen_domid(in), &d);
    if (!err)
        err = connected(xen_domid(in + strlen(in) + 1), &t);
    if (err)
        return err;
    d->conn->target = t->conn;
    send_ack(c, XS_SET_TARGET);
    return 0;
}

bool special_perm_ok(const char *name, struct conn *c)
{
    if (!strcmp(name, "@introduceDomain"))
        return perm_for_conn(c, intro_perms, intro_n) & XS_PERM_READ;
    if (!strcmp(name, "@releaseDomain"))
        return perm_for_conn(c, rel_perms, rel_n) & XS_PERM_READ;
    return false;
}

int special_set_perms(struct conn *c, const char *name,
                      struct xs_permissions *p, unsigned int n)
{
    struct xs_permissions **pp;
    unsigned int *pn;
    const unsigned int need = XS_PERM_WRITE | XS_PERM_OWNER;

    if (!strcmp(name, "@introduceDomain")) {
        pp = &intro_perms; pn = &intro_n;
    } else if (!strcmp(name, "@releaseDomain")) {
        pp = &rel_perms; pn = &rel_n;
    } else {
        return EINVAL;
    }
    if ((perm_for_conn(c, *pp, *pn) & need) != need)
        return EACCES;
    if (*pp != &intro_default && *pp != &rel_default)
        talloc_free(*pp);
    *pp = talloc_memdup(NULL, p, n * sizeof(*p));
    if (!*pp) {
        *pp = pp == &intro_perms ? &intro_default : &rel_default;
        *pn = 1;
        return ENOMEM;
    }
    *pn = n;
    persist_special();
    return 0;
}

void special_get_perms(const char *name, const struct xs_permissions **p, unsigned int *n)
{
    bool intro = !strcmp(name, "@introduceDomain");

    *p = intro ? intro_perms : rel_perms;
    *n = intro ? intro_n : rel_n;
}

/* Live update: attached domains with their fds (inherited over exec). */
void domains_dump(struct ss_wr *o)
{
    struct domain *d;

    TAILQ_FOREACH(d, &domains, link) {
        struct attach *a = d->attach;

        if (!a)
            continue;
        ss_put_u32(o, 1);
        ss_put_u32(o, a->domid);
        ss_put_u32(o, a->vmm_fd);
        ss_put_u32(o, a->mem_fd);
        ss_put_u32(o, a->event_fd);
        ss_put_u32(o, a->notify_fd);
        ss_put_u64(o, a->ring_offset);
        ss_put_u32(o, a->port);
        ss_put_u32(o, a->target);
        ss_put_u32(o, d->introduced);
        ss_put_u32(o, d->shutdown);
    }
    ss_put_u32(o, 0);
}

int domains_restore(struct ss_rd *i)
{
    while (ss_get_u32(i) == 1 && !i->bad) {
        struct attach *a = talloc_zero(NULL, struct attach);
        struct domain *d;
        bool introduced;

        if (!a)
            return ENOMEM;
        a->domid = ss_get_u32(i);
        a->vmm_fd = ss_get_u32(i);
        a->mem_fd = ss_get_u32(i);
        a->event_fd = ss_get_u32(i);
        a->notify_fd = ss_get_u32(i);
        a->ring_offset = ss_get_u64(i);
        a->port = ss_get_u32(i);
        a->target = ss_get_u32(i);
        introduced = ss_get_u32(i);
        d = domain_find(a->domid);
        if (!d && !(d = domain_new(a->domid)))
            return ENOMEM;
        d->shutdown = ss_get_u32(i);
        d->attach = a;
        a->domain = d;
        if (i->bad || !vmm_attach_restore(a))
            return EINVAL;
        if (introduced) {
            d->conn = ring_conn_new(d, a);
            if (!d->conn)
                return ENOMEM;
            d->introduced = true;
        }
    }
    return i->bad ? EINVAL : 0;
}

void special_dump(struct ss_wr *o)
{
    ss_put_blob(o, intro_perms, intro_n * sizeof(*intro_perms));
    ss_put_blob(o, rel_perms, rel_n * sizeof(*rel_perms));
}

void special_restore(struct ss_rd *i)
{
    struct xs_permissions *p;
    uint32_t n;

    p = (void *)ss_get_blob(i, &n);
    if (p && n && n % sizeof(*p) == 0)
        special_set_perms(&(struct conn){ .id = 0 }, "@introduceDomain", p, n / sizeof(*p));
    p = (void *)ss_get_blob(i, &n);
    if (p && n && n % sizeof(*p) == 0)
        special_set_perms(&(struct conn){ .id = 0 }, "@releaseDomain", p, n / sizeof(*p));
}
