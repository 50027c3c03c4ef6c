/*
 * eval.c - evaluate a compiled ruleset over one config document.
 *
 * One Hyperscan pass over doc->norm yields candidate (pattern, node)
 * pairs; they are bucketed by pattern (a counting sort into reused
 * worker arrays, so nothing is allocated per line). Rules then walk only
 * their own patterns' candidates and confirm each with PCRE2, which also
 * yields the named captures. Document-level questions ("does any line
 * match X") are answered once per pattern per document and cached.
 *
 * A worker is one thread's scratch; the ruleset is shared read-only.
 */
#include "../base/sh_base.h"

#include "rules.h"

#include <stdio.h>
#include <stdlib.h>

#include "../base/ipaddr.h"
#include "../engine/finding_block.h"
#include "../intel/ioc.h"
#include "../match/mpm.h"
#include "../match/regex.h"

/* Candidate pairs one document may produce before the scan gives up on it. */
#define MAX_PAIRS ((size_t)1 << 24)

struct pair {
    uint32_t pat;
    uint32_t node;
};

struct capval {
    const char *s;
    size_t len;
};

struct sh_rules_worker {
    const sh_ruleset *rs;
    struct sh_mpm_scratch *mpm;
    struct sh_regex_md *md;
    uint32_t *last;   /* per pattern: last node index + 1 reported in this document */
    uint32_t *start;  /* per pattern: first slot in `bucket`; n_pats + 1 entries */
    uint32_t *bucket; /* node indices grouped by pattern */
    uint32_t *len;    /* per pattern: candidates in its slice (after removing repeats) */
    size_t bucket_cap;
    struct pair *pairs;
    size_t n_pairs;
    size_t pairs_cap;
    int8_t *doc_any; /* per pattern: -1 unknown, 0 no line matches, 1 some line does */
    const struct sh_cfg_doc *doc;
    int err;
    struct capval caps[SH_RULES_MAX_CAPTURES];
    char val[SH_RULES_MAX_VALUE + 1];
    size_t feature_hits;
    struct sh_buf msg; /* a finding's message and remediation, expanded */
    struct sh_buf rem;
    struct sh_finding_slab *slab; /* where this worker's findings are built */
};

struct sh_rules_worker *sh_rules__worker_new(const sh_ruleset *rs)
{
    struct sh_rules_worker *w;
    size_t np;

    if (!rs)
        return NULL;
    np = rs->n_pats;
    w = sh_calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->rs = rs;
    /* Expanded text is bounded: a template with captures of long lines. */
    sh_buf_init(&w->msg, 64 * 1024);
    sh_buf_init(&w->rem, 64 * 1024);
    w->slab = sh_finding__slab_new();
    w->mpm = sh_mpm_scratch_new(rs->mpm);
    w->md = sh_regex_md_new(rs->max_groups + 1);
    w->last = sh_calloc(np + 1, sizeof(*w->last));
    w->start = sh_calloc(np + 2, sizeof(*w->start));
    w->doc_any = sh_calloc(np + 1, sizeof(*w->doc_any));
    w->len = sh_calloc(np + 1, sizeof(*w->len));
    if (!w->mpm || !w->md || !w->last || !w->start || !w->doc_any || !w->len) {
        sh_rules__worker_free(w);
        return NULL;
    }
    return w;
}

void sh_rules__worker_free(struct sh_rules_worker *w)
{
    if (!w)
        return;
    sh_mpm_scratch_free(w->mpm);
    sh_regex_md_free(w->md);
    sh_free(w->last);
    sh_free(w->start);
    sh_free(w->bucket);
    sh_free(w->pairs);
    sh_free(w->doc_any);
    sh_free(w->len);
    sh_buf_free(&w->msg);
    sh_buf_free(&w->rem);
    sh_finding__slab_free(w->slab);
    sh_free(w);
}

/* ---- candidates ---- */

/* The node whose norm range [off, off+len] (its newline included) holds `to`. */
static uint32_t node_for(const struct sh_cfg_doc *doc, size_t to)
{
    size_t lo = 0, hi = doc->n_nodes;

    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (doc->nodes[mid]->norm_off <= to)
            lo = mid;
        else
            hi = mid;
    }
    return (uint32_t)lo;
}

