/* Xen's libxl v2 / libxc v3 streams for a domain (mig_stream.h). */
#include "mig_stream.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <endian.h>
#include <limits.h>
#include <sys/ioctl.h>
#include <sys/uio.h>

#include <xen/xen.h>

#include "mig_format.h"
#include "mig_hvmctx.h"
#include "backend_quiesce.h"
#include "control.h"
#include "save.h"
#include "util.h"
#include "evloop.h"
#include "vcpu_tsc.h"
#include "x86.h"
#include "xen_version.h"

#define MSG(...) snprintf(msg, SS_MSG_LEN, __VA_ARGS__)
#define FLUSH_AT (1u << 20)

/* ---- output ---- */

static struct ss_wr *ow(struct mig_out *o)
{
    return o->fd >= 0 ? &o->buf : o->w;
}

static void out_flush(struct mig_out *o)
{
    size_t done = 0;

    if (o->fd < 0 || o->err)
        goto reset;
    if (o->buf.failed) {
        o->err = -ENOMEM;
        goto reset;
    }
    while (done < o->buf.len) {
        ssize_t n = write(o->fd, o->buf.p + done, o->buf.len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            o->err = n < 0 ? -errno : -EIO;
            break;
        }
        done += (size_t)n;
    }
reset:
    if (o->fd >= 0)
        o->buf.len = 0;
}

static size_t rec_begin(struct mig_out *o, uint32_t type)
{
    return ss_begin_record(ow(o), type);
}

static void rec_end(struct mig_out *o, size_t at)
{
    struct ss_wr *w = ow(o);
    size_t before = w->len;

    ss_end_record(w, at);
    o->bytes += w->len - at;
    (void)before;
    if (o->fd >= 0 && w->len >= FLUSH_AT)
        out_flush(o);
}

static void put_raw(struct mig_out *o, const void *p, size_t n)
{
    ss_put_bytes(ow(o), p, n);
    o->bytes += n;
}

static void put_libxl_header(struct mig_out *o)
{
    uint64_t ident = htobe64(LIBXL_IDENT);
    uint32_t v[2] = { htobe32(LIBXL_VERSION), 0 };

    put_raw(o, &ident, 8);
    put_raw(o, v, 8);
}

static void put_libxc_headers(struct mig_out *o)
{
    uint8_t h[LIBXC_IHDR_LEN + LIBXC_DHDR_LEN] = { 0 };
    uint64_t marker = htobe64(LIBXC_MARKER);
    uint32_t id = htobe32(LIBXC_ID), ver = htobe32(LIBXC_VERSION);
    uint32_t type = LIBXC_DOM_X86_HVM, major = XK_XEN_MAJOR, minor = XK_XEN_MINOR;
    uint16_t shift = 12;

    memcpy(h, &marker, 8);
    memcpy(h + 8, &id, 4);
    memcpy(h + 12, &ver, 4);
    /* options 0 (little-endian), reserved 0 */
    memcpy(h + 24, &type, 4);
    memcpy(h + 28, &shift, 2);
    memcpy(h + 32, &major, 4);
    memcpy(h + 36, &minor, 4);
    put_raw(o, h, sizeof(h));
}

/* The vCPUs' CPUID as Xen's policy leaves: vCPU 0's entries as the VMM
 * set them (vm->cpuid0; never read back from KVM while the guest runs,
 * vm.h says why), or the host's leaves 0 and 1 for a VM without KVM. */
