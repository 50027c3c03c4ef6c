/*
 * syslog.c - one device log line -> named fields (see syslog.h).
 *
 * The line is read left to right by small recognisers, each bounded by the
 * line end and never looking back: header layers (PRI, sequence numbers,
 * IOS XR node ids, time stamps, host names; a second BSD header means the
 * first one came from a relay), an optional program tag, then the message
 * shape (Cisco `%FAC-SEV-MNEMONIC`, Huawei `%%01MOD/SEV/DIGEST`, Junos
 * EVENT_ID, an embedded RFC 5424 body, key=value or PAN-OS CSV), then
 * per-mnemonic extraction of user, addresses and executed commands.
 * Everything found is a span into the line or a copy in ev->scratch; no
 * allocation, no global state: thread-safe.
 */
#include "../base/sh_base.h"

#include "syslog.h"

#include <time.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Literal helpers are forced inline so strlen() of a literal argument folds to a constant. */
#define ALWAYS_INLINE static inline __attribute__((always_inline))

typedef struct span {
    const char *p;
    size_t n;
} span;

#define MAX_SD 32 /* extra named fields: SD params, key=value pairs */
#define MAX_LAYERS 8
#define EMBED_SCAN 512

/* Small fields (each parsed from at most four digits) keep the struct at
 * 24 bytes: the fast paths copy stamps a few times a line, and a copy of
 * this size is three moves where the wider layout was a string move. */
struct stamp {
    int32_t tz_min;
    int16_t y, ms;
    int8_t mo, d, h, mi, s;
    bool has_year, has_date, has_ms, has_tz, uptime;
    bool unsynced; /* Cisco '*': the clock was never set */
} __attribute__((aligned(8)));

struct sdparam {
    const char *name; /* in scratch, NUL-terminated */
    span val;
};

#define GATE_BITS 512 /* see gate_build() */

/*
 * One byte per hash value, not one bit: setting and testing a byte costs
 * half the instructions. The table is per thread and not cleared per
 * line: each build marks its slots with the next generation number, so a
 * slot was set by the current build exactly when it holds the current
 * number (older builds left smaller numbers or 0); when the number wraps
 * the table is cleared and numbering starts again at 1.
 */
static _Thread_local uint8_t gate_tab[GATE_BITS];
static _Thread_local uint8_t gate_gen;

struct gate {
    const uint8_t *seen; /* gate_tab */
    uint8_t gen;         /* the generation of this build */
};

struct parse {
    struct sh_log_event *ev;
    const struct sh_syslog_opts *o;
    int pri; /* -1: none */
    int sev; /* -1: none; from the mnemonic or a level word */
    bool header;
    bool have_stamp;
    struct stamp st;
    /* sh_syslog_parse_header(): extract() only works out the hints */
    bool header_only;
    /* the general code only, no fast path (sh_syslog__parse_general()) */
    bool general;
    bool nonraw; /* a value outside the line was made before extract() */
    /* header-only: a key=value or structured-data "host", which names the
     * event's host in the full parse when the header names none */
    bool extra_host;
    unsigned hint;
    span host, relay, program, pid, mnemonic, fac_code, subfac, message, user, src_ip, src_port,
        dst_ip, dst_port, local_port, command, node, seq;
    int n_sd;
    /* Not cleared per line (read only below n_sd / after gate_build()):
     * clearing them cost more than the rest of the set-up together. */
    struct sdparam sd[MAX_SD];
    struct gate gate; /* over the message text, built by extract() */
};

#define PARSE_CLEAR offsetof(struct parse, sd)

static const struct sh_syslog_opts default_opts = SH_SYSLOG_OPTS_INIT;

/* ---------------------------------------------------------------- chars */

/*
 * Byte classes, one table load per test instead of a chain of compares
 * (the header and message scanners test every byte of a line).
 */
enum {
    C_DIG = 0x01,    /* 0-9 */
    C_UP = 0x02,     /* A-Z */
    C_LOW = 0x04,    /* a-z */
    C_SP = 0x08,     /* blank or tab */
    C_HOST = 0x10,   /* printable ASCII but blank = , " (host_char) */
    C_TAG = 0x20,    /* alnum _ - . / ( ) (program tag) */
    C_MN = 0x40,     /* alnum _ - (mnemonic token) */
    C_HOSTNC = 0x80, /* host_char but not ':' */
};

static const uint8_t cls[256] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x08, 0x90, 0x00, 0x90, 0x90, 0x90, 0x90, 0x90, 0xb0, 0xb0, 0x90, 0x90, 0x00, 0xf0, 0xb0, 0xb0,
    0xf1, 0xf1, 0xf1, 0xf1, 0xf1, 0xf1, 0xf1, 0xf1, 0xf1, 0xf1, 0x10, 0x90, 0x90, 0x00, 0x90, 0x90,
    0x90, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2,
    0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0x90, 0x90, 0x90, 0x90, 0xf0,
    0x90, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4,
    0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0x90, 0x90, 0x90, 0x90, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

ALWAYS_INLINE bool is_cls(char c, unsigned m)
{
    return (cls[(unsigned char)c] & m) != 0;
}
ALWAYS_INLINE bool is_dig(char c)
{
    return c >= '0' && c <= '9';
}
ALWAYS_INLINE bool is_up(char c)
{
    return c >= 'A' && c <= 'Z';
}
ALWAYS_INLINE bool is_alpha(char c)
{
    return is_cls(c, C_UP | C_LOW);
}
ALWAYS_INLINE bool is_alnum(char c)
{
    return is_cls(c, C_UP | C_LOW | C_DIG);
}
ALWAYS_INLINE bool is_sp(char c)
{
    return c == ' ' || c == '\t';
}
ALWAYS_INLINE char lower(char c)
{
    return is_up(c) ? (char)(c - 'A' + 'a') : c;
}

/* Inlined: most calls meet no blank or one, and a call cost more than the loop. */
ALWAYS_INLINE const char *skip_sp(const char *p, const char *e)
{
    while (p < e && is_cls(*p, C_SP))
        p++;
    return p;
}

ALWAYS_INLINE size_t ndig(const char *p, const char *e)
{
    size_t n = 0;

    while (p + n < e && is_dig(p[n]))
        n++;
    return n;
}

/*
 * ndig() sixteen bytes at once where they lie before e, for runs that are
 * mostly a few digits long (sequence numbers, fractions of a second).
 * Bytes of 0x80 and up compare negative, so they are no digits.
 */
ALWAYS_INLINE size_t ndig16(const char *p, const char *e)
{
#if defined(__SSE2__)
    if (e - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_and_si128(
            _mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)), _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1))));
        if (m != 0xffffu)
            return (size_t)__builtin_ctz(~m);
        return 16 + ndig(p + 16, e);
    }
#endif
    return ndig(p, e);
}

ALWAYS_INLINE int num(const char *p, size_t n)
{
    int v = 0;
    size_t i;

    for (i = 0; i < n && i < 9; i++)
        v = v * 10 + (p[i] - '0');
    return v;
}

ALWAYS_INLINE bool has(const char *p, const char *e, const char *lit)
{
    size_t n = strlen(lit);

    return (size_t)(e - p) >= n && memcmp(p, lit, n) == 0;
}

ALWAYS_INLINE bool ihas(const char *p, const char *e, const char *lit)
{
    size_t n = strlen(lit), i;

    if ((size_t)(e - p) < n)
        return false;
    for (i = 0; i < n; i++)
        if (lower(p[i]) != lower(lit[i]))
            return false;
    return true;
}

/*
 * The bigram gate: before the message text goes through the per-shape
 * literal searches in extract() (about thirty of them, most finding
 * nothing), one pass records which pairs of adjacent bytes (hashed into
 * 512 slots) occur in it. A literal of which some adjacent pair is
 * missing cannot occur anywhere in that text, so a search
 * for it ends at once; otherwise the real search runs. The gate only ever
 * turns a search that would have failed into an early failure, so results
 * are unchanged. A gate is passed only by code running inside extract() on
 * ranges within the message it was built over (everything else passes
 * NULL), so no range check is needed per search. Literal arguments are
 * constants and the checking loop is unrolled, so a check costs a load and
 * a test per pair. Pairs are taken as they are, so the gate serves
 * case-sensitive searches only (ifind() is never given one).
 */
ALWAYS_INLINE unsigned bigram(const char *p)
{
    uint16_t x;

    memcpy(&x, p, sizeof(x));
    /* the top nine bits of a 16-bit multiplicative hash: 0..GATE_BITS-1 */
    return (unsigned)(uint16_t)(x * 0x9e37u) >> 7;
}

static void gate_build(struct gate *g, const char *p, const char *e)
{
    uint8_t *seen = gate_tab, gen;

    if (++gate_gen == 0) {
        memset(gate_tab, 0, sizeof(gate_tab));
        gate_gen = 1;
    }
    gen = gate_gen;
    g->seen = gate_tab;
    g->gen = gen;
#if defined(__SSE2__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* Sixteen pairs a step, hashed eight at a time as bigram() does: the
     * 16-bit lanes of the bytes from p are the pairs at even offsets, those
     * from p + 1 the pairs at odd offsets (little-endian, as memcpy reads
     * them), and a 16-bit multiply keeps the low 16 bits like the cast. */
    {
        const __m128i k = _mm_set1_epi16((short)0x9e37);
        for (; e - p >= 17; p += 16) {
            __m128i a = _mm_loadu_si128((const __m128i *)(const void *)p);
            __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + 1));
            __m128i ha = _mm_srli_epi16(_mm_mullo_epi16(a, k), 7);
            __m128i hb = _mm_srli_epi16(_mm_mullo_epi16(b, k), 7);
#define GATE_SET(v, i) seen[_mm_extract_epi16(v, i)] = gen
            GATE_SET(ha, 0);
            GATE_SET(hb, 0);
            GATE_SET(ha, 1);
            GATE_SET(hb, 1);
            GATE_SET(ha, 2);
            GATE_SET(hb, 2);
            GATE_SET(ha, 3);
            GATE_SET(hb, 3);
            GATE_SET(ha, 4);
            GATE_SET(hb, 4);
            GATE_SET(ha, 5);
            GATE_SET(hb, 5);
            GATE_SET(ha, 6);
            GATE_SET(hb, 6);
            GATE_SET(ha, 7);
            GATE_SET(hb, 7);
#undef GATE_SET
        }
    }
#endif
#pragma GCC unroll 8
    for (; p + 1 < e; p++)
        seen[bigram(p)] = gen;
}

/* False when `lit` (n bytes) cannot occur in [p, e), a range inside the gated text. */
ALWAYS_INLINE bool gate_may(const struct gate *g, const char *p, const char *e, const char *lit,
                            size_t n)
{
    size_t i;

    (void)p;
    (void)e;
    if (!g || n < 2)
        return true;
#pragma GCC unroll 32
    for (i = 0; i + 1 < n; i++) {
        if (g->seen[bigram(lit + i)] != g->gen)
            return false;
    }
    return true;
}

/* Whether the pair `lit` (2 bytes) may occur in the gated text. */
ALWAYS_INLINE bool gate_may2(const struct gate *g, const char *lit)
{
    return g->seen[bigram(lit)] == g->gen;
}

/*
 * First occurrence of `lit` (n bytes) in [p, e). memchr on the first byte
 * beats memmem here: the needles are short and the lines are short, so
 * memmem's set-up dominated the parse profile.
 */
ALWAYS_INLINE const char *find_n(const struct gate *g, const char *p, const char *e,
                                 const char *lit, size_t n)
{
    if (n == 0)
        return p;
    if (!gate_may(g, p, e, lit, n))
        return NULL;
    while (p < e && (size_t)(e - p) >= n) {
        const char *c = memchr(p, lit[0], (size_t)(e - p) - n + 1);
        if (!c)
            return NULL;
        if (memcmp(c + 1, lit + 1, n - 1) == 0)
            return c;
        p = c + 1;
    }
    return NULL;
}

ALWAYS_INLINE const char *find(const struct gate *g, const char *p, const char *e, const char *lit)
{
    return find_n(g, p, e, lit, strlen(lit));
}

/* Case-insensitive find (not gated: the gate's pairs keep their case). */
ALWAYS_INLINE const char *ifind(const char *p, const char *e, const char *lit)
{
    size_t n = strlen(lit);

    for (; p < e && (size_t)(e - p) >= n; p++)
        if (lower(*p) == lower(lit[0]) && ihas(p, e, lit))
            return p;
    return NULL;
}

static span mk(const char *p, const char *q)
{
    span s = {p, q > p ? (size_t)(q - p) : 0};

    return s;
}

ALWAYS_INLINE span trim(span s)
{
    while (s.n && is_sp(s.p[0])) {
        s.p++;
        s.n--;
    }
    while (s.n && (is_sp(s.p[s.n - 1]) || s.p[s.n - 1] == '\r'))
        s.n--;
    return s;
}

/* ----------------------------------------------------------- time stamps */

/* Three letters folded to lower case in one word. OR 0x20 lowers A-Z and
 * maps no other byte into a-z, so it compares like a case fold against
 * the lower-case keys below. */
#define K3(a, b, c) ((uint32_t)(a) << 16 | (uint32_t)(b) << 8 | (uint32_t)(c))
ALWAYS_INLINE uint32_t fold3(const char *p)
{
    return K3((unsigned char)p[0] | 0x20u, (unsigned char)p[1] | 0x20u,
              (unsigned char)p[2] | 0x20u);
}

/* 1..12 for a month name (a switch, not a table walk: it runs twice a line) */
static int month_of(uint32_t k)
{
    switch (k) {
    case K3('j', 'a', 'n'): return 1;
    case K3('f', 'e', 'b'): return 2;
    case K3('m', 'a', 'r'): return 3;
    case K3('a', 'p', 'r'): return 4;
    case K3('m', 'a', 'y'): return 5;
    case K3('j', 'u', 'n'): return 6;
    case K3('j', 'u', 'l'): return 7;
    case K3('a', 'u', 'g'): return 8;
    case K3('s', 'e', 'p'): return 9;
    case K3('o', 'c', 't'): return 10;
    case K3('n', 'o', 'v'): return 11;
    case K3('d', 'e', 'c'): return 12;
    default: return 0;
    }
}

ALWAYS_INLINE int month_at(const char *p, const char *e)
{
    if (e - p < 3)
        return 0;
    if (e - p > 3 && is_alpha(p[3]))
        return 0;
    return month_of(fold3(p));
}

/* month_at() for a p whose fold3() word is already known (k, 0 when e - p < 3). */
ALWAYS_INLINE int month_at_k(const char *p, const char *e, uint32_t k)
{
    if (e - p < 3)
        return 0;
    if (e - p > 3 && is_alpha(p[3]))
        return 0;
    return month_of(k);
}

/* Whether fold3() word k is a weekday name. */
static bool wday_of(uint32_t k)
{
    switch (k) {
    case K3('m', 'o', 'n'):
    case K3('t', 'u', 'e'):
    case K3('w', 'e', 'd'):
    case K3('t', 'h', 'u'):
    case K3('f', 'r', 'i'):
    case K3('s', 'a', 't'):
    case K3('s', 'u', 'n'): return true;
    default: return false;
    }
}

