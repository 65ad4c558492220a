/* Event channels of one domain: the port table and both delivery ABIs
 * (2-level bitmaps in shared info, FIFO queues in guest pages), with the
 * semantics and error codes of Xen 4.17's xen/common/event_channel.c.
 *
 * The library knows nothing of KVM: guest memory, upcall injection and
 * channels that leave the domain are reached through hooks, so the same
 * code runs in the VMM and in unit tests. */
#ifndef XK_EVTCHN_H
#define XK_EVTCHN_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/event_channel.h>

#define EVTCHN_BUCKET       64      /* Xen's EVTCHNS_PER_BUCKET on x86-64 */
#define EVTCHN_DEFAULT_MAX_PORT 1023 /* libxl's default max_event_channels */
#define EVTCHN_NR_PIRQS     56      /* 24 GSIs + Xen's 32 extra_domU_irqs */

/* Port states (Xen's ECS_*); BINDING holds a port while a bind to another
 * process is in flight. */
enum { ECS_FREE, ECS_RESERVED, ECS_UNBOUND, ECS_INTERDOMAIN, ECS_PIRQ,
       ECS_VIRQ, ECS_IPI, ECS_BINDING };

/* The far end of an interdomain channel that leaves this domain (another
 * domain's VMM or a host backend); owned by whoever set it up. */
struct evtchn_link;

struct evtchn {
    uint8_t state;
    uint8_t priority;           /* FIFO */
    uint8_t last_priority;      /* FIFO: queue the port was last put on */
    bool fifo_pending;          /* FIFO: raised while its array page was missing */
    uint32_t notify_vcpu;
    uint32_t last_vcpu;         /* FIFO */
    domid_t remote_dom;         /* UNBOUND, INTERDOMAIN */
    uint32_t remote_port;       /* INTERDOMAIN */
    struct evtchn_link *link;   /* INTERDOMAIN to outside this domain */
    uint32_t virq_or_pirq;      /* VIRQ, PIRQ */
};

struct evtchn_hooks {
    void *opaque;
    /* Host pointer to vCPU V's vcpu_info, or NULL if it has none. */
    void *(*vcpu_info)(void *opaque, unsigned vcpu);
    /* Host pointer to the writable RAM frame GFN, or NULL. */
    void *(*gfn_ptr)(void *opaque, uint64_t gfn);
    /* V's evtchn_upcall_pending went from 0 to 1: raise its upcall. */
    void (*upcall)(void *opaque, unsigned vcpu);
    /* PORT became pending: wake vCPUs polling it. */
    void (*poll_wake)(void *opaque, uint32_t port);
    /* The guest sent on a channel whose other end is LINK. */
    void (*link_send)(void *opaque, struct evtchn_link *link);
    /* The channel of LINK is closed on this side: tell the far end and
     * free the link. */
    void (*link_close)(void *opaque, struct evtchn_link *link);
};

struct evtchn_fifo_vcpu {
    uint8_t *control_block;     /* host pointer, NULL until init_control */
    uint64_t cb_gfn;
    uint32_t cb_offset;
    uint32_t tail[EVTCHN_FIFO_MAX_QUEUES];
};

/* A PIRQ of an HVM domain (Xen's struct pirq: arch.irq, arch.hvm.emuirq). */
#define EVTCHN_NR_PIRQ_GSIS   24    /* nr_irqs_gsi: the GSIs of KVM's IOAPIC */
#define EVTCHN_NR_HVM_GSIS    48    /* NR_HVM_DOMU_IRQS: Xen's vIOAPIC pins */
#define PIRQ_EMU_UNBOUND      (-1)  /* IRQ_UNBOUND */
#define PIRQ_EMU_PT           (-2)  /* IRQ_PT: a device's MSI, port bound */
enum { PIRQ_IRQ_NONE, PIRQ_IRQ_ALLOCATED, PIRQ_IRQ_MSI };
struct evtchn_pirq {
    int16_t emuirq;             /* the GSI it stands for, or PIRQ_EMU_* */
    uint8_t irq;                /* PIRQ_IRQ_ALLOCATED: get_free_pirq gave
                                   it; PIRQ_IRQ_MSI: a device's MSI message
                                   names it (Xen's arch.irq > 0) */
    bool pending;               /* a device MSI came before a port was bound */
    bool unmasked;              /* a port was bound once since the MSI was
                                   named: Xen unmasked it (guest_mask_msi_irq) */
};

struct evtchn_vcpu {
    uint32_t virq_to_port[NR_VIRQS];
    struct evtchn_fifo_vcpu fifo;
};

#define EVTCHN_FIFO_ARRAY_PAGES (EVTCHN_FIFO_NR_CHANNELS / 1024)

