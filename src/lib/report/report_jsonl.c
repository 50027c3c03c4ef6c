/*
 * report_jsonl.c - one JSON object per finding per line (PRODUCT.md §5).
 *
 * Keys come in a fixed order; absent strings are null; status and
 * first_seen appear only when the store set them. Control characters are
 * escaped; invalid UTF-8 is replaced by U+FFFD so every line parses.
 * Thread-safe.
 */
#include "../base/sh_base.h"

#include "report_int.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* ---- the JSON Lines writer ----
 *
 * A finding is written straight from its fields into the output buffer:
 * building a jansson tree per finding and dumping it cost more than the
 * whole scan of the file that produced it. The bytes are those jansson
 * writes with JSON_COMPACT (tests/unit/report compares the two): '"',
 * '\\' and control characters escaped, other code points kept as UTF-8,
 * each byte of an invalid sequence replaced by U+FFFD. */

/* Bytes that end a plain run: '"', '\\', controls and every non-ASCII
 * byte (checked as UTF-8). */
static inline bool needs_care(unsigned char c)
{
    return c < 0x20 || c >= 0x80 || c == '"' || c == '\\';
}

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* Whether any of 8 bytes may need care. A zero-byte test per class
 * (below 0x20, '"', '\\') plus the high bits: it may say yes for a word
 * whose bytes are all plain (the byte loop then finds none), never no
 * for one that holds such a byte. */
static inline bool word_needs_care(uint64_t v)
{
    uint64_t q = v ^ (ONES * '"'), b = v ^ (ONES * '\\');

    return ((v | ((v - ONES * 0x20) & ~v) | ((q - ONES) & ~q) | ((b - ONES) & ~b)) & HIGHS) != 0;
}

static void json_string_out(struct sh_report_out *o, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)s, *end;
    char *d, *d0;
    size_t len;

    if (!s) {
        sh_report__add(o, "null", 4);
        return;
    }
    len = strlen(s);
    end = p + len;
    /* Worst case: every byte becomes \u00XX (6 bytes), plus the quotes. */
    d0 = d = sh_report__reserve(o, len * 6 + 2);
    if (!d)
        return;
    *d++ = '"';
    for (;;) {
        unsigned char c;
        const char *rep;
        size_t rep_len = 2, n;
        uint32_t cp;

#ifdef __SSE2__
        /* Signed bytes: one "less than 0x20" test takes the controls and
         * every byte from 0x80 up. */
        while (end - p >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
            __m128i bad = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
                                       _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                                    _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
            if (_mm_movemask_epi8(bad))
                break;
            _mm_storeu_si128((__m128i *)(void *)d, v);
            d += 16;
            p += 16;
        }
#endif
        while (end - p >= 8) {
            uint64_t v;
            memcpy(&v, p, 8);
            if (word_needs_care(v))
                break;
            memcpy(d, &v, 8);
            d += 8;
            p += 8;
        }
        while (p < end && !needs_care(*p))
            *d++ = (char)*p++;
        if (p == end)
            break;
        c = *p;
        if (c >= 0x80) {
            /* The string ends in NUL, which no continuation byte matches,
             * so the decoder never reads past it. */
            n = sh_report__utf8_next(p, 4, &cp);
            if (n) {
                memcpy(d, p, n);
                d += n;
                p += n;
                continue;
            }
            rep = "\xef\xbf\xbd";
            rep_len = 3;
        } else if (c == '"') {
            rep = "\\\"";
        } else if (c == '\\') {
            rep = "\\\\";
        } else if (c == '\n') {
            rep = "\\n";
        } else if (c == '\t') {
            rep = "\\t";
        } else if (c == '\r') {
            rep = "\\r";
        } else if (c == '\b') {
            rep = "\\b";
        } else if (c == '\f') {
            rep = "\\f";
        } else {
            d[0] = '\\';
            d[1] = 'u';
            d[2] = '0';
            d[3] = '0';
            d[4] = hex[c >> 4];
            d[5] = hex[c & 15];
            d += 6;
            p++;
            continue;
        }
        memcpy(d, rep, rep_len);
        d += rep_len;
        p++;
    }
    *d++ = '"';
    sh_report__commit(o, (size_t)(d - d0));
}

/* `{"key":` for the first key, `,"key":` for the others: one literal each. */
#define KEY(o, key) sh_report__add((o), ",\"" key "\":", sizeof(",\"" key "\":") - 1)
#define FIRST_KEY(o, key) sh_report__add((o), "{\"" key "\":", sizeof("{\"" key "\":") - 1)

static void json_list_out(struct sh_report_out *o, const sh_strlist *l)
{
    size_t i;

    sh_report__add(o, "[", 1);
    for (i = 0; i < l->n; i++) {
        if (i)
            sh_report__add(o, ",", 1);
        json_string_out(o, l->v[i]);
    }
    sh_report__add(o, "]", 1);
}

static void json_line_out(struct sh_report_out *o, uint32_t line)
{
    char digits[10];
    size_t n = sizeof(digits);

    if (!line) {
        sh_report__add(o, "null", 4);
        return;
    }
    while (line) {
        digits[--n] = (char)('0' + line % 10);
        line /= 10;
    }
    sh_report__add(o, digits + n, sizeof(digits) - n);
}

void sh_report__jsonl_finding(struct sh_report_out *o, const sh_finding *f)
{
    char fp[17];

    sh_report__fingerprint(f, fp);
    FIRST_KEY(o, "rule");
    json_string_out(o, f->rule);
    KEY(o, "title");
    json_string_out(o, f->title);
    KEY(o, "kind");
    json_string_out(o, sh_kind_str(f->kind));
    KEY(o, "severity");
    json_string_out(o, sh_severity_str(f->severity));
    KEY(o, "attack");
    json_list_out(o, &f->attack);
    KEY(o, "device");
    json_string_out(o, f->device);
    KEY(o, "platform");
    json_string_out(o, f->platform);
    KEY(o, "path");
    json_string_out(o, f->path);
    KEY(o, "line");
    json_line_out(o, f->line);
    KEY(o, "end_line");
    json_line_out(o, f->line ? sh_report__end_line(f) : 0);
    KEY(o, "evidence");
    json_string_out(o, f->evidence);
    KEY(o, "message");
    json_string_out(o, f->message);
    KEY(o, "remediation");
    json_string_out(o, f->remediation);
    KEY(o, "references");
    json_list_out(o, &f->references);
    KEY(o, "time");
    json_string_out(o, f->time);
    KEY(o, "cve");
    json_string_out(o, f->cve);
    KEY(o, "state");
    json_string_out(o, f->state);
    KEY(o, "fingerprint");
    json_string_out(o, fp);
    if (f->status) {
        KEY(o, "status");
        json_string_out(o, f->status);
    }
    if (f->first_seen) {
        KEY(o, "first_seen");
        json_string_out(o, f->first_seen);
    }
    sh_report__add(o, "}\n", 2);
}

static int write_jsonl(struct sh_report_out *o, const sh_findings *fs, const sh_report_info *info)
{
    size_t i;

    SH_UNUSED(info);
    for (i = 0; i < fs->n && !o->err; i++)
        sh_report__jsonl_finding(o, fs->v[i]);
    return SH_OK;
}

const struct sh_report_writer sh_report__jsonl_writer = {"jsonl", write_jsonl};
