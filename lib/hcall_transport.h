/* Which transport brings a guest's hypercalls to the VMM (xenkvm-only):
 * KVM's own Xen support (KVM_EXIT_XEN, CONFIG_KVM_XEN hosts) or the
 * MSR-trapped hypercall page with port-I/O stubs (any KVM host).
 * docs/hypercall-transport.md.  Shared by the VMM and xl. */
#ifndef XK_HCALL_TRANSPORT_H
#define XK_HCALL_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum xk_transport {
    XK_TRANSPORT_AUTO,      /* kvm where the host can, else port */
    XK_TRANSPORT_KVM,       /* KVM_XEN_HVM_CONFIG + KVM_EXIT_XEN */
    XK_TRANSPORT_PORT,      /* MSR filter + port-I/O stubs */
};

/* "auto", "kvm", "port". */
const char *xk_transport_name(enum xk_transport t);
/* Parse NAME; false if it is none of the three. */
bool xk_transport_parse(const char *name, enum xk_transport *t);

/* KVM_CHECK_EXTENSION(KVM_CAP_XEN_HVM) on KVM_FD (the /dev/kvm or a VM
 * fd): the KVM_XEN_HVM_CONFIG_* flags the host supports, 0 without
 * CONFIG_KVM_XEN. */
uint32_t xk_transport_host_caps(int kvm_fd);
/* The same, opening /dev/kvm; 0 when it cannot be opened. */
uint32_t xk_transport_probe(void);

/* Whether CAPS has what the kvm transport needs (INTERCEPT_HCALL and
 * HYPERCALL_MSR). */
bool xk_transport_kvm_usable(uint32_t caps);

/* Resolve WANT on a host with CAPS: auto becomes kvm or port.  Returns 0
 * with *OUT set, or -1 with a one-line reason in ERR (kvm asked for on a
 * host that cannot do it). */
int xk_transport_choose(enum xk_transport want, uint32_t caps,
                        enum xk_transport *out, char *err, size_t errlen);

#endif
