/* Minimal host-side unit test support: each case prints one line,
 * "PASS: name" or "FAIL: name: why", which tests/run counts. */
#ifndef XK_TEST_CHECK_H
#define XK_TEST_CHECK_H

#include <stdio.h>
#include <stdint.h>
#include <string.h>

static int check_failed_cases, check_passed_cases, check_case_failed;
static const char *check_case_name;

#define CHECK(cond) do {                                                   \
        if (!(cond)) {                                                     \
            if (!check_case_failed)                                        \
                printf("FAIL: %s: %s:%d: %s\n", check_case_name,            \
                       __FILE__, __LINE__, #cond);                         \
            check_case_failed = 1;                                         \
        }                                                                  \
    } while (0)

#define CHECK_EQ(a, b) do {                                                \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);    \
        if (check_a_ != check_b_) {                                        \
            if (!check_case_failed)                                        \
                printf("FAIL: %s: %s:%d: %s == %lld, expected %s == %lld\n",\
                       check_case_name, __FILE__, __LINE__, #a, check_a_,  \
                       #b, check_b_);                                      \
            check_case_failed = 1;                                         \
        }                                                                  \
    } while (0)

#define RUN(fn) do {                                                       \
        check_case_name = #fn;                                             \
        check_case_failed = 0;                                             \
        fn();                                                              \
        if (check_case_failed)                                             \
            check_failed_cases++;                                          \
        else {                                                             \
            check_passed_cases++;                                          \
            printf("PASS: %s\n", #fn);                                     \
        }                                                                  \
        fflush(stdout);                                                    \
    } while (0)

/* Exit status: 0 when every case passed. */
#define CHECK_DONE() (check_failed_cases ? 1 : 0)

#endif
