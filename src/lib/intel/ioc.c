/*
 * ioc.c - typed indicator sets and the token sweep.
 *
 * Addresses are kept as integers in one open-addressing table keyed by
 * (family, prefix length, masked address); a lookup probes once per prefix
 * length actually present in the set (usually just /32 and /128), so the
 * cost of a token does not depend on how many indicators are loaded.
 * Hashes, domains and URLs live in string maps keyed by their lower-case
 * text. The sweep finds candidate tokens with a single left-to-right pass
 * over the text and never builds a regex per indicator.
 *
 * Built single-threaded, then read-only: concurrent lookups are safe.
 */
#include "../base/sh_base.h"

#include "ioc.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>

#include "../base/embed.h"

#define MAX_VALUE 2048
#define MAX_INDICATORS 5000000

struct addr_key {
    uint8_t family; /* 4 or 6 */
    uint8_t prefix;
    uint8_t bytes[16]; /* masked address; v4 in the first 4 */
};

struct addr_ent {
    struct addr_key key;
    uint64_t hash;
    const struct sh_ioc *ioc; /* NULL: empty slot */
};

struct sh_ioc_set {
    struct sh_arena arena; /* indicators and their strings */
    struct addr_ent *addrs;
    size_t n_addrs, cap_addrs;
    uint64_t v4_prefixes[1]; /* bit p set: some v4 entry has prefix p (0..32) */
    /* Bit n set: some v4 entry covers addresses whose first 16 bits are n.
     * Most addresses in a log match no indicator; this answers them with
     * one bit test instead of a hash probe per prefix length. */
    uint64_t v4_first16[65536 / 64];
    uint64_t v6_prefixes[3];              /* bits 0..128 */
    struct sh_strmap strs[SH_IOC__COUNT]; /* domain, url, hashes */
    size_t count;
};

static const char *const type_names[SH_IOC__COUNT] = {"ipv4", "ipv6", "domain", "url",
                                                      "md5",  "sha1", "sha256"};

const char *sh_ioc_type_name(enum sh_ioc_type t)
{
    return (unsigned)t < SH_IOC__COUNT ? type_names[t] : "unknown";
}

int sh_ioc_type_parse(const char *name)
{
    size_t i;

    for (i = 0; i < SH_IOC__COUNT; i++) {
        if (strcasecmp(name, type_names[i]) == 0)
            return (int)i;
    }
    if (strcasecmp(name, "ip") == 0 || strcasecmp(name, "ipv4-addr") == 0)
        return SH_IOC_IPV4;
    if (strcasecmp(name, "ipv6-addr") == 0)
        return SH_IOC_IPV6;
    if (strcasecmp(name, "domain-name") == 0 || strcasecmp(name, "hostname") == 0)
        return SH_IOC_DOMAIN;
    if (strcasecmp(name, "sha-256") == 0)
        return SH_IOC_SHA256;
    if (strcasecmp(name, "sha-1") == 0)
        return SH_IOC_SHA1;
    return -1;
}

int sh_ioc_set_new(struct sh_ioc_set **out)
{
    struct sh_ioc_set *s = sh_calloc(1, sizeof(*s));

    *out = NULL;
    if (!s)
        return SH_ENOMEM;
    sh_arena_init(&s->arena, 0);
    *out = s;
    return SH_OK;
}

void sh_ioc_set_free(struct sh_ioc_set *set)
{
    size_t i;

    if (!set)
        return;
    for (i = 0; i < SH_IOC__COUNT; i++)
        sh_strmap_free(&set->strs[i], NULL);
    sh_free(set->addrs);
    sh_arena_free(&set->arena);
    sh_free(set);
}

size_t sh_ioc_set_count(const struct sh_ioc_set *set)
{
    return set ? set->count : 0;
}

/* ---- address table ---- */

static uint64_t addr_hash(const struct addr_key *k)
{
    return sh_hash64(k, sizeof(*k));
}

static void mask_key(struct addr_key *k)
{
    unsigned bits = k->prefix, i, total = k->family == 4 ? 32 : 128;

    for (i = 0; i < total / 8; i++) {
        if (bits >= 8) {
            bits -= 8;
        } else {
            k->bytes[i] &= (uint8_t)(0xff << (8 - bits));
            bits = 0;
        }
    }
    for (; i < 16; i++)
        k->bytes[i] = 0;
}

