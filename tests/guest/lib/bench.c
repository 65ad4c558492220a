/* Medians and ratio lines for the benchmark guests (bench.h). */
#include "bench.h"
#include "lib.h"

uint64_t bench_median(uint64_t *v, unsigned int n)
{
    for (unsigned int i = 1; i < n; i++)
        for (unsigned int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return v[n / 2];
}

void bench_print_ratio(const char *name, uint64_t num, uint64_t den)
{
    uint64_t r100 = den ? udiv64(num * 100 + den / 2, (uint32_t)den, NULL) : 0;

    printf("BENCH %s %llu.%02llu\n", name, (unsigned long long)(r100 / 100),
           (unsigned long long)(r100 % 100));
}
