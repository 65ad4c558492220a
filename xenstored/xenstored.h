/* xenstored: shared types and the interfaces between its parts. */
#ifndef XENSTORED_H
#define XENSTORED_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/queue.h>
#include <talloc.h>
#include <tdb.h>
#include <event2/event.h>
#include <xenstore_lib.h>   /* struct xs_permissions, XS_PERM_* */
#include <xen/io/xs_wire.h>

#define DOMID_PRIV 0        /* the host: every socket client is dom0 */
#include "xs_attach.h"
#include "savestate.h"

/* ---- quotas (quota.c): Xen's names and defaults ---- */
struct quotas {
    int nodes;          /* nodes owned per domain */
    int watches;        /* watches per domain */
    int transactions;   /* open transactions per connection */
    int outstanding;    /* queued responses before input stalls */
    int trans_nodes;    /* nodes touched per transaction */
    int memory;         /* bytes per domain (hard) */
    int memory_soft;    /* bytes per domain (warning only) */
    int node_size;      /* bytes of one node record */
    int path_max;       /* path length beyond /local/domain/N/ */
    int perms;          /* permission entries per node */
};
extern struct quotas quota;
int quota_set_by_name(const char *name, int val, bool soft);
char *quota_report(const void *ctx, bool soft);

/* ---- nodes and the store (store.c) ---- */
struct node {
    char *name;
    uint64_t generation;
    unsigned int nperms;
    struct xs_permissions *perms;
    char *data;
    unsigned int datalen;
    char *children;         /* NUL-separated child names */
    unsigned int childlen;
};

struct conn;
struct transaction;

/* NULL: in memory.  1: a file that holds a store (a restart), 0: a new
 * one, or -errno (-EBUSY: another xenstored has it). */
int store_open(const char *file);
extern bool store_sync;         /* --db-sync: fsync each commit */
int store_init_tree(void);      /* / and /tool in a new store */
void store_recover(void);       /* accounting and generation at a restart */
void store_close(void);
bool store_durable(void);
/* Every change between begin and end lands in the file at once (one tdb
 * transaction); changes outside a batch are one transaction each. */
void store_batch_begin(void);
int store_batch_end(void);
/* xenstored's own durable records (persist.c): keys start with '#'. */
#define STORE_META '#'
bool store_is_meta(TDB_DATA key);
int store_meta_put(const char *key, const void *blob, unsigned int len);
int store_meta_delete(const char *key);
/* Read a node as conn sees it (its transaction's view if any); NULL+errno. */
struct node *store_read(const void *ctx, struct conn *c, const char *name);
int store_write(struct conn *c, struct node *n, bool no_quota);  /* errno or 0 */
int store_delete(struct conn *c, const char *name);
uint64_t store_next_generation(void);
/* Encode/decode the tdb record of a node. */
TDB_DATA node_encode(const void *ctx, const struct node *n);
struct node *node_decode(const void *ctx, const char *name, TDB_DATA d);
/* Apply a record to the committed store and fix per-domain accounting. */
int store_commit_record(const char *name, TDB_DATA *rec);
TDB_DATA store_fetch_committed(const void *ctx, const char *name);
int store_traverse(int (*fn)(TDB_CONTEXT *, TDB_DATA, TDB_DATA, void *), void *arg);

/* ---- path helpers and node operations (node.c) ---- */
bool path_valid(const char *path);
char *path_canonical(const void *ctx, struct conn *c, const char *path);
char *path_parent(const void *ctx, const char *path);
bool path_is_child(const char *child, const char *parent);
struct node *node_get(const void *ctx, struct conn *c, const char *name,
                      unsigned int perm);
struct node *node_create(const void *ctx, struct conn *c, const char *name,
                         const void *data, unsigned int len);
int node_rm(const void *ctx, struct conn *c, const char *name);

/* ---- permissions (perms.c) ---- */
unsigned int perm_for_conn(const struct conn *c, const struct xs_permissions *p,
                           unsigned int n);
int perms_parse(const void *ctx, const char *strs, unsigned int len,
                struct xs_permissions **out, unsigned int *num);
char *perms_format(const void *ctx, const struct xs_permissions *p,
                   unsigned int n, unsigned int *len);
bool domid_impossible(unsigned int domid);

/* ---- per-domain accounting (acct.c) ---- */
struct acct {
    unsigned int domid;
    int nodes, watches;
    long memory;
    bool soft_warned;
    TAILQ_ENTRY(acct) link;
};
struct acct *acct_get(unsigned int domid);  /* creates */
void acct_nodes(unsigned int domid, int delta, long mem);
void acct_dump(char **buf, const void *ctx);

