/* PIRQs of an HVM domain that has XENFEAT_hvm_pirqs (xl.cfg hvm_pirq=1),
 * after Xen 4.19's xen/arch/x86/physdev.c (physdev_hvm_map_pirq,
 * physdev_unmap_pirq, PHYSDEVOP_eoi / irq_status_query / get_free_pirq)
 * and xen/arch/x86/irq.c (get_free_pirq, map_domain_emuirq_pirq,
 * unmap_domain_pirq_emuirq, arch_evtchn_bind_pirq).
 *
 * A pirq stands either for a GSI (emuirq = the GSI: the interrupt goes to
 * the bound port instead of the IOAPIC) or for a device's MSI whose
 * message names it (irq = PIRQ_IRQ_MSI: what the device model maps on
 * Xen; binding a port makes emuirq IRQ_PT).  Everything here runs under
 * the domain's event lock, as Xen's d->event_lock. */
#include "evtchn.h"

#include <errno.h>

#include <xen/physdev.h>

void evtchn_pirq_init(struct evtchn_domain *d)
{
    for (unsigned i = 0; i < EVTCHN_NR_PIRQS; i++)
        d->pirqs[i] = (struct evtchn_pirq){ .emuirq = PIRQ_EMU_UNBOUND };
}

/* is_free_pirq: no interrupt behind it and no GSI mapped to it. */
static bool is_free(const struct evtchn_pirq *p)
{
    return p->irq == PIRQ_IRQ_NONE && p->emuirq == PIRQ_EMU_UNBOUND;
}

/* get_free_pirq: a GSI-type request looks among the GSI pirqs above the
 * ISA ones first; every type then takes the highest free dynamic pirq. */
static int get_free_locked(struct evtchn_domain *d, int type)
{
    if (type == MAP_PIRQ_TYPE_GSI)
        for (int i = 16; i < EVTCHN_NR_PIRQ_GSIS; i++)
            if (is_free(&d->pirqs[i]))
                return i;
    for (int i = EVTCHN_NR_PIRQS - 1; i >= EVTCHN_NR_PIRQ_GSIS; i--)
        if (is_free(&d->pirqs[i]))
            return i;
    return -ENOSPC;
}

int evtchn_pirq_get_free(struct evtchn_domain *d, int type)
{
    int pirq;

    pthread_mutex_lock(&d->lock);
    pirq = get_free_locked(d, type);
    if (pirq >= 0)
        d->pirqs[pirq].irq = PIRQ_IRQ_ALLOCATED;
    pthread_mutex_unlock(&d->lock);
    return pirq;
}

static int gsi_to_pirq_locked(struct evtchn_domain *d, int gsi)
{
    for (int i = 0; i < EVTCHN_NR_PIRQS; i++)
        if (d->pirqs[i].emuirq == gsi)
            return i;
    return -1;
}

int evtchn_pirq_map_gsi(struct evtchn_domain *d, int gsi, int *pirq)
{
    int old_pirq;
    int rc = 0;

    if (gsi < 0 || gsi >= EVTCHN_NR_HVM_GSIS)
        return -EINVAL;
    pthread_mutex_lock(&d->lock);
    if (*pirq < 0)
        *pirq = get_free_locked(d, MAP_PIRQ_TYPE_GSI);
    /* map_domain_emuirq_pirq: a pirq out of range (or none free) is
     * -EINVAL; a pirq or GSI already mapped elsewhere is left as it is,
     * and Xen still answers 0. */
    if (*pirq < 0 || *pirq >= EVTCHN_NR_PIRQS) {
        rc = -EINVAL;
    } else {
        struct evtchn_pirq *p = &d->pirqs[*pirq];

        old_pirq = gsi_to_pirq_locked(d, gsi);
        if ((p->emuirq == PIRQ_EMU_UNBOUND || p->emuirq == gsi) &&
            (old_pirq < 0 || old_pirq == *pirq))
            p->emuirq = (int16_t)gsi;
    }
    pthread_mutex_unlock(&d->lock);
    return rc;
}

/* physdev_unmap_pirq on itself: only the emulated mapping goes, and a
 * pirq never mapped (or out of range) answers 0 all the same. */
int evtchn_pirq_unmap(struct evtchn_domain *d, int pirq)
{
    if (pirq < 0 || pirq >= EVTCHN_NR_PIRQS)
        return 0;
    pthread_mutex_lock(&d->lock);
    d->pirqs[pirq].emuirq = PIRQ_EMU_UNBOUND;
    pthread_mutex_unlock(&d->lock);
    return 0;
}

/* A pirq "exists" (pirq_info) while something holds it: a mapping, an
 * allocation, a bound port. */
static bool has_info(struct evtchn_domain *d, uint32_t pirq)
{
    const struct evtchn_pirq *p = &d->pirqs[pirq];

    return !is_free(p) || d->pirq_to_port[pirq] != 0;
}

