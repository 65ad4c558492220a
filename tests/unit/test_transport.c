/* The hypercall transports: choosing one (lib/hcall_transport.c) and the
 * KVM_EXIT_XEN path into the dispatcher (hvm/hcall_kvm_xen.c), without
 * KVM's Xen support: exits are made up as KVM would fill them. */
#include <errno.h>
#include <string.h>

#include <xen/xen.h>
#include <xen/sched.h>
#include <xen/version.h>

#include "check.h"
#include "exit_codes.h"
#include "hvm/hcall.h"
#include "hvm/hcall_kvm_xen.h"
#include "hcall_transport.h"
#include "vm_fixture.h"

#define CAPS_ALL 0x3f   /* what a CONFIG_KVM_XEN 6.1 kernel reports */

static void test_names(void)
{
    enum xk_transport t = XK_TRANSPORT_PORT;

    CHECK(xk_transport_parse("auto", &t) && t == XK_TRANSPORT_AUTO);
    CHECK(xk_transport_parse("kvm", &t) && t == XK_TRANSPORT_KVM);
    CHECK(xk_transport_parse("port", &t) && t == XK_TRANSPORT_PORT);
    CHECK(!xk_transport_parse("vmcall", &t));
    CHECK(!xk_transport_parse("", &t));
    CHECK(!strcmp(xk_transport_name(XK_TRANSPORT_KVM), "kvm"));
}

static void test_auto(void)
{
    enum xk_transport t;
    char err[256] = "";

    CHECK_EQ(xk_transport_choose(XK_TRANSPORT_AUTO, 0, &t, err, sizeof(err)), 0);
    CHECK_EQ(t, XK_TRANSPORT_PORT);
    CHECK_EQ(xk_transport_choose(XK_TRANSPORT_AUTO, CAPS_ALL, &t, err, sizeof(err)), 0);
    CHECK_EQ(t, XK_TRANSPORT_KVM);
    /* The MSR alone (older kernels) cannot intercept: port. */
    CHECK_EQ(xk_transport_choose(XK_TRANSPORT_AUTO, KVM_XEN_HVM_CONFIG_HYPERCALL_MSR,
                                 &t, err, sizeof(err)), 0);
    CHECK_EQ(t, XK_TRANSPORT_PORT);
    CHECK_EQ(xk_transport_choose(XK_TRANSPORT_AUTO, KVM_XEN_HVM_CONFIG_HYPERCALL_MSR |
                                 KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL, &t, err,
                                 sizeof(err)), 0);
    CHECK_EQ(t, XK_TRANSPORT_KVM);
}

static void test_forced(void)
{
    enum xk_transport t = XK_TRANSPORT_AUTO;
    char err[256] = "";

    CHECK_EQ(xk_transport_choose(XK_TRANSPORT_KVM, 0, &t, err, sizeof(err)), -1);
    CHECK(strstr(err, "CONFIG_KVM_XEN") != NULL);
    CHECK(strstr(err, "INTERCEPT_HCALL") != NULL);
    CHECK_EQ(t, XK_TRANSPORT_AUTO);         /* untouched */
    CHECK_EQ(xk_transport_choose(XK_TRANSPORT_KVM, KVM_XEN_HVM_CONFIG_HYPERCALL_MSR,
                                 &t, err, sizeof(err)), -1);
    CHECK_EQ(xk_transport_choose(XK_TRANSPORT_KVM, CAPS_ALL, &t, err, sizeof(err)), 0);
    CHECK_EQ(t, XK_TRANSPORT_KVM);
    CHECK_EQ(xk_transport_choose(XK_TRANSPORT_PORT, CAPS_ALL, &t, err, sizeof(err)), 0);
    CHECK_EQ(t, XK_TRANSPORT_PORT);
}

/* This host's answer agrees with what auto picks on it. */
static void test_this_host(void)
{
    uint32_t caps = xk_transport_probe();
    enum xk_transport t;
    char err[256];

    CHECK_EQ(xk_transport_choose(XK_TRANSPORT_AUTO, caps, &t, err, sizeof(err)), 0);
    CHECK_EQ(t, xk_transport_kvm_usable(caps) ? XK_TRANSPORT_KVM : XK_TRANSPORT_PORT);
    printf("# KVM_CAP_XEN_HVM here: %#x, auto = %s\n", caps, xk_transport_name(t));
}

static struct vm vm;

