/* One Xen domain run on KVM: its memory, vCPUs and Xen-visible state. */
#ifndef XK_VM_H
#define XK_VM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/kvm.h>
#include <xen/xen.h>
#include <xen/hvm/params.h>
#include <xen/vcpu.h>
#include <xen/hvm/hvm_vcpu.h>

#include "domain_limits.h"
#include "evtchn/evtchn.h"
#include "guest_layout.h"
#include "ioport.h"
#include "hcall_transport.h"
#include "physmap.h"
#include "xen_time.h"

#define XK_DEFAULT_MEM_MIB  64
/* max_pages over memory=: libxl's setmaxmem adds LIBXL_MAXMEM_CONSTANT
 * (1 MiB, libxl__arch_extra_memory on x86) to the target. */
#define XK_MAXMEM_EXTRA_PAGES 256

/* Guest-physical layout, as Xen's HVM/PVH domain builder lays it out. */
#define XK_MMIO_HOLE_START  0xf0000000ULL   /* low RAM ends here at most */
#define XK_4G               0x100000000ULL

/* GNT_REGION_PAGES(GNT_MAX_FRAMES_LIMIT), checked in grant.c. */
#define XK_GNT_REGION_PAGES 1313

/* Pages the VMM owns in the memfd after guest RAM. */
enum {
    XENPAGE_SPECIAL0 = 0,                        /* XK_NR_SPECIAL pages */
    XENPAGE_SHARED_INFO = XK_NR_SPECIAL,
    XENPAGE_ACPI = 16,                           /* XK_ACPI_PAGES (acpi.h) */
    XENPAGE_GRANT = 256,                          /* gnttab/'s region */
    XK_XENPAGES = XENPAGE_GRANT + XK_GNT_REGION_PAGES,
};

struct vm;
struct console;
struct watchdog;
struct vm_gnttab;
struct pt_bus;
struct pt_pirq;

enum vcpu_state {
    VCPU_DOWN,      /* not running guest code (never started or VCPUOP_down) */
    VCPU_UP,
};

struct vcpu {
    struct vm *vm;
    unsigned id;
    int fd;
    struct kvm_run *run;
    size_t run_size;
    pthread_t thread;
    bool thread_started;            /* guarded by vm->kick_lock: false once
                                       vm_wait joins (or gives up on) it */

    /* Guarded by vm->lock. */
    enum vcpu_state state;
    bool initialised;               /* VCPUOP_initialise done (or BSP) */
    struct vcpu_hvm_context init_ctx;
    bool ctx_pending;               /* load init_ctx before running */
    bool in_guest;                  /* between the pause gate and exit */
    bool exit_completed;            /* its last exit finished by KVM before parking */
    bool ctl_parked;                /* stopped at the gate by a controller
                                       pause (runstate offline) */
    bool ctl_waiting;               /* parked at the gate, waiting: its thread
                                       touches no guest memory until it wakes */
    pid_t tid;                      /* its thread, once started (0 before) */
    clockid_t cpu_clock;            /* the thread's CPU clock (with tid) */
    bool thread_done;               /* its thread returned (or will now) */
    uint64_t final_cpu_ns;          /* the thread's CPU time when it ended */
    bool wake;                      /* block/poll wake-up request */
    bool flush_tlb;                 /* HVMOP_flush_tlbs: flush on entry */
    bool areas_changed;             /* publish runstate/time before entry */
    uint64_t time_area_gva;         /* VCPUOP_register_vcpu_time_memory_area */
    uint64_t runstate_gva;          /* VCPUOP_register_runstate_memory_area */
    struct vcpu_runstate_info runstate;
    pthread_cond_t cond;

    /* The vCPU's own thread, or another vCPU while this one is down
     * (VCPUOP_register_vcpu_info), touches these. */
    uint64_t vcpu_info_gpa;         /* 0: the slot in shared info */
    bool vcpu_info_registered;
    uint64_t time_updated_tsc;

    /* Event delivery (irq.c, timer.c). */
    _Atomic uint8_t upcall_vector;  /* HVMOP_set_evtchn_upcall_vector */
    atomic_bool cb_inject;          /* callback vector due before entry */
    atomic_bool cb_outstanding;     /* injected, flag not yet cleared */
    atomic_bool lapic_check;        /* re-offer the upcall vector */
    atomic_bool lapic_was_off;      /* APIC seen software-disabled */
    uint8_t cb_vector;              /* the vector it was injected with */
    uint8_t autoeoi_vector;         /* KVM acks it without ISR (autoeoi.c) */
    int8_t autoeoi_state;           /* SynIC: 0 untried, 1 on, -1 absent */
    int poll_port;                  /* SCHEDOP_poll (vm->lock): 0 none,
                                       -1 any port, else that port */
    int timer_fd[2];                /* singleshot, periodic (timerfds) */
    uint64_t periodic_period;       /* ns; 0: off (timer lock) */
    uint64_t periodic_last;         /* Xen time of the last tick */
    uint64_t singleshot_deadline;   /* Xen time; 0: not armed */
    atomic_bool dump_asked;         /* log its state at the next exit
                                       (debug_dump.c) */

