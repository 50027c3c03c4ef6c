/*
 * sigma_mpm.c - the Sigma prefilter: every anchor of every rule in one
 * Hyperscan block-mode database.
 *
 * Literal anchors are compiled as escaped, caseless patterns; regex values
 * whose match in a field implies a match in the line are compiled in
 * Hyperscan's prefilter mode (a superset of PCRE2 semantics), so a rule is
 * a candidate whenever it could match. PCRE2 then confirms. A regex that
 * Hyperscan cannot take even in prefilter mode makes its rule unanchored
 * (evaluated on every event) instead of failing the load.
 *
 * A second database holds the same expressions without SINGLEMATCH, for
 * scanning many lines in one call (sh_sigma__mpm_scan_block): it reports
 * every end offset of every anchor, so a reader can tell which lines hold
 * an anchor and skip evaluation for the others (sigma_eval.c explains why
 * that is exact).
 *
 * The databases are immutable once built; each thread owns a scratch that
 * serves both.
 */
#include "../base/sh_base.h"

#include "sigma_int.h"

#include "../match/hscache.h"
#include "sigma_eval.h"

#include <hs/hs.h>
#include <stdio.h>

struct sg_mpm {
    hs_database_t *db;
    hs_database_t *block; /* NULL when it could not be built */
    /* the block database's expressions and flags (ids 0..nb-1), for a
     * reader that compiles them with texts of its own (sg_xblock) */
    char **bx;
    unsigned *bf;
    unsigned nb;
};

struct sg_xblock {
    hs_database_t *db;
};

struct pat {
    char *expr;
    unsigned flags;
    uint32_t rule;
    uint8_t clause;
    bool cmd; /* reads the command field */
    struct sg_value *val;
};

/* Clauses a rule may use; later ones are left out, which only makes the
 * rule a candidate more often. */
#define MAX_CLAUSES 32

static void free_pats(struct pat *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        sh_free(p[i].expr);
    sh_free(p);
}

/* Remember that clause `clause` of rule `r` holds for events that have `field`. */
static int add_exists(struct sh_sigma_set *set, size_t *cap, uint32_t r, unsigned clause,
                      const char *field)
{
    if (set->nexists == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        uint32_t *nr = sh_realloc(set->exists_rule, nc * sizeof(*nr));
        const char **nf;
        uint8_t *ncl;
        if (!nr)
            return SH_ENOMEM;
        set->exists_rule = nr;
        nf = sh_realloc(set->exists_field, nc * sizeof(*nf));
        if (!nf)
            return SH_ENOMEM;
        set->exists_field = nf;
        ncl = sh_realloc(set->exists_clause, nc);
        if (!ncl)
            return SH_ENOMEM;
        set->exists_clause = ncl;
        *cap = nc;
    }
    set->exists_rule[set->nexists] = r;
    set->exists_clause[set->nexists] = (uint8_t)clause;
    set->exists_field[set->nexists++] = field;
    return SH_OK;
}

/* Remember that a text anchor reads event field `field` (NULL: the raw line). */
static int add_anchor_field(struct sh_sigma_set *set, const char *field)
{
    const char **nf;
    size_t i;

    if (!field || strcmp(field, "raw") == 0)
        return SH_OK;
    for (i = 0; i < set->nanchor_fields; i++)
        if (strcmp(set->anchor_fields[i], field) == 0)
            return SH_OK;
    nf = sh_realloc(set->anchor_fields, (set->nanchor_fields + 1) * sizeof(*nf));
    if (!nf)
        return SH_ENOMEM;
    set->anchor_fields = nf;
    set->anchor_fields[set->nanchor_fields++] = field;
    return SH_OK;
}

/* Whether the set lets a header-only parse stand for a full one on lines
 * without anchors: no rule runs on every event, none reads the values a
 * header parse makes outside the line (time text, facility and severity
 * names), and `exists` anchors ask only for the command (which the
 * parser's hint covers). */
static bool header_ok(const struct sh_sigma_set *set)
{
    size_t i;

    if (set->nalways)
        return false;
    for (i = 0; i < set->nanchor_fields; i++) {
        const char *f = set->anchor_fields[i];
        if (!strcmp(f, "time") || !strcmp(f, "facility") || !strcmp(f, "severity"))
            return false;
    }
    for (i = 0; i < set->nexists; i++)
        if (strcmp(set->exists_field[i], "command") != 0)
            return false;
    return true;
}

