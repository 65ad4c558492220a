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

#define POLL_IN_KVM "kvm transport: Linux 6.1's KVM answers SCHEDOP_poll itself " \
    "(without KVM_XEN_HVM_CONFIG_EVTCHN_SEND a yield returning 0 at once)"
#define NO_CONTINUATION "kvm transport: KVM completes the vmcall itself, so " \
    "a hypercall is finished in one go (no continuation)"

static const struct {
    const char *name;
    const char *why;
} kvm_transport_skips[] = {
    { "sched_poll_too_many_ports", POLL_IN_KVM },
    { "sched_poll_bad_ports", POLL_IN_KVM },
    { "sched_poll_timeout_waits", POLL_IN_KVM },
    { "ev_poll_ports", POLL_IN_KVM },
    { "timer_poll_one_port_ignores_others", POLL_IN_KVM },
    { "timer_poll_many_ports_woken_by_any", POLL_IN_KVM },
    { "timer_poll_woken_by_timer", POLL_IN_KVM },
    { "runstate_blocked_time", POLL_IN_KVM },           /* blocks in a poll */
    { "runstate_block_accumulates", POLL_IN_KVM },
    { "smp_ev_poll_woken_from_other_vcpu", POLL_IN_KVM },
    { "smp_ev_runstate_ap", POLL_IN_KVM },              /* the AP's poll */
    { "console_write_continues", NO_CONTINUATION },
};

const char *kvm_transport_skip(const char *name)
{
    unsigned int i;

    if (!hypercall_page_is_kvms())
        return NULL;
    for (i = 0; i < sizeof(kvm_transport_skips) / sizeof(kvm_transport_skips[0]); i++)
        if (!strcmp(kvm_transport_skips[i].name, name))
            return kvm_transport_skips[i].why;
    return NULL;
}