/* ---- connections (conn.c) ---- */
struct outbuf {
    TAILQ_ENTRY(outbuf) link;
    bool event;
    unsigned int len, off;
    char data[];            /* header + payload */
};

struct watch {
    TAILQ_ENTRY(watch) link;
    char *node;             /* canonical */
    char *token;
    bool relative;          /* report paths relative to the domain path */
};

struct conn_ops {
    int (*read)(struct conn *c, void *buf, unsigned int len);
    int (*write)(struct conn *c, const void *buf, unsigned int len);
    bool (*can_write)(struct conn *c);
    void (*kick)(struct conn *c);   /* after a batch: notify peer */
};

enum conn_kind { CONN_SOCKET, CONN_RING, CONN_MEM };

struct ring;
struct domain;

struct conn {
    TAILQ_ENTRY(conn) link;
    enum conn_kind kind;
    const struct conn_ops *ops;
    unsigned int id;            /* domid */
    struct domain *domain;      /* NULL for socket connections */
    struct conn *target;        /* SET_TARGET */
    int fd;
    struct event *ev_read, *ev_write;
    struct ring *ring;
    /* input */
    struct xsd_sockmsg hdr;
    unsigned int in_used;
    bool in_hdr;
    char *in_buf;
    /* output */
    TAILQ_HEAD(, outbuf) out;
    unsigned int out_replies;   /* queued replies: outstanding requests */
    unsigned int out_bytes;     /* bytes queued and not yet written */
    TAILQ_HEAD(watch_list_head, watch) watches;
    unsigned int nwatches;
    TAILQ_HEAD(, transaction) transactions;
    unsigned int ntrans;
    uint32_t next_tx_id;
    struct transaction *trans;  /* of the request being processed */
    /* socket input read ahead in one recv, parsed from here */
    char *rbuf;
    unsigned int rlen, roff;
    bool rshort;                /* the last recv did not fill rbuf */
    bool bad;                   /* ignored after a protocol error */
    bool closing;
    uint32_t unique;            /* for trace output */
    struct sliced_job *job;     /* its request running in slices */
    bool parked;                /* its read request waits for that job */
};

TAILQ_HEAD(conn_list, conn);
extern struct conn_list connections;
extern struct event_base *evbase;

struct conn *conn_new(const void *ctx, enum conn_kind kind,
                      const struct conn_ops *ops, unsigned int domid);
int conn_socket_accept(int listen_fd);
bool conn_handle_input(struct conn *c);     /* one request at most */
bool conn_may_read(struct conn *c);
void conn_free(struct conn *c);
bool conn_priv(const struct conn *c);
void conn_reset(struct conn *c);   /* drop watches, transactions, output */
void conn_mark_bad(struct conn *c, uint32_t ring_error);
/* Queue a reply/event on c. */
void send_reply(struct conn *c, uint32_t type, const void *data, unsigned int len);
void send_error(struct conn *c, int err);
void send_ack(struct conn *c, uint32_t type);
void send_event(struct conn *c, const char *path, const char *token);
void conn_flush(struct conn *c);
void conns_kick_all(struct conn *except);

/* ---- requests run in slices (sliced.c) ---- */
#define SLICE_UNITS 256     /* nodes handled per pass of the loop */
struct sliced_job;
struct sliced_ops {
    /* Up to units nodes of work: >0 more to do, 0 done, -errno failed. */
    int (*step)(struct sliced_job *j, unsigned int units);
    /* Does the job touch the node at this canonical path? */
    bool (*busy)(struct sliced_job *j, const char *path);
    void (*free)(struct sliced_job *j);    /* at the end; may be NULL */
};
struct sliced_job {
    const struct sliced_ops *ops;
    struct conn *c;             /* NULL once the owner has gone */
    uint32_t req_id, tx_id, reply_type;
    bool in_trans;              /* works inside c's transaction */
    bool aborted;               /* that transaction is gone */
    void *priv;
};
/* Run j (talloc'd, freed here) for c's request: the first slice now.
 * 0 or an errno when it finished (the caller replies), EINPROGRESS when
 * it goes on in later passes and replies itself. */
