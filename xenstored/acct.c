/* Per-domain accounting of nodes, memory and watches, for the quotas. */
#include <stdio.h>
#include "xenstored.h"
#include "log.h"

static TAILQ_HEAD(, acct) accts = TAILQ_HEAD_INITIALIZER(accts);

struct acct *acct_get(unsigned int domid)
{
    struct acct *a;

    TAILQ_FOREACH(a, &accts, link)
        if (a->domid == domid)
            return a;
    a = talloc_zero(NULL, struct acct);
    if (!a)
        die(1, "out of memory");
    a->domid = domid;
    TAILQ_INSERT_TAIL(&accts, a, link);
    return a;
}

void acct_nodes(unsigned int domid, int delta, long mem)
{
    struct acct *a = acct_get(domid);

    a->nodes += delta;
    a->memory += mem;
    if (domid != DOMID_PRIV && quota.memory_soft && a->memory >= quota.memory_soft
        && !a->soft_warned) {
        a->soft_warned = true;
        log_warn("domain %u exceeds soft memory quota", domid);
    } else if (a->memory < quota.memory_soft) {
        a->soft_warned = false;
    }
}

void acct_dump(char **buf, const void *ctx)
{
    struct acct *a;

    TAILQ_FOREACH(a, &accts, link)
        *buf = talloc_asprintf_append(*buf, "domain %u: nodes %d watches %d memory %ld\n",
                                      a->domid, a->nodes, a->watches, a->memory);
}
