/* A small vsnprintf: enough formats for test reports, no floating point. */
#include "lib.h"

struct out {
    char *buf;
    size_t size, len;
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void put_num(struct out *o, uint64_t v, unsigned int base, bool upper,
                    bool neg, int width, bool zero, bool left)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0, pad;
    uint32_t r;

    do {
        v = udiv64(v, base, &r);
        tmp[n++] = digits[r];
    } while (v);
    pad = width - n - (neg ? 1 : 0);
    if (!left && !zero)
        for (; pad > 0; pad--)
            put(o, ' ');
    if (neg)
        put(o, '-');
    if (!left && zero)
        for (; pad > 0; pad--)
            put(o, '0');
    while (n)
        put(o, tmp[--n]);
    if (left)
        for (; pad > 0; pad--)
            put(o, ' ');
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0 };

    for (; *fmt; fmt++) {
        bool zero = false, left = false;
        int width = 0, lng = 0;
        uint64_t u;
        int64_t s;

        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        fmt++;
        for (;; fmt++) {
            if (*fmt == '0')
                zero = true;
            else if (*fmt == '-')
                left = true;
            else
                break;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        for (;; fmt++) {
            if (*fmt == 'l')
                lng++;
            else if (*fmt == 'z')
                lng = 1; /* size_t has the width of long here */
            else
                break;
        }

        switch (*fmt) {
        case 'd':
        case 'i':
            s = lng >= 2 ? va_arg(ap, long long)
                : lng ? va_arg(ap, long) : va_arg(ap, int);
            put_num(&o, s < 0 ? -(uint64_t)s : (uint64_t)s, 10, false, s < 0,
                    width, zero, left);
            break;
        case 'u':
        case 'x':
        case 'X':
            u = lng >= 2 ? va_arg(ap, unsigned long long)
                : lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
            put_num(&o, u, *fmt == 'u' ? 10 : 16, *fmt == 'X', false,
                    width, zero, left);
            break;
        case 'p':
            put(&o, '0');
            put(&o, 'x');
            put_num(&o, (uintptr_t)va_arg(ap, void *), 16, false, false,
                    width, zero, left);
            break;
        case 'c':
            put(&o, (char)va_arg(ap, int));
            break;
        case 's': {
            const char *str = va_arg(ap, const char *);
            int n;
            if (!str)
                str = "(null)";
            n = (int)strlen(str);
            if (!left)
                for (; width > n; width--)
                    put(&o, ' ');
            while (*str)
                put(&o, *str++);
            for (; width > n; width--)
                put(&o, ' ');
            break;
        }
        case '%':
            put(&o, '%');
            break;
        case '\0':
            fmt--;
            break;
        default:
            put(&o, '%');
            put(&o, *fmt);
            break;
        }
    }
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