int evtchn_pirq_eoi(struct evtchn_domain *d, uint32_t pirq)
{
    int gsi = -1;

    if (pirq >= EVTCHN_NR_PIRQS)
        return -EINVAL;
    pthread_mutex_lock(&d->lock);
    if (!has_info(d, pirq))
        gsi = -EINVAL;
    else if (d->pirqs[pirq].emuirq >= 16)  /* ISA IRQs are edges */
        gsi = d->pirqs[pirq].emuirq;
    pthread_mutex_unlock(&d->lock);
    return gsi;
}

int evtchn_pirq_query(struct evtchn_domain *d, int pirq)
{
    int rc = 0;

    if (pirq < 0 || pirq >= EVTCHN_NR_PIRQS)
        return -EINVAL;
    pthread_mutex_lock(&d->lock);
    /* Neither a device's interrupt nor a GSI behind it. */
    if (d->pirqs[pirq].irq != PIRQ_IRQ_MSI && d->pirqs[pirq].emuirq == PIRQ_EMU_UNBOUND)
        rc = -EINVAL;
    pthread_mutex_unlock(&d->lock);
    return rc;
}

int evtchn_pirq_of_gsi(struct evtchn_domain *d, unsigned gsi)
{
    int pirq;

    pthread_mutex_lock(&d->lock);
    pirq = gsi_to_pirq_locked(d, (int)gsi);
    pthread_mutex_unlock(&d->lock);
    return pirq;
}

int evtchn_pirq_msi_claim(struct evtchn_domain *d, uint32_t pirq)
{
    int rc = 0;

    if (pirq == 0 || pirq >= EVTCHN_NR_PIRQS)
        return -EINVAL;
    pthread_mutex_lock(&d->lock);
    if (d->pirqs[pirq].emuirq >= 0) {
        rc = -EINVAL;           /* a GSI's pirq (hvm_inject_msi's check) */
    } else if (d->pirqs[pirq].irq != PIRQ_IRQ_MSI) {
        d->pirqs[pirq].irq = PIRQ_IRQ_MSI;
        d->pirqs[pirq].pending = false;
        d->pirqs[pirq].unmasked = d->pirq_to_port[pirq] != 0;
        /* Bound already: arch_evtchn_bind_pirq's part happens now. */
        if (d->pirq_to_port[pirq])
            d->pirqs[pirq].emuirq = PIRQ_EMU_PT;
    }
    pthread_mutex_unlock(&d->lock);
    return rc;
}

void evtchn_pirq_msi_release(struct evtchn_domain *d, uint32_t pirq)
{
    if (pirq >= EVTCHN_NR_PIRQS)
        return;
    pthread_mutex_lock(&d->lock);
    if (d->pirqs[pirq].irq == PIRQ_IRQ_MSI) {
        d->pirqs[pirq].irq = PIRQ_IRQ_NONE;
        d->pirqs[pirq].pending = d->pirqs[pirq].unmasked = false;
        if (d->pirqs[pirq].emuirq == PIRQ_EMU_PT)
            d->pirqs[pirq].emuirq = PIRQ_EMU_UNBOUND;
    }
    pthread_mutex_unlock(&d->lock);
}

void evtchn_send_pirq(struct evtchn_domain *d, uint32_t pirq)
{
    struct evtchn_pirq *p;

    if (pirq >= EVTCHN_NR_PIRQS)
        return;
    pthread_mutex_lock(&d->lock);
    p = &d->pirqs[pirq];
    if (d->pirq_to_port[pirq] && p->emuirq != PIRQ_EMU_UNBOUND)
        evtchn_set_pending_locked(d, d->pirq_to_port[pirq]);
    else if (p->irq == PIRQ_IRQ_MSI && !p->unmasked)
        /* Xen keeps a pass-through MSI masked until a port is bound
         * (arch_evtchn_bind_pirq unmasks it): it waits in the device.
         * Once unmasked, a closed port loses it (vmsi_deliver_pirq of
         * vector 0). */
        p->pending = true;
    pthread_mutex_unlock(&d->lock);
}

/* arch_evtchn_bind_pirq: a device's MSI pirq becomes IRQ_PT and is
 * unmasked, so one that waited fires now. */
void evtchn_pirq_bound_locked(struct evtchn_domain *d, uint32_t pirq)
{
    struct evtchn_pirq *p = &d->pirqs[pirq];

    if (p->irq != PIRQ_IRQ_MSI)
        return;
    p->emuirq = PIRQ_EMU_PT;
    p->unmasked = true;
    if (p->pending) {
        p->pending = false;
        evtchn_set_pending_locked(d, d->pirq_to_port[pirq]);
    }
}

/* evtchn_close of a pirq port: a device's MSI loses IRQ_PT (its
 * interrupts wait in the device again); a GSI stays mapped. */
void evtchn_pirq_closed_locked(struct evtchn_domain *d, uint32_t pirq)
{
    if (d->pirqs[pirq].irq == PIRQ_IRQ_MSI && d->pirqs[pirq].emuirq == PIRQ_EMU_PT)
        d->pirqs[pirq].emuirq = PIRQ_EMU_UNBOUND;
}
