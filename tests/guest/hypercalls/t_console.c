/* console_io: xen/drivers/char/console.c do_console_io + XSM dummy policy. */
#include "hc.h"

static long read_rc;

TEST(console_write)
{
    static const char msg[] = "console_io: hello from the test guest\n";

    EXPECT_EQ(xen_console_write(msg, sizeof(msg) - 1), 0);
}

TEST(console_write_zero_length)
{
    EXPECT_EQ(HYPERVISOR_console_io(CONSOLEIO_write, 0, NULL), 0);
}

/* guest_console_write drops what Xen's ctype does not call printable
 * (tab stays), ends a part at a newline, and holds a line until its
 * newline or until it passes DOMAIN_PBUF_SIZE (200).  The host side of
 * these is checked on the VMM's output by tests/cli/guest_output.sh. */
TEST(console_write_filtered)
{
    static const char msg[] = "console_io filter: a\001b\tc\177\033[1md\351\000e\200f\n";

    EXPECT_EQ(xen_console_write(msg, sizeof(msg) - 1), 0);
}

TEST(console_write_long_line)
{
    static char msg[17 + 300 + 1] = "console_io long: ";

    memset(msg + 17, 'y', 300);
    msg[317] = '\n';
    EXPECT_EQ(xen_console_write(msg, sizeof(msg)), 0);
}

/* A long write goes on in continuations (Xen's hypercall_preempt_check
 * between parts): the guest re-enters with its argument registers set to
 * what is left, as Xen's hypercall_create_continuation leaves them. */
static uint8_t zeroes[256 * 1024];

TEST(console_write_continues)
{
    unsigned long cmd = CONSOLEIO_write, count = sizeof(zeroes);
    unsigned long buf = (unsigned long)zeroes;
    long ret;
    void *fn = hypercall_page + __HYPERVISOR_console_io * 32;

#ifdef __x86_64__
    __asm__ volatile("call *%%rax"
                     : "=a"(ret), "+D"(cmd), "+S"(count), "+d"(buf)
                     : "0"(fn)
                     : "memory", "cc", "r10", "r8");
#else
    __asm__ volatile("call *%%eax"
                     : "=a"(ret), "+b"(cmd), "+c"(count), "+d"(buf)
                     : "0"(fn)
                     : "memory", "cc", "esi", "edi");
#endif
    EXPECT_EQ(ret, 0);
    EXPECT_EQ(cmd, CONSOLEIO_write);
    /* Continued at least once, with a consistent handle and count. */
    REQUIRE(EXPECT_GE(count, 1));
    EXPECT_LE(count, sizeof(zeroes) - 1);
    EXPECT_EQ(buf, (unsigned long)zeroes + sizeof(zeroes) - count);
}

TEST(console_write_efault)
{
    EXPECT_EQ(HYPERVISOR_console_io(CONSOLEIO_write, 8, BAD_PTR), XERR(EFAULT));
}

TEST(console_read)
{
    char buf[64];

    /*
     * xsm_console_io() lets a domain without is_console write (debug
     * builds) but denies it everything else, so CONSOLEIO_read is -EPERM;
     * a console domain reads 0..count bytes of the serial ring.
     */
    read_rc = HYPERVISOR_console_io(CONSOLEIO_read, sizeof(buf), buf);
    if (read_rc != XERR(EPERM)) {
        EXPECT_GE(read_rc, 0);
        EXPECT_LE(read_rc, sizeof(buf));
    }
}

TEST(console_unknown_cmd)
{
    /* The XSM check comes before the switch: an unknown command is -EPERM
     * wherever CONSOLEIO_read was, -ENOSYS for a console domain. */
    long want = read_rc == XERR(EPERM) ? XERR(EPERM) : XERR(ENOSYS);

    EXPECT_EQ(HYPERVISOR_console_io(0x7f, 0, NULL), want);
}
