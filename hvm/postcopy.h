/* Postcopy: guest memory that follows a domain already running on the
 * destination (docs/migration.md, "Postcopy").  The source sends the
 * pages still pending, in the background, and a page the destination
 * asks for first ahead of them; the destination installs each page with
 * userfaultfd (MISSING mode: UFFDIO_COPY, UFFDIO_ZEROPAGE for a page that
 * is not pending and not there, a zero page) on its mapping of the guest
 * memfd, so a vCPU or VMM thread touching a page that has not arrived
 * waits for it.
 *
 * The channel, after the xl handshake, is xenkvm's own (never on a stream
 * meant for Xen): forward records { u32 type, u32 length, body } of the
 * types below; the return path carries one u64 page number per request.
 * A broken connection pauses both ends, which a new one resumes; a dead
 * source loses the guest: pages that never arrive cannot be made. */
#ifndef XK_POSTCOPY_H
#define XK_POSTCOPY_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define PC_REC_PAGE     0x80584c01u     /* u64 page number, 4 KiB of data */
#define PC_REC_END      0x80584cffu     /* u64 pages sent in all */
#define PC_MSG_LEN      160
/* Return path: the destination lets the background stream start. */
#define PC_REQ_START    (~0ULL)
/* Return path, first on a new connection after a broken one: u64
 * PC_REQ_RESUME, u64 count, the count pages the destination still
 * misses (the source sends exactly these), then requests as before. */
#define PC_REQ_RESUME   (~1ULL)

struct pc_stats {
    uint64_t on_demand;     /* source: pages sent because asked for; destination:
                               pages a thread waited for */
    uint64_t background;    /* pages sent or installed in stream order */
    uint64_t zero_filled;   /* destination: faults on not-pending holes */
    uint64_t requests;      /* requests sent (destination) or read (source) */
    uint64_t clobbered;     /* destination: UFFDIO_COPY found the page there (EEXIST) */
    uint64_t for_backends;  /* destination: missing pages backend processes asked
                               for (filled by the VMM, postcopy_backends.c) */
};

/* Source state kept across a broken connection. */
struct pc_src {
    const uint8_t *mem;
    uint64_t npages;
    const uint64_t *pending;
    uint64_t npend;
    uint8_t *todo;          /* per page: still to send, was pending */
    uint64_t next, left, sent;
    bool started;           /* the background stream runs */
    struct pc_stats st;     /* over every connection */
};

/* The NPEND pages of PENDING (page numbers below NPAGES of MEM, kept by
 * the caller) to send.  0 or -errno with MSG. */
int pc_src_init(struct pc_src *s, const uint8_t *mem, uint64_t npages, const uint64_t *pending,
                uint64_t npend, char *msg);
/* Send them on OUT_FD, each asked for on REQ_FD first, then PC_REC_END;
 * RESUME: a new connection after a broken one (the destination's list of
 * missing pages comes first).  0 when all went; -ENOTCONN with MSG when
 * the connection broke (call again with RESUME on a new one); another
 * -errno with MSG on a fault of the destination's. */
int pc_src_serve(struct pc_src *s, int out_fd, int req_fd, bool resume, char *msg);
void pc_src_free(struct pc_src *s);

/* Source: send the NPEND pages of PENDING (page numbers below NPAGES of
 * MEM) on OUT_FD, each asked for on REQ_FD first, then PC_REC_END.
 * The background stream starts at the first request or PC_REQ_START,
 * so the pages the guest touches first come on demand.
 * 0, or -errno with MSG (a request for a page outside MEM: -EINVAL). */
int pc_source_serve(const uint8_t *mem, uint64_t npages, const uint64_t *pending,
                    uint64_t npend, int out_fd, int req_fd, struct pc_stats *st, char *msg);

/* Destination. */
struct pc_dest {
    uint8_t *base;          /* the registered mapping of the memfd */
    uint64_t npages;
    int uffd, in_fd, req_fd;
    bool hold;              /* background waits for the first fault */
    uint8_t *state;         /* per page: XK_PC_PAGE_* (a shared memfd mapping) */
    int state_fd;           /* its memfd, for backends (PC_PAGES) */
    size_t state_len;
    uint64_t npend;         /* pending pages at arming */
    uint64_t left;          /* pending pages not arrived (its thread's) */
    pthread_t thread;
    bool started;           /* the thread runs (or ended, not joined) */
    struct pc_stats st;
    int err;
    char msg[PC_MSG_LEN];
    /* A broken connection pauses the thread (pages stay pending); another
     * thread hands it a new one or stops it through EFD. */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int efd;
    bool paused, stop, done;
    bool req_lost;          /* the return path failed: no more requests */
    unsigned pauses, seen;  /* pauses so far; the ones a waiter was told of */
    int new_in, new_req;
    char pmsg[PC_MSG_LEN];
};

/* Drop what MEM_FD holds for the pending pages (a stale precopy copy)
 * and register BASE (NPAGES pages of MEM_FD from offset 0) with
 * userfaultfd: from now on a thread touching a pending page waits.
 * 0 or -errno with MSG. */
int pc_dest_arm(struct pc_dest *d, int mem_fd, uint8_t *base, uint64_t npages,
                const uint64_t *pending, uint64_t npend, char *msg);
/* Start the thread that serves the faults (asking for their pages on
 * REQ_FD) and installs the pages read from IN_FD.  HOLD: the background
 * stream waits for the first fault (the guest is about to run), else it
 * starts at once. */
int pc_dest_run(struct pc_dest *d, int in_fd, int req_fd, bool hold, char *msg);

/* Wait until every pending page arrived (PC_REC_END) and the range is
 * unregistered: 0, or -errno with MSG (-EEXIST: a page was touched
 * through another mapping of the memfd before it arrived).  -ENOTCONN
 * with MSG: the connection broke (or the source died: the two look the
 * same from here); the thread lives on, a thread touching a missing page
 * waits, and pc_dest_resume then pc_dest_wait again go on. */
int pc_dest_wait(struct pc_dest *d, struct pc_stats *st, char *msg);
/* A paused destination's new connection.  0, or -EBUSY (not paused). */
int pc_dest_resume(struct pc_dest *d, int in_fd, int req_fd, char *msg);
bool pc_dest_paused(struct pc_dest *d);
/* A descriptor of the page-state memfd for a backend (XK_PC_PAGE_* per
 * page), or -1 once the destination is done. */
int pc_dest_state_fd(struct pc_dest *d);

/* Drop an armed destination: its thread, if it runs (paused), is stopped
 * (the range unregistered: a thread waiting on a page reads zeroes). */
void pc_dest_disarm(struct pc_dest *d);

#endif
