/* xl.cfg(5) syntax: scanner, LALR(1) automaton and settings store.
 *
 * The language and the diagnostics are those of Xen 4.17's libxlu
 * (tools/libs/util/libxlu_cfg_l.l, libxlu_cfg_y.y, libxlu_cfg.c); the code
 * is our own.  Behaviour worth knowing, all of it libxlu's:
 *  - identifiers are [a-z][._0-9a-z]*, numbers [0-9][0-9a-fx]* (kept as
 *    text); anything else outside a string is a "lexical error" that
 *    swallows the rest of its whitespace-delimited word;
 *  - a comment needs its newline: `#...` at the end of the text without one
 *    is a lexical error (unless it is a lone `#`);
 *  - string escapes \" \' \\ \a \b \f \n \r \t \v are honoured; `\x..` is
 *    always an error, and a digit escape `\D` swallows the next two or
 *    three decimal characters and produces nothing (libxlu's dequote);
 *  - the parser is bison's: default reductions, error recovery at the
 *    statement level by `error NEWLINE`, no report for a new error until
 *    three tokens were shifted, a stack of at most 10000 states;
 *  - error line numbers are computed as libxlu does, which for an
 *    unexpected newline is the line before it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_parse.h"

/* ---- settings store ---------------------------------------------------- */

struct setting {
    struct cfg_setting pub;     /* first: the public view */
    char *name;
    struct cfg_value *value;
    struct setting *prev, *next, *hnext;
};

struct cfg {
    struct setting *head, *tail;
    struct setting **buckets;
    size_t nbuckets, count;
    char **sources;             /* every source name seen, owned here */
    size_t nsources;
};

static void value_free(struct cfg_value *v)
{
    size_t i;

    if (!v)
        return;
    if (v->type == CFG_LIST) {
        for (i = 0; i < v->n; i++)
            value_free(v->items[i]);
        free(v->items);
    }
    free(v->str);
    free(v);
}

static void setting_free(struct setting *s)
{
    if (!s)
        return;
    free(s->name);
    value_free(s->value);
    free(s);
}

struct cfg *cfg_new(void)
{
    struct cfg *c = calloc(1, sizeof(*c));

    if (!c)
        return NULL;
    c->nbuckets = 64;
    c->buckets = calloc(c->nbuckets, sizeof(*c->buckets));
    if (!c->buckets) {
        free(c);
        return NULL;
    }
    return c;
}

void cfg_free(struct cfg *c)
{
    struct setting *s, *n;
    size_t i;

    if (!c)
        return;
    for (s = c->head; s; s = n) {
        n = s->next;
        setting_free(s);
    }
    for (i = 0; i < c->nsources; i++)
        free(c->sources[i]);
    free(c->sources);
    free(c->buckets);
    free(c);
}

static size_t name_hash(const char *s)
{
    size_t h = 5381;

    while (*s)
        h = h * 33 + (unsigned char)*s++;
    return h;
}

static struct setting *lookup(const struct cfg *c, const char *name)
{
    struct setting *s;

    for (s = c->buckets[name_hash(name) % c->nbuckets]; s; s = s->hnext)
        if (!strcmp(s->name, name))
            return s;
    return NULL;
}

const struct cfg_setting *cfg_get(const struct cfg *c, const char *name)
{
    struct setting *s = lookup(c, name);

    return s ? &s->pub : NULL;
}

const struct cfg_setting *cfg_first(const struct cfg *c)
{
    return c->head ? &c->head->pub : NULL;
}

static void unlink_setting(struct cfg *c, struct setting *s)
{
    struct setting **pp = &c->buckets[name_hash(s->name) % c->nbuckets];

    while (*pp != s)
        pp = &(*pp)->hnext;
    *pp = s->hnext;
    if (s->prev)
        s->prev->next = s->next;
    else
        c->head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    else
        c->tail = s->prev;
    if (s->prev)
        s->prev->pub.next = s->next ? &s->next->pub : NULL;
    c->count--;
}

static int grow_buckets(struct cfg *c)
{
    size_t n = c->nbuckets * 2, i;
    struct setting **b = calloc(n, sizeof(*b)), *s, *next;

    if (!b)
        return -1;
    for (i = 0; i < c->nbuckets; i++)
        for (s = c->buckets[i]; s; s = next) {
            next = s->hnext;
            s->hnext = b[name_hash(s->name) % n];
            b[name_hash(s->name) % n] = s;
        }
    free(c->buckets);
    c->buckets = b;
    c->nbuckets = n;
    return 0;
}

