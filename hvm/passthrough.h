/* passthrough.h: a passed-through PCI function (pciback/pt_dev.h) on the
 * guest's bus at 00:02.0, wired to KVM: mmap-able BARs as memslots, the
 * rest trapped MMIO, MSI-X vectors as MSI routes fed by irqfds, INTx as a
 * resample irqfd.  HVM guests only (--firmware), as libxl allows. */
#ifndef XK_PASSTHROUGH_H
#define XK_PASSTHROUGH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pciback/devsrc.h"
#include "savestate.h"

struct vm;

#define XK_PT_SLOT       2              /* 00:02.0: the first passthrough slot */
#define XK_PT_SLOT_END   32             /* slots 2-31 take functions */
#define XK_PT_BAR_BASE   0xf4000000ULL  /* after the platform device's BARs */
#define XK_PT_GSI_MSI    24             /* MSI-X vector n is GSI 24 + n */
#define XK_PT_MEMSLOT    4096           /* BAR n is KVM memslot 4096 + n */
#define XK_PT_IO_BASE    0xd000         /* I/O BARs: 256 ports per slot ... */
#define XK_PT_IO_LEN     0x100
#define XK_PT_IO_SLOTS   16             /* ... for slots 2-17 (0xd000-0xdfff) */

/* The bus, before any function: with PVH false, the ACPI hot-plug
 * registers (ports 0xae00-0xae0f, GPE0 at 0xafe0) and their SCI (GSI 9).
 * 0 or -errno. */
int passthrough_init(struct vm *vm, bool pvh);

/* SPEC is "vfio-user:SOCKET[,permissive][,power_mgmt]" or
 * "vfio:BDF,group=N[,permissive][,power_mgmt]".  PVH (a --kernel guest)
 * gets libxl's refusal.  At start (--pci): slot 2.  0, or -errno with
 * the reason logged. */
int passthrough_attach(struct vm *vm, const char *spec, bool pvh);
/* Put SPEC's function at VSLOT (-1: the first free slot); HOT: tell the
 * guest (PCIU and the SCI).  The slot, or -errno with MSG saying why. */
int passthrough_plug(struct vm *vm, const char *spec, int vslot, bool hot, char *msg,
                     size_t len);
/* Take the function at SLOT away.  FORCE: at once (0).  Otherwise the
 * guest is asked (PCID and the SCI) and REPLY_FD, now owned here, gets the
 * DETACH reply when the guest ejects it: 1.  -errno with MSG. */
int passthrough_unplug(struct vm *vm, unsigned slot, bool force, int reply_fd, char *msg,
                       size_t len);
/* Every function off, the bus freed (the VMM's end). */
void passthrough_detach(struct vm *vm);
/* Whether some function is on the bus. */
bool passthrough_active(struct vm *vm);

/* Hooks: config space of 00:SLOT.0 (REG 0..255), and MMIO exits.  True
 * when the access was the passed-through function's. */
bool passthrough_cfg(struct vm *vm, unsigned dev, unsigned reg, unsigned size, bool out,
                     uint8_t *data);
bool passthrough_mmio(struct vm *vm, uint64_t gpa, unsigned len, bool write, uint8_t *data);
/* A port access no device registered (ioport.c): true when an I/O BAR of
 * a function decodes PORT. */
bool passthrough_pio(struct vm *vm, uint16_t port, unsigned len, bool write, uint8_t *data);

/* Live update (hvm/save_pci.c): whether every function can cross the
 * exec (0, or -EBUSY with MSG saying why); the bus and its functions
 * appended to W, every descriptor to keep given to KEEP; the new VMM's
 * bus from that record (after the vCPUs and the irqchip are restored).
 * 0 or -errno. */
int passthrough_lu_check(struct vm *vm, char *msg, size_t len);
int passthrough_save(struct vm *vm, struct ss_wr *w, pt_keep_fd_fn keep, void *arg);
int passthrough_restore(struct vm *vm, struct ss_rd *r, uint32_t version, char *msg);

/* Ballooning (hvm/hc_memory.c, the map's write lock held): the memfd RAM
 * page MPAGE leaves every function's DMA view before its memory goes.
 * REFUSE_SPLIT: -EBUSY, nothing changed, when a function's source cannot
 * unmap it (the kernel's VFIO inside a larger mapping); otherwise what can
 * be unmapped is.  -errno when a source failed to unmap it. */
int passthrough_ram_release(struct vm *vm, uint64_t mpage, bool refuse_split);
/* The page is guest frame GFN again (populated): every function may reach
 * it there.  -errno when a source could not map it. */
int passthrough_ram_map(struct vm *vm, uint64_t gfn, uint64_t mpage);

/* The GSI of the function's INTA (what its interrupt line says). */
uint32_t passthrough_intx_gsi(unsigned slot);

#endif