/* Whether item `it` reads only what a header-only parse gives exactly as a
 * full one: the raw line or the host. */
static bool item_hdr(const struct sg_item *it)
{
    size_t i;

    if (it->mapped && strcmp(it->mapped, "host") != 0 && strcmp(it->mapped, "raw") != 0)
        return false;
    for (i = 0; i < it->nv; i++)
        if (it->v[i].kind == SG_V_FIELDREF)
            return false;
    return true;
}

/* The rules whose matches a header-only parse can decide and keep (see
 * sg_rule.hdr_eval), and the selections it decides. */
static void mark_header_eval(struct sh_sigma_set *set)
{
    size_t i, j, g, k;

    set->header_eval = false;
    for (i = 0; i < set->rules.n; i++) {
        struct sg_rule *r = set->rules.v[i];
        bool ok = set->header_ok && !r->corr && r->applicable && r->anchored && r->suppressed &&
                  !r->nfilters && r->cond;
        for (j = 0; j < r->nkeep && ok; j++)
            ok = strcmp(r->keep[j], "host") == 0;
        for (j = 0; j < r->nsel; j++) {
            struct sg_sel *sel = &r->sels[j];
            sel->hdr = true;
            for (g = 0; g < sel->n && sel->hdr; g++)
                for (k = 0; k < sel->groups[g].n && sel->hdr; k++)
                    sel->hdr = item_hdr(&sel->groups[g].items[k]);
        }
        r->hdr_eval = ok;
        set->header_eval |= ok;
    }
}

