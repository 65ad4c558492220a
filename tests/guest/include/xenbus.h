/*
 * A xenstore client on the domain's ring (lib/xenbus.c), as a frontend's
 * xenbus does it: the ring page at HVM_PARAM_STORE_PFN, the event channel
 * HVM_PARAM_STORE_EVTCHN, one request at a time, replies matched by
 * req_id, watch events queued as they arrive and handed to the caller.
 *
 * Waiting never spins: the store port is masked and the library sleeps in
 * SCHEDOP_poll on it (a masked port still wakes a poll), so no interrupt
 * handler is needed.  Single vCPU, not reentrant.
 *
 * Paths not starting with '/' are relative to the domain's home,
 * /local/domain/<domid>: they are sent as they are and xenstored resolves
 * them (docs/misc/xenstore.txt); watch events of a relative watch come
 * back relative too.  xenbus_abs_path() resolves one the same way.
 *
 * Every call returns 0 (or a count) on success, or a negative Xen errno:
 * the error xenstored answered (-XEN_ENOENT, -XEN_EACCES, -XEN_EAGAIN for
 * a transaction that must be redone, ...), -XEN_ENOTCONN without a ring,
 * -XEN_ETIMEDOUT when xenstored did not answer in time, -XEN_EIO for a
 * broken ring, -XEN_E2BIG when a reply does not fit the caller's buffer.
 * A request that could not be written whole (xenstored stopped taking
 * them) leaves the ring unusable: the library then says not connected.
 */
#ifndef GUEST_XENBUS_H
#define GUEST_XENBUS_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "lib.h"
#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/io/xs_wire.h>

/* No transaction (XBT_NIL in Linux). */
#define XBT_NIL 0u

/* How long a request waits for its reply (system time). */
#define XENBUS_REPLY_TIMEOUT_NS (10ull * 1000000000ull)

/* Finds the ring, maps it and masks the store port.  True if xenstored is
 * attached: it advertises its features in the ring page before the guest
 * runs (our xenstored always does; a page of zeroes means no daemon). */
bool xenbus_init(void);
bool xenbus_connected(void);
evtchn_port_t xenbus_port(void);
/* "/local/domain/<domid>" (domid from CPUID). */
const char *xenbus_home(void);
/* Resolves path against the home as xenstored does; -XEN_E2BIG if it does
 * not fit in size bytes. */
int xenbus_abs_path(const char *path, char *buf, size_t size);

/* The error name for a negative errno from this library ("ENOENT"). */
const char *xenbus_strerror(int err);

/* One raw request: body of len bytes; the reply's payload is copied to rsp
 * (NUL-terminated, at most rsp_size - 1 bytes) and its length stored in
 * *rsp_len.  An XS_ERROR reply gives its negative errno. */
int xenbus_request(uint32_t type, uint32_t tx, const void *body, uint32_t len,
                   char *rsp, size_t rsp_size, uint32_t *rsp_len);

/* The value of path, NUL-terminated; returns its length. */
int xenbus_read(uint32_t tx, const char *path, char *buf, size_t size);
/* Reads path as an unsigned decimal number. */
int xenbus_read_u64(uint32_t tx, const char *path, uint64_t *value);
int xenbus_write(uint32_t tx, const char *path, const char *value);
int xenbus_write_bytes(uint32_t tx, const char *path, const void *value,
                       uint32_t len);
int xenbus_printf(uint32_t tx, const char *path, const char *fmt, ...)
    __printf(3, 4);
int xenbus_mkdir(uint32_t tx, const char *path);
int xenbus_rm(uint32_t tx, const char *path);
/* The children of path as NUL-terminated names one after the other in buf;
 * returns how many. */
int xenbus_directory(uint32_t tx, const char *path, char *buf, size_t size);

int xenbus_transaction_start(uint32_t *tx);
/* Commits (abort false) or aborts; -XEN_EAGAIN: redo the transaction. */
int xenbus_transaction_end(uint32_t tx, bool abort);

/* XS_WATCH / XS_UNWATCH.  xenstored fires a new watch once at once. */
int xenbus_watch(const char *path, const char *token);
int xenbus_unwatch(const char *path, const char *token);

struct xenbus_event {
    char path[XENSTORE_ABS_PATH_MAX + 1];
    char token[64];
};

/* Takes the oldest queued watch event, first moving whatever the ring
 * holds into the queue; waits up to timeout_ns (0: not at all) for one.
 * Returns 0 or -XEN_ETIMEDOUT (or a ring error). */
int xenbus_next_event(struct xenbus_event *ev, uint64_t timeout_ns);
/* Events dropped because the queue was full (it holds XENBUS_EVENT_QUEUE). */
#define XENBUS_EVENT_QUEUE 16
unsigned int xenbus_events_dropped(void);

#endif