static int link_setting(struct cfg *c, struct setting *s)
{
    size_t h;

    if (c->count >= c->nbuckets && grow_buckets(c))
        return -1;
    h = name_hash(s->name) % c->nbuckets;
    s->hnext = c->buckets[h];
    c->buckets[h] = s;
    s->prev = c->tail;
    s->next = NULL;
    if (c->tail) {
        c->tail->next = s;
        c->tail->pub.next = &s->pub;
    } else
        c->head = s;
    c->tail = s;
    s->pub.next = NULL;
    c->count++;
    return 0;
}

static const char *intern_source(struct cfg *c, const char *source)
{
    char **n, *copy;
    size_t i;

    for (i = 0; i < c->nsources; i++)
        if (!strcmp(c->sources[i], source))
            return c->sources[i];
    copy = strdup(source);
    n = realloc(c->sources, (c->nsources + 1) * sizeof(*n));
    if (!copy || !n) {
        free(copy);
        if (n)
            c->sources = n;
        return NULL;
    }
    c->sources = n;
    c->sources[c->nsources++] = copy;
    return copy;
}

/* ---- values ------------------------------------------------------------ */

static struct cfg_value *string_mk(char *s, int line)
{
    struct cfg_value *v = calloc(1, sizeof(*v));

    if (!v)
        return NULL;
    v->type = CFG_STRING;
    v->line = line;
    v->str = s;
    v->len = strlen(s);
    v->cap = v->len + 1;
    return v;
}

static struct cfg_value *list_mk(int line)
{
    struct cfg_value *v = calloc(1, sizeof(*v));

    if (!v)
        return NULL;
    v->type = CFG_LIST;
    v->line = line;
    return v;
}

static int list_reserve(struct cfg_value *l, size_t more)
{
    struct cfg_value **items;
    size_t want = l->n + more, n = l->nalloc ? l->nalloc : 4;

    if (want <= l->nalloc)
        return 0;
    while (n < want) {
        if (n > SIZE_MAX / 2 / sizeof(*items))
            return -1;
        n *= 2;
    }
    items = realloc(l->items, n * sizeof(*items));
    if (!items)
        return -1;
    l->items = items;
    l->nalloc = n;
    return 0;
}

static int list_append(struct cfg_value *l, struct cfg_value *v)
{
    if (list_reserve(l, 1))
        return -1;
    l->items[l->n++] = v;
    return 0;
}

/* PREV += ADD: PREV grows in place (its buffers double, so a long series of
 * `+=` stays linear), ADD is consumed. */
static int concat_values(struct cfg_value *prev, struct cfg_value *add)
{
    if (add->type == CFG_STRING) {
        if (prev->len + add->len + 1 > prev->cap) {
            size_t cap = prev->cap * 2;
            char *s;

            if (cap < prev->len + add->len + 1)
                cap = prev->len + add->len + 1;
            s = realloc(prev->str, cap);
            if (!s)
                return -1;
            prev->str = s;
            prev->cap = cap;
        }
        memcpy(prev->str + prev->len, add->str, add->len + 1);
        prev->len += add->len;
    } else {
        if (list_reserve(prev, add->n))
            return -1;
        if (add->n)
            memcpy(prev->items + prev->n, add->items, add->n * sizeof(*add->items));
        prev->n += add->n;
        add->n = 0;
    }
    prev->line = add->line;
    value_free(add);
    return 0;
}

/* ---- scanner ----------------------------------------------------------- */

enum tok {
    T_END, T_ERROR, T_UNDEF, T_IDENT, T_STRING, T_NUMBER, T_NEWLINE,
    T_ADD, T_EQ, T_SEMI, T_LB, T_RB, T_COMMA, NTOKENS
};

/* bison's names for the tokens (as its error messages show them) */
static const char *const tok_name[NTOKENS] = {
    "$end", "error", "$undefined", "IDENT", "STRING", "NUMBER", "NEWLINE",
    "+=", "'='", "';'", "'['", "']'", "','",
};

struct parse {
    struct cfg *cfg;
    const char *source;
    FILE *report;
    const char *s;
    size_t len, pos;
    int lineno;                 /* flex's yylineno */
    const char *text;           /* flex's yytext / yyleng: the last match */
    size_t leng;
    char eof_text[2];           /* yytext at the end of input */
    int tok_line;               /* yylloc.first_line of the last token */
    char *tok_val;              /* the last token's string (IDENT, ...) */
    int err;                    /* libxlu's ctx->err: nothing is stored once set */
    int lexerrlineno;
    bool likely_python;
    bool nomem;
};

