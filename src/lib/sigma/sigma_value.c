/*
 * sigma_value.c - turn `field|modifiers: values` into compiled matchers.
 *
 * String values follow the Sigma escaping rules (`*` and `?` wildcards,
 * `\*`, `\?` and `\\` escapes, any other backslash literal) and are stored
 * as bytes plus a wildcard mask. Transforming modifiers (windash, base64,
 * base64offset) expand one value into several; position modifiers
 * (contains, startswith, endswith) add wildcards; `re` compiles PCRE2 once
 * here. Each string value also records its longest literal run: the
 * anchor the prefilter searches for. All memory is in the set's arena,
 * except regexes, which the set releases.
 */
#include "../base/sh_base.h"

#include "sigma_int.h"
#include "sigma_yaml.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "../policy/policy.h"

/* Placeholder names are the site policy keys (policy.h, in enum order).
 * Kept here so loading and linting rules need no policy module. */
static const char *const policy_keys[SH_POL__COUNT] = {
    "management_networks", "aaa_servers", "syslog_servers", "ntp_servers", "snmp_managers",
    "tunnel_peers",        "local_users", "file_servers",   "ssh_ports",
};

static int policy_key(const char *name)
{
    int i;

    for (i = 0; i < SH_POL__COUNT; i++)
        if (strcmp(policy_keys[i], name) == 0)
            return i;
    return -1;
}

enum { POS_EXACT = 0, POS_CONTAINS, POS_STARTS, POS_ENDS };

struct mods {
    int pos;
    bool all, re, re_i, re_m, re_s, cidr, b64, b64off, windash, exists, cased, expand, fieldref;
    bool num;
    enum sg_numop op;
};

/* A string under construction: bytes + wildcard mask. */
struct wstr {
    char *b;
    uint8_t *w;
    size_t n;
};

static int parse_mods(const char *mods, struct mods *m, char *err, size_t errlen)
{
    const char *p = mods;

    memset(m, 0, sizeof(*m));
    if (!mods || !*mods)
        return SH_OK;
    if (strlen(mods) >= 256) {
        snprintf(err, errlen, "modifier list too long");
        return SH_ELIMIT;
    }
    while (*p) {
        char tok[64];
        size_t n = strcspn(p, "|");

        if (n == 0 || n >= sizeof(tok)) {
            snprintf(err, errlen, "empty or overlong modifier");
            return SH_ERULE;
        }
        memcpy(tok, p, n);
        tok[n] = '\0';
        p += n + (p[n] == '|');
        if (strcmp(tok, "contains") == 0)
            m->pos = POS_CONTAINS;
        else if (strcmp(tok, "startswith") == 0)
            m->pos = POS_STARTS;
        else if (strcmp(tok, "endswith") == 0)
            m->pos = POS_ENDS;
        else if (strcmp(tok, "all") == 0)
            m->all = true;
        else if (strcmp(tok, "re") == 0)
            m->re = true;
        else if (strcmp(tok, "i") == 0 || strcmp(tok, "ignorecase") == 0)
            m->re_i = true;
        else if (strcmp(tok, "m") == 0 || strcmp(tok, "multiline") == 0)
            m->re_m = true;
        else if (strcmp(tok, "s") == 0 || strcmp(tok, "dotall") == 0)
            m->re_s = true;
        else if (strcmp(tok, "cidr") == 0)
            m->cidr = true;
        else if (strcmp(tok, "base64") == 0)
            m->b64 = true;
        else if (strcmp(tok, "base64offset") == 0)
            m->b64off = true;
        else if (strcmp(tok, "windash") == 0)
            m->windash = true;
        else if (strcmp(tok, "exists") == 0)
            m->exists = true;
        else if (strcmp(tok, "cased") == 0)
            m->cased = true;
        else if (strcmp(tok, "expand") == 0)
            m->expand = true;
        else if (strcmp(tok, "fieldref") == 0)
            m->fieldref = true;
        else if (strcmp(tok, "lt") == 0 || strcmp(tok, "lte") == 0 || strcmp(tok, "gt") == 0 ||
                 strcmp(tok, "gte") == 0) {
            m->num = true;
            m->op = tok[0] == 'l' ? (tok[2] ? SG_LTE : SG_LT) : (tok[2] ? SG_GTE : SG_GT);
        } else {
            snprintf(err, errlen, "unsupported modifier '%s'", tok);
            return SH_EUNSUPPORTED;
        }
    }
    if ((m->re_i || m->re_m || m->re_s) && !m->re) {
        snprintf(err, errlen, "regex flag modifier without 're'");
        return SH_ERULE;
    }
    if (m->re && (m->pos || m->b64 || m->b64off || m->windash || m->cidr)) {
        snprintf(err, errlen, "'re' cannot be combined with string or cidr modifiers");
        return SH_ERULE;
    }
    if (m->b64 && m->b64off) {
        snprintf(err, errlen, "'base64' and 'base64offset' together");
        return SH_ERULE;
    }
    return SH_OK;
}

