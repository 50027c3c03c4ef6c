/*
 * ioc.c - typed indicator sets and the token sweep.
 *
 * Addresses are kept as integers in one open-addressing table keyed by
 * (family, prefix length, masked address); a lookup probes once per prefix
 * length actually present in the set (usually just /32 and /128), so the
 * cost of a token does not depend on how many indicators are loaded.
 * Hashes, domains and URLs live in string maps keyed by their lower-case
 * text. The sweep finds candidate tokens with a single left-to-right pass
 * over the text and never builds a regex per indicator; on x86-64 that
 * pass reads 16 or 32 bytes at a time and looks only at tokens that hold
 * the shape of an indicator type the set has (docs/internals/SWEEP.md).
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

/* Which indicator types the set holds: a token that could only be of a
 * type the set lacks is never parsed. */
enum {
    W_V4 = 1,
    W_V6 = 2,
    W_HASH = 4,
    W_DOM = 8,
    W_URL = 16,
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
    unsigned want; /* W_* of the types held */
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

/*
 * Parse a dotted quad at s[0..len); exact: all of it must be the address.
 * With `first16` (a set's v4_first16), false as soon as the first two
 * octets are read when no indicator covers them: lookup_v4() would find
 * nothing.
 */
static bool parse_v4_in(const char *s, size_t len, uint8_t out[4], const uint64_t *first16)
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
        if (part == 1 && first16) {
            unsigned n16 = ((unsigned)out[0] << 8) | out[1];
            if (!(first16[n16 / 64] & (1ULL << (n16 % 64))))
                return false;
        }
        if (part < 3) {
            if (i >= len || s[i] != '.')
                return false;
            i++;
        }
    }
    return i == len;
}

