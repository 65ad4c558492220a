/*
 * The hypercall register ABI: besides the return register and the
 * argument registers (which Xen may clobber), a hypercall preserves
 * every register.  Fill them with patterns, call, and compare.
 */
#include "hc.h"

#ifdef __x86_64__
#define CHECK(reg, bit, pat) \
    "mov $" pat ", %%rsi\n\tcmp %%rsi, %%" reg "\n\tje 1f\n\tor $" bit ", %%rdx\n1:\n\t"

static unsigned long changed_regs(void)
{
    unsigned long bad;
    void *fn = hypercall_page + __HYPERVISOR_xen_version * 32;

    __asm__ volatile(
        "push %%rbp\n\t"
        "mov $0x1111111111111111, %%rbx\n\t"
        "mov $0x2222222222222222, %%rcx\n\t"
        "mov $0x3333333333333333, %%rbp\n\t"
        "mov $0x4444444444444444, %%r9\n\t"
        "mov $0x5555555555555555, %%r11\n\t"
        "mov $0x6666666666666666, %%r12\n\t"
        "mov $0x7777777777777777, %%r13\n\t"
        "mov $0x0888888888888888, %%r14\n\t"
        "mov $0x0999999999999999, %%r15\n\t"
        "xor %%edi, %%edi\n\t"
        "xor %%esi, %%esi\n\t"
        "call *%%rax\n\t"
        "xor %%edx, %%edx\n\t"
        CHECK("rbx", "0x001", "0x1111111111111111")
        CHECK("rcx", "0x002", "0x2222222222222222")
        CHECK("rbp", "0x004", "0x3333333333333333")
        CHECK("r9",  "0x008", "0x4444444444444444")
        CHECK("r11", "0x010", "0x5555555555555555")
        CHECK("r12", "0x020", "0x6666666666666666")
        CHECK("r13", "0x040", "0x7777777777777777")
        CHECK("r14", "0x080", "0x0888888888888888")
        CHECK("r15", "0x100", "0x0999999999999999")
        "pop %%rbp\n\t"
        : "=d"(bad), "+a"(fn)
        :
        : "rbx", "rcx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12",
          "r13", "r14", "r15", "memory", "cc");
    return bad;
}
#else
static unsigned long changed_regs(void)
{
    unsigned long bad;
    void *fn = hypercall_page + __HYPERVISOR_xen_version * 32;

    /* Only %ebp (and %esp) are not argument registers in 32-bit mode. */
    __asm__ volatile(
        "push %%ebp\n\t"
        "mov $0x33333333, %%ebp\n\t"
        "xor %%ebx, %%ebx\n\t"
        "xor %%ecx, %%ecx\n\t"
        "call *%%eax\n\t"
        "xor %%edx, %%edx\n\t"
        "cmp $0x33333333, %%ebp\n\t"
        "je 1f\n\t"
        "or $0x004, %%edx\n"
        "1:\n\t"
        "pop %%ebp\n\t"
        : "=d"(bad), "+a"(fn)
        :
        : "ebx", "ecx", "esi", "edi", "memory", "cc");
    return bad;
}
#endif

TEST(abi_registers_preserved)
{
    /* Bits: rbx rcx rbp r9 r11 r12 r13 r14 r15 (64-bit), ebp (32-bit). */
    EXPECT_EQ(changed_regs(), 0);
}