static const struct {
    const char *name;
    int min;
} zones[] = {
    {"UTC", 0},    {"GMT", 0},    {"UT", 0},      {"Z", 0},       {"WET", 0},    {"WEST", 60},
    {"BST", 60},   {"CET", 60},   {"MET", 60},    {"CEST", 120},  {"MEST", 120}, {"EET", 120},
    {"EEST", 180}, {"MSK", 180},  {"IST", 330},   {"SGT", 480},   {"HKT", 480},  {"AWST", 480},
    {"JST", 540},  {"KST", 540},  {"ACST", 570},  {"AEST", 600},  {"AEDT", 660}, {"NZST", 720},
    {"NZDT", 780}, {"HST", -600}, {"AKST", -540}, {"AKDT", -480}, {"PST", -480}, {"PDT", -420},
    {"MST", -420}, {"MDT", -360}, {"CST", -360},  {"CDT", -300},  {"EST", -300}, {"EDT", -240},
};

static int zone_lookup(const char *p, size_t n)
{
    size_t i, k;

    if (n == 0)
        return -1;
    if (n == 3 && fold3(p) == K3('u', 't', 'c'))
        return 0; /* the usual one, first in the table */
    for (i = 0; i < SH_ARRAY_LEN(zones); i++) {
        const char *z = zones[i].name;
        if (lower(z[0]) != lower(p[0]))
            continue;
        for (k = 1; k < n && z[k] && lower(z[k]) == lower(p[k]); k++)
            ;
        if (k == n && z[k] == '\0')
            return (int)i;
    }
    return -1;
}

/* [.frac] after the seconds */
ALWAYS_INLINE const char *parse_frac(const char *p, const char *e, struct stamp *st)
{
    size_t n;

    if (p + 1 < e && (*p == '.' || *p == ',') && is_dig(p[1])) {
        n = ndig16(p + 1, e);
        /* the first three digits, missing ones as zeros (num() then the
         * scaling, read by position) */
        st->ms = (p[1] - '0') * 100;
        if (n >= 2)
            st->ms += (p[2] - '0') * 10;
        if (n >= 3)
            st->ms += p[3] - '0';
        st->has_ms = true;
        p += 1 + n;
    }
    return p;
}

/* hh:mm:ss[.frac] */
ALWAYS_INLINE const char *parse_clock(const char *p, const char *e, struct stamp *st)
{
    size_t n;

    if (e - p >= 8 && is_dig(p[0]) && is_dig(p[1]) && p[2] == ':' && is_dig(p[3]) && is_dig(p[4]) &&
        p[5] == ':' && is_dig(p[6]) && is_dig(p[7])) {
        /* the common two-digit form, read directly (same result as below) */
        if (e - p > 8 && is_dig(p[8]))
            return NULL;
        st->h = (p[0] - '0') * 10 + (p[1] - '0');
        st->mi = (p[3] - '0') * 10 + (p[4] - '0');
        st->s = (p[6] - '0') * 10 + (p[7] - '0');
        p += 8;
    } else {
        n = ndig(p, e);
        if (n < 1 || n > 2 || p + n + 6 > e || p[n] != ':')
            return NULL;
        st->h = num(p, n);
        p += n + 1;
        if (ndig(p, e) != 2 || p[2] != ':' || ndig(p + 3, e) != 2)
            return NULL;
        st->mi = num(p, 2);
        st->s = num(p + 3, 2);
        p += 5;
    }
    if (st->h > 23 || st->mi > 59 || st->s > 60)
        return NULL;
    return parse_frac(p, e, st);
}

/* Z, +hh:mm, +hhmm, +hh directly after ISO time */
static const char *parse_numzone(const char *p, const char *e, struct stamp *st)
{
    int sign;
    size_t n;

    if (p < e && (*p == 'Z' || *p == 'z')) {
        st->has_tz = true;
        st->tz_min = 0;
        return p + 1;
    }
    if (p >= e || (*p != '+' && *p != '-'))
        return p;
    sign = *p == '-' ? -1 : 1;
    n = ndig(p + 1, e);
    if (n == 4) {
        st->tz_min = sign * (num(p + 1, 2) * 60 + num(p + 3, 2));
        p += 5;
    } else if (n == 2 && p + 3 < e && p[3] == ':' && ndig(p + 4, e) == 2) {
        st->tz_min = sign * (num(p + 1, 2) * 60 + num(p + 4, 2));
        p += 6;
    } else if (n == 1 || n == 2) {
        st->tz_min = sign * num(p + 1, n) * 60; /* "+08", "UTC+1" */
        p += 1 + n;
    } else {
        return p;
    }
    st->has_tz = true;
    return p;
}

/*
 * After a BSD/Cisco clock: an optional year, then an optional zone. A zone
 * name is only taken when it is known or directly followed by ':' (the
 * Cisco `show-timezone` form), so a host name is not mistaken for one.
 */
ALWAYS_INLINE const char *parse_suffix(const char *p, const char *e, struct stamp *st)
{
    const char *q;
    size_t n;
    int z;

    /* exactly four digits (by position: a blank, a colon or the end after
     * them is no fifth digit) */
    if (!st->has_year && e - p >= 5 && *p == ' ' && is_dig(p[1]) && is_dig(p[2]) && is_dig(p[3]) &&
        is_dig(p[4]) && (p + 5 == e || p[5] == ' ' || p[5] == ':')) {
        st->y = num(p + 1, 4);
        st->has_year = true;
        p += 5;
    }
    if (p >= e || *p != ' ')
        return p;
    /* " UTC:" (the usual Cisco zone): the year test above failed on the
     * 'U', and the zone code below takes "UTC" before the ':' */
    if (e - p >= 5 && p[1] == 'U' && p[2] == 'T' && p[3] == 'C' && p[4] == ':') {
        st->has_tz = true;
        st->tz_min = 0;
        return p + 4;
    }
    /* a zone starts with a letter, '+' or '-': after any other byte (a
     * host name or address starting with a digit, the end) the tests below
     * all fail and return p */
    if (e - p < 2 || (!is_alpha(p[1]) && p[1] != '+' && p[1] != '-'))
        return p;
    q = p + 1;
    if (q < e && (*q == '+' || *q == '-') && ndig(q + 1, e) >= 2) {
        const char *r = parse_numzone(q, e, st);
        return r == q ? p : r;
    }
    n = 0;
    while (q + n < e && is_alpha(q[n]) && n < 7)
        n++;
    if (n == 0 || n > 6 || (q + n < e && !is_sp(q[n]) && q[n] != ':' && q[n] != '+' && q[n] != '-'))
        return p;
    z = n == 3 && fold3(q) == K3('u', 't', 'c') ? 0 : zone_lookup(q, n);
    if (q + n < e && q[n] == ':') {
        st->has_tz = true;
        st->tz_min = z >= 0 ? zones[z].min : INT32_MIN;
    } else if (z >= 0 && (q + n == e || is_sp(q[n]) || (q + n + 1 < e && is_dig(q[n + 1])))) {
        /* a known zone alone or with an offset; "UTC-router" is a host */
        st->has_tz = true;
        st->tz_min = zones[z].min;
    } else {
        return p;
    }
    q += n;
    /* "UTC+1" / "GMT-05:00" */
    if (z >= 0 && q < e && (*q == '+' || *q == '-') && is_dig(q[1 < e - q ? 1 : 0])) {
        struct stamp t = *st;
        const char *r = parse_numzone(q, e, &t);
        if (r != q) {
            st->tz_min = zones[z].min + t.tz_min;
            q = r;
        }
    }
    return q;
}

/* Cisco uptime stamps: "00:01:23", "1w2d", "2d03h", "3y4w" (caller wants a ':' next). */
static const char *parse_uptime(const char *p, const char *e)
{
    const char *q = p;
    size_t n = ndig(q, e);
    int units = 0;

    if (n == 0)
        return NULL;
    if (n <= 2 && q + n < e && q[n] == ':') {
        struct stamp t = {0};
        const char *r = parse_clock(q, e, &t);
        return r;
    }
    while ((n = ndig(q, e)) > 0 && n <= 3 && q + n < e &&
           (q[n] == 'y' || q[n] == 'w' || q[n] == 'd' || q[n] == 'h' || q[n] == 'm')) {
        q += n + 1;
        units++;
    }
    return units > 0 ? q : NULL;
}

/*
 * The last two month-name stamps' dates and hours, by the bytes that gave
 * them. A busy log repeats "Mar 11 2025 10:15:" for every line of a minute
 * (a relayed line carries two such stamps), and everything parse_stamp()
 * decides up to the seconds depends on those bytes alone, so a line that
 * starts with them continues from the seconds. Per thread: parsers run on
 * every scan worker and the watch threads.
 */
#define STAMP_MEMO_KEY 32

struct stamp_memo {
    uint64_t w0; /* the key's first eight bytes, to turn most misses away at once */
    size_t len;  /* 0: empty; the key ends with "hh:mm:" */
    char key[STAMP_MEMO_KEY];
    struct stamp st; /* up to the minute */
};

static _Thread_local struct stamp_memo stamp_memo[2];
static _Thread_local unsigned stamp_memo_next;

/* memcmp(p, k, n) == 0 for 8 <= n (a memo key is at least "Mmm d hh:mm:")
 * whose first eight bytes are known to be equal (memo_find() compared
 * them), in 8-byte words without a call: the words after those, then the
 * last eight bytes (overlapping the one before when n is not a multiple
 * of 8). */
ALWAYS_INLINE bool memo_eq(const char *p, const char *k, size_t n)
{
    uint64_t a, b;
    size_t i;

    for (i = 8; i + 8 < n; i += 8) {
        memcpy(&a, p + i, 8);
        memcpy(&b, k + i, 8);
        if (a != b)
            return false;
    }
    memcpy(&a, p + n - 8, 8);
    memcpy(&b, k + n - 8, 8);
    return a == b;
}

/* The rest of a memoised stamp: c is its clock, whose "hh:mm:" the memo read. */
ALWAYS_INLINE const char *stamp_rest(const char *c, const char *e, struct stamp *st)
{
    /* as parse_clock()'s two-digit path: no third digit of seconds */
    if (e - c > 8 && is_dig(c[8]))
        return NULL;
    st->s = (c[6] - '0') * 10 + (c[7] - '0');
    if (st->s > 60)
        return NULL;
    /* has_date came with the memo: whether its month and day are real
     * (the suffix changes neither) */
    c = parse_frac(c + 8, e, st);
    return parse_suffix(c, e, st);
}

/* The memo slot whose bytes p starts with, followed by two digits; NULL if none. */
ALWAYS_INLINE const struct stamp_memo *memo_find(const char *p, const char *e)
{
    size_t i;
    uint64_t w;

    /* a key is at least eight bytes, followed by two digits */
    if (e - p < 10)
        return NULL;
    memcpy(&w, p, sizeof(w));
    for (i = 0; i < 2; i++) {
        const struct stamp_memo *m = &stamp_memo[i];
        if (m->w0 == w && m->len && (size_t)(e - p) >= m->len + 2 && memo_eq(p, m->key, m->len) &&
            is_dig(p[m->len]) && is_dig(p[m->len + 1]))
            return m;
    }
    return NULL;
}

/* Every stamp shape salthunt knows; returns the end or NULL. */
static const char *parse_stamp(const char *p, const char *e, struct stamp *st)
{
    const char *q, *p0 = p;
    size_t n;
    int mo;
    uint32_t k;
    const struct stamp_memo *m = memo_find(p, e);

    if (m) {
        *st = m->st;
        return stamp_rest(p + m->len - 6, e, st);
    }
    memset(st, 0, sizeof(*st));
    if (p < e && (*p == '*' || *p == '.') && p + 1 < e && is_alnum(p[1])) {
        st->unsynced = *p == '*'; /* Cisco: '*' clock never synced, '.' sync lost */
        p++;
    }
    /* the first three letters serve the weekday and the month test */
    k = e - p >= 3 ? fold3(p) : 0;
    if (e - p >= 4 && p[3] == ' ' && wday_of(k)) {
        p += 4;
        k = e - p >= 3 ? fold3(p) : 0;
    }
    n = ndig(p, e);
    if (n == 4 && p + 5 < e && (p[4] == '-' || p[4] == '/')) {
        char sep = p[4];
        /* ISO 8601 / RFC 3339, or YYYY/MM/DD */
        st->y = num(p, 4);
        q = p + 5;
        n = ndig(q, e);
        if (n < 1 || n > 2 || q + n >= e || q[n] != sep)
            return NULL;
        st->mo = num(q, n);
        q += n + 1;
        n = ndig(q, e);
        if (n < 1 || n > 2)
            return NULL;
        st->d = num(q, n);
        q += n;
        if (q >= e || (*q != 'T' && *q != ' '))
            return NULL;
        q = parse_clock(q + 1, e, st);
        if (!q)
            return NULL;
        st->has_year = st->has_date = true;
        q = parse_numzone(q, e, st);
        if (!st->has_tz)
            q = parse_suffix(q, e, st);
    } else if (n == 4 && p + 5 < e && p[4] == ' ' && (mo = month_at(p + 5, e)) > 0) {
        /* NX-OS: YYYY Mmm dd hh:mm:ss */
        st->y = num(p, 4);
        st->mo = mo;
        q = skip_sp(p + 8, e);
        n = ndig(q, e);
        if (n < 1 || n > 2 || q + n >= e || q[n] != ' ')
            return NULL;
        st->d = num(q, n);
        q = parse_clock(q + n + 1, e, st);
        if (!q)
            return NULL;
        st->has_year = st->has_date = true;
        q = parse_suffix(q, e, st);
    } else if ((mo = month_at_k(p, e, k)) > 0) {
        st->mo = mo;
        q = p + 3;
        if (q >= e || *q != ' ')
            return NULL;
        q = skip_sp(q, e);
        /* the day: one or two digits and a blank (digit by digit, as ndig()
         * then the checks would have it) */
        if (e - q >= 2 && is_dig(q[0]) && q[1] == ' ') {
            st->d = q[0] - '0';
            q += 2;
        } else if (e - q >= 3 && is_dig(q[0]) && is_dig(q[1]) && q[2] == ' ') {
            st->d = (q[0] - '0') * 10 + (q[1] - '0');
            q += 3;
        } else {
            return NULL;
        }
        /* an optional year: exactly four digits and a blank */
        if (e - q >= 5 && is_dig(q[0]) && is_dig(q[1]) && is_dig(q[2]) && is_dig(q[3]) &&
            q[4] == ' ') {
            st->y = (q[0] - '0') * 1000 + (q[1] - '0') * 100 + (q[2] - '0') * 10 + (q[3] - '0');
            st->has_year = true;
            q += 5;
        }
        {
            const char *c = q;
            q = parse_clock(c, e, st);
            if (!q)
                return NULL;
            /* remember the bytes up to the minute when the two-digit
             * clock read them (the only clock stamp_rest() continues) */
            if (e - c >= 8 && is_dig(c[0]) && is_dig(c[1]) && c[2] == ':' &&
                (size_t)(c + 6 - p0) <= STAMP_MEMO_KEY && (size_t)(c + 6 - p0) >= 8) {
                struct stamp_memo *w = &stamp_memo[stamp_memo_next];
                stamp_memo_next ^= 1;
                w->len = (size_t)(c + 6 - p0);
                memcpy(w->key, p0, w->len);
                memcpy(&w->w0, p0, sizeof(w->w0));
                w->st = *st;
                w->st.s = w->st.ms = 0;
                w->st.has_ms = false;
                w->st.has_date = !(st->mo < 1 || st->mo > 12 || st->d < 1 || st->d > 31);
            }
        }
        st->has_date = true;
        q = parse_suffix(q, e, st);
    } else if (n > 0) {
        q = parse_uptime(p, e);
        if (!q || q >= e || *q != ':')
            return NULL;
        st->uptime = true;
        return q;
    } else {
        return NULL;
    }
    if (st->mo < 1 || st->mo > 12 || st->d < 1 || st->d > 31)
        st->has_date = false; /* a stamp in shape (anonymised "May 00"), but no time */
    return q;
}

