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