static bool is_lower(int c) { return c >= 'a' && c <= 'z'; }
static bool is_digit(int c) { return c >= '0' && c <= '9'; }

/* libxlu's xlu__cfg_yyerror: the message names the last matched text. */
static void yyerror(struct parse *p, int line, const char *msg)
{
    const char *text = p->text, *newline = "";
    size_t len = p->leng, shown;
    int lineno = line;

    if (lineno <= p->lexerrlineno)
        return;
    if (len > 0 && text[len - 1] == '\n') {
        len--;
        lineno--;
        if (!len)
            newline = "<newline>";
    }
    while (len > 0 && (text[len - 1] == '\t' || text[len - 1] == ' '))
        len--;
    if (p->report) {
        shown = strnlen(text, len);     /* printf's %.*s stops at a NUL */
        fprintf(p->report, "%s:%d: config parsing error near %s%.*s%s%s: %s\n",
                p->source, lineno, len ? "`" : "", (int)shown, text,
                len ? "'" : "", newline, msg);
    }
    if (!p->err)
        p->err = 1;
}

static void lexical_error(struct parse *p, const char *msg)
{
    int line = p->lineno;

    yyerror(p, line, msg);
    p->lexerrlineno = line;
}

/* Set yytext to S[START..POS) and count its newlines from FROM on. */
static void matched(struct parse *p, size_t start, size_t from)
{
    size_t i;

    for (i = from; i < p->pos; i++)
        if (p->s[i] == '\n')
            p->lineno++;
    p->text = p->s + start;
    p->leng = p->pos - start;
}

/* A strtoul(3) in base 10 over at most 3 bytes: how many it consumes. */
static size_t strtoul10_span(const char *b, size_t n)
{
    size_t i = 0, digits;

    while (i < n && (b[i] == ' ' || (b[i] >= '\t' && b[i] <= '\r')))
        i++;
    if (i < n && (b[i] == '+' || b[i] == '-'))
        i++;
    digits = i;
    while (i < n && is_digit((unsigned char)b[i]))
        i++;
    return i > digits ? i : 0;
}

/* libxlu's dequote of the string token at yytext (quotes included).  The
 * caller refuses tokens with a NUL byte; should one come, the string ends
 * before it, as it would in libxlu without its assertion. */
static char *dequote(struct parse *p)
{
    const char *src = p->text, *q, *end;
    size_t l = strnlen(p->text, p->leng);
    char *out, *o;

    out = malloc(l + 1);
    if (!out) {
        p->nomem = true;
        return NULL;
    }
    o = out;
    end = src + l - 1;
    for (q = src + 1; q < end;) {
        char c = *q++, nc;

        if (c != '\\') {
            *o++ = c;
            continue;
        }
        nc = *q++;                      /* at most src[l - 1] */
        switch (nc) {
        case '"': case '\'': case '\\': *o++ = nc; break;
        case 'a': *o++ = '\a'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'v': *o++ = '\v'; break;
        case 'x':
            /* libxlu skips a character more than it should and then needs
             * more digits than its two-character buffer holds: \x always
             * fails. */
            lexical_error(p, "invalid digit after backslash hexnumerical "
                          "character escape in quoted string");
            p->err = 1;
            goto out;
        default:
            if (nc >= '0' && nc <= '7') {
                /* libxlu parses up to three bytes after the digit as a
                 * decimal number and needs two of them; the value is
                 * dropped. */
                size_t avail = (size_t)(src + l - q), n;

                n = strtoul10_span(q, avail < 3 ? avail : 3);
                if (n <= 1) {
                    lexical_error(p, "invalid digit after backslash octalnumerical "
                                  "character escape in quoted string");
                    p->err = 1;
                    goto out;
                }
                q += n;
            } else {
                lexical_error(p, "invalid character after backlash in quoted string");
                p->err = 1;
                goto out;
            }
        }
    }
out:
    *o = 0;
    return out;
}

/* The length of the quoted string starting at POS, or 0 if unterminated
 * on its line (then the quote is an ordinary bad character). */
