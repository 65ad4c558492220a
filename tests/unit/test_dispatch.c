/* Unit tests for the hypercall dispatcher (hvm/hcall.c and the hc_*.c
 * families) without KVM: a VM is built with vm_mem_init() and
 * vm_mem_map_only(), one vCPU gets a calloc'd kvm_run whose sync registers
 * play the guest's state, and hypercalls are dispatched as the vCPU thread
 * would after a hypercall-page exit.  Guest buffers live in the VM's real
 * guest memory (vm.mem; gpa == memfd offset for low RAM). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xen/xen.h>
#include <xen/features.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/version.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/physdev.h>

#include "check.h"
#include "hvm/events.h"
#include "exit_codes.h"
#include "hvm/hcall.h"
#include "abi32-offsets.h"
#include "hvm/physmap.h"
#include "hvm/shinfo.h"
#include "util.h"
#include "hvm/vcpu.h"
#include "hvm/vm.h"
#include "hvm/timer.h"
#include "hvm/save_events.h"
#include "vm_fixture.h"

/* vm.c: build the guest-physical map without KVM (not in vm.h). */

#define MIB (1ULL << 20)

#define CR0_PE   (1ULL << 0)
#define CR0_WP   (1ULL << 16)
#define CR0_PG   (1ULL << 31)
#define CR4_PAE  (1ULL << 5)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define PTE_P    (1ULL << 0)
#define PTE_RW   (1ULL << 1)
#define PTE_PS   (1ULL << 7)

/* ---- the VM under test ------------------------------------------------- */

static struct vm vm;
static bool vm_long;            /* 64-bit guest (else 32-bit, paging off) */

/* 64-bit guest page tables (in guest RAM):
 *   0 - 16 MiB       identity, 2 MiB pages
 *   VA 0x40000000 -> 0x300000     (4 KiB)
 *   VA 0x40001000 -> 0x900000     (4 KiB, physically far from the above)
 *   VA 0x40002000    not present
 *   VA 0x40003000 -> 0x500000     (4 KiB, read-only)              */
#define PT_PML4 0x10000ULL
#define PT_PDPT 0x11000ULL
#define PT_PD0  0x12000ULL
#define PT_PD1  0x13000ULL
#define PT_PT   0x14000ULL
#define VA_A    0x40000000ULL
#define PA_A    0x300000ULL
#define VA_B    0x40001000ULL
#define PA_B    0x900000ULL
#define VA_NP   0x40002000ULL
#define VA_RO   0x40003000ULL
#define PA_RO   0x500000ULL

static uint8_t *gp(uint64_t gpa)
{
    return vm.mem + gpa;        /* low RAM: gpa == memfd offset */
}

static void put16(uint64_t gpa, uint16_t v) { memcpy(gp(gpa), &v, 2); }
static void put32(uint64_t gpa, uint32_t v) { memcpy(gp(gpa), &v, 4); }
static void put64(uint64_t gpa, uint64_t v) { memcpy(gp(gpa), &v, 8); }
static uint8_t get8(uint64_t gpa) { return *gp(gpa); }
static uint16_t get16(uint64_t gpa) { uint16_t v; memcpy(&v, gp(gpa), 2); return v; }
static uint32_t get32(uint64_t gpa) { uint32_t v; memcpy(&v, gp(gpa), 4); return v; }
static uint64_t get64(uint64_t gpa) { uint64_t v; memcpy(&v, gp(gpa), 8); return v; }

static void build_page_tables(void)
{
    put64(PT_PML4, PT_PDPT | PTE_P | PTE_RW);
    put64(PT_PDPT + 0 * 8, PT_PD0 | PTE_P | PTE_RW);
    put64(PT_PDPT + 1 * 8, PT_PD1 | PTE_P | PTE_RW);
    for (uint64_t i = 0; i < 8; i++)
        put64(PT_PD0 + i * 8, (i << 21) | PTE_P | PTE_RW | PTE_PS);
    put64(PT_PD1, PT_PT | PTE_P | PTE_RW);
    put64(PT_PT + 0 * 8, PA_A | PTE_P | PTE_RW);
    put64(PT_PT + 1 * 8, PA_B | PTE_P | PTE_RW);
    put64(PT_PT + 3 * 8, PA_RO | PTE_P);
}

static void vm_setup_mem(bool long_mode, uint64_t mib)
{
    struct kvm_sregs *s;

    vm_fixture_setup(&vm, mib, 1);
    s = &vm.vcpus[0].run->s.regs.sregs;
    vm_long = long_mode;
    if (long_mode) {
        build_page_tables();
        s->cr0 = CR0_PE | CR0_PG | CR0_WP;
        s->cr3 = PT_PML4;
        s->cr4 = CR4_PAE;
        s->efer = EFER_LME | EFER_LMA;
        s->cs.l = 1;
    } else {
        s->cr0 = CR0_PE;
        s->efer = 0;
    }
}

static void vm_setup(bool long_mode)
{
    vm_setup_mem(long_mode, 16);
}

static void vm_teardown(void)
{
    vm_fixture_teardown(&vm);
}

/* Dispatch hypercall NR with arguments A0..A2 in the registers of the
 * guest's width. */
static long hcall3(unsigned nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
    struct kvm_regs *r = &vm.vcpus[0].run->s.regs.regs;
    struct hcall c;

    memset(r, 0, sizeof(*r));
    if (vm_long) {
        r->rdi = a0;
        r->rsi = a1;
        r->rdx = a2;
    } else {
        r->rbx = a0;
        r->rcx = a1;
        r->rdx = a2;
    }
    r->rax = nr;
    vcpu_hcall_ctx(&vm.vcpus[0], &c);
    c.nr = nr;
    return hcall_dispatch(&c);
}

static long hcall(unsigned nr, uint64_t a0, uint64_t a1)
{
    return hcall3(nr, a0, a1, 0);
}

/* The current reservation, as the guest asks for it. */
static long current_reservation(void)
{
    const uint64_t arg = 0x7000;

    put16(arg, DOMID_SELF);
    return hcall(__HYPERVISOR_memory_op, XENMEM_current_reservation, arg);
}