int sh_sigma__mpm_build(struct sh_sigma_set *set, sh_diag *diag)
{
    struct sh_ptrvec anchors = {0};
    struct pat *pats = NULL;
    size_t npats = 0, cap = 0, exists_cap = 0, nuniq = 0, i, j;
    struct sh_strmap seen = {0};
    uint32_t *uid = NULL;
    size_t *fill = NULL;
    unsigned clause;
    uint8_t *dropped = NULL;
    char **bx = NULL;
    unsigned *bf = NULL;
    int rc = SH_OK;

    dropped = sh_calloc(set->rules.n ? set->rules.n : 1, 1);
    set->always = sh_calloc(set->rules.n ? set->rules.n : 1, sizeof(int));
    set->rule_need = sh_calloc(set->rules.n ? set->rules.n : 1, sizeof(*set->rule_need));
    if (!dropped || !set->always || !set->rule_need) {
        rc = SH_ENOMEM;
        goto out;
    }
    for (;;) {
        const char **exprs = NULL;
        unsigned *flags = NULL, *ids = NULL;
        struct sh_hs_error cerr;
        hs_database_t *db = NULL, *block = NULL;
        int herr;

        free_pats(pats, npats);
        pats = NULL;
        npats = cap = 0;
        set->nalways = 0;
        set->nexists = 0;
        set->nanchor_fields = 0;
        for (i = 0; i < set->rules.n; i++) {
            struct sg_rule *r = set->rules.v[i];
            r->anchored = false;
            if (r->corr || !r->applicable)
                continue;
            if (dropped[i] || !sh_sigma__anchors(r, &anchors)) {
                set->always[set->nalways++] = (int)i;
                continue;
            }
            r->anchored = true;
            clause = 0;
            for (j = 0; j < anchors.n && clause < MAX_CLAUSES; j++) {
                const struct sg_value *v = anchors.v[j];
                struct pat p;
                if (!v) { /* end of a clause */
                    clause++;
                    continue;
                }
                if (v->kind == SG_V_EXISTS) {
                    if ((rc = add_exists(set, &exists_cap, (uint32_t)i, clause, v->field)) != SH_OK)
                        goto out;
                    continue;
                }
                if ((rc = add_anchor_field(set, v->field)) != SH_OK)
                    goto out;
                memset(&p, 0, sizeof(p));
                p.rule = (uint32_t)i;
                p.clause = (uint8_t)clause;
                p.cmd = v->field && strcmp(v->field, "command") == 0;
                p.val = (struct sg_value *)(uintptr_t)v;
                p.flags = HS_FLAG_SINGLEMATCH;
                if (v->kind == SG_V_STR) {
                    p.expr = sh_str_escape_hex(v->lit, v->lit_len);
                    p.flags |= HS_FLAG_CASELESS;
                } else {
                    p.expr = sh_strdup(v->re_src);
                    p.flags |= HS_FLAG_PREFILTER | HS_FLAG_UTF8 | HS_FLAG_ALLOWEMPTY;
                    if (v->re_hsflags & 1)
                        p.flags |= HS_FLAG_CASELESS;
                    if (v->re_hsflags & 2)
                        p.flags |= HS_FLAG_MULTILINE;
                    if (v->re_hsflags & 4)
                        p.flags |= HS_FLAG_DOTALL;
                }
                if (!p.expr) {
                    rc = SH_ENOMEM;
                    goto out;
                }
                if (npats == cap) {
                    size_t nc = cap ? cap * 2 : 64;
                    struct pat *np = sh_realloc(pats, nc * sizeof(*np));
                    if (!np) {
                        sh_free(p.expr);
                        rc = SH_ENOMEM;
                        goto out;
                    }
                    pats = np;
                    cap = nc;
                }
                pats[npats++] = p;
            }
            set->rule_need[i] = clause >= MAX_CLAUSES ? UINT32_MAX : ((uint32_t)1 << clause) - 1;
        }
        if (npats == 0)
            break;
        /* One Hyperscan id per distinct expression: an anchor shared by
         * several rules or clauses is matched (and reported) once. */
        sh_free(uid);
        uid = sh_calloc(npats, sizeof(*uid));
        exprs = sh_calloc(npats, sizeof(*exprs));
        flags = sh_calloc(npats, sizeof(*flags));
        ids = sh_calloc(npats, sizeof(*ids));
        if (!uid || !exprs || !flags || !ids) {
            sh_free(exprs);
            sh_free(flags);
            sh_free(ids);
            rc = SH_ENOMEM;
            goto out;
        }
        nuniq = 0;
        sh_strmap_free(&seen, NULL);
        memset(&seen, 0, sizeof(seen));
        for (i = 0; i < npats && !rc; i++) {
            struct sh_buf key;
            void *have;
            sh_buf_init(&key, 0);
            if (sh_buf_printf(&key, "%x:%s", pats[i].flags, pats[i].expr)) {
                rc = SH_ENOMEM;
            } else if ((have = sh_strmap_get(&seen, key.ptr)) != NULL) {
                uid[i] = (uint32_t)((uintptr_t)have - 1);
            } else {
                uid[i] = (uint32_t)nuniq;
                exprs[nuniq] = pats[i].expr;
                flags[nuniq] = pats[i].flags;
                ids[nuniq] = (unsigned)nuniq;
                nuniq++;
                rc = sh_strmap_put(&seen, key.ptr, (void *)(uintptr_t)nuniq, NULL);
            }
            sh_buf_free(&key);
        }
        if (rc) {
            sh_free(exprs);
            sh_free(flags);
            sh_free(ids);
            goto out;
        }
        herr = sh_hs_compile(exprs, flags, ids, (unsigned)nuniq, &db, &cerr);
        if (herr == SH_OK) {
            /* The same expressions reporting every match, for block scans.
             * It compiles whenever the first did; if it ever does not, the
             * readers fall back to scanning line by line. */
            struct sh_hs_error berr;
            for (i = 0; i < nuniq; i++)
                flags[i] &= ~(unsigned)HS_FLAG_SINGLEMATCH;
            if (sh_hs_compile(exprs, flags, ids, (unsigned)nuniq, &block, &berr) != SH_OK)
                block = NULL;
        }
        if (herr == SH_OK && block) {
            bx = sh_calloc(nuniq, sizeof(*bx));
            bf = sh_calloc(nuniq, sizeof(*bf));
            for (i = 0; bx && bf && i < nuniq; i++) {
                bf[i] = flags[i];
                if (!(bx[i] = sh_strdup(exprs[i])))
                    break;
            }
            if (!bx || !bf || i < nuniq) {
                /* without them there is no extended block database, no more */
                for (j = 0; bx && j < nuniq; j++)
                    sh_free(bx[j]);
                sh_free(bx);
                sh_free(bf);
                bx = NULL;
                bf = NULL;
            }
        }
        sh_free(exprs);
        sh_free(flags);
        sh_free(ids);
        if (herr == SH_OK) {
            set->mpm = sh_calloc(1, sizeof(*set->mpm));
            set->pat_first = sh_calloc(nuniq + 1, sizeof(*set->pat_first));
            set->pat_rule = sh_calloc(npats, sizeof(*set->pat_rule));
            set->pat_clause = sh_calloc(npats, 1);
            set->pat_cmd = sh_calloc(npats, 1);
            fill = sh_calloc(nuniq, sizeof(*fill));
            if (!set->mpm || !set->pat_first || !set->pat_rule || !set->pat_clause ||
                !set->pat_cmd || !fill) {
                hs_free_database(db);
                hs_free_database(block);
                rc = SH_ENOMEM;
                goto out;
            }
            set->mpm->db = db;
            set->mpm->block = block;
            set->mpm->bx = bx;
            set->mpm->bf = bf;
            set->mpm->nb = bx ? (unsigned)nuniq : 0;
            bx = NULL;
            bf = NULL;
            /* the anchors of id u are entries pat_first[u] .. pat_first[u + 1] - 1 */
            for (i = 0; i < npats; i++)
                set->pat_first[uid[i] + 1]++;
            for (i = 0; i < nuniq; i++)
                set->pat_first[i + 1] += set->pat_first[i];
            for (i = 0; i < npats; i++) {
                uint32_t at = set->pat_first[uid[i]] + (uint32_t)(fill[uid[i]]++);
                set->pat_rule[at] = pats[i].rule;
                set->pat_clause[at] = pats[i].clause;
                set->pat_cmd[at] = pats[i].cmd;
            }
            set->npat = nuniq;
            /* Keyword values whose anchor is their whole text are decided
             * by the block's matches (sg_value.anchor): a caseless literal
             * without a newline that ends inside a line lies in it. */
            for (i = 0; i < npats && block; i++) {
                struct sg_value *v = pats[i].val;
                if (v && v->kind == SG_V_STR && !v->field && v->shape == 4 && !v->cased &&
                    v->core_len && v->lit_len == v->core_len &&
                    strncasecmp(v->lit, v->core, v->core_len) == 0 &&
                    !memchr(v->core, '\n', v->core_len) && (pats[i].flags & HS_FLAG_CASELESS))
                    v->anchor = uid[i] + 1;
            }
            break;
        }
        if (herr == SH_EINVAL && cerr.expression >= 0 && (size_t)cerr.expression < nuniq) {
            /* the rules of that anchor fall back to full evaluation; try again */
            for (i = 0; i < npats; i++) {
                struct sg_rule *r;
                if (uid[i] != (uint32_t)cerr.expression || dropped[pats[i].rule])
                    continue;
                r = set->rules.v[pats[i].rule];
                sh_sigma__report(set, 0, r->source, r->line,
                                 "rule '%.60s': a regex cannot be prefiltered (%.80s); the rule "
                                 "is evaluated on every event",
                                 r->title, cerr.message);
                dropped[pats[i].rule] = 1;
            }
            continue;
        }
        rc = herr == SH_ENOMEM ? SH_ENOMEM
                               : sh_diag_set(diag, SH_EINTERNAL, NULL, 0, "hyperscan: %s",
                                             cerr.message[0] ? cerr.message : "compile failed");
        goto out;
    }
out:
    for (i = 0; bx && i < nuniq; i++)
        sh_free(bx[i]);
    sh_free(bx);
    sh_free(bf);
    set->header_ok = rc == SH_OK && header_ok(set);
    mark_header_eval(set);
    free_pats(pats, npats);
    sh_ptrvec_free(&anchors);
    sh_strmap_free(&seen, NULL);
    sh_free(uid);
    sh_free(fill);
    sh_free(dropped);
    return rc;
}