static struct addr_ent *addr_slot(struct addr_ent *tab, size_t cap, const struct addr_key *k,
                                  uint64_t h)
{
    size_t i = (size_t)h & (cap - 1);

    for (;;) {
        struct addr_ent *e = &tab[i];
        if (!e->ioc || (e->hash == h && memcmp(&e->key, k, sizeof(*k)) == 0))
            return e;
        i = (i + 1) & (cap - 1);
    }
}

static int addr_grow(struct sh_ioc_set *s)
{
    size_t cap = s->cap_addrs ? s->cap_addrs * 2 : 256, i;
    struct addr_ent *tab = sh_calloc(cap, sizeof(*tab));

    if (!tab)
        return SH_ENOMEM;
    for (i = 0; i < s->cap_addrs; i++) {
        if (s->addrs[i].ioc)
            *addr_slot(tab, cap, &s->addrs[i].key, s->addrs[i].hash) = s->addrs[i];
    }
    sh_free(s->addrs);
    s->addrs = tab;
    s->cap_addrs = cap;
    return SH_OK;
}

static const struct sh_ioc *addr_find(const struct sh_ioc_set *s, const struct addr_key *k)
{
    struct addr_ent *e;

    if (!s->cap_addrs)
        return NULL;
    e = addr_slot(s->addrs, s->cap_addrs, k, addr_hash(k));
    return e->ioc;
}

/* ---- value parsing ---- */

/* Parse a dotted quad at s[0..len); exact: all of it must be the address. */
static bool parse_v4(const char *s, size_t len, uint8_t out[4])
{
    size_t i = 0;
    int part;

    for (part = 0; part < 4; part++) {
        /* 1-3 digits (a fourth fails), value <= 255, read digit by digit */
        unsigned v;
        if (i >= len || s[i] < '0' || s[i] > '9')
            return false;
        v = (unsigned)(s[i++] - '0');
        if (i < len && s[i] >= '0' && s[i] <= '9') {
            v = v * 10 + (unsigned)(s[i++] - '0');
            if (i < len && s[i] >= '0' && s[i] <= '9') {
                v = v * 10 + (unsigned)(s[i++] - '0');
                if (i < len && s[i] >= '0' && s[i] <= '9')
                    return false;
            }
        }
        if (v > 255)
            return false;
        out[part] = (uint8_t)v;
        if (part < 3) {
            if (i >= len || s[i] != '.')
                return false;
            i++;
        }
    }
    return i == len;
}

static bool parse_v6(const char *s, size_t len, uint8_t out[16])
{
    char tmp[INET6_ADDRSTRLEN + 1];

    if (len == 0 || len >= sizeof(tmp))
        return false;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    return inet_pton(AF_INET6, tmp, out) == 1;
}

/* "a.b.c.d[/n]" or "v6[/n]" into a masked key. */
static bool parse_addr_value(const char *v, enum sh_ioc_type type, struct addr_key *k)
{
    const char *slash = strchr(v, '/');
    size_t alen = slash ? (size_t)(slash - v) : strlen(v);
    unsigned max = type == SH_IOC_IPV4 ? 32 : 128;
    uint64_t prefix = max;

    memset(k, 0, sizeof(*k));
    if (slash && !sh_str_to_u64(slash + 1, strlen(slash + 1), max, &prefix))
        return false;
    if (type == SH_IOC_IPV4) {
        k->family = 4;
        if (!parse_v4(v, alen, k->bytes))
            return false;
    } else {
        k->family = 6;
        if (!parse_v6(v, alen, k->bytes))
            return false;
    }
    k->prefix = (uint8_t)prefix;
    mask_key(k);
    return true;
}

static bool is_hex_len(const char *v, size_t want)
{
    size_t i;

    if (strlen(v) != want)
        return false;
    for (i = 0; i < want; i++) {
        if (!isxdigit((unsigned char)v[i]))
            return false;
    }
    return true;
}