int sliced_start(struct sliced_job *j, struct conn *c, uint32_t reply_type);
void sliced_continue(evutil_socket_t fd, short what, void *arg);
bool sliced_busy(void);
bool sliced_defers(struct conn *c, const struct xsd_sockmsg *h, const char *payload);
void sliced_conn_reset(struct conn *c);

/* ---- listeners out of descriptors (accept_limit.c) ---- */
void listener_out_of_fds(int err);     /* from the running accept callback */
void listeners_resume(void);           /* a descriptor freed */

/* ---- message processing (proto.c) ---- */
/* Header check before reading the payload: 0 ok or a ring error code. */
int proto_check_header(const struct xsd_sockmsg *h);
unsigned int proto_count_strings(const char *buf, unsigned int len);
const char *proto_onearg(const char *buf, unsigned int len);
void proto_process(struct conn *c, const struct xsd_sockmsg *h, char *payload);
const char *proto_type_name(uint32_t type);
const char *proto_errname(int err);

/* ---- request handlers ---- */
int do_read(const void *ctx, struct conn *c, char *in, unsigned int len);
int do_write(const void *ctx, struct conn *c, char *in, unsigned int len);
int do_mkdir(const void *ctx, struct conn *c, char *in, unsigned int len);
int do_rm(const void *ctx, struct conn *c, char *in, unsigned int len);
int do_directory(const void *ctx, struct conn *c, char *in, unsigned int len);
int do_directory_part(const void *ctx, struct conn *c, char *in, unsigned int len);
int do_get_perms(const void *ctx, struct conn *c, char *in, unsigned int len);
int do_set_perms(const void *ctx, struct conn *c, char *in, unsigned int len);
int do_watch(const void *ctx, struct conn *c, char *in, unsigned int len);
int do_unwatch(const void *ctx, struct conn *c, char *in, unsigned int len);
int do_reset_watches(const void *ctx, struct conn *c, char *in, unsigned int len);
int do_transaction_start(const void *ctx, struct conn *c, char *in, unsigned int len);
int do_transaction_end(const void *ctx, struct conn *c, char *in, unsigned int len);
int do_introduce(const void *ctx, struct conn *c, char *in, unsigned int len);
int do_release(const void *ctx, struct conn *c, char *in, unsigned int len);
int do_is_domain_introduced(const void *ctx, struct conn *c, char *in, unsigned int len);
int do_get_domain_path(const void *ctx, struct conn *c, char *in, unsigned int len);
int do_resume(const void *ctx, struct conn *c, char *in, unsigned int len);
int do_set_target(const void *ctx, struct conn *c, char *in, unsigned int len);
int do_control(const void *ctx, struct conn *c, char *in, unsigned int len);

/* ---- watches (watch.c) ---- */
void fire_watches(struct conn *c, const void *ctx, const char *name,
                  bool exact, const struct xs_permissions *oldp, unsigned int oldn);
/* The same for a node removed with its parent: their old permissions
 * decide who may learn of it (pp NULL: the parent is still there). */
void fire_watches_gone(struct conn *c, const void *ctx, const char *name, bool exact,
                       const struct xs_permissions *oldp, unsigned int oldn,
                       const struct xs_permissions *pp, unsigned int npp);
void fire_special(const char *name);
void watch_free_all(struct conn *c);
int watch_add(struct conn *c, const char *node, const char *token, bool relative);

/* ---- transactions (transaction.c) ---- */
struct tnode;
struct transaction {
    TAILQ_ENTRY(transaction) link;
    uint32_t id;
    struct conn *conn;
    TAILQ_HEAD(, tnode) nodes;      /* in first-access order */
    unsigned int nnodes;
    struct tnode **buckets;         /* the same, by path hash */
    unsigned int nbuckets;          /* a power of two */
    struct tnode **old_buckets;     /* the last table, being emptied */
    unsigned int old_nbuckets, moved;
    int created;            /* nodes created (for the node quota) */
    bool failed;
    char **events;          /* queued watch events: name, exact flag */
    bool *events_exact;
    unsigned int nevents, events_cap;
};
struct transaction *trans_lookup(struct conn *c, uint32_t id, int *err);
/* The view of a transaction: tnode lookup and recording. */
int trans_read(const void *ctx, struct transaction *t, const char *name, TDB_DATA *out);
int trans_write(struct transaction *t, const char *name, TDB_DATA *rec);
void trans_queue_event(struct transaction *t, const char *name, bool exact);
void trans_free_all(struct conn *c);

