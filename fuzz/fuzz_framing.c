/*
 * fuzz_framing.c - the RFC 6587 de-framer on arbitrary bytes.
 *
 * The first input byte picks the message bound and the size of the reads
 * the bytes arrive in, so split headers and bodies are exercised. Checks
 * that no message exceeds the bound and that the decoder never reads or
 * writes outside its buffer (ASan).
 */
#include "base/sh_base.h"
#include "watch/framing.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct bound {
    size_t max;
    size_t total;
};

static int check(const char *msg, size_t len, bool truncated, void *ud)
{
    struct bound *b = ud;
    volatile char sink = 0;
    size_t i;

    if (len > b->max)
        abort();
    for (i = 0; i < len; i++)
        sink ^= msg[i];
    (void)sink;
    (void)truncated;
    b->total += len;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sh_frame_dec d;
    struct bound b;
    size_t off = 1, chunk;

    if (size < 1)
        return 0;
    b.max = 16 + (data[0] & 0x3f);
    b.total = 0;
    chunk = 1 + (data[0] >> 6) * 7;
    if (sh_frame_init(&d, b.max) != 0)
        return 0;
    while (off < size) {
        size_t n = size - off < chunk ? size - off : chunk, used = 0;
        sh_frame_feed(&d, (const char *)data + off, n, &used, check, &b);
        if (used != n)
            abort();
        off += n;
    }
    sh_frame_finish(&d, check, &b);
    if (b.total > size)
        abort();
    sh_frame_free(&d);
    return 0;
}