void sh_sigma__mpm_free(struct sg_mpm *m)
{
    unsigned i;

    if (!m)
        return;
    hs_free_database(m->db);
    hs_free_database(m->block);
    for (i = 0; i < m->nb; i++)
        sh_free(m->bx[i]);
    sh_free(m->bx);
    sh_free(m->bf);
    sh_free(m);
}

int sh_sigma__xblock_new(const struct sh_sigma_set *set, char *const *extra, const bool *caseless,
                         size_t n, struct sg_xblock **out)
{
    const struct sg_mpm *m = set ? set->mpm : NULL;
    const char **exprs = NULL;
    unsigned *flags = NULL, *ids = NULL;
    struct sh_hs_error err;
    hs_database_t *db = NULL;
    size_t i, total;
    int rc = SH_OK;

    *out = NULL;
    if (!m || !m->block || !m->nb || n == 0 || n > UINT32_MAX - m->nb)
        return SH_OK;
    total = m->nb + n;
    exprs = sh_calloc(total, sizeof(*exprs));
    flags = sh_calloc(total, sizeof(*flags));
    ids = sh_calloc(total, sizeof(*ids));
    if (!exprs || !flags || !ids) {
        rc = SH_ENOMEM;
        goto out;
    }
    for (i = 0; i < total; i++) {
        exprs[i] = i < m->nb ? m->bx[i] : extra[i - m->nb];
        flags[i] = i < m->nb ? m->bf[i] : caseless[i - m->nb] ? HS_FLAG_CASELESS : 0u;
        ids[i] = (unsigned)i;
    }
    /* texts Hyperscan refuses leave the reader without the extension */
    if (sh_hs_compile(exprs, flags, ids, (unsigned)total, &db, &err) != SH_OK)
        goto out;
    *out = sh_calloc(1, sizeof(**out));
    if (!*out) {
        hs_free_database(db);
        rc = SH_ENOMEM;
        goto out;
    }
    (*out)->db = db;
out:
    sh_free(exprs);
    sh_free(flags);
    sh_free(ids);
    return rc;
}

