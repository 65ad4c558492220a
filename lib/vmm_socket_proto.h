/* A domain's VMM socket: the control-socket protocol.
 *
 * Each VMM started with a run directory listens on <rundir>/dom<N>.sock
 * (SOCK_SEQPACKET, mode 0600).  Every request is one message on a new
 * connection; the VMM answers with one message.
 *
 * Event channels.  Whoever binds to one of the domain's unbound ports
 * (another domain's VMM for a guest's EVTCHNOP_bind_interdomain, or a
 * host backend acting as domain 0) connects and sends BIND; the VMM
 * checks the port as Xen's bind_interdomain does and answers BOUND with
 * two eventfds: the first the binder writes to raise the port, the second
 * the VMM writes when the guest sends on it.  The connection then stands
 * for the channel: CLOSE or EOF from either side closes it, and the other
 * side's port becomes unbound (waiting for the same domain again), as
 * Xen leaves the surviving end.
 *
 * Control, from domain 0 only (from_dom 0; others get -EPERM):
 * - VIRQ raises a global virtual interrupt, for example VIRQ_DEBUG;
 * - PAUSE and UNPAUSE are Xen's XEN_DOMCTL_pausedomain/unpausedomain
 *   (domain_pause_by_systemcontroller): a count of controller pauses, at
 *   most XK_LINK_MAX_PAUSE (else -EOVERFLOW); UNPAUSE with none
 *   outstanding is -EINVAL.  PAUSE answers once no vCPU runs guest code;
 *   the guest's vCPUs run again when the count drops to 0.  A VMM started
 *   with --paused holds one such pause.  Reply: a struct xk_link_msg of
 *   the same type with status 0 or -errno.
 * - INFO asks for the domain's state (XEN_DOMCTL_getdomaininfo and
 *   getvcpuinfo together).  Reply: one struct xk_link_info.
 * - MEMORY asks for the guest's memory, for a backend in another process
 *   (backend/context.h): reply one struct xk_link_memory with the memfd
 *   attached when its status is 0.  The memfd holds guest RAM, the
 *   special pages and the grant table region (docs/architecture.md).
 *
 * - SAVE writes the domain, which the sender has paused, as Xen's libxl
 *   migration stream to the file descriptor attached (docs/migration.md);
 *   `port` holds XK_SAVE_* flags; the domain may instead have suspended
 *   itself (SHUTDOWN_suspend).  Reply: one struct xk_link_save.
 * - DUMP_CORE writes the domain, which the sender has paused, as Xen's
 *   dump-core ELF file (xl dump-core) to the file descriptor attached.
 *   Reply: one struct xk_link_save of type DUMP_CORE (bytes: the file's
 *   size, pages_data: the guest pages in it).
 * - RESUME runs a domain that suspended itself (SHUTDOWN_suspend) and is
 *   held by its monitor again, its SCHEDOP_shutdown returning 1 (Xen's
 *   xc_domain_resume after a checkpoint, `xl save -c`); -EINVAL for a
 *   domain that did not suspend.  Reply: status.
 *
 * - BACKEND (from a host backend process, domain 0) turns the connection
 *   it came on into the backend's standing line to the VMM (docs/
 *   migration.md, "Domains with disks and networks"): before the VMM
 *   writes the domain's memory for a save it sends QUIESCE with port 1 on
 *   every such line and waits for each answer: the backend has answered
 *   every request in flight and dropped every grant mapping (rings
 *   included), keeping its event channels bound and its xenstore state.
 *   QUIESCE with port 0 (no answer awaited) lets it map the rings again
 *   and go on: sent when the domain runs again (its last controller
 *   pause dropped, or RESUME).
 *
 * All fields are host-endian (the socket never leaves the host). */
#ifndef XK_LINK_PROTO_H
#define XK_LINK_PROTO_H

#include <stdint.h>

#define XK_LINK_MAGIC   0x4b4e4c58u     /* "XLNK" */
#define XK_LINK_SOCK_FMT "%s/dom%u.sock"

