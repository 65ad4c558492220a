/* The contracts between xl and the VMM that live in lib/: the exit status
 * <-> shutdown reason mappings, and the limits xl enforces on a config
 * being the ones the VMM enforces on its options. */
#include <stdlib.h>
#include <xen/sched.h>

#include "check.h"
#include "domain_limits.h"
#include "xl-compat/domcfg.h"
#include "exit_codes.h"

/* Every reason a guest can give comes back from its exit status. */
static void test_exit_round_trip(void)
{
    static const unsigned reasons[] = { SHUTDOWN_poweroff, SHUTDOWN_reboot,
        SHUTDOWN_suspend, SHUTDOWN_crash, SHUTDOWN_watchdog, SHUTDOWN_soft_reset };

    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
        CHECK_EQ(xk_shutdown_for_exit(xk_exit_for_shutdown(reasons[i])), reasons[i]);
    CHECK_EQ(xk_exit_for_shutdown(SHUTDOWN_poweroff), 0);
    CHECK_EQ(xk_exit_for_shutdown(SHUTDOWN_reboot), 10);
    CHECK_EQ(xk_exit_for_shutdown(SHUTDOWN_soft_reset), 14);
}

/* A reason Xen does not define is a crash, as Xen's domain_shutdown does. */
static void test_exit_unknown_reason(void)
{
    CHECK_EQ(xk_exit_for_shutdown(99), XK_EXIT_CRASH);
    CHECK_EQ(xk_exit_for_shutdown(0xffffffffu), XK_EXIT_CRASH);
}

/* Statuses no guest chose: a triple fault reboots (Xen's default
 * HVM_PARAM_TRIPLE_FAULT_REASON), a VMM that failed crashed the domain,
 * one stopped from outside was destroyed. */
static void test_exit_vmm_statuses(void)
{
    CHECK_EQ(xk_shutdown_for_exit(XK_EXIT_TRIPLE_FAULT), SHUTDOWN_reboot);
    CHECK_EQ(xk_shutdown_for_exit(XK_EXIT_INTERNAL), SHUTDOWN_crash);
    CHECK_EQ(xk_shutdown_for_exit(XK_EXIT_VMM_ERROR), SHUTDOWN_crash);
    CHECK_EQ(xk_shutdown_for_exit(XK_EXIT_KILLED), -1);
    CHECK_EQ(xk_shutdown_for_exit(XK_EXIT_USAGE), -1);
    CHECK_EQ(xk_shutdown_for_exit(127), -1);        /* exec failed */
    CHECK_EQ(xk_shutdown_for_exit(-1), -1);
}

/* Parse TEXT; return domcfg_parse's result and the diagnostics in *DIAG. */
static int parse(const char *text, char **diag)
{
    struct domcfg dc;
    size_t sz;
    FILE *d = open_memstream(diag, &sz);
    int rc = domcfg_parse(&dc, "g.cfg", text, strlen(text), NULL, 0, d);

    fclose(d);
    if (rc == 0)
        domcfg_free(&dc);
    return rc;
}

static int parse_quiet(const char *text)
{
    char *diag;
    int rc = parse(text, &diag);

    free(diag);
    return rc;
}

static void test_limits_memory(void)
{
    char cfg[128];

    snprintf(cfg, sizeof(cfg), "name=\"g\"\nkernel=\"/k\"\nmemory=%d\n", XK_MEM_MIN_MIB - 1);
    CHECK_EQ(parse_quiet(cfg), -1);             /* memory=1 fails in xl, not the VMM */
    snprintf(cfg, sizeof(cfg), "name=\"g\"\nkernel=\"/k\"\nmemory=%d\n", XK_MEM_MIN_MIB);
    CHECK_EQ(parse_quiet(cfg), 0);
    snprintf(cfg, sizeof(cfg), "name=\"g\"\nkernel=\"/k\"\nmemory=%llu\n", XK_MEM_MAX_MIB);
    CHECK_EQ(parse_quiet(cfg), 0);
    snprintf(cfg, sizeof(cfg), "name=\"g\"\nkernel=\"/k\"\nmemory=%llu\n", XK_MEM_MAX_MIB + 1);
    CHECK_EQ(parse_quiet(cfg), -1);
    snprintf(cfg, sizeof(cfg), "name=\"g\"\nkernel=\"/k\"\nmaxmem=%llu\n", XK_MEM_MAX_MIB + 1);
    CHECK_EQ(parse_quiet(cfg), -1);
}