/* Pages of guest RAM the guest can see (PM_RAM frames in the physmap). */
/* RAM frames the guest has: mapped and populated (a ballooned-out frame
 * keeps its mapping but not its page). */
static uint64_t ram_frames_mapped(void)
{
    uint64_t n = 0;

    for (unsigned i = 0; i < vm.pm.n; i++)
        if (vm.pm.r[i].kind == PM_RAM)
            for (uint64_t p = 0; p < vm.pm.r[i].nr; p++)
                n += (vm.ram_state[vm.pm.r[i].mpage + p] & RAM_POPULATED) != 0;
    return n;
}

/* Every range of the guest-physical map holds a KVM memslot. */
static bool pm_all_installed(void)
{
    for (unsigned i = 0; i < vm.pm.n; i++)
        if (vm.pm.r[i].slot < 0)
            return false;
    return true;
}

/* ---- cases ------------------------------------------------------------- */

static void test_unknown_hypercalls(void)
{
    static const unsigned nrs[] = { 63, 64, 200, 4096, 0x7fffffff, 0xffffffff };

    for (int mode = 0; mode < 2; mode++) {
        vm_setup(mode);
        for (unsigned i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++)
            CHECK_EQ(hcall(nrs[i], 0, 0), -ENOSYS);
        /* Known hypercalls with unknown sub-ops. */
        CHECK_EQ(hcall(__HYPERVISOR_xen_version, 0x7fff, 0), -ENOSYS);
        CHECK_EQ(hcall(__HYPERVISOR_hvm_op, 0x7fff, 0), -ENOSYS);
        CHECK_EQ(hcall(__HYPERVISOR_sched_op, 0x7fff, 0), -ENOSYS);
        CHECK_EQ(hcall(__HYPERVISOR_memory_op, 63, 0), -ENOSYS);
        vm_teardown();
    }
}

static void test_xen_version(void)
{
    for (int mode = 0; mode < 2; mode++) {
        vm_setup(mode);
        CHECK_EQ(hcall(__HYPERVISOR_xen_version, XENVER_version, 0),
                 (4 << 16) | 17);
        vm_teardown();
    }
}

static void test_extraversion(void)
{
    const uint64_t buf = 0x2000;
    char want[16] = "-xenkvm";

    vm_setup(false);
    memset(gp(buf - 16), 0xee, 64);
    CHECK_EQ(hcall(__HYPERVISOR_xen_version, XENVER_extraversion, buf), 0);
    CHECK(!memcmp(gp(buf), want, sizeof(want)));
    /* Exactly sizeof(xen_extraversion_t) bytes are written. */
    CHECK_EQ(sizeof(xen_extraversion_t), 16);
    CHECK_EQ(gp(buf)[16], 0xee);
    CHECK_EQ(gp(buf - 1)[0], 0xee);
    /* A 32-bit guest's argument registers are 32 bits: garbage above is
     * ignored. */
    memset(gp(0x3000), 0xee, 16);
    {
        struct kvm_regs *r = &vm.vcpus[0].run->s.regs.regs;
        struct hcall c;
        memset(r, 0, sizeof(*r));
        r->rbx = 0xffffffff00000000ULL | XENVER_extraversion;
        r->rcx = 0xabcdef0000003000ULL;
        vcpu_hcall_ctx(&vm.vcpus[0], &c);
        c.nr = __HYPERVISOR_xen_version;
        CHECK(c.compat);
        CHECK_EQ(c.a[1], 0x3000);
        CHECK_EQ(hcall_dispatch(&c), 0);
        CHECK(!memcmp(gp(0x3000), want, sizeof(want)));
    }
    vm_teardown();
}

static void test_efault_unmapped(void)
{
    vm_setup(false);
    /* Beyond the 16 MiB of RAM, in the MMIO hole, and at 4 GiB - 1. */
    CHECK_EQ(hcall(__HYPERVISOR_xen_version, XENVER_extraversion, 0x40000000), -EFAULT);
    CHECK_EQ(hcall(__HYPERVISOR_xen_version, XENVER_extraversion, 0xfee00000), -EFAULT);
    CHECK_EQ(hcall(__HYPERVISOR_xen_version, XENVER_extraversion, 0xffffffff), -EFAULT);
    /* Reads too: a get_param argument that is not memory. */
    CHECK_EQ(hcall(__HYPERVISOR_hvm_op, HVMOP_get_param, 0x40000000), -EFAULT);
    CHECK_EQ(hcall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, 0x40000000), -EFAULT);
    CHECK(!atomic_load(&vm.stopping));
    vm_teardown();
}

static void test_efault_end_of_ram(void)
{
    const uint64_t end = 16 * MIB;

    vm_setup(false);
    /* 16 bytes ending exactly at the end of RAM are fine... */
    CHECK_EQ(hcall(__HYPERVISOR_xen_version, XENVER_extraversion, end - 16), 0);
    CHECK(!memcmp(gp(end - 16), "-xenkvm", 8));
    /* ...8 bytes past it are not. */
    CHECK_EQ(hcall(__HYPERVISOR_xen_version, XENVER_extraversion, end - 8), -EFAULT);
    CHECK_EQ(hcall(__HYPERVISOR_xen_version, XENVER_extraversion, end - 1), -EFAULT);
    vm_teardown();
}

