/*
 * test_ioc_sweep.c - the indicator sweep against a reference tokenizer.
 *
 * The reference below is the sweep's contract written the plain way: whole
 * token runs found with <ctype.h>, each rule tested in order, lookups by
 * sh_ioc_lookup() (domains by a scan of the set's own list). Every
 * tokenizer of the sweep (portable, SSE2, AVX2 where the CPU has it) must
 * report exactly the hits the reference finds, in the same order with the
 * same offsets, on random and hand-made lines, and must never read past a
 * line's end (lines are placed right before an unmapped page).
 */
#include "base/sh_base.h"

#include <ctype.h>
#include <hs/hs.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "intel/ioc.h"
#include "intel/sweep.h"
#include "test.h"

#define MAX_HITS 512

struct hit {
    const struct sh_ioc *ioc;
    size_t off, len;
};

struct hits {
    size_t n;
    struct hit v[MAX_HITS];
};

static void on_hit(const struct sh_ioc *ioc, const char *tok, size_t off, size_t len, void *ud)
{
    struct hits *h = ud;

    (void)tok;
    if (h->n < MAX_HITS)
        h->v[h->n++] = (struct hit){ioc, off, len};
}

/* ---- the reference ---- */

static bool r_tok(unsigned char c)
{
    return isalnum(c) || c == '.' || c == ':' || c == '-' || c == '_';
}

static bool r_start(unsigned char c)
{
    return isalnum(c) || c == ':';
}

/* A dotted quad: four parts of one to three digits, each at most 255. */
static bool r_quad(const char *s, size_t n)
{
    size_t i = 0;
    int part;

    for (part = 0; part < 4; part++) {
        size_t d = 0;
        unsigned v = 0;
        while (i < n && isdigit((unsigned char)s[i]) && d < 4) {
            v = v * 10 + (unsigned)(s[i] - '0');
            i++;
            d++;
        }
        if (d == 0 || d > 3 || v > 255)
            return false;
        if (part < 3) {
            if (i >= n || s[i] != '.')
                return false;
            i++;
        }
    }
    return i == n;
}

struct dom_list {
    size_t n;
    const struct sh_ioc *v[64];
};

static int collect_domain(const struct sh_ioc *ioc, void *ud)
{
    struct dom_list *d = ud;

    if (ioc->type == SH_IOC_DOMAIN && d->n < 64)
        d->v[d->n++] = ioc;
    return 0;
}

/* The name, else its nearest parent that still has a dot, in the list. */
static const struct sh_ioc *r_domain(const struct dom_list *d, const char *t, size_t n)
{
    static char low[8192];
    const char *p;
    size_t i;

    if (n >= sizeof(low))
        return NULL;
    for (i = 0; i < n; i++)
        low[i] = (char)tolower((unsigned char)t[i]);
    low[n] = '\0';
    for (p = low; p && strchr(p, '.'); p = strchr(p, '.') ? strchr(p, '.') + 1 : NULL) {
        for (i = 0; i < d->n; i++) {
            if (strcmp(d->v[i]->value, p) == 0)
                return d->v[i];
        }
    }
    return NULL;
}