    /* VMM-side cost of exits (TSC cycles from KVM_RUN's return to the
     * next entry), for --stats: [0] hypercalls, [1] other exits. */
    uint64_t exit_count[2], exit_cycles[2];
};

struct vm {
    int kvm_fd, vm_fd;
    int mem_fd;
    uint8_t *mem;               /* the whole memfd, mapped in the VMM */
    uint64_t mem_size;
    uint64_t ram_pages;         /* RAM pages in the memfd (max reservation) */
    uint64_t max_pages_set;     /* xl mem-max's max_pages (0: the default) */
    uint64_t lowmem_pages;      /* RAM below the MMIO hole */
    uint64_t xenpage0;          /* memfd page of XENPAGE_SPECIAL0 */
    unsigned char *ram_state;   /* per memfd RAM page: RAM_* bits */
    uint64_t tot_pages;         /* populated RAM pages */
    uint64_t special_pages;     /* populated special pages: Xen's domain
                                   builder populates them, so they count
                                   in the reservation (vm_reservation) */
    struct physmap pm;

    unsigned nr_vcpus;
    struct vcpu *vcpus;
    unsigned online_vcpus;          /* vCPUs the MADT enables (xl's vcpus=;
                                       nr_vcpus is maxvcpus=) */
    /* vCPU 0's CPUID as set with KVM_SET_CPUID2, for the migration
     * stream's policy record: reading it back with KVM_GET_CPUID2 from
     * another thread waits for the vCPU's mutex, i.e. for the vCPU to
     * leave KVM_RUN, which a guest that never exits to the VMM (the kvm
     * transport's in-kernel hypercalls, an in-kernel HLT) does not do. */
    struct kvm_cpuid2 *cpuid0;
    enum xk_transport transport;    /* kvm or port (never auto) */
    bool acpi;                      /* ACPI tables and registers (acpi.c) */
    uint16_t acpi_pm1_en;           /* HVM: the PM1 enable register */
    domid_t domid;
    xen_domain_handle_t handle; /* the domain's UUID */

    /* Xen state, guarded by lock. */
    pthread_mutex_t lock;
    pthread_cond_t cond;        /* pause handshakes */
    bool pausing;
    struct vcpu *pause_owner;
    /* Xen's controller_pause_count (XEN_DOMCTL_pausedomain): vCPUs stay
     * at the gate while it is not 0. */
    unsigned ctl_pause_count;
    uint64_t shared_info_gfn;   /* INVALID_GFN when not mapped */
    bool shinfo_32;             /* latched guest width (has_32bit_shinfo) */
    uint64_t params[HVM_NR_PARAMS];

    struct xen_clock clock;

    /* Event channels and their delivery (events.c, irq.c, link.c). */
    struct evtchn_domain evtchn;
    uint32_t max_evtchn_port;
    struct evloop *loop;        /* the event thread */
    struct ioport_table ioports;    /* emulated I/O ports (ioport.h) */
    const char *rundir;         /* control socket directory, or NULL */
    int ctl_fd;                 /* listening control socket, or -1 */
    int xs_sock, xs_chan;       /* xenstored attach socket and channel */
    struct xs_keep *xs_keep;    /* what re-attaching needs (xs_conn.c) */
    struct console *console;    /* the PV console backend (console.c) */
    /* Postcopy (postcopy.h): the source's pages still to send after a
     * MIG_POSTCOPY save, or the destination's armed fault handler. */
    uint64_t *pc_pending, pc_npending;
    struct pc_dest *pc_dest;
    struct pc_src *pc_src;      /* the source's sender once started (kept
                                   across a broken connection) */
    atomic_bool pc_busy;        /* a POSTCOPY request is being served */
    /* Backend processes' page fetches while postcopy fills the domain's
     * memory (postcopy_backends.h); LOCK also guards freeing pc_dest. */
    struct {
        pthread_mutex_t lock;
        int fd[8];              /* XK_MAX_BACKEND_LINES */
        unsigned n;
        atomic_uint_fast64_t fetched;   /* missing pages they asked for */
    } pc_backends;
    pthread_mutex_t timer_lock;
    struct {
        pthread_mutex_t lock;
        /* The callback via, type << 8 | vector (irq.c): written under
         * lock, read without it on every guest entry. */
        _Atomic uint32_t via;
        uint32_t gsi;           /* GSI and PCI INTx: the IOAPIC pin */
        bool irqfd;             /* trigger_fd is attached to gsi */
        bool asserted;
        bool rearm;             /* upcall raised while asserted */
        int trigger_fd, resample_fd;
        int sample_fd;          /* the entry-sampling tick (irq.c) */
        bool sampling;
    } irq;
    /* type=hvm: Xen's emulated platform (PIC, IOAPIC and PIT records in
     * HVM_CONTEXT) and KVM's in-kernel PIT; PVH (false) has no PIT, as on
     * Xen.  Set before vm_kvm_init. */
    bool hvm_platform;
    uint32_t pci_addr;          /* port 0xcf8 */
    uint32_t pci_bar[2];        /* the platform device's BARs */
    uint16_t pci_cmd;
    struct pt_bus *pt;          /* passed-through PCI functions (passthrough.c) */
    struct pt_pirq *pt_pirq;    /* its interrupts as pirq events (passthrough_pirq.c) */
    bool hvm_pirq;              /* xl.cfg hvm_pirq: XEN_X86_EMU_USE_PIRQ (hc_physdev.c) */