struct evtchn_domain {
    pthread_mutex_t lock;
    struct evtchn_hooks hooks;
    domid_t domid;
    unsigned nr_vcpus;
    uint32_t max_port;          /* highest port number allowed (config) */
    uint32_t valid;             /* ports below this have a slot (buckets) */
    uint32_t active;            /* ports not free */
    struct evtchn **buckets;
    struct evtchn_vcpu *vcpus;
    uint32_t pirq_to_port[EVTCHN_NR_PIRQS];
    struct evtchn_pirq pirqs[EVTCHN_NR_PIRQS];

    /* 2-level layout: the guest's width decides the word size. */
    uint8_t *shared_info;       /* host pointer to the shared info page */
    bool compat;
    size_t si_pending_off, si_mask_off;     /* in shared info */
    size_t vi_pending_off, vi_sel_off;      /* in vcpu_info */

    bool fifo;
    uint32_t fifo_nr_ports;     /* ports covered by event array pages */
    uint32_t *fifo_array[EVTCHN_FIFO_ARRAY_PAGES];
    uint64_t fifo_array_gfn[EVTCHN_FIFO_ARRAY_PAGES];
};

/* Layout of the guest-visible fields the 2-level ABI touches. */
struct evtchn_layout {
    bool compat;
    size_t si_pending_off, si_mask_off, vi_pending_off, vi_sel_off;
};

int evtchn_domain_init(struct evtchn_domain *d, domid_t domid,
                       unsigned nr_vcpus, uint32_t max_port,
                       void *shared_info, const struct evtchn_hooks *hooks);
void evtchn_domain_destroy(struct evtchn_domain *d);
void evtchn_set_layout(struct evtchn_domain *d, const struct evtchn_layout *l);

/* The guest's commands.  VCPU is the calling vCPU; ports are the guest's.
 * Each returns 0 (or a port >= 0 where noted) or Xen's -errno. */
int evtchn_alloc_unbound(struct evtchn_domain *d, domid_t remote_dom);  /* port */
int evtchn_bind_loopback(struct evtchn_domain *d, uint32_t remote_port); /* port */
int evtchn_bind_virq(struct evtchn_domain *d, uint32_t virq, uint32_t vcpu); /* port */
int evtchn_bind_ipi(struct evtchn_domain *d, uint32_t vcpu);            /* port */
int evtchn_bind_pirq(struct evtchn_domain *d, uint32_t pirq);           /* port */
int evtchn_close(struct evtchn_domain *d, uint32_t port);
int evtchn_send(struct evtchn_domain *d, uint32_t port);
int evtchn_status(struct evtchn_domain *d, uint32_t port,
                  struct evtchn_status *st);
int evtchn_bind_vcpu(struct evtchn_domain *d, uint32_t port, uint32_t vcpu);
int evtchn_unmask(struct evtchn_domain *d, uint32_t port);
int evtchn_reset(struct evtchn_domain *d);
int evtchn_fifo_init_control(struct evtchn_domain *d, uint32_t vcpu,
                             uint64_t gfn, uint32_t offset);
int evtchn_fifo_expand_array(struct evtchn_domain *d, uint64_t gfn);
int evtchn_set_priority(struct evtchn_domain *d, uint32_t port,
                        uint32_t priority);
/* SCHEDOP_poll: 1 pending, 0 not, -EINVAL for an invalid port. */
int evtchn_poll_port(struct evtchn_domain *d, uint32_t port);

/* Binding to another domain or a host backend, in two steps so the far
 * end can be asked without the lock held: reserve a local port, then
 * commit it with the link (or release it). */
int evtchn_reserve(struct evtchn_domain *d);                           /* port */
void evtchn_commit_link(struct evtchn_domain *d, uint32_t port,
                        domid_t remote_dom, uint32_t remote_port,
                        struct evtchn_link *link);
void evtchn_release(struct evtchn_domain *d, uint32_t port);

/* The far end FROM_DOM asks to bind its FROM_PORT to our PORT: 0 if PORT
 * is unbound and waiting for FROM_DOM (it becomes interdomain with LINK),
 * else -EINVAL as Xen's bind_interdomain answers. */
int evtchn_accept_link(struct evtchn_domain *d, uint32_t port, domid_t from_dom,
                       uint32_t from_port, struct evtchn_link *link);
/* The far end of PORT's LINK signalled it. */
void evtchn_link_raise(struct evtchn_domain *d, uint32_t port,
                       struct evtchn_link *link);
/* The far end closed (or died): PORT becomes unbound, waiting for it
 * again, as Xen leaves the surviving end of a closed channel. */
void evtchn_link_gone(struct evtchn_domain *d, uint32_t port,
                      struct evtchn_link *link);
