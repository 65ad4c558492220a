/* Guest-width-aware access to Xen ABI structures.  32-bit guests use the
 * i386 layout of the same public headers (offsets generated at build time
 * by compiling abi32-offsets.c with -m32); fields are widened into the
 * native 64-bit struct on the way in and narrowed on the way out. */
#ifndef XK_ABI_H
#define XK_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/version.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/hvm/hvm_vcpu.h>
#include <xen/event_channel.h>
#include <xen/physdev.h>

#include "abi_structs.h"

struct abi_field {
    uint16_t off[2];    /* [0] native 64-bit, [1] 32-bit guest */
    uint16_t sz[2];
};

struct abi_struct {
    const char *name;
    uint16_t size[2];
    uint16_t nfields;
    const struct abi_field *f;
};

#define ABI_DECLARE(st) extern const struct abi_struct abi_##st;
#define ABI_NOFIELD(...)
XK_ABI_STRUCTS(ABI_DECLARE, ABI_NOFIELD, ABI_NOFIELD)
#undef ABI_DECLARE
#undef ABI_NOFIELD

static inline size_t abi_size(const struct abi_struct *s, bool compat)
{
    return s->size[compat];
}

/* GUEST holds abi_size(s, compat) bytes in the guest's layout. */
void abi_to_native(const struct abi_struct *s, bool compat,
                   const void *guest, void *native);
void abi_from_native(const struct abi_struct *s, bool compat,
                     const void *native, void *guest);

/* A 32-bit guest's field NAME of struct ST: offset and size. */
size_t abi_field_off(const struct abi_struct *s, bool compat, unsigned idx);

/* The address held in a guest handle member of a native struct. */
#define ABI_HANDLE(h) ({ uint64_t abi_h_ = 0;                             \
        memcpy(&abi_h_, &(h), sizeof(h) < 8 ? sizeof(h) : 8); abi_h_; })

/* Element sizes of guest arrays of xen_pfn_t / xen_ulong_t. */
static inline size_t abi_ulong_size(bool compat) { return compat ? 4 : 8; }

#endif