enum xk_link_type {
    XK_LINK_BIND = 1,       /* binder -> VMM */
    XK_LINK_BOUND = 2,      /* VMM -> binder, fds attached when status 0 */
    XK_LINK_CLOSE = 3,      /* either way */
    XK_LINK_VIRQ = 4,       /* dom0 -> VMM: raise global VIRQ `port` */
    XK_LINK_PAUSE = 5,      /* dom0 -> VMM: pause (reply: status) */
    XK_LINK_UNPAUSE = 6,    /* dom0 -> VMM: unpause (reply: status) */
    XK_LINK_INFO = 7,       /* dom0 -> VMM: reply struct xk_link_info */
    XK_LINK_MEMORY = 8,     /* dom0 -> VMM: reply struct xk_link_memory + memfd */
    XK_LINK_SAVE = 9,       /* dom0 -> VMM, a file attached: reply struct xk_link_save */
    XK_LINK_RESUME = 10,    /* dom0 -> VMM: reply status */
    XK_LINK_MAXMEM = 11,    /* dom0 -> VMM: max_pages = `port` pages (reply: status) */
    XK_LINK_TRIGGER = 12,   /* dom0 -> VMM: XEN_DOMCTL_sendtrigger `port` (an
                               XK_TRIGGER_*) to vCPU `from_port` (reply: status) */
    XK_LINK_LIVE_UPDATE = 13, /* dom0 -> VMM, the new binary attached: reply
                               struct xk_link_live_update (docs/live-update.md) */
    XK_LINK_POSTCOPY = 14,  /* dom0 -> VMM, 0 or 2 fds: reply(s) struct xk_link_postcopy */
    XK_LINK_DUMP_CORE = 15, /* dom0 -> VMM, a file attached: reply struct xk_link_save */
    XK_LINK_PCI_ATTACH = 17, /* dom0 -> VMM, struct xk_link_pci: hot-plug a function */
    XK_LINK_PCI_DETACH = 18, /* dom0 -> VMM, struct xk_link_pci: hot-unplug one */
    XK_LINK_BACKEND = 21,   /* host backend -> VMM on its idle connection: quiesce
                               me around a save (no reply; the connection stays) */
    XK_LINK_QUIESCE = 22,   /* VMM -> backend on that connection: `port` 1 quiesce,
                               0 resume; the backend answers QUIESCE with status */
};

/* XEN_DOMCTL_SENDTRIGGER_* (Xen's public domctl.h, a tools-only header). */
enum xk_trigger {
    XK_TRIGGER_NMI = 0, XK_TRIGGER_RESET = 1, XK_TRIGGER_INIT = 2,
    XK_TRIGGER_POWER = 3, XK_TRIGGER_SLEEP = 4,
};

/* Every request, and every reply but INFO's. */
struct xk_link_msg {
    uint32_t magic;
    uint32_t type;
    uint32_t from_dom;      /* the sender's domain (0: a host tool) */
    uint32_t from_port;     /* BIND: the binder's port number */
    uint32_t port;          /* BIND: the VMM domain's port; VIRQ: the VIRQ */
    int32_t status;         /* replies: 0 or -errno */
};

/* SAVE: xk_link_msg.port flags, and the reply. */
#define XK_SAVE_XENKVM_STATE (1u << 0)  /* append xenkvm's records (transparent) */
#define XK_SAVE_LIVE         (1u << 1)  /* the domain runs: precopy rounds, then the
                                           VMM pauses it (a controller pause) */
struct xk_link_save {
    uint32_t magic;
    uint32_t type;          /* XK_LINK_SAVE */
    int32_t status;         /* 0 or -errno, with msg */
    uint32_t pad;
    uint64_t bytes;         /* stream bytes written */
    uint64_t pages_data, pages_zero, pages_absent;
    uint64_t rounds, last_round_pages;  /* live */
    uint64_t downtime_us;   /* live: paused until the stream ended */
    char msg[160];
};

/* LIVE_UPDATE's reply: from the new VMM once the guest runs again, or
 * from the old one (still running the guest) with the reason it refused. */
struct xk_link_live_update {
    uint32_t magic;
    uint32_t type;          /* XK_LINK_LIVE_UPDATE */
    int32_t status;         /* 0 or -errno, with msg */
    uint32_t pad;
    uint64_t pause_ns;      /* the vCPUs' pause, old VMM to new */
    uint64_t state_bytes;   /* the registry image handed over */
    char msg[160];
};

#define XK_SAVE_POSTCOPY     (1u << 2)  /* with LIVE: the last round's pages are
                                           listed, sent later by POSTCOPY */
/* A SAVE of a domain with a passed-through PCI function: status -EINVAL
 * and this msg, libxc's words when Xen refuses log-dirty mode to a domain
 * with assigned devices (xl prints it as libxl would, docs/pciback.md). */
#define XK_SAVE_PCI_REFUSAL "Failed to enable logdirty: 22,0,22 (22 = Invalid argument): " \
                            "Internal error"