static int on_candidate(unsigned id, size_t to, void *ud)
{
    struct sh_rules_worker *w = ud;
    uint32_t node;

    if (w->doc->n_nodes == 0)
        return 0;
    node = node_for(w->doc, to);
    if (w->last[id] == node + 1)
        return 0;
    w->last[id] = node + 1;
    if (w->n_pairs == w->pairs_cap) {
        size_t cap = w->pairs_cap ? w->pairs_cap * 2 : 1024;
        struct pair *v;
        if (cap > MAX_PAIRS) {
            w->err = SH_ELIMIT;
            return 1;
        }
        v = sh_realloc(w->pairs, cap * sizeof(*v));
        if (!v) {
            w->err = SH_ENOMEM;
            return 1;
        }
        w->pairs = v;
        w->pairs_cap = cap;
    }
    w->pairs[w->n_pairs].pat = id;
    w->pairs[w->n_pairs].node = node;
    w->n_pairs++;
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int collect(struct sh_rules_worker *w, const struct sh_cfg_doc *doc)
{
    const sh_ruleset *rs = w->rs;
    size_t np = rs->n_pats, i;
    int rc;

    w->doc = doc;
    w->err = 0;
    w->n_pairs = 0;
    memset(w->last, 0, np * sizeof(*w->last));
    memset(w->doc_any, -1, np * sizeof(*w->doc_any));
    rc = sh_mpm_scan(rs->mpm, w->mpm, doc->norm, doc->norm_len, on_candidate, w);
    if (rc)
        return rc;
    if (w->err)
        return w->err;
    if (w->n_pairs > w->bucket_cap) {
        uint32_t *b = sh_realloc(w->bucket, w->n_pairs * sizeof(*b));
        if (!b)
            return SH_ENOMEM;
        w->bucket = b;
        w->bucket_cap = w->n_pairs;
    }
    /* Counting sort by pattern: start[p+1] counts, then prefix sums. */
    memset(w->start, 0, (np + 2) * sizeof(*w->start));
    for (i = 0; i < w->n_pairs; i++)
        w->start[w->pairs[i].pat + 2]++;
    for (i = 2; i < np + 2; i++)
        w->start[i] += w->start[i - 1];
    for (i = 0; i < w->n_pairs; i++)
        w->bucket[w->start[w->pairs[i].pat + 1]++] = w->pairs[i].node;
    /* Now start[p] .. start[p+1] is pattern p's slice. Matches arrive in
     * end-offset order, so slices are normally sorted and unique already;
     * when not, sort and squeeze out repeats (slices only shrink, so the
     * free tail of a slice is simply skipped via `len`). */
    for (i = 0; i < np; i++) {
        uint32_t a = w->start[i], b = w->start[i + 1], k, o;
        w->len[i] = b - a;
        for (k = a + 1; k < b; k++) {
            if (w->bucket[k - 1] >= w->bucket[k]) {
                qsort(w->bucket + a, b - a, sizeof(*w->bucket), cmp_u32);
                for (o = a + 1, k = a + 1; k < b; k++)
                    if (w->bucket[k] != w->bucket[o - 1])
                        w->bucket[o++] = w->bucket[k];
                w->len[i] = o - a;
                break;
            }
        }
    }
    return SH_OK;
}

/* Candidate count and i-th candidate node of pattern p (every node when not prefiltered). */
static size_t n_cand(const struct sh_rules_worker *w, int p)
{
    if (!w->rs->pats[p].prefiltered)
        return w->doc->n_nodes;
    return w->len[p];
}

static uint32_t cand(const struct sh_rules_worker *w, int p, size_t i)
{
    if (!w->rs->pats[p].prefiltered)
        return (uint32_t)i;
    return w->bucket[w->start[p] + i];
}

/* First candidate index of p whose node is >= node. */
static size_t cand_lower_bound(const struct sh_rules_worker *w, int p, uint32_t node)
{
    size_t lo = 0, hi = n_cand(w, p);

    if (!w->rs->pats[p].prefiltered)
        return node < hi ? node : hi;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cand(w, p, mid) < node)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool confirm(struct sh_rules_worker *w, int p, const struct sh_cfg_node *n)
{
    return sh_regex_match(w->rs->pats[p].re, w->md, n->match, n->match_len) == 1;
}

static bool doc_any(struct sh_rules_worker *w, int p)
{
    size_t i, nc;

    if (w->doc_any[p] >= 0)
        return w->doc_any[p] == 1;
    w->doc_any[p] = 0;
    nc = n_cand(w, p);
    for (i = 0; i < nc; i++) {
        if (confirm(w, p, w->doc->nodes[cand(w, p, i)])) {
            w->doc_any[p] = 1;
            break;
        }
    }
    return w->doc_any[p] == 1;
}

/* ---- captures and conditions ---- */

static void save_caps(struct sh_rules_worker *w, const struct sh_rule *r, int level,
                      const struct sh_cfg_node *n)
{
    size_t i;

    for (i = 0; i < r->n_caps; i++) {
        if (r->caps[i].level != level)
            continue;
        if (!sh_regex_group(w->md, r->caps[i].group, &w->caps[i].s, &w->caps[i].len, n->match)) {
            w->caps[i].s = NULL;
            w->caps[i].len = 0;
        }
    }
}

static bool value_is_public(const char *s, size_t len)
{
    struct sh_ip ip;
    unsigned prefix;

    if (sh_ip_parse(&ip, s, len))
        return sh_ip_is_public(&ip);
    if (memchr(s, '/', len) && sh_ip_parse_cidr(&ip, &prefix, s, len))
        return sh_ip_is_public(&ip);
    return false;
}

struct verdict {
    bool no_policy; /* a policy condition was decided without its key */
    enum sh_policy_key no_policy_key;
    bool suffix; /* add the "no <key> in the site policy" note */
};

static bool cond_holds(struct sh_rules_worker *w, const struct sh_rules_env *env,
                       const struct sh_rule *r, const struct sh_rule_cond *c, struct verdict *v)
{
    const struct capval *cv = &w->caps[c->cap];
    size_t len;
    const char *val = w->val;

    if (!cv->s)
        return false;
    len = cv->len < SH_RULES_MAX_VALUE ? cv->len : SH_RULES_MAX_VALUE;
    memcpy(w->val, cv->s, len);
    w->val[len] = '\0';
    switch (c->type) {
    case SH_COND_NOT_IN_POLICY:
    case SH_COND_IN_POLICY: {
        bool in;
        if (sh_policy_has(env->policy, c->key)) {
            in = sh_policy_contains(env->policy, c->key, val);
            return c->type == SH_COND_IN_POLICY ? in : !in;
        }
        if (!v->no_policy) {
            v->no_policy = true;
            v->no_policy_key = c->key;
        }
        switch (r->without_policy) {
        case SH_WP_FIRE: return true;
        case SH_WP_SKIP: return false;
        case SH_WP_IOC_OR_PUBLIC:
            v->suffix = true;
            return (env->iocs && sh_ioc_lookup(env->iocs, val, len)) || value_is_public(val, len);
        }
        return false;
    }
    case SH_COND_PORT_REGEX:
    case SH_COND_REGEX: return sh_regex_match(c->re, w->md, val, len) == 1;
    case SH_COND_NOT_REGEX: return sh_regex_match(c->re, w->md, val, len) == 0;
    case SH_COND_PORT_RANGE: {
        uint64_t port;
        return sh_str_to_u64(val, len, 65535, &port) && port >= c->lo && port <= c->hi;
    }
    case SH_COND_PUBLIC: return value_is_public(val, len) == c->flag;
    case SH_COND_IOC: return (env->iocs && sh_ioc_lookup(env->iocs, val, len) != NULL) == c->flag;
    }
    return false;
}

/* ---- findings ---- */

struct emit_ctx {
    const struct sh_rule *r;
    const struct sh_cfg_node *node;    /* NULL for document rules */
    const struct sh_cfg_node *section; /* innermost enclosing section, or NULL */
};

static int expand(struct sh_rules_worker *w, const struct emit_ctx *e, const char *t,
                  struct sh_buf *b)
{
    const struct sh_cfg_doc *doc = w->doc;
    const char *p = t;
    int rc = SH_OK;

    while (*p && !rc) {
        const char *open = strchr(p, '{'), *q;
        size_t len;
        int ci;

        if (!open) {
            rc = sh_buf_adds(b, p);
            break;
        }
        rc = sh_buf_add(b, p, (size_t)(open - p));
        q = open + 1;
        while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') ||
               *q == '_')
            q++;
        if (rc || *q != '}' || q == open + 1) {
            if (!rc)
                rc = sh_buf_addc(b, '{');
            p = open + 1;
            continue;
        }
        len = (size_t)(q - open - 1);
        p = q + 1;
        if (len == 6 && memcmp(open + 1, "device", 6) == 0) {
            rc = sh_buf_adds(b, doc->hostname ? doc->hostname : "this device");
        } else if (len == 8 && memcmp(open + 1, "platform", 8) == 0) {
            rc = sh_buf_adds(b, sh_dialect_name(doc->dialect));
        } else if (len == 4 && memcmp(open + 1, "line", 4) == 0) {
            rc = sh_buf_adds(b, e->node ? e->node->text : "");
        } else if (len == 7 && memcmp(open + 1, "section", 7) == 0) {
            rc = sh_buf_adds(b, e->section ? e->section->text : "");
        } else {
            for (ci = 0; ci < (int)e->r->n_caps; ci++) {
                if (strlen(e->r->caps[ci].name) == len &&
                    memcmp(e->r->caps[ci].name, open + 1, len) == 0) {
                    if (w->caps[ci].s)
                        rc = sh_buf_add(b, w->caps[ci].s, w->caps[ci].len);
                    break;
                }
            }
        }
    }
    return rc;
}

