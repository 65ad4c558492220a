/* Loading what the guest boots: a PVH kernel or HVM firmware, a ramdisk
 * module and the command line, described by a struct hvm_start_info. */
#ifndef XK_BOOT_H
#define XK_BOOT_H

#include <stddef.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/hvm/hvm_vcpu.h>

#include "vm.h"

struct boot_spec {
    const char *kernel;     /* PVH kernel ELF, or NULL */
    const char *firmware;   /* HVM firmware ELF, or NULL */
    const char *ramdisk;    /* optional module */
    const char *cmdline;    /* optional */
};

/* Load everything into guest memory and fill CTX with the BSP's entry
 * state.  Returns 0, or -1 after printing why. */
int boot_load(struct vm *vm, const struct boot_spec *spec,
              struct vcpu_hvm_context *ctx);

#endif
