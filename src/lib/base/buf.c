/*
 * buf.c - growable byte buffer with a hard maximum (curl dynbuf model).
 *
 * The buffer is always NUL-terminated once it holds anything. Growing past
 * `max` is SH_ELIMIT, never a crash. Single owner, not thread-safe.
 */
#include "sh_base.h"

#include <stdio.h>

void sh_buf_init(struct sh_buf *b, size_t max)
{
    b->ptr = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

static int grow(struct sh_buf *b, size_t extra)
{
    size_t need, cap;
    char *p;

    if (!sh_size_add(&need, b->len, extra) || !sh_size_add(&need, need, 1))
        return SH_ELIMIT;
    if (b->max && need > b->max + 1)
        return SH_ELIMIT;
    if (need <= b->cap)
        return SH_OK;
    cap = b->cap ? b->cap : 64;
    while (cap < need) {
        if (!sh_size_mul(&cap, cap, 2))
            return SH_ELIMIT;
    }
    if (b->max && cap > b->max + 1)
        cap = b->max + 1;
    p = sh_realloc(b->ptr, cap);
    if (!p)
        return SH_ENOMEM;
    b->ptr = p;
    b->cap = cap;
    return SH_OK;
}

int sh_buf_reserve(struct sh_buf *b, size_t extra)
{
    return grow(b, extra);
}

int sh_buf_add(struct sh_buf *b, const void *data, size_t len)
{
    int rc = grow(b, len);
    if (rc)
        return rc;
    if (len)
        memcpy(b->ptr + b->len, data, len);
    b->len += len;
    b->ptr[b->len] = '\0';
    return SH_OK;
}

int sh_buf_adds(struct sh_buf *b, const char *s)
{
    return sh_buf_add(b, s, strlen(s));
}

int sh_buf_addc(struct sh_buf *b, char c)
{
    return sh_buf_add(b, &c, 1);
}

int sh_buf_vprintf(struct sh_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    int n, rc;

    /* Format straight into the free room; only a result that does not
     * fit is formatted again after growing. */
    va_copy(ap2, ap);
    if (b->ptr && b->cap > b->len)
        n = vsnprintf(b->ptr + b->len, b->cap - b->len, fmt, ap2);
    else
        n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        if (b->ptr)
            b->ptr[b->len] = '\0';
        return SH_EINVAL;
    }
    if (b->ptr && (size_t)n < b->cap - b->len) {
        if (b->max && b->len + (size_t)n > b->max) {
            b->ptr[b->len] = '\0';
            return SH_ELIMIT;
        }
        b->len += (size_t)n;
        return SH_OK;
    }
    if (b->ptr)
        b->ptr[b->len] = '\0';
    rc = grow(b, (size_t)n);
    if (rc)
        return rc;
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return SH_OK;
}

int sh_buf_printf(struct sh_buf *b, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = sh_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void sh_buf_reset(struct sh_buf *b)
{
    b->len = 0;
    if (b->ptr)
        b->ptr[0] = '\0';
}

void sh_buf_free(struct sh_buf *b)
{
    SH_FREE(b->ptr);
    b->len = b->cap = 0;
}

char *sh_buf_detach(struct sh_buf *b)
{
    char *p = b->ptr;

    if (!p)
        p = sh_strdup("");
    b->ptr = NULL;
    b->len = b->cap = 0;
    return p;
}
