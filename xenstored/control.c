/* CONTROL: the commands xenstore-control sends (log, quota, quota-soft,
 * memreport, print, check, help, live-update), and xenkvm's watch-export /
 * watch-import, which carry a domain's watches across xl save and
 * restore (docs/migration.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xenstored.h"
#include "log.h"

typedef int cmd_fn(const void *ctx, struct conn *c, char **argv, int argc);

static cmd_fn ctl_help;

static int ctl_log(const void *ctx, struct conn *c, char **argv, int argc)
{
    if (argc != 1)
        return EINVAL;
    if (!strcmp(argv[0], "on"))
        xs_log_on = true;
    else if (!strcmp(argv[0], "off"))
        xs_log_on = false;
    else
        return EINVAL;
    send_ack(c, XS_CONTROL);
    return 0;
}

static int ctl_logfile(const void *ctx, struct conn *c, char **argv, int argc)
{
    if (argc != 1)
        return EINVAL;
    trace_open(argv[0]);
    send_ack(c, XS_CONTROL);
    return 0;
}

static int reply_str(struct conn *c, const char *s)
{
    if (!s)
        return ENOMEM;
    send_reply(c, XS_CONTROL, s, strlen(s) + 1);
    return 0;
}

/* Texts and number parsing as Xen 4.17's xenstored_control.c. */
static int quota_cmd(const void *ctx, struct conn *c, char **argv, int argc, bool soft)
{
    int v;

    if (argc == 0) {
        char *r = quota_report(ctx, soft);
        return reply_str(c, r ? talloc_asprintf(ctx, "Quota settings:\n%s", r) : NULL);
    }
    if (!strcmp(argv[0], "set")) {
        if (argc != 3)
            return EINVAL;
        v = atoi(argv[2]);
        if (v < 1 || quota_set_by_name(argv[1], v, soft))
            return EINVAL;
        send_ack(c, XS_CONTROL);
        return 0;
    }
    if (soft || argc != 1)
        return EINVAL;
    /* quota <domid>: what a domain xenstored knows uses now. */
    unsigned int domid = (unsigned int)atoi(argv[0]);
    struct domain *d = domain_find(domid);
    if (!d)
        return ENOENT;
    struct acct *a = acct_get(domid);
    return reply_str(c, talloc_asprintf(ctx, "Domain %u:\n%-16s: %8d\n%-16s: %8d\n%-16s: %8u\n"
                                         "%-16s: %8u\n%-16s: %8ld\n", domid,
                                         "nodes", a->nodes, "watches", a->watches,
                                         "transactions", d->conn ? d->conn->ntrans : 0,
                                         "outstanding", d->conn ? d->conn->out_replies : 0,
                                         "memory", a->memory));
}

static int ctl_quota(const void *ctx, struct conn *c, char **argv, int argc)
{
    return quota_cmd(ctx, c, argv, argc, false);
}

static int ctl_quota_soft(const void *ctx, struct conn *c, char **argv, int argc)
{
    return quota_cmd(ctx, c, argv, argc, true);
}

/* memreport [FILE]: as Xen, the report is appended to FILE or else to
 * the trace file; with neither, EBADF. */
static int ctl_memreport(const void *ctx, struct conn *c, char **argv, int argc)
{
    const char *file = argc == 1 ? argv[0] : trace_path();
    char *s = talloc_strdup(ctx, "");
    FILE *f;

    if (argc > 1)
        return EINVAL;
    if (!file)
        return EBADF;
    acct_dump(&s, ctx);
    if (!s)
        return ENOMEM;
    f = fopen(file, "a");
    if (!f)
        return EBADF;
    fputs(s, f);
    talloc_report_full(NULL, f);
    fclose(f);
    send_ack(c, XS_CONTROL);
    return 0;
}

static int ctl_print(const void *ctx, struct conn *c, char **argv, int argc)
{
    if (argc != 1)
        return EINVAL;
    log_info("print: %s", argv[0]);
    trace_note("print: %s", argv[0]);
    send_ack(c, XS_CONTROL);
    return 0;
}

/* Node count per owner must match the tree; walk tdb to check. */
static int check_one(TDB_CONTEXT *t, TDB_DATA k, TDB_DATA d, void *arg)
{
    int *n = arg;
    void *ctx = talloc_new(NULL);
    char *name = talloc_strndup(ctx, (char *)k.dptr, k.dsize);
    struct node *node = name ? node_decode(ctx, name, d) : NULL;

    if (!node)
        (*n)++;
    talloc_free(ctx);
    return 0;
}

