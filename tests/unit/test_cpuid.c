/* Unit tests for hvm/cpuid.c: a synthetic host CPUID table (as
 * KVM_GET_SUPPORTED_CPUID would return it, KVM's own paravirt leaves
 * included) goes through cpuid_build(), and the result must be what a Xen
 * HVM guest expects to see. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/arch-x86/cpuid.h>

#include "check.h"
#include "hvm/cpuid.h"

#define SIG  KVM_CPUID_FLAG_SIGNIFCANT_INDEX

/* "KVMKVMKVM\0\0\0" as KVM's leaf 0x40000000 returns it. */
#define KVM_SIG_EBX 0x4b4d564b
#define KVM_SIG_ECX 0x564b4d56
#define KVM_SIG_EDX 0x0000004d

/* Number of leaves cpuid_build appends: 0x40000000..2, 3.0-3.2, 4, 5. */
#define XEN_LEAVES 8

static const struct kvm_cpuid_entry2 host_entries[] = {
    { .function = 0, .eax = 0x1f, .ebx = 0x756e6547, .ecx = 0x6c65746e,
      .edx = 0x49656e69 },                                  /* GenuineIntel */
    /* Leaf 1: initial APIC id 0x5a in EBX[31:24], CLFLUSH size etc below. */
    { .function = 1, .eax = 0x000906ea, .ebx = 0x5a100800,
      .ecx = 0x77fafbff, .edx = 0xbfebfbff },
    { .function = 7, .index = 0, .flags = SIG, .eax = 0, .ebx = 0x029c6fbf },
    /* Topology leaves: EDX is the x2APIC id of the current CPU. */
    { .function = 0xb, .index = 0, .flags = SIG, .eax = 1, .ebx = 2,
      .ecx = 0x100, .edx = 7 },
    { .function = 0xb, .index = 1, .flags = SIG, .eax = 4, .ebx = 8,
      .ecx = 0x201, .edx = 7 },
    { .function = 0x1f, .index = 0, .flags = SIG, .eax = 1, .ebx = 2,
      .ecx = 0x100, .edx = 9 },
    /* KVM's paravirt leaves (and something else in the hypervisor range). */
    { .function = 0x40000000, .eax = 0x40000001, .ebx = KVM_SIG_EBX,
      .ecx = KVM_SIG_ECX, .edx = KVM_SIG_EDX },
    { .function = 0x40000001, .eax = 0x01007afb },
    { .function = 0x40000010, .eax = 0x12345678 },
    { .function = 0x4fffffff, .eax = 0xdeadbeef },
    { .function = 0x80000000, .eax = 0x80000008 },
    { .function = 0x80000001, .ecx = 0x121, .edx = 0x2c100800 },
};
#define NR_HOST (sizeof(host_entries) / sizeof(host_entries[0]))
#define NR_HOST_KEPT (NR_HOST - 4)

static const struct xen_cpuid_params params = {
    .vcpu_id = 3, .domid = 7, .tsc_khz = 2893000, .tsc_mul = 0xb0f4a75c,
    .tsc_shift = -1,
};

static struct kvm_cpuid2 *table_alloc(uint32_t nent)
{
    struct kvm_cpuid2 *t = calloc(1, sizeof(*t) + nent * sizeof(t->entries[0]));

    if (!t) {
        perror("calloc");
        exit(2);
    }
    return t;
}

static struct kvm_cpuid2 *host_table(void)
{
    struct kvm_cpuid2 *t = table_alloc(NR_HOST);

    t->nent = NR_HOST;
    memcpy(t->entries, host_entries, sizeof(host_entries));
    return t;
}

/* Build with plenty of room; returns the table (nent = entries used). */
static struct kvm_cpuid2 *build(const struct kvm_cpuid2 *host,
                                const struct xen_cpuid_params *p, int *rc)
{
    const uint32_t cap = 64;
    struct kvm_cpuid2 *out = table_alloc(cap);

    out->nent = 0xdead;
    out->padding = 0xbeef;
    *rc = cpuid_build(host, out, cap, p);
    return out;
}

static unsigned count_fn(const struct kvm_cpuid2 *t, uint32_t fn)
{
    unsigned n = 0;

    for (uint32_t i = 0; i < t->nent; i++)
        n += t->entries[i].function == fn;
    return n;
}

static void test_entry_count(void)
{
    struct kvm_cpuid2 *host = host_table();
    int rc;
    struct kvm_cpuid2 *out = build(host, &params, &rc);

    CHECK_EQ(rc, 0);
    CHECK_EQ(out->nent, NR_HOST_KEPT + XEN_LEAVES);
    CHECK_EQ(out->padding, 0);
    free(out);
    free(host);
}

