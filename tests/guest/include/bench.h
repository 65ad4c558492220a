/* Helpers the benchmark guests share: medians and BENCH ratio lines. */
#ifndef GUEST_BENCH_H
#define GUEST_BENCH_H

#include <stdint.h>

/* Sorts V[0..N) in place and returns its median. */
uint64_t bench_median(uint64_t *v, unsigned int n);
/* Prints "BENCH NAME x.xx" for NUM / DEN, rounded to two decimals. */
void bench_print_ratio(const char *name, uint64_t num, uint64_t den);

#endif