/* Scalar text of a value node; numbers and booleans are their text. */
static const char *scalar(const struct sy_node *n)
{
    return n && n->type == SY_SCALAR ? n->s : NULL;
}

/* Sigma escapes: \* \? \\ are literal; any other backslash stays a backslash. */
static int unescape(struct sh_arena *a, const char *s, size_t len, bool wildcards, struct wstr *o)
{
    size_t i;

    o->b = sh_arena_alloc(a, len + 1);
    o->w = sh_arena_alloc(a, len + 1);
    o->n = 0;
    if (!o->b || !o->w)
        return SH_ENOMEM;
    for (i = 0; i < len; i++) {
        char c = s[i];
        if (wildcards && c == '\\' && i + 1 < len &&
            (s[i + 1] == '*' || s[i + 1] == '?' || s[i + 1] == '\\')) {
            o->b[o->n] = s[i + 1];
            o->w[o->n++] = 0;
            i++;
            continue;
        }
        o->b[o->n] = c;
        o->w[o->n++] = (uint8_t)(wildcards && (c == '*' || c == '?'));
    }
    return SH_OK;
}

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t b64_encode(const unsigned char *in, size_t n, char *out)
{
    size_t i, o = 0;

    for (i = 0; i + 2 < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
        out[o++] = b64chars[v >> 18 & 63];
        out[o++] = b64chars[v >> 12 & 63];
        out[o++] = b64chars[v >> 6 & 63];
        out[o++] = b64chars[v & 63];
    }
    if (n - i == 1) {
        unsigned v = (unsigned)in[i] << 16;
        out[o++] = b64chars[v >> 18 & 63];
        out[o++] = b64chars[v >> 12 & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (n - i == 2) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
        out[o++] = b64chars[v >> 18 & 63];
        out[o++] = b64chars[v >> 12 & 63];
        out[o++] = b64chars[v >> 6 & 63];
        out[o++] = '=';
    }
    out[o] = '\0';
    return o;
}

struct vlist {
    struct sh_sigma_set *set;
    struct sg_value *v;
    size_t n, cap;
    struct mods m;
    char *err;
    size_t errlen;
};

static int vl_push(struct vlist *l, struct sg_value *v)
{
    if (l->n >= SG_MAX_VALUES) {
        snprintf(l->err, l->errlen, "more than %d values after expansion", SG_MAX_VALUES);
        return SH_ELIMIT;
    }
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 8;
        struct sg_value *nv = sh_arena_alloc(&l->set->arena, nc * sizeof(*nv));
        if (!nv)
            return SH_ENOMEM;
        if (l->n)
            memcpy(nv, l->v, l->n * sizeof(*nv));
        l->v = nv;
        l->cap = nc;
    }
    l->v[l->n++] = *v;
    return SH_OK;
}