static void test_kvm_leaves_removed(void)
{
    struct kvm_cpuid2 *host = host_table();
    int rc;
    struct kvm_cpuid2 *out = build(host, &params, &rc);

    CHECK_EQ(rc, 0);
    for (uint32_t i = 0; i < out->nent; i++) {
        const struct kvm_cpuid_entry2 *e = &out->entries[i];
        /* Only Xen's 0x40000000-0x40000005 remain in the hypervisor range. */
        if (e->function >= 0x40000000u && e->function <= 0x4fffffffu)
            CHECK(e->function <= 0x40000005u);
        CHECK(!(e->ebx == KVM_SIG_EBX && e->ecx == KVM_SIG_ECX));
    }
    CHECK_EQ(count_fn(out, 0x40000000), 1);
    CHECK_EQ(count_fn(out, 0x40000001), 1);
    CHECK_EQ(count_fn(out, 0x40000010), 0);
    CHECK_EQ(count_fn(out, 0x4fffffff), 0);
    CHECK(cpuid_find(out, 0x40000010, 0) == NULL);
    CHECK(cpuid_find(out, 0x4fffffff, 0) == NULL);
    /* Leaves on either side of the range are kept as they were. */
    CHECK(cpuid_find(out, 0x80000000, 0) != NULL);
    if (cpuid_find(out, 0x80000001, 0))
        CHECK(!memcmp(cpuid_find(out, 0x80000001, 0), &host_entries[11],
                      sizeof(host_entries[11])));
    free(out);
    free(host);
}

static void test_host_leaves_kept(void)
{
    struct kvm_cpuid2 *host = host_table();
    int rc;
    struct kvm_cpuid2 *out = build(host, &params, &rc);
    const struct kvm_cpuid_entry2 *e;

    CHECK_EQ(rc, 0);
    /* Host leaves come first, in their order, untouched except 1/0xb/0x1f. */
    e = cpuid_find(out, 0, 0);
    CHECK(e == &out->entries[0]);
    if (e)
        CHECK(!memcmp(e, &host_entries[0], sizeof(*e)));
    e = cpuid_find(out, 7, 0);
    CHECK(e != NULL);
    if (e) {
        CHECK(!memcmp(e, &host_entries[2], sizeof(*e)));
        CHECK_EQ(e->flags, SIG);
    }
    /* The Xen leaves follow the kept host leaves. */
    CHECK_EQ(out->entries[NR_HOST_KEPT].function, 0x40000000);
    free(out);
    free(host);
}

static void test_leaf1(void)
{
    struct kvm_cpuid2 *host = host_table();
    int rc;
    struct kvm_cpuid2 *out = build(host, &params, &rc);
    const struct kvm_cpuid_entry2 *e = cpuid_find(out, 1, 0);

    CHECK_EQ(rc, 0);
    CHECK(e != NULL);
    if (!e)
        goto out;
    /* Hypervisor present, the rest of ECX untouched. */
    CHECK_EQ(e->ecx, 0x77fafbffu | (1u << 31));
    /* APIC id = vCPU id, the low 24 bits of EBX untouched. */
    CHECK_EQ(e->ebx >> 24, params.vcpu_id);
    CHECK_EQ(e->ebx & 0x00ffffff, 0x100800);
    CHECK_EQ(e->eax, 0x000906ea);
    CHECK_EQ(e->edx, 0xbfebfbffu);
    /* A bigger vCPU id fills all 8 bits and nothing more. */
    {
        struct xen_cpuid_params p = params;
        p.vcpu_id = 0xff;
        free(out);
        out = build(host, &p, &rc);
        e = cpuid_find(out, 1, 0);
        CHECK(e != NULL);
        if (e)
            CHECK_EQ(e->ebx, 0xff100800u);
    }
out:
    free(out);
    free(host);
}

static void test_topology_leaves(void)
{
    struct kvm_cpuid2 *host = host_table();
    int rc;
    struct kvm_cpuid2 *out = build(host, &params, &rc);
    const struct kvm_cpuid_entry2 *b0 = cpuid_find(out, 0xb, 0);
    const struct kvm_cpuid_entry2 *b1 = cpuid_find(out, 0xb, 1);
    const struct kvm_cpuid_entry2 *x0 = cpuid_find(out, 0x1f, 0);

    CHECK_EQ(rc, 0);
    CHECK(b0 && b1 && x0 && b0 != b1);
    if (b0 && b1 && x0) {
        CHECK_EQ(b0->index, 0);
        CHECK_EQ(b1->index, 1);
        CHECK_EQ(b0->edx, params.vcpu_id);
        CHECK_EQ(b1->edx, params.vcpu_id);
        CHECK_EQ(x0->edx, params.vcpu_id);
        CHECK_EQ(b1->eax, 4);
        CHECK_EQ(b1->ebx, 8);
        CHECK_EQ(b1->ecx, 0x201);
    }
    /* A subleaf the host does not list is absent (significant index). */
    CHECK(cpuid_find(out, 0xb, 2) == NULL);
    free(out);
    free(host);
}

