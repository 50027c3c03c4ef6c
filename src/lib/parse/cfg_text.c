/*
 * cfg_text.c - text encodings configs arrive in besides UTF-8/ASCII.
 *
 * Configs saved through Windows tools (PowerShell redirection, some
 * terminal loggers) are UTF-16, usually with a byte order mark. They are turned
 * into UTF-8 before detection and parsing, so lines, prompts and keywords
 * look as in any other capture. Pure functions; the result is owned by
 * the caller.
 */
#include "../base/sh_base.h"

#include "cfg_int.h"

int sh_cfg__utf16_bom(const char *buf, size_t len)
{
    const unsigned char *b = (const unsigned char *)buf;

    if (len >= 2 && b[0] == 0xFF && b[1] == 0xFE)
        return 1; /* little-endian */
    if (len >= 2 && b[0] == 0xFE && b[1] == 0xFF)
        return 2; /* big-endian */
    if (len >= 8) {
        /* No BOM: ASCII text in UTF-16 has every other byte zero. */
        size_t i, n = len < 128 ? len & ~(size_t)1 : 128, z_odd = 0, z_even = 0;
        for (i = 0; i < n; i += 2) {
            z_even += b[i] == 0;
            z_odd += b[i + 1] == 0;
        }
        if (z_odd == n / 2 && z_even == 0)
            return 3;
        if (z_even == n / 2 && z_odd == 0)
            return 4;
    }
    return 0;
}

static size_t put_utf8(char *o, uint32_t c)
{
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (char)(0xC0 | (c >> 6));
        o[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (char)(0xE0 | (c >> 12));
        o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (c >> 18));
    o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

char *sh_cfg__utf16_to_utf8(const char *buf, size_t len, size_t *out_len)
{
    const unsigned char *b = (const unsigned char *)buf;
    int order = sh_cfg__utf16_bom(buf, len);
    size_t i, o = 0, cap;
    char *out;

    if (!order)
        return NULL;
    /* Each 2-byte unit becomes at most 3 bytes (a pair of 4 bytes: 4). */
    if (!sh_size_mul(&cap, len / 2 + 1, 3) || !(out = sh_malloc(cap + 1)))
        return NULL;
    for (i = order <= 2 ? 2 : 0; i + 1 < len; i += 2) {
        uint32_t u = order % 2 ? (uint32_t)(b[i] | (b[i + 1] << 8))
                                : (uint32_t)((b[i] << 8) | b[i + 1]);
        if (u >= 0xD800 && u < 0xDC00 && i + 3 < len) {
            uint32_t l = order % 2 ? (uint32_t)(b[i + 2] | (b[i + 3] << 8))
                                    : (uint32_t)((b[i + 2] << 8) | b[i + 3]);
            if (l >= 0xDC00 && l < 0xE000) {
                u = 0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00);
                i += 2;
            } else {
                u = 0xFFFD;
            }
        } else if (u >= 0xD800 && u < 0xE000) {
            u = 0xFFFD; /* unpaired surrogate */
        }
        o += put_utf8(out + o, u);
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}