static void put_cpuid_policy(struct vm *vm, struct mig_out *o)
{
    size_t rec = rec_begin(o, LIBXC_REC_X86_CPUID_POLICY);
    const struct kvm_cpuid2 *c = vm->cpuid0;

    if (c && c->nent) {
        for (unsigned i = 0; i < c->nent; i++) {
            const struct kvm_cpuid_entry2 *e = &c->entries[i];
            xen_cpuid_leaf_t l = {
                .leaf = e->function,
                .subleaf = (e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ? e->index
                                                                       : XEN_CPUID_NO_SUBLEAF,
                .a = e->eax, .b = e->ebx, .c = e->ecx, .d = e->edx,
            };
            ss_put_bytes(ow(o), &l, sizeof(l));
        }
    } else {
        for (unsigned leaf = 0; leaf < 2; leaf++) {
            xen_cpuid_leaf_t l = { .leaf = leaf, .subleaf = XEN_CPUID_NO_SUBLEAF };
            x86_host_cpuid(leaf, 0, &l.a, &l.b, &l.c, &l.d);
            ss_put_bytes(ow(o), &l, sizeof(l));
        }
    }
    rec_end(o, rec);
}

/* Xen's MSR policy holds PLATFORM_INFO and ARCH_CAPABILITIES; neither is
 * offered to guests here. */
static void put_msr_policy(struct mig_out *o)
{
    static const xen_msr_entry_t msrs[] = { { .idx = 0xce }, { .idx = 0x10a } };
    size_t rec = rec_begin(o, LIBXC_REC_X86_MSR_POLICY);

    ss_put_bytes(ow(o), msrs, sizeof(msrs));
    rec_end(o, rec);
}

static bool page_is_zero(const uint8_t *p)
{
    static const uint8_t zero[XK_PAGE_SIZE];
    return !memcmp(p, zero, XK_PAGE_SIZE);
}

/* A batch of PAGE_DATA: pfns (with their types) and their pages. */
struct batch {
    uint32_t n;
    uint64_t pfn[PAGE_DATA_MAX_BATCH];
    const uint8_t *data[PAGE_DATA_MAX_BATCH];
};

/* All of IOV (N entries, consumed as it goes) to FD: 0 or -errno. */
static int writev_all(int fd, struct iovec *iov, int n)
{
    while (n > 0) {
        ssize_t w = writev(fd, iov, n > IOV_MAX ? IOV_MAX : n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? -errno : -EIO;
        while (n > 0 && (size_t)w >= iov->iov_len) {
            w -= (ssize_t)iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (uint8_t *)iov->iov_base + w;
            iov->iov_len -= (size_t)w;
        }
    }
    return 0;
}

/* To a file: the record's header and pfns from the buffer, the pages
 * straight from guest memory (no copy).  The body is a multiple of 8. */
static void batch_flush_fd(struct mig_out *o, struct batch *b)
{
    struct iovec iov[1 + PAGE_DATA_MAX_BATCH];
    uint32_t pages = 0;
    int n = 1;

    for (uint32_t i = 0; i < b->n; i++)
        if (b->data[i]) {
            iov[n].iov_base = (void *)b->data[i];
            iov[n++].iov_len = XK_PAGE_SIZE;
            pages++;
        }
    out_flush(o);
    ss_put_u32(&o->buf, LIBXC_REC_PAGE_DATA);
    ss_put_u32(&o->buf, 8 + 8 * b->n + pages * XK_PAGE_SIZE);
    ss_put_u32(&o->buf, b->n);
    ss_put_u32(&o->buf, 0);
    for (uint32_t i = 0; i < b->n; i++)
        ss_put_u64(&o->buf, b->pfn[i]);
    if (o->buf.failed && !o->err)
        o->err = -ENOMEM;
    iov[0].iov_base = o->buf.p;
    iov[0].iov_len = o->buf.len;
    if (!o->err)
        o->err = writev_all(o->fd, iov, n);
    o->bytes += 16 + 8 * b->n + (uint64_t)pages * XK_PAGE_SIZE;
    o->buf.len = 0;
    b->n = 0;
}

static void batch_flush(struct mig_out *o, struct batch *b)
{
    size_t rec;

    if (!b->n)
        return;
    if (o->fd >= 0) {
        batch_flush_fd(o, b);
        return;
    }
    rec = rec_begin(o, LIBXC_REC_PAGE_DATA);
    ss_put_u32(ow(o), b->n);
    ss_put_u32(ow(o), 0);
    for (uint32_t i = 0; i < b->n; i++)
        ss_put_u64(ow(o), b->pfn[i]);
    for (uint32_t i = 0; i < b->n; i++)
        if (b->data[i])
            ss_put_bytes(ow(o), b->data[i], XK_PAGE_SIZE);
    rec_end(o, rec);
    b->n = 0;
}

static void batch_add(struct mig_out *o, struct batch *b, uint64_t gfn, unsigned type,
                      const uint8_t *data)
{
    b->pfn[b->n] = gfn | (uint64_t)type << PAGE_DATA_TYPE_SHIFT;
    b->data[b->n++] = data;
    if (b->n == PAGE_DATA_MAX_BATCH)
        batch_flush(o, b);
}

/* Holes of the memfd read as zeroes without being touched. */
struct extent_cache { off_t start, end; bool data; };

static bool in_hole(int fd, off_t off, struct extent_cache *c)
{
    if (off < c->start || off >= c->end) {
        off_t d = lseek(fd, off, SEEK_DATA);
        if (d < 0) {
            c->start = off;
            c->end = errno == ENXIO ? (off_t)1 << 62 : off + 1;
            c->data = errno != ENXIO;
        } else if (d > off) {
            c->start = off;
            c->end = d;
            c->data = false;
        } else {
            off_t h = lseek(fd, off, SEEK_HOLE);
            c->start = off;
            c->end = h > off ? h : off + 1;
            c->data = true;
        }
    }
    return !c->data;
}

/* Guest RAM and the special pages, by guest frame: absent (ballooned)
 * frames as XTAB, zero pages as XALLOC (allocated, no data), the rest
 * with their data.  Shared info and grant frames are Xen's own pages, not
 * the guest's: they travel in xenkvm's records. */
static int put_pages(struct vm *vm, struct mig_out *o, struct mig_stats *st)
{
    struct batch *b = calloc(1, sizeof(*b));
    struct extent_cache ec = { 0, 0, false };

    if (!b)
        return -ENOMEM;
    pthread_rwlock_rdlock(&vm->pm.lock);
    for (unsigned i = 0; i < vm->pm.n && !o->err; i++) {
        const struct pm_range *r = &vm->pm.r[i];
        if (r->kind != PM_RAM && r->kind != PM_SPECIAL)
            continue;
        for (uint64_t k = 0; k < r->nr; k++) {
            uint64_t gfn = r->gfn + k, mpage = r->mpage + k;
            const uint8_t *page = vm->mem + (mpage << XK_PAGE_SHIFT);
            if (r->kind == PM_RAM && !(vm->ram_state[mpage] & RAM_POPULATED)) {
                batch_add(o, b, gfn, PAGE_TYPE_XTAB, NULL);
                st->pages_absent++;
            } else if (in_hole(vm->mem_fd, (off_t)(mpage << XK_PAGE_SHIFT), &ec) ||
                       page_is_zero(page)) {
                batch_add(o, b, gfn, PAGE_TYPE_XALLOC, NULL);
                st->pages_zero++;
            } else {
                batch_add(o, b, gfn, PAGE_TYPE_NOTAB, page);
                st->pages_data++;
            }
        }
    }
    batch_flush(o, b);
    pthread_rwlock_unlock(&vm->pm.lock);
    free(b);
    return 0;
}

/* ---- live: precopy rounds ---- */

/* What the destination holds of each RAM page (by memfd page): 0 absent,
 * else a hash of the bytes sent.  A round sends the pages whose hash
 * changed.  Hashing, not KVM's dirty log: the VMM itself and backends in
 * other processes write guest RAM (hypercall results, vcpu_info, event
 * words, granted pages) where KVM does not see it, so the last round
 * must look at every page anyway. */
struct precopy {
    uint64_t *hash;
    uint8_t (*copy)[XK_PAGE_SIZE];      /* a batch's pages as sent */
    uint64_t map_sig;                   /* the map the hashes belong to */
    /* Postcopy: the last round lists the pages it would send (memfd page
     * numbers) instead, but for those in KEEP (written by the VMM's event
     * thread: sent before the guest runs). */
    bool postcopy;
    uint64_t *pending, npending;
    uint64_t keep[XK_PC_MAX_KEEP];
    unsigned nkeep;
};

/* Xen's simple precopy policy (xg_sr_save.c): stop and copy when fewer
 * than 50 pages were dirty, or after 5 iterations. */
#define PRECOPY_DIRTY_TARGET 50
#define PRECOPY_MAX_ROUNDS 5

static uint64_t page_hash(const uint8_t *p)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL;

    for (unsigned i = 0; i < XK_PAGE_SIZE; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 31;
    }
    return h | 1;       /* never 0 (absent) */
}

static uint64_t map_signature(const struct vm *vm)
{
    uint64_t h = vm->pm.n;

    for (unsigned i = 0; i < vm->pm.n; i++) {
        const struct pm_range *r = &vm->pm.r[i];
        h = (h ^ r->gfn) * 0x100000001b3ULL;
        h = (h ^ r->nr) * 0x100000001b3ULL;
        h = (h ^ r->mpage) * 0x100000001b3ULL;
        h = (h ^ (uint64_t)r->kind) * 0x100000001b3ULL;
    }
    return h;
}

static bool pc_keep(const struct precopy *pc, uint64_t mpage)
{
    for (unsigned i = 0; i < pc->nkeep; i++)
        if (pc->keep[i] == mpage)
            return true;
    return false;
}

/* The memfd pages of the vCPUs' vcpu_info in RAM: the event thread
 * writes them, so postcopy sends them with the domain paused (a fault
 * there before the postcopy stream runs would stall the event thread). */
static void pc_keep_vcpu_info(struct vm *vm, struct precopy *pc)
{
    pthread_rwlock_rdlock(&vm->pm.lock);
    for (unsigned i = 0; i < vm->nr_vcpus && pc->nkeep < XK_PC_MAX_KEEP; i++) {
        uint64_t gpa = vm->vcpus[i].vcpu_info_gpa;
        uint8_t *p = gpa ? vm_gpa_ptr(vm, gpa & ~(uint64_t)(XK_PAGE_SIZE - 1), XK_PAGE_SIZE)
                         : NULL;
        if (p)
            pc->keep[pc->nkeep++] = (uint64_t)(p - vm->mem) >> XK_PAGE_SHIFT;
    }
    pthread_rwlock_unlock(&vm->pm.lock);
}

/* Postcopy's pending list as records of at most PC_PENDING_BATCH pages:
 * u32 count, u32 0, u64 memfd page numbers. */
static void put_pending(struct mig_out *o, const uint64_t *p, uint64_t n)
{
    for (uint64_t at = 0; at < n; at += PC_PENDING_BATCH) {
        uint32_t k = (uint32_t)(n - at < PC_PENDING_BATCH ? n - at : PC_PENDING_BATCH);
        size_t rec = rec_begin(o, XK_REC_PC_PENDING);
        ss_put_u32(ow(o), k);
        ss_put_u32(ow(o), 0);
        for (uint32_t i = 0; i < k; i++)
            ss_put_u64(ow(o), p[at + i]);
        rec_end(o, rec);
    }
}

/* One round: every RAM page whose content is not what the destination
 * has, copied as it is sent (the guest may be writing it); FINAL (the
 * domain paused) also sends the special pages.  Returns how many pages
 * went, or -errno. */
static int64_t precopy_round(struct vm *vm, struct mig_out *o, struct mig_stats *st,
                             struct precopy *pc, bool first, bool final)
{
    static const uint8_t zero[XK_PAGE_SIZE];
    struct batch *b = calloc(1, sizeof(*b));
    struct extent_cache ec = { 0, 0, false };
    uint64_t zero_hash = page_hash(zero);
    int64_t sent = 0;
    uint64_t sig;

    if (!b)
        return -ENOMEM;
    pthread_rwlock_rdlock(&vm->pm.lock);
    sig = map_signature(vm);
    if (sig != pc->map_sig) {
        /* The map changed (ballooning, a new range): send everything. */
        memset(pc->hash, 0xff, vm->ram_pages * sizeof(*pc->hash));
        pc->map_sig = sig;
    }
    for (unsigned i = 0; i < vm->pm.n && !o->err; i++) {
        const struct pm_range *r = &vm->pm.r[i];
        if (r->kind != PM_RAM && !(final && r->kind == PM_SPECIAL))
            continue;
        for (uint64_t k = 0; k < r->nr; k++) {
            uint64_t gfn = r->gfn + k, mpage = r->mpage + k, h;
            const uint8_t *page = vm->mem + (mpage << XK_PAGE_SHIFT);
            if (r->kind == PM_SPECIAL) {
                batch_add(o, b, gfn, PAGE_TYPE_NOTAB, page);
                continue;
            }
            if (!(vm->ram_state[mpage] & RAM_POPULATED)) {
                if (pc->hash[mpage]) {
                    pc->hash[mpage] = 0;
                    batch_add(o, b, gfn, PAGE_TYPE_XTAB, NULL);
                    st->pages_absent++;
                    sent++;
                }
                continue;
            }
            if (first && (in_hole(vm->mem_fd, (off_t)(mpage << XK_PAGE_SHIFT), &ec) ||
                          page_is_zero(page))) {
                /* The fresh VM's page reads zero: no data needed. */
                pc->hash[mpage] = zero_hash;
                batch_add(o, b, gfn, PAGE_TYPE_XALLOC, NULL);
                st->pages_zero++;
                continue;
            }
            /* A page never touched (a hole of the memfd) reads zero: no
             * need to read it to know it is unchanged. */
            if (pc->hash[mpage] == zero_hash &&
                in_hole(vm->mem_fd, (off_t)(mpage << XK_PAGE_SHIFT), &ec))
                continue;
            if (page_hash(page) == pc->hash[mpage])
                continue;
            if (final && pc->postcopy && !pc_keep(pc, mpage)) {
                pc->pending[pc->npending++] = mpage;
                continue;
            }
            memcpy(pc->copy[b->n], page, XK_PAGE_SIZE);
            h = page_hash(pc->copy[b->n]);
            pc->hash[mpage] = h;
            batch_add(o, b, gfn, PAGE_TYPE_NOTAB, pc->copy[b->n]);
            st->pages_data++;
            sent++;
        }
    }
    batch_flush(o, b);
    pthread_rwlock_unlock(&vm->pm.lock);
    free(b);
    return o->err ? o->err : sent;
}

/* The downtime target: the DIRTY pages of the last round, at the rate
 * the stream went since T0 (bytes written over time, hashing included),
 * would take at most MS. */
static bool fits_downtime(const struct mig_out *o, struct timespec t0, int64_t dirty,
                          unsigned ms)
{
    struct timespec t1;
    double secs;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (secs <= 0 || !o->bytes)
        return false;
    return (double)dirty * XK_PAGE_SIZE / ((double)o->bytes / secs) * 1000.0 <= (double)ms;
}

/* Round 0 as put_pages, recording what was sent, then rounds while the
 * domain runs, then the domain paused (a controller pause, saved with it
 * as the saver's) and the last round. */
static int precopy(struct vm *vm, struct mig_out *o, struct mig_stats *st, bool postcopy,
                   bool *held, char *msg)
{
    struct precopy pc = { .postcopy = postcopy };
    const struct mig_live *lv = o->live;
    int max_rounds = lv ? lv->max_rounds : -1;
    struct timespec t0;
    int64_t dirty = 0;
    int rc = 0;

    pc.hash = malloc((vm->ram_pages ? vm->ram_pages : 1) * sizeof(*pc.hash));
    pc.copy = malloc(PAGE_DATA_MAX_BATCH * XK_PAGE_SIZE);
    if (!pc.hash || !pc.copy) {
        rc = -ENOMEM;
        goto out;
    }
    pc.map_sig = ~map_signature(vm);    /* the first round sends all */
    /* Postcopy by default: no round while the domain runs; every page with
     * data is left for the destination to fetch.  With rounds first, only
     * the pages changed since the last one are. */
    if (max_rounds < 0)
        max_rounds = postcopy ? 0 : 1 + PRECOPY_MAX_ROUNDS;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int round = 0; round < max_rounds; round++) {
        dirty = precopy_round(vm, o, st, &pc, round == 0, false);
        if (dirty < 0) {
            rc = (int)dirty;
            goto out;
        }
        st->rounds = (uint64_t)round + 1;
        st->bytes = o->bytes;
        if (lv && lv->progress)
            lv->progress(lv->arg, st, (uint64_t)dirty);
        if (round > 0 && (dirty < PRECOPY_DIRTY_TARGET ||
                          (lv && lv->downtime_ms && fits_downtime(o, t0, dirty, lv->downtime_ms))))
            break;
    }
    if ((rc = vm_ctl_pause(vm)))
        goto out;
    clock_gettime(CLOCK_MONOTONIC, &st->paused_at);
    st->paused = true;
    /* The backends answer what is in flight and let go of the guest's
     * pages before the last round reads them. */
    if ((rc = backends_quiesce(vm, msg, SS_MSG_LEN)))
        goto out;
    /* From the last round to xenkvm's records, the event thread waits:
     * a timer expiring or an event arriving meanwhile would write guest
     * memory the last round had already sent and change the state saved
     * after it (a singleshot timer saved as fired, its event lost: Linux's
     * idle CPU 1 never woke again after a migration on the nested host).
     * Held, the timer is saved armed and fires on the destination. */
    *held = evloop_hold(vm->loop);
    if (postcopy) {
        if (!(pc.pending = malloc((vm->ram_pages ? vm->ram_pages : 1) * sizeof(uint64_t)))) {
            rc = -ENOMEM;
            goto out;
        }
        pc_keep_vcpu_info(vm, &pc);
    }
    dirty = precopy_round(vm, o, st, &pc, st->rounds == 0, true);
    if (dirty < 0) {
        rc = (int)dirty;
    } else {
        st->last_round_pages = (uint64_t)dirty;
        if (postcopy) {
            put_pending(o, pc.pending, pc.npending);
            st->pending = pc.pending;
            st->npending = pc.npending;
            pc.pending = NULL;
        }
    }
out:
    free(pc.pending);
    if (rc)
        MSG("precopy: %s", strerror(-rc));
    free(pc.hash);
    free(pc.copy);
    return rc;
}