/* LIVE: the precopy policy (xenkvm's own; Xen's xl has no such option).
 * ROUNDS_SET: bits 8-15 hold the most rounds while the domain runs (the
 * first sends every page; 0: none), instead of the default (1 + Xen's 5
 * iterations for precopy, none for postcopy).  Bits 16-31: a downtime
 * target in ms (0: none): switch over once the pages dirtied in the last
 * round would take no longer than that at the rate measured so far.
 * PROGRESS: one struct xk_link_save with status XK_SAVE_STATUS_PROGRESS
 * after each round (the counts so far), before the final reply. */
#define XK_SAVE_ROUNDS_SET   (1u << 3)
#define XK_SAVE_PROGRESS     (1u << 4)
#define XK_SAVE_ROUNDS(n)    (((uint32_t)(n) & 0xffu) << 8)
#define XK_SAVE_ROUNDS_OF(f) (((f) >> 8) & 0xffu)
#define XK_SAVE_DOWNTIME_MAX 0xffffu
#define XK_SAVE_DOWNTIME(ms) (((uint32_t)(ms) & 0xffffu) << 16)
#define XK_SAVE_DOWNTIME_OF(f) ((f) >> 16)
#define XK_SAVE_STATUS_PROGRESS 1
/* POSTCOPY (xenkvm's own, docs/migration.md): with no fd, asks whether the
 * domain is a postcopy destination waiting for its pages (status
 * XK_PC_DEST, or XK_PC_DEST_PAUSED after a broken connection), a source
 * with pages to send (XK_PC_SOURCE, XK_PC_SOURCE_PAUSED), or neither (0).
 * With two fds, the migration channel's forward and return directions
 * (`port`: XK_PC_HOLD, XK_PC_RESUME), the source serves its pending pages
 * / the destination fetches them: one reply when it started (status 0 or
 * -errno: then no second), one when every page went or arrived (counts,
 * or -errno; -ENOTCONN: the connection broke, both ends keep their state
 * and a POSTCOPY with XK_PC_RESUME and a new connection goes on). */
#define XK_PC_HOLD          (1u << 0)   /* destination: background waits for a fault */
#define XK_PC_RESUME        (1u << 1)   /* a new connection for a paused postcopy */
#define XK_PC_DEST          1
#define XK_PC_SOURCE        2
#define XK_PC_DEST_PAUSED   3
#define XK_PC_SOURCE_PAUSED 4
struct xk_link_postcopy {
    uint32_t magic;
    uint32_t type;          /* XK_LINK_POSTCOPY */
    int32_t status;
    uint32_t pad;
    uint64_t pending;       /* pages postcopy moves */
    uint64_t on_demand, background, zero_filled, requests, clobbered;
    char msg[160];
};

/* PCI_ATTACH / PCI_DETACH (docs/pciback.md, "Hot plug"), request and
 * reply alike.  ATTACH: `spec` is the VMM's --pci argument, `vslot` the
 * slot asked for (-1: the first free one); the reply says the slot used.
 * The guest is told through the ACPI PCI hot-plug registers and an SCI.
 * DETACH: the function at `vslot`; the guest is asked to eject it and
 * the reply comes once it has (the sender's timeout bounds the wait);
 * with XK_PCI_FORCE it is torn down at once.  Errors: status -errno with
 * msg. */
#define XK_PCI_SPEC_LEN 512
#define XK_PCI_FORCE (1u << 0)
struct xk_link_pci {
    uint32_t magic;
    uint32_t type;          /* XK_LINK_PCI_ATTACH or _DETACH */
    uint32_t from_dom;
    uint32_t flags;         /* XK_PCI_* */
    int32_t vslot;
    int32_t status;
    char spec[XK_PCI_SPEC_LEN];
    char msg[160];
};

/* Xen's limit on the controller pause count (domain.c: 255). */
#define XK_LINK_MAX_PAUSE 255
/* Per-vCPU entries an INFO reply holds (Xen's HVM_MAX_VCPUS). */
#define XK_LINK_MAX_VCPUS 128
#define XK_LINK_INFO_VERSION 1

/* xk_link_info.flags */
#define XK_INFO_PAUSED     (1u << 0)    /* controller pauses outstanding
                                           (XEN_DOMINF_paused) */
#define XK_INFO_SHUTDOWN   (1u << 1)    /* the domain is ending: it shut down,
                                           crashed or was killed; exit_status
                                           is the VMM's coming exit status */