/* parse_stamp() with the memo hit inlined (no call), for the fast paths. */
ALWAYS_INLINE const char *parse_stamp_inl(const char *p, const char *e, struct stamp *st)
{
    const struct stamp_memo *m = memo_find(p, e);

    if (m) {
        *st = m->st;
        return stamp_rest(p + m->len - 6, e, st);
    }
    return parse_stamp(p, e, st);
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d);

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The last day converted, per thread: consecutive lines are nearly always of one day. */
static _Thread_local struct {
    int y, m, d;
    int64_t days;
} day_memo = {0, 0, 0, 0};

ALWAYS_INLINE int64_t stamp_ms(const struct stamp *st, int year, int tz_min)
{
    int64_t days;

    if (year == day_memo.y && st->mo == day_memo.m && st->d == day_memo.d && day_memo.m) {
        days = day_memo.days;
    } else {
        days = days_from_civil(year, st->mo, st->d);
        day_memo.y = year;
        day_memo.m = st->mo;
        day_memo.d = st->d;
        day_memo.days = days;
    }

    return ((days * 86400 + st->h * 3600 + st->mi * 60 + st->s) - (int64_t)tz_min * 60) * 1000 +
           st->ms;
}

static int64_t days_of(int64_t ms)
{
    int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;

    return secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
}

static int year_of(int64_t ms)
{
    int64_t y;
    int m, d;

    civil_from_days(days_of(ms), &y, &m, &d);
    return (int)y;
}

/* The stamp's time in Unix ms; *year and *tz get the year and offset used.
 * Inlined: it runs on every line, and a stamp with its year and zone takes
 * a few instructions. */
ALWAYS_INLINE int64_t resolve_time(const struct parse *ps, int *year, int *tz_used)
{
    const struct stamp *st = &ps->st;
    int tz = ps->o->tz_offset_min;
    int64_t ref, t;
    int y;

    if (st->has_tz && st->tz_min != INT32_MIN)
        tz = st->tz_min;
    *tz_used = tz;
    if (st->has_year) {
        *year = st->y;
        return stamp_ms(st, st->y, tz);
    }
    if (ps->o->year) {
        *year = ps->o->year;
        return stamp_ms(st, ps->o->year, tz);
    }
    ref = ps->o->ref_ms ? ps->o->ref_ms : (int64_t)time(NULL) * 1000;
    y = year_of(ref);
    t = stamp_ms(st, y, tz);
    if (t > ref + 86400000LL) {
        y--;
        t = stamp_ms(st, y, tz);
    }
    *year = y;
    return t;
}