/* Finish a string value: position wildcards, anchor literal, lower-casing. */
static int push_str(struct vlist *l, const struct wstr *ws)
{
    struct sh_arena *a = &l->set->arena;
    struct sg_value v;
    size_t extra = (l->m.pos == POS_CONTAINS) ? 2 : (l->m.pos ? 1 : 0);
    size_t i, off = 0, best = 0, best_len = 0, run = 0;

    memset(&v, 0, sizeof(v));
    v.kind = SG_V_STR;
    v.cased = l->m.cased;
    v.pat = sh_arena_alloc(a, ws->n + extra + 1);
    v.wild = sh_arena_alloc(a, ws->n + extra + 1);
    if (!v.pat || !v.wild)
        return SH_ENOMEM;
    if (l->m.pos == POS_CONTAINS || l->m.pos == POS_ENDS) {
        v.pat[0] = '*';
        v.wild[0] = 1;
        off = 1;
    }
    for (i = 0; i < ws->n; i++) {
        char c = ws->b[i];
        v.pat[off + i] = v.cased ? c : (char)tolower((unsigned char)c);
        v.wild[off + i] = ws->w[i];
    }
    v.pat_len = off + ws->n;
    if (l->m.pos == POS_CONTAINS || l->m.pos == POS_STARTS) {
        v.pat[v.pat_len] = '*';
        v.wild[v.pat_len++] = 1;
    }
    {
        /* Common shapes get a direct comparison instead of the glob matcher. */
        size_t lo = 0, hi = v.pat_len, k;
        bool lead = v.pat_len && v.wild[0] && v.pat[0] == '*';
        bool trail =
            v.pat_len > (size_t)lead && v.wild[v.pat_len - 1] && v.pat[v.pat_len - 1] == '*';
        bool inner = false;
        if (lead)
            lo = 1;
        if (trail)
            hi--;
        for (k = lo; k < hi; k++)
            inner |= v.wild[k] != 0;
        if (!inner) {
            v.shape = lead ? (trail ? 4 : 3) : (trail ? 2 : 1);
            v.core = v.pat + lo;
            v.core_len = hi - lo;
        }
    }
    for (i = 0; i <= v.pat_len; i++) {
        if (i < v.pat_len && !v.wild[i]) {
            run++;
            continue;
        }
        if (run > best_len) {
            best_len = run;
            best = i - run;
        }
        run = 0;
    }
    if (best_len) {
        v.lit = sh_arena_strndup(a, v.pat + best, best_len);
        if (!v.lit)
            return SH_ENOMEM;
        v.lit_len = best_len;
    }
    return vl_push(l, &v);
}

/* Windows dash variants: every '-' or '/' becomes each of - / en-dash em-dash bar. */
static const char *const dashes[] = {"-", "/", "\xe2\x80\x93", "\xe2\x80\x94", "\xe2\x80\x95"};

static int expand_windash(struct vlist *l, const struct wstr *ws, size_t at, struct wstr *acc,
                          int (*next)(struct vlist *, const struct wstr *))
{
    size_t i, d;

    for (i = at; i < ws->n; i++) {
        if (!ws->w[i] && (ws->b[i] == '-' || ws->b[i] == '/'))
            break;
        acc->b[acc->n] = ws->b[i];
        acc->w[acc->n++] = ws->w[i];
    }
    if (i == ws->n)
        return next(l, acc);
    for (d = 0; d < SH_ARRAY_LEN(dashes); d++) {
        size_t save = acc->n, k, dl = strlen(dashes[d]);
        int rc;
        for (k = 0; k < dl; k++) {
            acc->b[acc->n] = dashes[d][k];
            acc->w[acc->n++] = 0;
        }
        rc = expand_windash(l, ws, i + 1, acc, next);
        acc->n = save;
        if (rc)
            return rc;
    }
    return SH_OK;
}

/* base64 / base64offset, then the string is finished. */
static int push_encoded(struct vlist *l, const struct wstr *ws)
{
    struct sh_arena *a = &l->set->arena;
    size_t shift;

    if (!l->m.b64 && !l->m.b64off)
        return push_str(l, ws);
    for (shift = 0; shift < (l->m.b64off ? 3u : 1u); shift++) {
        size_t n = ws->n + shift, enc_len, start = 0, end;
        unsigned char *raw = sh_arena_alloc(a, n + 1);
        char *enc = sh_arena_alloc(a, (n + 2) / 3 * 4 + 1);
        struct wstr out;
        int rc;

        if (!raw || !enc)
            return SH_ENOMEM;
        memset(raw, ' ', shift);
        memcpy(raw + shift, ws->b, ws->n);
        enc_len = b64_encode(raw, n, enc);
        end = enc_len;
        if (l->m.b64off) {
            /* Drop the characters that depend on the unknown neighbours. */
            static const size_t lead[3] = {0, 2, 3};
            static const size_t trail[3] = {0, 3, 2};
            start = lead[shift];
            end = enc_len - trail[n % 3];
            if (end <= start)
                continue;
        }
        out.b = enc + start;
        out.n = end - start;
        out.w = sh_arena_alloc(a, out.n + 1);
        if (!out.w)
            return SH_ENOMEM;
        rc = push_str(l, &out);
        if (rc)
            return rc;
    }
    return SH_OK;
}

