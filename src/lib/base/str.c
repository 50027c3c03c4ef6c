/*
 * str.c - small ASCII string helpers. Pure functions, thread-safe.
 */
#include "sh_base.h"

#include <ctype.h>

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

const char *sh_str_trim(const char *s, size_t *len)
{
    size_t n = *len;

    while (n && is_space(*s)) {
        s++;
        n--;
    }
    while (n && is_space(s[n - 1]))
        n--;
    *len = n;
    return s;
}

bool sh_str_startswith(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool sh_str_istartswith(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

void sh_ascii_lower(char *dst, const char *src, size_t n)
{
    const uint64_t hi = 0x8080808080808080ULL, lo7 = 0x7f7f7f7f7f7f7f7fULL;
    size_t i = 0;

    /* Eight bytes a step. With the top bits cleared no byte carries into
     * the next: h + 0x3f has its top bit set from 'A' up, h + 0x25 from
     * 'Z' + 1 up; bytes >= 0x80 (~x) stay as they are. */
    for (; n - i >= 8; i += 8) {
        uint64_t x, h, upper;
        memcpy(&x, src + i, 8);
        h = x & lo7;
        upper = (h + 0x3f3f3f3f3f3f3f3fULL) & ~(h + 0x2525252525252525ULL) & ~x & hi;
        x |= upper >> 2;
        memcpy(dst + i, &x, 8);
    }
    for (; i < n; i++) {
        char c = src[i];
        dst[i] = c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
    }
}

char *sh_str_lower(const char *s)
{
    char *d = sh_strdup(s);
    char *p;

    if (!d)
        return NULL;
    for (p = d; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return d;
}

bool sh_str_to_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    size_t i;

    if (len == 0)
        return false;
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        if (v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
        if (v > max)
            return false;
    }
    *out = v;
    return true;
}

size_t sh_u64_dec(char *out, uint64_t v)
{
    char tmp[20];
    size_t n = 0, i;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

char *sh_str_escape_hex(const char *s, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    char *o, *q;
    size_t i, cap;

    if (!sh_size_mul(&cap, n, 4) || !sh_size_add(&cap, cap, 1) || !(o = sh_malloc(cap)))
        return NULL;
    q = o;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
            *q++ = (char)c;
        } else {
            *q++ = '\\';
            *q++ = 'x';
            *q++ = hx[c >> 4];
            *q++ = hx[c & 15];
        }
    }
    *q = '\0';
    return o;
}