static bool leap_year(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/*
 * Whether the stamp, read in `year` at UTC, names its instant as it
 * stands: a real calendar day and a second below 60. Then its fields are
 * the UTC text of the time and format_time() need not convert back.
 */
static bool stamp_is_utc_text(const struct stamp *st, int year, int tz)
{
    static const signed char mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (tz != 0 || year < 0 || year > 9999 || st->mo < 1 || st->mo > 12 || st->d < 1 ||
        st->h > 23 || st->mi > 59 || st->s > 59 || st->ms < 0 || st->ms > 999)
        return false;
    return st->d <= mdays[st->mo - 1] + (st->mo == 2 && leap_year(year));
}

/* Civil date of a day count since 1970-01-01 (inverse of days_from_civil). */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* Two decimal digits of 0..99, from a table of all hundred pairs. */
ALWAYS_INLINE void put2(char *d, unsigned v)
{
    static const char pairs[] = "00010203040506070809101112131415161718192021222324"
                                "25262728293031323334353637383940414243444546474849"
                                "50515253545556575859606162636465666768697071727374"
                                "75767778798081828384858687888990919293949596979899";

    memcpy(d, pairs + 2 * v, 2);
}

/*
 * RFC 3339 UTC text of `ms` into the event's scratch (hand-formatted: hot
 * path). `st`, when not NULL, is a stamp whose fields already are that UTC
 * time (stamp_is_utc_text), read in `year`: no conversion back needed.
 */
static span format_time(struct sh_log_event *ev, int64_t ms, bool with_ms, const struct stamp *st,
                        int year)
{
    span s = {NULL, 0};
    int64_t secs, days, rem, y;
    int m, d, frac;
    char *b;

    if (st) {
        y = year;
        m = st->mo;
        d = st->d;
        rem = st->h * 3600 + st->mi * 60 + st->s;
        frac = st->ms;
    } else {
        secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
        days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
        rem = secs - days * 86400;
        frac = (int)(ms - secs * 1000);
        civil_from_days(days, &y, &m, &d);
        if (y < 0 || y > 9999)
            return s;
    }
    b = sh_log_event__scratch(ev, with_ms ? 24 : 20);
    if (!b)
        return s;
    put2(b, (unsigned)y / 100);
    put2(b + 2, (unsigned)y % 100);
    b[4] = '-';
    put2(b + 5, (unsigned)m);
    b[7] = '-';
    put2(b + 8, (unsigned)d);
    b[10] = 'T';
    put2(b + 11, (unsigned)(rem / 3600));
    b[13] = ':';
    put2(b + 14, (unsigned)((rem / 60) % 60));
    b[16] = ':';
    put2(b + 17, (unsigned)(rem % 60));
    if (with_ms) {
        b[19] = '.';
        b[20] = (char)('0' + frac / 100);
        put2(b + 21, (unsigned)frac % 100);
        b[23] = 'Z';
        s.n = 24;
    } else {
        b[19] = 'Z';
        s.n = 20;
    }
    s.p = b;
    return s;
}

/*
 * Inner (device) stamps win over outer (collector) ones, except that a
 * device clock marked never-synced ('*', often still at its 1 March boot
 * default) loses to a collector stamp already seen.
 */
static void take_stamp(struct parse *ps, const struct stamp *st)
{
    if (!st->has_date || (st->unsynced && ps->have_stamp))
        return;
    ps->st = *st;
    ps->have_stamp = true;
}

/* ------------------------------------------------------------ addresses */

/* Length of a dotted quad at p (not glued to other digits), or 0. */
static size_t ip4_len(const char *p, const char *e)
{
    const char *q = p;
    int i;

    for (i = 0; i < 4; i++) {
        /* an octet: 1-3 digits (a fourth one fails), value <= 255 */
        int v;
        if (q >= e || !is_dig(*q))
            return 0;
        v = *q++ - '0';
        if (q < e && is_dig(*q)) {
            v = v * 10 + (*q++ - '0');
            if (q < e && is_dig(*q)) {
                v = v * 10 + (*q++ - '0');
                if (q < e && is_dig(*q))
                    return 0;
            }
        }
        if (v > 255)
            return 0;
        if (i < 3) {
            if (q >= e || *q != '.')
                return 0;
            q++;
        }
    }
    if (q < e && (is_dig(*q) || (*q == '.' && q + 1 < e && is_dig(q[1]))))
        return 0;
    return (size_t)(q - p);
}

/* A plausible IPv6 literal (hex groups and colons, at least two colons). */
static size_t ip6_len(const char *p, const char *e)
{
    size_t n = 0, colons = 0, hex = 0;

    while (p + n < e && n < 45) {
        char c = p[n];
        if (c == ':')
            colons++;
        else if (is_dig(c) || (lower(c) >= 'a' && lower(c) <= 'f') || c == '.')
            hex++;
        else
            break;
        n++;
    }
    if (colons < 2 || hex == 0)
        return 0;
    return n;
}

static size_t ip_len(const char *p, const char *e)
{
    size_t n = ip4_len(p, e);

    return n ? n : ip6_len(p, e);
}

/* Port right after an address: "/123", "(123)", ":123". */
static span port_after(const char *p, const char *e)
{
    span s = {NULL, 0};
    size_t n;

    if (p + 1 >= e)
        return s;
    if (*p == '/' || *p == ':' || *p == '(') {
        n = ndig(p + 1, e);
        if (n >= 1 && n <= 5 && (*p != '(' || (p + 1 + n < e && p[1 + n] == ')'))) {
            s.p = p + 1;
            s.n = n;
        }
    }
    return s;
}

/* First IPv4 address in [p, e) not glued to a preceding digit or dot. */
static const char *next_ip4(const struct gate *g, const char *p, const char *e, size_t *len)
{
    const char *d = p;

    /* an address has a dot followed by a digit: without any such pair in
     * the gated text there is nothing to find */
    if (g && !gate_may2(g, ".0") && !gate_may2(g, ".1") && !gate_may2(g, ".2") &&
        !gate_may2(g, ".3") && !gate_may2(g, ".4") && !gate_may2(g, ".5") && !gate_may2(g, ".6") &&
        !gate_may2(g, ".7") && !gate_may2(g, ".8") && !gate_may2(g, ".9"))
        return NULL;

    /*
     * Found from its first dot: an address starts a run of 1-3 digits
     * that ends at a dot, so each dot names the one start that could use
     * it, the first digit of the digit run before it (which must not
     * follow a dot, and may follow anything at p). Dots are taken left to
     * right and their runs do not overlap, so the first start accepted is
     * the leftmost address, as a walk over every digit would find.
     */
    while (e - d > 0 && (d = memchr(d, '.', (size_t)(e - d))) != NULL) {
        const char *s = d;
        while (s > p && d - s < 4 && is_dig(s[-1]))
            s--;
        if (d - s >= 1 && d - s <= 3 && (s == p || (!is_dig(s[-1]) && s[-1] != '.')) &&
            (*len = ip4_len(s, e)) > 0)
            return s;
        d++;
    }
    return NULL;
}

struct flow_key {
    const char *k;
    size_t n;
};

#define FLOW_KEY(k)                                                                                \
    {                                                                                              \
        k, sizeof(k) - 1                                                                           \
    }

/* The address after the first of `keys` the message has, into *out unless
 * already set. Inlined into its callers, so each key's gate check folds to
 * constants. */
ALWAYS_INLINE void keyed_ip(struct parse *ps, const char *p, const char *e,
                            const struct flow_key *keys, size_t nkeys, span *out)
{
    size_t i, n;

#pragma GCC unroll 16
    for (i = 0; i < nkeys; i++) {
        if (out->n)
            break;
        const char *k = find_n(&ps->gate, p, e, keys[i].k, keys[i].n);
        if (k && (n = ip_len(k + keys[i].n, e)) > 0)
            *out = mk(k + keys[i].n, k + keys[i].n + n);
    }
}

/*
 * Source and destination of a flow or session message: the first address
 * is the source; the destination is the first address after a connector
 * ("->", " to ", " dst ") that follows it.
 */
static void extract_flow(struct parse *ps, const char *p, const char *e)
{
    static const char *const conn[] = {"->", " to ", " dst ", " dest "};
    const char *a, *b, *best = NULL;
    size_t n = 0, m = 0, i;

    static const struct flow_key src_keys[] = {FLOW_KEY("SrcIp="), FLOW_KEY("source-ip="),
                                               FLOW_KEY("SourceIP="), FLOW_KEY("src="),
                                               FLOW_KEY("Remote-Address=")},
                                 dst_keys[] = {FLOW_KEY("DstIp="), FLOW_KEY("destination-ip="),
                                               FLOW_KEY("DestinationIP="), FLOW_KEY("dst=")};

    keyed_ip(ps, p, e, src_keys, SH_ARRAY_LEN(src_keys), &ps->src_ip);
    keyed_ip(ps, p, e, dst_keys, SH_ARRAY_LEN(dst_keys), &ps->dst_ip);
    if (ps->src_ip.n && ps->dst_ip.n)
        return;
    a = next_ip4(&ps->gate, p, e, &n);
    if (!a)
        return;
#pragma GCC unroll 16 /* folds each key's gate check to constants */
    for (i = 0; i < SH_ARRAY_LEN(conn); i++) {
        const char *lim = e - (a + n) > 160 ? a + n + 160 : e;
        const char *c = find(&ps->gate, a + n, lim, conn[i]);
        if (c && (!best || c < best))
            best = c;
    }
    if (!best) {
        /* a lone address is a source only when the text says so */
        const char *back = a - p > 24 ? a - 24 : p;
        if (!(a > p && a[-1] == '(') && !find(&ps->gate, back, a, "from ") &&
            !find(&ps->gate, back, a, "src ") && !find(&ps->gate, back, a, "Source"))
            return;
    }
    if (!ps->src_ip.n) {
        ps->src_ip = mk(a, a + n);
        if (!ps->src_port.n)
            ps->src_port = port_after(a + n, e);
    }
    if (!best)
        return;
    b = next_ip4(&ps->gate, best, e - best > 120 ? best + 120 : e, &m);
    if (!b || ps->dst_ip.n)
        return;
    ps->dst_ip = mk(b, b + m);
    ps->dst_port = port_after(b + m, e);
}

/* ------------------------------------------------------------- helpers */

/* The text after `key` (kn bytes) up to the next `close` (e.g. "User '" ... "'"). */
ALWAYS_INLINE span between_n(const struct gate *g, const char *p, const char *e, const char *key,
                             size_t kn, char close)
{
    span s = {NULL, 0};
    const char *k = find_n(g, p, e, key, kn);
    const char *v, *c;

    if (!k)
        return s;
    v = k + kn;
    c = memchr(v, close, (size_t)(e - v));
    if (!c)
        return s;
    return mk(v, c);
}

ALWAYS_INLINE span between(const struct gate *g, const char *p, const char *e, const char *key,
                           char close)
{
    return between_n(g, p, e, key, strlen(key), close);
}

/* Copy into scratch, decoding XML entities; returns the copy or an empty span. */
static span xml_decode(struct sh_log_event *ev, span in)
{
    span out = {NULL, 0};
    char *d = sh_log_event__scratch(ev, in.n + 1);
    size_t i = 0, o = 0;

    if (!d)
        return out;
    while (i < in.n) {
        const char *p = in.p + i, *e = in.p + in.n;
        if (*p == '&') {
            static const struct {
                const char *ent;
                char c;
            } ents[] = {
                {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
            size_t k;
            bool done = false;
            for (k = 0; k < SH_ARRAY_LEN(ents); k++) {
                if (has(p, e, ents[k].ent)) {
                    d[o++] = ents[k].c;
                    i += strlen(ents[k].ent);
                    done = true;
                    break;
                }
            }
            if (!done && p + 3 < e && p[1] == '#') {
                const char *q = p + 2;
                unsigned v = 0;
                int base = 10, digits = 0;
                if (*q == 'x' || *q == 'X') {
                    base = 16;
                    q++;
                }
                while (q < e && digits < 6) {
                    char c = lower(*q);
                    int dv = is_dig(c)                              ? c - '0'
                             : (base == 16 && c >= 'a' && c <= 'f') ? c - 'a' + 10
                                                                    : -1;
                    if (dv < 0)
                        break;
                    v = v * (unsigned)base + (unsigned)dv;
                    q++;
                    digits++;
                }
                if (digits > 0 && q < e && *q == ';' && v > 0 && v < 128) {
                    d[o++] = (char)v;
                    i = (size_t)(q + 1 - in.p);
                    done = true;
                }
            }
            if (done)
                continue;
        }
        d[o++] = in.p[i++];
    }
    d[o] = '\0';
    /* give back what decoding saved */
    ev->scratch_used -= (uint32_t)(in.n - o);
    out.p = d;
    out.n = o;
    return out;
}

/* Strip a trailing "<cr>" (TACACS+/IOS accounting) and blanks. */
static span clean_cmd(span s)
{
    s = trim(s);
    if (s.n >= 4 && memcmp(s.p + s.n - 4, "<cr>", 4) == 0)
        s.n -= 4;
    return trim(s);
}

/* Strip an NX-OS accounting status suffix " (SUCCESS)". */
static span strip_status(span s)
{
    static const char *const st[] = {"(SUCCESS)", "(FAILURE)", "(REDIRECT)", "(FAILED)"};
    size_t i;

    s = trim(s);
    for (i = 0; i < SH_ARRAY_LEN(st); i++) {
        size_t n = strlen(st[i]);
        if (s.n >= n && memcmp(s.p + s.n - n, st[i], n) == 0) {
            s.n -= n;
            break;
        }
    }
    return trim(s);
}

static int level_word(span w)
{
    static const struct {
        const char *w;
        int sev;
    } lv[] = {{"emergency", 0},     {"emerg", 0},  {"alert", 1},        {"critical", 2},
              {"crit", 2},          {"error", 3},  {"err", 3},          {"warning", 4},
              {"warn", 4},          {"notice", 5}, {"notification", 5}, {"information", 6},
              {"informational", 6}, {"info", 6},   {"debug", 7},        {"debugging", 7}};
    size_t i;

    for (i = 0; i < SH_ARRAY_LEN(lv); i++)
        if (strlen(lv[i].w) == w.n && ihas(w.p, w.p + w.n, lv[i].w))
            return lv[i].sev;
    return -1;
}

/* ------------------------------------------------------------ commands */

ALWAYS_INLINE bool mn_is(const struct parse *ps, const char *m)
{
    return ps->mnemonic.n == strlen(m) && memcmp(ps->mnemonic.p, m, ps->mnemonic.n) == 0;
}

ALWAYS_INLINE bool mn_ends(const struct parse *ps, const char *m)
{
    size_t n = strlen(m);

    /* the last byte first: most mnemonics end otherwise */
    return ps->mnemonic.n >= n && ps->mnemonic.p[ps->mnemonic.n - 1] == m[n - 1] &&
           memcmp(ps->mnemonic.p + ps->mnemonic.n - n, m, n) == 0;
}

static bool asa_family(span f)
{
    /* byte by byte: a three-byte memcmp() is a call, and most facility
     * codes have three letters */
    if (f.n == 3)
        return (f.p[0] == 'A' && f.p[1] == 'S' && f.p[2] == 'A') ||
               (f.p[0] == 'F' && f.p[1] == 'T' && f.p[2] == 'D') ||
               (f.p[0] == 'P' && f.p[1] == 'I' && f.p[2] == 'X');
    return f.n == 4 && f.p[0] == 'F' && f.p[1] == 'W' && f.p[2] == 'S' && f.p[3] == 'M';
}

/* ISE CmdSet=[ CmdAV=show CmdArgAV=running-config CmdArgAV=<cr> ] */
static span ise_cmdset(const struct gate *g, struct sh_log_event *ev, const char *p, const char *e)
{
    span out = {NULL, 0};
    const char *s = find(g, p, e, "CmdSet=[");
    const char *end, *q;
    char *d;
    size_t o = 0, cap;

    if (!s)
        return out;
    s += 8;
    end = memchr(s, ']', (size_t)(e - s));
    if (!end)
        end = e;
    cap = (size_t)(end - s) + 1;
    d = sh_log_event__scratch(ev, cap);
    if (!d)
        return out;
    for (q = s; q < end;) {
        const char *v, *ve;
        q = skip_sp(q, end);
        if (has(q, end, "CmdAV="))
            v = q + 6;
        else if (has(q, end, "CmdArgAV="))
            v = q + 9;
        else {
            while (q < end && !is_sp(*q))
                q++;
            continue;
        }
        for (ve = v; ve < end && !is_sp(*ve); ve++)
            ;
        if (!(ve - v == 4 && memcmp(v, "<cr>", 4) == 0) && ve > v) {
            if (o)
                d[o++] = ' ';
            memcpy(d + o, v, (size_t)(ve - v));
            o += (size_t)(ve - v);
        }
        q = ve;
    }
    d[o] = '\0';
    ev->scratch_used -= (uint32_t)(cap - 1 - o);
    out.p = d;
    out.n = o;
    return out;
}

/* `key=value` where the key starts a word; value to a tab, quote or the end. */
ALWAYS_INLINE span kv_cmd(const struct gate *g, const char *p, const char *e, const char *key)
{
    span s = {NULL, 0};
    size_t kl = strlen(key);
    const char *k = p;

    if (!gate_may(g, p, e, key, kl))
        return s;
    while ((k = find_n(g, k, e, key, kl)) != NULL) {
        if (k == p || k[-1] == ' ' || k[-1] == '\t' || k[-1] == '.' || k[-1] == ':' ||
            k[-1] == ',') {
            const char *v = k + kl, *ve;
            if (v < e && *v == '"') {
                v++;
                ve = memchr(v, '"', (size_t)(e - v));
                if (!ve)
                    ve = e;
            } else {
                size_t rest = v < e ? (size_t)(e - v) : 0;
                ve = rest ? memchr(v, '\t', rest) : NULL;
                if (!ve)
                    ve = e;
            }
            return clean_cmd(mk(v, ve));
        }
        k += kl;
    }
    return s;
}

static void extract_user(struct parse *ps, const char *p, const char *e)
{
#define PAT(k, c)                                                                                  \
    {                                                                                              \
        k, sizeof(k) - 1, c                                                                        \
    }
    static const struct {
        const char *key;
        size_t n;
        char close;
    } pats[] = {PAT("[user: ", ']'),    PAT("User '", '\''),     PAT("user '", '\''),
                PAT("User \"", '"'),    PAT("user \"", '"'),     PAT("Uname: ", ','),
                PAT("<user>", '<'),     PAT("username=\"", '"'), PAT("user=\"", '"'),
                PAT("Username: ", ' '), PAT("User=", ','),       PAT("User: ", ',')};
#undef PAT
    size_t i;

    if (ps->user.n)
        return;
#pragma GCC unroll 16 /* folds each key's gate check to constants */
    for (i = 0; i < SH_ARRAY_LEN(pats); i++) {
        span s = between_n(&ps->gate, p, e, pats[i].key, pats[i].n, pats[i].close);
        if (s.p) {
            if (pats[i].close == ',' && !memchr(s.p, ',', s.n) && s.p + s.n == e)
                s = trim(s);
            ps->user = trim(s);
            return;
        }
    }
    /* IOS "%SYS-6-LOGOUT: User netops has exited tty session 2(10.1.1.5)" */
    {
        const char *u = find(&ps->gate, p, e, "User ");
        if (u) {
            const char *v = u + 5, *ve = v;
            while (ve < e && !is_sp(*ve))
                ve++;
            if (ve > v && has(ve, e, " has exited")) {
                ps->user = mk(v, ve);
                return;
            }
        }
    }
    /* pam-style "... rhost=10.1.1.5 user=admin" (NX-OS AUTHPRIV, Linux shells) */
    {
        const char *u = find(&ps->gate, p, e, " user=");
        if (u && u + 6 < e && u[6] != '"') {
            const char *v = u + 6, *ve = v;
            while (ve < e && !is_sp(*ve) && *ve != ',' && *ve != ';')
                ve++;
            if (ve > v) {
                ps->user = mk(v, ve);
                return;
            }
        }
    }
    /* "Configured programmatically by process X from console as admin on vty31" */
    {
        const char *b = find(&ps->gate, p, e, " as ");
        if (b) {
            const char *u = b + 4, *ue = u;
            while (ue < e && !is_sp(*ue))
                ue++;
            if (ue + 4 <= e && has(ue, e, " on ") && ue > u) {
                ps->user = mk(u, ue);
                return;
            }
        }
    }
    /* "Configured from console by admin on vty0 (10.1.1.2)" */
    {
        const char *b = find(&ps->gate, p, e, " by ");
        if (b) {
            const char *u = b + 4, *ue = u;
            while (ue < e && !is_sp(*ue))
                ue++;
            if (ue + 4 <= e && has(ue, e, " on ") && ue > u)
                ps->user = mk(u, ue);
        }
    }
}

/* An ISE TACACS+ accounting record: it is about the network device, not the ISE node that logged
 * it. */
static void extract_cise(struct parse *ps, const struct gate *g, const char *p, const char *e)
{
    span s = between(g, p, e, "Device IP Address=", ',');

    if (s.n && ip_len(s.p, s.p + s.n) == s.n) {
        if (ps->host.n)
            ps->relay = ps->host;
        ps->host = s;
    }
    if (!ps->fac_code.n) {
        ps->fac_code.p = "TACACS";
        ps->fac_code.n = 6;
        ps->hint |= SH_SYSLOG_HINT_NONRAW;
    }
}

/*
 * extract() for sh_syslog_parse_header(): of everything extract() does,
 * only the ISE host (the line's host) is carried out; for the rest it
 * only works out, conservatively, whether extract() could produce a
 * command or a value made outside the line. The command sources are
 * the mnemonics at the top of extract() and the `cmd` spellings (cmd=,
 * Cmd=, CMD=, CmdSet=[, executed cmd:); values outside the line come from
 * XML decoding (CFGLOG_LOGGEDCMD), the ISE CmdSet join and the ISE
 * facility code. One pass looks at each 'c' or 'C' of the message.
 */
/* extract_hints() at a 'c' or 'C': a `cmd` spelling, CmdSet=[; true at CISE_TACACS_Accounting. */
ALWAYS_INLINE bool hint_at(struct parse *ps, const char *q, const char *e)
{
    if (e - q >= 3 && (q[1] | 0x20) == 'm' && (q[2] | 0x20) == 'd') {
        ps->hint |= SH_SYSLOG_HINT_COMMAND;
        if (has(q, e, "CmdSet=["))
            ps->hint |= SH_SYSLOG_HINT_NONRAW;
    }
    return *q == 'C' && has(q, e, "CISE_TACACS_Accounting");
}

/* The hints extract() would give by the mnemonic and, for the archive's
 * records, the message [p, e): the "logged command:" form keeps its
 * command and user as written; only the XML form decodes them. */
ALWAYS_INLINE void mnemonic_hints(struct parse *ps, const char *p, const char *e)
{
    if (mn_is(ps, "PARSER-5-CFGLOG_LOGGEDCMD"))
        ps->hint |= SH_SYSLOG_HINT_COMMAND |
                    (find_n(NULL, p, e, "logged command:", 15) ? 0u : SH_SYSLOG_HINT_NONRAW);
    else if (mn_ends(ps, "HA_EM-6-LOG") || mn_is(ps, "AAA-6-AAA_ACCOUNTING_MESSAGE") ||
             mn_is(ps, "UI_CMDLINE_READ_LINE") ||
             (asa_family(ps->fac_code) &&
              (mn_is(ps, "111008") || mn_is(ps, "111009") || mn_is(ps, "111010"))))
        ps->hint |= SH_SYSLOG_HINT_COMMAND;
}

#if defined(__SSE2__)
/*
 * fast_header()'s pass over the whole line [l, e), whose message starts at
 * p (l <= p <= e, e - l >= 16): whether it holds a tab (then -1, with
 * `tabs`; the hints are then of no use), else extract_hints() over
 * [p, e) less the mnemonic part: 1 for an ISE record, 0 otherwise. The
 * line's end serves as the message's: the blanks trim() takes off hold no
 * byte of the words hint_at() looks for. The last block is the line's last
 * sixteen bytes, overlapping the one before; bytes already looked at are
 * masked off for the hints (a tab there was already ruled out).
 */
static int line_hints(struct parse *ps, const char *l, const char *p, const char *e, bool tabs)
{
    const __m128i tab = _mm_set1_epi8('\t'), low = _mm_set1_epi8(0x20), c = _mm_set1_epi8('c');
    const char *q = l;
    bool cise = false;
    unsigned m, skip;
    __m128i v, any_tab = _mm_setzero_si128();

    /* the header: tabs only (tested once, at the end), two blocks a step */
    for (; p - q >= 32; q += 32)
        any_tab = _mm_or_si128(
            any_tab,
            _mm_or_si128(
                _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)q), tab),
                _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(q + 16)), tab)));
    if (p - q >= 16) {
        any_tab = _mm_or_si128(
            any_tab, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)q), tab));
        q += 16;
    }
    for (; e - q > 16; q += 16) {
        v = _mm_loadu_si128((const __m128i *)(const void *)q);
        any_tab = _mm_or_si128(any_tab, _mm_cmpeq_epi8(v, tab));
        m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_or_si128(v, low), c));
        if (p > q)
            m &= ~0u << (p - q);
        for (; m; m &= m - 1)
            cise |= hint_at(ps, q + __builtin_ctz(m), e);
    }
    /* the last sixteen bytes: those before q were looked at already */
    v = _mm_loadu_si128((const __m128i *)(const void *)(e - 16));
    any_tab = _mm_or_si128(any_tab, _mm_cmpeq_epi8(v, tab));
    if (tabs && _mm_movemask_epi8(any_tab))
        return -1;
    skip = (unsigned)(16 - (e - q));
    if (p > e - 16 + skip)
        skip = (unsigned)(p - (e - 16));
    m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_or_si128(v, low), c));
    m = skip >= 16 ? 0 : m & (~0u << skip);
    for (; m; m &= m - 1)
        cise |= hint_at(ps, e - 16 + __builtin_ctz(m), e);
    return cise;
}
#endif

