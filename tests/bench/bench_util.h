/* Small helpers the host-side benchmarks share: a monotonic clock in
 * microseconds and the comparison qsort needs for medians. */
#ifndef XK_BENCH_UTIL_H
#define XK_BENCH_UTIL_H

#include <time.h>

static inline double bench_now_us(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

/* qsort's comparison for doubles, ascending. */
static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

#endif