/* Expand template `t` (and `suffix`) into the worker's reused buffer `b`;
 * NULL when it would pass the 64 KiB bound or on OOM. */
static const char *expand_into(struct sh_rules_worker *w, const struct emit_ctx *e, const char *t,
                               const char *suffix, struct sh_buf *b)
{
    sh_buf_reset(b);
    if (sh_buf_adds(b, "") || expand(w, e, t, b) || (suffix && sh_buf_adds(b, suffix)))
        return NULL;
    return b->ptr;
}

static int emit(struct sh_rules_worker *w, const struct sh_rules_env *env, const struct emit_ctx *e,
                const struct verdict *v, sh_findings *out)
{
    const struct sh_rule *r = e->r;
    const struct sh_cfg_doc *doc = w->doc;
    struct sh_finding_fields in;
    sh_finding *f;
    const char *rem;
    char suffix[160];

    memset(&in, 0, sizeof(in));
    suffix[0] = '\0';
    if (v->suffix)
        snprintf(suffix, sizeof(suffix),
                 " (no %s in the site policy: add approved values with --policy to check every "
                 "value)",
                 sh_policy_key_name(v->no_policy_key));
    in.rule = r->id;
    in.title = r->title ? r->title : r->id;
    in.device = doc->hostname;
    in.platform = doc->dialect != SH_DIALECT_UNKNOWN ? sh_dialect_name(doc->dialect) : NULL;
    in.path = env->path;
    in.evidence = e->node ? e->node->text : NULL;
    in.message = expand_into(w, e, r->message ? r->message : r->title, suffix, &w->msg);
    rem = (unsigned)doc->dialect < SH_DIALECT__COUNT && r->remediation[doc->dialect]
              ? r->remediation[doc->dialect]
              : r->remediation_default;
    in.remediation = rem ? expand_into(w, e, rem, NULL, &w->rem) : NULL;
    if (!in.message || (rem && !in.remediation))
        return SH_ENOMEM;
    in.attack = r->attack;
    in.n_attack = r->n_attack;
    in.references = r->refs;
    in.n_references = r->n_refs;
    f = sh_finding__new_block_in(w->slab, &in);
    if (!f)
        return SH_ENOMEM;
    f->kind = r->kind;
    f->severity =
        (v->no_policy && r->has_severity_without_policy) ? r->severity_without_policy : r->severity;
    f->line = e->node ? e->node->line : 0;
    f->end_line = e->node ? e->node->end_line : 0;
    return sh_findings_take(out, f);
}

