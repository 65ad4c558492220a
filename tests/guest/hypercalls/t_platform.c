/* The Xen platform device's fixed I/O ports (docs/misc/
 * hvm-emulated-unplug.pandoc) and the 0xe9 debug console.  What the log
 * port and 0xe9 print is checked by the host (tests/cli/guest_output.sh). */
#include "hc.h"

#define PORT_MAGIC   0x10
#define PORT_VERSION 0x12
#define UNPLUG_MAGIC 0x49d2

TEST(platform_unplug_protocol)
{
    /* 1. the magic, 2. the protocol version, 3.-4. product and build,
     * 5. the magic again (not blacklisted), 6. the unplug mask. */
    EXPECT_EQ(inw(PORT_MAGIC), UNPLUG_MAGIC);
    EXPECT_EQ(inb(PORT_VERSION), 1);
    outw(PORT_VERSION, 1);                  /* product number */
    outl(PORT_MAGIC, 12345);                /* build number */
    EXPECT_EQ(inw(PORT_MAGIC), UNPLUG_MAGIC);
    outw(PORT_MAGIC, 0x3);                  /* unplug disks and NICs */
    EXPECT_EQ(inw(PORT_MAGIC), UNPLUG_MAGIC);
}

TEST(platform_log_port)
{
    static const char msg[] = "platform log from the test guest\n";

    for (const char *p = msg; *p; p++)
        outb(PORT_VERSION, (uint8_t)*p);
}

TEST(debugcon_port)
{
    /* Bochs convention: reading 0xe9 returns 0xe9 when it is present. */
    EXPECT_EQ(inb(0xe9), 0xe9);
    /* An unclaimed port reads as all ones. */
    EXPECT_EQ(inb(0x3f), 0xff);
    EXPECT_EQ(inw(0x6a), 0xffff);
}