static void test_xen_signature(void)
{
    struct kvm_cpuid2 *host = host_table();
    int rc;
    struct kvm_cpuid2 *out = build(host, &params, &rc);
    const struct kvm_cpuid_entry2 *e = cpuid_find(out, 0x40000000, 0);
    char sig[13];

    CHECK_EQ(rc, 0);
    CHECK(e != NULL);
    if (e) {
        CHECK_EQ(e->eax, 0x40000005);
        CHECK_EQ(e->eax, 0x40000000 + XEN_CPUID_MAX_NUM_LEAVES);
        CHECK_EQ(e->ebx, XEN_CPUID_SIGNATURE_EBX);
        CHECK_EQ(e->ecx, XEN_CPUID_SIGNATURE_ECX);
        CHECK_EQ(e->edx, XEN_CPUID_SIGNATURE_EDX);
        memcpy(sig, &e->ebx, 4);
        memcpy(sig + 4, &e->ecx, 4);
        memcpy(sig + 8, &e->edx, 4);
        sig[12] = 0;
        CHECK(!strcmp(sig, "XenVMMXenVMM"));
        /* Not subleaf-specific: any index finds it. */
        CHECK_EQ(e->flags, 0);
        CHECK(cpuid_find(out, 0x40000000, 9) == e);
    }
    free(out);
    free(host);
}

static void test_xen_leaves(void)
{
    struct kvm_cpuid2 *host = host_table();
    int rc;
    struct kvm_cpuid2 *out = build(host, &params, &rc);
    const struct kvm_cpuid_entry2 *e;

    CHECK_EQ(rc, 0);
    /* 0x40000001: version 4.17. */
    e = cpuid_find(out, 0x40000001, 0);
    CHECK(e != NULL);
    if (e) {
        CHECK_EQ(e->eax, (4 << 16) | 17);
        CHECK_EQ(e->ebx, 0);
        CHECK_EQ(e->ecx, 0);
        CHECK_EQ(e->edx, 0);
    }
    /* 0x40000002: one hypercall page, MSR 0x40000000. */
    e = cpuid_find(out, 0x40000002, 0);
    CHECK(e != NULL);
    if (e) {
        CHECK_EQ(e->eax, 1);
        CHECK_EQ(e->ebx, 0x40000000);
        CHECK_EQ(e->ecx, 0);
        CHECK_EQ(e->edx, 0);
    }
    /* 0x40000003: time, three significant subleaves. */
    e = cpuid_find(out, 0x40000003, 0);
    CHECK(e != NULL);
    if (e) {
        CHECK_EQ(e->flags, SIG);
        CHECK_EQ(e->index, 0);
        CHECK_EQ(e->ecx, params.tsc_khz);
    }
    e = cpuid_find(out, 0x40000003, 1);
    CHECK(e != NULL);
    if (e) {
        CHECK_EQ(e->flags, SIG);
        CHECK_EQ(e->index, 1);
        CHECK_EQ(e->ecx, params.tsc_mul);
        /* The shift is signed: -1 reads as 0xffffffff. */
        CHECK_EQ(e->edx, 0xffffffffu);
        CHECK_EQ((int32_t)e->edx, params.tsc_shift);
    }
    e = cpuid_find(out, 0x40000003, 2);
    CHECK(e != NULL);
    if (e) {
        CHECK_EQ(e->flags, SIG);
        CHECK_EQ(e->index, 2);
        CHECK_EQ(e->eax, params.tsc_khz);
    }
    CHECK(cpuid_find(out, 0x40000003, 3) == NULL);
    /* 0x40000004: HVM features, vCPU id, domid. */
    e = cpuid_find(out, 0x40000004, 0);
    CHECK(e != NULL);
    if (e) {
        CHECK_EQ(e->flags, SIG);
        CHECK_EQ(e->eax & (XEN_HVM_CPUID_VCPU_ID_PRESENT |
                           XEN_HVM_CPUID_DOMID_PRESENT),
                 XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT);
        CHECK_EQ(e->ebx, params.vcpu_id);
        CHECK_EQ(e->ecx, params.domid);
    }
    CHECK(cpuid_find(out, 0x40000004, 1) == NULL);
    /* 0x40000005: present, all zero. */
    e = cpuid_find(out, 0x40000005, 0);
    CHECK(e != NULL);
    if (e)
        CHECK(e->eax == 0 && e->ebx == 0 && e->ecx == 0 && e->edx == 0);
    CHECK(cpuid_find(out, 0x40000006, 0) == NULL);
    free(out);
    free(host);
}