static int add_feature(sh_strlist *features, const char *name)
{
    size_t i;

    for (i = 0; i < features->n; i++)
        if (strcmp(features->v[i], name) == 0)
            return SH_OK;
    return sh_strlist_push(features, name);
}

/* Check the enclosing sections of `n` from the innermost level outwards;
 * saves their captures and returns the innermost section node via *sec. */
static bool sections_hold(struct sh_rules_worker *w, const struct sh_rule *r,
                          const struct sh_cfg_node *n, size_t levels,
                          const struct sh_cfg_node **sec)
{
    const struct sh_cfg_node *anc = n->parent;
    size_t k;

    *sec = anc;
    for (k = levels; k-- > 0;) {
        if (!anc || !confirm(w, r->sections[k], anc))
            return false;
        save_caps(w, r, (int)k, anc);
        anc = anc->parent;
    }
    return true;
}

static bool conds_hold(struct sh_rules_worker *w, const struct sh_rules_env *env,
                       const struct sh_rule *r, struct verdict *v)
{
    size_t i;

    memset(v, 0, sizeof(*v));
    for (i = 0; i < r->n_conds; i++)
        if (!cond_holds(w, env, r, &r->conds[i], v))
            return false;
    return true;
}

static int eval_line(struct sh_rules_worker *w, const struct sh_rules_env *env,
                     const struct sh_rule *r, sh_findings *out, sh_strlist *features)
{
    size_t i, nc = n_cand(w, r->match);
    int rc;

    for (i = 0; i < nc; i++) {
        const struct sh_cfg_node *n = w->doc->nodes[cand(w, r->match, i)];
        struct emit_ctx e = {r, n, NULL};
        struct verdict v;

        if (!confirm(w, r->match, n))
            continue;
        memset(w->caps, 0, r->n_caps * sizeof(*w->caps));
        save_caps(w, r, -1, n);
        if (!sections_hold(w, r, n, r->n_sections, &e.section))
            continue;
        if (!conds_hold(w, env, r, &v))
            continue;
        if (r->shape == SH_SHAPE_FEATURE) {
            w->feature_hits++;
            if (features && (rc = add_feature(features, r->feature)) != 0)
                return rc;
            continue;
        }
        if ((rc = emit(w, env, &e, &v, out)) != 0)
            return rc;
    }
    return SH_OK;
}