/* ---- domains (domain.c) ---- */
struct domain {
    TAILQ_ENTRY(domain) link;
    unsigned int domid;
    char *path;
    struct conn *conn;          /* ring connection while introduced */
    struct attach *attach;      /* from the VMM (vmm.c) */
    bool introduced;
    bool shutdown;
    /* Restored from the store's file, its VMM not attached again yet: the
     * saved watches (persist.c), NULL once it is back. */
    unsigned char *restored_watches;
    size_t restored_len;
    bool reborn;                /* its ring connection predates a restart */
};
struct domain *domain_find(unsigned int domid);
/* Does domain domid exist (Xen's xenstored asks the hypervisor)?  Here:
 * known to xenstored (introduced, or restored and awaiting its VMM), or
 * its dom<N>.lock in domains_rundir held (lib/domlock.h). */
bool domain_exists(unsigned int domid);
extern const char *domains_rundir;
char *domain_path(const void *ctx, unsigned int domid);
int domain_introduce(unsigned int domid, struct attach *a);
void domain_release(struct domain *d, bool fire);
void domain_attach_lost(struct attach *a);
bool special_perm_ok(const char *name, struct conn *c);
int special_set_perms(struct conn *c, const char *name,
                      struct xs_permissions *p, unsigned int n);
void domain_init(void);
struct domain *domain_restore(unsigned int domid);
void domains_foreach(void (*fn)(struct domain *));
void domains_expire_restored(void);
void special_get_perms(const char *name, const struct xs_permissions **p, unsigned int *n);

/* ---- durable daemon state (persist.c) ---- */
extern bool persist_off;        /* restoring: do not write records */
extern int reattach_timeout;    /* seconds a restored domain waits for its VMM */
void persist_domain(struct domain *d);
void persist_domain_gone(unsigned int domid);
void persist_domrefs(void);
void persist_special(void);
void persist_all(void);
int persist_load(bool missing_only);
void persist_reattached(struct domain *d);

/* ---- domid incarnations for permissions (domref.c) ---- */
void domref_touch(unsigned int domid);
void domref_drop(unsigned int domid);
void node_adjust_perms(struct node *n);
void domref_foreach(void (*fn)(unsigned int domid, uint64_t gen, void *arg), void *arg);
void domref_set(unsigned int domid, uint64_t gen);

/* ---- rings (ring.c) and the VMM socket (vmm.c) ---- */
struct attach {
    unsigned int domid;
    int vmm_fd, mem_fd, event_fd, notify_fd;
    uint64_t ring_offset;
    uint32_t port, target;
    void *map;                  /* the mmap'd ring page */
    struct event *ev_vmm;
    struct domain *domain;
};
struct conn *ring_conn_new(struct domain *d, struct attach *a);
void ring_set_error(struct ring *r, uint32_t err);
struct attach *vmm_attach_restore(struct attach *a);
int vmm_listen(const char *path);
void vmm_attach_free(struct attach *a);

/* ---- control, trace, logs ---- */
void trace_open(const char *file);
void trace_msg(struct conn *c, bool in, const struct xsd_sockmsg *h, const char *payload);
void trace_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern bool xs_log_on;

/* ---- live update (lu.c): state handed to the new binary ---- */
/* The state is written in the saved-state encoding (lib/savestate.h);
 * strings come back talloc'd on CTX (NULL if a NULL was saved). */
char *lu_get_str(const void *ctx, struct ss_rd *i);
int lu_control(const void *ctx, struct conn *c, char **argv, int argc);
int lu_restore(int fd);
void trans_dump(struct ss_wr *o, struct conn *c);
int trans_restore(struct ss_rd *i, struct conn *c);
void domains_dump(struct ss_wr *o);
int domains_restore(struct ss_rd *i);
void special_dump(struct ss_wr *o);
void special_restore(struct ss_rd *i);
void domref_dump(struct ss_wr *o);
void domref_restore(struct ss_rd *i);
void quota_dump(struct ss_wr *o);
void quota_restore(struct ss_rd *i);
void store_dump(struct ss_wr *o);
int store_restore(struct ss_rd *i);
uint64_t store_generation(void);
void store_set_generation(uint64_t g);
struct conn *conn_socket_new(int fd);
void vmm_listen_start(int fd);
const char *trace_path(void);
extern uint32_t conn_unique;

/* main.c: what live update passes on */
extern int main_listen_fd, vmm_listen_fd;
extern char *sock_path, *vmm_path;
extern int xs_argc;
extern bool lu_dry_run;
extern char **xs_argv;

#endif