/* 64-bit guest: buffers are guest-virtual, translated page by page. */
static void test_long_mode_buffers(void)
{
    char want[16] = "-xenkvm";

    vm_setup(true);
    memset(gp(PA_A), 0xee, 4096);
    memset(gp(PA_B), 0xee, 4096);
    /* Lands at the physical page the tables say, not at gpa == gva. */
    CHECK_EQ(hcall(__HYPERVISOR_xen_version, XENVER_extraversion, VA_A + 0x10), 0);
    CHECK(!memcmp(gp(PA_A + 0x10), want, 16));
    CHECK_EQ(gp(PA_A + 0x20)[0], 0xee);
    /* A buffer across the virtual page boundary is split between the
     * two physical pages. */
    memset(gp(PA_A), 0xee, 4096);
    CHECK_EQ(hcall(__HYPERVISOR_xen_version, XENVER_extraversion, VA_A + 0xff8), 0);
    CHECK(!memcmp(gp(PA_A + 0xff8), want, 8));
    CHECK(!memcmp(gp(PA_B), want + 8, 8));
    CHECK_EQ(gp(PA_B + 8)[0], 0xee);
    CHECK_EQ(gp(PA_A + 0xff7)[0], 0xee);
    /* The physically following page was not written. */
    CHECK_EQ(gp(PA_A + 0x1000)[0], 0);
    /* Identity-mapped low memory works as well. */
    CHECK_EQ(hcall(__HYPERVISOR_xen_version, XENVER_extraversion, 0x2000), 0);
    CHECK(!memcmp(gp(0x2000), want, 16));
    /* Not present, read-only (CR0.WP is set), non-canonical: -EFAULT. */
    CHECK_EQ(hcall(__HYPERVISOR_xen_version, XENVER_extraversion, VA_NP), -EFAULT);
    CHECK_EQ(hcall(__HYPERVISOR_xen_version, XENVER_extraversion, VA_B + 0xff8), -EFAULT);
    CHECK_EQ(hcall(__HYPERVISOR_xen_version, XENVER_extraversion, VA_RO), -EFAULT);
    CHECK_EQ(hcall(__HYPERVISOR_xen_version, XENVER_extraversion,
                   0x0000800000000000ULL), -EFAULT);
    /* A 64-bit address wrapping around the top. */
    CHECK_EQ(hcall(__HYPERVISOR_xen_version, XENVER_extraversion,
                   0xfffffffffffffff8ULL), -EFAULT);
    vm_teardown();
}

/* A structure read and written back across two non-contiguous pages. */
static void test_long_mode_struct_split(void)
{
    const uint64_t va = VA_A + 0xff8;   /* 8 bytes in A, 8 bytes in B */

    vm_setup(true);
    vm.params[HVM_PARAM_STORE_PFN] = 0x1122334455667788ULL;
    put16(PA_A + 0xff8, DOMID_SELF);
    put32(PA_A + 0xffc, HVM_PARAM_STORE_PFN);
    put64(PA_B, 0);
    CHECK_EQ(hcall(__HYPERVISOR_hvm_op, HVMOP_get_param, va), 0);
    CHECK_EQ(get64(PA_B), 0x1122334455667788ULL);
    CHECK_EQ(get16(PA_A + 0xff8), DOMID_SELF);
    CHECK_EQ(get32(PA_A + 0xffc), HVM_PARAM_STORE_PFN);
    vm_teardown();
}

static void test_get_features(void)
{
    for (int mode = 0; mode < 2; mode++) {
        const uint64_t arg = 0x5000;
        uint32_t submap;

        vm_setup(mode);
        put32(arg, 0);
        put32(arg + 4, 0);
        CHECK_EQ(hcall(__HYPERVISOR_xen_version, XENVER_get_features, arg), 0);
        CHECK_EQ(get32(arg), 0);
        submap = get32(arg + 4);
        CHECK(submap & (1u << XENFEAT_hvm_callback_vector));
        CHECK(submap & (1u << XENFEAT_hvm_safe_pvclock));
        CHECK(submap & (1u << XENFEAT_auto_translated_physmap));
        put32(arg, 1);
        put32(arg + 4, 0x5a5a5a5a);
        CHECK_EQ(hcall(__HYPERVISOR_xen_version, XENVER_get_features, arg), -EINVAL);
        CHECK_EQ(get32(arg + 4), 0x5a5a5a5a);
        put32(arg, 0xffffffff);
        CHECK_EQ(hcall(__HYPERVISOR_xen_version, XENVER_get_features, arg), -EINVAL);
        vm_teardown();
    }
}

static void test_pagesize(void)
{
    vm_setup(false);
    CHECK_EQ(hcall(__HYPERVISOR_xen_version, XENVER_pagesize, 0), 4096);
    CHECK_EQ(hcall(__HYPERVISOR_xen_version, XENVER_pagesize, 0x1000), -EINVAL);
    vm_teardown();
}

/* XENMEM_add_to_physmap(XENMAPSPACE_shared_info) from a 32-bit guest, with
 * the i386 layout of struct xen_add_to_physmap (16 bytes). */
static void put_atp32(uint64_t a, uint16_t domid, uint16_t size, uint32_t space,
                      uint32_t idx, uint32_t gpfn)
{
    memset(gp(a), 0xcc, 24);
    put16(a + 0, domid);
    put16(a + 2, size);
    put32(a + 4, space);
    put32(a + 8, idx);
    put32(a + 12, gpfn);
}

static void test_add_to_physmap_compat(void)
{
    const uint64_t arg = 0x6000, gpfn = 0x800;
    uint64_t mpage;
    enum pm_kind kind;

    vm_setup(false);
    CHECK_EQ(abi_size(&abi_xen_add_to_physmap, true), 16);
    CHECK_EQ(vm.shared_info_gfn, XK_INVALID_GFN);
    CHECK_EQ(current_reservation(), 4096 + XK_NR_SPECIAL);
    put_atp32(arg, DOMID_SELF, 0, XENMAPSPACE_shared_info, 0, gpfn);
    /* Bytes 16-23 (0xcc) would be idx/gpfn garbage if the 64-bit layout
     * were read. */
    CHECK_EQ(hcall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, arg), 0);
    CHECK_EQ(vm.shared_info_gfn, gpfn);
    CHECK(vm.shinfo_32);
    CHECK(physmap_lookup(&vm.pm, gpfn, &mpage, &kind, NULL));
    CHECK_EQ(kind, PM_SHARED_INFO);
    CHECK_EQ(mpage, vm.xenpage0 + XENPAGE_SHARED_INFO);
    CHECK(vm_gpa_ptr(&vm, gpfn << 12, 4096) == vm_xenpage(&vm, XENPAGE_SHARED_INFO));
    /* The RAM page it replaced went back to the host. */
    CHECK_EQ(current_reservation(), 4095 + XK_NR_SPECIAL);
    /* Mapping it again at the same place changes nothing. */
    CHECK_EQ(hcall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, arg), 0);
    CHECK_EQ(current_reservation(), 4095 + XK_NR_SPECIAL);
    /* Another domain's map: domid 0 exists (-EPERM), 5 does not (-ESRCH). */
    put_atp32(arg, 0, 0, XENMAPSPACE_shared_info, 0, 0x801);
    CHECK_EQ(hcall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, arg), -EPERM);
    put_atp32(arg, 5, 0, XENMAPSPACE_shared_info, 0, 0x801);
    CHECK_EQ(hcall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, arg), -ESRCH);
    /* Shared info has only idx 0. */
    put_atp32(arg, DOMID_SELF, 0, XENMAPSPACE_shared_info, 1, 0x801);
    CHECK_EQ(hcall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, arg), -EINVAL);
    CHECK_EQ(vm.shared_info_gfn, gpfn);
    /* The struct's own domid (this domain's id) is accepted too. */
    put_atp32(arg, vm.domid, 0, XENMAPSPACE_shared_info, 0, 0x801);
    CHECK_EQ(hcall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, arg), 0);
    CHECK_EQ(vm.shared_info_gfn, 0x801);
    CHECK(vm_gpa_ptr(&vm, gpfn << 12, 1) == NULL);
    vm_teardown();
}

