/* Runs the TEST() cases of this guest and reports in the host's format. */
#include "lib.h"
#include "test.h"
#include <xen/sched.h>

extern const struct test_case __tests_start[], __tests_end[];

static bool failed, skipped;
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

void test_fail_eq(const char *file, int line, const char *expr,
                  long long got, long long want)
{
    bool small = got > -65536 && got < 65536 && want > -65536 && want < 65536;

    if (small)
        test_fail(file, line, "%s = %lld, want %lld", expr, got, want);
    else
        test_fail(file, line, "%s = 0x%llx, want 0x%llx", expr,
                  (unsigned long long)got, (unsigned long long)want);
}

void test_skip(const char *fmt, ...)
{
    va_list ap;

    if (failed || skipped)
        return;
    skipped = true;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
}

bool test_failed(void)
{
    return failed;
}

void run_tests(void)
{
    const struct test_case *t;
    unsigned int pass = 0, fail = 0, skip = 0;
    const char *why;

    for (t = __tests_start; t < __tests_end; t++) {
        failed = skipped = false;
        reason[0] = '\0';
        if ((why = kvm_transport_skip(t->name))) {
            skip++;
            printf("SKIP: %s: %s\n", t->name, why);
            continue;
        }
        t->fn();
        if (failed) {
            fail++;
            printf("FAIL: %s: %s\n", t->name, reason);
        } else if (skipped) {
            skip++;
            printf("SKIP: %s: %s\n", t->name, reason);
        } else {
            pass++;
            printf("PASS: %s\n", t->name);
        }
    }
    printf("RESULT: %u passed, %u failed, %u skipped\n", pass, fail, skip);
    guest_shutdown(fail ? SHUTDOWN_crash : SHUTDOWN_poweroff);
}