static size_t string_span(const struct parse *p, size_t pos)
{
    char quote = p->s[pos];
    size_t i = pos + 1;

    while (i < p->len) {
        char c = p->s[i];

        if (c == quote)
            return i + 1 - pos;
        if (c == '\n')
            return 0;
        if (c == '\\') {
            if (i + 1 >= p->len || p->s[i + 1] == '\n')
                return 0;
            i += 2;
        } else
            i++;
    }
    return 0;
}

static char *tok_strdup(struct parse *p)
{
    char *s;

    if (p->err)
        return NULL;
    s = malloc(p->leng + 1);
    if (!s) {
        p->nomem = true;
        return NULL;
    }
    memcpy(s, p->text, p->leng);
    s[p->leng] = 0;
    return s;
}

/* One token, as libxlu's flex scanner returns it.  Sets yytext, yylineno,
 * the token's line and, for IDENT/NUMBER/STRING, p->tok_val. */
static enum tok lex(struct parse *p)
{
    p->tok_val = NULL;
    for (;;) {
        size_t start = p->pos, n;
        unsigned char c;

        if (p->pos >= p->len) {
            /* flex at the end of its buffer: yytext is empty, yyleng 1;
             * the token's location stays the previous one. */
            p->eof_text[0] = 0;
            p->text = p->eof_text;
            p->leng = 1;
            return T_END;
        }
        c = (unsigned char)p->s[p->pos];
        if (is_lower(c)) {
            p->pos++;
            while (p->pos < p->len) {
                unsigned char d = (unsigned char)p->s[p->pos];

                if (!(is_lower(d) || is_digit(d) || d == '.' || d == '_'))
                    break;
                p->pos++;
            }
            matched(p, start, start);
            p->tok_line = p->lineno;
            p->tok_val = tok_strdup(p);
            return T_IDENT;
        }
        if (is_digit(c)) {
            p->pos++;
            while (p->pos < p->len) {
                unsigned char d = (unsigned char)p->s[p->pos];

                if (!(is_digit(d) || (d >= 'a' && d <= 'f') || d == 'x'))
                    break;
                p->pos++;
            }
            matched(p, start, start);
            p->tok_line = p->lineno;
            p->tok_val = tok_strdup(p);
            return T_NUMBER;
        }
        if (c == ' ' || c == '\t') {
            p->pos++;
            matched(p, start, start);
            continue;
        }
        if (c == ',' || c == '[' || c == ']' || c == '=' || c == ';' ||
            (c == '+' && p->pos + 1 < p->len && p->s[p->pos + 1] == '=')) {
            p->pos += c == '+' ? 2 : 1;
            matched(p, start, start);
            p->tok_line = p->lineno;
            switch (c) {
            case ',': return T_COMMA;
            case '[': return T_LB;
            case ']': return T_RB;
            case '=': return T_EQ;
            case ';': return T_SEMI;
            default: return T_ADD;
            }
        }
        if (c == '\n' || c == '#') {
            const char *nl = memchr(p->s + p->pos, '\n', p->len - p->pos);

            if (nl) {
                p->pos = (size_t)(nl - p->s) + 1;
                matched(p, start, start);
                p->tok_line = p->lineno - 1;
                return T_NEWLINE;
            }
            /* a comment without its newline: a bad character */
        }
        if ((c == '\'' || c == '"') && (n = string_span(p, p->pos))) {
            p->pos += n;
            matched(p, start, start);
            p->tok_line = p->lineno;
            if (p->err)
                return T_STRING;
            if (memchr(p->text, 0, p->leng)) {
                /* libxlu asserts that the string has no NUL byte (xl
                 * aborts); xenkvm reports it. */
                lexical_error(p, "NUL character in quoted string");
                p->err = 1;
                return T_STRING;
            }
            p->tok_val = dequote(p);
            return T_STRING;
        }
        /* A character no rule takes: libxlu's lexerr state swallows the
         * rest of the word (or the one blank or newline that follows). */
        if (strchr("+,-.():", c) && c)
            p->likely_python = true;
        p->pos++;
        if (p->pos >= p->len) {
            /* end of input right after it: no error from the scanner,
             * yytext is the character (and flex's end-of-buffer byte) */
            p->eof_text[0] = (char)c;
            p->eof_text[1] = 0;
            p->text = p->eof_text;
            p->leng = 2;
            return T_END;
        }
        c = (unsigned char)p->s[p->pos];
        if (c == '\n') {
            p->pos++;
            matched(p, start, start);
            lexical_error(p, "lexical error");
            p->tok_line = p->lineno;
            return T_NEWLINE;
        }
        if (c == ' ' || c == '\t')
            p->pos++;
        else
            while (p->pos < p->len && p->s[p->pos] != ' ' && p->s[p->pos] != '\t' &&
                   p->s[p->pos] != '\n')
                p->pos++;
        matched(p, start, start);
        lexical_error(p, "lexical error");
    }
}