static bool parse_v4(const char *s, size_t len, uint8_t out[4])
{
    return parse_v4_in(s, len, out, NULL);
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

bool sh_ioc_addr_bytes(const struct sh_ioc *ioc, uint8_t out[16])
{
    struct addr_key k;

    if (!ioc || (ioc->type != SH_IOC_IPV4 && ioc->type != SH_IOC_IPV6) ||
        !parse_addr_value(ioc->value, ioc->type, &k))
        return false;
    memcpy(out, k.bytes, sizeof(k.bytes));
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
    set->want |= type == SH_IOC_IPV4     ? W_V4
                 : type == SH_IOC_IPV6   ? W_V6
                 : type == SH_IOC_DOMAIN ? W_DOM
                 : type == SH_IOC_URL    ? W_URL
                                         : W_HASH;
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

/* The class of byte c, as a constant expression (ASCII; the C locale's
 * ctype, which the program never changes). */
#define CC_IS_DIGIT(c) ((c) >= '0' && (c) <= '9')
#define CC_IS_ALPHA(c) (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
#define CC_IS_HEX(c) (CC_IS_DIGIT(c) || ((c) >= 'a' && (c) <= 'f') || ((c) >= 'A' && (c) <= 'F'))
#define CC_OF(c)                                                                                   \
    ((CC_IS_DIGIT(c) || CC_IS_ALPHA(c) || (c) == '.' || (c) == ':' || (c) == '-' || (c) == '_'     \
          ? CC_TOK                                                                                 \
          : 0) |                                                                                   \
     (CC_IS_DIGIT(c) || CC_IS_ALPHA(c) || (c) == ':' ? CC_START : 0) |                             \
     (CC_IS_DIGIT(c) ? CC_DIGIT : 0) | (CC_IS_ALPHA(c) ? CC_ALPHA : 0) |                           \
     ((c) == '.' ? CC_DOT : 0) | ((c) == ':' ? CC_COLON : 0) |                                     \
     ((CC_IS_ALPHA(c) && !CC_IS_HEX(c)) || (c) == '-' || (c) == '_' ? CC_NONHEX : 0))
#define CC_ROW(r)                                                                                  \
    CC_OF((r) + 0), CC_OF((r) + 1), CC_OF((r) + 2), CC_OF((r) + 3), CC_OF((r) + 4),                \
        CC_OF((r) + 5), CC_OF((r) + 6), CC_OF((r) + 7), CC_OF((r) + 8), CC_OF((r) + 9),            \
        CC_OF((r) + 10), CC_OF((r) + 11), CC_OF((r) + 12), CC_OF((r) + 13), CC_OF((r) + 14),       \
        CC_OF((r) + 15)

static const uint8_t cc_table[256] = {
    CC_ROW(0x00), CC_ROW(0x10), CC_ROW(0x20), CC_ROW(0x30), CC_ROW(0x40), CC_ROW(0x50),
    CC_ROW(0x60), CC_ROW(0x70), CC_ROW(0x80), CC_ROW(0x90), CC_ROW(0xa0), CC_ROW(0xb0),
    CC_ROW(0xc0), CC_ROW(0xd0), CC_ROW(0xe0), CC_ROW(0xf0),
};

static inline const uint8_t *char_classes(void)
{
    return cc_table;
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

static bool all_hex(const char *t, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!isxdigit((unsigned char)t[i]))
            return false;
    return true;
}

/* One sweep call: the line, the set and where hits go. */
struct sweep_job {
    const struct sh_ioc_set *set;
    const char *line;
    size_t len;
    sh_ioc_hit_cb cb;
    void *ud;
    unsigned want;
};

/*
 * The token [start, j): a maximal run of token bytes, its leading '.', '-'
 * and '_' dropped (so line[start] may start a token), whose classes OR to
 * `acc`. Looks it up as the type its shape allows and reports a hit.
 * Returns 1 for a reported hit, else 0. Both tokenizers below end here, so
 * they differ only in which tokens they pass over without asking.
 */
static inline __attribute__((always_inline)) size_t
sweep_token(const struct sweep_job *w, size_t start, size_t j, unsigned acc)
{
    const struct sh_ioc_set *set = w->set;
    const char *line = w->line;
    const uint8_t *cc = char_classes();
    const struct sh_ioc *hit = NULL;
    const char *t = line + start;
    size_t tl = j - start, len = w->len;
    uint8_t a[16];

    /* Plain words (no dot or colon) can only be hashes. */
    if (!(acc & (CC_DOT | CC_COLON))) {
        if (tl >= 32 && (tl == 32 || tl == 40 || tl == 64) && (w->want & W_HASH) &&
            !(acc & CC_NONHEX))
            hit = lookup_str(set,
                             tl == 32   ? SH_IOC_MD5
                             : tl == 40 ? SH_IOC_SHA1
                                        : SH_IOC_SHA256,
                             t, tl);
        goto report;
    }
    /* Trailing dots and colons are punctuation ("host 1.2.3.4." / "1.2.3.4:"). */
    while (tl > 0 && (t[tl - 1] == '.' || (t[tl - 1] == ':' && tl > 1 && t[tl - 2] != ':')))
        tl--;
    /* what is left may be a hash that ended a sentence ("sha256 e3b0...855.") */
    if ((tl == 32 || tl == 40 || tl == 64) && (w->want & W_HASH) && all_hex(t, tl))
        hit = lookup_str(set,
                         tl == 32   ? SH_IOC_MD5
                         : tl == 40 ? SH_IOC_SHA1
                                    : SH_IOC_SHA256,
                         t, tl);
    if (!hit && (w->want & W_V4) && !(acc & CC_ALPHA) && (acc & CC_DOT) &&
        (cc[(unsigned char)t[0]] & CC_DIGIT)) {
        /* A dotted quad is 7 to 15 bytes, so only a colon among the first
         * 16 can end one; a later colon leaves the token too long either
         * way. */
        const char *colon = NULL;
        if (acc & CC_COLON) {
            size_t k, lim = tl < 16 ? tl : 16;
            for (k = 0; k < lim && !colon; k++)
                if (t[k] == ':')
                    colon = t + k;
        }
        if (!colon && tl >= 7 && tl <= 15) {
            if (parse_v4_in(t, tl, a, set->v4_first16))
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
    if (!hit && (w->want & W_V6) && (acc & CC_COLON) && !(acc & CC_NONHEX) && tl < 64) {
        /* "::" or seven colons: not a time stamp like 10:00:01.123 */
        if (v6_shaped(t, tl) && parse_v6(t, tl, a))
            hit = lookup_v6(set, a);
    }
    /* A domain has a dot and an alphabetic top-level label. */
    if (!hit && (w->want & W_DOM) && (acc & CC_DOT) && (acc & CC_ALPHA) && !(acc & CC_COLON)) {
        size_t k = tl;
        bool tld_alpha = false;
        while (k > 0 && t[k - 1] != '.' && !tld_alpha)
            tld_alpha = (cc[(unsigned char)t[--k]] & CC_ALPHA) != 0;
        if (tld_alpha)
            hit = lookup_domain(set, t, tl);
    }
    /* A URL: "//" follows the run, which ends in its scheme's ':' (before
     * the cut, or still after it: "x::.//"). It runs to the next blank or
     * quote; punctuation that closes a sentence or a bracket around it is
     * tried without. */
    if (!hit && (w->want & W_URL) && j + 3 <= len && line[j] == '/' && line[j + 1] == '/' &&
        (line[j - 1] == ':' || (tl > 0 && t[tl - 1] == ':'))) {
        size_t e = j;
        while (e < len && line[e] != ' ' && line[e] != '\t' && line[e] != '"' && line[e] != '\'')
            e++;
        hit = lookup_str(set, SH_IOC_URL, t, e - start);
        while (!hit && e > j + 2 && line[e - 1] && strchr(".,;:!?)]}>", line[e - 1])) {
            e--;
            hit = lookup_str(set, SH_IOC_URL, t, e - start);
        }
        if (hit)
            tl = e - start;
    }
report:
    /* Word boundary on the left: "x1.2.3.4" is not an address token. */
    if (!hit || (start > 0 && is_word(line[start - 1]) && line[start - 1] != '-'))
        return 0;
    if (w->cb)
        w->cb(hit, t, start, tl, w->ud);
    return 1;
}

/* The end of the token run from j (the first non-token byte, or len);
 * *accp gets the classes of its bytes OR-ed. */
static inline size_t run_end(const uint8_t *cc, const unsigned char *u, size_t j, size_t len,
                             unsigned *accp)
{
    unsigned acc = 0;

    /* eight bytes a round with one bound test (the loop below does one per byte) */
    while (len - j >= 8) {
        size_t o;
#pragma GCC unroll 8
        for (o = 0; o < 8; o++) {
            uint8_t k = cc[u[j + o]];
            if (!(k & CC_TOK)) {
                *accp = acc;
                return j + o;
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
    *accp = acc;
    return j;
}

/* The portable tokenizer: one class-table lookup per byte. */
static size_t sweep_bytes(const struct sweep_job *w)
{
    const uint8_t *cc = char_classes();
    const unsigned char *u = (const unsigned char *)w->line;
    size_t i = 0, hits = 0, len = w->len;

    while (i < len) {
        size_t start, j;
        unsigned acc = 0;

        while (i < len && !(cc[u[i]] & CC_START))
            i++;
        if (i >= len)
            break;
        /* The maximal run of characters any token type can contain. */
        start = i;
        j = run_end(cc, u, i, len, &acc);
        /* the byte that ended the run is no token byte, so no token start
         * either: the next search begins after it */
        i = j < len ? j + 1 : j;
        /* Only a token with a dot or a colon, or a word of a hash's
         * length, can be an indicator. */
        if ((acc & (CC_DOT | CC_COLON)) || j - start >= 32)
            hits += sweep_token(w, start, j, acc);
    }
    return hits;
}

#if defined(__SSE2__)
/*
 * The vector tokenizer. Every 64-byte block of the line becomes bit masks
 * (bit k for byte k of the block): dots, colons, bytes that may be hex
 * digits, and slashes when the set holds URLs. An indicator
 * token always holds one of a few short patterns among those, each found
 * with shifts of the masks (the next block's masks supply what lies past
 * the block's end):
 *   IPv4    a dotted quad has a dot followed by another 2 to 4 bytes on;
 *   IPv6    "::", or else seven colons in groups of 1 to 4 hex digits, so
 *           three colons 2 to 5 bytes apart (a time stamp has two);
 *   hash    32 hex digits in a row fill one whole lane (lanes start every
 *           16 bytes from the line's start);
 *   domain  a dot;
 *   URL     a colon or a dot right before "//".
 * Only the tokens holding such a "trigger" byte are looked at: their run
 * is found around the trigger byte by the class table and handed to
 * sweep_token(), the same exact test the portable tokenizer ends in. All
 * other tokens of the line (most words, time stamps, interface names) are
 * passed over a block at a time, never touched one by one. Loads stay
 * inside [line, line+len) (see load_block()). docs/internals/SWEEP.md has
 * the argument for each pattern.
 */
#include <emmintrin.h>

struct blk {
    uint64_t dot, colon, slash;
    uint64_t hex; /* bytes that may be hex digits */
};

/* Bytes in [lo, hi]: x - lo + 0x80, as a signed byte, lands in
 * [-128, -128 + hi - lo] exactly for those (mod 256 arithmetic). */
static inline __m128i in_range16(__m128i x, int lo, int hi)
{
    __m128i y = _mm_add_epi8(x, _mm_set1_epi8((char)(0x80 - lo)));
    return _mm_cmplt_epi8(y, _mm_set1_epi8((char)(-128 + (hi - lo) + 1)));
}

static inline void classify16(const unsigned char *p, unsigned k, struct blk *m, unsigned want)
{
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
    /* Hex digits OR 0x20 are '0'-'9' and 'a'-'f', all within 0x30-0x66:
     * a lane with a byte outside cannot be part of a hash. */
    __m128i hexish = in_range16(_mm_or_si128(x, _mm_set1_epi8(0x20)), 0x30, 0x66);

    m->dot |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('.'))) << k;
    m->colon |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(':'))) << k;
    if (want & W_URL)
        m->slash |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('/')))
                    << k;
    m->hex |= (uint64_t)(unsigned)_mm_movemask_epi8(hexish) << k;
}

static inline void classify_sse2(const unsigned char *p, struct blk *m, unsigned want)
{
    m->dot = m->colon = m->slash = m->hex = 0;
    classify16(p, 0, m, want);
    classify16(p + 16, 16, m, want);
    classify16(p + 32, 32, m, want);
    classify16(p + 48, 48, m, want);
}

/* x shifted right by s (1..63) over the 128 bits (xn:x), xn the next block. */
static inline uint64_t shr_n(uint64_t x, uint64_t xn, unsigned s)
{
    return (x >> s) | (xn << (64 - s));
}

/* The trigger bits of block `c`, `n` the next block (all zero past the line). */
static inline uint64_t block_triggers(unsigned want, const struct blk *c, const struct blk *n)
{
    uint64_t t = 0;

    if (want & W_HASH) {
        /* lane k all ones: its low 15 bits plus one carry into bit 15,
         * which must be set as well (no carry leaves a lane) */
        uint64_t h = c->hex, y = (h & 0x7fff7fff7fff7fffULL) + 0x0001000100010001ULL;
        t |= (y & h & 0x8000800080008000ULL) >> 15;
    }
    if (want & W_DOM) {
        t |= c->dot;
    } else if ((want & W_V4) && c->dot) {
        uint64_t d = c->dot, x = (d >> 2) | (d >> 3) | (d >> 4);
        if (d >> 60) /* the next block only matters for the last four bytes */
            x |= (n->dot << 62) | (n->dot << 61) | (n->dot << 60);
        t |= d & x;
    }
    if (want & W_URL) {
        /* "x::" or "x::." right before "//" (see sweep_token()): the
         * token's last byte is a colon or a dot, followed by two slashes */
        uint64_t s1 = shr_n(c->slash, n->slash, 1), s2 = shr_n(c->slash, n->slash, 2);
        t |= (c->colon | c->dot) & s1 & s2;
    }
    if ((want & W_V6) && c->colon && !(c->colon >> 58)) {
        /* As below, when no colon is among the last six bytes: then the
         * next block cannot change any of these bits. */
        uint64_t k = c->colon, w = k | (k >> 1), c2 = k & ((w >> 2) | (w >> 4));
        t |= k & (k >> 1);
        if (c2) {
            uint64_t w2 = c2 | (c2 >> 1);
            t |= c2 & ((w2 >> 2) | (w2 >> 4));
        }
    } else if ((want & W_V6) && c->colon) {
        /* w: a colon at this byte or the next; c2: a colon with another
         * 2 to 5 bytes on; then c3 the same for c2, a chain of three. */
        uint64_t k = c->colon, kn = n->colon, k1 = shr_n(k, kn, 1);
        uint64_t w = k | k1, wn = kn | (kn >> 1);
        uint64_t c2 = k & (shr_n(w, wn, 2) | shr_n(w, wn, 4));
        t |= k & k1; /* "::" */
        if (c2) {
            /* c2 of the next block: only its first bits are shifted in,
             * and those depend on its first ten bytes alone */
            uint64_t c2n = kn & ((wn >> 2) | (wn >> 4));
            uint64_t w2 = c2 | shr_n(c2, c2n, 1), w2n = c2n | (c2n >> 1);
            t |= c2 & (shr_n(w2, w2n, 2) | shr_n(w2, w2n, 4));
        }
    }
    return t;
}

/* One to three digits at u (a digit), ending at the first dot after. */
static inline bool octet_at(const unsigned char *u, unsigned n, unsigned *v)
{
    if (n == 1)
        *v = (unsigned)(u[0] - '0');
    else if (n == 2)
        *v = (unsigned)(u[0] - '0') * 10 + (unsigned)(u[1] - '0');
    else if (n == 3)
        *v = (unsigned)(u[0] - '0') * 100 + (unsigned)(u[1] - '0') * 10 + (unsigned)(u[2] - '0');
    else
        return false;
    return *v <= 255;
}

/*
 * For a token of digits and dots at t whose dots are the bits of `dot`:
 * false when parse_v4() would reject its first two octets, or no IPv4
 * indicator covers them (then lookup_v4() finds nothing either).
 */
static inline bool v4_head_listed(const struct sh_ioc_set *s, const unsigned char *t, unsigned dot)
{
    unsigned n0, n1, v0, v1, n16;

    if (!dot)
        return false;
    n0 = (unsigned)__builtin_ctz(dot);
    dot >>= n0 + 1;
    if (!dot || !octet_at(t, n0, &v0))
        return false;
    n1 = (unsigned)__builtin_ctz(dot);
    if (!octet_at(t + n0 + 1, n1, &v1))
        return false;
    n16 = (v0 << 8) | v1;
    return (s->v4_first16[n16 / 64] >> (n16 % 64)) & 1;
}

/*
 * The token holding byte p (a trigger): its run of token bytes, found by
 * the class table, from its first byte that may start a token. A token
 * with a dot or a colon, or a word of a hash's length, goes to
 * sweep_token() (the test the portable tokenizer ends in). Returns where
 * the next token may start (past the run: p + 1 at least); *hits counts a
 * reported hit.
 */
static inline __attribute__((always_inline)) size_t trigger_token(const struct sweep_job *w,
                                                                  size_t p, size_t *hits)
{
    const uint8_t *cc = char_classes();
    const unsigned char *u = (const unsigned char *)w->line;
    size_t len = w->len, start = p, re;
    unsigned acc = 0;

    if (!(cc[u[p]] & CC_TOK))
        return p + 1; /* a lane start that is no hex digit */
    while (start > 0 && (cc[u[start - 1]] & CC_TOK))
        start--;
    if (!(cc[u[start]] & CC_START)) {
        /* the run's leading '.', '-', '_' start no token */
        while ((cc[u[start]] & (CC_TOK | CC_START)) == CC_TOK)
            if (++start == len)
                return len;
        if (!(cc[u[start]] & CC_TOK))
            return start; /* the run had no byte that starts a token */
    }
    if ((w->want & W_V4) && (cc[u[start]] & CC_DIGIT) && len >= 16) {
        /* The common case, an address alone ("peer 10.1.2.3 up"): a token
         * of digits and dots, under 16 bytes, found from the masks of the
         * 16 bytes it starts. With no letter and no colon, sweep_token()
         * would take its IPv4 branch and no other (a hash has no dot, a
         * URL needs a colon), so that branch is taken here: trailing dots
         * cut, then a dotted quad of 7 to 15 bytes looked up. Near the
         * line's end its last 16 bytes are read, the masks shifted down. */
        size_t base = len - start >= 16 ? start : len - 16;
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(u + base));
        unsigned dig = (unsigned)_mm_movemask_epi8(in_range16(x, '0', '9')) >> (start - base);
        unsigned dot =
            (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('.'))) >> (start - base);
        unsigned run = (unsigned)__builtin_ctz(~(dig | dot)); /* at most 16 */
        if (run < 16 && (start + run == len || !(cc[u[start + run]] & CC_TOK))) {
            /* dig has bit 0 (the token starts with a digit): tl runs to the last digit */
            size_t tl = 32 - (size_t)__builtin_clz(dig & ((1u << run) - 1));
            const struct sh_ioc *hit = NULL;
            uint8_t a[4];
            if (tl >= 7 && tl <= 15 && v4_head_listed(w->set, u + start, dot) &&
                parse_v4((const char *)u + start, tl, a))
                hit = lookup_v4(w->set, a);
            if (hit && !(start > 0 && is_word(w->line[start - 1]) && w->line[start - 1] != '-')) {
                (*hits)++;
                if (w->cb)
                    w->cb(hit, w->line + start, start, tl, w->ud);
            }
            return start + run;
        }
    }
    re = run_end(cc, u, start, len, &acc);
    if ((acc & (CC_DOT | CC_COLON)) || re - start >= 32)
        *hits += sweep_token(w, start, re, acc);
    return re;
}