static int eval_section(struct sh_rules_worker *w, const struct sh_rules_env *env,
                        const struct sh_rule *r, sh_findings *out)
{
    int last = r->sections[r->n_sections - 1];
    int child = r->require >= 0 ? r->require : r->forbid;
    size_t i, nc = n_cand(w, last);
    int rc;

    for (i = 0; i < nc; i++) {
        uint32_t idx = cand(w, last, i), end = idx + 1;
        const struct sh_cfg_node *n = w->doc->nodes[idx];
        struct emit_ctx e = {r, n, NULL};
        struct verdict v;
        bool found = false;
        size_t k, kc;

        if (!confirm(w, last, n))
            continue;
        memset(w->caps, 0, r->n_caps * sizeof(*w->caps));
        save_caps(w, r, (int)r->n_sections - 1, n);
        if (!sections_hold(w, r, n, r->n_sections - 1, &e.section))
            continue;
        e.section = n;
        while (end < w->doc->n_nodes && w->doc->nodes[end]->depth > n->depth)
            end++;
        kc = n_cand(w, child);
        for (k = cand_lower_bound(w, child, idx + 1); k < kc; k++) {
            uint32_t ci = cand(w, child, k);
            if (ci >= end)
                break;
            if (confirm(w, child, w->doc->nodes[ci])) {
                found = true;
                break;
            }
        }
        if (r->require >= 0 ? found : !found)
            continue;
        /* The confirm runs above clobbered the match data: restore captures. */
        confirm(w, last, n);
        save_caps(w, r, (int)r->n_sections - 1, n);
        if (!conds_hold(w, env, r, &v))
            continue;
        if ((rc = emit(w, env, &e, &v, out)) != 0)
            return rc;
    }
    return SH_OK;
}

static int eval_rule(struct sh_rules_worker *w, const struct sh_rules_env *env,
                     const struct sh_rule *r, sh_findings *out, sh_strlist *features)
{
    const struct sh_cfg_doc *doc = w->doc;

    if (r->platforms && !(r->platforms & (1u << doc->dialect)))
        return SH_OK;
    if (r->when_doc >= 0 && !doc_any(w, r->when_doc))
        return SH_OK;
    if (r->unless_doc >= 0 && doc_any(w, r->unless_doc))
        return SH_OK;
    switch (r->shape) {
    case SH_SHAPE_LINE:
    case SH_SHAPE_FEATURE: return eval_line(w, env, r, out, features);
    case SH_SHAPE_SECTION: return eval_section(w, env, r, out);
    case SH_SHAPE_DOCUMENT:
        if (!doc_any(w, r->absent)) {
            struct emit_ctx e = {r, NULL, NULL};
            struct verdict v;
            memset(&v, 0, sizeof(v));
            return emit(w, env, &e, &v, out);
        }
        return SH_OK;
    }
    return SH_OK;
}

int sh_rules__eval(const sh_ruleset *rs, struct sh_rules_worker *w, const struct sh_cfg_doc *doc,
                   const struct sh_rules_env *env, sh_findings *out, sh_strlist *features)
{
    size_t i;
    int rc;

    SH_ASSERT_ARG(rs && w && w->rs == rs && doc && env && out);
    w->feature_hits = 0;
    rc = collect(w, doc);
    if (rc)
        return rc;
    if (env->only)
        return eval_rule(w, env, env->only, out, features);
    for (i = 0; i < rs->n_rules; i++) {
        rc = eval_rule(w, env, rs->rules[i], out, features);
        if (rc)
            return rc;
    }
    return SH_OK;
}

