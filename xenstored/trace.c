/* The trace file (-T, as Xen's): one line per message in and out. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include "xenstored.h"

static FILE *tf;
static char *tpath;
bool xs_log_on = true;

const char *trace_path(void)
{
    return tpath;
}

void trace_open(const char *file)
{
    if (tf)
        fclose(tf);
    talloc_free(tpath);
    tpath = file ? talloc_strdup(NULL, file) : NULL;
    tf = file ? fopen(file, "ae") : NULL;
    if (tf)
        setvbuf(tf, NULL, _IOLBF, 0);
}

void trace_msg(struct conn *c, bool in, const struct xsd_sockmsg *h, const char *p)
{
    unsigned int i;

    if (!tf || !xs_log_on)
        return;
    fprintf(tf, "%s conn %u dom %u %s (req %u tx %u len %u) \"",
            in ? "IN " : "OUT", c->unique, c->id, proto_type_name(h->type),
            h->req_id, h->tx_id, h->len);
    for (i = 0; i < h->len && i < 256; i++)
        fputc(p[i] == 0 ? ' ' : isprint((unsigned char)p[i]) ? p[i] : '.', tf);
    fputs(h->len > 256 ? "...\"\n" : "\"\n", tf);
}

void trace_note(const char *fmt, ...)
{
    va_list ap;

    if (!tf || !xs_log_on)
        return;
    va_start(ap, fmt);
    vfprintf(tf, fmt, ap);
    va_end(ap);
    fputc('\n', tf);
}
