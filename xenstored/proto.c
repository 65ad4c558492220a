/* The wire protocol: header checks, argument splitting, the table of
 * request types and the dispatch with Xen's privilege and transaction
 * rules.  Everything here treats the payload as hostile. */
#include <errno.h>
#include <string.h>
#include "xenstored.h"
#include "log.h"

typedef int handler_fn(const void *ctx, struct conn *c, char *in, unsigned int len);

#define F_NOTID 1u  /* transaction id ignored */
#define F_PRIV  2u  /* host (dom0) only */

static const struct {
    const char *name;
    handler_fn *fn;
    unsigned int flags;
} types[XS_TYPE_COUNT] = {
    [XS_CONTROL]              = { "CONTROL", do_control, F_PRIV },
    [XS_DIRECTORY]            = { "DIRECTORY", do_directory, 0 },
    [XS_READ]                 = { "READ", do_read, 0 },
    [XS_GET_PERMS]            = { "GET_PERMS", do_get_perms, 0 },
    [XS_WATCH]                = { "WATCH", do_watch, F_NOTID },
    [XS_UNWATCH]              = { "UNWATCH", do_unwatch, F_NOTID },
    [XS_TRANSACTION_START]    = { "TRANSACTION_START", do_transaction_start, 0 },
    [XS_TRANSACTION_END]      = { "TRANSACTION_END", do_transaction_end, 0 },
    [XS_INTRODUCE]            = { "INTRODUCE", do_introduce, F_PRIV },
    [XS_RELEASE]              = { "RELEASE", do_release, F_PRIV },
    [XS_GET_DOMAIN_PATH]      = { "GET_DOMAIN_PATH", do_get_domain_path, 0 },
    [XS_WRITE]                = { "WRITE", do_write, 0 },
    [XS_MKDIR]                = { "MKDIR", do_mkdir, 0 },
    [XS_RM]                   = { "RM", do_rm, 0 },
    [XS_SET_PERMS]            = { "SET_PERMS", do_set_perms, 0 },
    [XS_WATCH_EVENT]          = { "WATCH_EVENT", NULL, 0 },
    [XS_ERROR]                = { "ERROR", NULL, 0 },
    [XS_IS_DOMAIN_INTRODUCED] = { "IS_DOMAIN_INTRODUCED", do_is_domain_introduced, F_PRIV },
    [XS_RESUME]               = { "RESUME", do_resume, F_PRIV },
    [XS_SET_TARGET]           = { "SET_TARGET", do_set_target, F_PRIV },
    [XS_RESET_WATCHES]        = { "RESET_WATCHES", do_reset_watches, 0 },
    [XS_DIRECTORY_PART]       = { "DIRECTORY_PART", do_directory_part, 0 },
};

const char *proto_type_name(uint32_t type)
{
    if (type < XS_TYPE_COUNT && types[type].name)
        return types[type].name;
    return "UNKNOWN";
}

const char *proto_errname(int err)
{
    unsigned int i;

    for (i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
        if (xsd_errors[i].errnum == err)
            return xsd_errors[i].errstring;
    return "EINVAL";    /* untranslatable, as Xen */
}

int proto_check_header(const struct xsd_sockmsg *h)
{
    if (h->len > XENSTORE_PAYLOAD_MAX)
        return XENSTORE_ERROR_PROTO;
    return 0;
}

/* Number of NUL-terminated strings (bytes after the last NUL ignored). */
unsigned int proto_count_strings(const char *buf, unsigned int len)
{
    unsigned int n = 0, i;

    for (i = 0; i < len; i++)
        if (buf[i] == 0)
            n++;
    return n;
}

/* Exactly one string filling the payload, or NULL. */
const char *proto_onearg(const char *buf, unsigned int len)
{
    if (!len || memchr(buf, 0, len) != buf + len - 1)
        return NULL;
    return buf;
}

void proto_process(struct conn *c, const struct xsd_sockmsg *h, char *payload)
{
    uint32_t type = h->type;
    int err = 0;
    void *ctx;

    if (type >= XS_TYPE_COUNT || !types[type].fn) {
        log_debug("conn %u: unknown request type %u", c->unique, type);
        send_error(c, ENOSYS);
        return;
    }
    if ((types[type].flags & F_PRIV) && !conn_priv(c)) {
        send_error(c, EACCES);
        return;
    }
    c->trans = NULL;
    if (!(types[type].flags & F_NOTID)) {
        c->trans = trans_lookup(c, h->tx_id, &err);
        /* A transaction the guest opened before a xenstored restart is
         * gone with that process: it retries, as after a conflict. */
        if (err == ENOENT && c->domain && c->domain->reborn)
            err = EAGAIN;
        if (err) {
            send_error(c, err);
            return;
        }
    }
    ctx = talloc_new(NULL);
    if (!ctx) {
        send_error(c, ENOMEM);
        return;
    }
    /* The request's changes reach the store's file together, before its
     * reply leaves (a failed commit is logged: the reply is queued). */
    store_batch_begin();
    err = types[type].fn(ctx, c, payload, h->len);
    store_batch_end();
    talloc_free(ctx);
    if (err)
        send_error(c, err);
    c->trans = NULL;
}