static bool is_domain(const char *v)
{
    size_t i, len = strlen(v);
    bool dot = false, alpha = false;

    if (len < 3 || len > 253 || v[0] == '.' || v[0] == '-' || v[len - 1] == '.')
        return false;
    for (i = 0; i < len; i++) {
        char c = v[i];
        if (c == '.')
            dot = true;
        else if (isalpha((unsigned char)c))
            alpha = true;
        else if (!isdigit((unsigned char)c) && c != '-' && c != '_')
            return false;
    }
    return dot && alpha;
}

int sh_ioc_set_add(struct sh_ioc_set *set, enum sh_ioc_type type, const char *value,
                   const char *source, const char *note, bool related, sh_diag *diag)
{
    struct sh_ioc *ioc;
    char *canon = NULL;
    struct addr_key k;
    size_t vlen;
    int rc = SH_OK;

    SH_ASSERT_ARG(set && value && (unsigned)type < SH_IOC__COUNT);
    vlen = strlen(value);
    value = sh_str_trim(value, &vlen);
    if (vlen == 0 || vlen > MAX_VALUE)
        return sh_diag_set(diag, SH_EPARSE, source, 0, "empty or oversized %s indicator",
                           type_names[type]);
    if (set->count >= MAX_INDICATORS)
        return sh_diag_set(diag, SH_ELIMIT, source, 0, "more than %d indicators", MAX_INDICATORS);
    canon = sh_strndup(value, vlen);
    if (!canon)
        return SH_ENOMEM;
    {
        char *p;
        for (p = canon; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    }
    switch (type) {
    case SH_IOC_IPV4:
    case SH_IOC_IPV6:
        if (!parse_addr_value(canon, type, &k)) {
            rc = sh_diag_set(diag, SH_EPARSE, source, 0, "not an %s address or CIDR: '%.80s'",
                             type_names[type], canon);
            goto out;
        }
        if (addr_find(set, &k))
            goto out; /* duplicate */
        break;
    case SH_IOC_MD5:
    case SH_IOC_SHA1:
    case SH_IOC_SHA256: {
        size_t want = type == SH_IOC_MD5 ? 32 : type == SH_IOC_SHA1 ? 40 : 64;
        if (!is_hex_len(canon, want)) {
            rc = sh_diag_set(diag, SH_EPARSE, source, 0, "not a %s hash: '%.80s'", type_names[type],
                             canon);
            goto out;
        }
        break;
    }
    case SH_IOC_DOMAIN:
        if (canon[vlen - 1] == '.')
            canon[vlen - 1] = '\0';
        if (!is_domain(canon)) {
            rc = sh_diag_set(diag, SH_EPARSE, source, 0, "not a domain name: '%.80s'", canon);
            goto out;
        }
        break;
    case SH_IOC_URL:
        if (!strstr(canon, "://")) {
            rc = sh_diag_set(diag, SH_EPARSE, source, 0, "not a URL: '%.80s'", canon);
            goto out;
        }
        break;
    default: rc = SH_EINVAL; goto out;
    }
    if (type >= SH_IOC_DOMAIN && sh_strmap_has(&set->strs[type], canon))
        goto out;

    ioc = sh_arena_alloc(&set->arena, sizeof(*ioc));
    if (!ioc) {
        rc = SH_ENOMEM;
        goto out;
    }
    ioc->type = type;
    ioc->related = related;
    ioc->value = sh_arena_strdup(&set->arena, canon);
    ioc->source = sh_arena_strdup(&set->arena, source ? source : "");
    ioc->note = note && *note ? sh_arena_strdup(&set->arena, note) : NULL;
    if (!ioc->value || !ioc->source || (note && *note && !ioc->note)) {
        rc = SH_ENOMEM;
        goto out;
    }
    if (type == SH_IOC_IPV4 || type == SH_IOC_IPV6) {
        struct addr_ent *e;
        ioc->prefix = k.prefix;
        if ((set->n_addrs + 1) * 2 > set->cap_addrs && (rc = addr_grow(set)) != SH_OK)
            goto out;
        e = addr_slot(set->addrs, set->cap_addrs, &k, addr_hash(&k));
        e->key = k;
        e->hash = addr_hash(&k);
        e->ioc = ioc;
        set->n_addrs++;
        if (type == SH_IOC_IPV4) {
            unsigned lo = ((unsigned)k.bytes[0] << 8) | k.bytes[1], n, span;
            set->v4_prefixes[0] |= 1ULL << k.prefix;
            span = k.prefix >= 16 ? 1u : 1u << (16 - k.prefix);
            for (n = lo; n < lo + span && n < 65536; n++)
                set->v4_first16[n / 64] |= 1ULL << (n % 64);
        } else
            set->v6_prefixes[k.prefix / 64] |= 1ULL << (k.prefix % 64);
    } else {
        rc = sh_strmap_put(&set->strs[type], canon, ioc, NULL);
        if (rc)
            goto out;
    }
    set->count++;
out:
    sh_free(canon);
    return rc;
}

/* ---- lookups ---- */

static const struct sh_ioc *lookup_v4(const struct sh_ioc_set *s, const uint8_t a[4])
{
    struct addr_key k;
    int p;

    unsigned n16 = ((unsigned)a[0] << 8) | a[1];

    if (!s->v4_prefixes[0] || !(s->v4_first16[n16 / 64] & (1ULL << (n16 % 64))))
        return NULL;
    /* Longest prefix first, so a host entry wins over a covering CIDR. */
    for (p = 32; p >= 0; p--) {
        const struct sh_ioc *hit;
        if (!(s->v4_prefixes[0] & (1ULL << p)))
            continue;
        memset(&k, 0, sizeof(k));
        k.family = 4;
        k.prefix = (uint8_t)p;
        memcpy(k.bytes, a, 4);
        mask_key(&k);
        hit = addr_find(s, &k);
        if (hit)
            return hit;
    }
    return NULL;
}

static const struct sh_ioc *lookup_v6(const struct sh_ioc_set *s, const uint8_t a[16])
{
    struct addr_key k;
    int p;

    for (p = 128; p >= 0; p--) {
        const struct sh_ioc *hit;
        if (!(s->v6_prefixes[p / 64] & (1ULL << (p % 64))))
            continue;
        memset(&k, 0, sizeof(k));
        k.family = 6;
        k.prefix = (uint8_t)p;
        memcpy(k.bytes, a, 16);
        mask_key(&k);
        hit = addr_find(s, &k);
        if (hit)
            return hit;
    }
    return NULL;
}

static const struct sh_ioc *lookup_str(const struct sh_ioc_set *s, enum sh_ioc_type t,
                                       const char *tok, size_t len)
{
    char buf[MAX_VALUE + 1];
    size_t i;

    if (!s->strs[t].n || len > MAX_VALUE)
        return NULL;
    for (i = 0; i < len; i++)
        buf[i] = (char)tolower((unsigned char)tok[i]);
    buf[len] = '\0';
    return sh_strmap_get(&s->strs[t], buf);
}

/* A domain hit on the name or any parent (sub.evil.example -> evil.example). */
static const struct sh_ioc *lookup_domain(const struct sh_ioc_set *s, const char *tok, size_t len)
{
    while (len > 0) {
        const struct sh_ioc *hit = lookup_str(s, SH_IOC_DOMAIN, tok, len);
        const char *dot;
        if (hit)
            return hit;
        dot = memchr(tok, '.', len);
        if (!dot)
            break;
        len -= (size_t)(dot + 1 - tok);
        tok = dot + 1;
        if (!memchr(tok, '.', len))
            break; /* never match a bare TLD */
    }
    return NULL;
}

const struct sh_ioc *sh_ioc_lookup(const struct sh_ioc_set *set, const char *tok, size_t len)
{
    uint8_t a[16];
    size_t i;
    bool hex = len > 0;

    if (!set || len == 0)
        return NULL;
    if (parse_v4(tok, len, a))
        return lookup_v4(set, a);
    if (memchr(tok, ':', len) && !memchr(tok, '/', len) && parse_v6(tok, len, a))
        return lookup_v6(set, a);
    for (i = 0; i < len && hex; i++)
        hex = isxdigit((unsigned char)tok[i]) != 0;
    if (hex && len == 32)
        return lookup_str(set, SH_IOC_MD5, tok, len);
    if (hex && len == 40)
        return lookup_str(set, SH_IOC_SHA1, tok, len);
    if (hex && len == 64)
        return lookup_str(set, SH_IOC_SHA256, tok, len);
    if (memchr(tok, '/', len))
        return lookup_str(set, SH_IOC_URL, tok, len);
    return lookup_domain(set, tok, len);
}

/* ---- the sweep ---- */

static bool is_word(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '-';
}

/* Character classes for the sweep: one table lookup per byte tells
 * whether the byte continues a token, and OR-ing the classes of a token's
 * bytes tells which indicator types it could be, so most tokens ("Login",
 * "GigabitEthernet0/0/1") are passed over without any parsing. */
enum {
    CC_TOK = 1,   /* may be inside a token: alnum . : - _ */
    CC_START = 2, /* may start a token: alnum : */
    CC_DIGIT = 4,
    CC_ALPHA = 8,
    CC_DOT = 16,
    CC_COLON = 32,
    CC_NONHEX = 64, /* alnum but not a hex digit, or - _ */
};

static const uint8_t *char_classes(void)
{
    static uint8_t cc[256];
    static bool ready; /* benign race: every thread writes the same bytes */
    int c;

    if (ready)
        return cc;
    for (c = 0; c < 256; c++) {
        uint8_t v = 0;
        if (isalnum(c) || c == '.' || c == ':' || c == '-' || c == '_')
            v |= CC_TOK;
        if (isalnum(c) || c == ':')
            v |= CC_START;
        if (c >= '0' && c <= '9')
            v |= CC_DIGIT;
        if (isalpha(c))
            v |= CC_ALPHA;
        if (c == '.')
            v |= CC_DOT;
        if (c == ':')
            v |= CC_COLON;
        if ((isalnum(c) && !isxdigit(c)) || c == '-' || c == '_')
            v |= CC_NONHEX;
        cc[c] = v;
    }
    ready = true;
    return cc;
}

/* One bit per byte of x that is ':' (the high bit of that byte), exactly. */
static inline uint64_t colon_bytes(const char *p)
{
    const uint64_t low7 = 0x7f7f7f7f7f7f7f7fULL;
    uint64_t x, y;

    memcpy(&x, p, sizeof(x));
    y = x ^ 0x3a3a3a3a3a3a3a3aULL;
    return ~(((y & low7) + low7) | y | low7);
}

/*
 * Whether token t (trailing single ':' and '.' already cut) has "::" or at
 * least seven colons. Below 14 bytes seven colons without two adjacent do
 * not fit (the last byte is not a colon), so only "::" is looked for, two
 * overlapping words at a time for 8 to 13 bytes.
 */
static bool v6_shaped(const char *t, size_t tl)
{
    size_t k, colons = 0;

    if (tl >= 8 && tl < 14) {
        uint64_t a = colon_bytes(t), b = colon_bytes(t + tl - 8);
        /* a pair of adjacent bytes lies within one of the two words */
        return ((a & (a >> 8)) | (b & (b >> 8))) != 0;
    }
    for (k = 0; k < tl; k++) {
        if (t[k] == ':') {
            colons++;
            if (k && t[k - 1] == ':')
                return true;
        }
    }
    return colons >= 7;
}

size_t sh_ioc_sweep(const struct sh_ioc_set *set, const char *line, size_t len, sh_ioc_hit_cb cb,
                    void *ud)
{
    const uint8_t *cc = char_classes();
    const unsigned char *u = (const unsigned char *)line;
    bool want_v4, want_v6, want_hash, want_dom, want_url;
    size_t i = 0, hits = 0;

    if (!set || set->count == 0)
        return 0;
    want_v4 = set->v4_prefixes[0] != 0;
    want_v6 = (set->v6_prefixes[0] | set->v6_prefixes[1] | set->v6_prefixes[2]) != 0;
    want_hash = set->strs[SH_IOC_MD5].n || set->strs[SH_IOC_SHA1].n || set->strs[SH_IOC_SHA256].n;
    want_dom = set->strs[SH_IOC_DOMAIN].n != 0;
    want_url = set->strs[SH_IOC_URL].n != 0;

    while (i < len) {
        size_t start, j, tl;
        unsigned acc = 0;
        const struct sh_ioc *hit = NULL;
        const char *t;
        uint8_t a[16];

        while (i < len && !(cc[u[i]] & CC_START))
            i++;
        if (i >= len)
            break;
        /* The maximal run of characters any token type can contain. */
        start = i;
        j = i;
        /* eight bytes a round with one bound test (the loop below does one per byte) */
        while (len - j >= 8) {
            size_t o;
#pragma GCC unroll 8
            for (o = 0; o < 8; o++) {
                uint8_t k = cc[u[j + o]];
                if (!(k & CC_TOK)) {
                    j += o;
                    goto run_end;
                }
                acc |= k;
            }
            j += 8;
        }
        for (; j < len; j++) {
            uint8_t k = cc[u[j]];
            if (!(k & CC_TOK))
                break;
            acc |= k;
        }
    run_end:
        /* the byte that ended the run is no token byte, so no token start
         * either: the next search begins after it */
        i = j < len ? j + 1 : j;
        /* Plain words (no dot or colon) can only be hashes. */
        if (!(acc & (CC_DOT | CC_COLON))) {
            tl = j - start;
            if (tl >= 32 && (tl == 32 || tl == 40 || tl == 64) && want_hash && !(acc & CC_NONHEX))
                hit = lookup_str(set,
                                 tl == 32   ? SH_IOC_MD5
                                 : tl == 40 ? SH_IOC_SHA1
                                            : SH_IOC_SHA256,
                                 line + start, tl);
            goto report;
        }
        t = line + start;
        tl = j - start;
        /* Trailing dots and colons are punctuation ("host 1.2.3.4." / "1.2.3.4:"). */
        while (tl > 0 && (t[tl - 1] == '.' || (t[tl - 1] == ':' && tl > 1 && t[tl - 2] != ':')))
            tl--;
        if (want_v4 && !(acc & CC_ALPHA) && (acc & CC_DOT) && (cc[u[start]] & CC_DIGIT)) {
            /* A dotted quad is 7 to 15 bytes, so only a colon among the
             * first 16 can end one; a later colon leaves the token too long
             * either way. */
            const char *colon = NULL;
            if (acc & CC_COLON) {
                size_t k, lim = tl < 16 ? tl : 16;
                for (k = 0; k < lim && !colon; k++)
                    if (t[k] == ':')
                        colon = t + k;
            }
            if (!colon && tl >= 7 && tl <= 15) {
                if (parse_v4(t, tl, a))
                    hit = lookup_v4(set, a);
            } else if (colon && colon - t >= 7) {
                /* "1.2.3.4:5555" (addr:port) */
                size_t al = (size_t)(colon - t);
                if (parse_v4(t, al, a)) {
                    hit = lookup_v4(set, a);
                    tl = al;
                }
            }
        }
        if (!hit && want_v6 && (acc & CC_COLON) && !(acc & CC_NONHEX) && tl < 64) {
            /* "::" or seven colons: not a time stamp like 10:00:01.123 */
            if (v6_shaped(t, tl) && parse_v6(t, tl, a))
                hit = lookup_v6(set, a);
        }
        /* A domain has a dot and an alphabetic top-level label. */
        if (!hit && want_dom && (acc & CC_DOT) && (acc & CC_ALPHA) && !(acc & CC_COLON)) {
            size_t k = tl;
            bool tld_alpha = false;
            while (k > 0 && t[k - 1] != '.' && !tld_alpha)
                tld_alpha = (cc[(unsigned char)t[--k]] & CC_ALPHA) != 0;
            if (tld_alpha)
                hit = lookup_domain(set, t, tl);
        }
        if (!hit && want_url && j + 3 <= len && line[j] == '/' && line[j + 1] == '/' && tl > 0 &&
            t[tl - 1] == ':') {
            size_t e = j;
            while (e < len && line[e] != ' ' && line[e] != '\t' && line[e] != '"' &&
                   line[e] != '\'')
                e++;
            hit = lookup_str(set, SH_IOC_URL, t, e - start);
            if (hit)
                tl = e - start;
        }
    report:
        if (hit) {
            /* Word boundary on the left: "x1.2.3.4" is not an address token. */
            if (start == 0 || !is_word(line[start - 1]) || line[start - 1] == '-') {
                hits++;
                if (cb)
                    cb(hit, line + start, start, tl, ud);
            }
        }
    }
    return hits;
}

/* ---- loading text lists ---- */

/* Split one CSV record (RFC 4180, no embedded newlines) into at most `max` fields.
 * Fields are written NUL-terminated into `buf`. Returns the field count or -1. */
static int csv_split(const char *line, size_t len, char *buf, size_t bufsize, char **fields,
                     int max)
{
    size_t i = 0, o = 0;
    int n = 0;

    while (n < max) {
        bool quoted = i < len && line[i] == '"';
        fields[n++] = buf + o;
        if (quoted) {
            i++;
            for (;;) {
                if (i >= len)
                    return -1;
                if (line[i] == '"') {
                    if (i + 1 < len && line[i + 1] == '"') {
                        i += 2;
                        if (o + 1 >= bufsize)
                            return -1;
                        buf[o++] = '"';
                        continue;
                    }
                    i++;
                    break;
                }
                if (o + 1 >= bufsize)
                    return -1;
                buf[o++] = line[i++];
            }
        } else {
            while (i < len && line[i] != ',') {
                if (o + 1 >= bufsize)
                    return -1;
                buf[o++] = line[i++];
            }
        }
        buf[o++] = '\0';
        if (i >= len)
            return n;
        if (line[i] != ',')
            return -1;
        i++;
    }
    return n;
}

/* Indicator kinds that lists carry but a token sweep cannot use. */
static bool unsweepable(const char *type)
{
    static const char *const names[] = {"ssdeep", "tlsh", "imphash", "filename", "file",
                                        "email",  "yara", "mutex",   "registry"};
    size_t i;

    for (i = 0; i < SH_ARRAY_LEN(names); i++) {
        if (strcasecmp(type, names[i]) == 0)
            return true;
    }
    return false;
}

static int guess_type(const char *v)
{
    size_t len = strlen(v);
    struct addr_key k;

    if (parse_addr_value(v, SH_IOC_IPV4, &k))
        return SH_IOC_IPV4;
    if (strchr(v, ':') && !strstr(v, "://") && parse_addr_value(v, SH_IOC_IPV6, &k))
        return SH_IOC_IPV6;
    if (is_hex_len(v, 32))
        return SH_IOC_MD5;
    if (is_hex_len(v, 40))
        return SH_IOC_SHA1;
    if (is_hex_len(v, 64))
        return SH_IOC_SHA256;
    if (strstr(v, "://"))
        return SH_IOC_URL;
    if (len && is_domain(v))
        return SH_IOC_DOMAIN;
    return -1;
}

int sh_ioc_set_load_text(struct sh_ioc_set *set, const char *buf, size_t len, const char *source,
                         bool related, sh_diag *diag)
{
    size_t pos = 0;
    uint32_t lineno = 0;
    int type_col = -1, value_col = -1, source_col = -1, note_col = -1;
    bool csv = false;
    char *tmp = NULL;
    int rc = SH_OK;

    tmp = sh_malloc(16384);
    if (!tmp)
        return SH_ENOMEM;
    while (pos < len) {
        const char *l = buf + pos, *nl = memchr(l, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - l) : len - pos;
        char *fields[16];
        int nf, t;
        const char *val;

        pos += ll + (nl ? 1 : 0);
        lineno++;
        l = sh_str_trim(l, &ll);
        if (ll == 0 || l[0] == '#')
            continue;
        if (ll >= 16000) {
            rc = sh_diag_set(diag, SH_ELIMIT, source, lineno, "line longer than 16000 bytes");
            goto out;
        }
        if (lineno == 1 || (!csv && type_col < 0 && memchr(l, ',', ll))) {
            /* A header row names the columns; we need "type" and "value". */
            nf = csv_split(l, ll, tmp, 16384, fields, 16);
            if (nf > 1) {
                int c;
                for (c = 0; c < nf; c++) {
                    if (strcasecmp(fields[c], "type") == 0)
                        type_col = c;
                    else if (strcasecmp(fields[c], "value") == 0 ||
                             strcasecmp(fields[c], "indicator") == 0)
                        value_col = c;
                    else if (strcasecmp(fields[c], "source") == 0)
                        source_col = c;
                    else if (strcasecmp(fields[c], "note") == 0 ||
                             strcasecmp(fields[c], "description") == 0)
                        note_col = c;
                }
                if (value_col >= 0) {
                    csv = true;
                    continue;
                }
            }
        }
        if (csv) {
            nf = csv_split(l, ll, tmp, 16384, fields, 16);
            if (nf <= value_col) {
                rc = sh_diag_set(diag, SH_EPARSE, source, lineno,
                                 "malformed CSV row (need column %d)", value_col + 1);
                goto out;
            }
            val = fields[value_col];
            t = type_col >= 0 && type_col < nf ? sh_ioc_type_parse(fields[type_col])
                                               : guess_type(val);
            if (t < 0 && type_col >= 0 && type_col < nf && unsweepable(fields[type_col]))
                continue; /* fuzzy hashes, file names: nothing a token lookup can match */
            if (t < 0) {
                rc = sh_diag_set(diag, SH_EPARSE, source, lineno, "unknown indicator type '%.40s'",
                                 type_col >= 0 && type_col < nf ? fields[type_col] : val);
                goto out;
            }
            rc = sh_ioc_set_add(
                set, (enum sh_ioc_type)t, val,
                related && source_col >= 0 && source_col < nf ? fields[source_col] : source,
                note_col >= 0 && note_col < nf ? fields[note_col] : NULL, related, diag);
        } else {
            char *v = sh_strndup(l, ll);
            if (!v) {
                rc = SH_ENOMEM;
                goto out;
            }
            t = guess_type(v);
            if (t < 0) {
                rc = sh_diag_set(diag, SH_EPARSE, source, lineno, "not an indicator: '%.80s'", v);
                sh_free(v);
                goto out;
            }
            rc = sh_ioc_set_add(set, (enum sh_ioc_type)t, v, source, NULL, related, diag);
            sh_free(v);
        }
        if (rc) {
            if (diag && diag->line == 0)
                diag->line = lineno;
            if (diag)
                snprintf(diag->source, sizeof(diag->source), "%s", source ? source : "");
            goto out;
        }
    }
out:
    sh_free(tmp);
    return rc;
}

int sh_ioc_set_load_builtin(struct sh_ioc_set *set, bool include_related, sh_diag *diag)
{
    const struct sh_embedded *adv = sh_embed_find("data/iocs/aa25-239a.csv");
    const struct sh_embedded *rel = sh_embed_find("data/iocs/related.csv");
    int rc;

    if (!adv)
        return sh_diag_set(diag, SH_EINTERNAL, "<builtin>", 0, "advisory indicators missing");
    rc =
        sh_ioc_set_load_text(set, (const char *)adv->data, adv->len, "CISA AA25-239A", false, diag);
    if (rc || !include_related)
        return rc;
    if (!rel)
        return sh_diag_set(diag, SH_EINTERNAL, "<builtin>", 0, "related indicators missing");
    return sh_ioc_set_load_text(set, (const char *)rel->data, rel->len, "related reporting", true,
                                diag);
}

int sh_ioc_set_each(const struct sh_ioc_set *set, int (*cb)(const struct sh_ioc *ioc, void *ud),
                    void *ud)
{
    size_t i, t;
    int rc;

    SH_ASSERT_ARG(set && cb);
    for (i = 0; i < set->cap_addrs; i++) {
        if (set->addrs[i].ioc && (rc = cb(set->addrs[i].ioc, ud)) != 0)
            return rc;
    }
    for (t = 0; t < SH_IOC__COUNT; t++) {
        for (i = 0; i < set->strs[t].cap; i++) {
            if (set->strs[t].ents && set->strs[t].ents[i].key &&
                (rc = cb(set->strs[t].ents[i].val, ud)) != 0)
                return rc;
        }
    }
    return SH_OK;
}