/* ---- parser ------------------------------------------------------------ */

/* Grammar rules (libxlu_cfg_y.y): the left-hand side and the length. */
enum nonterm { N_FILE, N_STMTS, N_STMT, N_ASSIGN, N_ENDSTMT, N_VALUE, N_ATOM,
               N_VALUELIST, N_VALUES, N_NLOK };

static const struct { enum nonterm lhs; int len; } rules[] = {
    [1] = { N_FILE, 1 },        /* file: stmts */
    [2] = { N_FILE, 2 },        /* file: stmts assignment */
    [3] = { N_STMTS, 0 },       /* stmts: */
    [4] = { N_STMTS, 2 },       /* stmts: stmts stmt */
    [5] = { N_STMT, 2 },        /* stmt: assignment endstmt */
    [6] = { N_STMT, 1 },        /* stmt: endstmt */
    [7] = { N_STMT, 2 },        /* stmt: error NEWLINE */
    [8] = { N_ASSIGN, 3 },      /* assignment: IDENT '=' value */
    [9] = { N_ASSIGN, 3 },      /* assignment: IDENT "+=" value */
    [10] = { N_ENDSTMT, 1 },    /* endstmt: NEWLINE */
    [11] = { N_ENDSTMT, 1 },    /* endstmt: ';' */
    [12] = { N_VALUE, 1 },      /* value: atom */
    [13] = { N_VALUE, 4 },      /* value: '[' nlok valuelist ']' */
    [14] = { N_ATOM, 1 },       /* atom: STRING */
    [15] = { N_ATOM, 1 },       /* atom: NUMBER */
    [16] = { N_VALUELIST, 0 },  /* valuelist: */
    [17] = { N_VALUELIST, 1 },  /* valuelist: values */
    [18] = { N_VALUELIST, 3 },  /* valuelist: values ',' nlok */
    [19] = { N_VALUES, 2 },     /* values: value nlok */
    [20] = { N_VALUES, 5 },     /* values: values ',' nlok value nlok */
    [21] = { N_NLOK, 0 },       /* nlok: */
    [22] = { N_NLOK, 2 },       /* nlok: nlok NEWLINE */
};

/* The LR(0) states of that grammar (the automaton bison builds for it):
 * each state's default reduction (0: none), whether it acts without a
 * lookahead, and its shifts. */
#define NSTATES 31
#define S_ERR 3                 /* stmt: error . NEWLINE */
#define S_STMTS 2               /* the only state that shifts `error` */
#define ACCEPT 100

static const struct {
    int defred;                 /* default reduction */
    bool consistent;            /* reduces without reading a token */
} states[NSTATES] = {
    [0] = { 3, true },  [5] = { 10, true }, [6] = { 11, true }, [7] = { 4, true },
    [8] = { 2, false }, [9] = { 6, true },  [10] = { 7, true }, [13] = { 5, true },
    [14] = { 14, true }, [15] = { 15, true }, [16] = { 21, true }, [17] = { 8, true },
    [18] = { 12, true }, [19] = { 9, true }, [20] = { 16, false }, [21] = { 22, true },
    [23] = { 17, false }, [24] = { 21, true }, [25] = { 13, true }, [26] = { 21, true },
    [27] = { 19, false }, [28] = { 18, false }, [29] = { 21, true }, [30] = { 20, false },
};

/* Explicit actions: > 0 shift to that state, < 0 reduce by that rule,
 * ACCEPT, 0 none (default reduction or error). */
