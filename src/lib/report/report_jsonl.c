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

#include <pthread.h>
#include <unistd.h>

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
    char digits[20];

    if (!line) {
        sh_report__add(o, "null", 4);
        return;
    }
    sh_report__add(o, digits, sh_u64_dec(digits, line));
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

/* ---- formatting on several threads ----
 *
 * A scan's report is formatted at its very end, when nothing else runs:
 * large lists are cut into pieces of PIECE findings that helper threads
 * and the calling thread format, while the calling thread hands finished
 * pieces to the sink strictly in order. Helpers stay at most WINDOW
 * pieces ahead of the sink, so memory stays bounded. The bytes are those
 * of the one-thread loop. */

#define PIECE 32
#define WINDOW 64
#define MAX_HELPERS 3
#define MIN_PARALLEL 4096 /* findings; fewer are not worth a thread */

struct piece {
    struct sh_report_out out;
    bool done;
};

struct par {
    const sh_findings *fs;
    struct piece *pieces;
    size_t n_pieces;
    size_t next;    /* next piece to format */
    size_t written; /* pieces handed to the sink */
    bool stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

static void format_piece(struct par *p, size_t k)
{
    struct piece *pc = &p->pieces[k];
    size_t i, end = (k + 1) * PIECE < p->fs->n ? (k + 1) * PIECE : p->fs->n;

    for (i = k * PIECE; i < end && !pc->out.err; i++)
        sh_report__jsonl_finding(&pc->out, p->fs->v[i]);
}

/* Claim the next piece to format, or return false when there is none
 * (or none within the window, when `wait` is false). Called locked. */
static bool claim(struct par *p, bool wait, size_t *k)
{
    for (;;) {
        if (p->stop || p->next >= p->n_pieces)
            return false;
        if (p->next < p->written + WINDOW) {
            *k = p->next++;
            return true;
        }
        if (!wait)
            return false;
        pthread_cond_wait(&p->cv, &p->mu);
    }
}

static void *helper(void *arg)
{
    struct par *p = arg;
    size_t k;

    pthread_mutex_lock(&p->mu);
    while (claim(p, true, &k)) {
        pthread_mutex_unlock(&p->mu);
        format_piece(p, k);
        pthread_mutex_lock(&p->mu);
        p->pieces[k].done = true;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static unsigned helpers_wanted(size_t n)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);

    if (n < MIN_PARALLEL || cpus < 2)
        return 0;
    return cpus - 1 < MAX_HELPERS ? (unsigned)(cpus - 1) : MAX_HELPERS;
}

static int write_parallel(struct sh_report_out *o, const sh_findings *fs, unsigned want)
{
    struct par p;
    pthread_t threads[MAX_HELPERS];
    unsigned started = 0, t;
    size_t k, i;

    memset(&p, 0, sizeof(p));
    p.fs = fs;
    p.n_pieces = (fs->n + PIECE - 1) / PIECE;
    p.pieces = sh_calloc(p.n_pieces, sizeof(*p.pieces));
    if (!p.pieces)
        return SH_ENOMEM;
    for (k = 0; k < p.n_pieces; k++)
        sh_report__piece_init(&p.pieces[k].out);
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    for (t = 0; t < want; t++) {
        if (pthread_create(&threads[t], NULL, helper, &p) != 0)
            break;
        started++;
    }
    pthread_mutex_lock(&p.mu);
    for (k = 0; k < p.n_pieces; k++) {
        size_t mine;
        /* Format pieces ourselves until the one due next is ready. */
        while (!p.pieces[k].done) {
            if (claim(&p, false, &mine)) {
                pthread_mutex_unlock(&p.mu);
                format_piece(&p, mine);
                pthread_mutex_lock(&p.mu);
                p.pieces[mine].done = true;
                pthread_cond_broadcast(&p.cv);
            } else {
                pthread_cond_wait(&p.cv, &p.mu);
            }
        }
        pthread_mutex_unlock(&p.mu);
        sh_report__put_piece(o, &p.pieces[k].out);
        pthread_mutex_lock(&p.mu);
        p.written = k + 1;
        if (o->err)
            p.stop = true;
        pthread_cond_broadcast(&p.cv);
        if (o->err)
            break;
    }
    p.stop = true;
    pthread_cond_broadcast(&p.cv);
    pthread_mutex_unlock(&p.mu);
    for (t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
    for (i = 0; i < p.n_pieces; i++)
        sh_buf_free(&p.pieces[i].out.buf);
    sh_free(p.pieces);
    pthread_cond_destroy(&p.cv);
    pthread_mutex_destroy(&p.mu);
    return SH_OK;
}

static int write_jsonl(struct sh_report_out *o, const sh_findings *fs, const sh_report_info *info)
{
    unsigned want = helpers_wanted(fs->n);
    size_t i;

    SH_UNUSED(info);
    if (want && write_parallel(o, fs, want) == SH_OK)
        return SH_OK;
    for (i = 0; i < fs->n && !o->err; i++)
        sh_report__jsonl_finding(o, fs->v[i]);
    return SH_OK;
}

const struct sh_report_writer sh_report__jsonl_writer = {"jsonl", write_jsonl};
