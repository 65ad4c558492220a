/* Quotas with Xen's defaults (tools/xenstore/xenstored_core.c, 4.17) and
 * Xen's names for the quota control command and the -Q/-q options. */
#include <string.h>
#include "xenstored.h"

struct quotas quota = {
    .nodes = 1000,
    .watches = 128,
    .transactions = 10,
    .outstanding = 20,
    .trans_nodes = 1024,
    .memory = 2 * 1024 * 1024 + 512 * 1024,
    .memory_soft = 2 * 1024 * 1024,
    .node_size = 2048,
    .path_max = XENSTORE_REL_PATH_MAX,
    .perms = 5,
};

static const struct {
    const char *name;
    int *val;
    const char *descr;
} hard[] = {
    { "nodes", &quota.nodes, "Nodes per domain" },
    { "watches", &quota.watches, "Watches per domain" },
    { "transactions", &quota.transactions, "Transactions per domain" },
    { "outstanding", &quota.outstanding, "Outstanding requests per domain" },
    { "transaction-nodes", &quota.trans_nodes, "Max. number of accessed nodes per transaction" },
    { "memory", &quota.memory, "Total Xenstore memory per domain (error level)" },
    { "node-size", &quota.node_size, "Max. size of a node" },
    { "path-max", &quota.path_max, "Max. length of a node path" },
    { "permissions", &quota.perms, "Max. number of permissions per node" },
}, soft[] = {
    { "memory", &quota.memory_soft, "Total Xenstore memory per domain (warning level)" },
};

int quota_set_by_name(const char *name, int val, bool is_soft)
{
    unsigned int i, n = is_soft ? 1 : sizeof(hard) / sizeof(hard[0]);

    if (val < 0)
        return -1;
    for (i = 0; i < n; i++) {
        if (!strcmp(name, (is_soft ? soft : hard)[i].name)) {
            *(is_soft ? soft : hard)[i].val = val;
            return 0;
        }
    }
    return -1;
}

char *quota_report(const void *ctx, bool is_soft)
{
    unsigned int i, n = is_soft ? 1 : sizeof(hard) / sizeof(hard[0]);
    char *s = talloc_strdup(ctx, "");

    for (i = 0; s && i < n; i++)
        s = talloc_asprintf_append(s, "%-17s: %8d %s\n", (is_soft ? soft : hard)[i].name,
                                   *(is_soft ? soft : hard)[i].val,
                                   (is_soft ? soft : hard)[i].descr);
    return s;
}

/* Live update: quotas by name, so a newer binary can add some. */
void quota_dump(struct ss_wr *o)
{
    unsigned int i;

    for (i = 0; i < sizeof(hard) / sizeof(hard[0]); i++) {
        ss_put_str(o, hard[i].name);
        ss_put_u32(o, *hard[i].val);
    }
    ss_put_str(o, "soft-memory");
    ss_put_u32(o, quota.memory_soft);
    ss_put_str(o, NULL);
}

void quota_restore(struct ss_rd *in)
{
    char *name;

    while ((name = lu_get_str(NULL, in)) && !in->bad) {
        int v = ss_get_u32(in);
        if (!strcmp(name, "soft-memory"))
            quota.memory_soft = v;
        else
            quota_set_by_name(name, v, false);
        talloc_free(name);
    }
}