static void test_positive_shift(void)
{
    struct kvm_cpuid2 *host = host_table();
    struct xen_cpuid_params p = params;
    int rc;
    struct kvm_cpuid2 *out;
    const struct kvm_cpuid_entry2 *e;

    p.tsc_shift = 2;
    p.vcpu_id = 0;
    p.domid = 0x7ff0;
    out = build(host, &p, &rc);
    CHECK_EQ(rc, 0);
    e = cpuid_find(out, 0x40000003, 1);
    CHECK(e && e->edx == 2);
    e = cpuid_find(out, 0x40000004, 0);
    CHECK(e && e->ebx == 0 && e->ecx == 0x7ff0);
    e = cpuid_find(out, 1, 0);
    CHECK(e && (e->ebx >> 24) == 0);
    free(out);
    free(host);
}

/* With an empty host table only the Xen leaves come out. */
static void test_empty_host(void)
{
    struct kvm_cpuid2 *host = table_alloc(0);
    int rc;
    struct kvm_cpuid2 *out = build(host, &params, &rc);

    CHECK_EQ(rc, 0);
    CHECK_EQ(out->nent, XEN_LEAVES);
    CHECK(cpuid_find(out, 1, 0) == NULL);
    CHECK(cpuid_find(out, 0x40000000, 0) != NULL);
    free(out);
    free(host);
}

static void test_find(void)
{
    struct kvm_cpuid2 *t = table_alloc(4);

    t->nent = 3;
    t->entries[0] = (struct kvm_cpuid_entry2){ .function = 4, .index = 0,
                                               .flags = SIG, .eax = 10 };
    t->entries[1] = (struct kvm_cpuid_entry2){ .function = 4, .index = 1,
                                               .flags = SIG, .eax = 11 };
    t->entries[2] = (struct kvm_cpuid_entry2){ .function = 6, .index = 5,
                                               .eax = 12 };
    /* Beyond nent: must not be found. */
    t->entries[3] = (struct kvm_cpuid_entry2){ .function = 8, .eax = 13 };
    CHECK(cpuid_find(t, 4, 0) == &t->entries[0]);
    CHECK(cpuid_find(t, 4, 1) == &t->entries[1]);
    CHECK(cpuid_find(t, 4, 2) == NULL);
    CHECK(cpuid_find(t, 6, 0) == &t->entries[2]);
    CHECK(cpuid_find(t, 6, 0xffffffff) == &t->entries[2]);
    CHECK(cpuid_find(t, 5, 0) == NULL);
    CHECK(cpuid_find(t, 8, 0) == NULL);
    t->nent = 0;
    CHECK(cpuid_find(t, 4, 0) == NULL);
    free(t);
}

/* Every capacity below what is needed fails with -1 and writes no entry
 * past the capacity; the exact capacity succeeds.  The output tables are
 * allocated with exactly CAP entries (ASan catches an overflow) and
 * compared against a guard copy (catches it without ASan). */
static void test_capacity(void)
{
    struct kvm_cpuid2 *host = host_table();
    const uint32_t need = NR_HOST_KEPT + XEN_LEAVES;

    for (uint32_t cap = 0; cap <= need; cap++) {
        struct kvm_cpuid2 *out = malloc(sizeof(*out) + cap * sizeof(out->entries[0]));
        struct kvm_cpuid2 *guarded = table_alloc(cap + 4);
        uint8_t *guard = (uint8_t *)&guarded->entries[cap];
        const size_t guard_len = 4 * sizeof(guarded->entries[0]);
        int rc;

        if (!out) {
            perror("malloc");
            exit(2);
        }
        memset(guard, 0xa5, guard_len);
        rc = cpuid_build(host, guarded, cap, &params);
        CHECK_EQ(rc, cap < need ? -1 : 0);
        CHECK(guarded->nent <= cap);
        for (size_t i = 0; i < guard_len; i++)
            if (guard[i] != 0xa5) {
                CHECK(!"entry written past the capacity");
                break;
            }
        /* Only once the guarded run found no overflow: this one would
         * corrupt the heap (ASan reports it). */
        if (check_case_failed) {
            free(out);
            free(guarded);
            break;
        }
        rc = cpuid_build(host, out, cap, &params);
        CHECK_EQ(rc, cap < need ? -1 : 0);
        CHECK(out->nent <= cap);
        if (cap == need) {
            CHECK_EQ(out->nent, need);
            CHECK(cpuid_find(out, 0x40000005, 0) != NULL);
        }
        free(out);
        free(guarded);
    }
    free(host);
}

int main(void)
{
    RUN(test_entry_count);
    RUN(test_kvm_leaves_removed);
    RUN(test_host_leaves_kept);
    RUN(test_leaf1);
    RUN(test_topology_leaves);
    RUN(test_xen_signature);
    RUN(test_xen_leaves);
    RUN(test_positive_shift);
    RUN(test_empty_host);
    RUN(test_find);
    RUN(test_capacity);
    return CHECK_DONE();
}
