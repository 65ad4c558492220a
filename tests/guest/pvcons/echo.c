/*
 * pvcons64.elf: a PV console frontend, as Linux's hvc_xen is one, for the
 * VMM's console backend (tests/cli/console.sh).  It sets a callback vector
 * (with interrupts off: it only makes "PV control available" true), writes
 *   pvcons: hello from the PV console ring of domain <N>
 * and then serves one command per input line:
 *   quit      writes "pvcons: bye" and powers off;
 *   flood N   writes N lines of 64 bytes ("flood 000001 ..."), then
 *             "pvcons: flood done N";
 *   other     writes "echo: <line>".
 * With "exit" on its command line it powers off after the greeting.
 * No input for 60 s, or a ring that misbehaves, crashes the domain.
 */
#include "lib.h"
#include "x86.h"
#include "hypercall.h"
#include "xen_guest.h"
#include "shinfo.h"
#include "apic.h"
#include "evtchn.h"
#include "pvcons.h"

#define IDLE_NS (60 * 1000000000ull)

static void fail(const char *what)
{
    printf("pvcons64: FAILED: %s\n", what);
    guest_shutdown(SHUTDOWN_crash);
}

static unsigned int parse_uint(const char *s)
{
    unsigned int n = 0;

    while (*s >= '0' && *s <= '9')
        n = n * 10 + (unsigned int)(*s++ - '0');
    return n;
}

static void flood(unsigned int lines)
{
    /* 64 bytes a line; only the counter changes. */
    char line[] = "flood 000000 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVW\n";

    for (unsigned int i = 1; i <= lines; i++) {
        unsigned int v = i;
        for (int d = 11; d >= 6; d--) {
            line[d] = (char)('0' + v % 10);
            v /= 10;
        }
        if (pvcons_write(line, sizeof(line) - 1) != (int)sizeof(line) - 1)
            fail("flood: the backend took no output for 10 s");
    }
    pvcons_printf("pvcons: flood done %u\n", lines);
}

void guest_main(void)
{
    char line[256];

    if (!pvcons_init())
        fail("no console ring (HVM_PARAM_CONSOLE_PFN / _EVTCHN)");
    cli();
    lapic_enable();
    if (ev_via_vector())
        fail("HVM_PARAM_CALLBACK_IRQ");
    printf("pvcons64: domid %u, console port %u\n", xen.domid, pvcons_port);
    if (pvcons_printf("pvcons: hello from the PV console ring of domain %u\n",
                      xen.domid) < 0)
        fail("writing the greeting");
    if (strstr(start_cmdline(), "exit"))
        guest_shutdown(SHUTDOWN_poweroff);
    for (;;) {
        if (!pvcons_read_line(line, sizeof(line), IDLE_NS))
            fail("no input for 60 s");
        if (!strcmp(line, "quit")) {
            pvcons_printf("pvcons: bye\n");
            guest_shutdown(SHUTDOWN_poweroff);
        } else if (!strncmp(line, "flood ", 6)) {
            flood(parse_uint(line + 6));
        } else if (pvcons_printf("echo: %s\n", line) < 0) {
            fail("writing an echo");
        }
    }
}
