/* Diagnostics shared by every xenkvm program: one prefix, one format. */
#ifndef XK_LOG_H
#define XK_LOG_H

#include <stdarg.h>
#include <stdnoreturn.h>

/* The program name printed before each message ("xenkvm", "xl", ...). */
void log_set_prog(const char *prog);
/* Verbosity: 0 errors and warnings, 1 info, 2 debug. */
void log_set_level(int level);
int log_level(void);

void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print the message (with strerror(errno) when it ends in ':') and exit. */
noreturn void die(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