#define XK_INFO_PV_CONTROL (1u << 2)    /* the guest set HVM_PARAM_CALLBACK_IRQ
                                           or an upcall vector: its PV drivers
                                           take events */
#define XK_INFO_BLOCKED    (1u << 3)    /* every online vCPU is blocked
                                           (XEN_DOMINF_blocked) */
#define XK_INFO_RUNNING    (1u << 4)    /* some vCPU runs guest code now
                                           (XEN_DOMINF_running) */

#define XK_INFO_NO_CPU 0xffffffffu      /* vcpu[].cpu: never ran */

/* One vCPU (XEN_DOMCTL_getvcpuinfo). */
struct xk_link_vcpu_info {
    uint8_t online;         /* up (not VCPUOP_down or never started) */
    uint8_t blocked;        /* in SCHEDOP_block or _poll, or halted */
    uint8_t running;        /* on a host CPU now, running guest code */
    uint8_t pad;
    uint32_t cpu;           /* host CPU its thread ran on last */
    uint64_t cpu_time_ns;   /* CPU time of its thread (VMM work included) */
};

struct xk_link_info {
    uint32_t magic;         /* XK_LINK_MAGIC */
    uint32_t type;          /* XK_LINK_INFO */
    int32_t status;         /* 0, or -errno: then nothing below is valid */
    uint32_t version;       /* XK_LINK_INFO_VERSION */
    uint32_t domid;
    uint32_t flags;         /* XK_INFO_* */
    int32_t shutdown_code;  /* SHUTDOWN_* the guest recorded, or -1 */
    int32_t exit_status;    /* with XK_INFO_SHUTDOWN, else -1 */
    uint32_t pause_count;   /* controller pauses outstanding */
    uint32_t nr_vcpus;      /* vCPUs the domain has (entries in vcpu[]) */
    uint32_t online_vcpus;
    uint32_t vmm_pid;       /* the VMM process */
    uint64_t mem_kib;       /* current reservation: RAM populated, KiB */
    uint64_t max_mem_kib;   /* maximum reservation, KiB */
    uint64_t cpu_time_ns;   /* sum over the vCPU threads */
    uint64_t store_pfn;     /* HVM_PARAM_STORE_PFN */
    uint64_t console_pfn;   /* HVM_PARAM_CONSOLE_PFN */
    uint32_t store_port;    /* HVM_PARAM_STORE_EVTCHN */
    uint32_t console_port;  /* HVM_PARAM_CONSOLE_EVTCHN */
    uint8_t handle[16];     /* the domain's UUID (XENVER_guest_handle) */
    struct xk_link_vcpu_info vcpu[XK_LINK_MAX_VCPUS];
};

/* Where things are in the guest-memory memfd (pages of XK_LINK_PAGE_SIZE). */
#define XK_LINK_PAGE_SIZE 4096
struct xk_link_memory {
    uint32_t magic;         /* XK_LINK_MAGIC */
    uint32_t type;          /* XK_LINK_MEMORY */
    int32_t status;         /* 0 (memfd attached), or -errno */
    uint32_t domid;
    uint64_t mem_pages;     /* the memfd's size */
    uint64_t ram_pages;     /* guest RAM: memfd pages [0, ram_pages) */
    uint64_t lowmem_pages;  /* of which at gfn 0 up; the rest from 4 GiB */
    uint64_t special_page;  /* memfd page of special page 0 (guest_layout.h) */
    uint64_t grant_page;    /* memfd page of the grant table region */
};

_Static_assert(sizeof(struct xk_link_msg) == 24, "xk_link_msg layout");
_Static_assert(sizeof(struct xk_link_memory) == 56, "xk_link_memory layout");
_Static_assert(sizeof(struct xk_link_vcpu_info) == 16, "xk_link_vcpu_info layout");
_Static_assert(sizeof(struct xk_link_info) == 112 + 16 * XK_LINK_MAX_VCPUS,
               "xk_link_info layout");

/* The address of domain DOMID's VMM socket under RUNDIR: 0 or
 * -ENAMETOOLONG (lib/vmm_ctl.c). */
struct sockaddr_un;
int xk_link_sock_addr(const char *rundir, uint32_t domid, struct sockaddr_un *a);
/* A connection to domain DOMID's VMM socket: the fd, or -errno (-ENOENT or
 * -ECONNREFUSED when no VMM listens there). */
int xk_link_connect(const char *rundir, uint32_t domid);

#endif
