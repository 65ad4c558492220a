/* Choosing the hypercall transport (hcall_transport.h). */
#include "hcall_transport.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

static const char *const names[] = {
    [XK_TRANSPORT_AUTO] = "auto",
    [XK_TRANSPORT_KVM] = "kvm",
    [XK_TRANSPORT_PORT] = "port",
};

const char *xk_transport_name(enum xk_transport t)
{
    return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

bool xk_transport_parse(const char *name, enum xk_transport *t)
{
    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!strcmp(name, names[i])) {
            *t = (enum xk_transport)i;
            return true;
        }
    return false;
}

uint32_t xk_transport_host_caps(int kvm_fd)
{
    int r = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XEN_HVM);

    return r > 0 ? (uint32_t)r : 0;
}

uint32_t xk_transport_probe(void)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    uint32_t caps;

    if (fd < 0)
        return 0;
    caps = xk_transport_host_caps(fd);
    close(fd);
    return caps;
}

bool xk_transport_kvm_usable(uint32_t caps)
{
    const uint32_t need = KVM_XEN_HVM_CONFIG_HYPERCALL_MSR |
                          KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL;

    return (caps & need) == need;
}

int xk_transport_choose(enum xk_transport want, uint32_t caps,
                        enum xk_transport *out, char *err, size_t errlen)
{
    switch (want) {
    case XK_TRANSPORT_AUTO:
        *out = xk_transport_kvm_usable(caps) ? XK_TRANSPORT_KVM : XK_TRANSPORT_PORT;
        return 0;
    case XK_TRANSPORT_KVM:
        if (!xk_transport_kvm_usable(caps)) {
            snprintf(err, errlen, "hypercall transport kvm: this host's KVM cannot "
                     "intercept Xen hypercalls (KVM_CAP_XEN_HVM = %#x, needs "
                     "HYPERCALL_MSR and INTERCEPT_HCALL: a kernel with "
                     "CONFIG_KVM_XEN); use port or auto", caps);
            return -1;
        }
        *out = XK_TRANSPORT_KVM;
        return 0;
    case XK_TRANSPORT_PORT:
        *out = XK_TRANSPORT_PORT;
        return 0;
    }
    snprintf(err, errlen, "unknown hypercall transport %d", (int)want);
    return -1;
}