/* Returns whether the message names an ISE record (the caller then runs extract_cise()). */
static bool extract_hints(struct parse *ps, const char *p, const char *e)
{
    const char *q = p;
    bool cise = false;

    mnemonic_hints(ps, p, e);
#if defined(__SSE2__)
    /* Sixteen bytes a step: OR 0x20 maps only 'c' and 'C' to 'c'; the
     * compare's byte mask has bit i for byte i. */
    for (; e - q >= 16; q += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)q);
        unsigned m = (unsigned)_mm_movemask_epi8(
            _mm_cmpeq_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)), _mm_set1_epi8('c')));
        for (; m; m &= m - 1)
            cise |= hint_at(ps, q + __builtin_ctz(m), e);
    }
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* Eight bytes a step: OR 0x20 maps only 'c' and 'C' to 'c', and the
     * exact zero-byte mask of the XOR with "cccccccc" marks them; on a
     * little-endian machine the lowest marked bit's byte is the first. */
    for (; e - q >= 8; q += 8) {
        const uint64_t low7 = 0x7f7f7f7f7f7f7f7fULL;
        uint64_t x, y, m;
        memcpy(&x, q, sizeof(x));
        y = (x | 0x2020202020202020ULL) ^ 0x6363636363636363ULL;
        m = ~(((y & low7) + low7) | y | low7);
        for (; m; m &= m - 1)
            cise |= hint_at(ps, q + (__builtin_ctzll(m) >> 3), e);
    }
#endif
    for (; q < e; q++)
        if ((*q | 0x20) == 'c')
            cise |= hint_at(ps, q, e);
    return cise;
}

/* Everything the message text says about user, addresses and commands. */
static void extract(struct parse *ps)
{
    struct sh_log_event *ev = ps->ev;
    const char *p = ps->message.p, *e;
    span s;

    if (!p)
        return;
    e = p + ps->message.n;
    if (ps->header_only) {
        if (extract_hints(ps, p, e))
            extract_cise(ps, NULL, p, e);
        return;
    }
    gate_build(&ps->gate, p, e);

    if (mn_is(ps, "PARSER-5-CFGLOG_LOGGEDCMD")) {
        const char *c = find(&ps->gate, p, e, "logged command:");
        if (c) {
            ps->command = clean_cmd(mk(c + 15, e));
            s = between(&ps->gate, p, c, "User:", ' ');
            if (s.p && !ps->user.n)
                ps->user = s;
        } else {
            s = between(&ps->gate, p, e, "<cli>", '<');
            if (s.p)
                ps->command = xml_decode(ev, trim(s));
            s = between(&ps->gate, p, e, "<user>", '<');
            if (s.p)
                ps->user = xml_decode(ev, trim(s));
            s = between(&ps->gate, p, e, "<ipAddress>", '<');
            if (s.p && ip_len(s.p, s.p + s.n) == s.n)
                ps->src_ip = s;
        }
    } else if (mn_ends(ps, "HA_EM-6-LOG")) {
        const char *c = ifind(p, e, "catchall:");
        if (c == p || (c && c < p + 8))
            ps->command = clean_cmd(mk(c + 9, e));
    } else if (mn_is(ps, "AAA-6-AAA_ACCOUNTING_MESSAGE") ||
               find(&ps->gate, p, e, "type=update:id=") ||
               find(&ps->gate, p, e, "type=start:id=") || find(&ps->gate, p, e, "type=stop:id=")) {
        const char *at = memchr(p, '@', (size_t)(e - p));
        if (has(p, e, "type=") || find(&ps->gate, p, e, ":id=")) {
            s = between(&ps->gate, p, e, ":user=", ':');
            if (s.p)
                ps->user = s;
            s = kv_cmd(&ps->gate, p, e, "cmd=");
            if (s.p)
                ps->command = strip_status(s);
        } else if (at) {
            const char *c1 = memchr(p, ':', (size_t)(at - p));
            const char *u = memchr(at, ':', (size_t)(e - at));
            if (c1 && ip_len(c1 + 1, at) == (size_t)(at - c1 - 1))
                ps->src_ip = mk(c1 + 1, at);
            if (u) {
                const char *ue = memchr(u + 1, ':', (size_t)(e - u - 1));
                if (ue) {
                    ps->user = mk(u + 1, ue);
                    if (ue + 1 < e)
                        ps->command = strip_status(mk(ue + 1, e));
                }
            }
        }
    } else if (asa_family(ps->fac_code) &&
               (mn_is(ps, "111008") || mn_is(ps, "111009") || mn_is(ps, "111010"))) {
        char id = ps->mnemonic.p[5];
        if (id == '8') {
            s = between(&ps->gate, p, e, "executed the '", '\'');
            if (s.p) {
                /* the command itself may hold quotes: run to "' command" */
                const char *end = find(&ps->gate, s.p, e, "' command");
                ps->command = trim(mk(s.p, end ? end : s.p + s.n));
            }
        } else if (id == '9') {
            const char *c = find(&ps->gate, p, e, "executed cmd:");
            if (c)
                ps->command = trim(mk(c + 13, e));
        } else if (id == '0') {
            const char *c = find(&ps->gate, p, e, "executed '");
            if (c) {
                const char *v = c + 10, *q = e;
                while (q > v && q[-1] != '\'')
                    q--;
                if (q > v)
                    ps->command = trim(mk(v, q - 1));
            }
            s = between(&ps->gate, p, e, "from IP ", ',');
            if (s.p && ip_len(s.p, s.p + s.n) == s.n)
                ps->src_ip = s;
        }
    } else if (mn_is(ps, "UI_CMDLINE_READ_LINE")) {
        const char *c = find(&ps->gate, p, e, "command '");
        if (c) {
            const char *v = c + 9, *q = e;
            while (q > v && q[-1] != '\'')
                q--;
            if (q > v)
                ps->command = clean_cmd(mk(v, q - 1));
        }
    }
    if (find(&ps->gate, p, e, "CISE_TACACS_Accounting"))
        extract_cise(ps, &ps->gate, p, e);
    if (!ps->command.n) {
        s = ise_cmdset(&ps->gate, ev, p, e);
        if (s.n)
            ps->command = s;
    }
    if (!ps->command.n) {
        s = kv_cmd(&ps->gate, p, e, "cmd=");
        if (!s.n)
            s = kv_cmd(&ps->gate, p, e, "Cmd=");
        if (!s.n)
            s = kv_cmd(&ps->gate, p, e, "CMD=");
        if (s.n)
            ps->command = s;
    }

    /* EOS command accounting: "admin ssh 10.1.1.5 stop ... cmd=..." */
    if (mn_is(ps, "ACCOUNTING-6-CMD")) {
        const char *u = p, *ue, *ip;
        for (ue = u; ue < e && !is_sp(*ue); ue++)
            ;
        ip = skip_sp(ue, e);
        while (ip < e && !is_sp(*ip))
            ip++;
        ip = skip_sp(ip, e);
        if (ue > u)
            ps->user = mk(u, ue);
        if (ip < e && (s.n = ip_len(ip, e)) > 0 && (ip + s.n == e || is_sp(ip[s.n])))
            ps->src_ip = mk(ip, ip + s.n);
    }
    s = between(&ps->gate, p, e, "rhost=", ' ');
    if (s.n && ip_len(s.p, s.p + s.n) == s.n && !ps->src_ip.n)
        ps->src_ip = s;

    /* Junos UI_LOGIN_EVENT: ssh-connection '10.1.1.5 53000 10.1.1.1 22' */
    {
        const char *c = find(&ps->gate, p, e, "ssh-connection '");
        size_t n;
        if (c && (n = ip_len(c + 16, e)) > 0 && !ps->src_ip.n) {
            const char *q = c + 16 + n;
            ps->src_ip = mk(c + 16, q);
            if (q < e && *q == ' ' && (n = ndig(q + 1, e)) > 0 && n <= 5)
                ps->src_port = mk(q + 1, q + 1 + n);
        }
    }

    /* login records: [user: x] [Source: ip] [localport: n] */
    s = between(&ps->gate, p, e, "[Source: ", ']');
    if (s.p && ip_len(s.p, s.p + s.n) == s.n && !ps->src_ip.n)
        ps->src_ip = s;
    s = between(&ps->gate, p, e, "[localport: ", ']');
    if (s.p && ndig(s.p, s.p + s.n) == s.n && s.n && s.n <= 5)
        ps->local_port = s;

    extract_user(ps, p, e);
    if (!ps->user.n) {
        s = between(&ps->gate, p, e, "User:", ' ');
        if (s.n)
            ps->user = s;
    }
    extract_flow(ps, p, e);
}

/* ------------------------------------------------------------- shapes */

/*
 * `%FAC-SEV-MNEMONIC:` and `%FAC-SUBFAC-SEV-MNEMONIC:` (IOS, XE, NX-OS, XR,
 * EOS), `%ASA-n-nnnnnn:` (ASA/FTD/PIX), `%%01MOD/SEV/DIGEST(l):` (Huawei).
 */
/* The end of a mnemonic token [tok, te) whose facility is set: the
 * mnemonic is the token, or for the ASA family the part after the
 * severity (at `after_sev`); a ':' after blanks belongs to the token. */
ALWAYS_INLINE const char *mnemonic_end(struct parse *ps, const char *tok, const char *after_sev,
                                       const char *te, const char *e)
{
    const char *q;

    ps->mnemonic = mk(asa_family(ps->fac_code) ? after_sev : tok, te);
    q = skip_sp(te, e);
    return q < e && *q == ':' ? q + 1 : te;
}

static const char *parse_mnemonic(struct parse *ps, const char *p, const char *e)
{
    const char *q, *tok, *te, *lim, *parts[8], *dash[8];
    size_t plen[8];
    int np = 0, nd = 0, i, sev_at = -1;

    if (p >= e || *p != '%')
        return NULL;
    if (p + 4 < e && p[1] == '%' && is_dig(p[2]) && is_dig(p[3])) {
        /* Huawei VRP: %%01SECLOG/6/SESSION_TEARDOWN(l): */
        const char *m = p + 4, *s1, *s2, *me;
        s1 = memchr(m, '/', (size_t)(e - m) < 64 ? (size_t)(e - m) : 64);
        if (!s1 || s1 + 2 >= e || !is_dig(s1[1]) || s1[2] != '/')
            return NULL;
        s2 = s1 + 2;
        for (me = s2 + 1; me < e && (is_alnum(*me) || *me == '_'); me++)
            ;
        if (me == s2 + 1)
            return NULL;
        ps->fac_code = mk(m, s1);
        ps->sev = s1[1] - '0' <= 7 ? s1[1] - '0' : -1;
        ps->mnemonic = mk(m, me);
        if (me < e && *me == '(') {
            const char *c = memchr(me, ')', (size_t)(e - me) < 8 ? (size_t)(e - me) : 8);
            if (c)
                me = c + 1;
        }
        if (me < e && *me == ':')
            me++;
        return me;
    }
    tok = p + 1;
    if (tok >= e || !is_up(*tok))
        return NULL;
    /* the token and its first dashes in one pass: at most 8 parts are kept,
     * which takes at most 8 dashes */
    lim = e - tok > 128 ? tok + 128 : e;
    te = tok;
#if defined(__SSE2__)
    /* Sixteen bytes a step: a byte mask of the token class (alnum _ -,
     * C_MN) and one of the dashes; the first byte outside the class ends
     * the token, and the dashes before it are recorded in order. Bytes of
     * 0x80 and up compare negative, so they fall outside every range. */
    for (; lim - te >= 16; te += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)te);
        __m128i dig = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                    _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
        __m128i up = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('A' - 1)),
                                   _mm_cmplt_epi8(v, _mm_set1_epi8('Z' + 1)));
        __m128i lo = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('a' - 1)),
                                   _mm_cmplt_epi8(v, _mm_set1_epi8('z' + 1)));
        __m128i da = _mm_cmpeq_epi8(v, _mm_set1_epi8('-'));
        __m128i in =
            _mm_or_si128(_mm_or_si128(dig, up),
                         _mm_or_si128(_mm_or_si128(lo, da), _mm_cmpeq_epi8(v, _mm_set1_epi8('_'))));
        unsigned out = ~(unsigned)_mm_movemask_epi8(in) & 0xffffu;
        unsigned md = (unsigned)_mm_movemask_epi8(da);
        if (out)
            md &= (1u << __builtin_ctz(out)) - 1;
        for (; md && nd < 8; md &= md - 1)
            dash[nd++] = te + __builtin_ctz(md);
        if (out) {
            te += __builtin_ctz(out);
            goto token_end;
        }
    }
#endif
    for (; te < lim && is_cls(*te, C_MN); te++)
        if (*te == '-' && nd < 8)
            dash[nd++] = te;
#if defined(__SSE2__)
token_end:
#endif
    for (q = tok; q < te && np < 8;) {
        const char *d = np < nd ? dash[np] : NULL;
        const char *pe = d ? d : te;
        parts[np] = q;
        plen[np] = (size_t)(pe - q);
        np++;
        q = d ? d + 1 : te;
        if (!d)
            break;
    }
    for (i = 1; i < np - 1; i++) {
        if (plen[i] == 1 && parts[i][0] >= '0' && parts[i][0] <= '7') {
            sev_at = i;
            break;
        }
    }
    if (sev_at < 0 || plen[0] == 0 || plen[np - 1] == 0)
        return NULL;
    ps->fac_code = mk(parts[0], parts[0] + plen[0]);
    if (sev_at >= 2)
        ps->subfac = mk(parts[1], parts[sev_at - 1] + plen[sev_at - 1]);
    ps->sev = parts[sev_at][0] - '0';
    return mnemonic_end(ps, tok, parts[sev_at + 1], te, e);
}

#if defined(__SSE2__)
/* The bytes of the sixteen at p in the mnemonic token class (alnum _ -,
 * C_MN) as a mask, and its dashes in *dashes (as in parse_mnemonic()). */
ALWAYS_INLINE unsigned mn_class16(const char *p, unsigned *dashes)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i dig = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
    /* OR 0x20 maps A-Z onto a-z and no other byte into a-z */
    __m128i l = _mm_or_si128(v, _mm_set1_epi8(0x20));
    __m128i alpha = _mm_and_si128(_mm_cmpgt_epi8(l, _mm_set1_epi8('a' - 1)),
                                  _mm_cmplt_epi8(l, _mm_set1_epi8('z' + 1)));
    __m128i da = _mm_cmpeq_epi8(v, _mm_set1_epi8('-'));

    *dashes = (unsigned)_mm_movemask_epi8(da);
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(
        _mm_or_si128(dig, alpha), _mm_or_si128(da, _mm_cmpeq_epi8(v, _mm_set1_epi8('_')))));
}
#endif

/*
 * parse_mnemonic() for the fast paths, with the same result: the usual
 * `%FAC-SEV-MNEMONIC` token (at most 31 bytes, with at most seven dashes
 * and not ending in one, 32 bytes of line after the '%') is read from two
 * class masks; any other goes to parse_mnemonic(). With every dash of the
 * token known, its parts are the runs between dashes, all kept; a
 * one-byte part (not the first, not the last) is a dash at j, one at j + 2
 * and no dash between, which a digit at j + 1 ensures. The lowest such j
 * whose digit is 0-7 is the first severity part parse_mnemonic() finds.
 */
