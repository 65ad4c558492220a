/* A domain as Xen's migration stream (docs/migration.md): the libxl v2
 * stream carrying a libxc v3 stream of type x86 HVM (image and domain
 * headers, X86_CPUID_POLICY, X86_MSR_POLICY, STATIC_DATA_END, PAGE_DATA,
 * X86_TSC_INFO, HVM_PARAMS, HVM_CONTEXT, END), the libxl END, then —
 * between xenkvm hosts — xenkvm's own state as its optional records (the
 * saved-state registry's image, docs/saved-state.md).  The xl save-file
 * header in front is xl's (lib/xl_savefile.h). */
#ifndef XK_MIG_STREAM_H
#define XK_MIG_STREAM_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "savestate.h"
#include "vm.h"

struct mig_stats;

/* A live save's precopy policy and progress report (NULL: the defaults,
 * no report). */
struct mig_live {
    int max_rounds;         /* rounds while the domain runs; -1: the default
                               (1 + Xen's 5 iterations; postcopy: none) */
    unsigned downtime_ms;   /* switch over once the last round's pages would
                               go in this long at the rate so far (0: none) */
    void (*progress)(void *arg, const struct mig_stats *st, uint64_t round_pages);
    void *arg;
};

/* Where a stream goes: FD (buffered), or W when FD is -1. */
struct mig_out {
    int fd;
    struct ss_wr *w;
    struct ss_wr buf;
    uint64_t bytes;         /* written so far */
    int err;                /* first write error (-errno) */
    const struct mig_live *live;    /* MIG_LIVE's policy, or NULL */
};

/* Where it comes from: FD, or LEN bytes at P when FD is -1. */
struct mig_in {
    int fd;
    const uint8_t *p;
    size_t len, off;
    uint8_t *rec;           /* the current record's body */
    size_t rec_cap;
    uint64_t bytes;         /* read so far */
};

/* mig_save flags */
#define MIG_XENKVM_STATE  (1u << 0)     /* append xenkvm's records (transparent) */
#define MIG_LIVE          (1u << 1)     /* the domain runs: precopy rounds, then
                                           it is paused (a controller pause) */
#define MIG_POSTCOPY      (1u << 2)     /* with MIG_LIVE: the pages the last round
                                           would send are listed instead (postcopy.h) */

struct mig_stats {
    uint64_t pages_data, pages_zero, pages_absent, bytes;
    uint64_t rounds;            /* live: rounds while running */
    uint64_t last_round_pages;  /* live: pages sent with the domain paused */
    struct timespec paused_at;  /* live: when the domain was paused (MONOTONIC) */
    bool paused;                /* live: the save paused the domain */
    uint64_t *pending;          /* postcopy: memfd pages still to send (the
                                   caller frees), in the stream as
                                   XK_REC_PC_PENDING; on restore, to fetch */
    uint64_t npending;
};

/* Write VM (paused, no grants held by backends) as a libxl v2 stream.
 * 0 or -errno with MSG (SS_MSG_LEN). */
int mig_save(struct vm *vm, struct mig_out *out, unsigned flags, struct mig_stats *st,
             char *msg);

/* What a restore found. */
struct mig_restored {
    bool xenkvm_state;      /* xenkvm's records were there and applied */
    struct mig_stats st;
};

/* Read a libxl v2 stream into VM, a freshly created VM of the saved
 * shape whose vCPUs have not run.  Every record is checked before use;
 * a stream that is truncated, corrupted, of another version or domain
 * type, or has a mandatory record this restore does not handle is
 * refused: -EINVAL (malformed), -EPROTO (version, type, unknown
 * mandatory record), -EOPNOTSUPP (an emulator context), or another
 * error, with MSG.  On error VM is half-restored: destroy it. */
int mig_restore(struct vm *vm, struct mig_in *in, struct mig_restored *res, char *msg);

void mig_in_free(struct mig_in *in);

#endif
