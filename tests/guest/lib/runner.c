/* Runs the TEST() cases of this guest and reports in the host's format. */
#include "lib.h"
#include "test.h"
#include <xen/sched.h>

extern const struct test_case __tests_start[], __tests_end[];

static bool failed;
static char reason[160];

static const char *base_name(const char *path)
{
    const char *p = path, *s;

    for (s = path; *s; s++)
        if (*s == '/')
            p = s + 1;
    return p;
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (failed)
        return;
    failed = true;
    n = snprintf(reason, sizeof(reason), "%s:%d: ", base_name(file), line);
    va_start(ap, fmt);
    vsnprintf(reason + n, sizeof(reason) - n, fmt, ap);
    va_end(ap);
}

bool test_failed(void)
{
    return failed;
}

void run_tests(void)
{
    const struct test_case *t;
    unsigned int pass = 0, fail = 0;

    for (t = __tests_start; t < __tests_end; t++) {
        failed = false;
        reason[0] = '\0';
        t->fn();
        if (failed) {
            fail++;
            printf("FAIL: %s: %s\n", t->name, reason);
        } else {
            pass++;
            printf("PASS: %s\n", t->name);
        }
    }
    printf("RESULT: %u passed, %u failed\n", pass, fail);
    guest_shutdown(fail ? SHUTDOWN_crash : SHUTDOWN_poweroff);
}