static void reference(const struct sh_ioc_set *set, const struct dom_list *doms, const char *line,
                      size_t len, struct hits *out)
{
    size_t i = 0;

    out->n = 0;
    while (i < len) {
        size_t rs, re, start, n, tl, k;
        bool dot = false, colon = false, alpha = false, nonhex = false, hex = true;
        const struct sh_ioc *hit = NULL;
        const char *t;

        if (!r_tok((unsigned char)line[i])) {
            i++;
            continue;
        }
        for (rs = re = i; re < len && r_tok((unsigned char)line[re]); re++)
            ;
        i = re;
        for (start = rs; start < re && !r_start((unsigned char)line[start]); start++)
            ;
        if (start == re)
            continue;
        t = line + start;
        n = re - start;
        for (k = 0; k < n; k++) {
            unsigned char c = (unsigned char)t[k];
            dot |= c == '.';
            colon |= c == ':';
            alpha |= isalpha(c) != 0;
            nonhex |= (isalpha(c) && !isxdigit(c)) || c == '-' || c == '_';
            hex &= isxdigit(c) != 0;
        }
        tl = n;
        if (!dot && !colon) {
            /* a hash: 32, 40 or 64 hex digits */
            if (hex && (n == 32 || n == 40 || n == 64))
                hit = sh_ioc_lookup(set, t, n);
        } else {
            /* trailing '.' and single ':' are punctuation */
            while (tl > 0 && (t[tl - 1] == '.' || (t[tl - 1] == ':' && tl > 1 && t[tl - 2] != ':')))
                tl--;
            /* a hash before the punctuation */
            if (tl == 32 || tl == 40 || tl == 64) {
                bool all = true;
                for (k = 0; k < tl; k++)
                    all &= isxdigit((unsigned char)t[k]) != 0;
                if (all)
                    hit = sh_ioc_lookup(set, t, tl);
            }
            /* IPv4, alone or as addr:port; a colon only counts among the first 16 bytes */
            if (!hit && !alpha && dot && isdigit((unsigned char)t[0])) {
                size_t c16 = tl < 16 ? tl : 16, cpos = c16;
                for (k = 0; k < c16; k++) {
                    if (t[k] == ':') {
                        cpos = k;
                        break;
                    }
                }
                if (cpos == c16) {
                    if (tl >= 7 && tl <= 15 && r_quad(t, tl))
                        hit = sh_ioc_lookup(set, t, tl);
                } else if (cpos >= 7 && r_quad(t, cpos)) {
                    hit = sh_ioc_lookup(set, t, cpos);
                    tl = cpos;
                }
            }
            /* IPv6: hex and colons, with "::" or at least seven colons */
            if (!hit && colon && !nonhex && tl < 64) {
                size_t ncolon = 0;
                bool pair = false;
                for (k = 0; k < tl; k++) {
                    ncolon += t[k] == ':';
                    pair |= k > 0 && t[k] == ':' && t[k - 1] == ':';
                }
                if (pair || ncolon >= 7)
                    hit = sh_ioc_lookup(set, t, tl);
                if (hit && hit->type != SH_IOC_IPV6)
                    hit = NULL;
            }
            /* a domain: a dot, a letter in its last label, no colon */
            if (!hit && dot && alpha && !colon) {
                bool tld_alpha = false;
                for (k = tl; k > 0 && t[k - 1] != '.'; k--)
                    tld_alpha |= isalpha((unsigned char)t[k - 1]) != 0;
                if (tld_alpha)
                    hit = r_domain(doms, t, tl);
            }
            /* a URL: "//" after the run, which ends in ':' before or after
             * trimming; up to a blank or quote, or without the closing
             * punctuation before it */
            if (!hit && re + 3 <= len && line[re] == '/' && line[re + 1] == '/' &&
                (line[re - 1] == ':' || (tl > 0 && t[tl - 1] == ':'))) {
                size_t e = re;
                while (e < len && line[e] != ' ' && line[e] != '\t' && line[e] != '"' &&
                       line[e] != '\'')
                    e++;
                for (;;) {
                    hit = sh_ioc_lookup(set, t, e - start);
                    if (hit && hit->type != SH_IOC_URL)
                        hit = NULL;
                    if (hit || e <= re + 2 || !memchr(".,;:!?)]}>", line[e - 1], 10))
                        break;
                    e--;
                }
                if (hit)
                    tl = e - start;
            }
        }
        /* a word boundary on the left ('-' counts as one) */
        if (hit && start > 0 && (isalnum((unsigned char)line[start - 1]) || line[start - 1] == '_'))
            hit = NULL;
        if (hit && out->n < MAX_HITS)
            out->v[out->n++] = (struct hit){hit, start, tl};
    }
}

/* ---- the sets ---- */

static const char *const v4s[] = {"1.222.84.29", "45.61.165.157", "203.0.113.0/24", "198.151.100.7",
                                  "10.0.0.0/8"};
