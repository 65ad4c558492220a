/* The callback-vector handler: acknowledge by clearing the pending flag. */
#include "lib.h"
#include "x86.h"
#include "trap.h"
#include "hypercall.h"
#include "shinfo.h"
#include "upcall.h"

volatile unsigned int upcall_count;

static void upcall_handler(struct trap_frame *f)
{
    (void)f;
    if (vcpu0_info)
        vcpu0_info->evtchn_upcall_pending = 0;
    upcall_count++;
}

long upcall_init(void)
{
    shinfo_map();
    trap_set_handler(UPCALL_VECTOR, upcall_handler, 0);
    return hvm_set_param(HVM_PARAM_CALLBACK_IRQ,
                         ((uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56) |
                         UPCALL_VECTOR);
}