/* ---- sample tests ---- */

static void fail(sh_rules_test_cb cb, void *ud, const sh_ruleset *rs, size_t ri, size_t si,
                 bool match, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
static void fail(sh_rules_test_cb cb, void *ud, const sh_ruleset *rs, size_t ri, size_t si,
                 bool match, const char *fmt, ...)
{
    sh_rule_info info;
    char text[512];
    va_list ap;

    if (!cb)
        return;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    sh_ruleset_rule_info(rs, ri, &info);
    cb(&info, si, match, text, ud);
}

int sh_ruleset_test(const sh_ruleset *rs, size_t *passed, size_t *failed, sh_rules_test_cb cb,
                    void *ud, sh_diag *diag)
{
    struct sh_rules_worker *w = NULL;
    struct sh_ioc_set *iocs = NULL;
    size_t ri, si;
    int rc;

    SH_ASSERT_ARG(rs && passed && failed);
    *passed = *failed = 0;
    w = sh_rules__worker_new(rs);
    if (!w)
        return sh_diag_set(diag, SH_ENOMEM, NULL, 0, "out of memory");
    rc = sh_ioc_set_new(&iocs);
    if (!rc)
        rc = sh_ioc_set_load_builtin(iocs, false, diag);
    if (rc)
        goto out;
    for (ri = 0; ri < rs->n_rules; ri++) {
        const struct sh_rule *r = rs->rules[ri];
        size_t kind_index[2] = {0, 0}; /* position within the match / nomatch list */
        for (si = 0; si < r->n_samples; si++) {
            const struct sh_rule_sample *s = &r->samples[si];
            size_t idx = kind_index[s->match]++;
            struct sh_cfg_doc *doc = NULL;
            struct sh_rules_env env;
            sh_findings found = {0};
            sh_strlist feats = {0};
            sh_diag pd;
            size_t got = 0, k;
            bool ok;

            rc = sh_cfg_parse(&doc, s->config, strlen(s->config), s->platform, NULL, r->file, &pd);
            if (rc == SH_ENOMEM)
                goto out;
            if (rc) {
                (*failed)++;
                fail(cb, ud, rs, ri, idx, s->match, "sample config does not parse: %s", pd.text);
                rc = SH_OK;
                continue;
            }
            memset(&env, 0, sizeof(env));
            env.policy = s->policy;
            env.iocs = iocs;
            env.path = "sample";
            env.only = r;
            rc = sh_rules__eval(rs, w, doc, &env, &found, &feats);
            if (rc) {
                sh_findings_clear(&found);
                sh_strlist_clear(&feats);
                sh_cfg_doc_free(doc);
                if (rc == SH_ENOMEM)
                    goto out;
                (*failed)++;
                fail(cb, ud, rs, ri, idx, s->match, "evaluation failed: %s", sh_status_str(rc));
                rc = SH_OK;
                continue;
            }
            if (r->shape == SH_SHAPE_FEATURE) {
                got = w->feature_hits;
            } else {
                for (k = 0; k < found.n; k++)
                    if (strcmp(found.v[k]->rule, r->id) == 0)
                        got++;
            }
            if (!s->match)
                ok = got == 0;
            else if (s->expect >= 0)
                ok = got == (size_t)s->expect;
            else
                ok = got > 0;
            if (ok) {
                (*passed)++;
            } else {
                (*failed)++;
                if (!s->match)
                    fail(cb, ud, rs, ri, idx, false, "nomatch sample (line %u) gave %zu %s",
                         s->line, got, r->feature ? "feature hits" : "findings");
                else if (s->expect >= 0)
                    fail(cb, ud, rs, ri, idx, true,
                         "match sample (line %u) gave %zu %s, expected %ld", s->line, got,
                         r->feature ? "feature hits" : "findings", s->expect);
                else
                    fail(cb, ud, rs, ri, idx, true, "match sample (line %u) gave no %s", s->line,
                         r->feature ? "feature hit" : "finding");
            }
            sh_findings_clear(&found);
            sh_strlist_clear(&feats);
            sh_cfg_doc_free(doc);
        }
    }
    rc = SH_OK;
out:
    if (rc == SH_ENOMEM)
        sh_diag_set(diag, rc, NULL, 0, "out of memory");
    sh_ioc_set_free(iocs);
    sh_rules__worker_free(w);
    return rc;
}