static int parse_cidr(const char *s, struct sg_value *v)
{
    char buf[64];
    const char *slash = strchr(s, '/');
    size_t alen = slash ? (size_t)(slash - s) : strlen(s);
    uint64_t pfx;

    if (alen >= sizeof(buf))
        return SH_EPARSE;
    memcpy(buf, s, alen);
    buf[alen] = '\0';
    if (inet_pton(AF_INET, buf, v->addr) == 1)
        v->af = 4;
    else if (inet_pton(AF_INET6, buf, v->addr) == 1)
        v->af = 6;
    else
        return SH_EPARSE;
    pfx = v->af == 4 ? 32 : 128;
    if (slash && !sh_str_to_u64(slash + 1, strlen(slash + 1), pfx, &pfx))
        return SH_EPARSE;
    v->prefix = (uint8_t)pfx;
    return SH_OK;
}

static int one_value(struct vlist *l, struct sg_item *it, const struct sy_node *n)
{
    struct sh_arena *a = &l->set->arena;
    const struct mods *m = &l->m;
    struct sg_value v;
    const char *s = scalar(n);

    memset(&v, 0, sizeof(v));
    if (!n || n->type != SY_SCALAR) {
        snprintf(l->err, l->errlen, "values must be scalars");
        return SH_ERULE;
    }
    if (m->exists) {
        if (!n->plain || (strcmp(s, "true") && strcmp(s, "false"))) {
            snprintf(l->err, l->errlen, "'exists' takes true or false");
            return SH_ERULE;
        }
        if (!it->field) {
            snprintf(l->err, l->errlen, "'exists' needs a field");
            return SH_ERULE;
        }
        v.kind = SG_V_EXISTS;
        v.want = s[0] == 't';
        return vl_push(l, &v);
    }
    if (sh_sigma__yaml_is_null(n)) {
        if (!it->field) {
            snprintf(l->err, l->errlen, "null keyword value");
            return SH_ERULE;
        }
        v.kind = SG_V_NULL;
        return vl_push(l, &v);
    }
    if (m->num) {
        char *end = NULL;
        errno = 0;
        v.num = strtod(s, &end);
        if (errno || end == s || *end || !isfinite(v.num)) {
            snprintf(l->err, l->errlen, "'%s' is not a number", s);
            return SH_ERULE;
        }
        v.kind = SG_V_NUM;
        v.op = m->op;
        return vl_push(l, &v);
    }
    if (m->fieldref) {
        if (!it->field) {
            snprintf(l->err, l->errlen, "'fieldref' needs a field");
            return SH_ERULE;
        }
        v.kind = SG_V_FIELDREF;
        v.cased = m->cased;
        v.fref_mode = m->pos;
        v.pat = sh_arena_strdup(a, sh_sigma__field_map(s));
        return v.pat ? vl_push(l, &v) : SH_ENOMEM;
    }
    if (m->expand) {
        size_t len = strlen(s);
        char key[128];
        int k;
        if (len < 3 || s[0] != '%' || s[len - 1] != '%' || len - 2 >= sizeof(key) ||
            memchr(s + 1, '%', len - 2)) {
            snprintf(l->err, l->errlen, "'expand' value must be one %%placeholder%% (got '%.80s')",
                     s);
            return SH_ERULE;
        }
        memcpy(key, s + 1, len - 2);
        key[len - 2] = '\0';
        k = policy_key(key);
        if (k < 0) {
            snprintf(l->err, l->errlen, "unknown placeholder '%%%s%%' (not a site policy key)",
                     key);
            return SH_ERULE;
        }
        v.kind = SG_V_EXPAND;
        v.policy_key = k;
        return vl_push(l, &v);
    }
    if (m->cidr) {
        if (parse_cidr(s, &v)) {
            snprintf(l->err, l->errlen, "bad cidr '%.80s'", s);
            return SH_ERULE;
        }
        v.kind = SG_V_CIDR;
        return vl_push(l, &v);
    }
    if (m->re) {
        int ec = 0;
        PCRE2_SIZE eo = 0;
        uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
        pcre2_code *re;
        if (n->len > SG_MAX_REGEX) {
            snprintf(l->err, l->errlen, "regex longer than %d bytes", SG_MAX_REGEX);
            return SH_ELIMIT;
        }
        if (m->re_i)
            opts |= PCRE2_CASELESS;
        if (m->re_m)
            opts |= PCRE2_MULTILINE;
        if (m->re_s)
            opts |= PCRE2_DOTALL;
        re = pcre2_compile((PCRE2_SPTR)s, n->len, opts, &ec, &eo, NULL);
        if (!re) {
            PCRE2_UCHAR msg[160];
            pcre2_get_error_message(ec, msg, sizeof(msg));
            snprintf(l->err, l->errlen, "bad regex at offset %zu: %s", (size_t)eo,
                     (const char *)msg);
            return SH_ERULE;
        }
        (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
        if (sh_ptrvec_push(&l->set->regexes, re)) {
            pcre2_code_free(re);
            return SH_ENOMEM;
        }
        v.kind = SG_V_RE;
        v.re = re;
        v.re_src = sh_arena_strndup(a, s, n->len);
        if (!v.re_src)
            return SH_ENOMEM;
        v.re_hsflags = (m->re_i ? 1u : 0u) | (m->re_m ? 2u : 0u) | (m->re_s ? 4u : 0u);
        return vl_push(l, &v);
    }
    {
        struct wstr ws;
        int rc = unescape(a, s, n->len, !(m->b64 || m->b64off), &ws);
        if (rc)
            return rc;
        if (m->windash) {
            size_t i, dash = 0;
            struct wstr acc;
            for (i = 0; i < ws.n; i++)
                dash += !ws.w[i] && (ws.b[i] == '-' || ws.b[i] == '/');
            if (dash > 4) {
                snprintf(l->err, l->errlen, "'windash' value with more than 4 dashes");
                return SH_ELIMIT;
            }
            acc.b = sh_arena_alloc(a, ws.n * 3 + 1);
            acc.w = sh_arena_alloc(a, ws.n * 3 + 1);
            acc.n = 0;
            if (!acc.b || !acc.w)
                return SH_ENOMEM;
            return expand_windash(l, &ws, 0, &acc, push_encoded);
        }
        return push_encoded(l, &ws);
    }
}

int sh_sigma__values_build(struct sh_sigma_set *set, struct sg_item *it, const char *mods,
                           const struct sy_node *vals, char *err, size_t errlen)
{
    struct vlist l;
    int rc;
    size_t i;

    memset(&l, 0, sizeof(l));
    l.set = set;
    l.err = err;
    l.errlen = errlen;
    rc = parse_mods(mods, &l.m, err, errlen);
    if (rc)
        return rc;
    if (!it->field && (l.m.exists || l.m.fieldref || l.m.num || l.m.cidr)) {
        snprintf(err, errlen, "modifier needs a field");
        return SH_ERULE;
    }
    if (!it->field && !l.m.re && l.m.pos == POS_EXACT)
        l.m.pos = POS_CONTAINS; /* keywords search anywhere in the line */
    it->all = l.m.all;
    if (vals && vals->type == SY_SEQ) {
        if (vals->n == 0) {
            snprintf(err, errlen, "empty value list");
            return SH_ERULE;
        }
        for (i = 0; i < vals->n; i++) {
            rc = one_value(&l, it, vals->kids[i]);
            if (rc)
                return rc;
        }
    } else if (vals && vals->type == SY_MAP) {
        snprintf(err, errlen, "a mapping is not a value");
        return SH_ERULE;
    } else {
        rc = one_value(&l, it, vals);
        if (rc)
            return rc;
    }
    it->v = l.v;
    it->nv = l.n;
    return SH_OK;
}