typedef void (*classify_fn)(const unsigned char *p, struct blk *m, unsigned want);

/*
 * Masks of the block at b. The last, partial block of a line of 64 bytes
 * or more comes from the line's last 64 bytes, shifted down to the block
 * (bits past the end are zero: no byte of any kind); a shorter line is
 * copied into a zeroed buffer first (a zero byte is none of them either).
 */
static inline __attribute__((always_inline)) void load_block(classify_fn classify,
                                                             const unsigned char *u, size_t len,
                                                             size_t b, struct blk *m, unsigned want)
{
    if (len - b >= 64) {
        classify(u + b, m, want);
    } else if (len >= 64) {
        unsigned sh = (unsigned)(b + 64 - len); /* 1..63 */
        classify(u + len - 64, m, want);
        m->dot >>= sh;
        m->colon >>= sh;
        m->slash >>= sh;
        m->hex >>= sh;
    } else {
        unsigned char tail[64];
        memset(tail, 0, sizeof(tail));
        memcpy(tail, u + b, len - b);
        classify(tail, m, want);
    }
}

/* The block walk, instantiated once per instruction set (`classify` is a
 * constant in each caller, so it is inlined there). */
static inline __attribute__((always_inline)) size_t sweep_blocks(const struct sweep_job *w,
                                                                 classify_fn classify)
{
    static const struct blk none;
    const unsigned char *u = (const unsigned char *)w->line;
    size_t len = w->len, b = 0, next = 0, hits = 0;
    struct blk cur, nxt;

    if (len == 0)
        return 0;
    load_block(classify, u, len, 0, &cur, w->want);
    /* At the top: b is a multiple of 64 below len, next < b + 64, and
     * every token before `next` is done. */
    while (b < len) {
        uint64_t trig;

        if (len - b > 64)
            load_block(classify, u, len, b + 64, &nxt, w->want);
        else
            nxt = none;
        trig = block_triggers(w->want, &cur, &nxt);
        if (next > b)
            trig &= ~0ULL << (next - b);
        while (trig) {
            next = trigger_token(w, b + (size_t)__builtin_ctzll(trig), &hits);
            if (next >= b + 64)
                break;
            trig &= ~0ULL << (next - b);
        }
        b += 64;
        if (next >= b + 64) {
            /* a long token: resume at the block it ends in */
            b = next & ~(size_t)63;
            if (b < len)
                load_block(classify, u, len, b, &cur, w->want);
        } else {
            cur = nxt;
        }
    }
    return hits;
}