/* The params Xen's save writes (xg_sr_save_x86_hvm.c), those not 0. */
static const uint8_t saved_params[] = {
    HVM_PARAM_STORE_PFN, HVM_PARAM_IOREQ_PFN, HVM_PARAM_BUFIOREQ_PFN,
    HVM_PARAM_PAGING_RING_PFN, HVM_PARAM_MONITOR_RING_PFN, HVM_PARAM_SHARING_RING_PFN,
    HVM_PARAM_VM86_TSS_SIZED, HVM_PARAM_CONSOLE_PFN, HVM_PARAM_ACPI_IOPORTS_LOCATION,
    HVM_PARAM_VIRIDIAN, HVM_PARAM_IDENT_PT, HVM_PARAM_VM_GENERATION_ID_ADDR,
    HVM_PARAM_IOREQ_SERVER_PFN, HVM_PARAM_NR_IOREQ_SERVER_PAGES,
    HVM_PARAM_X87_FIP_WIDTH, HVM_PARAM_MCA_CAP,
};

static void put_params(struct vm *vm, struct mig_out *o)
{
    size_t rec = rec_begin(o, LIBXC_REC_HVM_PARAMS), at;
    uint32_t n = 0;

    at = ow(o)->len;
    ss_put_u32(ow(o), 0);
    ss_put_u32(ow(o), 0);
    pthread_mutex_lock(&vm->lock);
    for (unsigned i = 0; i < ARRAY_SIZE(saved_params); i++) {
        uint64_t v = vm->params[saved_params[i]];
        if (!v)
            continue;
        ss_put_u64(ow(o), saved_params[i]);
        ss_put_u64(ow(o), v);
        n++;
    }
    pthread_mutex_unlock(&vm->lock);
    ss_patch_u32(ow(o), at, n);
    rec_end(o, rec);
}

