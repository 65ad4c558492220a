/* The kvm hypercall transport (docs/hypercall-transport.md): KVM fills the
 * hypercall page and answers some hypercalls itself, which the VMM then
 * never sees.  The cases that depend on those are listed here, once, with
 * the reason, and skip in that transport only. */
#include "lib.h"
#include "test.h"
#include "hypercall.h"

/* KVM's stubs are "mov $nr,%eax; vmcall|vmmcall; ret"; the port
 * transport's stubs are the VMM's own (an OUT to its port). */
bool hypercall_page_is_kvms(void)
{
    const uint8_t *s = hypercall_page;

    return s[0] == 0xb8 && s[5] == 0x0f && s[6] == 0x01 &&
           (s[7] == 0xc1 || s[7] == 0xd9);
}

/* Linux 6.1 (arch/x86/kvm/xen.c, kvm_xen_hcall_sched_op) answers
 * SCHEDOP_poll in the kernel; the VMM never sees it.  A 32-bit caller's
 * poll always falls through to SCHEDOP_yield (kvm_vcpu_on_spin, result
 * 0).  A 64-bit caller's goes to kvm_xen_schedop_poll (the VMM sets
 * KVM_XEN_HVM_CONFIG_EVTCHN_SEND), which answers a faulting argument
 * -EFAULT and more than 128 ports or a port >= 4096 -EINVAL, as Xen does,
 * then finds no shared info page registered with KVM and returns 0 at
 * once, never blocking.  Blocking there is not Xen's poll either: KVM
 * takes the timeout as relative (Xen's is absolute system time), checks
 * ports only against 4096 (Xen: only usable ports), keeps no runstate of
 * the VMM's, and ends only by an event sent through KVM
 * (docs/hypercall-transport.md).  Each case says what of Xen's poll it
 * asserts and this loses. */
#ifdef __x86_64__
#define POLL "kvm transport: KVM's 64-bit SCHEDOP_poll returns 0 at once " \
    "(no shared info page given to KVM): "
#define POLL_ARGS NULL     /* KVM's checks are Xen's: the case runs */
#else
#define POLL "kvm transport: KVM answers a 32-bit SCHEDOP_poll as a yield " \
    "returning 0: "
#define POLL_ARGS POLL "bad arguments get 0, not -EFAULT/-EINVAL"
#endif

static const struct {
    const char *name;
    const char *why;
} kvm_transport_skips[] = {
    { "sched_poll_too_many_ports", POLL_ARGS },
    { "sched_poll_bad_ports", POLL_ARGS },
    { "sched_poll_timeout_waits", POLL "it returns at once, not at its timeout" },
    { "ev_poll_ports", POLL "a free port gets 0, not -EINVAL, and an idle "
      "port's poll does not wait for its timeout" },
    { "timer_poll_one_port_ignores_others", POLL "it returns before the polled port fires" },
    { "timer_poll_many_ports_woken_by_any", POLL "it returns before any polled port fires" },
    { "timer_poll_woken_by_timer", POLL "it returns at once, not at its timeout" },
    { "runstate_blocked_time", POLL "the vCPU never blocks, so no blocked time "
      "accrues across the 50 ms poll" },
    { "runstate_block_accumulates", POLL "the vCPU never blocks, so five 10 ms polls "
      "accrue no blocked time" },
    { "smp_ev_poll_woken_from_other_vcpu", POLL "vCPU 1 never blocks in its poll, so it "
      "cannot be woken by vCPU 0's send" },
    { "smp_ev_runstate_ap", POLL "vCPU 1 never blocked in "
      "smp_ev_poll_woken_from_other_vcpu: no 20 ms blocked" },
    /* tests/cli/xenstore_guest.sh's xenbus64: its wait polls the
     * xenstore port until the 300 ms timeout. */
    { "xenbus_wait_blocks", POLL "the vCPU never blocks in the 300 ms wait, "
      "so no blocked time accrues" },
};

const char *kvm_transport_skip(const char *name)
{
    unsigned int i;

    if (!hypercall_page_is_kvms())
        return NULL;
    for (i = 0; i < sizeof(kvm_transport_skips) / sizeof(kvm_transport_skips[0]); i++)
        if (!strcmp(kvm_transport_skips[i].name, name))
            return kvm_transport_skips[i].why;   /* NULL: the case runs */
    return NULL;
}