static const char *parse_mnemonic_fast(struct parse *ps, const char *p, const char *e)
{
#if defined(__SSE2__)
    const char *tok = p + 1, *te;
    unsigned lo_d, hi_d;
    uint32_t in, md, cand, x;
    int len, d0, j = 0, nd;

    if (e - tok < 32 || *p != '%' || !is_up(*tok))
        return parse_mnemonic(ps, p, e);
    in = mn_class16(tok, &lo_d);
    in |= (uint32_t)mn_class16(tok + 16, &hi_d) << 16;
    if (in == 0xffffffffu)
        return parse_mnemonic(ps, p, e);
    len = __builtin_ctz(~in);
    md = (lo_d | hi_d << 16) & ((1u << len) - 1);
    for (nd = 0, x = md; x && nd < 8; nd++)
        x &= x - 1;
    if (tok[len - 1] == '-' || nd > 7)
        return parse_mnemonic(ps, p, e);
    for (cand = md & (md >> 2); cand; cand &= cand - 1) {
        j = __builtin_ctz(cand);
        if (tok[j + 1] >= '0' && tok[j + 1] <= '7')
            break;
    }
    if (!cand)
        return NULL; /* no severity part (or no dash at all) */
    d0 = __builtin_ctz(md);
    te = tok + len;
    ps->fac_code = mk(tok, tok + d0);
    if (j > d0)
        ps->subfac = mk(tok + d0 + 1, tok + j);
    ps->sev = tok[j + 1] - '0';
    return mnemonic_end(ps, tok, tok + j + 3, te, e);
#else
    return parse_mnemonic(ps, p, e);
#endif
}

/* Find an embedded `%FAC-d-MNEMONIC:` within the first bytes of the text. */
static const char *find_embedded(struct parse *ps, const char *p, const char *e)
{
    const char *lim = e - p > EMBED_SCAN ? p + EMBED_SCAN : e, *q;

    for (q = p; q < lim; q++) {
        const char *r;
        if (*q != '%' || (q > p && !is_sp(q[-1]) && q[-1] != ':'))
            continue;
        if ((r = parse_mnemonic(ps, q, e)) != NULL)
            return r;
        ps->fac_code.n = ps->subfac.n = ps->mnemonic.n = 0;
        ps->fac_code.p = ps->subfac.p = ps->mnemonic.p = NULL;
        ps->sev = -1;
    }
    return NULL;
}

ALWAYS_INLINE bool name_is(const char *p, size_t n, const char *lit)
{
    return n == strlen(lit) && memcmp(p, lit, n) == 0;
}

static void add_sd(struct parse *ps, const char *name, size_t nl, span val)
{
    char *n;

    size_t i;

    if (ps->header_only) {
        /* no extra fields then; only whether one would be a command */
        if (name_is(name, nl, "command"))
            ps->hint |= SH_SYSLOG_HINT_COMMAND;
        if (name_is(name, nl, "host"))
            ps->extra_host = true;
        return;
    }
    if (ps->n_sd >= MAX_SD || nl == 0 || nl > 64)
        return;
    for (i = 0; i < nl; i++)
        if (name[i] <= ' ' || name[i] >= 0x7f)
            return;
    n = sh_log_event__scratch(ps->ev, nl + 1);
    if (!n)
        return;
    memcpy(n, name, nl);
    n[nl] = '\0';
    ps->sd[ps->n_sd].name = n;
    ps->sd[ps->n_sd].val = val;
    ps->n_sd++;
}

/* RFC 5424 STRUCTURED-DATA: one or more [id name="value" ...]. Returns the end. */
static const char *parse_sd(struct parse *ps, const char *p, const char *e)
{
    int elems = 0;

    while (p < e && *p == '[' && elems < 32) {
        const char *q = p + 1;
        elems++;
        while (q < e && *q != ' ' && *q != ']')
            q++;
        while (q < e && *q == ' ') {
            const char *nm, *ne, *v;
            char *d;
            size_t o = 0;
            bool esc = false;
            span val;

            q = skip_sp(q, e);
            nm = q;
            while (q<e && * q> ' ' && *q < 0x7f && *q != '=' && *q != ']' && *q != '"')
                q++;
            ne = q;
            if (ne == nm || ne - nm > 32 || q + 1 >= e || *q != '=' || q[1] != '"')
                return NULL; /* RFC 5424 SD-NAME: 1-32 printable characters */
            v = q + 2;
            for (q = v; q < e && *q != '"'; q++) {
                if (*q == '\\' && q + 1 < e) {
                    q++;
                    esc = true;
                }
            }
            if (q >= e)
                return NULL;
            val = mk(v, q);
            if (esc) {
                const char *r;
                d = sh_log_event__scratch(ps->ev, (size_t)(q - v) + 1);
                ps->nonraw = true;
                if (d) {
                    for (r = v; r < q; r++) {
                        if (*r == '\\' && r + 1 < q && (r[1] == '"' || r[1] == '\\' || r[1] == ']'))
                            r++;
                        d[o++] = *r;
                    }
                    d[o] = '\0';
                    val.p = d;
                    val.n = o;
                }
            }
            q++; /* closing quote */
            {
                size_t nl = (size_t)(ne - nm);
                if ((name_is(nm, nl, "username") || name_is(nm, nl, "user")) &&
                    !(val.n == 3 && memcmp(val.p, "N/A", 3) == 0))
                    ps->user = val;
                else if (name_is(nm, nl, "command"))
                    ps->command = clean_cmd(val);
                else if (name_is(nm, nl, "source-address"))
                    ps->src_ip = val;
                else if (name_is(nm, nl, "source-port"))
                    ps->src_port = val;
                else if (name_is(nm, nl, "destination-address"))
                    ps->dst_ip = val;
                else if (name_is(nm, nl, "destination-port"))
                    ps->dst_port = val;
                add_sd(ps, nm, nl, val);
            }
        }
        if (q >= e || *q != ']')
            return NULL;
        p = q + 1;
    }
    return p;
}

/* One space-separated token, "-" meaning absent. */
static const char *token(const char *p, const char *e, span *out)
{
    const char *q = p;

    while (q < e && *q != ' ')
        q++;
    *out = mk(p, q);
    if (out->n == 1 && out->p[0] == '-')
        out->n = 0;
    return q;
}

static void parse_body(struct parse *ps, const char *p, const char *e);

/* TIMESTAMP HOST APP PROCID MSGID SD [MSG] (RFC 5424 after VERSION). */
static bool parse_5424_rest(struct parse *ps, const char *p, const char *e)
{
    struct stamp st;
    span ts, host, app, pid, msgid;
    const char *q;

    p = token(p, e, &ts);
    if (ts.n) {
        q = parse_stamp(ts.p, ts.p + ts.n, &st);
        if (!q || q != ts.p + ts.n)
            return false;
        take_stamp(ps, &st);
    }
    if (p >= e)
        return false;
    p = token(p + 1, e, &host);
    if (p >= e)
        return false;
    p = token(p + 1, e, &app);
    if (p >= e)
        return false;
    p = token(p + 1, e, &pid);
    if (p >= e)
        return false;
    p = token(p + 1, e, &msgid);
    if (host.n) {
        if (ps->host.n)
            ps->relay = ps->host;
        ps->host = host;
    }
    ps->program = app;
    ps->pid = pid;
    ps->header = true;
    if (msgid.n)
        ps->mnemonic = msgid;
    if (p < e && *p == ' ')
        p++;
    if (p < e && *p == '[') {
        const char *sd = p;
        q = parse_sd(ps, p, e);
        if (!q) {
            ps->message = mk(p, e);
            return true;
        }
        p = q;
        if (skip_sp(p, e) == e) {
            /* no MSG: the structured data is the whole message */
            span keep = ps->mnemonic;
            ps->message = mk(sd, e);
            extract(ps);
            ps->mnemonic = keep;
            return true;
        }
    } else if (p < e && *p == '-') {
        p++;
    }
    if (p < e && *p == ' ')
        p++;
    if (e - p >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
        (unsigned char)p[2] == 0xBF)
        p += 3;
    {
        span keep = ps->mnemonic;
        parse_body(ps, p, e);
        if (!ps->mnemonic.n)
            ps->mnemonic = keep;
    }
    return true;
}

/* FortiGate / Sophos key=value lines. */
static bool kv_line(const char *p, const char *e)
{
    static const char *const starts[] = {
        "date=", "devname=", "device=", "logver=", "timestamp=", "eventtime=", "logid="};
    size_t i;

    for (i = 0; i < SH_ARRAY_LEN(starts); i++)
        if (has(p, e, starts[i]))
            return true;
    return false;
}

static void parse_kv(struct parse *ps, const char *p, const char *e)
{
    span date = {NULL, 0}, tim = {NULL, 0}, tz = {NULL, 0}, msg = {NULL, 0}, desc = {NULL, 0};
    span ui = {NULL, 0};
    int pairs = 0;

    while (p < e && pairs < 256) {
        const char *k, *ke, *v, *ve;
        span key, val;
        p = skip_sp(p, e);
        k = p;
        while (p < e && *p != '=' && *p != ' ')
            p++;
        ke = p;
        if (p >= e || *p != '=') {
            while (p < e && *p != ' ')
                p++;
            continue;
        }
        p++;
        if (p < e && *p == '"') {
            v = ++p;
            while (p < e && *p != '"')
                p++;
            ve = p;
            if (p < e)
                p++;
        } else {
            v = p;
            while (p < e && *p != ' ')
                p++;
            ve = p;
        }
        pairs++;
        key = mk(k, ke);
        val = mk(v, ve);
        if (key.n && key.n <= 32 && is_alpha(key.p[0]))
            add_sd(ps, key.p, key.n, val); /* Sigma rules match FortiGate keys as-is */
#define K(lit) name_is(key.p, key.n, lit)
        if (K("date"))
            date = val;
        else if (K("time"))
            tim = val;
        else if (K("tz") || K("timezone"))
            tz = val;
        else if (K("devname") || K("device_name"))
            ps->host = val;
        else if (K("logid") || K("log_id"))
            ps->mnemonic = val;
        else if (K("type") || K("log_type"))
            ps->fac_code = val;
        else if (K("subtype") || K("log_subtype"))
            ps->subfac = val;
        else if (K("level") || K("priority")) {
            int s = level_word(val);
            if (s >= 0)
                ps->sev = s;
        } else if ((K("user") || K("user_name") || K("usrname")) && !ps->user.n)
            ps->user = val;
        else if (K("srcip") || K("src_ip"))
            ps->src_ip = val;
        else if (K("dstip") || K("dst_ip"))
            ps->dst_ip = val;
        else if (K("srcport") || K("src_port"))
            ps->src_port = val;
        else if (K("dstport") || K("dst_port"))
            ps->dst_port = val;
        else if (K("msg") || K("message"))
            msg = val;
        else if (K("logdesc"))
            desc = val;
        else if (K("ui"))
            ui = val;
#undef K
    }
    ps->header = true;
    ps->message = msg.n ? msg : desc;
    if (!ps->src_ip.n && ui.n) {
        const char *o = memchr(ui.p, '(', ui.n);
        if (o) {
            size_t n = ip_len(o + 1, ui.p + ui.n);
            if (n)
                ps->src_ip = mk(o + 1, o + 1 + n);
        }
    }
    if (date.n && tim.n && date.n < 16 && tim.n < 16) {
        char buf[48];
        struct stamp st;
        const char *q;
        /* date 'T' time, each cut at a NUL byte like printf's %.*s would */
        size_t dn = strnlen(date.p, date.n), tn = strnlen(tim.p, tim.n), n = dn + 1 + tn;
        memcpy(buf, date.p, dn);
        buf[dn] = 'T';
        memcpy(buf + dn + 1, tim.p, tn);
        q = parse_stamp(buf, buf + n, &st);
        if (q == buf + n) {
            if (tz.n && (tz.p[0] == '+' || tz.p[0] == '-'))
                parse_numzone(tz.p, tz.p + tz.n, &st);
            take_stamp(ps, &st);
        }
    }
}

/* PAN-OS: FUTURE,receive time,serial,TYPE,subtype,... */
static bool panos_line(const char *p, const char *e)
{
    size_t n = ndig(p, e);
    struct stamp st;
    const char *q;

    if (n == 0 || p + n >= e || p[n] != ',')
        return false;
    q = parse_stamp(p + n + 1, e, &st);
    return q && q < e && *q == ',' && st.has_year;
}

static void parse_panos(struct parse *ps, const char *p, const char *e)
{
    span col[26];
    int nc = 0;
    struct stamp st;
    const char *q = p;

    while (q <= e && nc < 26) {
        const char *s = q, *ce;
        if (q < e && *q == '"') {
            s = ++q;
            ce = memchr(q, '"', (size_t)(e - q));
            if (!ce)
                ce = e;
            q = ce + 1 < e ? ce + 1 : e;
            col[nc++] = mk(s, ce);
            if (q < e && *q == ',')
                q++;
            else
                break;
            continue;
        }
        ce = memchr(q, ',', (size_t)(e - q));
        if (!ce) {
            col[nc++] = mk(s, e);
            break;
        }
        col[nc++] = mk(s, ce);
        q = ce + 1;
    }
    ps->header = true;
    if (nc > 1 && parse_stamp(col[1].p, col[1].p + col[1].n, &st))
        take_stamp(ps, &st);
    if (!ps->host.n && nc > 2)
        ps->host = col[2];
    if (nc > 3)
        ps->fac_code = col[3];
    if (nc > 4)
        ps->mnemonic = col[4];
    ps->message = mk(p, e);
    if (nc > 3 && name_is(col[3].p, col[3].n, "CONFIG")) {
        if (nc > 10)
            ps->user = col[10];
        if (nc > 7 && ip_len(col[7].p, col[7].p + col[7].n) == col[7].n)
            ps->src_ip = col[7];
        if (nc > 13 && col[9].n) {
            size_t need;
            col[13] = trim(col[13]);
            need = col[9].n + 1 + col[13].n + 1;
            char *d = sh_log_event__scratch(ps->ev, need);
            ps->nonraw = true;
            if (d) {
                memcpy(d, col[9].p, col[9].n);
                d[col[9].n] = ' ';
                memcpy(d + col[9].n + 1, col[13].p, col[13].n);
                d[need - 1] = '\0';
                ps->command = trim(mk(d, d + need - 1));
            }
        }
    } else if (nc > 3 &&
               (name_is(col[3].p, col[3].n, "TRAFFIC") || name_is(col[3].p, col[3].n, "THREAT"))) {
        if (nc > 8) {
            ps->src_ip = col[7];
            ps->dst_ip = col[8];
        }
        if (nc > 12 && col[12].n)
            ps->user = col[12];
        if (nc > 25) {
            ps->src_port = col[24];
            ps->dst_port = col[25];
        }
    } else if (nc > 3 && name_is(col[3].p, col[3].n, "SYSTEM")) {
        if (nc > 8 && col[8].n)
            ps->mnemonic = col[8];
        if (nc > 13) {
            int s = level_word(col[13]);
            if (s >= 0)
                ps->sev = s;
        }
    }
}

/* Program tag: name[pid]: or name: followed by a blank or the end. */
static const char *parse_tag(struct parse *ps, const char *p, const char *e)
{
    const char *q = p, *name_end, *pid = NULL, *pid_end = NULL;

    const char *lim = e - p > 64 ? p + 64 : e;

    while (q < lim && is_cls(*q, C_TAG))
        q++;
    if (q == p || !is_alpha(*p))
        return NULL;
    name_end = q;
    if (q < e && *q == '[') {
        pid = ++q;
        while (q < e && q - pid < 20 && *q != ']')
            q++;
        if (q >= e || *q != ']')
            return NULL;
        pid_end = q++;
    }
    if (q >= e || *q != ':' || (q + 1 < e && !is_sp(q[1])))
        return NULL;
    ps->program = mk(p, name_end);
    if (pid)
        ps->pid = mk(pid, pid_end);
    return q + 1;
}

