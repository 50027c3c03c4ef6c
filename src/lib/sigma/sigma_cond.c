/*
 * sigma_cond.c - the Sigma condition language: a recursive-descent parser
 * into a tree over the rule's search identifiers.
 *
 *   expr  := and ('or' and)*
 *   and   := unary ('and' unary)*
 *   unary := 'not' unary | '(' expr ')' | quant | IDENT
 *   quant := (NUMBER | 'all' | 'any') 'of' (PATTERN | 'them')
 *
 * Quantifiers expand at parse time: `1 of sel*` becomes an OR over the
 * identifiers matching the pattern, `all of` an AND, `N of` a counting
 * node. Depth, node count and text length are bounded. Nodes live in the
 * caller's arena; the parser itself keeps no state between calls.
 */
#include "../base/sh_base.h"

#include "sigma_int.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>

struct cp {
    const char *s;
    size_t pos, len;
    struct sh_arena *arena;
    struct sg_sel *sels;
    size_t nsel;
    size_t nodes;
    char *err;
    size_t errlen;
    bool failed;
};

enum tok { T_END, T_LP, T_RP, T_WORD, T_BAD };

static void fail(struct cp *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct cp *p, const char *fmt, ...)
{
    va_list ap;

    if (p->failed)
        return;
    p->failed = true;
    va_start(ap, fmt);
    vsnprintf(p->err, p->errlen, fmt, ap);
    va_end(ap);
}

static bool wordch(int c)
{
    return isalnum(c) || c == '_' || c == '-' || c == '*' || c == '.' || c == '?';
}

/* Peek the next token; for words, [*ws, *ws + *wl) is the word. */
static enum tok peek(struct cp *p, size_t *ws, size_t *wl)
{
    while (p->pos < p->len && isspace((unsigned char)p->s[p->pos]))
        p->pos++;
    if (p->pos >= p->len)
        return T_END;
    if (p->s[p->pos] == '(')
        return T_LP;
    if (p->s[p->pos] == ')')
        return T_RP;
    if (wordch((unsigned char)p->s[p->pos])) {
        size_t e = p->pos;
        while (e < p->len && wordch((unsigned char)p->s[e]))
            e++;
        *ws = p->pos;
        *wl = e - p->pos;
        return T_WORD;
    }
    return T_BAD;
}

static bool word_is(struct cp *p, size_t ws, size_t wl, const char *kw)
{
    return strlen(kw) == wl && strncasecmp(p->s + ws, kw, wl) == 0;
}

static struct sg_cond *node(struct cp *p, enum sg_cop op, size_t nkids)
{
    struct sg_cond *c;

    if (++p->nodes > SG_MAX_COND_NODES) {
        fail(p, "condition too large");
        return NULL;
    }
    c = sh_arena_alloc(p->arena, sizeof(*c));
    if (!c) {
        fail(p, "out of memory");
        return NULL;
    }
    c->op = op;
    if (nkids) {
        c->kids = sh_arena_alloc(p->arena, nkids * sizeof(*c->kids));
        if (!c->kids) {
            fail(p, "out of memory");
            return NULL;
        }
    }
    return c;
}

static struct sg_cond *parse_or(struct cp *p, int depth);

static int find_sel(struct cp *p, const char *name)
{
    size_t i;

    for (i = 0; i < p->nsel; i++)
        if (strcmp(p->sels[i].name, name) == 0)
            return (int)i;
    return -1;
}

static struct sg_cond *parse_quant(struct cp *p, size_t qs, size_t ql)
{
    size_t ws = 0, wl = 0, i, nmatch = 0;
    char pat[256];
    bool them, all = word_is(p, qs, ql, "all");
    unsigned long need = 1;
    struct sg_cond *c;

    if (!all && !word_is(p, qs, ql, "any")) {
        uint64_t v;
        if (!sh_str_to_u64(p->s + qs, ql, 1000, &v) || v == 0) {
            fail(p, "bad quantifier in condition");
            return NULL;
        }
        need = (unsigned long)v;
    }
    p->pos = qs + ql;
    if (peek(p, &ws, &wl) != T_WORD || !word_is(p, ws, wl, "of")) {
        fail(p, "expected 'of' after quantifier");
        return NULL;
    }
    p->pos = ws + wl;
    if (peek(p, &ws, &wl) != T_WORD) {
        fail(p, "expected a selection pattern after 'of'");
        return NULL;
    }
    p->pos = ws + wl;
    if (wl >= sizeof(pat)) {
        fail(p, "selection pattern too long");
        return NULL;
    }
    memcpy(pat, p->s + ws, wl);
    pat[wl] = '\0';
    them = strcmp(pat, "them") == 0;
    for (i = 0; i < p->nsel; i++) {
        const char *n = p->sels[i].name;
        if (them ? n[0] != '_' : fnmatch(pat, n, 0) == 0)
            nmatch++;
    }
    if (nmatch == 0) {
        fail(p, "no search identifier matches '%s'", pat);
        return NULL;
    }
    c = node(p, all ? SG_C_AND : (need == 1 ? SG_C_OR : SG_C_NOF), nmatch);
    if (!c)
        return NULL;
    c->need = (unsigned)need;
    for (i = 0; i < p->nsel; i++) {
        const char *n = p->sels[i].name;
        if (them ? n[0] != '_' : fnmatch(pat, n, 0) == 0) {
            struct sg_cond *s = node(p, SG_C_SEL, 0);
            if (!s)
                return NULL;
            s->sel = (int)i;
            c->kids[c->n++] = s;
        }
    }
    if (c->op == SG_C_NOF && need > c->n) {
        fail(p, "quantifier larger than the number of matching identifiers");
        return NULL;
    }
    return c;
}

