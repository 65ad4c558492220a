/* passthrough_pirq.c: passed-through interrupts as PIRQ events (see
 * passthrough_pirq.h; Xen 4.19's xen/drivers/passthrough/x86/hvm.c
 * hvm_pci_msi_assert, xen/arch/x86/hvm/irq.c assert_gsi, physdev.c
 * PHYSDEVOP_eoi). */
#include "passthrough_pirq.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "evloop.h"
#include "log.h"
#include "vm.h"

#define SRC_INTX UINT32_MAX     /* vec of a function's INTx */
#define NO_PIRQ  UINT32_MAX     /* a message naming no valid pirq */

struct pirq_src {
    unsigned slot;
    uint32_t vec;               /* MSI-X vector (MSI: 0), or SRC_INTX */
    int fd;                     /* the device's trigger eventfd */
    int res;                    /* INTx: the unmask (resample) eventfd */
    uint32_t pirq;              /* MSI: the pirq the message names */
    unsigned gsi;               /* INTx */
    bool watched;               /* on the event thread, not a KVM irqfd */
    bool asserted;              /* INTx: fired and not EOIed since */
};

struct pt_pirq {
    struct vm *vm;
    pthread_mutex_t lock;       /* src[], levels */
    uint32_t levels;            /* the VMM's own lines (GSI < 32) now up */
    struct pirq_src *src;
    unsigned n, cap;
};

int passthrough_pirq_init(struct vm *vm)
{
    struct pt_pirq *t = calloc(1, sizeof(*t));

    if (!t)
        return -ENOMEM;
    t->vm = vm;
    pthread_mutex_init(&t->lock, NULL);
    vm->pt_pirq = t;
    return 0;
}

void passthrough_pirq_destroy(struct vm *vm)
{
    struct pt_pirq *t = vm->pt_pirq;

    /* After the event thread stopped: no callback holds the table. */
    if (!t)
        return;
    vm->pt_pirq = NULL;
    pthread_mutex_destroy(&t->lock);
    free(t->src);
    free(t);
}

int64_t passthrough_pirq_msi_decode(struct vm *vm, uint64_t addr, uint32_t data)
{
    uint64_t pirq;

    /* hvm_inject_msi: vector 0 asks for a pirq instead of an APIC vector. */
    if (!vm->hvm_pirq || (data & 0xff) != 0)
        return -1;
    pirq = ((addr >> 32) & 0xffffff00u) | ((addr >> 12) & 0xff);
    return (int64_t)pirq;
}

static struct pirq_src *find(struct pt_pirq *t, unsigned slot, uint32_t vec)
{
    for (unsigned i = 0; i < t->n; i++)
        if (t->src[i].slot == slot && t->src[i].vec == vec)
            return &t->src[i];
    return NULL;
}

static struct pirq_src *add(struct pt_pirq *t)
{
    if (t->n == t->cap) {
        unsigned cap = t->cap ? t->cap * 2 : 16;
        struct pirq_src *s = realloc(t->src, cap * sizeof(*s));

        if (!s)
            return NULL;
        t->src = s;
        t->cap = cap;
    }
    memset(&t->src[t->n], 0, sizeof(t->src[0]));
    return &t->src[t->n++];
}

static void drop(struct pt_pirq *t, struct pirq_src *s)
{
    *s = t->src[--t->n];
}

static void unmask(int res)
{
    uint64_t one = 1;

    if (res >= 0 && write(res, &one, sizeof(one)) < 0)
        log_warn("passthrough pirq: unmask:");
}

/* On the event thread: a diverted eventfd fired.  The fd is read only
 * while it is known to be watched (under the lock), so a closed and
 * reused number is never read. */