/* PHYSDEVOP_map_pirq from a 32-bit guest: table_base is at offset 28 (4
 * in the i386 layout), the structure 36 bytes.  hvm_pirq on. */
static void put_map32(uint64_t a, uint16_t domid, int type, int index, int pirq,
                      uint64_t table_base)
{
    memset(gp(a), 0xcc, 48);
    put16(a + 0, domid);
    put32(a + 4, (uint32_t)type);
    put32(a + 8, (uint32_t)index);
    put32(a + 12, (uint32_t)pirq);
    put32(a + 16, 0);
    put32(a + 20, 0);
    put32(a + 24, 0);
    put64(a + 28, table_base);
}

static void test_physdev_compat(void)
{
    const uint64_t arg = 0x6000;
    uint32_t v;

    vm_setup(false);
    CHECK_EQ(abi_size(&abi_physdev_map_pirq, true), 36);
    CHECK_EQ(hcall(__HYPERVISOR_physdev_op, PHYSDEVOP_get_free_pirq, arg), -ENOSYS);
    vm.hvm_pirq = true;
    /* Not yet taking events by vector: -EINVAL. */
    put_map32(arg, DOMID_SELF, MAP_PIRQ_TYPE_GSI, 20, -1, 0);
    CHECK_EQ(hcall(__HYPERVISOR_physdev_op, PHYSDEVOP_map_pirq, arg), -EINVAL);
    atomic_store(&vm.vcpus[0].upcall_vector, 0x40);
    /* MULTI_MSI with a table_base is refused before the domain is looked
     * up; read at the 64-bit offset (32) it would be 0 and the answer
     * -ESRCH. */
    put_map32(arg, 5, MAP_PIRQ_TYPE_MULTI_MSI, -1, -1, 0x1000);
    CHECK_EQ(hcall(__HYPERVISOR_physdev_op, PHYSDEVOP_map_pirq, arg), -EINVAL);
    put_map32(arg, 5, MAP_PIRQ_TYPE_MULTI_MSI, -1, -1, 0);
    CHECK_EQ(hcall(__HYPERVISOR_physdev_op, PHYSDEVOP_map_pirq, arg), -ESRCH);
    /* A GSI: the pirq is written back, nothing past the 36 bytes. */
    put_map32(arg, DOMID_SELF, MAP_PIRQ_TYPE_GSI, 20, -1, 0);
    CHECK_EQ(hcall(__HYPERVISOR_physdev_op, PHYSDEVOP_map_pirq, arg), 0);
    memcpy(&v, gp(arg + 12), 4);
    CHECK_EQ(v, 16);
    memcpy(&v, gp(arg + 36), 4);
    CHECK_EQ(v, 0xccccccccu);
    CHECK_EQ(evtchn_pirq_of_gsi(&vm.evtchn, 20), 16);
    /* get_free_pirq: 8 bytes, the pirq at 4. */
    memset(gp(arg), 0xcc, 16);
    put32(arg, MAP_PIRQ_TYPE_MSI);
    CHECK_EQ(hcall(__HYPERVISOR_physdev_op, PHYSDEVOP_get_free_pirq, arg), 0);
    memcpy(&v, gp(arg + 4), 4);
    CHECK_EQ(v, EVTCHN_NR_PIRQS - 1);
    memcpy(&v, gp(arg + 8), 4);
    CHECK_EQ(v, 0xccccccccu);
    /* pirq_eoi_gmfn (a 4-byte gmfn here) is not for HVM guests. */
    CHECK_EQ(hcall(__HYPERVISOR_physdev_op, PHYSDEVOP_pirq_eoi_gmfn_v2, arg), -ENOSYS);
    vm_teardown();
}

static void test_add_to_physmap_native(void)
{
    const uint64_t arg = 0x6000;
    struct xen_add_to_physmap x;

    vm_setup(true);
    CHECK_EQ(abi_size(&abi_xen_add_to_physmap, false), 24);
    memset(&x, 0, sizeof(x));
    x.domid = DOMID_SELF;
    x.space = XENMAPSPACE_shared_info;
    x.idx = 0;
    x.gpfn = 0xa00;
    memcpy(gp(arg), &x, sizeof(x));
    CHECK_EQ(hcall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, arg), 0);
    CHECK_EQ(vm.shared_info_gfn, 0xa00);
    CHECK(!vm.shinfo_32);
    CHECK(vm_gpa_ptr(&vm, 0xa00000, 4096) == vm_xenpage(&vm, XENPAGE_SHARED_INFO));
    /* Moving it: the old frame is left a hole. */
    x.gpfn = 0xa01;
    memcpy(gp(arg), &x, sizeof(x));
    CHECK_EQ(hcall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, arg), 0);
    CHECK_EQ(vm.shared_info_gfn, 0xa01);
    CHECK(vm_gpa_ptr(&vm, 0xa00000, 1) == NULL);
    CHECK(vm_gpa_ptr(&vm, 0xa01000, 4096) == vm_xenpage(&vm, XENPAGE_SHARED_INFO));
    CHECK_EQ(current_reservation(), 4096 - 2 + XK_NR_SPECIAL);
    /* Above 4 GiB (no RAM there) is a valid place too. */
    x.gpfn = 0x100000;
    memcpy(gp(arg), &x, sizeof(x));
    CHECK_EQ(hcall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, arg), 0);
    CHECK_EQ(vm.shared_info_gfn, 0x100000);
    /* A frame beyond what a guest-physical address can hold. */
    x.gpfn = 1ULL << 40;
    memcpy(gp(arg), &x, sizeof(x));
    CHECK_EQ(hcall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, arg), -EINVAL);
    CHECK_EQ(vm.shared_info_gfn, 0x100000);
    vm_teardown();
}