static size_t sweep_sse2(const struct sweep_job *w)
{
    return sweep_blocks(w, classify_sse2);
}

#if defined(__GNUC__)
#define SH_HAVE_AVX2 1
#include <immintrin.h>

#define K8(c) (char)(c), (char)(c), (char)(c), (char)(c), (char)(c), (char)(c), (char)(c), (char)(c)
#define K32(c)                                                                                     \
    {                                                                                              \
        K8(c), K8(c), K8(c), K8(c)                                                                 \
    }

/* The bytes classify_avx2() compares with, each in all 32 lanes. */
enum { K_DOT, K_COLON, K_SLASH, K_LC, K_OFF, K_LIM };
static const char avx2_k[6][32] __attribute__((aligned(32))) = {
    K32('.'), K32(':'), K32('/'), K32(0x20), K32(0x80 - 0x30), K32(-128 + (0x66 - 0x30) + 1),
};
#define AVX2_K(i) _mm256_load_si256((const __m256i *)(const void *)avx2_k[i])

__attribute__((target("avx2"))) static inline void classify_avx2(const unsigned char *p,
                                                                 struct blk *m, unsigned want)
{
    __m256i x0 = _mm256_loadu_si256((const __m256i *)(const void *)p);
    __m256i x1 = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));
    /* constants from memory: a broadcast per block costs three instructions each */
    __m256i dot = AVX2_K(K_DOT), colon = AVX2_K(K_COLON), slash = AVX2_K(K_SLASH);
    __m256i lc = AVX2_K(K_LC), off = AVX2_K(K_OFF), lim = AVX2_K(K_LIM);
    /* as in classify16(): lanes of bytes within 0x30-0x66 once OR-ed with 0x20 */
    __m256i h0 = _mm256_cmpgt_epi8(lim, _mm256_add_epi8(_mm256_or_si256(x0, lc), off));
    __m256i h1 = _mm256_cmpgt_epi8(lim, _mm256_add_epi8(_mm256_or_si256(x1, lc), off));

    m->dot = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x0, dot)) |
             (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x1, dot)) << 32;
    m->colon = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x0, colon)) |
               (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x1, colon)) << 32;
    m->slash = 0;
    if (want & W_URL)
        m->slash = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x0, slash)) |
                   (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x1, slash)) << 32;
    m->hex = (uint32_t)_mm256_movemask_epi8(h0) | (uint64_t)(uint32_t)_mm256_movemask_epi8(h1)
                                                      << 32;
}