static const char *const v6s[] = {"2001:41d0:700:65dc::f656:929f", "2001:db8::/32", "fe80::1"};
static const char *const md5s[] = {"d41d8cd98f00b204e9800998ecf8427e"};
static const char *const sha1s[] = {"da39a3ee5e6b4b0d3255bfef95601890afd80709"};
static const char *const sha256s[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"};
static const char *const doms_v[] = {"evil.example", "c2.bad-host.test", "x1.9z"};
static const char *const urls[] = {"ftp:://files.example/drop", "://bare.example/x",
                                   "get::.//x.example/p://q", "http://evil.example/x"};

/* Texts the generator draws from: indicators as they appear in evidence,
 * near misses, and the usual log furniture. */
static const char *const pieces[] = {
    "1.222.84.29",
    "1.222.84.29:443",
    "01.222.84.29",
    "1.222.84.290",
    "1.222.84.29.",
    "203.0.113.77",
    "203.0.113.7:8080:9",
    "x203.0.113.7",
    "_203.0.113.7",
    "-203.0.113.7",
    "10.250.1.30",
    "10.0.0.1:22",
    "45.61.165.157",
    "2001:41d0:700:65dc::f656:929f",
    "2001:DB8::5",
    "2001:db8:0:0:0:0:0:5",
    "2001:db8:0:0:0:0:0:5:",
    "2001:0db8:0000:0000:0000:0000:0000:0005",
    "198.151.100.7",
    "198.151.100.007:22",
    "1.1.1.1",
    "fe80::1",
    "fe80::1%eth0",
    "::1",
    "::",
    "10:00:01.123",
    "00:11:22:33:44:55",
    "0011.2233.4455",
    "a:b:c:d:e:f:1:2",
    "d41d8cd98f00b204e9800998ecf8427e",
    "D41D8CD98F00B204E9800998ECF8427E",
    "d41d8cd98f00b204e9800998ecf8427e.",
    "d41d8cd98f00b204e9800998ecf8427",
    "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8550",
    "evil.example",
    "SUB.Evil.Example.",
    "www.evil.example:80",
    "notevil.example",
    "c2.bad-host.test",
    "x1.9z",
    "a.x1.9z",
    "ftp:://files.example/drop",
    "get::.//x.example/p://q",
    "get::.//x.example/p",
    "ftp:://files.example/drop2",
    "://bare.example/x",
    "http://evil.example/",
    "http://evil.example/x",
    "HTTP://Evil.Example/x).",
    "http://evil.example/x:",
    "http://evil.example/xy",
    "GigabitEthernet1/0/1",
    "%SEC_LOGIN-5-LOGIN_SUCCESS:",
    "Mar",
    "11",
    "2025",
    "r1-core:",
    "..",
    ":::",
    "-._",
    "user",
    "UTC:",
    "::ffff:1.2.3.4",
    "001.222.084.029",
    "045.061.165.157:22",
    "203.000.113.007",
    "010.9.8.7",
    "2001:41D0:0700:65DC:0:0:F656:929F",
    "2001:0db8:0:0:0:0:0:5.",
    "Www.EVIL.Example"};

static const char seps[] = " \t,;\"'()[]<>=/|\\@#$%&*+!?~`";

struct rng {
    uint64_t s;
};

static unsigned rnd(struct rng *r, unsigned n)
{
    r->s = r->s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)((r->s >> 33) % n);
}

/* A random line of at most cap bytes in buf; returns its length. */
static size_t gen_line(struct rng *r, char *buf, size_t cap)
{
    size_t n = 0, want;

    if (cap == 0)
        return 0;
    want = rnd(r, 4) == 0 ? rnd(r, (unsigned)cap) : rnd(r, 260);
    if (want > cap)
        want = cap;
    while (n < want) {
        unsigned kind = rnd(r, 10);
        if (kind < 5) {
            const char *p = pieces[rnd(r, SH_ARRAY_LEN(pieces))];
            size_t l = strlen(p);
            if (l > want - n)
                l = want - n;
            memcpy(buf + n, p, l);
            n += l;
        } else if (kind < 8) {
            buf[n++] = seps[rnd(r, sizeof(seps) - 1)];
        } else if (kind < 9) {
            /* a run of token bytes of random length (long words, long hex) */
            static const char tokc[] = "0123456789abcdefABCDEFxyzXYZ.:-_";
            size_t l = rnd(r, 80);
            while (l-- && n < want)
                buf[n++] = tokc[rnd(r, sizeof(tokc) - 1)];
        } else {
            buf[n++] = (char)rnd(r, 256);
        }
    }
    return n;
}

