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
 * A dead source loses the guest: pages that never arrive cannot be made. */
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

struct pc_stats {
    uint64_t on_demand;     /* source: pages sent because asked for; destination:
                               pages a thread waited for */
    uint64_t background;    /* pages sent or installed in stream order */
    uint64_t zero_filled;   /* destination: faults on not-pending holes */
    uint64_t requests;      /* requests sent (destination) or read (source) */
    uint64_t clobbered;     /* destination: UFFDIO_COPY found the page there (EEXIST) */
};

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
    uint8_t *state;         /* per page: PC_* below */
    uint64_t npend;         /* pending pages at arming */
    uint64_t left;          /* pending pages not arrived (its thread's) */
    pthread_t thread;
    struct pc_stats st;
    int err;
    char msg[PC_MSG_LEN];
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
 * unregistered.  0, or -errno with MSG (-EEXIST: a page was touched
 * through another mapping of the memfd before it arrived; -EPIPE: the
 * source went away). */
int pc_dest_wait(struct pc_dest *d, struct pc_stats *st, char *msg);

/* Drop an armed destination whose thread never ran. */
void pc_dest_disarm(struct pc_dest *d);

#endif