__attribute__((target("avx2"))) static size_t sweep_avx2(const struct sweep_job *w)
{
    return sweep_blocks(w, classify_avx2);
}
#endif
#endif

typedef size_t (*sweep_fn)(const struct sweep_job *w);

/* The tokenizer for `impl` on this CPU (see sh_ioc__sweep_with()). */
static sweep_fn sweep_impl(int impl)
{
#if defined(SH_HAVE_AVX2)
    if (impl >= SH_IOC_SWEEP_AVX2) {
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx2"))
            return sweep_avx2;
    }
#endif
#if defined(__SSE2__)
    if (impl >= SH_IOC_SWEEP_SSE2)
        return sweep_sse2;
#endif
    SH_UNUSED(impl);
    return sweep_bytes;
}

size_t sh_ioc__sweep_with(const struct sh_ioc_set *set, const char *line, size_t len,
                          sh_ioc_hit_cb cb, void *ud, int impl)
{
    struct sweep_job w = {set, line, len, cb, ud, 0};

    if (!set || set->count == 0)
        return 0;
    w.want = set->want;
    return sweep_impl(impl)(&w);
}

size_t sh_ioc_sweep(const struct sh_ioc_set *set, const char *line, size_t len, sh_ioc_hit_cb cb,
                    void *ud)
{
    /* chosen once; a race only stores the same pointer twice */
    static sweep_fn best;
    sweep_fn fn = __atomic_load_n(&best, __ATOMIC_RELAXED);
    struct sweep_job w = {set, line, len, cb, ud, 0};

    if (!set || set->count == 0)
        return 0;
    if (!fn) {
        fn = sweep_impl(SH_IOC_SWEEP_AVX2);
        __atomic_store_n(&best, fn, __ATOMIC_RELAXED);
    }
    w.want = set->want;
    return fn(&w);
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