static void test_memory_map(void)
{
    const uint64_t arg = 0x3000, buf = 0x4000;

    for (int mode = 0; mode < 2; mode++) {
        /* One layout per width: nr_entries u32 @0, buffer handle @4 (32-bit)
         * or @8 (64-bit). */
        const uint64_t hoff = mode ? 8 : 4;

        vm_setup(mode);
        CHECK_EQ(vm.nr_memmap, 2);
        /* Room for one entry: one is written and reported. */
        memset(gp(buf), 0xee, 128);
        memset(gp(arg), 0, 16);
        put32(arg, 1);
        if (mode)
            put64(arg + hoff, buf);
        else
            put32(arg + hoff, buf);
        CHECK_EQ(hcall(__HYPERVISOR_memory_op, XENMEM_memory_map, arg), 0);
        CHECK_EQ(get32(arg), 1);
        CHECK_EQ(get64(buf), 0);
        CHECK_EQ(get64(buf + 8), 16 * MIB);
        CHECK_EQ(get32(buf + 16), 1);           /* E820_RAM */
        CHECK_EQ(gp(buf + 20)[0], 0xee);        /* nothing more written */
        /* Room for eight: both entries, count 2. */
        put32(arg, 8);
        CHECK_EQ(hcall(__HYPERVISOR_memory_op, XENMEM_memory_map, arg), 0);
        CHECK_EQ(get32(arg), 2);
        CHECK_EQ(get64(buf + 20), (XK_SPECIAL_END_PFN - XK_NR_SPECIAL) << 12);
        CHECK_EQ(get64(buf + 28), XK_NR_SPECIAL << 12);
        CHECK_EQ(get32(buf + 36), 2);           /* E820_RESERVED */
        CHECK_EQ(gp(buf + 40)[0], 0xee);
        /* Room for none. */
        memset(gp(buf), 0xee, 128);
        put32(arg, 0);
        CHECK_EQ(hcall(__HYPERVISOR_memory_op, XENMEM_memory_map, arg), 0);
        CHECK_EQ(get32(arg), 0);
        CHECK_EQ(gp(buf)[0], 0xee);
        /* The buffer is not memory. */
        put32(arg, 8);
        if (mode)
            put64(arg + hoff, 0x20000000);
        else
            put32(arg + hoff, 0x20000000);
        CHECK_EQ(hcall(__HYPERVISOR_memory_op, XENMEM_memory_map, arg), -EFAULT);
        vm_teardown();
    }
}

/* struct xen_hvm_param: domid u16 @0, index u32 @4, value u64 @8 (both
 * widths). */
static void put_param(uint64_t a, uint16_t domid, uint32_t index, uint64_t value)
{
    put16(a, domid);
    put16(a + 2, 0);
    put32(a + 4, index);
    put64(a + 8, value);
}

static void test_hvm_params(void)
{
    const uint64_t arg = 0x3000;

    for (int mode = 0; mode < 2; mode++) {
        vm_setup(mode);
        vm.params[HVM_PARAM_STORE_PFN] = 0xfeffc;
        vm.params[HVM_PARAM_IOREQ_PFN] = 0xfeffd;

        put_param(arg, DOMID_SELF, HVM_PARAM_STORE_PFN, 0);
        CHECK_EQ(hcall(__HYPERVISOR_hvm_op, HVMOP_get_param, arg), 0);
        CHECK_EQ(get64(arg + 8), 0xfeffc);
        /* Our own domid works as DOMID_SELF does. */
        put_param(arg, vm.domid, HVM_PARAM_STORE_PFN, 0);
        CHECK_EQ(hcall(__HYPERVISOR_hvm_op, HVMOP_get_param, arg), 0);
        CHECK_EQ(get64(arg + 8), 0xfeffc);
        /* Out of range. */
        put_param(arg, DOMID_SELF, HVM_NR_PARAMS, 0);
        CHECK_EQ(hcall(__HYPERVISOR_hvm_op, HVMOP_get_param, arg), -EINVAL);
        put_param(arg, DOMID_SELF, 0xffffffff, 0);
        CHECK_EQ(hcall(__HYPERVISOR_hvm_op, HVMOP_get_param, arg), -EINVAL);
        /* Not readable by the guest itself. */
        put_param(arg, DOMID_SELF, HVM_PARAM_IOREQ_PFN, 0x77);
        CHECK_EQ(hcall(__HYPERVISOR_hvm_op, HVMOP_get_param, arg), -EPERM);
        CHECK_EQ(get64(arg + 8), 0x77);
        /* Readable but not writable. */
        put_param(arg, DOMID_SELF, HVM_PARAM_STORE_PFN, 0x1234);
        CHECK_EQ(hcall(__HYPERVISOR_hvm_op, HVMOP_set_param, arg), -EPERM);
        CHECK_EQ(vm.params[HVM_PARAM_STORE_PFN], 0xfeffc);
        /* Writable: the callback. */
        put_param(arg, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, 0x0200000000000000ULL | 0xf3);
        CHECK_EQ(hcall(__HYPERVISOR_hvm_op, HVMOP_set_param, arg), 0);
        CHECK_EQ(vm.params[HVM_PARAM_CALLBACK_IRQ], 0x0200000000000000ULL | 0xf3);
        CHECK_EQ(vm.shinfo_32, !mode);
        /* Other domains: 0 exists (-EPERM), others do not (-ESRCH). */
        put_param(arg, 0, HVM_PARAM_STORE_PFN, 0);
        CHECK_EQ(hcall(__HYPERVISOR_hvm_op, HVMOP_get_param, arg), -EPERM);
        put_param(arg, 5, HVM_PARAM_STORE_PFN, 0);
        CHECK_EQ(hcall(__HYPERVISOR_hvm_op, HVMOP_get_param, arg), -ESRCH);
        put_param(arg, DOMID_IDLE, HVM_PARAM_STORE_PFN, 0);
        CHECK_EQ(hcall(__HYPERVISOR_hvm_op, HVMOP_get_param, arg), -ESRCH);
        vm_teardown();
    }
}

