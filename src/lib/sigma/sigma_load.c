/*
 * sigma_load.c - load Sigma rule documents into a set and compile it.
 *
 * A document is a detection rule (has `detection`), a filter (has
 * `filter`) or a correlation rule (has `correlation`). Bad documents are
 * reported through the set's sink with file and line and skipped, so one
 * broken rule never hides the others (the Suricata loader model).
 * Compiling resolves filter targets and correlation references, decides
 * which rules are only correlation inputs, and builds the prefilter.
 *
 * Single-threaded; see sigma_int.h for ownership.
 */
#include "../base/sh_base.h"

#include "sigma_int.h"
#include "sigma_yaml.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "../base/embed.h"

#define MAX_RULE_FILE ((size_t)4 << 20)
#define MAX_WALK_DEPTH 16

/* ---- field and logsource mapping ---- */

/* Sigma field names used by SigmaHQ and common taxonomies -> salthunt log fields. */
static const struct {
    const char *sigma, *ours;
} field_map[] = {
    {"CommandLine", "command"},
    {"Command", "command"},
    {"cmd", "command"},
    {"command_line", "command"},
    {"User", "user"},
    {"UserName", "user"},
    {"Username", "user"},
    {"username", "user"},
    {"usrName", "user"},
    {"SourceIp", "src_ip"},
    {"SourceAddress", "src_ip"},
    {"src", "src_ip"},
    {"srcip", "src_ip"},
    {"ClientIP", "src_ip"},
    {"IpAddress", "src_ip"},
    {"c-ip", "src_ip"},
    {"DestinationIp", "dst_ip"},
    {"dst", "dst_ip"},
    {"dstip", "dst_ip"},
    {"SourcePort", "src_port"},
    {"srcport", "src_port"},
    {"DestinationPort", "dst_port"},
    {"dstport", "dst_port"},
    {"Hostname", "host"},
    {"ComputerName", "host"},
    {"hostname", "host"},
    {"devname", "host"},
    {"dvchost", "host"},
    {"Computer", "host"},
    {"Message", "message"},
    {"msg", "message"},
    {"Program", "program"},
    {"ProcessName", "program"},
    {"Facility", "facility"},
    {"Severity", "severity"},
    {"_raw", "raw"},
    {"Mnemonic", "mnemonic"},
    {"EventID", "mnemonic"},
};

const char *sh_sigma__field_map(const char *sigma_name)
{
    size_t i;

    for (i = 0; i < SH_ARRAY_LEN(field_map); i++)
        if (strcmp(field_map[i].sigma, sigma_name) == 0)
            return field_map[i].ours;
    return sigma_name;
}

static const char *const our_fields[] = {
    "host",          "time",       "facility", "severity", "program",  "mnemonic",
    "facility_code", "message",    "user",     "src_ip",   "src_port", "dst_ip",
    "dst_port",      "local_port", "command",  "relay",    "raw",
};

static bool known_field(const char *f)
{
    size_t i;

    for (i = 0; i < SH_ARRAY_LEN(our_fields); i++)
        if (strcmp(our_fields[i], f) == 0)
            return true;
    return false;
}

static const char *const our_products[] = {"cisco",     "juniper",  "arista", "fortinet",
                                           "fortigate", "paloalto", "huawei", "network"};
static const char *const device_categories[] = {"network", "firewall", "appliance", "router",
                                                "switch"};

static bool in_list(const char *s, const char *const *l, size_t n)
{
    size_t i;

    if (!s)
        return false;
    for (i = 0; i < n; i++)
        if (strcasecmp(s, l[i]) == 0)
            return true;
    return false;
}

/* Device logs are what salthunt sees: a rule applies when its logsource
 * names a network product, or only a device-ish category, or nothing. */
static bool logsource_applies(const char *product, const char *service, const char *category)
{
    if (product)
        return in_list(product, our_products, SH_ARRAY_LEN(our_products)) &&
               (!category || in_list(category, device_categories, SH_ARRAY_LEN(device_categories)));
    if (category)
        return in_list(category, device_categories, SH_ARRAY_LEN(device_categories));
    (void)service;
    return true;
}

/* ---- reporting ---- */

void sh_sigma__report(struct sh_sigma_set *set, int code, const char *source, uint32_t line,
                      const char *fmt, ...)
{
    sh_diag d;
    va_list ap;

    sh_diag_clear(&d);
    d.code = code;
    d.line = line;
    if (source)
        snprintf(d.source, sizeof(d.source), "%s", source);
    va_start(ap, fmt);
    vsnprintf(d.text, sizeof(d.text), fmt, ap);
    va_end(ap);
    if (code < 0)
        set->n_errors++;
    if (set->on_diag)
        set->on_diag(&d, code < 0, set->diag_ud);
}

/* ---- set ---- */

int sh_sigma_set_new(sh_sigma_set **out)
{
    sh_sigma_set *s;

    SH_ASSERT_ARG(out);
    s = sh_calloc(1, sizeof(*s));
    if (!s)
        return SH_ENOMEM;
    sh_arena_init(&s->arena, 0);
    *out = s;
    return SH_OK;
}

void sh_sigma_set_free(sh_sigma_set *set)
{
    size_t i;

    if (!set)
        return;
    for (i = 0; i < set->regexes.n; i++)
        pcre2_code_free(set->regexes.v[i]);
    sh_ptrvec_free(&set->regexes);
    sh_ptrvec_free(&set->rules);
    sh_ptrvec_free(&set->filters);
    sh_sigma__mpm_free(set->mpm);
    sh_free(set->pat_first);
    sh_free(set->pat_rule);
    sh_free(set->pat_clause);
    sh_free(set->pat_cmd);
    sh_free(set->rule_need);
    sh_free(set->always);
    sh_free(set->exists_rule);
    sh_free(set->exists_field);
    sh_free(set->exists_clause);
    sh_free(set->anchor_fields);
    sh_free(set->corr_order);
    sh_arena_free(&set->arena);
    sh_free(set);
}

void sh_sigma_set_on_diag(sh_sigma_set *set, sh_sigma_diag_cb cb, void *ud)
{
    if (!set)
        return;
    set->on_diag = cb;
    set->diag_ud = ud;
}

/* ---- document helpers ---- */