static void on_fire(void *arg, int fd, uint32_t events)
{
    struct pt_pirq *t = arg;
    struct evtchn_domain *d = &t->vm->evtchn;
    uint32_t pirqs[8];
    unsigned np = 0;
    uint64_t cnt;

    (void)events;
    pthread_mutex_lock(&t->lock);
    for (unsigned i = 0; i < t->n; i++) {
        struct pirq_src *s = &t->src[i];
        int gp;

        if (s->fd != fd || !s->watched)
            continue;
        if (read(fd, &cnt, sizeof(cnt)) != sizeof(cnt))
            break;
        if (s->vec != SRC_INTX) {
            if (s->pirq != NO_PIRQ && np < 8)
                pirqs[np++] = s->pirq;
            break;
        }
        /* INTx: every function sharing the fd is one line; the GSI's
         * pirq hears of it once. */
        s->asserted = true;
        gp = evtchn_pirq_of_gsi(d, s->gsi);
        if (gp >= 0 && np < 8)
            pirqs[np++] = (uint32_t)gp;
        break;
    }
    pthread_mutex_unlock(&t->lock);
    for (unsigned i = 0; i < np; i++)
        evtchn_send_pirq(d, pirqs[i]);
}

void passthrough_pirq_msix_watch(struct vm *vm, unsigned slot, unsigned vec, int fd,
                                 uint32_t pirq)
{
    struct pt_pirq *t = vm->pt_pirq;
    struct pirq_src *s;
    uint32_t old = NO_PIRQ;

    if (!t || fd < 0)
        return;
    /* The message names a pirq this domain cannot have, or one a GSI
     * holds: Xen's device model fails to map it and the vector is lost. */
    if (evtchn_pirq_msi_claim(&vm->evtchn, pirq) < 0) {
        log_info("passthrough 00:%02x.0 vector %u: pirq %u cannot take an MSI", slot, vec,
                 pirq);
        pirq = NO_PIRQ;
    }
    pthread_mutex_lock(&t->lock);
    s = find(t, slot, vec);
    if (!s && (s = add(t))) {
        s->slot = slot;
        s->vec = vec;
        s->res = -1;
    }
    if (s) {
        if (s->watched && s->pirq != pirq)
            old = s->pirq;
        s->pirq = pirq;
        s->fd = fd;
        if (!s->watched && vm->loop && evloop_add(vm->loop, fd, on_fire, t) == 0)
            s->watched = true;
    }
    pthread_mutex_unlock(&t->lock);
    if (old != NO_PIRQ)
        evtchn_pirq_msi_release(&vm->evtchn, old);
    log_debug("passthrough 00:%02x.0 vector %u: pirq %u", slot, vec, pirq);
}

void passthrough_pirq_msix_unwatch(struct vm *vm, unsigned slot, unsigned vec)
{
    struct pt_pirq *t = vm->pt_pirq;
    struct pirq_src *s;
    uint32_t old = NO_PIRQ;

    if (!t)
        return;
    pthread_mutex_lock(&t->lock);
    if ((s = find(t, slot, vec))) {
        if (s->watched && vm->loop)
            evloop_del(vm->loop, s->fd);
        old = s->pirq;
        drop(t, s);
    }
    pthread_mutex_unlock(&t->lock);
    if (old != NO_PIRQ)
        evtchn_pirq_msi_release(&vm->evtchn, old);
}

void passthrough_pirq_intx_add(struct vm *vm, unsigned slot, unsigned gsi, int trig, int res)
{
    struct pt_pirq *t = vm->pt_pirq;
    struct pirq_src *s;

    if (!t)
        return;
    pthread_mutex_lock(&t->lock);
    if ((s = add(t))) {
        s->slot = slot;
        s->vec = SRC_INTX;
        s->fd = trig;
        s->res = res;
        s->gsi = gsi;
        s->pirq = NO_PIRQ;
    }
    pthread_mutex_unlock(&t->lock);
    /* The guest may have mapped the GSI before this function came. */
    passthrough_pirq_gsi_sync(vm);
}