static void add_all(struct sh_ioc_set *s, enum sh_ioc_type t, const char *const *v, size_t n)
{
    size_t i;
    sh_diag d;

    for (i = 0; i < n; i++)
        CHECK_OK(sh_ioc_set_add(s, t, v[i], "test", NULL, false, &d));
}

/* Sets of one type each (the sweep skips tokens by which types a set
 * holds), and one with all of them. */
static struct sh_ioc_set *make_set(int which)
{
    struct sh_ioc_set *s = NULL;

    CHECK_OK(sh_ioc_set_new(&s));
    if (which == 0 || which == 1)
        add_all(s, SH_IOC_IPV4, v4s, SH_ARRAY_LEN(v4s));
    if (which == 0 || which == 2)
        add_all(s, SH_IOC_IPV6, v6s, SH_ARRAY_LEN(v6s));
    if (which == 0 || which == 3) {
        add_all(s, SH_IOC_MD5, md5s, SH_ARRAY_LEN(md5s));
        add_all(s, SH_IOC_SHA1, sha1s, SH_ARRAY_LEN(sha1s));
        add_all(s, SH_IOC_SHA256, sha256s, SH_ARRAY_LEN(sha256s));
    }
    if (which == 0 || which == 4)
        add_all(s, SH_IOC_DOMAIN, doms_v, SH_ARRAY_LEN(doms_v));
    if (which == 0 || which == 5)
        add_all(s, SH_IOC_URL, urls, SH_ARRAY_LEN(urls));
    return s;
}

#define N_SETS 6

static const int impls[] = {SH_IOC_SWEEP_PORTABLE, SH_IOC_SWEEP_SSE2, SH_IOC_SWEEP_AVX2};

/* Every tokenizer against the reference on one line; false on a difference. */
static bool same_as_reference(const struct sh_ioc_set *set, const struct dom_list *doms,
                              const char *line, size_t len, size_t *found)
{
    static struct hits want, got;
    size_t i, k;

    reference(set, doms, line, len, &want);
    *found += want.n;
    for (i = 0; i < SH_ARRAY_LEN(impls); i++) {
        size_t n;
        bool same;
        got.n = 0;
        n = sh_ioc__sweep_with(set, line, len, on_hit, &got, impls[i]);
        same = n == want.n && got.n == want.n;
        for (k = 0; same && k < want.n; k++)
            same = got.v[k].ioc == want.v[k].ioc && got.v[k].off == want.v[k].off &&
                   got.v[k].len == want.v[k].len;
        if (!same) {
            sh_test_fail(__FILE__, __LINE__,
                         "tokenizer %d: %zu hits, reference %zu, on line of %zu bytes: %.*s",
                         impls[i], got.n, want.n, len, (int)(len > 300 ? 300 : len), line);
            return false;
        }
    }
    return true;
}

SH_TEST(sweep_matches_reference_on_hand_made_lines)
{
    static const char *const lines[] = {
        "access-list 20 permit host 45.61.165.157 log",
        "x145.61.165.157 and 45.61.165.1570 and 245.61.165.157 _1.222.84.29 -1.222.84.29",
        "Nov  3 10:00:01 r1 %SEC_LOGIN-5-LOGIN_SUCCESS: [Source: 45.61.165.157:4431]",
        "peer 2001:db8:0:0:0:0:0:5, peer 2001:DB8::5. fe80::1: 2001:41d0:700:65dc::f656:929f",
        "dns www.Evil.example. and c2.BAD-HOST.test, x1.9z a.x1.9z evil.example:53",
        "sha d41d8cd98f00b204e9800998ecf8427e da39a3ee5e6b4b0d3255bfef95601890afd80709 "
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "get ftp:://files.example/drop and ://bare.example/x then...",
        "......................................................................1.222.84.29",
        "0123456789abcdef0123456789abcdef0123456789abcdefd41d8cd98f00b204e9800998ecf8427e",
        "",
        "1",
        ".",
        ":",
        "-._ 203.0.113.9",
    };
    size_t w, i, found = 0;

    for (w = 0; w < N_SETS; w++) {
        struct sh_ioc_set *s = make_set((int)w);
        struct dom_list doms = {0, {NULL}};
        CHECK_OK(sh_ioc_set_each(s, collect_domain, &doms));
        for (i = 0; i < SH_ARRAY_LEN(lines); i++)
            CHECK(same_as_reference(s, &doms, lines[i], strlen(lines[i]), &found));
        sh_ioc_set_free(s);
    }
    /* the lines above hold hits of every type: a reference that found
     * nothing would prove nothing */
    CHECK(found >= 30);
}