static struct sg_cond *parse_unary(struct cp *p, int depth)
{
    size_t ws = 0, wl = 0;
    enum tok t;

    if (depth > SG_MAX_COND_DEPTH) {
        fail(p, "condition nested too deeply");
        return NULL;
    }
    t = peek(p, &ws, &wl);
    if (t == T_LP) {
        struct sg_cond *c;
        p->pos++;
        c = parse_or(p, depth + 1);
        if (!c)
            return NULL;
        if (peek(p, &ws, &wl) != T_RP) {
            fail(p, "missing ')' in condition");
            return NULL;
        }
        p->pos++;
        return c;
    }
    if (t != T_WORD) {
        fail(p, "%s",
             t == T_END ? "condition ends too early" : "unexpected character in condition");
        return NULL;
    }
    if (word_is(p, ws, wl, "not")) {
        struct sg_cond *c = node(p, SG_C_NOT, 1), *k;
        if (!c)
            return NULL;
        p->pos = ws + wl;
        k = parse_unary(p, depth + 1);
        if (!k)
            return NULL;
        c->kids[0] = k;
        c->n = 1;
        return c;
    }
    if (word_is(p, ws, wl, "and") || word_is(p, ws, wl, "or") || word_is(p, ws, wl, "of")) {
        fail(p, "operator where a search identifier was expected");
        return NULL;
    }
    {
        /* quantifier? look past this word for 'of' */
        size_t save = p->pos, ws2 = 0, wl2 = 0;
        p->pos = ws + wl;
        if (peek(p, &ws2, &wl2) == T_WORD && word_is(p, ws2, wl2, "of"))
            return parse_quant(p, ws, wl);
        p->pos = save;
    }
    {
        char name[256];
        int i;
        struct sg_cond *c;
        if (wl >= sizeof(name)) {
            fail(p, "search identifier too long");
            return NULL;
        }
        memcpy(name, p->s + ws, wl);
        name[wl] = '\0';
        p->pos = ws + wl;
        i = find_sel(p, name);
        if (i < 0) {
            fail(p, "unknown search identifier '%s' in condition", name);
            return NULL;
        }
        c = node(p, SG_C_SEL, 0);
        if (c)
            c->sel = i;
        return c;
    }
}

static struct sg_cond *parse_bin(struct cp *p, int depth, bool is_or)
{
    struct sg_cond *kids[SG_MAX_COND_NODES > 256 ? 256 : SG_MAX_COND_NODES];
    size_t n = 0, i, ws = 0, wl = 0;
    struct sg_cond *c;

    if (depth > SG_MAX_COND_DEPTH) {
        fail(p, "condition nested too deeply");
        return NULL;
    }
    for (;;) {
        struct sg_cond *k = is_or ? parse_bin(p, depth + 1, false) : parse_unary(p, depth + 1);
        if (!k)
            return NULL;
        if (n >= SH_ARRAY_LEN(kids)) {
            fail(p, "too many operands in condition");
            return NULL;
        }
        kids[n++] = k;
        if (peek(p, &ws, &wl) == T_WORD && word_is(p, ws, wl, is_or ? "or" : "and")) {
            p->pos = ws + wl;
            continue;
        }
        break;
    }
    if (n == 1)
        return kids[0];
    c = node(p, is_or ? SG_C_OR : SG_C_AND, n);
    if (!c)
        return NULL;
    for (i = 0; i < n; i++)
        c->kids[i] = kids[i];
    c->n = n;
    return c;
}

static struct sg_cond *parse_or(struct cp *p, int depth)
{
    return parse_bin(p, depth, true);
}

int sh_sigma__cond_parse(struct sh_arena *arena, const char *text, struct sg_sel *sels, size_t nsel,
                         struct sg_cond **out, char *err, size_t errlen)
{
    struct cp p;
    struct sg_cond *c;
    size_t ws = 0, wl = 0;
    enum tok t;

    memset(&p, 0, sizeof(p));
    p.s = text;
    p.len = strlen(text);
    p.arena = arena;
    p.sels = sels;
    p.nsel = nsel;
    p.err = err;
    p.errlen = errlen;
    *out = NULL;
    if (p.len > SG_MAX_COND_LEN) {
        snprintf(err, errlen, "condition longer than %d bytes", SG_MAX_COND_LEN);
        return SH_ELIMIT;
    }
    c = parse_or(&p, 0);
    if (!c)
        return SH_ERULE;
    t = peek(&p, &ws, &wl);
    if (t != T_END) {
        snprintf(err, errlen, "unexpected text after condition at offset %zu", p.pos);
        return SH_ERULE;
    }
    *out = c;
    return SH_OK;
}
