/* pt_dev.h: one passed-through PCI function as the guest sees it, built on
 * a device source (devsrc.h) and independent of KVM: the VMM supplies the
 * host hooks (mapping BARs, interrupt eventfds and their MSI routes).
 *
 * Config space is emulated by register groups as Xen's device model does
 * (qemu-xen's xen_pt_config_init.c): the header, PM, MSI, MSI-X and PCI
 * Express capabilities are kept, every other capability is unlinked from
 * the list and reads as zero, extended config space reads as zero.  Each
 * byte has an emulated mask (those bits are the VMM's: BARs, the
 * capability pointers, MSI/MSI-X control, ...) and a read-only mask (the
 * guest's writes to those bits are dropped).  Bytes of kept capabilities
 * that no group describes pass reads through and drop writes unless the
 * function is `permissive` (xl-pci-configuration(5)). */
#ifndef XK_PCIBACK_PT_DEV_H
#define XK_PCIBACK_PT_DEV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "devsrc.h"

#define PT_MAX_MSIX 2048

struct pt_host_ops {
    /* Map HVA (an mmap-ed region) at guest-physical GPA, or take it away
     * (hva NULL).  A failure leaves the BAR trapped. */
    int (*map_bar)(void *opaque, unsigned bar, uint64_t gpa, uint64_t size, void *hva);
    /* The eventfd that raises MSI-X vector VEC in the guest once routed
     * (-1 on failure), and its route: the guest's address and data. */
    int (*msix_fd)(void *opaque, unsigned vec);
    int (*msix_route)(void *opaque, unsigned vec, uint64_t addr, uint32_t data);
    /* INTx: the trigger eventfd and the resample eventfd (KVM signals it at
     * the guest's EOI); -1 each when there is no INTx. */
    void (*intx_fds)(void *opaque, int *trigger, int *resample);
    /* Vector VEC of a multi-message MSI (may be NULL: msix_route then):
     * ADDR and the vector's own DATA (the low log2(n) bits are VEC). */
    int (*msi_route)(void *opaque, unsigned vec, uint64_t addr, uint32_t data);
};

#define PT_MSI_MAX 32           /* MSI: 2^5 messages at most */

struct pt_options {
    bool permissive;            /* unknown registers written through */
    bool power_mgmt;            /* PMCSR power state written through */
};

struct pt_bar {
    uint64_t size;              /* 0: not implemented */
    uint32_t type;              /* the low bits: I/O, 64-bit, prefetchable */
    uint64_t gpa;               /* the guest's address for it */
    void *hva;                  /* mmap-ed region, or NULL: trapped */
    bool mapped;                /* hva currently mapped at mapped_gpa */
    uint64_t mapped_gpa;
    bool is_upper;              /* the high half of the BAR before it */
};

struct pt_dev {
    struct pt_devsrc *src;
    struct pt_options opt;
    const struct pt_host_ops *host;
    void *opaque;
    pthread_mutex_t lock;
    bool dead;                  /* the source failed: reads all ones */

    uint8_t emu[256];           /* the emulated bits' values */
    uint8_t emu_mask[256];
    uint8_t ro_mask[256];
    uint8_t known[256];         /* described by some register group */
    uint16_t cmd;               /* the guest's command register */
    struct pt_bar bar[6];

    uint8_t msix_cap;           /* 0: none */
    unsigned msix_n;
    unsigned msix_bar, msix_pba_bar;
    uint32_t msix_off, msix_pba_off;
    bool msix_enabled, msix_masked_all;
    struct { uint32_t addr_lo, addr_hi, data, ctrl; } *msix;
    bool *msix_bound;           /* the device signals its eventfd */
    uint8_t msi_cap, pm_cap, exp_cap;
    bool msi_enabled;           /* MSI on */
    unsigned msi_mmc;           /* log2 of the messages the device can take */
    bool msi_pvm;               /* per-vector mask bits */
    unsigned msi_bound;         /* MSI vectors given to the device (0: off) */
    uint32_t msi_bound_mask;    /* those of them with an eventfd (unmasked) */
    bool intx_bound;
};

/* Build the function over SRC (which it then owns).  BAR_BASE: where the
 * VMM places the BARs at first (each aligned to its size, as a firmware
 * would), 0 to leave them unassigned.  0 or -errno. */
int pt_dev_init(struct pt_dev *d, struct pt_devsrc *src, const struct pt_options *opt,
                const struct pt_host_ops *host, void *opaque, uint64_t bar_base);
void pt_dev_destroy(struct pt_dev *d);

/* Live update: the emulated state (config bits the VMM keeps, command,
 * BAR addresses, the MSI-X table, what is bound) appended to W; and the
 * new VMM's function over the adopted SRC with that state, its BARs
 * mapped again through HOST (0, or -errno with SRC closed). */
void pt_dev_save(struct pt_dev *d, struct ss_wr *w);
int pt_dev_adopt(struct pt_dev *d, struct pt_devsrc *src, const struct pt_host_ops *host,
                 void *opaque, struct ss_rd *r);

/* Config space access of LEN (1, 2, 4) bytes at OFF (0..4095). */
uint32_t pt_dev_cfg_read(struct pt_dev *d, unsigned off, unsigned len);
void pt_dev_cfg_write(struct pt_dev *d, unsigned off, unsigned len, uint32_t val);

/* Give the I/O BARs addresses from IO_BASE on (each aligned to its size),
 * as a firmware would, while they fit below IO_BASE + IO_LEN. */
void pt_dev_place_io(struct pt_dev *d, uint32_t io_base, uint32_t io_len);

/* A guest port access at PORT: true when an I/O BAR decodes it (command
 * register I/O enable on), then DATA is filled for a read. */
bool pt_dev_pio(struct pt_dev *d, uint16_t port, unsigned len, bool write, uint8_t *data);

/* A guest MMIO access at GPA: true when one of the memory BARs holds it
 * (then DATA is filled for a read), false otherwise. */
bool pt_dev_mmio(struct pt_dev *d, uint64_t gpa, unsigned len, bool write, uint8_t *data);

#endif
