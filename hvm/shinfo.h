/* The shared info page, per-vCPU vcpu_info, time and runstate records. */
#ifndef XK_SHINFO_H
#define XK_SHINFO_H

#include <stdint.h>
#include "vm.h"

struct hcall;

/* Field indices of abi_shared_info and abi_vcpu_info, in the order
 * abi_structs.h lists them (for abi_field_off). */
enum { SI_VCPU_INFO, SI_PENDING, SI_MASK, SI_WC_VERSION, SI_WC_SEC,
       SI_WC_NSEC, SI_WC_SEC_HI };
enum { VI_UPCALL_PENDING, VI_UPCALL_MASK, VI_PENDING_SEL, VI_TIME };

/* Latch the guest's width for shared structures (Xen's
 * hvm_latch_shinfo_size) from the calling vCPU's current mode. */
void shinfo_latch_width(struct vcpu *v);
/* Write the wallclock fields for the latched width. */
void shinfo_update_wallclock(struct vm *vm);
/* Map the shared info page at GFN (moving it from any previous frame,
 * which becomes a hole).  The caller holds the map's write lock and has
 * paused the other vCPUs; 0 or -errno. */
int shinfo_map_locked(struct vm *vm, uint64_t gfn);

/* Host pointer to V's vcpu_info, or NULL if it has none (vCPU >= 32
 * without VCPUOP_register_vcpu_info).  Caller holds vm->pm.lock. */
void *shinfo_vcpu_info(struct vcpu *v);
/* Publish V's time to its vcpu_info and registered time area. */
void shinfo_publish_time(struct vcpu *v);
/* After an exit: refresh V's time record if it is getting old. */
void shinfo_vcpu_tick(struct vcpu *v);
/* V starts running guest code (boot or VCPUOP_up). */
void shinfo_vcpu_online(struct vcpu *v);
/* Runstate accounting: V enters STATE (RUNSTATE_*); published to the
 * guest when called on V's own thread.  The _locked form is for callers
 * holding vm->lock and publishes nothing. */
void shinfo_runstate(struct vcpu *v, int state);
void shinfo_runstate_locked(struct vcpu *v, int state);
/* A consistent copy of V's runstate, accounted up to now. */
void shinfo_runstate_get(struct vcpu *v, struct vcpu_runstate_info *out);
/* Write V's runstate to its registered area.  Guest-virtual: only on V's
 * own thread, where its registers are current. */
void shinfo_publish_runstate(struct vcpu *v);

#endif