/*
 * Random lines, each placed so that its last byte is the last byte before
 * an unmapped page: a read past the end is a crash, not a silent pass.
 * Every length from 0 to 200 is tried at each alignment the vector code
 * sees (the start moves through 64 offsets).
 */
SH_TEST(sweep_matches_reference_on_random_lines_at_a_page_end)
{
    long page = sysconf(_SC_PAGESIZE);
    size_t area = 4 * (size_t)page, w, found = 0, tries = 0;
    char *map, *end, buf[4096];
    struct rng r = {0x5a17u};

    map =
        mmap(NULL, area + (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(map != MAP_FAILED);
    if (map == MAP_FAILED)
        return;
    CHECK_OK(mprotect(map + area, (size_t)page, PROT_NONE));
    end = map + area;
    for (w = 0; w < N_SETS; w++) {
        struct sh_ioc_set *s = make_set((int)w);
        struct dom_list doms = {0, {NULL}};
        size_t len, i;
        bool ok = true;
        CHECK_OK(sh_ioc_set_each(s, collect_domain, &doms));
        for (len = 0; len <= 200 && ok; len++) {
            for (i = 0; i < 8 && ok; i++) {
                size_t n = gen_line(&r, buf, len);
                /* pad to exactly len with token bytes: a token ends at the page */
                while (n < len)
                    buf[n++] = "0123456789abcdef.:"[rnd(&r, 18)];
                memcpy(end - len, buf, len);
                ok = same_as_reference(s, &doms, end - len, len, &found);
                tries++;
            }
        }
        for (i = 0; i < 3000 && ok; i++) {
            size_t n = gen_line(&r, buf, sizeof(buf));
            memcpy(end - n, buf, n);
            ok = same_as_reference(s, &doms, end - n, n, &found);
            tries++;
        }
        sh_ioc_set_free(s);
    }
    munmap(map, area + (size_t)page);
    CHECK(tries > 20000);
    CHECK(found > 1000);
}

/* Indicators that straddle the 16-, 32- and 64-byte steps of the vector
 * code, at every offset from the start of the line. */
SH_TEST(sweep_matches_reference_across_block_edges)
{
    static const char *const toks[] = {
        "1.222.84.29",
        "1.222.84.29:8443",
        "198.151.100.7",
        "2001:db8:0:0:0:0:0:5",
        "2001:0db8:0000:0000:0000:0000:0000:0005",
        "fe80::1",
        "evil.example",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "d41d8cd98f00b204e9800998ecf8427e",
        "ftp:://files.example/drop",
        "get::.//x.example/p://q",
        "http://evil.example/x",
        "(http://evil.example/x).",
        "d41d8cd98f00b204e9800998ecf8427e."};
    struct sh_ioc_set *s = make_set(0);
    bool ok = true;
    struct dom_list doms = {0, {NULL}};
    char line[400];
    size_t t, off, found = 0;

    CHECK_OK(sh_ioc_set_each(s, collect_domain, &doms));
    for (t = 0; t < SH_ARRAY_LEN(toks) && ok; t++) {
        size_t tl = strlen(toks[t]);
        for (off = 0; off < 200 && ok; off++) {
            size_t n;
            memset(line, ' ', sizeof(line));
            memcpy(line + off, toks[t], tl);
            for (n = off + tl; n <= off + tl + 2 && ok; n++)
                ok = same_as_reference(s, &doms, line, n, &found);
        }
    }
    CHECK(ok);
    CHECK(found >= SH_ARRAY_LEN(toks) * 200 * 3);
    sh_ioc_set_free(s);
}

/* Token runs far longer than a block (the walk resumes where they end),
 * and lines made only of trigger bytes. */
SH_TEST(sweep_matches_reference_on_long_runs)
{
    static char line[70000];
    static const char fill[] = "0123456789abcdef.:";
    struct sh_ioc_set *s = make_set(0);
    struct dom_list doms = {0, {NULL}};
    size_t f, n, found = 0;
    struct rng r = {0x10fe};

    CHECK_OK(sh_ioc_set_each(s, collect_domain, &doms));
    for (f = 0; f < sizeof(fill) - 1; f++) {
        for (n = 0; n < 6000; n++)
            line[n] = rnd(&r, 4) ? fill[f] : fill[rnd(&r, sizeof(fill) - 1)];
        memcpy(line + 6000, " 1.222.84.29 fe80::1 d41d8cd98f00b204e9800998ecf8427e", 53);
        CHECK(same_as_reference(s, &doms, line, 6053, &found));
    }
    memset(line, 'a', sizeof(line));
    memcpy(line + sizeof(line) - 12, " 1.222.84.29", 12);
    CHECK(same_as_reference(s, &doms, line, sizeof(line), &found));
    memset(line, '.', 4000);
    CHECK(same_as_reference(s, &doms, line, 4000, &found));
    memset(line, ':', 4000);
    CHECK(same_as_reference(s, &doms, line, 4000, &found));
    CHECK(found >= 55); /* three after each long run, one at the end of the long word */
    sh_ioc_set_free(s);
}

/* ---- the prefilter ---- */

/* The prefilter's texts of a set compiled as a feeder's block scan would
 * (sh_ioc__prefilter_texts()); NULL when the set gets none. */
static hs_database_t *pf_db(const struct sh_ioc_set *s)
{
    char **tx = NULL;
    bool *tc = NULL;
    unsigned *ids, *tf;
    size_t n = 0, i;
    hs_database_t *db = NULL;
    hs_compile_error_t *err = NULL;

    CHECK_OK(sh_ioc__prefilter_texts(s, &tx, &tc, &n));
    if (n == 0)
        return NULL;
    ids = calloc(n, sizeof(*ids));
    tf = calloc(n, sizeof(*tf));
    for (i = 0; ids && tf && i < n; i++) {
        ids[i] = (unsigned)i;
        tf[i] = tc[i] ? HS_FLAG_CASELESS : 0;
    }
    if (!ids || !tf ||
        hs_compile_multi((const char *const *)tx, tf, ids, (unsigned)n, HS_MODE_BLOCK, NULL, &db,
                         &err) != HS_SUCCESS) {
        sh_test_fail(__FILE__, __LINE__, "prefilter texts do not compile: %s",
                     err ? err->message : "no memory");
        hs_free_compile_error(err);
        db = NULL;
    }
    free(ids);
    free(tf);
    sh_ioc__prefilter_texts_free(tx, tc, n);
    return db;
}

struct ends {
    size_t n, v[1 << 16];
};

static int on_end(unsigned id, unsigned long long from, unsigned long long to, unsigned fl,
                  void *ud)
{
    struct ends *e = ud;

    (void)id;
    (void)from;
    (void)fl;
    if (e->n < SH_ARRAY_LEN(e->v))
        e->v[e->n++] = (size_t)to;
    return 0;
}

/* Whether a match ends within [from, to) of the scanned block. */
static bool end_in(const struct ends *e, size_t from, size_t to)
{
    size_t i;

    for (i = 0; i < e->n; i++)
        if (e->v[i] > from && e->v[i] <= to)
            return true;
    return false;
}

static size_t count_hits(const struct sh_ioc_set *s, const char *line, size_t len)
{
    static struct hits h;

    h.n = 0;
    return sh_ioc_sweep(s, line, len, on_hit, &h);
}

/*
 * Random lines joined into blocks and scanned with the prefilter's texts
 * as the log analyzer does: every line the sweep finds a hit in must have
 * a match ending inside it, whichever set. Lines without one must be
 * common too, or the prefilter would save nothing.
 */
SH_TEST(prefilter_covers_every_line_with_a_hit)
{
    static char block[1 << 16];
    static struct ends e;
    size_t w, with_hit = 0, passed = 0;
    struct rng r = {0x9f1};

    for (w = 0; w < N_SETS; w++) {
        struct sh_ioc_set *s = make_set((int)w);
        hs_database_t *db = pf_db(s);
        hs_scratch_t *scr = NULL;
        int round;
        CHECK(db != NULL);
        if (!db || hs_alloc_scratch(db, &scr) != HS_SUCCESS) {
            sh_ioc_set_free(s);
            continue;
        }
        for (round = 0; round < 300; round++) {
            size_t starts[256], lens[256], n = 0, len = 0, i;
            while (n < 256 && len + 300 < sizeof(block)) {
                size_t l = gen_line(&r, block + len, 260), k;
                for (k = 0; k < l; k++)
                    if (block[len + k] == '\n')
                        block[len + k] = ' ';
                starts[n] = len;
                lens[n++] = l;
                len += l;
                block[len++] = '\n';
            }
            e.n = 0;
            CHECK(hs_scan(db, block, (unsigned)len, 0, scr, on_end, &e) == HS_SUCCESS);
            for (i = 0; i < n; i++) {
                bool cand = end_in(&e, starts[i], starts[i] + lens[i]);
                if (count_hits(s, block + starts[i], lens[i])) {
                    with_hit++;
                    if (!cand) {
                        CHECK(cand);
                        break;
                    }
                } else if (!cand) {
                    passed++;
                }
            }
        }
        hs_free_scratch(scr);
        hs_free_database(db);
        sh_ioc_set_free(s);
    }
    CHECK(with_hit > 10000);
    CHECK(passed > 10000);
}

/* The advisory's own set is prefiltered, and a device log line with no
 * indicator in it is passed over; a CIDR shorter than /8 has no text every
 * hit holds, so such a set gets no prefilter (every line is swept). */
SH_TEST(prefilter_of_the_advisory_set_and_when_there_is_none)
{
    static const char quiet[] = "Mar 11 02:46:29 10.0.184.1 20810: r184-nyc: Mar 11 2025 "
                                "02:46:29.389 UTC: %SEC_LOGIN-5-LOGIN_SUCCESS: Login Success "
                                "[user: netops] [Source: 10.250.3.10] [localport: 22]";
    static const char loud[] = "%SEC_LOGIN-5-LOGIN_SUCCESS: [Source: 045.061.165.157] x";
    static struct ends e;
    struct sh_ioc_set *s = NULL;
    hs_database_t *db;
    hs_scratch_t *scr = NULL;
    sh_diag d;
    char **tx = NULL;
    bool *tc = NULL;
    size_t n = 0;

    CHECK_OK(sh_ioc_set_new(&s));
    CHECK_OK(sh_ioc_set_load_builtin(s, true, &d));
    db = pf_db(s);
    CHECK(db != NULL);
    if (db && hs_alloc_scratch(db, &scr) == HS_SUCCESS) {
        e.n = 0;
        CHECK(hs_scan(db, quiet, sizeof(quiet) - 1, 0, scr, on_end, &e) == HS_SUCCESS);
        CHECK(e.n == 0);
        CHECK(count_hits(s, loud, sizeof(loud) - 1) == 1);
        CHECK(hs_scan(db, loud, sizeof(loud) - 1, 0, scr, on_end, &e) == HS_SUCCESS);
        CHECK(end_in(&e, 0, sizeof(loud) - 1));
        hs_free_scratch(scr);
    }
    hs_free_database(db);
    CHECK_OK(sh_ioc_set_add(s, SH_IOC_IPV4, "16.0.0.0/4", "test", NULL, false, &d));
    CHECK_OK(sh_ioc__prefilter_texts(s, &tx, &tc, &n));
    CHECK(n == 0 && tx == NULL);
    sh_ioc_set_free(s);
}