/* Teardown: hand every link still standing to FN (which frees it); its
 * port becomes unbound. */
void evtchn_take_links(struct evtchn_domain *d,
                       void (*fn)(void *arg, struct evtchn_link *link), void *arg);

/* PIRQs of an HVM guest with XENFEAT_hvm_pirqs (evtchn/pirq.c), as Xen's
 * xen/arch/x86/physdev.c and irq.c keep them.  Each returns 0 (or a pirq)
 * or Xen's -errno. */
int evtchn_pirq_get_free(struct evtchn_domain *d, int type);        /* pirq */
/* MAP_PIRQ_TYPE_GSI for the domain itself (physdev_hvm_map_pirq): *PIRQ
 * < 0 asks for a free one; the pirq mapped is written back. */
int evtchn_pirq_map_gsi(struct evtchn_domain *d, int gsi, int *pirq);
int evtchn_pirq_unmap(struct evtchn_domain *d, int pirq);
/* PHYSDEVOP_eoi: the GSI to notify again if it is still asserted (>= 16),
 * -1 if none, or -EINVAL. */
int evtchn_pirq_eoi(struct evtchn_domain *d, uint32_t pirq);
/* PHYSDEVOP_irq_status_query: 0 if the pirq is mapped, else -EINVAL. */
int evtchn_pirq_query(struct evtchn_domain *d, int pirq);
/* The pirq GSI is mapped to, or -1. */
int evtchn_pirq_of_gsi(struct evtchn_domain *d, unsigned gsi);
/* A device's MSI message names PIRQ (claim) or no longer does (release):
 * Xen's device model mapping a pass-through MSI.  0 or -EINVAL. */
int evtchn_pirq_msi_claim(struct evtchn_domain *d, uint32_t pirq);
void evtchn_pirq_msi_release(struct evtchn_domain *d, uint32_t pirq);
/* The device interrupt behind PIRQ fired (send_guest_pirq): an MSI
 * without a port stays pending until one is bound; a GSI is dropped. */
void evtchn_send_pirq(struct evtchn_domain *d, uint32_t pirq);

/* Host-raised virtual interrupts (Xen's send_guest_vcpu_virq and
 * send_guest_global_virq). */
void evtchn_send_virq(struct evtchn_domain *d, uint32_t vcpu, uint32_t virq);
bool evtchn_virq_is_global(uint32_t virq);

/* Save and restore the port table and ABI state (pending bits live in
 * guest memory and travel with it).  Links to other processes are saved
 * as their far end and come back unbound, waiting for it. */
size_t evtchn_save_size(const struct evtchn_domain *d);
int evtchn_save(struct evtchn_domain *d, void *buf, size_t len);  /* bytes */
int evtchn_restore(struct evtchn_domain *d, const void *buf, size_t len);
/* The same inside a saved-state stream (lib/savestate.h). */
struct ss_wr;
struct ss_rd;
void evtchn_save_to(struct evtchn_domain *d, struct ss_wr *w);
int evtchn_restore_from(struct evtchn_domain *d, struct ss_rd *r);

/* Internal: shared between the files of the library. */
struct evtchn *evtchn_port(struct evtchn_domain *d, uint32_t port);
uint32_t evtchn_max_ports(const struct evtchn_domain *d);
void evtchn_mark_pending(struct evtchn_domain *d, uint32_t vcpu);
void evtchn_2l_set_pending(struct evtchn_domain *d, uint32_t port, struct evtchn *c);
void evtchn_2l_clear_pending(struct evtchn_domain *d, uint32_t port);
void evtchn_2l_unmask(struct evtchn_domain *d, uint32_t port, struct evtchn *c);
bool evtchn_2l_is_pending(struct evtchn_domain *d, uint32_t port);
void evtchn_fifo_set_pending(struct evtchn_domain *d, uint32_t port, struct evtchn *c);
void evtchn_fifo_clear_pending(struct evtchn_domain *d, uint32_t port);
void evtchn_fifo_unmask(struct evtchn_domain *d, uint32_t port, struct evtchn *c);
bool evtchn_fifo_is_pending(struct evtchn_domain *d, uint32_t port);
bool evtchn_fifo_is_busy(struct evtchn_domain *d, uint32_t port);
void evtchn_fifo_destroy(struct evtchn_domain *d);
int evtchn_fifo_map(struct evtchn_domain *d);
void evtchn_set_pending_locked(struct evtchn_domain *d, uint32_t port);
void evtchn_pirq_init(struct evtchn_domain *d);
void evtchn_pirq_bound_locked(struct evtchn_domain *d, uint32_t pirq);
void evtchn_pirq_closed_locked(struct evtchn_domain *d, uint32_t pirq);

#endif
