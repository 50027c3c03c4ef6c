/*
 * sigma_eval.c - evaluate compiled Sigma detection rules on one log event.
 *
 * The prefilter (sigma_mpm.c) proposes candidate rules from the literal
 * anchors found in the event's text; rules without an exact anchor set are
 * candidates on every event. Candidates are then evaluated in full:
 * condition tree, selections (memoised per rule), items, values. Matching
 * is on bytes: case-insensitive for ASCII unless `cased`.
 *
 * The set is read-only here; all mutable state lives in struct sg_scratch,
 * one per thread.
 */
#include "../base/sh_base.h"

#include "sigma_eval.h"
#include "sigma_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "../log/event.h"

/* ---- event fields ---- */

/* strcmp(a, b) == 0 for the short field names, without a call */
static inline bool name_eq(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

const char *sh_sigma__event_field(const struct sh_log_event *ev, const char *name, size_t *len)
{
    uint32_t i;

    if (name[0] == 'r' && name_eq(name, "raw")) {
        *len = ev->raw_len;
        return ev->raw;
    }
    for (i = 0; i < ev->n_fields && i < SH_LOG_MAX_FIELDS; i++) {
        const char *fn = ev->fields[i].name;
        /* names are mostly the parser's static strings: the pointer or the
         * first byte settles most comparisons */
        if (fn && (fn == name || (fn[0] == name[0] && name_eq(fn, name))) && ev->fields[i].value) {
            *len = ev->fields[i].len;
            return ev->fields[i].value;
        }
    }
    *len = 0;
    return NULL;
}

/* ---- string matching ---- */

static inline bool ceq(char p, char s, bool cased)
{
    return cased ? p == s : p == (char)tolower((unsigned char)s);
}

static bool glob(const struct sg_value *v, const char *s, size_t sn)
{
    const char *p = v->pat;
    const uint8_t *w = v->wild;
    size_t pn = v->pat_len, pi = 0, si = 0, star = SIZE_MAX, mark = 0;

    while (si < sn) {
        if (pi < pn && w[pi] && p[pi] == '*') {
            star = pi++;
            mark = si;
            continue;
        }
        if (pi < pn && (w[pi] ? p[pi] == '?' : ceq(p[pi], s[si], v->cased))) {
            pi++;
            si++;
            continue;
        }
        if (star != SIZE_MAX) {
            pi = star + 1;
            si = ++mark;
            continue;
        }
        return false;
    }
    while (pi < pn && w[pi] && p[pi] == '*')
        pi++;
    return pi == pn;
}

static bool ci_equal(const char *a, size_t an, const char *b, size_t bn, bool cased)
{
    size_t i;

    if (an != bn)
        return false;
    for (i = 0; i < an; i++)
        if (cased ? a[i] != b[i] : tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
            return false;
    return true;
}

static bool ci_find(const char *h, size_t hn, const char *n, size_t nn, bool cased)
{
    size_t i;

    if (nn == 0)
        return true;
    for (i = 0; i + nn <= hn; i++)
        if (ci_equal(h + i, nn, n, nn, cased))
            return true;
    return false;
}

static bool parse_ip(const char *s, size_t n, uint8_t *addr, uint8_t *af)
{
    char buf[64];

    if (n == 0 || n >= sizeof(buf))
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (inet_pton(AF_INET, buf, addr) == 1) {
        *af = 4;
        return true;
    }
    if (inet_pton(AF_INET6, buf, addr) == 1) {
        *af = 6;
        return true;
    }
    return false;
}

static bool cidr_match(const struct sg_value *v, const char *s, size_t n)
{
    uint8_t a[16], af = 0;
    unsigned bits = v->prefix, i;

    if (!parse_ip(s, n, a, &af) || af != v->af)
        return false;
    for (i = 0; bits >= 8; i++, bits -= 8)
        if (a[i] != v->addr[i])
            return false;
    if (bits) {
        uint8_t mask = (uint8_t)(0xff << (8 - bits));
        if ((a[i] & mask) != (v->addr[i] & mask))
            return false;
    }
    return true;
}

static bool num_match(const struct sg_value *v, const char *s, size_t n)
{
    char buf[64], *end = NULL;
    double x;

    if (n == 0 || n >= sizeof(buf))
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    errno = 0;
    x = strtod(buf, &end);
    if (errno || end == buf || *end || !isfinite(x))
        return false;
    switch (v->op) {
    case SG_LT: return x < v->num;
    case SG_LTE: return x <= v->num;
    case SG_GT: return x > v->num;
    case SG_GTE: return x >= v->num;
    case SG_EQ: return x == v->num;
    }
    return false;
}

/* Whether `n` occurs in `h`. Subjects are mostly one log line: a memchr
 * for the first byte and a compare beat memmem's per-call table set-up;
 * memmem keeps long inputs linear. */
static bool contains(const char *h, size_t hn, const char *n, size_t nn)
{
    const char *p = h, *end;

    if (nn == 0)
        return true;
    if (nn > hn)
        return false;
    if (hn > 2048 || nn > 64)
        return memmem(h, hn, n, nn) != NULL;
    end = h + (hn - nn) + 1;
    while (p < end && (p = memchr(p, (unsigned char)n[0], (size_t)(end - p))) != NULL) {
        if (memcmp(p + 1, n + 1, nn - 1) == 0)
            return true;
        p++;
    }
    return false;
}

/* Shaped string values: `low` is the subject lower-cased (NULL when too long). */
static bool shaped_match(const struct sg_value *v, const char *s, const char *low, size_t n)
{
    const char *t = v->cased ? s : low;
    size_t c = v->core_len;

    switch (v->shape) {
    case 1: return n == c && memcmp(t, v->core, c) == 0;
    case 2: return n >= c && memcmp(t, v->core, c) == 0;
    case 3: return n >= c && memcmp(t + n - c, v->core, c) == 0;
    case 4: return contains(t, n, v->core, c);
    }
    return false;
}

static bool value_match(struct sg_scratch *sc, const struct sg_value *v,
                        const struct sh_log_event *ev, const char *s, size_t n, const char *low)
{
    switch (v->kind) {
    case SG_V_STR:
        if (v->shape && (v->cased || low))
            return shaped_match(v, s, low, n);
        return glob(v, s, n);
    case SG_V_RE: {
        int rc = pcre2_match(v->re, (PCRE2_SPTR)s, n, 0, 0, sc->md, NULL);
        return rc >= 0;
    }
    case SG_V_CIDR: return cidr_match(v, s, n);
    case SG_V_NUM: return num_match(v, s, n);
    case SG_V_FIELDREF: {
        size_t on = 0;
        const char *o = sh_sigma__event_field(ev, v->pat, &on);
        if (!o)
            return false;
        switch (v->fref_mode) {
        case 1: return ci_find(s, n, o, on, v->cased);
        case 2: return on <= n && ci_equal(s, on, o, on, v->cased);
        case 3: return on <= n && ci_equal(s + n - on, on, o, on, v->cased);
        default: return ci_equal(s, n, o, on, v->cased);
        }
    }
    case SG_V_EXPAND: {
        char buf[256];
        if (!sc->set->policy || !sc->set->policy_contains || n >= sizeof(buf))
            return false;
        memcpy(buf, s, n);
        buf[n] = '\0';
        return sc->set->policy_contains(sc->set->policy, (enum sh_policy_key)v->policy_key, buf);
    }
    case SG_V_EXISTS:
    case SG_V_NULL: return false; /* handled by the item */
    }
    return false;
}

/* `s` lower-cased (NULL when longer than the scratch): a slice of the
 * event's lower-cased raw line when it lies in the line. */
static const char *lower_of(struct sg_scratch *sc, const struct sh_log_event *ev, const char *s,
                            size_t n)
{
    if (n > sizeof(sc->lower))
        return NULL;
    if (ev->raw && ev->raw_len <= sizeof(sc->lower_raw) && (uintptr_t)s >= (uintptr_t)ev->raw &&
        (uintptr_t)s + n <= (uintptr_t)ev->raw + ev->raw_len) {
        if (!sc->raw_lowered) {
            sh_ascii_lower(sc->lower_raw, ev->raw, ev->raw_len);
            sc->raw_lowered = true;
        }
        return sc->lower_raw + ((uintptr_t)s - (uintptr_t)ev->raw);
    }
    sh_ascii_lower(sc->lower, s, n);
    return sc->lower;
}

/* Whether block id `id` ends inside the raw line of the span being evaluated. */
static bool span_has(const struct sg_scratch *sc, unsigned id)
{
    size_t k;

    for (k = sc->sk0; k < sc->sk1; k++)
        if (sc->blk.m[k].id == id && sc->blk.m[k].to <= sc->send)
            return true;
    return false;
}

static bool item_match(struct sg_scratch *sc, const struct sg_item *it,
                       const struct sh_log_event *ev)
{
    const char *s, *low = NULL;
    size_t n = 0, i;
    bool by_anchor = !it->mapped && sc->span;

    if (it->mapped) {
        s = sh_sigma__event_field(ev, it->mapped, &n);
    } else {
        s = ev->raw;
        n = ev->raw_len;
    }
    for (i = 0; i < it->nv && s && !low; i++)
        if (it->v[i].kind == SG_V_STR && it->v[i].shape && !it->v[i].cased &&
            !(by_anchor && it->v[i].anchor))
            low = lower_of(sc, ev, s, n);
    for (i = 0; i < it->nv; i++) {
        const struct sg_value *v = &it->v[i];
        bool m;
        if (v->kind == SG_V_EXISTS)
            m = (s != NULL) == v->want;
        else if (v->kind == SG_V_NULL)
            m = s == NULL || n == 0;
        else if (by_anchor && v->anchor)
            m = s != NULL && span_has(sc, v->anchor - 1);
        else
            m = s != NULL && value_match(sc, v, ev, s, n, low);
        if (it->all && !m)
            return false;
        if (!it->all && m)
            return true;
    }
    return it->all;
}

static bool sel_match(struct sg_scratch *sc, const struct sg_sel *sel,
                      const struct sh_log_event *ev)
{
    size_t g, i;

    for (g = 0; g < sel->n; g++) {
        bool all = true;
        for (i = 0; i < sel->groups[g].n && all; i++)
            all = item_match(sc, &sel->groups[g].items[i], ev);
        if (all)
            return true;
    }
    return false;
}

static bool cond_eval(struct sg_scratch *sc, const struct sg_cond *c, const struct sg_sel *sels,
                      int8_t *memo, const struct sh_log_event *ev)
{
    size_t i;
    unsigned hits = 0;

    switch (c->op) {
    case SG_C_SEL:
        if (memo) {
            if (memo[c->sel] < 0)
                memo[c->sel] = (int8_t)sel_match(sc, &sels[c->sel], ev);
            return memo[c->sel] != 0;
        }
        return sel_match(sc, &sels[c->sel], ev);
    case SG_C_AND:
        for (i = 0; i < c->n; i++)
            if (!cond_eval(sc, c->kids[i], sels, memo, ev))
                return false;
        return true;
    case SG_C_OR:
        for (i = 0; i < c->n; i++)
            if (cond_eval(sc, c->kids[i], sels, memo, ev))
                return true;
        return false;
    case SG_C_NOT: return !cond_eval(sc, c->kids[0], sels, memo, ev);
    case SG_C_NOF:
        for (i = 0; i < c->n; i++)
            if (cond_eval(sc, c->kids[i], sels, memo, ev) && ++hits >= c->need)
                return true;
        return false;
    case SG_C_TRUE: return true;
    }
    return false;
}

static bool eval_rule(struct sg_scratch *sc, const struct sg_rule *r, const struct sh_log_event *ev)
{
    size_t i;

    if (!r->cond)
        return false;
    if (r->nsel > sc->selmemo_cap)
        return false;
    memset(sc->selmemo, 0xff, r->nsel);
    if (!cond_eval(sc, r->cond, r->sels, sc->selmemo, ev))
        return false;
    for (i = 0; i < r->nfilters; i++)
        if (!cond_eval(sc, r->filters[i]->cond, r->filters[i]->sels, NULL, ev))
            return false;
    return true;
}

/* cond_eval() on an event whose fields other than the raw line and the
 * host are not known yet: 1 or 0 when the known selections decide the
 * condition whatever the others hold, -1 when they do not. memo[sel]: -1
 * not yet evaluated, 0 or 1, 2 unknown. */
static int cond_eval3(struct sg_scratch *sc, const struct sg_cond *c, const struct sg_sel *sels,
                      int8_t *memo, const struct sh_log_event *ev)
{
    size_t i;
    unsigned yes = 0, unknown = 0;
    int v, res;

    switch (c->op) {
    case SG_C_SEL:
        if (memo[c->sel] < 0)
            memo[c->sel] = sels[c->sel].hdr ? (int8_t)sel_match(sc, &sels[c->sel], ev) : 2;
        return memo[c->sel] == 2 ? -1 : memo[c->sel];
    case SG_C_AND:
    case SG_C_OR: {
        /* a child of the deciding value (0 for and, 1 for or) settles it */
        int decides = c->op == SG_C_OR;
        res = !decides;
        for (i = 0; i < c->n; i++) {
            if ((v = cond_eval3(sc, c->kids[i], sels, memo, ev)) == decides)
                return decides;
            if (v < 0)
                res = -1;
        }
        return res;
    }
    case SG_C_NOT: v = cond_eval3(sc, c->kids[0], sels, memo, ev); return v < 0 ? -1 : !v;
    case SG_C_NOF:
        for (i = 0; i < c->n; i++) {
            v = cond_eval3(sc, c->kids[i], sels, memo, ev);
            yes += v == 1;
            unknown += v < 0;
        }
        if (yes >= c->need)
            return 1;
        return yes + unknown < c->need ? 0 : -1;
    case SG_C_TRUE: return 1;
    }
    return 0;
}

bool sh_sigma__eval_rule(struct sg_scratch *sc, const struct sg_rule *r,
                         const struct sh_log_event *ev)
{
    sc->raw_lowered = false;
    return eval_rule(sc, r, ev);
}

/* ---- scratch and the per-event entry point ---- */

int sh_sigma__scratch_new(const struct sh_sigma_set *set, struct sg_scratch **out)
{
    struct sg_scratch *s;
    size_t n = set->rules.n ? set->rules.n : 1;

    *out = NULL;
    s = sh_calloc(1, sizeof(*s));
    if (!s)
        return SH_ENOMEM;
    s->set = set;
    s->cand = sh_calloc(n, sizeof(*s->cand));
    s->touched = sh_calloc(n, sizeof(int));
    s->list = sh_calloc(n, sizeof(int));
    s->selmemo_cap = SG_MAX_SELECTIONS;
    s->selmemo = sh_calloc(s->selmemo_cap, 1);
    s->md = pcre2_match_data_create(1, NULL);
    if (!s->cand || !s->touched || !s->list || !s->selmemo || !s->md)
        goto fail;
    if (set->mpm) {
        s->hs_scratch = sh_sigma__mpm_scratch_new(set->mpm);
        if (!s->hs_scratch)
            goto fail;
    }
    *out = s;
    return SH_OK;
fail:
    sh_sigma__scratch_free(s);
    return SH_ENOMEM;
}

void sh_sigma__scratch_free(struct sg_scratch *s)
{
    if (!s)
        return;
    sh_sigma__mpm_scratch_free(s->hs_scratch);
    if (s->md)
        pcre2_match_data_free(s->md);
    sh_free(s->cand);
    sh_free(s->touched);
    sh_free(s->list);
    sh_free(s->selmemo);
    sh_free(s->blk.m);
    sh_free(s->xe);
    sh_free(s);
}

/* Mark clause `clause` of rule `r` as seen in this event. */
static inline void see(struct sg_scratch *s, uint32_t r, unsigned clause)
{
    if (!s->cand[r])
        s->touched[s->ntouched++] = (int)r;
    s->cand[r] |= (uint32_t)1 << clause;
}

static void on_pattern(unsigned id, void *ud)
{
    struct sg_scratch *s = ud;
    const struct sh_sigma_set *set = s->set;
    uint32_t e;

    if (id >= set->npat)
        return;
    for (e = set->pat_first[id]; e < set->pat_first[id + 1]; e++)
        see(s, set->pat_rule[e], set->pat_clause[e]);
}

/* on_pattern() for the anchors of `id` that do not read the command;
 * whether it passed over some that do. */
static bool on_pattern_nocmd(unsigned id, struct sg_scratch *s)
{
    const struct sh_sigma_set *set = s->set;
    uint32_t e;
    bool cmd = false;

    if (id >= set->npat)
        return false;
    for (e = set->pat_first[id]; e < set->pat_first[id + 1]; e++) {
        if (!set->pat_cmd[e])
            see(s, set->pat_rule[e], set->pat_clause[e]);
        else
            cmd = true;
    }
    return cmd;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static bool inside(const char *p, const char *base, size_t len)
{
    return (uintptr_t)p >= (uintptr_t)base && (uintptr_t)p < (uintptr_t)base + len;
}

/* Whether some anchor reads the field `name` (keyword anchors read the raw
 * line, which the raw scan covers). A few pointers are remembered: field
 * names are mostly the parser's static strings. */
static bool anchored_field(struct sg_scratch *s, const char *name)
{
    const struct sh_sigma_set *set = s->set;
    size_t i, slot = ((uintptr_t)name >> 3) % SG_FIELD_MEMO;
    bool yes = false;

    if (s->fmemo_name[slot] == name)
        return s->fmemo_yes[slot];
    for (i = 0; i < set->nanchor_fields && !yes; i++)
        yes = strcmp(set->anchor_fields[i], name) == 0;
    s->fmemo_name[slot] = name;
    s->fmemo_yes[slot] = yes;
    return yes;
}

/* The prefilter over the event's values that are not slices of its raw
 * line (decoded values in its scratch, static strings such as facility
 * names): only values of fields some anchor reads can propose a rule that
 * full evaluation accepts, since an item only reads its own field. They go
 * through one scan, newline-separated: a match across a separator only
 * proposes a rule that full evaluation rejects. */
static void scan_nonraw(struct sg_scratch *s, const struct sh_log_event *ev)
{
    const struct sh_sigma_set *set = s->set;
    size_t n = 0;
    uint32_t f;

    for (f = 0; f < ev->n_fields && f < SH_LOG_MAX_FIELDS; f++) {
        const struct sh_log_field *fl = &ev->fields[f];
        if (!fl->value || !fl->len || inside(fl->value, ev->raw, ev->raw_len + 1) ||
            !anchored_field(s, fl->name))
            continue;
        if (n + 1 + fl->len <= sizeof(s->other)) {
            if (n)
                s->other[n++] = '\n';
            memcpy(s->other + n, fl->value, fl->len);
            n += fl->len;
        } else {
            sh_sigma__mpm_scan(set->mpm, s->hs_scratch, fl->value, fl->len, on_pattern, s);
        }
    }
    if (n)
        sh_sigma__mpm_scan(set->mpm, s->hs_scratch, s->other, n, on_pattern, s);
}

/* Candidates beyond the text anchors, then full evaluation in rule order. */
/* Add the rules every one of whose clauses the marks saw to the candidate
 * list; clears the marks. */
static void list_complete(struct sg_scratch *s)
{
    size_t i;

    for (i = 0; i < s->ntouched; i++) {
        int r = s->touched[i];
        if (s->cand[r] == s->set->rule_need[r])
            s->list[s->nlist++] = r;
        s->cand[r] = 0;
    }
    s->ntouched = 0;
}

static int run_candidates(struct sg_scratch *s, const struct sh_log_event *ev, sh_sigma_hit_cb cb,
                          void *ud)
{
    const struct sh_sigma_set *set = s->set;
    size_t i;
    int rc = SH_OK;

    for (i = 0; i < set->nexists; i++) {
        uint32_t r = set->exists_rule[i], bit = (uint32_t)1 << set->exists_clause[i];
        size_t n = 0;
        if (!(s->cand[r] & bit) && sh_sigma__event_field(ev, set->exists_field[i], &n))
            see(s, r, set->exists_clause[i]);
    }
    list_complete(s);
    for (i = 0; i < set->nalways; i++)
        s->list[s->nlist++] = set->always[i];
    if (s->nlist > 1)
        qsort(s->list, s->nlist, sizeof(int), cmp_int);
    for (i = 0; i < s->nlist; i++) {
        const struct sg_rule *r = set->rules.v[s->list[i]];
        if (rc)
            continue;
        if (eval_rule(s, r, ev))
            rc = cb(r, ev, ud);
    }
    return rc;
}

int sh_sigma__eval(struct sg_scratch *s, const struct sh_log_event *ev, sh_sigma_hit_cb cb,
                   void *ud)
{
    s->nlist = 0;
    s->raw_lowered = false;
    if (s->set->mpm) {
        sh_sigma__mpm_scan(s->set->mpm, s->hs_scratch, ev->raw, ev->raw_len, on_pattern, s);
        scan_nonraw(s, ev);
    }
    return run_candidates(s, ev, cb, ud);
}

/* ---- block scans ----
 *
 * A reader that holds many lines in one buffer scans the buffer once with
 * the block database, which reports every end offset of every anchor.
 * Every anchor occurrence inside a line is an occurrence in the buffer
 * (anchors are literals and regexes without ^, $, \b or lookaround, so
 * what surrounds the line does not change whether they match), so the
 * pattern ids ending inside a line are a superset of what scanning the
 * line alone reports: the candidates, and therefore the matches, are the
 * same. Matches are kept as (end offset, id) pairs, sorted by offset when
 * Hyperscan reports them out of order; past SG_BLOCK_MAX pairs the block
 * is marked full and its lines fall back to their own scan.
 */

#define SG_BLOCK_MAX ((size_t)1 << 18)

static int on_block(unsigned id, size_t to, void *ud)
{
    struct sg_scratch *s = ud;
    struct sg_block *b = &s->blk;

    if (id >= s->set->npat) {
        /* a reader's own text: kept apart, bounded like the anchors */
        if (s->nxe == s->capxe) {
            size_t nc = s->capxe ? s->capxe * 2 : 1024;
            size_t *ne;
            if (nc > SG_BLOCK_MAX || !(ne = sh_realloc(s->xe, nc * sizeof(*ne)))) {
                b->full = true;
                return 1;
            }
            s->xe = ne;
            s->capxe = nc;
        }
        if (s->nxe && to < s->xe[s->nxe - 1])
            s->xunsorted = true;
        s->xe[s->nxe++] = to;
        return 0;
    }

    if (b->n == b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 4096;
        struct sg_bmatch *nm;
        if (nc > SG_BLOCK_MAX || !(nm = sh_realloc(b->m, nc * sizeof(*nm)))) {
            b->full = true;
            return 1;
        }
        b->m = nm;
        b->cap = nc;
    }
    if (b->n && to < b->m[b->n - 1].to)
        b->unsorted = true;
    b->m[b->n].to = to;
    b->m[b->n].id = id;
    b->n++;
    return 0;
}

static int cmp_bmatch(const void *pa, const void *pb)
{
    const struct sg_bmatch *a = pa, *b = pb;
    if (a->to != b->to)
        return a->to < b->to ? -1 : 1;
    return (a->id > b->id) - (a->id < b->id);
}

static int cmp_size(const void *pa, const void *pb)
{
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;

    return (a > b) - (a < b);
}

int sh_sigma__scratch_xblock(struct sg_scratch *s, const struct sg_xblock *x)
{
    if (!x || !s->hs_scratch)
        return SH_EINVAL;
    if (sh_sigma__mpm_scratch_grow(x, &s->hs_scratch))
        return SH_ENOMEM;
    s->xb = x;
    return SH_OK;
}

bool sh_sigma__block_text_in(struct sg_scratch *s, size_t from, size_t to)
{
    if (!s->xb || !s->blk.valid)
        return true;
    while (s->kxe < s->nxe && s->xe[s->kxe] <= from)
        s->kxe++;
    return s->kxe < s->nxe && s->xe[s->kxe] <= to;
}

bool sh_sigma__block_scan(struct sg_scratch *s, const char *text, size_t len)
{
    struct sg_block *b = &s->blk;

    b->n = b->k = 0;
    b->len = b->last_from = 0;
    b->full = b->unsorted = false;
    b->valid = false;
    s->nxe = s->kxe = 0;
    s->xunsorted = false;
    if (!s->set->mpm || !sh_sigma__mpm_has_block(s->set->mpm))
        return false;
    if (sh_sigma__mpm_scan_block(s->set->mpm, s->xb, s->hs_scratch, text, len, on_block, s) !=
            SH_OK ||
        b->full)
        return false;
    if (b->unsorted)
        qsort(b->m, b->n, sizeof(*b->m), cmp_bmatch);
    if (s->xunsorted)
        qsort(s->xe, s->nxe, sizeof(*s->xe), cmp_size);
    b->len = len;
    b->valid = true;
    return true;
}

void sh_sigma__block_reset(struct sg_scratch *s)
{
    s->blk.valid = false;
    s->blk.n = s->blk.k = s->blk.last_from = 0;
}

/* Start evaluating the span [from, to) of the last block for `ev`, whose
 * raw line is the span's first raw_len bytes: mark the rules of the
 * anchors that end in it, and keep where those matches are, so keyword
 * values with an anchor are read off them (sg_value.anchor) until
 * s->span is cleared. */
static void span_marks(struct sg_scratch *s, const struct sh_log_event *ev, size_t from, size_t to)
{
    struct sg_block *b = &s->blk;
    size_t k = b->k;

    b->last_from = from;
    s->nlist = 0;
    s->raw_lowered = false;
    while (k < b->n && b->m[k].to <= from)
        k++;
    b->k = k;
    for (; k < b->n && b->m[k].to <= to; k++)
        on_pattern(b->m[k].id, s);
    s->span = true;
    s->sk0 = b->k;
    s->sk1 = k;
    s->send = from + ev->raw_len;
}

/* Which rules the marks made so far complete: 0 none, 1 only rules with
 * hdr_eval, 2 some without; clears them. */
static int complete_kind(struct sg_scratch *s)
{
    size_t i;
    bool any = false, all = true;

    for (i = 0; i < s->ntouched; i++) {
        int r = s->touched[i];
        if (s->cand[r] == s->set->rule_need[r]) {
            any = true;
            all &= ((const struct sg_rule *)s->set->rules.v[r])->hdr_eval;
        }
        s->cand[r] = 0;
    }
    s->ntouched = 0;
    return !any ? 0 : all ? 1 : 2;
}

/* sh_sigma__span_quiet(), or with `ex` sh_sigma__span_quiet_ex(). */
static int span_quiet(struct sg_scratch *s, size_t from, size_t to, bool ex)
{
    struct sg_block *b = &s->blk;
    size_t k, j;
    bool cmd = false;
    int c;

    if (!b->valid || to > b->len || from < b->last_from || !s->set->header_ok)
        return 0;
    b->last_from = from;
    k = b->k;
    while (k < b->n && b->m[k].to <= from)
        k++;
    b->k = k;
    /* Anchors in the line make no rule a candidate unless they complete
     * all of its clauses; the rest can only come from a command or a
     * decoded value, which the parser's hints cover. Anchors that read the
     * command count only when the line may have one. */
    for (j = k; j < b->n && b->m[j].to <= to; j++)
        cmd |= on_pattern_nocmd(b->m[j].id, s);
    /* Candidates: with `ex`, 3 when the rules these anchors complete all have
     * hdr_eval. Anchors that read the command may add others: that only
     * sends the line on to its full parse in sh_sigma__eval_span_header(),
     * which makes every candidate. */
    if ((c = complete_kind(s)) != 0)
        return c == 1 && ex && s->set->header_eval ? 3 : 0;
    /* no anchor that reads the command: the pass below would make the
     * marks just cleared again, completing nothing */
    if (!cmd)
        return 1;
    for (j = k; j < b->n && b->m[j].to <= to; j++)
        on_pattern(b->m[j].id, s);
    return complete_kind(s) ? 2 : 1;
}

int sh_sigma__span_quiet(struct sg_scratch *s, size_t from, size_t to)
{
    return span_quiet(s, from, to, false);
}

int sh_sigma__span_quiet_ex(struct sg_scratch *s, size_t from, size_t to)
{
    return span_quiet(s, from, to, true);
}

int sh_sigma__eval_span_header(struct sg_scratch *s, const struct sh_log_event *ev, bool nonraw,
                               bool command, size_t from, size_t to, sh_sigma_hit_cb cb, void *ud)
{
    const struct sh_sigma_set *set = s->set;
    struct sg_block *b = &s->blk;
    uint64_t yes = 0;
    size_t i;
    int rc;

    if (!b->valid || to > b->len || from < b->last_from || !set->header_eval)
        return 0;
    /* a value the full parse decodes could hold anchors the line lacks */
    if (nonraw && set->nanchor_fields)
        return 0;
    span_marks(s, ev, from, to);
    /* `exists` clauses: the host is known, a command is absent when the
     * parser says the line has none; any other field only the full parse
     * tells */
    for (i = 0; i < set->nexists; i++) {
        uint32_t r = set->exists_rule[i], bit = (uint32_t)1 << set->exists_clause[i];
        const char *f = set->exists_field[i];
        size_t n = 0;
        if (s->cand[r] & bit)
            continue;
        if (strcmp(f, "host") == 0) {
            if (sh_sigma__event_field(ev, f, &n))
                see(s, r, set->exists_clause[i]);
        } else if (strcmp(f, "command") != 0 || command) {
            complete_kind(s); /* clears the marks */
            s->span = false;
            return 0;
        }
    }
    list_complete(s);
    if (s->nlist > 64)
        goto full;
    if (s->nlist > 1)
        qsort(s->list, s->nlist, sizeof(int), cmp_int);
    /* decide every candidate before reporting any: a rule left undecided
     * sends the whole line to the full parse */
    for (i = 0; i < s->nlist; i++) {
        const struct sg_rule *r = set->rules.v[s->list[i]];
        int v;
        if (!r->hdr_eval || r->nsel > s->selmemo_cap)
            goto full;
        memset(s->selmemo, 0xff, r->nsel);
        if ((v = cond_eval3(s, r->cond, r->sels, s->selmemo, ev)) < 0)
            goto full;
        if (v)
            yes |= (uint64_t)1 << i;
    }
    s->span = false;
    for (i = 0; i < s->nlist; i++)
        if ((yes >> i & 1) && (rc = cb(set->rules.v[s->list[i]], ev, ud)) != 0)
            return rc < 0 ? rc : SH_EINTERNAL;
    s->nlist = 0;
    return 1;
full:
    s->span = false;
    s->nlist = 0;
    return 0;
}

bool sh_sigma__quiet_hints(const struct sg_scratch *s, int quiet, bool nonraw, bool command)
{
    return quiet && !(nonraw && s->set->nanchor_fields) &&
           !(command && (s->set->nexists || quiet == 2));
}

int sh_sigma__eval_span(struct sg_scratch *s, const struct sh_log_event *ev, size_t from, size_t to,
                        sh_sigma_hit_cb cb, void *ud)
{
    struct sg_block *b = &s->blk;
    int rc;

    if (!b->valid || to > b->len || from < b->last_from)
        return sh_sigma__eval(s, ev, cb, ud);
    span_marks(s, ev, from, to);
    scan_nonraw(s, ev);
    if (!s->ntouched && !s->set->nexists && !s->set->nalways) {
        s->span = false;
        return SH_OK;
    }
    rc = run_candidates(s, ev, cb, ud);
    s->span = false;
    return rc;
}

/* ---- anchors ---- */

static bool regex_prefilter_safe(const char *re)
{
    /* Anchors, word boundaries and lookarounds depend on where the field
     * sits in the line, so such a regex is no exact prefilter over the line. */
    return !strpbrk(re, "^$") && !strstr(re, "\\b") && !strstr(re, "\\B") && !strstr(re, "\\A") &&
           !strstr(re, "\\Z") && !strstr(re, "\\z") && !strstr(re, "\\G") && !strstr(re, "(?") &&
           !strstr(re, "\\K");
}

static bool value_anchor(const struct sg_value *v)
{
    if (v->kind == SG_V_STR)
        return v->lit_len > 0;
    if (v->kind == SG_V_EXISTS) /* true only for an event that has the field */
        return v->want && v->field;
    if (v->kind == SG_V_RE)
        return v->re_src && regex_prefilter_safe(v->re_src);
    return false;
}

/* Anchors of an item: a vector of struct sg_value *; false when none. */
static bool item_anchors(const struct sg_item *it, struct sh_ptrvec *out)
{
    size_t i;

    if (it->all) {
        const struct sg_value *best = NULL;
        for (i = 0; i < it->nv; i++)
            if (value_anchor(&it->v[i]) &&
                (!best || (it->v[i].kind == SG_V_STR &&
                           (best->kind != SG_V_STR || it->v[i].lit_len > best->lit_len))))
                best = &it->v[i];
        if (!best)
            return false;
        return sh_ptrvec_push(out, (void *)(uintptr_t)best) == 0;
    }
    for (i = 0; i < it->nv; i++)
        if (!value_anchor(&it->v[i]))
            return false;
    for (i = 0; i < it->nv; i++)
        if (sh_ptrvec_push(out, (void *)(uintptr_t)&it->v[i]))
            return false;
    return true;
}

static size_t min_lit(const struct sh_ptrvec *pv, size_t from)
{
    size_t i, m = SIZE_MAX;

    for (i = from; i < pv->n; i++) {
        const struct sg_value *v = pv->v[i];
        /* a field's presence is the weakest anchor: most events of a kind have it */
        size_t l = v->kind == SG_V_STR ? v->lit_len : v->kind == SG_V_EXISTS ? 1 : 3;
        if (l < m)
            m = l;
    }
    return m;
}

static bool sel_anchors(const struct sg_sel *sel, struct sh_ptrvec *out)
{
    size_t g, i;

    for (g = 0; g < sel->n; g++) {
        /* best item of the group: the one whose shortest anchor is longest */
        size_t best_i = SIZE_MAX, best_score = 0, base = out->n;
        for (i = 0; i < sel->groups[g].n; i++) {
            size_t score;
            out->n = base;
            if (!item_anchors(&sel->groups[g].items[i], out))
                continue;
            score = min_lit(out, base);
            if (best_i == SIZE_MAX || score > best_score) {
                best_i = i;
                best_score = score;
            }
        }
        out->n = base;
        if (best_i == SIZE_MAX || !item_anchors(&sel->groups[g].items[best_i], out))
            return false;
    }
    return true;
}

static bool cond_anchors(const struct sg_cond *c, const struct sg_sel *sels, struct sh_ptrvec *out,
                         int depth)
{
    size_t i, base = out->n;

    if (depth > SG_MAX_COND_DEPTH * 2)
        return false;
    switch (c->op) {
    case SG_C_SEL: return sel_anchors(&sels[c->sel], out);
    case SG_C_AND: {
        size_t best_i = SIZE_MAX, best_score = 0;
        for (i = 0; i < c->n; i++) {
            size_t score;
            out->n = base;
            if (!cond_anchors(c->kids[i], sels, out, depth + 1))
                continue;
            score = min_lit(out, base);
            if (best_i == SIZE_MAX || score > best_score) {
                best_i = i;
                best_score = score;
            }
        }
        out->n = base;
        return best_i != SIZE_MAX && cond_anchors(c->kids[best_i], sels, out, depth + 1);
    }
    case SG_C_OR:
    case SG_C_NOF:
        for (i = 0; i < c->n; i++)
            if (!cond_anchors(c->kids[i], sels, out, depth + 1))
                return false;
        return true;
    case SG_C_NOT:
    case SG_C_TRUE: return false;
    }
    return false;
}

/* Clauses are runs of values ended by NULL in `out`: the rule can only
 * match when every clause has a value present. */
static bool end_clause(struct sh_ptrvec *out)
{
    return sh_ptrvec_push(out, NULL) == 0;
}

/* A selection of one group needs every item: each anchored item is a
 * clause of its own (each anchored value of an |all item too). A
 * selection of several groups is one clause. */
static bool sel_clauses(const struct sg_sel *sel, struct sh_ptrvec *out)
{
    size_t i, j, base = out->n;
    bool any = false;

    if (sel->n != 1) {
        if (sel_anchors(sel, out) && end_clause(out))
            return true;
        out->n = base;
        return false;
    }
    for (i = 0; i < sel->groups[0].n; i++) {
        const struct sg_item *it = &sel->groups[0].items[i];
        size_t b = out->n;
        if (it->all) {
            for (j = 0; j < it->nv; j++) {
                if (!value_anchor(&it->v[j]))
                    continue;
                if (sh_ptrvec_push(out, (void *)(uintptr_t)&it->v[j]) || !end_clause(out)) {
                    out->n = base;
                    return false;
                }
                any = true;
            }
            continue;
        }
        if (item_anchors(it, out) && out->n > b && end_clause(out))
            any = true;
        else
            out->n = b;
    }
    if (!any)
        out->n = base;
    return any;
}

static bool cond_clauses(const struct sg_cond *c, const struct sg_sel *sels, struct sh_ptrvec *out,
                         int depth);

/* Clauses an `or` of clause sets gives when distributed: (a1 and a2) or b
 * is (a1 or b) and (a2 or b). */
#define MAX_OR_CLAUSES 16

static size_t count_clauses(const struct sh_ptrvec *v, size_t from)
{
    size_t i, n = 0;

    for (i = from; i < v->n; i++)
        n += v->v[i] == NULL;
    return n;
}

/* acc := acc "or" kid, clause by clause; false when it would grow too big. */
static bool or_product(struct sh_ptrvec *acc, const struct sh_ptrvec *kid, struct sh_ptrvec *tmp)
{
    size_t na = count_clauses(acc, 0), nk = count_clauses(kid, 0), i, j, k;

    if (na * nk > MAX_OR_CLAUSES)
        return false;
    tmp->n = 0;
    for (i = 0; i < acc->n; i = j + 1) {
        for (j = i; acc->v[j]; j++)
            ;
        for (k = 0; k < kid->n;) {
            size_t m;
            for (m = i; m < j; m++)
                if (sh_ptrvec_push(tmp, acc->v[m]))
                    return false;
            for (; kid->v[k]; k++)
                if (sh_ptrvec_push(tmp, kid->v[k]))
                    return false;
            k++;
            if (!end_clause(tmp))
                return false;
        }
    }
    acc->n = 0;
    for (i = 0; i < tmp->n; i++)
        if (sh_ptrvec_push(acc, tmp->v[i]))
            return false;
    return true;
}

static bool or_clauses(const struct sg_cond *c, const struct sg_sel *sels, struct sh_ptrvec *out,
                       int depth)
{
    struct sh_ptrvec acc = {0}, kid = {0}, tmp = {0};
    size_t i;
    bool ok = c->n > 0;

    for (i = 0; i < c->n && ok; i++) {
        struct sh_ptrvec *dst = i ? &kid : &acc;
        dst->n = 0;
        ok = cond_clauses(c->kids[i], sels, dst, depth + 1) && (!i || or_product(&acc, &kid, &tmp));
    }
    for (i = 0; ok && i < acc.n; i++)
        ok = sh_ptrvec_push(out, acc.v[i]) == 0;
    sh_ptrvec_free(&acc);
    sh_ptrvec_free(&kid);
    sh_ptrvec_free(&tmp);
    return ok;
}

/* `and` (and `all of`) keeps the clauses of every anchored operand; `or`
 * (and `1 of`) distributes them while that stays small; anything else is
 * one clause, as cond_anchors() picks it. */
static bool cond_clauses(const struct sg_cond *c, const struct sg_sel *sels, struct sh_ptrvec *out,
                         int depth)
{
    size_t i, base = out->n;
    bool any = false;

    if (depth > SG_MAX_COND_DEPTH * 2)
        return false;
    if (c->op == SG_C_SEL)
        return sel_clauses(&sels[c->sel], out);
    if (c->op == SG_C_AND || (c->op == SG_C_NOF && c->need >= c->n && c->n > 0)) {
        for (i = 0; i < c->n; i++) {
            size_t b = out->n;
            if (cond_clauses(c->kids[i], sels, out, depth + 1))
                any = true;
            else
                out->n = b;
        }
        return any;
    }
    if ((c->op == SG_C_OR || (c->op == SG_C_NOF && c->need == 1)) &&
        or_clauses(c, sels, out, depth))
        return true;
    out->n = base;
    if (cond_anchors(c, sels, out, depth) && end_clause(out))
        return true;
    out->n = base;
    return false;
}

bool sh_sigma__anchors(const struct sg_rule *r, struct sh_ptrvec *vals_out)
{
    vals_out->n = 0;
    if (!r->cond)
        return false;
    return cond_clauses(r->cond, r->sels, vals_out, 0) && vals_out->n > 0;
}