struct ld {
    struct sh_sigma_set *set;
    const char *source;
    char err[SH_DIAG_TEXT];
    uint32_t err_line;
};

static int lerr(struct ld *l, uint32_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int lerr(struct ld *l, uint32_t line, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(l->err, sizeof(l->err), fmt, ap);
    va_end(ap);
    l->err_line = line;
    return SH_ERULE;
}

static char *dup_scalar(struct ld *l, const struct sy_node *n)
{
    if (!n || n->type != SY_SCALAR || sh_sigma__yaml_is_null(n))
        return NULL;
    return sh_arena_strdup(&l->set->arena, n->s);
}

/* A scalar or a list of scalars, as an arena string array. */
static int str_list(struct ld *l, const struct sy_node *n, char ***out, size_t *nout,
                    const char *what)
{
    size_t i;

    *out = NULL;
    *nout = 0;
    if (!n || sh_sigma__yaml_is_null(n))
        return SH_OK;
    if (n->type == SY_SCALAR) {
        *out = sh_arena_alloc(&l->set->arena, sizeof(char *));
        if (!*out || !((*out)[0] = sh_arena_strdup(&l->set->arena, n->s)))
            return SH_ENOMEM;
        *nout = 1;
        return SH_OK;
    }
    if (n->type != SY_SEQ)
        return lerr(l, n->line, "'%s' must be a list", what);
    *out = sh_arena_alloc(&l->set->arena, (n->n ? n->n : 1) * sizeof(char *));
    if (!*out)
        return SH_ENOMEM;
    for (i = 0; i < n->n; i++) {
        const struct sy_node *k = n->kids[i];
        if (k->type != SY_SCALAR)
            return lerr(l, k->line, "'%s' entries must be strings", what);
        (*out)[i] = sh_arena_strdup(&l->set->arena, k->s);
        if (!(*out)[i])
            return SH_ENOMEM;
    }
    *nout = n->n;
    return SH_OK;
}

/* One `field|mods: value(s)` entry, or a keyword list (key NULL). */
static int build_item(struct ld *l, struct sg_item *it, const char *key, const struct sy_node *vals,
                      uint32_t line)
{
    const char *bar = key ? strchr(key, '|') : NULL;
    size_t i;
    int rc;

    memset(it, 0, sizeof(*it));
    if (key) {
        size_t flen = bar ? (size_t)(bar - key) : strlen(key);
        if (flen > 0) {
            it->field = sh_arena_strndup(&l->set->arena, key, flen);
            if (!it->field)
                return SH_ENOMEM;
            it->mapped = sh_arena_strdup(&l->set->arena, sh_sigma__field_map(it->field));
            if (!it->mapped)
                return SH_ENOMEM;
        }
    }
    rc = sh_sigma__values_build(l->set, it, bar ? bar + 1 : NULL, vals, l->err, sizeof(l->err));
    if (rc) {
        l->err_line = line;
        return rc == SH_ENOMEM ? rc : SH_ERULE;
    }
    for (i = 0; i < it->nv; i++)
        it->v[i].field = it->mapped;
    return SH_OK;
}

static int build_group_map(struct ld *l, struct sg_group *g, const struct sy_node *m)
{
    size_t i;
    int rc;

    g->n = m->n / 2;
    if (g->n == 0)
        return lerr(l, m->line, "empty selection");
    g->items = sh_arena_alloc(&l->set->arena, g->n * sizeof(*g->items));
    if (!g->items)
        return SH_ENOMEM;
    for (i = 0; i < g->n; i++) {
        const struct sy_node *k = m->kids[2 * i], *v = m->kids[2 * i + 1];
        if (k->type != SY_SCALAR)
            return lerr(l, k->line, "selection keys must be field names");
        rc = build_item(l, &g->items[i], k->s, v, k->line);
        if (rc)
            return rc;
    }
    return SH_OK;
}

static int build_sel(struct ld *l, struct sg_sel *s, const char *name, const struct sy_node *v)
{
    size_t i, ng = 0, nkw = 0;
    int rc;

    s->name = sh_arena_strdup(&l->set->arena, name);
    if (!s->name)
        return SH_ENOMEM;
    if (v->type == SY_MAP) {
        s->n = 1;
        s->groups = sh_arena_alloc(&l->set->arena, sizeof(*s->groups));
        if (!s->groups)
            return SH_ENOMEM;
        return build_group_map(l, &s->groups[0], v);
    }
    if (v->type == SY_SCALAR) {
        /* a single keyword */
        s->n = 1;
        s->groups = sh_arena_alloc(&l->set->arena, sizeof(*s->groups));
        if (!s->groups)
            return SH_ENOMEM;
        s->groups[0].n = 1;
        s->groups[0].items = sh_arena_alloc(&l->set->arena, sizeof(struct sg_item));
        if (!s->groups[0].items)
            return SH_ENOMEM;
        return build_item(l, &s->groups[0].items[0], NULL, v, v->line);
    }
    /* a list: scalars are keywords (one OR item), maps are alternatives */
    if (v->n == 0)
        return lerr(l, v->line, "empty selection '%s'", name);
    for (i = 0; i < v->n; i++) {
        if (v->kids[i]->type == SY_MAP)
            ng++;
        else if (v->kids[i]->type == SY_SCALAR)
            nkw++;
        else
            return lerr(l, v->kids[i]->line, "nested lists are not a selection");
    }
    s->n = ng + (nkw ? 1 : 0);
    s->groups = sh_arena_alloc(&l->set->arena, s->n * sizeof(*s->groups));
    if (!s->groups)
        return SH_ENOMEM;
    ng = 0;
    if (nkw) {
        /* Build a synthetic sequence of the scalar items. */
        struct sy_node *seq = sh_arena_alloc(&l->set->arena, sizeof(*seq));
        if (!seq)
            return SH_ENOMEM;
        seq->type = SY_SEQ;
        seq->line = v->line;
        seq->kids = sh_arena_alloc(&l->set->arena, nkw * sizeof(*seq->kids));
        if (!seq->kids)
            return SH_ENOMEM;
        for (i = 0; i < v->n; i++)
            if (v->kids[i]->type == SY_SCALAR)
                seq->kids[seq->n++] = v->kids[i];
        s->groups[0].n = 1;
        s->groups[0].items = sh_arena_alloc(&l->set->arena, sizeof(struct sg_item));
        if (!s->groups[0].items)
            return SH_ENOMEM;
        rc = build_item(l, &s->groups[0].items[0], NULL, seq, v->line);
        if (rc)
            return rc;
        ng = 1;
    }
    for (i = 0; i < v->n; i++) {
        if (v->kids[i]->type != SY_MAP)
            continue;
        rc = build_group_map(l, &s->groups[ng++], v->kids[i]);
        if (rc)
            return rc;
    }
    return SH_OK;
}

/* Selections + condition of a `detection` or `filter` mapping. */
static int build_detection(struct ld *l, const struct sy_node *det, struct sg_sel **sels_out,
                           size_t *nsel_out, struct sg_cond **cond_out)
{
    const struct sy_node *cond = NULL;
    struct sg_sel *sels;
    size_t i, nsel = 0;
    int rc;

    if (!det || det->type != SY_MAP)
        return lerr(l, det ? det->line : 0, "'detection' must be a mapping");
    for (i = 0; i + 1 < det->n; i += 2) {
        const struct sy_node *k = det->kids[i];
        if (k->type != SY_SCALAR)
            return lerr(l, k->line, "detection keys must be names");
        if (strcmp(k->s, "condition") == 0)
            cond = det->kids[i + 1];
        else if (strcmp(k->s, "timeframe") != 0 && strcmp(k->s, "rules") != 0)
            nsel++;
    }
    if (!cond)
        return lerr(l, det->line, "detection has no condition");
    if (nsel > SG_MAX_SELECTIONS)
        return lerr(l, det->line, "more than %d search identifiers", SG_MAX_SELECTIONS);
    sels = sh_arena_alloc(&l->set->arena, (nsel ? nsel : 1) * sizeof(*sels));
    if (!sels)
        return SH_ENOMEM;
    nsel = 0;
    for (i = 0; i + 1 < det->n; i += 2) {
        const struct sy_node *k = det->kids[i];
        if (strcmp(k->s, "condition") == 0 || strcmp(k->s, "timeframe") == 0 ||
            strcmp(k->s, "rules") == 0)
            continue;
        rc = build_sel(l, &sels[nsel++], k->s, det->kids[i + 1]);
        if (rc)
            return rc;
    }
    if (cond->type == SY_SCALAR) {
        rc = sh_sigma__cond_parse(&l->set->arena, cond->s, sels, nsel, cond_out, l->err,
                                  sizeof(l->err));
        if (rc) {
            l->err_line = cond->line;
            return rc == SH_ENOMEM ? rc : SH_ERULE;
        }
    } else if (cond->type == SY_SEQ && cond->n > 0 && cond->n <= 64) {
        /* a list of conditions: any of them */
        struct sg_cond *c = sh_arena_alloc(&l->set->arena, sizeof(*c));
        if (!c)
            return SH_ENOMEM;
        c->op = SG_C_OR;
        c->kids = sh_arena_alloc(&l->set->arena, cond->n * sizeof(*c->kids));
        if (!c->kids)
            return SH_ENOMEM;
        for (i = 0; i < cond->n; i++) {
            if (cond->kids[i]->type != SY_SCALAR)
                return lerr(l, cond->kids[i]->line, "condition must be a string");
            rc = sh_sigma__cond_parse(&l->set->arena, cond->kids[i]->s, sels, nsel,
                                      &c->kids[c->n++], l->err, sizeof(l->err));
            if (rc) {
                l->err_line = cond->kids[i]->line;
                return rc == SH_ENOMEM ? rc : SH_ERULE;
            }
        }
        *cond_out = c;
    } else {
        return lerr(l, cond->line, "condition must be a string or a list of strings");
    }
    *sels_out = sels;
    *nsel_out = nsel;
    return SH_OK;
}

static int parse_timespan(const char *s, int64_t *ms)
{
    size_t n = strlen(s);
    uint64_t v;
    int64_t mul;

    if (n < 2)
        return SH_ERULE;
    switch (s[n - 1]) {
    case 's': mul = 1000; break;
    case 'm': mul = 60000; break;
    case 'h': mul = 3600000; break;
    case 'd': mul = 86400000; break;
    case 'w': mul = 7 * 86400000LL; break;
    case 'M': mul = 30 * 86400000LL; break;
    case 'y': mul = 365 * 86400000LL; break;
    default: return SH_ERULE;
    }
    if (!sh_str_to_u64(s, n - 1, 100000, &v) || v == 0)
        return SH_ERULE;
    *ms = (int64_t)v * mul;
    return SH_OK;
}

static int build_corr(struct ld *l, struct sg_rule *r, const struct sy_node *c)
{
    struct sg_corr *k;
    const struct sy_node *t, *cond, *ts, *gen;
    int rc;

    if (c->type != SY_MAP)
        return lerr(l, c->line, "'correlation' must be a mapping");
    k = sh_arena_alloc(&l->set->arena, sizeof(*k));
    if (!k)
        return SH_ENOMEM;
    r->corr = k;
    t = sh_sigma__yaml_get(c, "type");
    if (!t || t->type != SY_SCALAR)
        return lerr(l, c->line, "correlation has no type");
    if (strcmp(t->s, "event_count") == 0)
        k->type = SG_CORR_EVENT_COUNT;
    else if (strcmp(t->s, "value_count") == 0)
        k->type = SG_CORR_VALUE_COUNT;
    else if (strcmp(t->s, "temporal") == 0)
        k->type = SG_CORR_TEMPORAL;
    else if (strcmp(t->s, "temporal_ordered") == 0)
        k->type = SG_CORR_TEMPORAL_ORDERED;
    else if (strcmp(t->s, "x-salthunt-gap") == 0)
        k->type = SG_CORR_GAP;
    else if (strcmp(t->s, "x-salthunt-absence") == 0)
        k->type = SG_CORR_ABSENCE;
    else
        return lerr(l, t->line, "unsupported correlation type '%.60s'", t->s);
    rc = str_list(l, sh_sigma__yaml_get(c, "rules"), &k->refs, &k->nrefs, "rules");
    if (rc)
        return rc;
    if (k->nrefs == 0 && k->type != SG_CORR_GAP)
        return lerr(l, c->line, "correlation names no rules");
    if (k->nrefs > SG_MAX_CORR_RULES)
        return lerr(l, c->line, "correlation names more than %d rules", SG_MAX_CORR_RULES);
    k->ridx = sh_arena_alloc(&l->set->arena, (k->nrefs ? k->nrefs : 1) * sizeof(int));
    if (!k->ridx)
        return SH_ENOMEM;
    rc = str_list(l, sh_sigma__yaml_get(c, "group-by"), &k->group_by, &k->ngb, "group-by");
    if (rc)
        return rc;
    if (k->ngb > SG_MAX_GROUP_BY)
        return lerr(l, c->line, "more than %d group-by fields", SG_MAX_GROUP_BY);
    ts = sh_sigma__yaml_get(c, "timespan");
    if (!ts)
        ts = sh_sigma__yaml_get(c, "timeframe");
    if (!ts || ts->type != SY_SCALAR || parse_timespan(ts->s, &k->timespan_ms))
        return lerr(l, ts ? ts->line : c->line, "correlation needs a timespan like 5m, 1h or 1d");
    gen = sh_sigma__yaml_get(c, "generate"); /* a top-level `generate` is read by the caller */
    k->generate = gen && gen->type == SY_SCALAR && strcmp(gen->s, "true") == 0;
    cond = sh_sigma__yaml_get(c, "condition");
    if (cond) {
        size_t i;
        if (cond->type != SY_MAP)
            return lerr(l, cond->line, "correlation condition must be a mapping");
        for (i = 0; i + 1 < cond->n; i += 2) {
            const char *op = cond->kids[i]->s;
            const struct sy_node *v = cond->kids[i + 1];
            if (!v)
                return lerr(l, cond->line, "correlation condition is incomplete");
            if (strcmp(op, "field") == 0) {
                k->cfield = dup_scalar(l, v);
                if (!k->cfield)
                    return lerr(l, v->line, "condition field must be a name");
                continue;
            }
            if (v->type != SY_SCALAR)
                return lerr(l, v->line, "condition value must be a number");
            if (strcmp(op, "gt") == 0)
                k->cop = SG_GT;
            else if (strcmp(op, "gte") == 0)
                k->cop = SG_GTE;
            else if (strcmp(op, "lt") == 0)
                k->cop = SG_LT;
            else if (strcmp(op, "lte") == 0)
                k->cop = SG_LTE;
            else if (strcmp(op, "eq") == 0)
                k->cop = SG_EQ;
            else
                return lerr(l, cond->kids[i]->line, "unsupported condition operator '%.40s'", op);
            {
                uint64_t n;
                if (!sh_str_to_u64(v->s, v->len, 1000000000, &n))
                    return lerr(l, v->line, "condition value must be a whole number");
                k->cval = (double)n;
            }
            k->has_cond = true;
        }
    }
    if ((k->type == SG_CORR_EVENT_COUNT || k->type == SG_CORR_VALUE_COUNT) && !k->has_cond)
        return lerr(l, c->line, "%s correlation needs a condition", t->s);
    if (k->type == SG_CORR_VALUE_COUNT && !k->cfield) {
        const struct sy_node *f = sh_sigma__yaml_get(c, "field");
        k->cfield = dup_scalar(l, f);
        if (!k->cfield)
            return lerr(l, c->line, "value_count correlation needs a condition field");
    }
    if (k->cfield) {
        char *m = sh_arena_strdup(&l->set->arena, sh_sigma__field_map(k->cfield));
        if (!m)
            return SH_ENOMEM;
        k->cfield = m;
    }
    {
        const struct sy_node *ab = sh_sigma__yaml_get(c, "x-salthunt-absent");
        if (k->type == SG_CORR_ABSENCE) {
            k->absent_ref = dup_scalar(l, ab);
            if (!k->absent_ref)
                return lerr(l, c->line, "x-salthunt-absence needs x-salthunt-absent: <rule>");
        }
    }
    {
        const struct sy_node *al = sh_sigma__yaml_get(c, "aliases");
        size_t i, j;
        if (al && al->type == SY_MAP) {
            k->naliases = al->n / 2;
            k->aliases = sh_arena_alloc(&l->set->arena, (k->naliases + 1) * sizeof(*k->aliases));
            if (!k->aliases)
                return SH_ENOMEM;
            for (i = 0; i < k->naliases; i++) {
                struct sg_alias *a = &k->aliases[i];
                const struct sy_node *m = al->kids[2 * i + 1];
                a->name = dup_scalar(l, al->kids[2 * i]);
                if (!a->name || m->type != SY_MAP)
                    return lerr(l, m->line, "an alias maps rule names to field names");
                a->n = m->n / 2;
                a->rule_ref = sh_arena_alloc(&l->set->arena, (a->n + 1) * sizeof(char *));
                a->field = sh_arena_alloc(&l->set->arena, (a->n + 1) * sizeof(char *));
                if (!a->rule_ref || !a->field)
                    return SH_ENOMEM;
                for (j = 0; j < a->n; j++) {
                    a->rule_ref[j] = dup_scalar(l, m->kids[2 * j]);
                    a->field[j] = dup_scalar(l, m->kids[2 * j + 1]);
                    if (!a->rule_ref[j] || !a->field[j])
                        return lerr(l, m->line, "alias entries must be strings");
                    a->field[j] = sh_arena_strdup(&l->set->arena, sh_sigma__field_map(a->field[j]));
                    if (!a->field[j])
                        return SH_ENOMEM;
                }
            }
        }
    }
    {
        size_t i;
        for (i = 0; i < k->ngb; i++) {
            bool aliased = false;
            size_t j;
            for (j = 0; j < k->naliases; j++)
                aliased |= strcmp(k->aliases[j].name, k->group_by[i]) == 0;
            if (!aliased) {
                k->group_by[i] =
                    sh_arena_strdup(&l->set->arena, sh_sigma__field_map(k->group_by[i]));
                if (!k->group_by[i])
                    return SH_ENOMEM;
            }
        }
    }
    return SH_OK;
}

static sh_severity level_sev(const char *level)
{
    if (!level)
        return SH_SEV_MEDIUM;
    if (strcmp(level, "informational") == 0)
        return SH_SEV_INFO;
    if (strcmp(level, "low") == 0)
        return SH_SEV_LOW;
    if (strcmp(level, "high") == 0)
        return SH_SEV_HIGH;
    if (strcmp(level, "critical") == 0)
        return SH_SEV_CRITICAL;
    return SH_SEV_MEDIUM;
}

static int load_doc(struct ld *l, const struct sy_node *doc)
{
    struct sh_sigma_set *set = l->set;
    const struct sy_node *det, *flt, *cor, *ls, *title, *n;
    int rc;

    if (doc->type != SY_MAP)
        return lerr(l, doc->line, "a rule document must be a mapping");
    if ((n = sh_sigma__yaml_get(doc, "action")) && n->type == SY_SCALAR)
        return lerr(l, n->line, "'action: %.40s' collections (Sigma v1) are not supported", n->s);
    det = sh_sigma__yaml_get(doc, "detection");
    flt = sh_sigma__yaml_get(doc, "filter");
    cor = sh_sigma__yaml_get(doc, "correlation");
    title = sh_sigma__yaml_get(doc, "title");
    if (set->skip_foreign && !det && !flt && !cor && !sh_sigma__yaml_get(doc, "logsource"))
        return SH_OK;
    if (!title || title->type != SY_SCALAR || !title->len)
        return lerr(l, doc->line, "rule has no title");
    if (!!det + !!flt + !!cor != 1)
        return lerr(l, doc->line,
                    "a rule needs exactly one of 'detection', 'filter' or 'correlation'");
    if (set->rules.n + set->filters.n >= SG_MAX_RULES)
        return lerr(l, doc->line, "more than %d rules", SG_MAX_RULES);
    ls = sh_sigma__yaml_get(doc, "logsource");
    if (flt) {
        struct sg_filter *f = sh_arena_alloc(&set->arena, sizeof(*f));
        if (!f)
            return SH_ENOMEM;
        f->id = dup_scalar(l, sh_sigma__yaml_get(doc, "id"));
        f->title = dup_scalar(l, title);
        f->source = sh_arena_strdup(&set->arena, l->source);
        f->line = doc->line;
        if (flt->type != SY_MAP)
            return lerr(l, flt->line, "'filter' must be a mapping");
        rc = str_list(l, sh_sigma__yaml_get(flt, "rules"), &f->targets, &f->ntargets, "rules");
        if (rc)
            return rc;
        if (f->ntargets == 0)
            return lerr(l, flt->line, "filter names no rules");
        rc = build_detection(l, flt, &f->sels, &f->nsel, &f->cond);
        if (rc)
            return rc;
        return sh_ptrvec_push(&set->filters, f);
    }
    {
        struct sg_rule *r = sh_arena_alloc(&set->arena, sizeof(*r));
        if (!r)
            return SH_ENOMEM;
        r->title = dup_scalar(l, title);
        r->id = dup_scalar(l, sh_sigma__yaml_get(doc, "id"));
        r->name = dup_scalar(l, sh_sigma__yaml_get(doc, "name"));
        r->description = dup_scalar(l, sh_sigma__yaml_get(doc, "description"));
        r->status = dup_scalar(l, sh_sigma__yaml_get(doc, "status"));
        r->level = dup_scalar(l, sh_sigma__yaml_get(doc, "level"));
        r->severity = level_sev(r->level);
        r->source = sh_arena_strdup(&set->arena, l->source);
        r->line = doc->line;
        if (!r->title || !r->source)
            return SH_ENOMEM;
        if ((rc = str_list(l, sh_sigma__yaml_get(doc, "tags"), &r->tags, &r->ntags, "tags")) ||
            (rc = str_list(l, sh_sigma__yaml_get(doc, "references"), &r->refs, &r->nrefs,
                           "references")) ||
            (rc = str_list(l, sh_sigma__yaml_get(doc, "falsepositives"), &r->falsepos,
                           &r->nfalsepos, "falsepositives")) ||
            (rc = str_list(l, sh_sigma__yaml_get(doc, "fields"), &r->fields, &r->nfields,
                           "fields")) ||
            (rc = str_list(l, sh_sigma__yaml_get(doc, "x-salthunt-requires"), &r->requires,
                           &r->nrequires, "x-salthunt-requires")))
            return rc;
        n = sh_sigma__yaml_get(doc, "x-salthunt-report");
        r->no_report = n && n->type == SY_SCALAR && strcmp(n->s, "false") == 0;
        if (ls && ls->type == SY_MAP) {
            r->product = dup_scalar(l, sh_sigma__yaml_get(ls, "product"));
            r->service = dup_scalar(l, sh_sigma__yaml_get(ls, "service"));
            r->category = dup_scalar(l, sh_sigma__yaml_get(ls, "category"));
        } else if (ls) {
            return lerr(l, ls->line, "'logsource' must be a mapping");
        }
        if (cor) {
            rc = build_corr(l, r, cor);
            if (rc)
                return rc;
            if (!r->corr->generate) {
                const struct sy_node *g = sh_sigma__yaml_get(doc, "generate");
                r->corr->generate = g && g->type == SY_SCALAR && strcmp(g->s, "true") == 0;
            }
            r->applicable = true;
        } else {
            rc = build_detection(l, det, &r->sels, &r->nsel, &r->cond);
            if (rc)
                return rc;
            r->applicable = logsource_applies(r->product, r->service, r->category);
        }
        r->index = (int)set->rules.n;
        return sh_ptrvec_push(&set->rules, r);
    }
}

int sh_sigma_load_buf(sh_sigma_set *set, const char *buf, size_t len, const char *source,
                      sh_diag *diag)
{
    struct sy_node **docs = NULL;
    size_t ndocs = 0, i;
    struct ld l;
    int rc, worst = SH_OK;
    sh_diag yd;

    SH_ASSERT_ARG(set && buf);
    if (set->compiled)
        return sh_diag_set(diag, SH_EINVAL, source, 0, "rule set already compiled");
    memset(&l, 0, sizeof(l));
    l.set = set;
    l.source = source ? source : "<memory>";
    sh_diag_clear(&yd);
    rc = sh_sigma__yaml_load(&set->arena, buf, len, l.source, &docs, &ndocs, &yd);
    if (rc) {
        sh_sigma__report(set, rc, yd.source, yd.line, "%s", yd.text);
        if (diag)
            *diag = yd;
        return rc == SH_ENOMEM ? rc : SH_ERULE;
    }
    for (i = 0; i < ndocs; i++) {
        l.err[0] = '\0';
        l.err_line = 0;
        rc = load_doc(&l, docs[i]);
        if (rc == SH_ENOMEM)
            return sh_diag_set(diag, rc, l.source, docs[i]->line, "out of memory");
        if (rc) {
            uint32_t line = l.err_line ? l.err_line : docs[i]->line;
            const char *t = sh_sigma__yaml_get(docs[i], "title")
                                ? sh_sigma__yaml_get(docs[i], "title")->s
                                : NULL;
            sh_sigma__report(set, SH_ERULE, l.source, line, "%s%s%.60s%s",
                             l.err[0] ? l.err : sh_status_str(rc), t ? " (rule '" : "", t ? t : "",
                             t ? "')" : "");
            if (!worst)
                sh_diag_set(diag, SH_ERULE, l.source, line, "%s",
                            l.err[0] ? l.err : sh_status_str(rc));
            worst = SH_ERULE;
        }
    }
    return worst;
}

static bool is_rule_file(const char *name)
{
    size_t n = strlen(name);
    return (n > 4 && strcmp(name + n - 4, ".yml") == 0) ||
           (n > 5 && strcmp(name + n - 5, ".yaml") == 0);
}

static int load_file(sh_sigma_set *set, const char *path, sh_diag *diag)
{
    char *buf = NULL;
    size_t len = 0;
    sh_diag d;
    int rc;

    sh_diag_clear(&d);
    rc = sh_file_read(&buf, &len, path, MAX_RULE_FILE, &d);
    if (rc) {
        sh_sigma__report(set, rc, path, 0, "%s", d.text);
        if (diag)
            *diag = d;
        return rc;
    }
    rc = sh_sigma_load_buf(set, buf, len, path, diag);
    sh_free(buf);
    return rc;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk(sh_sigma_set *set, const char *path, int depth, sh_diag *diag)
{
    struct stat st;
    struct sh_ptrvec names = {0};
    struct dirent *de;
    DIR *dir;
    size_t i;
    int rc, worst = SH_OK;

    if (stat(path, &st) != 0) {
        sh_sigma__report(set, SH_EIO, path, 0, "cannot read rule path");
        return sh_diag_set(diag, SH_EIO, path, 0, "cannot read rule path");
    }
    if (!S_ISDIR(st.st_mode))
        return load_file(set, path, diag);
    if (depth >= MAX_WALK_DEPTH)
        return SH_OK;
    dir = opendir(path);
    if (!dir) {
        sh_sigma__report(set, SH_EIO, path, 0, "cannot open rule folder");
        return sh_diag_set(diag, SH_EIO, path, 0, "cannot open rule folder");
    }
    while ((de = readdir(dir)) != NULL) {
        char *nm;
        if (de->d_name[0] == '.' || strcmp(de->d_name, "tests") == 0 ||
            strcmp(de->d_name, "regression_data") == 0)
            continue;
        nm = sh_strdup(de->d_name);
        if (!nm || sh_ptrvec_push(&names, nm)) {
            sh_free(nm);
            worst = SH_ENOMEM;
            break;
        }
    }
    closedir(dir);
    if (names.n > 1)
        qsort(names.v, names.n, sizeof(void *), cmp_name);
    for (i = 0; i < names.n && worst != SH_ENOMEM; i++) {
        const char *nm = names.v[i];
        char *child = sh_strdup_printf("%s/%s", path, nm);
        struct stat cst;

        if (!child) {
            worst = SH_ENOMEM;
            break;
        }
        if (stat(child, &cst) == 0 && (S_ISDIR(cst.st_mode) || is_rule_file(nm))) {
            rc = S_ISDIR(cst.st_mode) ? walk(set, child, depth + 1, worst ? NULL : diag)
                                      : load_file(set, child, worst ? NULL : diag);
            if (rc && !worst)
                worst = rc;
        }
        sh_free(child);
    }
    for (i = 0; i < names.n; i++)
        sh_free(names.v[i]);
    sh_ptrvec_free(&names);
    return worst;
}

int sh_sigma_load_path(sh_sigma_set *set, const char *path, sh_diag *diag)
{
    SH_ASSERT_ARG(set && path);
    return walk(set, path, 0, diag);
}

struct builtin_ud {
    sh_sigma_set *set;
    sh_diag *diag;
    int worst;
};

static int load_embedded(const struct sh_embedded *e, void *ud)
{
    struct builtin_ud *b = ud;
    char src[SH_DIAG_SOURCE];
    int rc;

    if (strstr(e->name, "/tests/") || !is_rule_file(e->name))
        return SH_OK;
    snprintf(src, sizeof(src), "<builtin:%s>", e->name);
    rc = sh_sigma_load_buf(b->set, (const char *)e->data, e->len, src, b->worst ? NULL : b->diag);
    if (rc && !b->worst)
        b->worst = rc;
    return rc == SH_ENOMEM ? rc : SH_OK;
}

int sh_sigma_load_builtin(sh_sigma_set *set, sh_diag *diag)
{
    struct builtin_ud b = {set, diag, SH_OK};
    int rc;

    SH_ASSERT_ARG(set);
    rc = sh_embed_each("rules/logs/", load_embedded, &b);
    return rc ? rc : b.worst;
}

/* ---- compile ---- */

static int find_rule(const sh_sigma_set *set, const char *ref)
{
    size_t i;

    for (i = 0; i < set->rules.n; i++) {
        const struct sg_rule *r = set->rules.v[i];
        if ((r->id && strcmp(r->id, ref) == 0) || (r->name && strcmp(r->name, ref) == 0))
            return (int)i;
    }
    return -1;
}

static int add_keep(sh_sigma_set *set, struct sg_rule *r, const char *field)
{
    size_t i;
    char **nk;

    for (i = 0; i < r->nkeep; i++)
        if (strcmp(r->keep[i], field) == 0)
            return SH_OK;
    nk = sh_arena_alloc(&set->arena, (r->nkeep + 1) * sizeof(*nk));
    if (!nk)
        return SH_ENOMEM;
    if (r->nkeep)
        memcpy(nk, r->keep, r->nkeep * sizeof(*nk));
    nk[r->nkeep] = sh_arena_strdup(&set->arena, field);
    if (!nk[r->nkeep])
        return SH_ENOMEM;
    r->keep = nk;
    r->nkeep++;
    return SH_OK;
}

const char *sh_sigma__corr_field(const struct sg_corr *k, const struct sg_rule *r, const char *name)
{
    size_t i, j;

    for (i = 0; i < k->naliases; i++) {
        const struct sg_alias *a = &k->aliases[i];
        if (strcmp(a->name, name) != 0)
            continue;
        for (j = 0; j < a->n; j++)
            if ((r->id && strcmp(a->rule_ref[j], r->id) == 0) ||
                (r->name && strcmp(a->rule_ref[j], r->name) == 0))
                return a->field[j];
    }
    return name;
}

/* Where a kept match of absent-only rule `t` holds the value of each
 * group-by field of its correlation (see sg_rule.absent_gslot): the value
 * the correlation reads of a match is its host for the field "host", else
 * that of the kept field of that name. */
static int absent_slots(sh_sigma_set *set, struct sg_rule *t)
{
    const struct sg_corr *k = t->absent_for->corr;
    size_t g, i;

    t->absent_gslot = sh_arena_alloc(&set->arena, (k->ngb ? k->ngb : 1) * sizeof(int));
    if (!t->absent_gslot)
        return SH_ENOMEM;
    for (g = 0; g < k->ngb; g++) {
        const char *f = sh_sigma__corr_field(k, t, k->group_by[g]);
        t->absent_gslot[g] = -1;
        if (strcmp(f, "host") == 0) {
            t->absent_gslot[g] = 0;
            continue;
        }
        for (i = 0; i < t->nkeep && t->absent_gslot[g] < 0; i++)
            if (strcmp(t->keep[i], f) == 0)
                t->absent_gslot[g] = (int)i + 1;
    }
    return SH_OK;
}

/* Rules whose matches only one absence correlation reads, as its absent rule. */
static int mark_absent_only(sh_sigma_set *set)
{
    size_t i, j;

    for (i = 0; i < set->rules.n; i++) {
        struct sg_rule *t = set->rules.v[i];
        const struct sg_rule *only = NULL;
        bool other = false;
        t->absent_for = NULL;
        t->absent_gslot = NULL;
        for (j = 0; j < set->rules.n && !other; j++) {
            const struct sg_rule *c = set->rules.v[j];
            size_t k;
            if (!c->corr)
                continue;
            for (k = 0; k < c->corr->nrefs; k++)
                other |= c->corr->ridx[k] == t->index;
            if (c->corr->type == SG_CORR_ABSENCE && c->corr->nrefs &&
                c->corr->absent_idx == t->index) {
                other |= only != NULL || c->corr->timespan_ms <= 0;
                only = c;
            }
        }
        if (!other && only) {
            t->absent_for = only;
            if (absent_slots(set, t))
                return SH_ENOMEM;
        }
    }
    return SH_OK;
}

static int resolve_corr(sh_sigma_set *set, struct sg_rule *r)
{
    struct sg_corr *k = r->corr;
    size_t i, g;
    int rc;

    for (i = 0; i < k->nrefs; i++) {
        int idx = find_rule(set, k->refs[i]);
        struct sg_rule *t;
        if (idx < 0 || idx == r->index) {
            sh_sigma__report(set, SH_ERULE, r->source, r->line,
                             "correlation '%.60s' names unknown rule '%.60s'", r->title,
                             k->refs[i]);
            return SH_ERULE;
        }
        k->ridx[i] = idx;
        t = set->rules.v[idx];
        for (g = 0; g < k->ngb; g++) {
            rc = add_keep(set, t, sh_sigma__corr_field(k, t, k->group_by[g]));
            if (rc)
                return rc;
        }
        if (k->cfield && (rc = add_keep(set, t, sh_sigma__corr_field(k, t, k->cfield))))
            return rc;
    }
    if (k->type == SG_CORR_ABSENCE) {
        k->absent_idx = find_rule(set, k->absent_ref);
        if (k->absent_idx < 0) {
            sh_sigma__report(set, SH_ERULE, r->source, r->line,
                             "correlation '%.60s' names unknown rule '%.60s'", r->title,
                             k->absent_ref);
            return SH_ERULE;
        }
        for (g = 0; g < k->ngb; g++) {
            struct sg_rule *t = set->rules.v[k->absent_idx];
            rc = add_keep(set, t, sh_sigma__corr_field(k, t, k->group_by[g]));
            if (rc)
                return rc;
        }
    }
    return SH_OK;
}

/* Order correlations so that every correlation comes after those it reads. */
static int order_corrs(sh_sigma_set *set)
{
    size_t n = set->rules.n, done = 0, pass, i, j;
    uint8_t *placed;

    set->corr_order = sh_calloc(n ? n : 1, sizeof(int));
    placed = sh_calloc(n ? n : 1, 1);
    if (!set->corr_order || !placed) {
        sh_free(placed);
        return SH_ENOMEM;
    }
    for (i = 0; i < n; i++)
        if (!((struct sg_rule *)set->rules.v[i])->corr)
            placed[i] = 1;
    for (pass = 0; pass < n + 1; pass++) {
        bool progress = false;
        for (i = 0; i < n; i++) {
            struct sg_rule *r = set->rules.v[i];
            bool ready = true;
            if (placed[i])
                continue;
            /* a correlation whose references did not resolve has nrefs 0 and never runs */
            for (j = 0; j < r->corr->nrefs; j++)
                ready &= r->corr->ridx[j] >= 0 && placed[r->corr->ridx[j]];
            if (r->corr->type == SG_CORR_ABSENCE && r->corr->nrefs)
                ready &= r->corr->absent_idx >= 0 && placed[r->corr->absent_idx] != 0;
            if (ready) {
                placed[i] = 1;
                set->corr_order[done++] = (int)i;
                progress = true;
            }
        }
        if (!progress)
            break;
    }
    for (i = 0; i < n; i++) {
        struct sg_rule *r = set->rules.v[i];
        if (!placed[i]) {
            sh_sigma__report(set, SH_ERULE, r->source, r->line,
                             "correlation '%.60s' is part of a reference cycle", r->title);
            r->corr->nrefs = 0; /* never evaluated */
        }
    }
    set->ncorr = done;
    sh_free(placed);
    return SH_OK;
}

int sh_sigma_compile(sh_sigma_set *set, const struct sh_policy *policy, sh_diag *diag)
{
    size_t i, j, k;
    size_t errors_before;
    int rc;

    SH_ASSERT_ARG(set);
    if (set->compiled)
        return SH_OK;
    errors_before = set->n_errors;
    set->policy = policy;
    /* filters -> rules */
    for (i = 0; i < set->filters.n; i++) {
        struct sg_filter *f = set->filters.v[i];
        for (j = 0; j < f->ntargets; j++) {
            int idx = find_rule(set, f->targets[j]);
            struct sg_rule *r;
            struct sg_filter **nf;
            if (idx < 0) {
                sh_sigma__report(set, 0, f->source, f->line,
                                 "filter '%.60s' names rule '%.60s', which is not loaded", f->title,
                                 f->targets[j]);
                continue;
            }
            r = set->rules.v[idx];
            nf = sh_arena_alloc(&set->arena, (r->nfilters + 1) * sizeof(*nf));
            if (!nf)
                return SH_ENOMEM;
            if (r->nfilters)
                memcpy(nf, r->filters, r->nfilters * sizeof(*nf));
            nf[r->nfilters++] = f;
            r->filters = nf;
        }
    }
    /* correlations */
    for (i = 0; i < set->rules.n; i++) {
        struct sg_rule *r = set->rules.v[i];
        if (!r->corr)
            continue;
        rc = resolve_corr(set, r);
        if (rc == SH_ENOMEM)
            return rc;
        if (rc) {
            r->corr->nrefs = 0;
            r->corr->absent_idx = -1;
        }
    }
    rc = order_corrs(set);
    if (rc)
        return rc;
    /* Referenced rules generate findings of their own only when a
     * correlation reading them says so (Sigma's `generate`). */
    for (i = 0; i < set->rules.n; i++) {
        struct sg_rule *r = set->rules.v[i];
        if (!r->corr)
            continue;
        for (j = 0; j < r->corr->nrefs; j++) {
            ((struct sg_rule *)set->rules.v[r->corr->ridx[j]])->suppressed = true;
            ((struct sg_rule *)set->rules.v[r->corr->ridx[j]])->corr_input = true;
        }
        if (r->corr->type == SG_CORR_ABSENCE && r->corr->nrefs) {
            ((struct sg_rule *)set->rules.v[r->corr->absent_idx])->corr_input = true;
            ((struct sg_rule *)set->rules.v[r->corr->absent_idx])->suppressed = true;
        }
    }
    rc = mark_absent_only(set);
    if (rc)
        return rc;
    for (i = 0; i < set->rules.n; i++) {
        struct sg_rule *r = set->rules.v[i];
        if (!r->corr)
            continue;
        for (j = 0; j < r->corr->nrefs && r->corr->generate; j++)
            ((struct sg_rule *)set->rules.v[r->corr->ridx[j]])->suppressed = false;
        if (r->corr->generate && r->corr->type == SG_CORR_ABSENCE && r->corr->nrefs)
            ((struct sg_rule *)set->rules.v[r->corr->absent_idx])->suppressed = false;
    }
    for (i = 0; i < set->rules.n; i++) {
        struct sg_rule *r = set->rules.v[i];
        if (r->no_report)
            r->suppressed = true;
    }
    /* notes: fields no device log carries */
    for (i = 0; i < set->rules.n; i++) {
        struct sg_rule *r = set->rules.v[i];
        if (!r->applicable) {
            sh_sigma__report(set, 0, r->source, r->line,
                             "rule '%.60s' is for logsource %s%s%s%s%s, not device logs: "
                             "loaded but never matches",
                             r->title, r->product ? "product " : "", r->product ? r->product : "",
                             r->product && r->category ? ", " : "", r->category ? "category " : "",
                             r->category ? r->category : "");
            continue;
        }
        for (j = 0; j < r->nsel; j++)
            for (k = 0; k < r->sels[j].n; k++) {
                size_t m;
                for (m = 0; m < r->sels[j].groups[k].n; m++) {
                    const struct sg_item *it = &r->sels[j].groups[k].items[m];
                    if (it->mapped && !known_field(it->mapped))
                        sh_sigma__report(set, 0, r->source, r->line,
                                         "rule '%.60s': field '%.60s' is not a salthunt log "
                                         "field (only parsers that add it can match)",
                                         r->title, it->field);
                }
            }
    }
    rc = sh_sigma__mpm_build(set, diag);
    if (rc)
        return rc;
    set->compiled = true;
    if (set->n_errors > errors_before) {
        if (diag && !diag->code)
            sh_diag_set(diag, SH_ERULE, NULL, 0, "%zu rule errors", set->n_errors - errors_before);
        return SH_ERULE;
    }
    return SH_OK;
}

/* ---- listing ---- */

size_t sh_sigma_count(const sh_sigma_set *set)
{
    return set ? set->rules.n + set->filters.n : 0;
}

int sh_sigma_rule_get(const sh_sigma_set *set, size_t i, sh_sigma_rule_info *out)
{
    SH_ASSERT_ARG(set && out);
    memset(out, 0, sizeof(*out));
    if (i < set->rules.n) {
        const struct sg_rule *r = set->rules.v[i];
        out->id = r->id;
        out->name = r->name;
        out->title = r->title;
        out->kind = r->corr ? "correlation" : "detection";
        out->level = r->level;
        out->status = r->status;
        out->product = r->product;
        out->service = r->service;
        out->category = r->category;
        out->source = r->source;
        out->line = r->line;
        out->applicable = r->applicable;
        out->anchored = r->anchored;
        out->tags = (const char *const *)r->tags;
        out->n_tags = r->ntags;
        out->requires = (const char *const *)r->requires;
        out->n_requires = r->nrequires;
        return SH_OK;
    }
    i -= set->rules.n;
    if (i < set->filters.n) {
        const struct sg_filter *f = set->filters.v[i];
        out->id = f->id;
        out->title = f->title;
        out->kind = "filter";
        out->source = f->source;
        out->line = f->line;
        out->applicable = true;
        return SH_OK;
    }
    return SH_ENOTFOUND;
}
