/*
 * Test cases.  TEST(name) defines a case and records it in the .tests
 * section; run_tests() runs them in link order and prints one line each:
 *   PASS: <name>
 *   FAIL: <name>: <file>:<line>: <what>
 *   SKIP: <name>: <why>   (the platform lacks what the case needs)
 * then "RESULT: <n> passed, <m> failed, <k> skipped" and shuts down
 * (poweroff if none failed, crash otherwise).
 */
#ifndef GUEST_TEST_H
#define GUEST_TEST_H

#include "lib.h"

struct test_case {
    const char *name;
    void (*fn)(void);
};

#define TEST(id)                                                         \
    static void test_##id(void);                                         \
    static const struct test_case tc_##id                                \
        __attribute__((used, section(".tests"), aligned(sizeof(void *))))\
        = { #id, test_##id };                                            \
    static void test_##id(void)

/* Records a failure for the running case (the first reason is kept). */
void test_fail(const char *file, int line, const char *fmt, ...) __printf(3, 4);
bool test_failed(void);
/* Marks the running case skipped (unless it already failed). */
void test_skip(const char *fmt, ...) __printf(1, 2);
void __noreturn run_tests(void);
/* The kvm hypercall transport (lib/kvm_transport.c): whether KVM filled
 * the hypercall page, and why case NAME skips there (NULL: it runs). */
bool hypercall_page_is_kvms(void);
const char *kvm_transport_skip(const char *name);

/* Records "expr = got, want want" (hex for large values). */
void test_fail_eq(const char *file, int line, const char *expr,
                  long long got, long long want);

#define EXPECT_EQ(got, want) ({                                          \
    long long g_ = (long long)(got), w_ = (long long)(want);            \
    if (g_ != w_)                                                        \
        test_fail_eq(__FILE__, __LINE__, #got, g_, w_);                  \
    g_ == w_; })

#define EXPECT_NE(got, bad) ({                                           \
    long long g_ = (long long)(got), b_ = (long long)(bad);             \
    if (g_ == b_)                                                        \
        test_fail(__FILE__, __LINE__, "%s = %lld, want anything else",   \
                  #got, g_);                                             \
    g_ != b_; })

/* Ordered comparisons, signed so that an error code is never "large". */
#define EXPECT_GE(got, min) ({                                           \
    long long g_ = (long long)(got), m_ = (long long)(min);             \
    if (g_ < m_)                                                         \
        test_fail(__FILE__, __LINE__, "%s = %lld, want >= %lld",         \
                  #got, g_, m_);                                         \
    g_ >= m_; })

#define EXPECT_LE(got, max) ({                                           \
    long long g_ = (long long)(got), m_ = (long long)(max);             \
    if (g_ > m_)                                                         \
        test_fail(__FILE__, __LINE__, "%s = %lld, want <= %lld",         \
                  #got, g_, m_);                                         \
    g_ <= m_; })

#define EXPECT_TRUE(cond) ({                                             \
    bool c_ = (cond);                                                    \
    if (!c_)                                                             \
        test_fail(__FILE__, __LINE__, "%s is false", #cond);             \
    c_; })

#define EXPECT_STREQ(got, want) ({                                       \
    const char *g_ = (got), *w_ = (want);                                \
    bool ok_ = !strcmp(g_, w_);                                          \
    if (!ok_)                                                            \
        test_fail(__FILE__, __LINE__, "%s = \"%s\", want \"%s\"",        \
                  #got, g_, w_);                                         \
    ok_; })

/* Stop the current case at the first failed check. */
#define REQUIRE(check) do { if (!(check)) return; } while (0)

/* Xen error numbers as the hypercalls return them. */
#define XERR(name) (-(long)XEN_##name)

#endif