static void xen_exit(struct vcpu *v, unsigned nr, bool longmode, unsigned cpl,
                     uint64_t a0, uint64_t a1)
{
    struct kvm_run *run = v->run;

    memset(&run->xen, 0, sizeof(run->xen));
    run->exit_reason = KVM_EXIT_XEN;
    run->xen.type = KVM_EXIT_XEN_HCALL;
    run->xen.u.hcall.longmode = longmode;
    run->xen.u.hcall.cpl = cpl;
    run->xen.u.hcall.input = nr;
    run->xen.u.hcall.params[0] = a0;
    run->xen.u.hcall.params[1] = a1;
    run->xen.u.hcall.result = 0xdeadbeef;
    hcall_kvm_xen_exit(v);
}

static void test_kvm_exit_dispatch(void)
{
    struct vcpu *v;
    char *buf;

    vm_fixture_setup_acpi(&vm, 16, 1, false);
    v = &vm.vcpus[0];
    xen_exit(v, __HYPERVISOR_xen_version, false, 0, XENVER_version, 0);
    CHECK_EQ(v->run->xen.u.hcall.result, (4 << 16) | 17);
    /* The registers are KVM's business: the VMM leaves them alone. */
    CHECK_EQ(v->run->kvm_dirty_regs, 0);
    /* A guest buffer (paging off: gva == gpa) is written through. */
    buf = (char *)vm.mem + 0x3000;
    memset(buf, 'x', 16);
    xen_exit(v, __HYPERVISOR_xen_version, false, 0, XENVER_extraversion, 0x3000);
    CHECK_EQ(v->run->xen.u.hcall.result, 0);
    CHECK(buf[0] == '.' || buf[0] == '-' || buf[0] == 0);
    /* A 32-bit caller's -ENOSYS is 32 bits wide, as Xen returns it in eax. */
    xen_exit(v, 63, false, 0, 0, 0);
    CHECK_EQ(v->run->xen.u.hcall.result, (uint32_t)-ENOSYS);
    xen_exit(v, 63, true, 0, 0, 0);
    CHECK_EQ(v->run->xen.u.hcall.result, (uint64_t)-ENOSYS);
    /* Ring 3 gets -EPERM without dispatching. */
    xen_exit(v, __HYPERVISOR_xen_version, true, 3, XENVER_version, 0);
    CHECK_EQ(v->run->xen.u.hcall.result, (uint64_t)-EPERM);
    vm_fixture_teardown(&vm);
}

static void test_kvm_exit_args(void)
{
    struct kvm_xen_exit x;
    struct hcall c;

    vm_fixture_setup_acpi(&vm, 16, 1, false);
    memset(&x, 0, sizeof(x));
    x.type = KVM_EXIT_XEN_HCALL;
    x.u.hcall.input = __HYPERVISOR_sched_op;
    for (unsigned i = 0; i < 6; i++)
        x.u.hcall.params[i] = 0x1111111100000000ULL * (i + 1) + i;
    CHECK(hcall_kvm_xen_ctx(&vm.vcpus[0], &x, &c));
    CHECK(c.compat);
    CHECK_EQ(c.nr, __HYPERVISOR_sched_op);
    for (unsigned i = 0; i < 5; i++)
        CHECK_EQ(c.a[i], i);                /* 32-bit: high halves dropped */
    x.u.hcall.longmode = 1;
    CHECK(hcall_kvm_xen_ctx(&vm.vcpus[0], &x, &c));
    CHECK(!c.compat);
    CHECK_EQ(c.a[4], 0x5555555500000004ULL);
    x.type = 2;                             /* not a hypercall */
    CHECK(!hcall_kvm_xen_ctx(&vm.vcpus[0], &x, &c));
    vm_fixture_teardown(&vm);
}

/* SCHEDOP_shutdown through the KVM exit ends the domain as through the
 * port page. */
static void test_kvm_exit_shutdown(void)
{
    uint32_t reason = SHUTDOWN_reboot;

    vm_fixture_setup_acpi(&vm, 16, 1, false);
    memcpy(vm.mem + 0x3000, &reason, 4);
    xen_exit(&vm.vcpus[0], __HYPERVISOR_sched_op, false, 0, SCHEDOP_shutdown, 0x3000);
    CHECK_EQ(vm.vcpus[0].run->xen.u.hcall.result, 0);
    CHECK(atomic_load(&vm.stopping));
    CHECK_EQ(vm.exit_status, XK_EXIT_REBOOT);
    vm_fixture_teardown(&vm);
}

int main(void)
{
    RUN(test_names);
    RUN(test_auto);
    RUN(test_forced);
    RUN(test_this_host);
    RUN(test_kvm_exit_dispatch);
    RUN(test_kvm_exit_args);
    RUN(test_kvm_exit_shutdown);
    return CHECK_DONE();
}