bool passthrough_pirq_slot_gone(struct vm *vm, unsigned slot)
{
    struct pt_pirq *t = vm->pt_pirq;
    bool intx_diverted = false;
    uint32_t rel[64];
    unsigned nr = 0;

    if (!t)
        return false;
    pthread_mutex_lock(&t->lock);
    for (unsigned i = 0; i < t->n;) {
        struct pirq_src *s = &t->src[i];

        if (s->slot != slot) {
            i++;
            continue;
        }
        if (s->watched && vm->loop)
            evloop_del(vm->loop, s->fd);
        if (s->vec == SRC_INTX)
            intx_diverted = s->watched;
        else if (s->pirq != NO_PIRQ && nr < 64)
            rel[nr++] = s->pirq;
        drop(t, s);
    }
    pthread_mutex_unlock(&t->lock);
    for (unsigned i = 0; i < nr; i++)
        evtchn_pirq_msi_release(&vm->evtchn, rel[i]);
    return intx_diverted;
}

static int irqfd(struct vm *vm, const struct pirq_src *s, bool assign)
{
    struct kvm_irqfd f = { .fd = (uint32_t)s->fd, .gsi = s->gsi };

    if (assign) {
        f.flags = KVM_IRQFD_FLAG_RESAMPLE;
        f.resamplefd = (uint32_t)s->res;
    } else {
        f.flags = KVM_IRQFD_FLAG_DEASSIGN;
    }
    if (ioctl(vm->vm_fd, KVM_IRQFD, &f) < 0) {
        log_warn("passthrough pirq: KVM_IRQFD %s GSI %u:", assign ? "assign" : "deassign",
                 s->gsi);
        return -errno;
    }
    return 0;
}

void passthrough_pirq_gsi_sync(struct vm *vm)
{
    struct pt_pirq *t = vm->pt_pirq;

    if (!t || !vm->loop)
        return;
    pthread_mutex_lock(&t->lock);
    for (unsigned i = 0; i < t->n; i++) {
        struct pirq_src *s = &t->src[i];
        bool want;

        if (s->vec != SRC_INTX)
            continue;
        want = evtchn_pirq_of_gsi(&vm->evtchn, s->gsi) >= 0;
        if (want == s->watched)
            continue;
        if (want) {
            /* Off the IOAPIC (KVM drops the line), onto the event thread. */
            if (irqfd(vm, s, false) == 0 && evloop_add(vm->loop, s->fd, on_fire, t) == 0)
                s->watched = true;
        } else {
            evloop_del(vm->loop, s->fd);
            s->watched = false;
            irqfd(vm, s, true);
        }
        /* A device masked by an interrupt the old route took fires again
         * through the new one if its line is still up. */
        s->asserted = false;
        unmask(s->res);
    }
    pthread_mutex_unlock(&t->lock);
}

bool passthrough_pirq_gsi_level(struct vm *vm, unsigned gsi, bool level)
{
    struct pt_pirq *t = vm->pt_pirq;
    int pirq;
    bool rise;

    if (!t || gsi >= 32 || !vm->hvm_pirq)
        return false;
    pthread_mutex_lock(&t->lock);
    rise = level && !(t->levels & (1u << gsi));
    t->levels = level ? t->levels | (1u << gsi) : t->levels & ~(1u << gsi);
    pthread_mutex_unlock(&t->lock);
    pirq = evtchn_pirq_of_gsi(&vm->evtchn, gsi);
    if (pirq < 0)
        return false;
    if (rise)
        evtchn_send_pirq(&vm->evtchn, (uint32_t)pirq);
    return true;
}

void passthrough_pirq_gsi_eoi(struct vm *vm, unsigned gsi)
{
    struct pt_pirq *t = vm->pt_pirq;

    if (!t)
        return;
    pthread_mutex_lock(&t->lock);
    for (unsigned i = 0; i < t->n; i++) {
        struct pirq_src *s = &t->src[i];

        if (s->vec == SRC_INTX && s->watched && s->gsi == gsi && s->asserted) {
            s->asserted = false;
            unmask(s->res);
        }
    }
    pthread_mutex_unlock(&t->lock);
}
