/* Built with -m32 -S only: emits the 32-bit layout of the structures in
 * abi_structs.h as "->NAME VALUE" markers that the build turns into
 * abi32-offsets.h.  Nothing here is linked. */
#include <stddef.h>
#include <stdint.h>
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

#define EMIT(sym, val) asm volatile("\n.ascii \"->" #sym " %c0\"" :: "i"(val))
#define S(st) EMIT(ABI32_##st##_SIZE, sizeof(struct st));
#define F(st, name, field) FX(st, name, field, field)
#define FX(st, name, f32, f64)                                            \
    EMIT(ABI32_##st##__##name##_OFF, offsetof(struct st, f32));           \
    EMIT(ABI32_##st##__##name##_SZ, sizeof(((struct st *)0)->f32));

void abi32_offsets(void);
void abi32_offsets(void)
{
    XK_ABI_STRUCTS(S, F, FX)
}
