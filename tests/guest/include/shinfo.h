/* Shared info page and pvclock reading. */
#ifndef GUEST_SHINFO_H
#define GUEST_SHINFO_H

#include <stdint.h>
#include <stdbool.h>
#include <xen/xen.h>

/* Where shared info is mapped now (NULL until shinfo_map()). */
extern struct shared_info *shared_info;
/* vCPU 0's vcpu_info: in shared info until VCPUOP_register_vcpu_info
 * moves it (then the test sets vcpu0_info_moved and points it there). */
extern struct vcpu_info *volatile vcpu0_info;
extern bool vcpu0_info_moved;
/* The page the framework maps shared info at by default. */
void *shinfo_default_frame(void);

/* Maps shared info at the framework's own frame if not yet mapped. */
struct shared_info *shinfo_map(void);
/* XENMEM_add_to_physmap(XENMAPSPACE_shared_info) at this page; on success
 * shared_info points there. */
long shinfo_map_at(void *page);

/* pvclock: system time in ns from a vcpu_time_info (version loop). */
uint64_t pvclock_read(const volatile struct vcpu_time_info *t);
/* TSC frequency implied by mul/shift, in kHz. */
uint64_t pvclock_tsc_khz(const volatile struct vcpu_time_info *t);
/* System time from vCPU 0's vcpu_info. */
uint64_t xen_system_time(void);

#endif