static int action(int state, enum tok t)
{
    switch (state) {
    case 1:
        return t == T_END ? ACCEPT : 0;
    case 2:
        switch (t) {
        case T_END: return -1;
        case T_IDENT: return 4;
        case T_NEWLINE: return 5;
        case T_SEMI: return 6;
        default: return 0;
        }
    case 3:
        return t == T_NEWLINE ? 10 : 0;
    case 4:
        return t == T_ADD ? 12 : t == T_EQ ? 11 : 0;
    case 8:
        return t == T_NEWLINE ? 5 : t == T_SEMI ? 6 : 0;
    case 11: case 12: case 20: case 28:
        switch (t) {
        case T_STRING: return 14;
        case T_NUMBER: return 15;
        case T_LB: return 16;
        case T_NEWLINE: return state >= 20 ? 21 : 0;
        default: return 0;
        }
    case 22:
        return t == T_RB ? 25 : 0;
    case 23:
        return t == T_COMMA ? 26 : 0;
    case 27: case 30:
        return t == T_NEWLINE ? 21 : 0;
    default:
        return 0;
    }
}

static int go_to(int state, enum nonterm n)
{
    switch (n) {
    case N_FILE: return 1;
    case N_STMTS: return 2;
    case N_STMT: return 7;
    case N_ASSIGN: return 8;
    case N_ENDSTMT: return state == 8 ? 13 : 9;
    case N_VALUE:
        return state == 11 ? 17 : state == 12 ? 19 : state == 20 ? 24 : 29;
    case N_ATOM: return 18;
    case N_VALUELIST: return 22;
    case N_VALUES: return 23;
    case N_NLOK:
        return state == 16 ? 20 : state == 24 ? 27 : state == 26 ? 28 : 30;
    }
    return 0;
}

/* The tokens a state accepts, in token order, for "expecting ..." */
static int expected(int state, enum tok out[4])
{
    int n = 0, t;

    for (t = T_END; t < NTOKENS; t++)
        if (t != T_ERROR && action(state, (enum tok)t))
            out[n++] = (enum tok)t;
    return n;
}

#define MAXDEPTH 10000          /* bison's YYMAXDEPTH */

struct entry {
    int state;
    int line;                   /* the symbol's first line */
    char *str;                  /* IDENT, STRING, NUMBER, atom */
    struct cfg_value *val;      /* value, valuelist, values */
};

struct stack {
    struct entry *e;
    size_t n, alloc;
};

static void entry_clear(struct entry *e)
{
    free(e->str);
    value_free(e->val);
    e->str = NULL;
    e->val = NULL;
}

/* Push; false when bison would have run out of stack. */
static bool push(struct parse *p, struct stack *st, struct entry e)
{
    if (st->n + 1 >= MAXDEPTH) {
        entry_clear(&e);
        yyerror(p, p->tok_line, "memory exhausted");
        return false;
    }
    if (st->n == st->alloc) {
        size_t n = st->alloc ? st->alloc * 2 : 64;
        struct entry *ne = realloc(st->e, n * sizeof(*ne));

        if (!ne) {
            entry_clear(&e);
            p->nomem = true;
            return false;
        }
        st->e = ne;
        st->alloc = n;
    }
    st->e[st->n++] = e;
    return true;
}

static void store(struct parse *p, char *name, bool append, struct cfg_value *val,
                  int line)
{
    struct setting *prev, *s = NULL;

    if (p->err || !name || !val)
        goto out;
    s = calloc(1, sizeof(*s));
    if (!s || !(s->pub.source = intern_source(p->cfg, p->source))) {
        p->nomem = true;
        goto out;
    }
    prev = lookup(p->cfg, name);
    if (append && prev) {
        if (prev->value->type != val->type) {
            lexical_error(p, "can't add [list] to \"string\" or vice versa");
            p->err = 1;
            goto out;
        }
        if (concat_values(prev->value, val)) {
            p->nomem = true;
            goto out;
        }
        val = prev->value;
        prev->value = NULL;
    }
    if (prev) {
        unlink_setting(p->cfg, prev);
        setting_free(prev);
    }
    s->name = name;
    s->value = val;
    s->pub.name = name;
    s->pub.value = val;
    s->pub.append = append;
    s->pub.line = line;
    if (link_setting(p->cfg, s)) {
        p->nomem = true;
        setting_free(s);
    }
    return;
out:
    free(s);
    free(name);
    value_free(val);
}