static void test_limits_vcpus(void)
{
    char cfg[128];

    snprintf(cfg, sizeof(cfg), "name=\"g\"\nkernel=\"/k\"\nvcpus=%d\n", XK_MAX_VCPUS);
    CHECK_EQ(parse_quiet(cfg), 0);
    snprintf(cfg, sizeof(cfg), "name=\"g\"\nkernel=\"/k\"\nvcpus=%d\n", XK_MAX_VCPUS + 1);
    CHECK_EQ(parse_quiet(cfg), -1);
    snprintf(cfg, sizeof(cfg), "name=\"g\"\nkernel=\"/k\"\nmaxvcpus=%d\n", XK_MAX_VCPUS + 1);
    CHECK_EQ(parse_quiet(cfg), -1);
}

static void test_limits_name(void)
{
    char cfg[XK_NAME_MAX + 64], *diag;
    int n = snprintf(cfg, sizeof(cfg), "kernel=\"/k\"\nname=\"");

    memset(cfg + n, 'a', XK_NAME_MAX);
    strcpy(cfg + n + XK_NAME_MAX, "\"\n");
    CHECK_EQ(parse_quiet(cfg), 0);
    memset(cfg + n, 'a', XK_NAME_MAX + 1);
    strcpy(cfg + n + XK_NAME_MAX + 1, "\"\n");
    CHECK_EQ(parse(cfg, &diag), -1);
    CHECK(strstr(diag, "`name' is 241 bytes long; at most 240") != NULL);
    free(diag);
}

/* A 900 KB command line gets a message from xl instead of an exec that
 * fails with status 127; one at the limit passes. */
static void test_limits_cmdline(void)
{
    size_t big = 900 * 1024;
    char *cfg = malloc(big + 64), *diag;
    int n = sprintf(cfg, "name=\"g\"\nkernel=\"/k\"\ncmdline=\"");

    memset(cfg + n, 'x', big);
    strcpy(cfg + n + big, "\"\n");
    CHECK_EQ(parse(cfg, &diag), -1);
    CHECK(strstr(diag, "the kernel command line is 921601 bytes; at most 65536") != NULL);
    free(diag);
    memset(cfg + n, 'x', XK_CMDLINE_MAX - 1);
    strcpy(cfg + n + XK_CMDLINE_MAX - 1, "\"\n");
    CHECK_EQ(parse_quiet(cfg), 0);
    strcpy(cfg + n + XK_CMDLINE_MAX - 1, "y\"\n");
    CHECK_EQ(parse_quiet(cfg), -1);
    /* root= and extra= make the command line too */
    n = sprintf(cfg, "name=\"g\"\nkernel=\"/k\"\nroot=\"/dev/xvda\"\nextra=\"");
    memset(cfg + n, 'x', XK_CMDLINE_MAX);
    strcpy(cfg + n + XK_CMDLINE_MAX, "\"\n");
    CHECK_EQ(parse_quiet(cfg), -1);
    free(cfg);
}

int main(void)
{
    RUN(test_exit_round_trip);
    RUN(test_exit_unknown_reason);
    RUN(test_exit_vmm_statuses);
    RUN(test_limits_memory);
    RUN(test_limits_vcpus);
    RUN(test_limits_name);
    RUN(test_limits_cmdline);
    return CHECK_DONE();
}
