/* The xl.cfg(5) file syntax as Xen 4.17's libxlu reads it: settings
 * `KEY = VALUE` or `KEY += VALUE`, ended by a newline or `;`, `#`
 * comments, quoted strings with libxlu's escapes, numbers (kept as their
 * text, as libxlu keeps them) and lists `[ ... ]` that may span lines.
 * A later setting of a key replaces an earlier one; `+=` appends to the
 * previous value of the same type (string to string, list to list).
 *
 * This is a hand-written scanner and LALR(1) automaton that accept the same
 * language as libxlu's flex scanner and bison grammar and report the same
 * diagnostics, including bison's error recovery (which decides which later
 * errors are reported), to a FILE:
 *
 *     FILE:LINE: config parsing error near `TOKEN': REASON
 *
 * Several texts (a file, then the command line's `key=value` overrides)
 * can be parsed into one configuration; settings remember their source and
 * line.  Only the newest setting of each name is kept, so memory stays
 * proportional to the input whatever it holds. */
#ifndef XL_CFG_PARSE_H
#define XL_CFG_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum cfg_vtype { CFG_STRING, CFG_LIST };

struct cfg_value {
    enum cfg_vtype type;
    int line;                   /* line of the value's first token */
    /* CFG_STRING: the dequoted string or the number's text */
    char *str;
    size_t len, cap;
    /* CFG_LIST: the items (strings or lists) */
    struct cfg_value **items;
    size_t n, nalloc;
};

struct cfg_setting {
    const char *name;
    const struct cfg_value *value;
    bool append;                /* stored by `+=` (xl refuses numbers set so) */
    int line;
    const char *source;         /* the text's name, e.g. the file name */
    const struct cfg_setting *next;  /* the next setting in storage order */
};

struct cfg;

/* An empty configuration; NULL when out of memory. */
struct cfg *cfg_new(void);
void cfg_free(struct cfg *c);

/* Parse TEXT (LEN bytes, any bytes) named SOURCE in messages into C.
 * Returns 0, or -1 after reporting each error to REPORT (NULL: silent), as
 * libxlu does; after a failure C may hold the settings stored before the
 * first error (xl gives up on such a file). */
int cfg_parse(struct cfg *c, const char *source, const char *text, size_t len,
              FILE *report);

/* The newest setting of NAME, or NULL. */
const struct cfg_setting *cfg_get(const struct cfg *c, const char *name);

/* Every setting, oldest first (by the time of its last assignment). */
const struct cfg_setting *cfg_first(const struct cfg *c);

#endif