static void put_empty(struct mig_out *o, uint32_t type)
{
    rec_end(o, rec_begin(o, type));
}

/* The stream after its pages: TSC, params, HVM context, the ends and
 * xenkvm's records. */
static int put_state(struct vm *vm, struct mig_out *o, unsigned flags, char *msg)
{
    struct ss_wr ctx = { 0 };
    size_t rec;
    int rc;

    rec = rec_begin(o, LIBXC_REC_X86_TSC_INFO);
    ss_put_u32(ow(o), 0);                       /* TSC_MODE_DEFAULT */
    ss_put_u32(ow(o), vm->clock.tsc_khz);
    ss_put_u64(ow(o), xen_clock_now(&vm->clock));
    ss_put_u32(ow(o), 0);                       /* incarnation */
    ss_put_u32(ow(o), 0);
    rec_end(o, rec);
    put_params(vm, o);
    if ((rc = hvmctx_save(vm, &ctx, msg))) {
        ss_wr_free(&ctx);
        return rc;
    }
    rec = rec_begin(o, LIBXC_REC_HVM_CONTEXT);
    ss_put_bytes(ow(o), ctx.p, ctx.len);
    rec_end(o, rec);
    ss_wr_free(&ctx);
    put_empty(o, LIBXC_REC_END);
    put_empty(o, LIBXL_REC_END);
    if (flags & MIG_XENKVM_STATE) {
        /* xenkvm's own state after the libxl END: Xen's restore stops
         * reading at END, and Xen's verify-stream-v2 refuses record types
         * it does not list even with the optional bit. */
        size_t before = ow(o)->len;
        if ((rc = vm_save(vm, ow(o), msg)))
            return rc;
        o->bytes += ow(o)->len - before;
    }
    return 0;
}

int mig_save(struct vm *vm, struct mig_out *o, unsigned flags, struct mig_stats *st,
             char *msg)
{
    struct mig_stats dummy;
    bool held = false;
    int rc;

    if (!st)
        st = &dummy;
    memset(st, 0, sizeof(*st));
    msg[0] = '\0';
    put_libxl_header(o);
    put_empty(o, LIBXL_REC_LIBXC_CONTEXT);
    put_libxc_headers(o);
    put_cpuid_policy(vm, o);
    put_msr_policy(o);
    put_empty(o, LIBXC_REC_STATIC_DATA_END);
    if (flags & MIG_LIVE) {
        if ((rc = precopy(vm, o, st, flags & MIG_POSTCOPY, &held, msg))) {
            if (held)
                evloop_release(vm->loop);
            return rc;
        }
    } else if ((rc = backends_quiesce(vm, msg, SS_MSG_LEN))) {
        return rc;
    } else if ((rc = put_pages(vm, o, st))) {
        MSG("guest memory: %s", strerror(-rc));
        return rc;
    }
    rc = put_state(vm, o, flags, msg);
    if (held)
        evloop_release(vm->loop);
    if (rc)
        return rc;
    out_flush(o);
    st->bytes = o->bytes;
    if (ow(o)->failed && !o->err)
        o->err = -ENOMEM;
    if (o->err) {
        MSG("writing the stream: %s", strerror(-o->err));
        return o->err;
    }
    return 0;
}

/* ---- input ---- */

/* N bytes into DST: 0, 1 at a clean end (nothing read and EOF_OK), or
 * -EINVAL when the stream ends early, or -errno. */
static int in_read(struct mig_in *in, void *dst, size_t n, bool eof_ok)
{
    size_t got = 0;

    if (n == 0)
        return 0;
    if (in->fd < 0) {
        if (eof_ok && in->off == in->len)
            return 1;
        if (in->len - in->off < n)
            return -EINVAL;
        memcpy(dst, in->p + in->off, n);
        in->off += n;
        in->bytes += n;
        return 0;
    }
    while (got < n) {
        ssize_t r = read(in->fd, (uint8_t *)dst + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0)
            return got == 0 && eof_ok ? 1 : -EINVAL;
        got += (size_t)r;
    }
    in->bytes += n;
    return 0;
}

void mig_in_free(struct mig_in *in)
{
    free(in->rec);
    in->rec = NULL;
    in->rec_cap = 0;
}

