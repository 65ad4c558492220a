/* Freestanding helpers shared by every guest: strings, printing, numbers. */
#ifndef GUEST_LIB_H
#define GUEST_LIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PAGE_SIZE     4096ul
#define PAGE_SHIFT    12
#define __aligned(n)  __attribute__((aligned(n)))
#define __noreturn    __attribute__((noreturn))
#define __printf(a, b) __attribute__((format(printf, a, b)))

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strstr(const char *hay, const char *needle);

/* 64-bit by 32-bit division without libgcc (the 32-bit build has none). */
uint64_t udiv64(uint64_t n, uint32_t d, uint32_t *rem);

/* printf family: %s %d %i %u %x %X %p %c %%, l/ll/z sizes, width, 0 and -. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
int printf(const char *fmt, ...) __printf(1, 2);
void puts_e9(const char *s);

/* Write text through HYPERVISOR_console_io(CONSOLEIO_write); returns rc. */
long xen_console_write(const char *s, unsigned int len);
int xen_console_printf(const char *fmt, ...) __printf(1, 2);

/* Busy-wait using the TSC; tsc_khz comes from pvclock or a guess. */
void delay_us(uint64_t us);

/* Shut the domain down; never returns. */
void __noreturn guest_shutdown(unsigned int reason);

#endif