/* Run the semantic action of rule R on the symbols E[0..len). */
static void reduce_action(struct parse *p, int r, struct entry *e, struct entry *res)
{
    switch (r) {
    case 8: case 9:
        store(p, e[0].str, r == 9, e[2].val, e[2].line);
        e[0].str = NULL;
        e[2].val = NULL;
        break;
    case 12:
        res->val = e[0].val;
        e[0].val = NULL;
        break;
    case 13:
        res->val = e[2].val;
        e[2].val = NULL;
        break;
    case 14: case 15:
        if (!p->err && e[0].str) {
            res->val = string_mk(e[0].str, e[0].line);
            if (res->val)
                e[0].str = NULL;
            else
                p->nomem = true;
        }
        break;
    case 16:
        if (!p->err && !(res->val = list_mk(p->tok_line)))
            p->nomem = true;
        break;
    case 17: case 18:
        res->val = e[0].val;
        e[0].val = NULL;
        break;
    case 19:
        if (!p->err && e[0].val) {
            res->val = list_mk(e[0].line);
            if (!res->val || list_append(res->val, e[0].val))
                p->nomem = true;
            else
                e[0].val = NULL;
        }
        break;
    case 20:
        res->val = e[0].val;
        e[0].val = NULL;
        if (!p->err && res->val && e[3].val) {
            if (list_append(res->val, e[3].val))
                p->nomem = true;
            else
                e[3].val = NULL;
        }
        break;
    default:
        break;
    }
}

static void syntax_error(struct parse *p, int state, enum tok t)
{
    enum tok exp[4];
    char msg[200];
    int n = expected(state, exp), i;
    size_t off;

    off = (size_t)snprintf(msg, sizeof(msg), "syntax error, unexpected %s", tok_name[t]);
    for (i = 0; i < n; i++)
        off += (size_t)snprintf(msg + off, sizeof(msg) - off, "%s%s",
                                i ? " or " : ", expecting ", tok_name[exp[i]]);
    yyerror(p, p->tok_line, msg);
}

static void run_parser(struct parse *p)
{
    struct stack st = { 0 };
    int errstatus = 0;
    bool have_tok = false;
    enum tok t = T_END;
    char *tval = NULL;
    int tline = 1;

    if (!push(p, &st, (struct entry){ .state = 0 }))
        goto done;
    while (!p->nomem) {
        int state = st.e[st.n - 1].state, act = 0, r;

        if (!states[state].consistent) {
            if (!have_tok) {
                t = lex(p);
                tval = p->tok_val;
                tline = p->tok_line;
                have_tok = true;
                if (p->nomem)
                    break;
            }
            act = action(state, t);
        }
        if (act == ACCEPT)
            break;
        if (act > 0) {
            if (errstatus)
                errstatus--;
            have_tok = false;
            if (!push(p, &st, (struct entry){ .state = act, .line = tline, .str = tval }))
                break;
            tval = NULL;
            continue;
        }
        r = act < 0 ? -act : states[state].defred;
        if (r) {
            struct entry res = { 0 }, *e;
            int len = rules[r].len;

            e = &st.e[st.n - (size_t)len];
            res.line = len ? e[0].line : (st.n ? st.e[st.n - 1].line : 1);
            reduce_action(p, r, e, &res);
            while (len-- > 0)
                entry_clear(&st.e[--st.n]);
            res.state = go_to(st.e[st.n - 1].state, rules[r].lhs);
            if (!push(p, &st, res))
                break;
            continue;
        }
        /* a syntax error, and bison's recovery */
        if (!errstatus)
            syntax_error(p, state, t);
        if (errstatus == 3) {
            if (t == T_END)
                break;
            free(tval);
            tval = NULL;
            have_tok = false;
        }
        errstatus = 3;
        while (st.e[st.n - 1].state != S_STMTS) {
            if (st.n == 1)
                goto done;
            entry_clear(&st.e[--st.n]);
        }
        if (!push(p, &st, (struct entry){ .state = S_ERR, .line = tline }))
            break;
    }
done:
    if (have_tok)
        free(tval);
    while (st.n)
        entry_clear(&st.e[--st.n]);
    free(st.e);
}

int cfg_parse(struct cfg *c, const char *source, const char *text, size_t len,
              FILE *report)
{
    struct parse p = {
        .cfg = c, .source = source, .report = report, .s = text, .len = len,
        .lineno = 1, .text = "", .tok_line = 1, .lexerrlineno = -1,
    };

    run_parser(&p);
    if (p.nomem) {
        if (report)
            fprintf(report, "%s: out of memory while parsing the configuration\n", source);
        return -1;
    }
    if (p.err && p.likely_python && report)
        fputs("warning: Config file looks like it contains Python code.\n"
              "warning:  Arbitrary Python is no longer supported.\n"
              "warning:  See https://wiki.xen.org/wiki/PythonInXlConfig\n", report);
    return p.err ? -1 : 0;
}