/* The next record: its type and body (in in->rec), padding checked. */
/* The next record's header. */
static int next_header(struct mig_in *in, const char *stream, uint32_t *type, uint32_t *len,
                       bool eof_ok, uint32_t max, char *msg)
{
    uint32_t h[2];
    int rc = in_read(in, h, 8, eof_ok);

    if (rc == 1)
        return 1;
    if (rc) {
        MSG("%s stream truncated (a record header at byte %llu)%s%s", stream,
            (unsigned long long)in->bytes, rc == -EINVAL ? "" : ": ",
            rc == -EINVAL ? "" : strerror(-rc));
        return rc;
    }
    *type = h[0];
    *len = h[1];
    if (h[1] > max) {
        MSG("%s record %#x of %u bytes: longer than any such stream has", stream, h[0], h[1]);
        return -EINVAL;
    }
    return 0;
}

/* N bytes of the current record into in->rec (grown as needed). */
static int read_rec(struct mig_in *in, size_t off, size_t n, char *msg)
{
    if (n == 0)
        return 0;
    if (off + n > in->rec_cap) {
        uint8_t *p = realloc(in->rec, off + n);
        if (!p) {
            MSG("out of memory");
            return -ENOMEM;
        }
        in->rec = p;
        in->rec_cap = off + n;
    }
    return in_read(in, in->rec + off, n, false);
}

/* The body of a record of TYPE and LEN (in in->rec), padding checked. */
static int next_body(struct mig_in *in, const char *stream, uint32_t type, uint32_t len,
                     char *msg)
{
    size_t padded = ((size_t)len + 7) & ~(size_t)7;
    int rc = read_rec(in, 0, padded, msg);

    if (rc == -ENOMEM)
        return rc;
    if (rc) {
        MSG("%s stream truncated (record %#x of %u bytes)", stream, type, len);
        return rc;
    }
    for (size_t i = len; i < padded; i++)
        if (in->rec[i]) {
            MSG("%s record %#x: padding containing non-0 bytes", stream, type);
            return -EINVAL;
        }
    return 0;
}

/* The next record: its type and body (in in->rec), padding checked. */
static int next_record(struct mig_in *in, const char *stream, uint32_t *type, uint32_t *len,
                       bool eof_ok, uint32_t max, char *msg)
{
    int rc = next_header(in, stream, type, len, eof_ok, max, msg);

    return rc ? rc : next_body(in, stream, *type, *len, msg);
}

/* Pages whose frame is no guest RAM or special page yet in the fresh
 * VM's map (the guest had populated a hole): written once xenkvm's
 * physmap record has rebuilt the map. */
struct deferred {
    uint64_t n, cap;
    uint64_t *gfn;
    uint8_t *data;
};
#define MAX_DEFERRED (1u << 16)

struct rstate {
    struct vm *vm;
    struct deferred def;
    uint8_t *hvmctx, *params;   /* copies of the two records */
    size_t hvmctx_len;
    uint32_t params_len;
    bool static_end, have_ctx;
    uint64_t tsc_nsec;          /* X86_TSC_INFO: Xen time at the save */
    uint32_t version;
    struct mig_stats st;
};

/* The count and pfns of a PAGE_DATA record of LEN bytes at B (the first
 * 8 + 8 * count bytes): every pfn in range and of a type an HVM stream
 * has; *COUNT, and *NEED pages of data that must follow. */
static int page_data_check(const uint8_t *b, uint32_t len, uint32_t *count_out,
                           uint32_t *need_out, char *msg)
{
    uint32_t count, rsvd, need = 0;

    memcpy(&count, b, 4);
    memcpy(&rsvd, b + 4, 4);
    for (uint32_t i = 0; i < count; i++) {
        uint64_t pfn;
        unsigned type;
        memcpy(&pfn, b + 8 + 8 * i, 8);
        type = (unsigned)(pfn >> PAGE_DATA_TYPE_SHIFT);
        if (pfn & PAGE_DATA_RSVD_MASK || (pfn & PAGE_DATA_PFN_MASK) >= PHYSMAP_MAX_GFN) {
            MSG("PAGE_DATA: pfn[%u] %#llx out of range", i, (unsigned long long)pfn);
            return -EINVAL;
        }
        if (type >= 1 && type <= 4) {
            MSG("PAGE_DATA: pfn[%u] is a PV page table (type %u) in an HVM stream", i, type);
            return -EINVAL;
        }
        if (type != PAGE_TYPE_NOTAB && type != PAGE_TYPE_XTAB && type != PAGE_TYPE_XALLOC &&
            type != PAGE_TYPE_BROKEN) {
            MSG("PAGE_DATA: pfn[%u] has the invalid type %#x", i, type);
            return -EINVAL;
        }
        need += type == PAGE_TYPE_NOTAB;
    }
    if ((uint64_t)len != 8 + 8ULL * count + (uint64_t)need * XK_PAGE_SIZE) {
        MSG("PAGE_DATA record of %u bytes for %u pfns and %u pages", len, count, need);
        return -EINVAL;
    }
    *count_out = count;
    *need_out = need;
    return 0;
}

/* The count field alone: in range for a record of LEN bytes. */
static int page_data_count(const uint8_t *b, uint32_t len, char *msg)
{
    uint32_t count, rsvd;

    memcpy(&count, b, 4);
    memcpy(&rsvd, b + 4, 4);
    if (count == 0 || count > PAGE_DATA_MAX_BATCH || rsvd || count > (len - 8) / 8) {
        MSG("PAGE_DATA record: %u pfns (reserved %#x) in %u bytes", count, rsvd, len);
        return -EINVAL;
    }
    return 0;
}

/* A page kept until the map is rebuilt: its data goes to the returned
 * slot (NULL when out of room, with MSG). */
static uint8_t *defer_page(struct rstate *s, uint64_t gfn, char *msg, int *rc)
{
    struct deferred *d = &s->def;

    if (d->n == MAX_DEFERRED) {
        MSG("PAGE_DATA: more than %u pages outside the domain's memory", MAX_DEFERRED);
        *rc = -EINVAL;
        return NULL;
    }
    if (d->n == d->cap) {
        uint64_t cap = d->cap ? d->cap * 2 : 64;
        uint64_t *g = realloc(d->gfn, cap * sizeof(*g));
        uint8_t *p = g ? realloc(d->data, cap * XK_PAGE_SIZE) : NULL;
        if (g)
            d->gfn = g;
        if (!p) {
            MSG("out of memory");
            *rc = -ENOMEM;
            return NULL;
        }
        d->data = p;
        d->cap = cap;
    }
    d->gfn[d->n] = gfn;
    return d->data + d->n++ * XK_PAGE_SIZE;
}

/* Where the pages of a checked record go: DST[k] for the k-th page with
 * data, guest memory or a deferred slot (IDX[k] its slot, or -1). */
