/*
 * framing.c - RFC 6587 de-framer (see framing.h).
 *
 * A byte-at-a-time state machine for frame headers and a memchr/memcpy fast
 * path for bodies. Bounded: the buffer is allocated once at max_msg and never
 * grows; counts beyond SH_FRAME_MAX_COUNT are malformed. Not thread-safe per
 * decoder; distinct decoders are independent.
 */
#include "../base/sh_base.h"

#include "framing.h"

int sh_frame_init(struct sh_frame_dec *d, size_t max_msg)
{
    SH_ASSERT_ARG(d);
    memset(d, 0, sizeof(*d));
    if (max_msg < 16)
        max_msg = 16;
    d->max_msg = max_msg;
    d->buf = sh_malloc(max_msg);
    return d->buf ? SH_OK : SH_ENOMEM;
}

void sh_frame_free(struct sh_frame_dec *d)
{
    if (!d)
        return;
    SH_FREE(d->buf);
}

static void append(struct sh_frame_dec *d, const char *p, size_t n)
{
    size_t room = d->max_msg - d->len;

    if (n > room) {
        n = room;
        d->cut = true;
    }
    memcpy(d->buf + d->len, p, n);
    d->len += n;
}

static int emit(struct sh_frame_dec *d, bool octet, sh_frame_cb cb, void *ud)
{
    size_t n = d->len;
    bool cut = d->cut;

    d->len = 0;
    d->cut = false;
    d->state = SH_FRAME_START;
    if (!octet) {
        while (n > 0 && (d->buf[n - 1] == '\r' || d->buf[n - 1] == '\0'))
            n--;
        if (n == 0 && !cut) {
            d->st.empty++;
            return 0;
        }
    }
    d->st.messages++;
    if (octet)
        d->st.octet_frames++;
    if (cut)
        d->st.truncated++;
    return cb(d->buf, n, cut, ud);
}

int sh_frame_feed(struct sh_frame_dec *d, const char *data, size_t len, size_t *used,
                  sh_frame_cb cb, void *ud)
{
    size_t i = 0;
    int rc = 0;

    SH_ASSERT_ARG(d && d->buf && (data || len == 0) && cb);
    while (i < len && rc == 0) {
        unsigned char c = (unsigned char)data[i];

        switch (d->state) {
        case SH_FRAME_START:
            if (c == '\n' || c == '\r' || c == '\0' || c == ' ' || c == '\t') {
                /* blank separators between frames (some relays add them) */
                if (c == '\n')
                    d->st.empty++;
                i++;
            } else if (c >= '1' && c <= '9') {
                d->state = SH_FRAME_COUNT;
                d->count = 0;
                d->digits = 0;
            } else {
                d->state = SH_FRAME_LINE;
            }
            break;
        case SH_FRAME_COUNT:
            if (c >= '0' && c <= '9') {
                d->count = d->count * 10 + (uint64_t)(c - '0');
                d->digits++;
                /* keep the bytes: if the header turns out not to be one, the
                 * line is a newline-framed message that starts with digits */
                append(d, (const char *)&data[i], 1);
                i++;
                if (d->digits > 10 || d->count > SH_FRAME_MAX_COUNT) {
                    d->st.malformed++;
                    d->len = 0;
                    d->cut = false;
                    d->state = SH_FRAME_SKIP_LINE;
                }
            } else if (c == ' ') {
                i++;
                d->len = 0;
                d->cut = false;
                d->want = d->count;
                d->state = SH_FRAME_OCTETS;
            } else {
                /* "2024 Jan ..." or "123abc": not an octet count; the
                 * digits already buffered start a newline-framed line */
                d->state = SH_FRAME_LINE;
            }
            break;
        case SH_FRAME_OCTETS: {
            size_t n = len - i;
            if ((uint64_t)n > d->want)
                n = (size_t)d->want;
            append(d, data + i, n);
            i += n;
            d->want -= n;
            if (d->want == 0)
                rc = emit(d, true, cb, ud);
            break;
        }
        case SH_FRAME_LINE: {
            const char *nl = memchr(data + i, '\n', len - i);
            size_t n = nl ? (size_t)(nl - (data + i)) : len - i;
            append(d, data + i, n);
            i += n;
            if (nl) {
                i++;
                rc = emit(d, false, cb, ud);
            } else if (d->cut) {
                /* deliver the first max_msg bytes now, drop the rest */
                rc = emit(d, false, cb, ud);
                d->state = SH_FRAME_SKIP_LINE;
            }
            break;
        }
        case SH_FRAME_SKIP_LINE: {
            const char *nl = memchr(data + i, '\n', len - i);
            if (nl) {
                i = (size_t)(nl - data) + 1;
                d->state = SH_FRAME_START;
            } else {
                i = len;
            }
            break;
        }
        }
    }
    if (used)
        *used = i;
    return rc;
}

int sh_frame_finish(struct sh_frame_dec *d, sh_frame_cb cb, void *ud)
{
    SH_ASSERT_ARG(d && cb);
    switch (d->state) {
    case SH_FRAME_LINE:
    case SH_FRAME_COUNT: return emit(d, false, cb, ud);
    case SH_FRAME_OCTETS:
        d->cut = true; /* short frame: the sender promised more */
        return emit(d, true, cb, ud);
    case SH_FRAME_START:
    case SH_FRAME_SKIP_LINE: break;
    }
    d->state = SH_FRAME_START;
    d->len = 0;
    return 0;
}
