/*
 * ioc_prefilter.c - text every indicator hit holds within its line.
 *
 * sh_ioc_sweep() tokenizes every line it is given, and most lines of a
 * large log hold no indicator at all. sh_ioc__prefilter_texts() lists
 * Hyperscan expressions (plain text, escaped) such that every hit the
 * sweep reports lies in a line holding one of them, whatever spelling
 * the sweep's rules let the hit's token have:
 *
 *   IPv4    the address, or a CIDR's whole octets and the dot after them,
 *           in every spelling of each octet parse_v4() accepts (leading
 *           zeros up to three digits);
 *   IPv6    "::", and for each address the longest group it fixes among
 *           the first six, without leading zeros, with its colon: a token
 *           without "::" spells all eight groups;
 *   hash, domain, URL
 *           the indicator, caseless (a domain hit is the name or a
 *           subdomain of it; a URL or hash hit is its text lower-cased).
 *
 * A feeder that scans its buffer with these (the log analyzer adds them to
 * the block scan it runs anyway, sigma_eval.h) sweeps only the lines a
 * match ends in. A set with an indicator no text covers (a CIDR shorter
 * than /8, an IPv6 prefix shorter than /16) or with too many spellings
 * gets none, and every line is swept. Pure functions; thread-safe.
 */
#include "../base/sh_base.h"

#include "ioc.h"
#include "sweep.h"

#include <stdio.h>

struct pats {
    struct sh_ptrvec exprs; /* char *, owned */
    bool *caseless;
    size_t cap;
    bool refused; /* an indicator with no text every hit holds */
    bool v6;      /* the IPv6 shapes are in */
    int rc;
};

static int add_pat(struct pats *p, char *expr, bool caseless)
{
    if (!expr)
        return SH_ENOMEM;
    if (p->exprs.n == p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 64;
        bool *nf = sh_realloc(p->caseless, nc * sizeof(*nf));
        if (!nf) {
            sh_free(expr);
            return SH_ENOMEM;
        }
        p->caseless = nf;
        p->cap = nc;
    }
    p->caseless[p->exprs.n] = caseless;
    if (sh_ptrvec_push(&p->exprs, expr)) {
        sh_free(expr);
        return SH_ENOMEM;
    }
    return SH_OK;
}

/* Past this many texts a set is swept line by line: every padding of
 * every octet of an address is one text (81 at most for one address). */
#define PF_MAX_TEXTS 20000

/* An IPv4 indicator's whole octets (all four for a host, the dot after the
 * last one for a CIDR), each octet in every spelling parse_v4() reads as
 * it: with up to two leading zeros, three digits in all. */
static int add_v4(struct pats *p, const struct sh_ioc *ioc)
{
    uint8_t o[16];
    unsigned k = ioc->prefix / 8, pad[4], i, total = 1, c;

    if (k == 0 || !sh_ioc_addr_bytes(ioc, o)) {
        p->refused = true;
        return SH_OK;
    }
    if (k > 4)
        k = 4;
    for (i = 0; i < k; i++) {
        unsigned digits = o[i] >= 100 ? 3 : o[i] >= 10 ? 2 : 1;
        pad[i] = 3 - digits;
        total *= pad[i] + 1;
    }
    if (p->exprs.n + total > PF_MAX_TEXTS) {
        p->refused = true;
        return SH_OK;
    }
    for (c = 0; c < total; c++) {
        char buf[64];
        size_t n = 0;
        unsigned rest = c, z;
        for (i = 0; i < k; i++) {
            unsigned zeros = rest % (pad[i] + 1);
            rest /= pad[i] + 1;
            if (i)
                n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\\x2e");
            for (z = 0; z < zeros; z++)
                buf[n++] = '0';
            n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%u", (unsigned)o[i]);
        }
        if (k < 4)
            snprintf(buf + n, sizeof(buf) - n, "\\x2e");
        if (add_pat(p, sh_strdup(buf), false))
            return SH_ENOMEM;
    }
    return SH_OK;
}

/* An IPv6 token without "::" is written in full: eight groups of one to
 * four hex digits (or six and a dotted quad). Each group the indicator
 * fixes (within its prefix, among the first six) is in it as its digits
 * without leading zeros and the colon after them; the longest such text is
 * taken. "::" covers every other spelling. */
static int add_v6(struct pats *p, const struct sh_ioc *ioc)
{
    char tmp[16];
    uint8_t a[16];
    unsigned g, fixed = ioc->prefix / 16, best_len = 0;
    char best[8];

    if (!p->v6) {
        p->v6 = true;
        if (add_pat(p, sh_strdup("\\x3a\\x3a"), false))
            return SH_ENOMEM;
    }
    if (!sh_ioc_addr_bytes(ioc, a)) {
        p->refused = true;
        return SH_OK;
    }
    if (fixed > 6)
        fixed = 6;
    for (g = 0; g < fixed; g++) {
        char h[8];
        unsigned len =
            (unsigned)snprintf(h, sizeof(h), "%x", ((unsigned)a[2 * g] << 8) | a[2 * g + 1]);
        if (len > best_len) {
            best_len = len;
            memcpy(best, h, len + 1);
        }
    }
    if (best_len == 0) {
        p->refused = true;
        return SH_OK;
    }
    snprintf(tmp, sizeof(tmp), "%s\\x3a", best);
    return add_pat(p, sh_strdup(tmp), true);
}

static int add_one(const struct sh_ioc *ioc, void *ud)
{
    struct pats *p = ud;
    int rc = SH_OK;

    if (p->rc || p->refused)
        return 0;
    switch (ioc->type) {
    case SH_IOC_IPV4: rc = add_v4(p, ioc); break;
    case SH_IOC_IPV6: rc = add_v6(p, ioc); break;
    case SH_IOC_DOMAIN:
    case SH_IOC_URL:
    case SH_IOC_MD5:
    case SH_IOC_SHA1:
    case SH_IOC_SHA256:
        if (!ioc->value || !*ioc->value)
            p->refused = true;
        else
            rc = add_pat(p, sh_str_escape_hex(ioc->value, strlen(ioc->value)), true);
        break;
    default: p->refused = true; break;
    }
    p->rc = rc;
    return 0;
}

int sh_ioc__prefilter_texts(const struct sh_ioc_set *set, char ***exprs, bool **caseless, size_t *n)
{
    struct pats p = {0};
    size_t i;

    *exprs = NULL;
    *caseless = NULL;
    *n = 0;
    if (!set || sh_ioc_set_count(set) == 0)
        return SH_OK;
    sh_ioc_set_each(set, add_one, &p);
    if (p.rc || p.refused || p.exprs.n == 0 || p.exprs.n > PF_MAX_TEXTS) {
        for (i = 0; i < p.exprs.n; i++)
            sh_free(p.exprs.v[i]);
        sh_ptrvec_free(&p.exprs);
        sh_free(p.caseless);
        return p.rc;
    }
    *exprs = (char **)p.exprs.v;
    *caseless = p.caseless;
    *n = p.exprs.n;
    return SH_OK;
}

void sh_ioc__prefilter_texts_free(char **exprs, bool *caseless, size_t n)
{
    size_t i;

    for (i = 0; exprs && i < n; i++)
        sh_free(exprs[i]);
    sh_free(exprs);
    sh_free(caseless);
}