static int ctl_check(const void *ctx, struct conn *c, char **argv, int argc)
{
    int bad = 0;

    if (argc)
        return EINVAL;
    store_traverse(check_one, &bad);
    if (bad)
        log_err("check: %d corrupt records", bad);
    send_ack(c, XS_CONTROL);
    return 0;
}

/* watch-export DOMID: the domain's watches, one a line: "R" (relative:
 * the path is then relative to the domain's home) or "A", a tab, the
 * path, a tab, the token.  A token holding a tab or newline cannot be
 * written and is left out. */
static int ctl_watch_export(const void *ctx, struct conn *c, char **argv, int argc)
{
    struct domain *d;
    struct watch *w;
    char *s;
    size_t home;

    if (argc != 1)
        return EINVAL;
    d = domain_find((unsigned int)atoi(argv[0]));
    if (!d || !d->conn)
        return ENOENT;
    home = strlen(d->path);
    s = talloc_strdup(ctx, "");
    TAILQ_FOREACH(w, &d->conn->watches, link) {
        const char *path = w->node;
        if (!s || strpbrk(w->token, "\t\n"))
            continue;
        if (w->relative && !strncmp(path, d->path, home) && path[home] == '/')
            path += home + 1;
        s = talloc_asprintf_append(s, "%c\t%s\t%s\n", w->relative ? 'R' : 'A', path,
                                   w->token);
    }
    return reply_str(c, s);
}

/* watch-import DOMID [R|A PATH TOKEN]...: watches a restored domain had,
 * added to its connection as they were (relative ones under its new
 * home); no event fires for them.  One already there is kept once. */
static int ctl_watch_import(const void *ctx, struct conn *c, char **argv, int argc)
{
    struct domain *d;

    if (argc < 1 || (argc - 1) % 3)
        return EINVAL;
    d = domain_find((unsigned int)atoi(argv[0]));
    if (!d || !d->conn)
        return ENOENT;
    for (int i = 1; i < argc; i += 3) {
        bool rel = !strcmp(argv[i], "R");
        char *node = rel ? talloc_asprintf(ctx, "%s/%s", d->path, argv[i + 1])
                         : talloc_strdup(ctx, argv[i + 1]);
        struct watch *w;
        bool dup = false;
        int err;

        if (!node)
            return ENOMEM;
        if ((!rel && strcmp(argv[i], "A")) ||
            (node[0] == '@' ? strlen(node) > XENSTORE_REL_PATH_MAX : !path_valid(node)))
            return EINVAL;
        TAILQ_FOREACH(w, &d->conn->watches, link)
            dup |= !strcmp(w->node, node) && !strcmp(w->token, argv[i + 2]);
        if (!dup && (err = watch_add(d->conn, node, argv[i + 2], rel)))
            return err;
    }
    send_ack(c, XS_CONTROL);
    return 0;
}

static const struct {
    const char *name;
    cmd_fn *fn;
    const char *args;
} cmds[] = {
    { "check", ctl_check, "" },
    { "log", ctl_log, "on|off" },
    { "live-update", lu_control, "[-c <cmdline>] [-F] [-t <timeout>] <file>\n"
                                 "    Default timeout is 60 seconds." },
    { "logfile", ctl_logfile, "<file>" },
    { "memreport", ctl_memreport, "[<file>]" },
    { "print", ctl_print, "<string>" },
    { "quota", ctl_quota, "[set <name> <val>|<domid>]" },
    { "quota-soft", ctl_quota_soft, "[set <name> <val>]" },
    { "help", ctl_help, "" },
    { "watch-export", ctl_watch_export, "<domid>" },
    { "watch-import", ctl_watch_import, "<domid> [R|A <path> <token>]..." },
};

static int ctl_help(const void *ctx, struct conn *c, char **argv, int argc)
{
    char *s = talloc_strdup(ctx, "");
    unsigned int i;

    if (argc)
        return EINVAL;
    for (i = 0; s && i < sizeof(cmds) / sizeof(cmds[0]); i++)
        s = talloc_asprintf_append(s, "%s\t%s\n", cmds[i].name, cmds[i].args);
    return reply_str(c, s);
}

/* cmd NUL arg NUL ... */
int do_control(const void *ctx, struct conn *c, char *in, unsigned int len)
{
    unsigned int n = proto_count_strings(in, len), i;
    char **argv;

    if (n < 1)
        return EINVAL;
    argv = talloc_array(ctx, char *, n);
    if (!argv)
        return ENOMEM;
    argv[0] = in;
    for (i = 1; i < n; i++)
        argv[i] = argv[i - 1] + strlen(argv[i - 1]) + 1;
    for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (!strcmp(argv[0], cmds[i].name))
            return cmds[i].fn(ctx, c, argv + 1, n - 1);
    return EINVAL;
}