static int page_data_targets(struct rstate *s, const uint8_t *b, uint32_t count,
                             uint8_t **dst, int64_t *idx, char *msg)
{
    struct vm *vm = s->vm;
    uint32_t k = 0;
    int rc = 0;

    for (uint32_t i = 0; i < count; i++) {
        uint64_t pfn, gfn;
        unsigned type;
        memcpy(&pfn, b + 8 + 8 * i, 8);
        type = (unsigned)(pfn >> PAGE_DATA_TYPE_SHIFT);
        gfn = pfn & PAGE_DATA_PFN_MASK;
        if (type == PAGE_TYPE_XTAB || type == PAGE_TYPE_BROKEN) {
            s->st.pages_absent++;
            continue;       /* xenkvm's physmap record balloons them out */
        }
        if (type == PAGE_TYPE_XALLOC) {
            s->st.pages_zero++;
            continue;       /* the fresh VM's RAM was emptied: reads zero */
        }
        s->st.pages_data++;
        pthread_rwlock_rdlock(&vm->pm.lock);
        dst[k] = vm_gpa_ptr(vm, gfn << XK_PAGE_SHIFT, XK_PAGE_SIZE);
        pthread_rwlock_unlock(&vm->pm.lock);
        idx[k] = -1;
        if (!dst[k]) {
            /* A slot's address may move as more are added: by index. */
            if (!defer_page(s, gfn, msg, &rc))
                return rc;
            idx[k] = (int64_t)s->def.n - 1;
        }
        k++;
    }
    for (uint32_t j = 0; j < k; j++)
        if (idx[j] >= 0)
            dst[j] = s->def.data + idx[j] * XK_PAGE_SIZE;
    return 0;
}

/* PAGE_DATA of LEN bytes whose header is read: its pfns into in->rec,
 * then each page straight to where it goes (from a file, one readv per
 * record; from memory, a copy). */
static int page_data(struct rstate *s, struct mig_in *in, uint32_t len, char *msg)
{
    uint8_t *dst[PAGE_DATA_MAX_BATCH];
    int64_t idx[PAGE_DATA_MAX_BATCH];
    uint32_t count, need;
    int rc;

    if (len < 8) {
        MSG("PAGE_DATA record of %u bytes", len);
        return -EINVAL;
    }
    if ((rc = read_rec(in, 0, 8, msg)))
        goto short_read;
    if ((rc = page_data_count(in->rec, len, msg)))
        return rc;
    memcpy(&count, in->rec, 4);
    if ((rc = read_rec(in, 8, 8 * (size_t)count, msg)))
        goto short_read;
    if ((rc = page_data_check(in->rec, len, &count, &need, msg)) ||
        (rc = page_data_targets(s, in->rec, count, dst, idx, msg)))
        return rc;
    /* 8 + 8 * count + 4096 * need is a multiple of 8: no padding. */
    if (in->fd < 0) {
        for (uint32_t k = 0; k < need; k++)
            if ((rc = in_read(in, dst[k], XK_PAGE_SIZE, false)))
                goto short_read;
        return 0;
    }
    for (uint32_t k = 0; k < need;) {
        struct iovec iov[PAGE_DATA_MAX_BATCH];
        uint32_t n = 0;
        ssize_t r;
        size_t want;

        for (; k + n < need && n < PAGE_DATA_MAX_BATCH && n < IOV_MAX; n++) {
            iov[n].iov_base = dst[k + n];
            iov[n].iov_len = XK_PAGE_SIZE;
        }
        want = (size_t)n * XK_PAGE_SIZE;
        r = readv(in->fd, iov, (int)n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = -errno;
            goto short_read;
        }
        in->bytes += (uint64_t)r;
        if ((size_t)r == want) {
            k += n;
            continue;
        }
        /* A short read (a pipe): finish the page it stopped in, go on. */
        {
            uint32_t whole = (uint32_t)((size_t)r / XK_PAGE_SIZE);
            size_t part = (size_t)r % XK_PAGE_SIZE;
            if (r == 0) {
                rc = -EINVAL;
                goto short_read;
            }
            if (part && (rc = in_read(in, dst[k + whole] + part, XK_PAGE_SIZE - part, false)))
                goto short_read;
            k += whole + (part != 0);
        }
    }
    return 0;
short_read:
    if (rc == -ENOMEM)
        return rc;
    MSG("libxc stream truncated (record 0x1 of %u bytes)", len);
    return rc;
}

static int hvm_params(struct rstate *s, const uint8_t *b, uint32_t len, bool apply, char *msg)
{
    uint32_t count, rsvd;

    if (len < 8) {
        MSG("HVM_PARAMS record of %u bytes", len);
        return -EINVAL;
    }
    memcpy(&count, b, 4);
    memcpy(&rsvd, b + 4, 4);
    if (rsvd || count > (len - 8) / 16 || len != 8 + 16 * count) {
        MSG("HVM_PARAMS record of %u bytes for %u params", len, count);
        return -EINVAL;
    }
    for (uint32_t i = 0; i < count; i++) {
        uint64_t idx, val;
        memcpy(&idx, b + 8 + 16 * i, 8);
        memcpy(&val, b + 16 + 16 * i, 8);
        if (idx >= HVM_NR_PARAMS) {
            MSG("HVM_PARAMS: param %llu does not exist", (unsigned long long)idx);
            return -EINVAL;
        }
        /* The params part's rules: rings in guest frames, ports of this
         * domain. */
        if (((idx == HVM_PARAM_STORE_PFN || idx == HVM_PARAM_CONSOLE_PFN) &&
             val >= PHYSMAP_MAX_GFN) ||
            ((idx == HVM_PARAM_STORE_EVTCHN || idx == HVM_PARAM_CONSOLE_EVTCHN) &&
             val > s->vm->max_evtchn_port)) {
            MSG("HVM_PARAMS: param %llu = %#llx out of range", (unsigned long long)idx,
                (unsigned long long)val);
            return -EINVAL;
        }
        if (apply)
            s->vm->params[idx] = val;
    }
    return 0;
}

static int libxc_headers(struct mig_in *in, struct rstate *s, char *msg)
{
    uint8_t h[LIBXC_IHDR_LEN + LIBXC_DHDR_LEN];
    uint64_t marker;
    uint32_t id, ver, type, major, res2;
    uint16_t opts, res1, shift, dres;
    int rc = in_read(in, h, sizeof(h), false);

    if (rc) {
        MSG("libxc stream truncated in its headers");
        return rc;
    }
    memcpy(&marker, h, 8);
    memcpy(&id, h + 8, 4);
    memcpy(&ver, h + 12, 4);
    memcpy(&opts, h + 16, 2);
    memcpy(&res1, h + 18, 2);
    memcpy(&res2, h + 20, 4);
    marker = be64toh(marker);
    id = be32toh(id);
    ver = be32toh(ver);
    opts = be16toh(opts);
    if (marker != LIBXC_MARKER || id != LIBXC_ID) {
        MSG("not a libxc stream (marker %#llx, id %#x)", (unsigned long long)marker, id);
        return -EPROTO;
    }
    if (ver < 2 || ver > LIBXC_VERSION) {
        MSG("libxc stream version %u: this restore reads versions 2 and 3", ver);
        return -EPROTO;
    }
    if (opts & LIBXC_OPT_BIG_ENDIAN) {
        MSG("libxc stream is big-endian: this restore reads little-endian streams");
        return -EPROTO;
    }
    if ((opts & ~LIBXC_OPT_BIG_ENDIAN) || res1 || res2) {
        MSG("libxc image header has reserved bits set");
        return -EINVAL;
    }
    memcpy(&type, h + 24, 4);
    memcpy(&shift, h + 28, 2);
    memcpy(&dres, h + 30, 2);
    memcpy(&major, h + 32, 4);
    if (type != LIBXC_DOM_X86_HVM) {
        MSG("libxc stream of domain type %u: this restore takes x86 HVM/PVH (2)", type);
        return -EPROTO;
    }
    if (shift != 12 || dres) {
        MSG("libxc domain header: page shift %u, reserved %#x", shift, dres);
        return -EINVAL;
    }
    (void)major;
    s->version = ver;
    return 0;
}