static void test_get_time(void)
{
    const uint64_t arg = 0x3000;
    uint64_t t1, t2;
    struct timespec ts = { 0, 2000000 };

    vm_setup(false);
    put64(arg, 0);
    CHECK_EQ(hcall(__HYPERVISOR_hvm_op, HVMOP_get_time, arg), 0);
    t1 = get64(arg);
    nanosleep(&ts, NULL);
    CHECK_EQ(hcall(__HYPERVISOR_hvm_op, HVMOP_get_time, arg), 0);
    t2 = get64(arg);
    CHECK(t2 > t1);
    /* The write-back to a non-memory address fails. */
    CHECK_EQ(hcall(__HYPERVISOR_hvm_op, HVMOP_get_time, 0x40000000), -EFAULT);
    vm_teardown();
}

static void test_flush_tlbs(void)
{
    vm_setup(true);
    CHECK_EQ(hcall(__HYPERVISOR_hvm_op, HVMOP_flush_tlbs, 0), 0);
    CHECK(vm.vcpus[0].flush_tlb);
    CHECK_EQ(hcall(__HYPERVISOR_hvm_op, HVMOP_flush_tlbs, 0x1000), -EINVAL);
    vm_teardown();
}

static void test_shutdown(void)
{
    const uint64_t arg = 0x3000;

    vm_setup(false);
    CHECK(!atomic_load(&vm.stopping));
    put32(arg, SHUTDOWN_crash);
    CHECK_EQ(hcall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, arg), 0);
    CHECK(atomic_load(&vm.stopping));
    CHECK_EQ(vm.exit_status, XK_EXIT_CRASH);
    CHECK_EQ(vm.exit_status, 12);
    CHECK_EQ(vm.shutdown_code, SHUTDOWN_crash);
    /* A later shutdown changes nothing. */
    put32(arg, SHUTDOWN_reboot);
    CHECK_EQ(hcall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, arg), 0);
    CHECK_EQ(vm.exit_status, 12);
    CHECK_EQ(vm.shutdown_code, SHUTDOWN_crash);
    vm_teardown();

    vm_setup(true);
    put32(arg, SHUTDOWN_poweroff);
    CHECK_EQ(hcall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, arg), 0);
    CHECK(atomic_load(&vm.stopping));
    CHECK_EQ(vm.exit_status, XK_EXIT_POWEROFF);
    vm_teardown();
}

static void test_shutdown_code(void)
{
    const uint64_t arg = 0x3000;

    vm_setup(false);
    put32(arg, SHUTDOWN_reboot);
    CHECK_EQ(hcall(__HYPERVISOR_sched_op, SCHEDOP_shutdown_code, arg), 0);
    CHECK_EQ(vm.shutdown_code, SHUTDOWN_reboot);
    CHECK(!atomic_load(&vm.stopping));          /* recorded, not acted on */
    put32(arg, SHUTDOWN_crash);
    CHECK_EQ(hcall(__HYPERVISOR_sched_op, SCHEDOP_shutdown_code, arg), 0);
    CHECK_EQ(vm.shutdown_code, SHUTDOWN_reboot);
    /* The shutdown that follows uses the first recorded code. */
    put32(arg, SHUTDOWN_poweroff);
    CHECK_EQ(hcall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, arg), 0);
    CHECK(atomic_load(&vm.stopping));
    CHECK_EQ(vm.shutdown_code, SHUTDOWN_reboot);
    CHECK_EQ(vm.exit_status, XK_EXIT_REBOOT);
    vm_teardown();
}

/* struct xen_memory_reservation in the guest's layout. */
static void put_reservation(uint64_t a, uint64_t list, uint64_t nr,
                            uint32_t order, uint16_t domid)
{
    memset(gp(a), 0, 32);
    if (vm_long) {
        put64(a + 0, list);
        put64(a + 8, nr);
        put32(a + 16, order);
        put32(a + 20, 0);
        put16(a + 24, domid);
    } else {
        put32(a + 0, (uint32_t)list);
        put32(a + 4, (uint32_t)nr);
        put32(a + 8, order);
        put32(a + 12, 0);
        put16(a + 16, domid);
    }
}

static void put_pfn(uint64_t list, unsigned i, uint64_t pfn)
{
    if (vm_long)
        put64(list + 8 * i, pfn);
    else
        put32(list + 4 * i, (uint32_t)pfn);
}