/* Junos style EVENT_ID: text (upper case, at least one '_'). */
static const char *parse_event_id(struct parse *ps, const char *p, const char *e)
{
    const char *q = p;
    bool us = false;

    if (p >= e || !is_up(*p))
        return NULL;
    while (q < e && q - p < 64 && (is_up(*q) || is_dig(*q) || *q == '_')) {
        us |= *q == '_';
        q++;
    }
    if (!us || q >= e || *q != ':' || (q + 1 < e && !is_sp(q[1])))
        return NULL;
    ps->mnemonic = mk(p, q);
    return q + 1;
}

/* NetScreen device_id=X  [Root]system-warning-00515: text */
static void parse_netscreen(struct parse *ps, const char *p, const char *e)
{
    const char *q = memchr(p, ']', (size_t)(e - p) < 160 ? (size_t)(e - p) : 160);
    const char *d1, *d2, *c;

    ps->header = true;
    ps->message = trim(mk(p, e));
    if (!q || !(c = memchr(q, ':', (size_t)(e - q))) || c - q > 80)
        return;
    q++;
    d1 = memchr(q, '-', (size_t)(c - q));
    d2 = d1 ? memchr(d1 + 1, '-', (size_t)(c - d1 - 1)) : NULL;
    if (!d1 || !d2 || ndig(d2 + 1, c) != (size_t)(c - d2 - 1) || c == d2 + 1)
        return;
    ps->fac_code = mk(q, d1);
    ps->sev = level_word(mk(d1 + 1, d2));
    ps->mnemonic = mk(d2 + 1, c);
    ps->message = trim(mk(c + 1, e));
}

/* The message after the header: its shape, then extraction. */
static void parse_body(struct parse *ps, const char *p, const char *e)
{
    const char *q;
    struct stamp st;

    p = skip_sp(p, e);
    if ((q = ps->general ? parse_mnemonic(ps, p, e) : parse_mnemonic_fast(ps, p, e)) != NULL) {
        ps->header = true;
        ps->message = trim(mk(q, e));
    } else if ((q = parse_stamp(p, e, &st)) != NULL && st.has_year && q < e && *q == ' ' &&
               parse_5424_rest(ps, p, e)) {
        return; /* embedded RFC 5424 body (Junos structured-data via a relay) */
    } else if (has(p, e, "NetScreen device_id=")) {
        parse_netscreen(ps, p, e);
    } else if (kv_line(p, e)) {
        parse_kv(ps, p, e);
    } else if (panos_line(p, e)) {
        parse_panos(ps, p, e);
    } else if (ps->header && (q = parse_event_id(ps, p, e)) != NULL) {
        ps->message = trim(mk(q, e));
    } else if ((q = find_embedded(ps, p, e)) != NULL) {
        ps->header = true;
        ps->message = trim(mk(q, e));
    } else {
        ps->message = trim(mk(p, e));
    }
    extract(ps);
}

/* ------------------------------------------------------------- headers */

/* IOS XR node id "RP/0/RSP0/CPU0:" directly followed by a stamp. */
static size_t xr_node(const char *p, const char *e)
{
    const char *q = p;
    bool slash = false;

    const char *lim = e - p > 40 ? p + 40 : e;

    while (q < lim && (is_alnum(*q) || *q == '/')) {
        slash |= *q == '/';
        q++;
    }
    if (!slash || q >= e || *q != ':' || !is_alpha(*p))
        return 0;
    return (size_t)(q - p);
}

ALWAYS_INLINE bool host_char(char c)
{
    return is_cls(c, C_HOST);
}

/*
 * Some NAS send the command word in cmd= and each argument in its own
 * cmd-arg= pair (tab-separated); join them into one command.
 */
static void tacplus_args(struct parse *ps, const char *p, const char *e)
{
    const char *q = p;
    char *d;
    size_t o, cap;

    if (!ps->command.n || !find(NULL, p, e, "cmd-arg="))
        return;
    cap = ps->command.n + (size_t)(e - p) + 1;
    ps->nonraw = true;
    d = sh_log_event__scratch(ps->ev, cap);
    if (!d)
        return;
    memcpy(d, ps->command.p, ps->command.n);
    o = ps->command.n;
    while ((q = find(NULL, q, e, "cmd-arg=")) != NULL) {
        const char *v = q + 8, *ve = memchr(v, '\t', (size_t)(e - v));
        span a;
        if (!ve)
            ve = e;
        a = clean_cmd(mk(v, ve));
        if ((q == p || q[-1] == '\t') && a.n) {
            d[o++] = ' ';
            memcpy(d + o, a.p, a.n);
            o += a.n;
        }
        q = ve;
    }
    d[o] = '\0';
    ps->ev->scratch_used -= (uint32_t)(cap - 1 - o);
    ps->command = mk(d, d + o);
}

/* tac_plus: stamp TAB nas TAB user TAB port TAB rem_addr TAB type TAB av... */
static bool parse_tacplus(struct parse *ps, const char *p, const char *e)
{
    span col[6];
    int i;
    struct stamp st;
    const char *q = memchr(p, '\t', (size_t)(e - p)), *r;

    if (!q)
        return false;
    r = parse_stamp(p, q, &st);
    if (!r || st.uptime)
        return false;
    r = skip_sp(r, q);
    if (r != q)
        return false;
    for (i = 0; i < 6 && q < e; i++) {
        const char *s = q + 1, *t = memchr(s, '\t', (size_t)(e - s));
        col[i] = mk(s, t ? t : e);
        q = t ? t : e;
    }
    if (i < 6)
        return false;
    take_stamp(ps, &st);
    ps->header = true;
    ps->host = col[0];
    ps->user = col[1];
    if (ip_len(col[3].p, col[3].p + col[3].n) == col[3].n && col[3].n)
        ps->src_ip = col[3];
    ps->fac_code.p = "TACACS";
    ps->fac_code.n = 6;
    ps->nonraw = true;
    ps->mnemonic = col[4];
    ps->message = trim(mk(col[5].p, e));
    ps->command = kv_cmd(NULL, col[5].p, e, "cmd=");
    tacplus_args(ps, col[5].p, e);
    return true;
}

/*
 * The end of a run of host characters (C_HOST, or C_HOSTNC when
 * colon_ends): the first byte from p on outside the class, or e. Sixteen
 * bytes a step where they fit: the class is 0x21-0x7e without '"', ','
 * and '=' (and ':'), and bytes of 0x80 and up compare negative.
 */
ALWAYS_INLINE const char *host_run(const char *p, const char *e, bool colon_ends)
{
#if defined(__SSE2__)
    for (; e - p >= 16; p += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i in = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(0x20)),
                                   _mm_cmplt_epi8(v, _mm_set1_epi8(0x7f)));
        __m128i out = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                                _mm_cmpeq_epi8(v, _mm_set1_epi8(','))),
                                   _mm_cmpeq_epi8(v, _mm_set1_epi8('=')));
        unsigned stop;
        if (colon_ends)
            out = _mm_or_si128(out, _mm_cmpeq_epi8(v, _mm_set1_epi8(':')));
        stop = ~(unsigned)_mm_movemask_epi8(_mm_andnot_si128(out, in)) & 0xffffu;
        if (stop)
            return p + __builtin_ctz(stop);
    }
#endif
    while (p < e && is_cls(*p, colon_ends ? C_HOSTNC : C_HOST))
        p++;
    return p;
}

/*
 * The fast path of parse_3164() for the layout a syslog relay writes for a
 * Cisco device with sequence numbers and origin-id:
 *
 *   Mmm dd hh:mm:ss HOST SEQ: HOST2: Mmm dd yyyy hh:mm:ss.mmm UTC: text
 *
 * It makes, in order, exactly the decisions the layer loop makes on such a
 * line (layer 0: BSD stamp and host; layer 1: sequence number; layer 2:
 * origin-id host whose stamp parses; layer 3: that stamp, ending in ':'),
 * checking every condition the loop would test on the way and giving up
 * (false, nothing written) as soon as one would send the loop elsewhere;
 * docs/internals/SYSLOG.md walks through why each check suffices. On
 * success *out is where the loop would stop. parse_stamp() is called on
 * the same positions as the loop calls it, so its memo sees the same
 * sequence.
 */
static bool fast_relay(struct parse *ps, const char *p, const char *e, const char **out)
{
    struct stamp s1, *s2;
    const char *q, *r, *h1, *h1e, *sq, *h2, *h2e, *at, *t;
    size_t n, nsq;

    if (ps->have_stamp)
        return false; /* the general loop, which takes stamps over others */

    /* layer 0: three letters and a blank (a weekday or month name: the
     * origin-id probe stops at the blank, so no origin host, no node id) */
    if (e - p < 4 || !is_alpha(p[0]) || !is_alpha(p[1]) || !is_alpha(p[2]) || p[3] != ' ')
        return false;
    q = parse_stamp_inl(p, e, &s1);
    if (!q || s1.uptime || q >= e || !is_sp(*q))
        return false;
    h1 = skip_sp(q, e);
    /* not ':' (a device stamp), '%' or a byte a host name cannot start with */
    if (h1 >= e || *h1 == ':' || *h1 == '%' || !host_char(*h1))
        return false;
    h1e = host_run(h1, e, false);
    if (h1e - h1 > 255 || h1e[-1] == ':' || (h1e < e && *h1e == '='))
        return false;
    /* layer 1: a sequence number (the ASA " : " test fails on a digit) */
    sq = skip_sp(h1e, e);
    n = ndig16(sq, e);
    if (n == 0 || n > 12 || sq + n >= e || sq[n] != ':' || (sq + n + 1 < e && !is_sp(sq[n + 1])))
        return false;
    nsq = n;
    /* layer 2: not a sequence number; an origin-id host and a stamp with ':' */
    h2 = skip_sp(sq + n + 1, e);
    n = ndig(h2, e);
    if (n > 0 && n <= 12 && h2 + n < e && h2[n] == ':' && (h2 + n + 1 == e || is_sp(h2[n + 1])))
        return false;
    if (h2 >= e || !is_alnum(*h2))
        return false;
    h2e = host_run(h2, e, true);
    if (!(h2e > h2 && h2e + 1 < e && *h2e == ':' && h2e[1] == ' ' && n != (size_t)(h2e - h2)))
        return false;
    at = skip_sp(h2e + 1, e);
    /* not a digit: no sequence number after the host, and none at layer 3 */
    if (at >= e || is_dig(*at))
        return false;
    /* the inner stamp is read straight into ps->st, which holds nothing
     * yet (no stamp taken): a copy of a stamp just written field by field
     * stalls on the stores */
    s2 = &ps->st;
    t = parse_stamp_inl(at, e, s2);
    if (!t || s2->uptime || (r = skip_sp(t, e)) >= e || *r != ':')
        return false;
    /* layer 3 starts at `at`; a stamp not opening with a digit is no
     * uptime, and one opening with a letter has a blank at [3], so neither
     * the origin-id probe nor the node id test takes it */
    ps->header = true;
    ps->relay = mk(h1, h1e);
    ps->seq = mk(sq, sq + nsq);
    ps->host = mk(h2, h2e);
    /* take_stamp(s1) then take_stamp(s2): the inner one wins unless it
     * has no date or is unsynced after an outer one with a date */
    if (s2->has_date && !(s2->unsynced && s1.has_date))
        ps->have_stamp = true;
    else if (s1.has_date)
        take_stamp(ps, &s1);
    *out = r + 1;
    return true;
}

static void parse_3164(struct parse *ps, const char *p, const char *e)
{
    struct stamp st, memo_st;
    const char *memo_at = NULL, *memo_q = NULL; /* parse_stamp(memo_at) = memo_q, memo_st */
    int layer;
    bool maybe_node;
    const char *q, *r;

    if (ps->o->mode != SH_SYSLOG_RFC3164 && memchr(p, '\t', (size_t)(e - p)) &&
        parse_tacplus(ps, p, e))
        return;
    if (!ps->general && fast_relay(ps, p, e, &q)) {
        p = q;
        goto body;
    }
    for (layer = 0; layer < MAX_LAYERS; layer++) {
        size_t n;
        p = skip_sp(p, e);
        if (layer == 0 && p < e && *p == ':')
            p = skip_sp(p + 1, e);
        n = ndig(p, e);
        if (n > 0 && n <= 12 && p + n < e && p[n] == ':' && (p + n + 1 == e || is_sp(p[n + 1]))) {
            ps->seq = mk(p, p + n);
            p += n + 1;
            continue;
        }
        maybe_node = true;
        if (p < e && is_alnum(*p)) {
            /* IOS "logging origin-id hostname": "seq: host: stamp: %..." */
            const char *h = p, *t;
            while (h < e && is_cls(*h, C_HOSTNC))
                h++;
            /* an IOS XR node id is a run of host characters ending in ':' */
            maybe_node = h < e && *h == ':';
            if (h > p && h + 1 < e && *h == ':' && h[1] == ' ' && ndig(p, h) != (size_t)(h - p)) {
                size_t ns;
                memo_at = skip_sp(h + 1, e);
                /* with `service sequence-numbers` too: "host: 000123: stamp:" */
                ns = ndig(memo_at, e);
                if (ns > 0 && ns <= 12 && memo_at + ns + 1 < e && memo_at[ns] == ':' &&
                    is_sp(memo_at[ns + 1]))
                    memo_at = skip_sp(memo_at + ns + 1, e);
                memo_q = t = parse_stamp(memo_at, e, &memo_st);
                if (t && (t = skip_sp(t, e)) < e && *t == ':') {
                    if (ps->host.n)
                        ps->relay = ps->host;
                    ps->host = mk(p, h);
                    p = h + 1;
                    continue;
                }
            }
        }
        if (maybe_node && (n = xr_node(p, e)) > 0 && parse_stamp(p + n + 1, e, &st)) {
            ps->node = mk(p, p + n);
            p += n + 1;
            continue;
        }
        /* the stamp after a host just taken was read already (parse_stamp is pure) */
        if (p == memo_at) {
            q = memo_q;
            st = memo_st;
        } else {
            q = parse_stamp(p, e, &st);
        }
        if (!q)
            break;
        if (st.uptime) {
            ps->header = true;
            p = q + 1;
            break;
        }
        r = skip_sp(q, e);
        if (r < e && *r == ':') {
            /* device-native "stamp: %FAC..." */
            take_stamp(ps, &st);
            ps->header = true;
            p = r + 1;
            break;
        }
        if (q < e && !is_sp(*q))
            break;
        take_stamp(ps, &st);
        ps->header = true;
        p = r;
        if (r >= e || *r == '%' || !host_char(*r))
            break;
        for (q = r; q < e && host_char(*q); q++)
            ;
        if (q - r > 255)
            break; /* no host name is that long */
        if (q[-1] == ':') {
            /* "host: %MSG" or a bare program tag "sshd[1]: text" */
            const char *nx = skip_sp(q, e);
            if (nx < e && *nx == '%' && q - 1 > r) {
                if (ps->host.n)
                    ps->relay = ps->host;
                ps->host = mk(r, q - 1);
                p = nx;
            }
            break;
        }
        if (q < e && *q == '=') /* host_char() stops at '=' */
            break;
        if (ps->host.n)
            ps->relay = ps->host;
        ps->host = mk(r, q);
        p = q;
        r = skip_sp(p, e);
        if (r < e && *r == ':' && (r + 1 == e || is_sp(r[1])))
            p = r + 1; /* ASA/NX-OS "host : %..." */
    }
body:
    p = skip_sp(p, e);
    if (ps->header && (q = parse_tag(ps, p, e)) != NULL)
        p = q;
    parse_body(ps, p, e);
}