    /* The domain's memory map (E820 types), for start_info and
     * XENMEM_memory_map. */
    struct { uint64_t addr, size; uint32_t type; } memmap[8];
    unsigned nr_memmap;
    uint64_t unmapped_pages;    /* increase_reservation extents (HVM: not
                                   placed in the physmap, as on Xen) */

    /* Shutdown: the first reason recorded wins (Xen's shutdown_code). */
    atomic_bool stopping;
    int shutdown_code;          /* -1: none recorded yet */
    int exit_status;
    pthread_mutex_t exit_lock;
    pthread_cond_t exit_cond;
    bool kicked_all;            /* vm_shutdown's kicks are done: vm_wait may
                                   join (exit_lock) */
    pthread_mutex_t kick_lock;  /* a kick never meets a joined thread */
    bool vcpu_stuck;            /* a vCPU thread did not stop in time */

    struct watchdog *watchdog; /* SCHEDOP_watchdog timers, once used */
    struct vm_gnttab *gnttab;   /* grant table (grant.h) */
    /* A domain that suspended (SHUTDOWN_suspend) and is held for its
     * saver can run again (Xen's domain_resume): the vCPU that asked, and
     * the eventfd that wakes the holding main thread (-1: not held). */
    unsigned suspend_vcpu;
    int resume_fd;
    /* Saving for a live update (live_update.c): the memfd is kept. */
    bool live_update;
    /* Host backend processes' lines, quiesced around a save
     * (backend_quiesce.h). */
    struct {
        pthread_mutex_t lock;
        int fd[8];              /* XK_MAX_BACKEND_LINES */
        unsigned n;
        bool quiesced;
    } backends;
    /* Backends a restored domain is to be reconnected to (save_attach.c). */
    struct { bool xenstore, console; } reattach;
};

#define XK_INVALID_GFN (~0ULL)

/* ram_state bits.  A RAM frame the guest gives back (ballooning) keeps its
 * memslot but loses RAM_POPULATED: its memfd page is punched out, and the
 * VMM treats the frame as absent. */
#define RAM_POPULATED 1     /* counted in tot_pages, usable by the VMM */
#define RAM_MAPPED    2     /* backs some guest frame in the physmap */

/* Host address of the VMM-owned page IDX (XENPAGE_*). */
static inline void *vm_xenpage(struct vm *vm, unsigned idx)
{
    return vm->mem + ((vm->xenpage0 + idx) << 12);
}

/* Xen's d->tot_pages (XENMEM_current_reservation, getdomaininfo) and
 * d->max_pages (XENMEM_maximum_reservation), under the map's lock. */
static inline uint64_t vm_reservation(const struct vm *vm)
{
    return vm->tot_pages + vm->unmapped_pages + vm->special_pages;
}

static inline uint64_t vm_max_pages(const struct vm *vm)
{
    return vm->max_pages_set ? vm->max_pages_set : vm->ram_pages + XK_MAXMEM_EXTRA_PAGES;
}

/* Create the VM's memory (memfd, physmap); kvm_fd < 0 builds it without KVM
 * (unit tests).  Returns 0 or -errno. */
int vm_mem_init(struct vm *vm, uint64_t mem_mib, unsigned nr_vcpus);
int vm_kvm_init(struct vm *vm);
/* Build the initial guest-physical map without KVM (unit tests): the map
 * is kept, nothing is mirrored into memslots. */
int vm_mem_map_only(struct vm *vm);
void vm_destroy(struct vm *vm);

/* Host pointer for [gpa, gpa+len) when it is all guest memory (any kind;
 * RAM must be populated), else NULL.  The caller holds vm->pm.lock for reading, or owns the VM. */
void *vm_gpa_ptr(struct vm *vm, uint64_t gpa, uint64_t len);

/* Host pointer to the populated guest RAM frame GFN (never a hole, an
 * overlay or a special page), or NULL; Xen's get_page_from_gfn for pages
 * a guest hands over (FIFO event pages, granted frames).  Takes the map's
 * read lock.  The pointer stays valid after (the memfd stays mapped); a
 * frame ballooned out later reads as zeroes, as freed memory. */
void *vm_ram_page(struct vm *vm, uint64_t gfn);

#endif