static void test_reservation(void)
{
    const uint64_t arg = 0x3000, list = 0x4000;

    for (int mode = 0; mode < 2; mode++) {
        vm_setup(mode);
        CHECK_EQ(abi_size(&abi_xen_memory_reservation, !mode), mode ? 32 : 20);
        CHECK_EQ(current_reservation(), 4096 + XK_NR_SPECIAL);
        CHECK_EQ(hcall(__HYPERVISOR_memory_op, XENMEM_maximum_reservation,
                       0x7000), 4096 + XK_MAXMEM_EXTRA_PAGES);
        memset(gp(0x600000), 0xab, 2 * 4096);
        put_pfn(list, 0, 0x600);
        put_pfn(list, 1, 0x601);
        put_reservation(arg, list, 2, 0, DOMID_SELF);
        CHECK_EQ(hcall(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, arg), 2);
        CHECK_EQ(current_reservation(), 4094 + XK_NR_SPECIAL);
        CHECK(vm_gpa_ptr(&vm, 0x600000, 1) == NULL);
        CHECK(vm_gpa_ptr(&vm, 0x601000, 1) == NULL);
        CHECK(vm_gpa_ptr(&vm, 0x602000, 1) != NULL);
        CHECK_EQ(ram_frames_mapped(), 4094);
        /* Freeing holes frees nothing. */
        CHECK_EQ(hcall(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, arg), 0);
        CHECK_EQ(current_reservation(), 4094 + XK_NR_SPECIAL);
        /* Populating them brings the reservation back, with clean pages. */
        CHECK_EQ(hcall(__HYPERVISOR_memory_op, XENMEM_populate_physmap, arg), 2);
        CHECK_EQ(current_reservation(), 4096 + XK_NR_SPECIAL);
        CHECK_EQ(ram_frames_mapped(), 4096);
        CHECK(vm_gpa_ptr(&vm, 0x600000, 1) != NULL);
        if (vm_gpa_ptr(&vm, 0x601000, 4096)) {
            const uint8_t *p = vm_gpa_ptr(&vm, 0x601000, 4096);
            uint8_t acc = 0;
            for (unsigned i = 0; i < 4096; i++)
                acc |= p[i];
            CHECK_EQ(acc, 0);
        }
        /* Another domain's reservation: nothing done. */
        put_reservation(arg, list, 2, 0, 5);
        CHECK_EQ(hcall(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, arg), 0);
        CHECK_EQ(current_reservation(), 4096 + XK_NR_SPECIAL);
        /* Special pages are not RAM to give back. */
        put_pfn(list, 0, XK_SPECIAL_END_PFN - 1);
        put_reservation(arg, list, 1, 0, DOMID_SELF);
        CHECK_EQ(hcall(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, arg), 0);
        CHECK(vm_gpa_ptr(&vm, (XK_SPECIAL_END_PFN - 1) << 12, 1) != NULL);
        CHECK(pm_all_installed());
        vm_teardown();
    }
}

/* A balloon driver giving back many scattered pages: each hole splits a
 * RAM range, each range needs a memslot, and the VM has 4096 of them.
 * Running out may end the hypercall early, but must not leave the map
 * inconsistent.  Returns the number of extents done. */
static long balloon_scattered(void)
{
    const uint64_t arg = 0x3000, list = 0x100000, n = 4200;
    long done;

    vm_setup_mem(true, 64);
    CHECK_EQ(vm.pm.max_slots, 4096);
    /* Every other frame from 16 MiB on: 4200 holes, 4200+ ranges. */
    for (unsigned i = 0; i < n; i++)
        put_pfn(list, i, 0x1000 + 2 * i);
    put_reservation(arg, list, n, 0, DOMID_SELF);
    done = hcall(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, arg);
    CHECK(done >= 0 && done <= (long)n);
    return done;
}

/* Every range of the physmap must still be installed in a memslot (else
 * the guest's "RAM" there has no KVM mapping). */
static void test_balloon_scattered_slots(void)
{
    CHECK_EQ(balloon_scattered(), 4200);
    CHECK(pm_all_installed());
    /* Ballooned frames keep their memslot: the map is still low RAM and
     * the special pages, two ranges and two slots. */
    CHECK_EQ(vm.pm.n, 2);
    CHECK_EQ(physmap_free_slots(&vm.pm), vm.pm.max_slots - 2);
    vm_teardown();
}

/* The reservation must stay equal to the RAM the guest can see (plus the
 * special pages): a frame taken out of the physmap is freed and
 * uncounted, or stays mapped. */
static void test_balloon_scattered_reservation(void)
{
    long done = balloon_scattered();

    CHECK_EQ(current_reservation(), (long)ram_frames_mapped() + XK_NR_SPECIAL);
    CHECK_EQ(current_reservation(), 64 * 256 - done + XK_NR_SPECIAL);
    vm_teardown();
}

/* Hostile guest: random hypercall numbers, sub-ops and arguments, with
 * pointers into random guest memory or anywhere at all.  Every call must
 * come back with a result or a -errno (ASan/UBSan watch the rest).  The VM
 * is marked stopping so blocking calls return at once. */
static uint64_t fuzz_state = 0x9e3779b97f4a7c15ULL;

static uint64_t fuzz_rand(void)
{
    fuzz_state ^= fuzz_state << 13;
    fuzz_state ^= fuzz_state >> 7;
    fuzz_state ^= fuzz_state << 17;
    return fuzz_state;
}

static uint64_t fuzz_arg(void)
{
    switch (fuzz_rand() % 4) {
    case 0: return fuzz_rand() % 64;                       /* small: sub-ops */
    case 1: return 0x100000 + fuzz_rand() % 0x10000;       /* into the buffer */
    case 2: return fuzz_rand();                            /* anything */
    default: return (16ULL << 20) - (fuzz_rand() % 64);    /* end of RAM */
    }
}

static void fuzz_mode(bool long_mode)
{
    static const unsigned nrs[] = { 17, 18, 29, 12, 34, 24, 32, 15, 20, 33 };

    vm_setup(long_mode);
    vm.hvm_pirq = true;         /* physdev_op (33) serves its commands */
    atomic_store(&vm.stopping, true);
    for (int i = 0; i < 4000; i++) {
        unsigned nr = fuzz_rand() % 8 < 6 ? nrs[fuzz_rand() % ARRAY_SIZE(nrs)]
                                          : (unsigned)(fuzz_rand() % 64);
        uint64_t a0 = fuzz_arg(), a1 = fuzz_arg(), a2 = fuzz_arg();
        long rc;

        /* console_io writes of random lengths would flood the output. */
        if (nr == 18 && (uint32_t)a0 == CONSOLEIO_write)
            continue;
        for (int j = 0; j < 512; j++)
            put64(0x100000 + (fuzz_rand() % 0x10000 & ~7ULL), fuzz_rand());
        rc = hcall3(nr, a0, a1, a2);
        if (rc < -4095) {
            CHECK(rc >= -4095);
            printf("  hypercall %u (%#llx, %#llx, %#llx) returned %ld\n", nr,
                   (unsigned long long)a0, (unsigned long long)a1,
                   (unsigned long long)a2, rc);
            break;
        }
    }
    vm_teardown();
}

/* The domain's event state survives a save and a restore into a new VM,
 * and a damaged stream is refused with nothing changed. */
