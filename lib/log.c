#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *prog = "xenkvm";
static int level;

void log_set_prog(const char *p) { prog = p; }
void log_set_level(int l) { level = l; }
int log_level(void) { return level; }

/* A trailing ':' in the format asks for the errno text, as in err(3). */
static void vlog(const char *kind, const char *fmt, va_list ap)
{
    int saved = errno;
    char buf[1024];
    size_t n;

    vsnprintf(buf, sizeof(buf), fmt, ap);
    n = strlen(buf);
    if (n > 0 && buf[n - 1] == ':')
        fprintf(stderr, "%s: %s%s %s\n", prog, kind, buf, strerror(saved));
    else
        fprintf(stderr, "%s: %s%s\n", prog, kind, buf);
    errno = saved;
}

void log_err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("error: ", fmt, ap);
    va_end(ap);
}

void log_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("warning: ", fmt, ap);
    va_end(ap);
}

void log_info(const char *fmt, ...)
{
    va_list ap;
    if (level < 1)
        return;
    va_start(ap, fmt);
    vlog("", fmt, ap);
    va_end(ap);
}

void log_debug(const char *fmt, ...)
{
    va_list ap;
    if (level < 2)
        return;
    va_start(ap, fmt);
    vlog("debug: ", fmt, ap);
    va_end(ap);
}

void die(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("error: ", fmt, ap);
    va_end(ap);
    exit(status);
}