/*
 * sh_log_event__add() written out for the core fields. There are 21 of
 * them, emitted first, so they always fit (the extras after them go
 * through emit_extra, which checks). A span with a length always has a
 * pointer (every span is made by mk() from line or scratch positions, or
 * points at a static word), so the length alone decides.
 */
ALWAYS_INLINE void emit(struct parse *ps, const char *name, span s)
{
    struct sh_log_event *ev = ps->ev;

    if (s.n) {
        struct sh_log_field *f = &ev->fields[ev->n_fields++];
        f->name = name;
        f->value = s.p;
        f->len = s.n > UINT32_MAX ? UINT32_MAX : (uint32_t)s.n;
    }
}

/*
 * Whether the event already has a field `name` (sh_log_event_get() != NULL),
 * comparing first bytes before whole names: key=value lines carry dozens
 * of named fields, each checked against all before it. Names are never
 * empty.
 */
static bool has_field(const struct sh_log_event *ev, const char *name)
{
    uint32_t i;

    for (i = 0; i < ev->n_fields; i++)
        if (ev->fields[i].name[0] == name[0] && strcmp(ev->fields[i].name, name) == 0)
            return true;
    return false;
}

static void emit_extra(struct parse *ps, const char *name, span s)
{
    if (s.p && s.n)
        (void)sh_log_event__add(ps->ev, name, s.p, s.n);
}

/* The host field of the header-only parse (the full parse names its fields in place). */
static const char header_host[] = "host";

static const char *const fac_names[] = {
    "kern",   "user",   "mail",     "daemon", "auth",   "syslog",   "lpr",     "news",
    "uucp",   "cron",   "authpriv", "ftp",    "ntp",    "security", "console", "solaris-cron",
    "local0", "local1", "local2",   "local3", "local4", "local5",   "local6",  "local7"};
static const char *const sev_digits[] = {"0", "1", "2", "3", "4", "5", "6", "7"};

/* The hints of a finished full parse, read off its fields. */
static unsigned hints_of(const struct sh_log_event *ev, const char *line, size_t len)
{
    unsigned h = 0;
    uint32_t i;

    for (i = 0; i < ev->n_fields; i++) {
        const struct sh_log_field *f = &ev->fields[i];
        if (strcmp(f->name, "command") == 0)
            h |= SH_SYSLOG_HINT_COMMAND;
        if (!(f->value >= line && f->len <= len && f->value - line <= (ptrdiff_t)(len - f->len)) &&
            strcmp(f->name, "time") != 0 && strcmp(f->name, "facility") != 0 &&
            strcmp(f->name, "severity") != 0)
            h |= SH_SYSLOG_HINT_NONRAW;
    }
    return h;
}

/* sh_syslog_parse(), or with header_only set sh_syslog_parse_header(). */
static void parse_line(struct sh_log_event *ev, const char *line, size_t len,
                       const struct sh_syslog_opts *o, bool header_only, bool general,
                       unsigned *hint)
{
    struct parse ps;
    const char *p, *e;
    span time_s = {NULL, 0};
    int sev, year = 0, tz_used = 0;
    int i;

    if (!line)
        line = "";
    sh_log_event__reset(ev, line, len);
    memset(&ps, 0, PARSE_CLEAR);
    ps.ev = ev;
    ps.o = o ? o : &default_opts;
    /* in accounting mode whether a line counts depends on its command,
     * so the header-only parse is a full one */
    ps.header_only = header_only && ps.o->mode != SH_SYSLOG_ACCT;
    ps.general = general;
    ps.pri = -1;
    ps.sev = -1;
    p = line;
    e = line + len;
    while (e > p && (e[-1] == '\r' || e[-1] == '\n'))
        e--;
    if (e - p >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
        (unsigned char)p[2] == 0xBF)
        p += 3;

    if (p < e && *p == '<') {
        size_t n = ndig(p + 1, e);
        if (n >= 1 && n <= 3 && p + 1 + n < e && p[1 + n] == '>' && num(p + 1, n) <= 191) {
            ps.pri = num(p + 1, n);
            p += n + 2;
        }
    }
    if (ps.o->mode == SH_SYSLOG_RFC5424 ||
        (ps.o->mode == SH_SYSLOG_AUTO && ps.pri >= 0 && p + 1 < e && is_dig(*p) &&
         (p[1] == ' ' || (is_dig(p[1]) && p + 2 < e && p[2] == ' ')))) {
        size_t n = ndig(p, e);
        if (ps.pri >= 0 && n >= 1 && n <= 2 && p + n < e && p[n] == ' ' &&
            parse_5424_rest(&ps, p + n + 1, e)) {
            /* parsed as RFC 5424 */
        } else if (ps.o->mode == SH_SYSLOG_RFC5424) {
            ps.header = false;
            ps.pri = -1;
        } else {
            parse_3164(&ps, p, e);
        }
    } else {
        parse_3164(&ps, p, e);
    }

    if (ps.o->mode == SH_SYSLOG_ACCT && !ps.command.n &&
        !(ps.fac_code.n == 6 && memcmp(ps.fac_code.p, "TACACS", 6) == 0)) {
        ps.header = false; /* only accounting records count in this mode */
        ps.pri = -1;
    }
    ev->parsed = ps.header || ps.pri >= 0;
    if (!ev->parsed) {
        /* an unplaced line carries its text and nothing guessed from it */
        const struct sh_syslog_opts *keep = ps.o;
        memset(&ps, 0, PARSE_CLEAR);
        ps.ev = ev;
        ps.o = keep;
        ps.pri = ps.sev = -1;
        ps.message = mk(line, line + len);
        ev->scratch_used = 0;
    }
    if (ps.have_stamp)
        ev->ts_ms = resolve_time(&ps, &year, &tz_used);
    if (ps.header_only && ps.extra_host && !ps.host.n) {
        /* the host a full parse would report may be that extra field: the
         * full parse it is (its hints are exact too) */
        parse_line(ev, line, len, o, false, general, hint);
        return;
    }
    if (ps.header_only) {
        emit(&ps, header_host, ps.host);
        if (hint) {
            *hint = 0;
            if (ev->parsed) {
                *hint = ps.hint | (ps.nonraw ? SH_SYSLOG_HINT_NONRAW : 0u) |
                        (ps.command.n ? SH_SYSLOG_HINT_COMMAND : 0u);
            }
        }
        return;
    }
    if (ps.have_stamp)
        time_s = format_time(ev, ev->ts_ms, ps.st.has_ms,
                             stamp_is_utc_text(&ps.st, year, tz_used) ? &ps.st : NULL, year);
    sev = ps.sev >= 0 ? ps.sev : ps.pri >= 0 ? ps.pri & 7 : -1;

    emit(&ps, "host", ps.host);
    emit(&ps, "time", time_s);
    if (ps.pri >= 0) {
        span f = {fac_names[ps.pri >> 3], strlen(fac_names[ps.pri >> 3])};
        emit(&ps, "facility", f);
    }
    if (sev >= 0) {
        span s = {sev_digits[sev], 1};
        emit(&ps, "severity", s);
    }
    emit(&ps, "program", ps.program);
    emit(&ps, "pid", ps.pid);
    emit(&ps, "mnemonic", ps.mnemonic);
    emit(&ps, "facility_code", ps.fac_code);
    emit(&ps, "subfacility", ps.subfac);
    emit(&ps, "message", ps.message);
    if (ps.user.n == 3 && memcmp(ps.user.p, "N/A", 3) == 0)
        ps.user.n = 0;
    emit(&ps, "user", ps.user);
    emit(&ps, "src_ip", ps.src_ip);
    emit(&ps, "src_port", ps.src_port);
    emit(&ps, "dst_ip", ps.dst_ip);
    emit(&ps, "dst_port", ps.dst_port);
    emit(&ps, "local_port", ps.local_port);
    emit(&ps, "command", ps.command);
    emit(&ps, "relay", ps.relay);
    emit(&ps, "node", ps.node);
    emit(&ps, "sequence", ps.seq);
    {
        span raw = {line, len};
        emit(&ps, "raw", raw);
    }
    for (i = 0; i < ps.n_sd; i++) {
        if (!has_field(ev, ps.sd[i].name))
            emit_extra(&ps, ps.sd[i].name, ps.sd[i].val);
    }
    if (hint)
        *hint = hints_of(ev, line, len);
}

int sh_syslog_parse(struct sh_log_event *ev, const char *line, size_t len,
                    const struct sh_syslog_opts *o)
{
    SH_ASSERT_ARG(ev);
    SH_ASSERT_ARG(line || len == 0);
    parse_line(ev, line, len, o, false, false, NULL);
    return 0;
}

int sh_syslog__parse_general(struct sh_log_event *ev, const char *line, size_t len,
                             const struct sh_syslog_opts *o)
{
    SH_ASSERT_ARG(ev);
    SH_ASSERT_ARG(line || len == 0);
    parse_line(ev, line, len, o, false, true, NULL);
    return 0;
}

/*
 * sh_syslog_parse_header() of a line fast_relay() takes whose message is a
 * `%FAC-SEV-MNEMONIC`: the steps parse_line(), parse_3164(), parse_body()
 * and extract() take on such a line in header-only mode, with only the
 * parse state those steps read set up (clearing all of it cost more than
 * any step). False, the event untouched, on any other line: one with a
 * tab (the accounting test comes first in parse_3164()), a BOM or PRI
 * (the first byte must be a letter), another layout or message shape, or
 * an ISE record (whose host extract_cise() changes). Inlined into its one
 * caller: the call cost more than several of its steps.
 */
ALWAYS_INLINE bool fast_header(struct sh_log_event *ev, const char *line, size_t len,
                               const struct sh_syslog_opts *o, unsigned *hint)
{
    struct parse ps;
    const char *p = line, *e = line + len, *q;
    span msg;
    int year, tz_used;

    if (!o)
        o = &default_opts;
    if (o->mode != SH_SYSLOG_AUTO && o->mode != SH_SYSLOG_RFC3164)
        return false;
    while (e > p && (e[-1] == '\r' || e[-1] == '\n'))
        e--;
    if (p >= e || !is_alpha(*p))
        return false;
#if !defined(__SSE2__)
    if (o->mode != SH_SYSLOG_RFC3164 && memchr(p, '\t', (size_t)(e - p)))
        return false;
#endif
    /* what the steps below read or OR into */
    ps.o = o;
    ps.have_stamp = false;
    ps.hint = 0;
    ps.fac_code.n = ps.subfac.n = 0;
    /* A line with a tab goes to the general code (the accounting test
     * comes first in parse_3164()); with SSE2 line_hints() looks for one
     * in the same pass as the hints, after the steps below, which only
     * read the line and fill the local state. */
    if (!fast_relay(&ps, p, e, &q))
        return false;
    /* parse_tag() declines a '%'; parse_body() tries the mnemonic first */
    p = skip_sp(q, e);
    if (p >= e || *p != '%' || !(q = parse_mnemonic_fast(&ps, p, e)))
        return false;
#if defined(__SSE2__)
    if (e - line >= 16) {
        /* [q, e) holds "logged command:" where the trimmed message does */
        mnemonic_hints(&ps, q, e);
        if (line_hints(&ps, line, q, e, o->mode != SH_SYSLOG_RFC3164) != 0)
            return false;
    } else
#endif
    {
#if defined(__SSE2__)
        if (o->mode != SH_SYSLOG_RFC3164 && memchr(line, '\t', (size_t)(e - line)))
            return false;
#endif
        msg = trim(mk(q, e));
        if (extract_hints(&ps, msg.p, msg.p + msg.n))
            return false;
    }
    sh_log_event__reset(ev, line, len);
    ev->parsed = true;
    if (ps.have_stamp)
        ev->ts_ms = resolve_time(&ps, &year, &tz_used);
    ps.ev = ev;
    emit(&ps, header_host, ps.host);
    if (hint)
        *hint = ps.hint;
    return true;
}

void sh_syslog_parse_header(struct sh_log_event *ev, const char *line, size_t len,
                            const struct sh_syslog_opts *o, unsigned *hint)
{
    if (hint)
        *hint = SH_SYSLOG_HINT_NONRAW | SH_SYSLOG_HINT_COMMAND;
    if (!ev || (!line && len))
        return;
    if (line && fast_header(ev, line, len, o, hint))
        return;
    parse_line(ev, line, len, o, true, false, hint);
}

void sh_syslog__parse_header_general(struct sh_log_event *ev, const char *line, size_t len,
                                     const struct sh_syslog_opts *o, unsigned *hint)
{
    if (hint)
        *hint = SH_SYSLOG_HINT_NONRAW | SH_SYSLOG_HINT_COMMAND;
    if (!ev || (!line && len))
        return;
    parse_line(ev, line, len, o, true, true, hint);
}

/* ------------------------------------------------------------- detect */

int sh_syslog_detect(const char *head, size_t len)
{
    struct sh_log_event *ev;
    const char *p = head, *e = head + len;
    int lines = 0, hits = 0, score;
    struct sh_syslog_opts o = SH_SYSLOG_OPTS_INIT;

    if (!head || len == 0)
        return 0;
    o.year = 2000;
    ev = sh_malloc(sizeof(*ev));
    if (!ev)
        return 0;
    while (p < e && lines < 64) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        const char *le = nl ? nl : e;
        size_t n = (size_t)(le - p);
        if (!nl && lines > 0)
            break; /* a cut-off last line says nothing */
        while (n && (p[n - 1] == '\r' || p[n - 1] == ' '))
            n--;
        if (n > 0) {
            lines++;
            /* The header parse gives `parsed` and the time exactly as the
             * full one; only a parsed line without a time needs the rest
             * (its mnemonic or command). Config lines stop at the header. */
            sh_syslog_parse_header(ev, p, n, &o, NULL);
            if (ev->parsed && !ev->ts_ms) {
                sh_syslog_parse(ev, p, n, &o);
                if (sh_log_event_get(ev, "mnemonic", NULL) || sh_log_event_get(ev, "command", NULL))
                    hits++;
            } else if (ev->parsed) {
                hits++;
            }
        }
        p = nl ? nl + 1 : e;
        /* Sixteen lines without a single log header: a config, a capture
         * or a list, not a log. Saves parsing 48 more lines of every config
         * in a large backup tree. */
        if (lines >= 16 && hits == 0)
            break;
    }
    sh_free(ev);
    if (lines == 0 || hits == 0)
        return 0;
    score = hits * 100 / lines;
    if (hits == 1 && lines > 1)
        score /= 2;
    return score > 100 ? 100 : score;
}