/* Postcopy's pending pages: appended to what the restore must fetch. */
static int pc_pending_rec(struct rstate *s, const uint8_t *b, uint32_t len, char *msg)
{
    uint64_t npages = s->vm->mem_size >> XK_PAGE_SHIFT, *p;
    uint32_t count;

    if (len < 8) {
        MSG("postcopy pending record malformed");
        return -EINVAL;
    }
    memcpy(&count, b, 4);
    if (count > PC_PENDING_BATCH || len != 8 + 8ull * count || b[4] || b[5] ||
        b[6] || b[7] || s->st.npending + count > npages) {
        MSG("postcopy pending record malformed");
        return -EINVAL;
    }
    if (!(p = realloc(s->st.pending, (s->st.npending + count + 1) * sizeof(*p)))) {
        MSG("out of memory");
        return -ENOMEM;
    }
    s->st.pending = p;
    for (uint32_t i = 0; i < count; i++) {
        uint64_t pg;
        memcpy(&pg, b + 8 + 8 * i, 8);
        if (pg >= s->vm->ram_pages) {
            MSG("postcopy pending page %llu is not guest RAM", (unsigned long long)pg);
            return -EINVAL;
        }
        p[s->st.npending++] = pg;
    }
    return 0;
}

static int libxc_stream(struct mig_in *in, struct rstate *s, char *msg)
{
    int rc;

    if ((rc = libxc_headers(in, s, msg)))
        return rc;
    for (;;) {
        uint32_t type, len;
        const uint8_t *b;

        if ((rc = next_header(in, "libxc", &type, &len, false, MIG_MAX_RECORD, msg)))
            return rc;
        if (type == LIBXC_REC_PAGE_DATA) {
            if (s->version >= 3 && !s->static_end) {
                MSG("PAGE_DATA before STATIC_DATA_END");
                return -EINVAL;
            }
            if ((rc = page_data(s, in, len, msg)))
                return rc;
            continue;
        }
        if ((rc = next_body(in, "libxc", type, len, msg)))
            return rc;
        b = in->rec;
        switch (type) {
        case LIBXC_REC_END:
            if (len) {
                MSG("libxc END record with a length");
                return -EINVAL;
            }
            if (!s->have_ctx) {
                MSG("libxc stream without an HVM_CONTEXT record");
                return -EINVAL;
            }
            return 0;
        case LIBXC_REC_X86_CPUID_POLICY:
        case LIBXC_REC_X86_MSR_POLICY: {
            uint32_t unit = type == LIBXC_REC_X86_CPUID_POLICY ? CPUID_LEAF_LEN : MSR_ENTRY_LEN;
            if (s->version < 3 || s->static_end || !len || len % unit) {
                MSG("%s record of %u bytes%s", type == LIBXC_REC_X86_CPUID_POLICY ?
                    "X86_CPUID_POLICY" : "X86_MSR_POLICY", len,
                    s->static_end ? " after STATIC_DATA_END" : "");
                return -EINVAL;
            }
            /* The vCPUs get this host's CPUID, as after a Xen migration
             * to a host without levelling. */
            break;
        }
        case LIBXC_REC_STATIC_DATA_END:
            if (len || s->version < 3 || s->static_end) {
                MSG("STATIC_DATA_END record out of place");
                return -EINVAL;
            }
            s->static_end = true;
            break;
        case LIBXC_REC_X86_TSC_INFO: {
            uint32_t res;
            if (len != TSC_INFO_LEN) {
                MSG("X86_TSC_INFO record of %u bytes", len);
                return -EINVAL;
            }
            memcpy(&res, b + 20, 4);
            if (res) {
                MSG("X86_TSC_INFO: reserved field set");
                return -EINVAL;
            }
            memcpy(&s->tsc_nsec, b + 8, 8);
            break;
        }
        case LIBXC_REC_HVM_PARAMS:
            if ((rc = hvm_params(s, b, len, false, msg)))
                return rc;
            /* Applied after END unless xenkvm's records follow. */
            free(s->params);
            if (!(s->params = malloc(len))) {
                MSG("out of memory");
                return -ENOMEM;
            }
            memcpy(s->params, b, len);
            s->params_len = len;
            break;
        case LIBXC_REC_HVM_CONTEXT:
            if (s->have_ctx || !len) {
                MSG("HVM_CONTEXT record %s", len ? "twice" : "empty");
                return -EINVAL;
            }
            if ((rc = hvmctx_load(s->vm, b, len, HVMCTX_CHECK, msg)))
                return rc;
            if (!(s->hvmctx = malloc(len))) {
                MSG("out of memory");
                return -ENOMEM;
            }
            memcpy(s->hvmctx, b, len);
            s->hvmctx_len = len;
            s->have_ctx = true;
            break;
        case XK_REC_PC_PENDING:
            if ((rc = pc_pending_rec(s, b, len, msg)))
                return rc;
            break;
        default:
            if (type & LIBXC_REC_OPTIONAL)
                break;      /* skipped, as Xen's restore does */
            MSG("libxc stream: mandatory record %#x %s", type,
                type <= LIBXC_REC_X86_MSR_POLICY ? "is not one an HVM domain restores from"
                                                 : "is unknown to this restore");
            return -EPROTO;
        }
    }
}

/* xenkvm's records after the libxl END, gathered as the registry's
 * image: 0, 1 when there are none (a stream from Xen), or an error. */
static int xenkvm_records(struct mig_in *in, struct ss_wr *img, char *msg)
{
    uint32_t type, len;
    int rc = next_record(in, "xenkvm", &type, &len, true, SS_MAX_BODY, msg);

    if (rc)
        return rc;
    if (type != SS_TYPE(SS_ID_HEADER)) {
        MSG("after the libxl END: record %#x, not xenkvm's header record", type);
        return -EPROTO;
    }
    for (;;) {
        size_t at = ss_begin_record(img, type);
        if (len)
            ss_put_bytes(img, in->rec, len);
        ss_end_record(img, at);
        if (img->failed) {
            MSG("out of memory");
            return -ENOMEM;
        }
        if (type == SS_TYPE(SS_ID_END))
            return 0;
        if ((rc = next_record(in, "xenkvm", &type, &len, false, SS_MAX_BODY, msg)))
            return rc;
    }
}