static void test_events_save_restore(void)
{
    static uint8_t buf[1 << 16], bad[1 << 16];
    struct evtchn_status st;
    int len, a, t;

    vm_setup(true);
    a = evtchn_alloc_unbound(&vm.evtchn, 3);
    t = evtchn_bind_virq(&vm.evtchn, VIRQ_TIMER, 0);
    CHECK(a > 0 && t > 0);
    atomic_store(&vm.vcpus[0].upcall_vector, 0x40);
    timer_periodic(&vm.vcpus[0], 50000000ULL);
    timer_singleshot(&vm.vcpus[0], xen_clock_now(&vm.clock) + 3600ULL * 1000000000ULL);
    CHECK_EQ((size_t)events_save(&vm, buf, sizeof(buf)), events_save_size(&vm));
    len = events_save(&vm, buf, sizeof(buf));
    CHECK_EQ(events_save(&vm, buf, 8), -ENOSPC);
    vm_teardown();

    vm_setup(true);
    memcpy(bad, buf, len);
    /* An upcall vector below 0x10: past the header record (16 bytes),
     * the evtchn record's header and version (16) and its vCPU count. */
    bad[36] = 0x05;
    CHECK_EQ(events_restore(&vm, bad, len), -EINVAL);
    CHECK_EQ(events_restore(&vm, buf, len - 1), -EINVAL);
    CHECK_EQ(evtchn_status(&vm.evtchn, a, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_closed);         /* untouched */
    CHECK_EQ(events_restore(&vm, buf, len), 0);
    CHECK_EQ(evtchn_status(&vm.evtchn, a, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_unbound);
    CHECK_EQ(st.u.unbound.dom, 3);
    CHECK_EQ(evtchn_bind_virq(&vm.evtchn, VIRQ_TIMER, 0), -EEXIST);
    CHECK_EQ(atomic_load(&vm.vcpus[0].upcall_vector), 0x40);
    CHECK_EQ(vm.vcpus[0].periodic_period, 50000000ULL);
    CHECK(vm.vcpus[0].singleshot_deadline > xen_clock_now(&vm.clock));
    vm_teardown();
}

static void test_random_hypercalls_64(void)
{
    fuzz_mode(true);
}

static void test_random_hypercalls_32(void)
{
    fuzz_mode(false);
}

/* A vcpu_info cannot be placed in a frame the guest gave back (Xen's
 * get_page_from_gfn fails: -EINVAL), and nothing is written there. */
static void test_vcpu_info_in_ballooned_frame(void)
{
    const uint64_t arg = 0x3000, list = 0x4000, reg = 0x5000;

    vm_setup(true);
    put_pfn(list, 0, 0x600);
    put_reservation(arg, list, 1, 0, DOMID_SELF);
    CHECK_EQ(hcall(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, arg), 1);
    put64(reg, 0x600);          /* mfn */
    put32(reg + 8, 64);         /* offset */
    put32(reg + 12, 0);         /* rsvd */
    CHECK_EQ(hcall3(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, reg),
             -EINVAL);
    CHECK(!vm.vcpus[0].vcpu_info_registered);
    /* A populated frame works. */
    put64(reg, 0x601);
    CHECK_EQ(hcall3(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, reg), 0);
    CHECK_EQ(get8(0x601000 + 64), 1);       /* evtchn_upcall_pending set */
    vm_teardown();
}

/* The field indices shinfo.h names must pick the fields they say, in both
 * layouts (the 32-bit one as the -m32 build of the Xen headers gives it). */
static void test_abi_field_indices(void)
{
    CHECK_EQ(abi_field_off(&abi_shared_info, false, SI_PENDING),
             offsetof(struct shared_info, evtchn_pending));
    CHECK_EQ(abi_field_off(&abi_shared_info, false, SI_WC_SEC),
             offsetof(struct shared_info, wc_sec));
    CHECK_EQ(abi_field_off(&abi_shared_info, false, SI_WC_SEC_HI),
             offsetof(struct shared_info, wc_sec_hi));
    CHECK_EQ(abi_field_off(&abi_shared_info, true, SI_PENDING),
             ABI32_shared_info__evtchn_pending_OFF);
    CHECK_EQ(abi_field_off(&abi_shared_info, true, SI_WC_SEC_HI),
             ABI32_shared_info__wc_sec_hi_OFF);
    CHECK_EQ(abi_field_off(&abi_vcpu_info, false, VI_TIME),
             offsetof(struct vcpu_info, time));
    CHECK_EQ(abi_field_off(&abi_vcpu_info, false, VI_PENDING_SEL),
             offsetof(struct vcpu_info, evtchn_pending_sel));
    CHECK_EQ(abi_field_off(&abi_vcpu_info, true, VI_PENDING_SEL),
             ABI32_vcpu_info__evtchn_pending_sel_OFF);
    CHECK_EQ(abi_field_off(&abi_vcpu_info, true, VI_UPCALL_MASK), 1);
    /* The i386 layouts that differ from x86-64. */
    CHECK_EQ(abi_size(&abi_xen_add_to_physmap, true), 16);
    CHECK_EQ(abi_size(&abi_vcpu_runstate_info, true), 44);
    CHECK_EQ(abi_size(&abi_sched_poll, true), 16);
    CHECK_EQ(abi_size(&abi_sched_poll, false), 24);
}

int main(void)
{
    RUN(test_abi_field_indices);
    RUN(test_unknown_hypercalls);
    RUN(test_physdev_compat);
    RUN(test_random_hypercalls_64);
    RUN(test_random_hypercalls_32);
    RUN(test_events_save_restore);
    RUN(test_xen_version);
    RUN(test_extraversion);
    RUN(test_efault_unmapped);
    RUN(test_efault_end_of_ram);
    RUN(test_long_mode_buffers);
    RUN(test_long_mode_struct_split);
    RUN(test_get_features);
    RUN(test_pagesize);
    RUN(test_add_to_physmap_compat);
    RUN(test_add_to_physmap_native);
    RUN(test_memory_map);
    RUN(test_hvm_params);
    RUN(test_get_time);
    RUN(test_flush_tlbs);
    RUN(test_shutdown);
    RUN(test_shutdown_code);
    RUN(test_reservation);
    RUN(test_vcpu_info_in_ballooned_frame);
    RUN(test_balloon_scattered_slots);
    RUN(test_balloon_scattered_reservation);
    return CHECK_DONE();
}
