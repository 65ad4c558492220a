/* hvm/ioport.c: devices register their ports; an access goes to the one
 * that has it, an unclaimed read floats high; the grant test device's
 * ports exist only when it is enabled. */
#include <errno.h>
#include <stdlib.h>

#include "check.h"
#include "hvm/grant_testdev.h"
#include "hvm/ioport.h"
#include "hvm/pci.h"
#include "hvm/platform_io.h"
#include "hvm/vm.h"

static int calls;
static uint16_t last_port;

static bool dev_a(struct vcpu *v, uint16_t port, bool out, unsigned size, uint8_t *data)
{
    calls++;
    last_port = port;
    if (!out)
        memset(data, 0x5a, size);
    return true;
}

/* Claims only its first port: the others are unclaimed after all. */
static bool dev_b(struct vcpu *v, uint16_t port, bool out, unsigned size, uint8_t *data)
{
    if (port != 0x300)
        return false;
    calls++;
    if (!out)
        data[0] = 0x42;
    return true;
}

static struct vm *new_vm(struct vcpu *v)
{
    struct vm *vm = calloc(1, sizeof(*vm));

    memset(v, 0, sizeof(*v));
    v->vm = vm;
    return vm;
}

static void test_register_and_dispatch(void)
{
    struct vcpu v;
    struct vm *vm = new_vm(&v);
    uint8_t d[4] = { 0 };

    calls = 0;
    CHECK_EQ(ioport_register(vm, 0x200, 4, dev_a), 0);
    CHECK_EQ(ioport_register(vm, 0x300, 2, dev_b), 0);
    ioport_access(&v, 0x203, false, 1, d);
    CHECK_EQ(calls, 1);
    CHECK_EQ(last_port, 0x203);
    CHECK_EQ(d[0], 0x5a);
    ioport_access(&v, 0x300, false, 1, d);
    CHECK_EQ(calls, 2);
    CHECK_EQ(d[0], 0x42);
    free(vm);
}

static void test_unclaimed(void)
{
    struct vcpu v;
    struct vm *vm = new_vm(&v);
    uint8_t d[4] = { 1, 2, 3, 4 };

    calls = 0;
    CHECK_EQ(ioport_register(vm, 0x300, 2, dev_b), 0);
    ioport_access(&v, 0x204, false, 4, d);     /* nobody's */
    CHECK_EQ(d[0] & d[1] & d[2] & d[3], 0xff);
    memset(d, 0, sizeof(d));
    ioport_access(&v, 0x301, false, 2, d);     /* registered, declined */
    CHECK_EQ(d[0] & d[1], 0xff);
    ioport_access(&v, 0x301, true, 2, d);      /* a write goes nowhere */
    CHECK_EQ(calls, 0);
    free(vm);
}

static void test_overlap_and_full(void)
{
    struct vcpu v;
    struct vm *vm = new_vm(&v);

    CHECK_EQ(ioport_register(vm, 0x200, 4, dev_a), 0);
    CHECK_EQ(ioport_register(vm, 0x203, 1, dev_b), -EEXIST);
    CHECK_EQ(ioport_register(vm, 0x1ff, 2, dev_b), -EEXIST);
    CHECK_EQ(ioport_register(vm, 0x204, 1, dev_b), 0);
    for (unsigned i = 2; i < XK_MAX_IOPORT_RANGES; i++)
        CHECK_EQ(ioport_register(vm, (uint16_t)(0x1000 + i), 1, dev_a), 0);
    CHECK_EQ(ioport_register(vm, 0x2000, 1, dev_a), -ENOSPC);
    free(vm);
}

/* The VMM's own devices: PCI config at 0xcf8, the platform ports; the
 * grant test device's ports are not there unless it was asked for. */
static void test_vmm_devices(void)
{
    struct vcpu v;
    struct vm *vm = new_vm(&v);
    uint8_t d[4];
    uint32_t addr = 0x80000000u, id;

    CHECK_EQ(pci_init(vm), 0);
    CHECK_EQ(platform_io_init(vm), 0);
    ioport_access(&v, 0xcf8, true, 4, (uint8_t *)&addr);
    ioport_access(&v, 0xcfc, false, 4, (uint8_t *)&id);
    CHECK_EQ(id, 0x12378086u);                  /* 440FX host bridge */
    memset(d, 0, sizeof(d));
    ioport_access(&v, 0x10, false, 2, d);
    CHECK_EQ(d[0] | d[1] << 8, 0x49d2);         /* the unplug magic */
    memset(d, 0, sizeof(d));
    ioport_access(&v, GNT_TESTDEV_PORT, false, 4, d);
    CHECK_EQ(d[0] & d[1] & d[2] & d[3], 0xff);
    CHECK_EQ(pci_init(vm), -EEXIST);            /* registered once */
    free(vm);
}

int main(void)
{
    RUN(test_register_and_dispatch);
    RUN(test_unclaimed);
    RUN(test_overlap_and_full);
    RUN(test_vmm_devices);
    return CHECK_DONE();
}