static int libxl_header(struct mig_in *in, char *msg)
{
    uint64_t ident;
    uint32_t v[2];
    int rc;

    if ((rc = in_read(in, &ident, 8, false)) || (rc = in_read(in, v, 8, false))) {
        MSG("libxl stream truncated in its header");
        return rc;
    }
    ident = be64toh(ident);
    v[0] = be32toh(v[0]);
    v[1] = be32toh(v[1]);
    if (ident != LIBXL_IDENT) {
        MSG("not a libxl stream (ident %#llx)", (unsigned long long)ident);
        return -EPROTO;
    }
    if (v[0] != LIBXL_VERSION) {
        MSG("libxl stream version %u: this restore reads version %u", v[0], LIBXL_VERSION);
        return -EPROTO;
    }
    if (v[1] & LIBXL_OPT_BIG_ENDIAN) {
        MSG("libxl stream is big-endian: this restore reads little-endian streams");
        return -EPROTO;
    }
    if (v[1] & LIBXL_OPT_LEGACY) {
        MSG("libxl stream converted from a legacy stream: not supported");
        return -EPROTO;
    }
    if (v[1]) {
        MSG("libxl header has reserved option bits set (%#x)", v[1]);
        return -EINVAL;
    }
    return 0;
}

static int libxl_records(struct mig_in *in, struct rstate *s, char *msg)
{
    bool libxc_done = false;

    for (;;) {
        uint32_t type, len;
        int rc = next_record(in, "libxl", &type, &len, false, MIG_MAX_RECORD, msg);

        if (rc)
            return rc;
        switch (type) {
        case LIBXL_REC_LIBXC_CONTEXT:
            if (len || libxc_done) {
                MSG("libxl LIBXC_CONTEXT record %s", len ? "with a length" : "twice");
                return -EINVAL;
            }
            if ((rc = libxc_stream(in, s, msg)))
                return rc;
            libxc_done = true;
            break;
        case LIBXL_REC_EMULATOR_XENSTORE_DATA:
            /* The device model's xenstore keys: there is none here. */
            if (len < 8) {
                MSG("EMULATOR_XENSTORE_DATA record of %u bytes", len);
                return -EINVAL;
            }
            break;
        case LIBXL_REC_EMULATOR_CONTEXT: {
            uint32_t id = 0;
            if (len >= 4)
                memcpy(&id, in->rec, 4);
            MSG("the image carries an emulator context (emulator id %u: %s), which this "
                "VMM cannot load", id, id == 1 ? "qemu-traditional" :
                id == 2 ? "QEMU upstream" : "unknown");
            return -EOPNOTSUPP;
        }
        case LIBXL_REC_CHECKPOINT_END:
        case LIBXL_REC_CHECKPOINT_STATE:
            MSG("checkpointed streams (Remus, COLO) are not supported");
            return -EPROTO;
        case LIBXL_REC_END:
            if (len || !libxc_done) {
                MSG("libxl END record %s", len ? "with a length" : "before the libxc stream");
                return -EINVAL;
            }
            return 0;
        default:
            MSG("libxl stream: unknown record %#x", type);
            return -EPROTO;
        }
    }
}

/* The HVM context set each vCPU's TSC to the saved value (the guest's TSC
 * goes on from there, as on Xen), which gave each a KVM offset of its own:
 * they share vCPU 0's again, and Xen time, which the VMM computes from that
 * offset, goes on from NSEC (X86_TSC_INFO's, the save's) at the guest's
 * TSC now, so that TSC and Xen time keep the relation the guest knew:
 * time published before the save (a vCPU's vcpu_time_info not written
 * again yet) still reads right.  Measured: restarted at 0, Debian's kernel
 * lost its timers after the restore. */
static int retime(struct vm *vm, uint64_t nsec, char *msg)
{
    int64_t off;
    int rc;

    if (!vm->nr_vcpus || vm->vcpus[0].fd < 0)
        return 0;               /* a VM without KVM (unit tests) */
    if ((rc = vcpu_tsc_sync(vm)) || (rc = vcpu_tsc_offset(&vm->vcpus[0], &off) ? -EIO : 0)) {
        MSG("cannot take the restored TSC over: %s", strerror(-rc));
        return rc;
    }
    xen_clock_init(&vm->clock, vm->clock.tsc_khz, off);
    vm->clock.tsc_base -= nsec / 1000 * vm->clock.tsc_khz / 1000;
    vm->clock.wc_at_zero_ns -= (int64_t)nsec;
    return 0;
}

int mig_restore(struct vm *vm, struct mig_in *in, struct mig_restored *res, char *msg)
{
    struct rstate s = { .vm = vm };
    struct ss_wr img = { 0 };
    int rc;

    msg[0] = '\0';
    memset(res, 0, sizeof(*res));
    /* The fresh VM's RAM (a kernel loaded, say) is not the saved guest's:
     * emptied, it reads zero where the stream sends no data. */
    if (vm->ram_pages)
        fallocate(vm->mem_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
                  (off_t)(vm->ram_pages << XK_PAGE_SHIFT));
    if ((rc = libxl_header(in, msg)) || (rc = libxl_records(in, &s, msg)))
        goto out;
    rc = xenkvm_records(in, &img, msg);
    if (rc < 0)
        goto out;
    if (rc == 0) {
        /* The registry has no PIC, IOAPIC or PIT: they come from Xen's
         * records, as from Xen. */
        if ((rc = vm_restore(vm, img.p, img.len, msg)) ||
            (rc = hvmctx_load(vm, s.hvmctx, s.hvmctx_len, HVMCTX_PLATFORM, msg)))
            goto out;
        res->xenkvm_state = true;
    } else {
        /* A stream from Xen: its params and HVM context are the state. */
        if ((s.params && (rc = hvm_params(&s, s.params, s.params_len, true, msg))) ||
            (rc = hvmctx_load(vm, s.hvmctx, s.hvmctx_len, HVMCTX_APPLY, msg)) ||
            (rc = retime(vm, s.tsc_nsec, msg)))
            goto out;
    }
    for (uint64_t i = 0; i < s.def.n; i++) {
        uint8_t *dst;
        pthread_rwlock_rdlock(&vm->pm.lock);
        dst = vm_gpa_ptr(vm, s.def.gfn[i] << XK_PAGE_SHIFT, XK_PAGE_SIZE);
        if (dst)
            memcpy(dst, s.def.data + i * XK_PAGE_SIZE, XK_PAGE_SIZE);
        pthread_rwlock_unlock(&vm->pm.lock);
        if (!dst) {
            MSG("PAGE_DATA for frame %#llx, which is not the domain's memory",
                (unsigned long long)s.def.gfn[i]);
            rc = -EINVAL;
            goto out;
        }
    }
    rc = 0;
out:
    if (rc) {
        free(s.st.pending);
        s.st.pending = NULL;
        s.st.npending = 0;
    }
    res->st = s.st;
    res->st.bytes = in->bytes;
    ss_wr_free(&img);
    free(s.def.gfn);
    free(s.def.data);
    free(s.hvmctx);
    free(s.params);
    return rc;
}