void sh_sigma__xblock_free(struct sg_xblock *x)
{
    if (!x)
        return;
    hs_free_database(x->db);
    sh_free(x);
}

int sh_sigma__mpm_scratch_grow(const struct sg_xblock *x, void **scratch)
{
    hs_scratch_t *s = *scratch;

    if (hs_alloc_scratch(x->db, &s) != HS_SUCCESS)
        return SH_ENOMEM;
    *scratch = s;
    return SH_OK;
}

void *sh_sigma__mpm_scratch_new(const struct sg_mpm *m)
{
    hs_scratch_t *s = NULL;

    if (hs_alloc_scratch(m->db, &s) != HS_SUCCESS)
        return NULL;
    if (m->block && hs_alloc_scratch(m->block, &s) != HS_SUCCESS) {
        hs_free_scratch(s);
        return NULL;
    }
    return s;
}

void sh_sigma__mpm_scratch_free(void *s)
{
    if (s)
        hs_free_scratch(s);
}

/* Hyperscan's callback, handing each match to the caller's: `at` gets the
 * end offset (block scans), `each` only the id (line scans). */
struct relay {
    void (*each)(unsigned id, void *ud);
    int (*at)(unsigned id, size_t to, void *ud);
    void *ud;
};

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void *ctx)
{
    struct relay *r = ctx;

    (void)from;
    (void)flags;
    if (r->at)
        return r->at(id, (size_t)to, r->ud);
    r->each(id, r->ud);
    return 0;
}

int sh_sigma__mpm_scan(const struct sg_mpm *m, void *scratch, const char *text, size_t len,
                       void (*cb)(unsigned id, void *ud), void *ud)
{
    struct relay r = {cb, NULL, ud};

    if (!m || !scratch || !len)
        return SH_OK;
    if (len > UINT32_MAX)
        len = UINT32_MAX;
    if (hs_scan(m->db, text, (unsigned)len, 0, scratch, on_match, &r) != HS_SUCCESS)
        return SH_EINTERNAL;
    return SH_OK;
}

bool sh_sigma__mpm_has_block(const struct sg_mpm *m)
{
    return m && m->block;
}

int sh_sigma__mpm_scan_block(const struct sg_mpm *m, const struct sg_xblock *x, void *scratch,
                             const char *text, size_t len,
                             int (*cb)(unsigned id, size_t to, void *ud), void *ud)
{
    struct relay r = {NULL, cb, ud};
    hs_error_t e;

    if (!m || !m->block || !scratch || len > UINT32_MAX)
        return SH_EINVAL;
    if (!len)
        return SH_OK;
    e = hs_scan(x ? x->db : m->block, text, (unsigned)len, 0, scratch, on_match, &r);
    if (e == HS_SUCCESS || e == HS_SCAN_TERMINATED)
        return SH_OK;
    return SH_EINTERNAL;
}
