/*
 * ruleset.c - load config rule files (docs/rules/config-rules.md) into a
 * compiled, immutable ruleset.
 *
 * Every problem is reported with file, line and column and loading goes
 * on (a pack author sees all mistakes in one run); a rule with any error
 * is dropped and the load fails with SH_ERULE at the end. Regexes are
 * interned: identical (regex, nocase) pairs across rules share one PCRE2
 * program and one Hyperscan pattern id.
 */
#include "../base/sh_base.h"

#include "rules.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>

#include "../base/embed.h"
#include "../base/yamltree.h"
#include "../match/mpm.h"
#include "../match/regex.h"

#define MAX_WALK_DEPTH 32

struct loader {
    sh_ruleset *rs;
    struct sh_strmap pat_index; /* "c:" / "i:" + regex -> index + 1 */
    struct sh_strmap ids;       /* rule id -> file (for duplicate reports) */
    struct sh_ptrvec rules;
    size_t pat_cap;
    size_t n_errors;
    sh_diag first;
    sh_diag_cb on_diag;
    void *ud;
    const char *source; /* arena copy of the current file name */
    bool rule_bad;      /* the rule being read had an error */
    bool fatal;         /* out of memory or a hard limit: stop */
};

static const char *const rule_keys[] = {
    "id",          "title",          "kind",
    "severity",    "attack",         "platforms",
    "references",  "section",        "match",
    "nocase",      "where",          "unless_doc",
    "require",     "forbid",         "absent",
    "when_doc",    "feature",        "message",
    "remediation", "without_policy", "severity_without_policy",
    "samples",
};

static const char *const cond_keys[] = {
    "not_in_policy", "in_policy", "port_regex", "port_range", "public", "ioc", "regex", "not_regex",
};

/* ---- error reporting ---- */

static void report(struct loader *L, const sh_diag *d)
{
    if (L->n_errors++ == 0)
        L->first = *d;
    if (L->on_diag)
        L->on_diag(d, L->ud);
    if (d->code == SH_ENOMEM)
        L->fatal = true;
}

static void err_at(struct loader *L, const struct sh_yaml_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void err_at(struct loader *L, const struct sh_yaml_node *n, const char *fmt, ...)
{
    char text[SH_DIAG_TEXT];
    sh_diag d;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    sh_yaml_diag(&d, SH_ERULE, L->source, n, "%s", text);
    L->rule_bad = true;
    report(L, &d);
}

static void oom(struct loader *L)
{
    sh_diag d;

    sh_diag_set(&d, SH_ENOMEM, L->source, 0, "out of memory");
    L->rule_bad = true;
    report(L, &d);
}

/* ---- scalar helpers ---- */

static const char *scalar(struct loader *L, const struct sh_yaml_node *n, const char *key,
                          size_t max)
{
    char *s;

    if (!n || n->type != SH_YAML_SCALAR) {
        err_at(L, n, "'%s' must be a string", key);
        return NULL;
    }
    if (strlen(n->str) != n->len) {
        err_at(L, n, "'%s' contains a NUL byte", key);
        return NULL;
    }
    if (n->len > max) {
        err_at(L, n, "'%s' is longer than %zu bytes", key, max);
        return NULL;
    }
    s = sh_arena_strndup(&L->rs->arena, n->str, n->len);
    if (!s)
        oom(L);
    return s;
}

static int boolean(struct loader *L, const struct sh_yaml_node *n, const char *key, bool *out)
{
    if (n && n->type == SH_YAML_SCALAR && n->plain) {
        if (!strcmp(n->str, "true") || !strcmp(n->str, "yes") || !strcmp(n->str, "True")) {
            *out = true;
            return 0;
        }
        if (!strcmp(n->str, "false") || !strcmp(n->str, "no") || !strcmp(n->str, "False")) {
            *out = false;
            return 0;
        }
    }
    err_at(L, n, "'%s' must be true or false", key);
    return -1;
}

static bool is_id(const char *s)
{
    size_t i, n = strlen(s);

    if (n == 0 || n > 80)
        return false;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              (i > 0 && (c == '-' || c == '.' || c == '_'))))
            return false;
    }
    return true;
}

/* A list of short strings (attack ids, references, platforms). */
static const char **str_list(struct loader *L, const struct sh_yaml_node *n, const char *key,
                             size_t *n_out)
{
    const char **v;
    size_t i;

    *n_out = 0;
    if (n->type != SH_YAML_SEQ) {
        err_at(L, n, "'%s' must be a list", key);
        return NULL;
    }
    if (n->n > SH_RULES_MAX_LIST) {
        err_at(L, n, "'%s' has more than %d entries", key, SH_RULES_MAX_LIST);
        return NULL;
    }
    if (n->n == 0)
        return NULL;
    v = sh_arena_alloc(&L->rs->arena, n->n * sizeof(*v));
    if (!v) {
        oom(L);
        return NULL;
    }
    for (i = 0; i < n->n; i++) {
        v[i] = scalar(L, n->kids[i], key, 256);
        if (!v[i])
            return NULL;
    }
    *n_out = n->n;
    return v;
}

/* ---- pattern interning ---- */

static int intern(struct loader *L, const struct sh_yaml_node *n, const char *key, bool nocase,
                  bool line_level)
{
    sh_ruleset *rs = L->rs;
    const char *expr = scalar(L, n, key, SH_RULES_MAX_REGEX);
    struct sh_regex *re = NULL;
    char *mapkey;
    void *hit;
    size_t idx, erroff = 0;
    sh_diag d;
    int rc;

    if (!expr)
        return -1;
    if (!*expr) {
        err_at(L, n, "'%s' is an empty regex", key);
        return -1;
    }
    mapkey = sh_strdup_printf("%c:%s", nocase ? 'i' : 'c', expr);
    if (!mapkey) {
        oom(L);
        return -1;
    }
    hit = sh_strmap_get(&L->pat_index, mapkey);
    if (hit) {
        idx = (size_t)(uintptr_t)hit - 1;
        if (line_level)
            rs->pats[idx].line_level = true;
        sh_free(mapkey);
        return (int)idx;
    }
    rc = sh_regex_compile(&re, expr, nocase, &erroff, &d);
    if (rc) {
        if (rc == SH_ENOMEM) {
            oom(L);
        } else {
            /* Point at the offending character when the source text is
             * the pattern byte for byte (plain, or single-quoted without
             * '' escapes, on one line). */
            struct sh_yaml_node at = *n;
            if (!strchr(expr, '\n') && erroff <= n->len &&
                (n->style == 'p' || (n->style == 's' && !strchr(expr, '\''))))
                at.column = n->column + (n->style == 's') + (uint32_t)erroff;
            err_at(L, &at, "'%s': %s", key, d.text);
        }
        sh_free(mapkey);
        return -1;
    }
    if (sh_regex_captures(re) > SH_RULES_MAX_CAPTURES) {
        err_at(L, n, "'%s' has more than %d capture groups", key, SH_RULES_MAX_CAPTURES);
        sh_regex_free(re);
        sh_free(mapkey);
        return -1;
    }
    if (rs->n_pats == L->pat_cap) {
        size_t cap = L->pat_cap ? L->pat_cap * 2 : 64;
        struct sh_rule_pattern *v = sh_realloc(rs->pats, cap * sizeof(*v));
        if (!v) {
            sh_regex_free(re);
            sh_free(mapkey);
            oom(L);
            return -1;
        }
        rs->pats = v;
        L->pat_cap = cap;
    }
    idx = rs->n_pats;
    memset(&rs->pats[idx], 0, sizeof(rs->pats[idx]));
    rs->pats[idx].expr = expr;
    rs->pats[idx].nocase = nocase;
    rs->pats[idx].line_level = line_level;
    rs->pats[idx].re = re;
    if (sh_strmap_put(&L->pat_index, mapkey, (void *)(uintptr_t)(idx + 1), NULL)) {
        sh_regex_free(re);
        sh_free(mapkey);
        oom(L);
        return -1;
    }
    rs->n_pats++;
    if (sh_regex_captures(re) > rs->max_groups)
        rs->max_groups = sh_regex_captures(re);
    sh_free(mapkey);
    return (int)idx;
}

/* ---- named captures and templates ---- */

struct cap_collect {
    struct loader *L;
    struct sh_rule *r;
    int level;
};

static void add_cap(const char *name, int num, void *ud)
{
    struct cap_collect *c = ud;
    struct sh_rule *r = c->r;
    size_t i;

    for (i = 0; i < r->n_caps; i++)
        if (strcmp(r->caps[i].name, name) == 0)
            return; /* the match pattern's group wins over a section's */
    if (r->n_caps >= SH_RULES_MAX_CAPTURES)
        return;
    r->caps[r->n_caps].name = sh_arena_strdup(&c->L->rs->arena, name);
    if (!r->caps[r->n_caps].name) {
        oom(c->L);
        return;
    }
    r->caps[r->n_caps].level = c->level;
    r->caps[r->n_caps].group = num;
    r->n_caps++;
}

static int find_cap(const struct sh_rule *r, const char *name, size_t len)
{
    size_t i;

    for (i = 0; i < r->n_caps; i++)
        if (strlen(r->caps[i].name) == len && memcmp(r->caps[i].name, name, len) == 0)
            return (int)i;
    return -1;
}

static bool is_ident(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static void check_template(struct loader *L, const struct sh_rule *r, const struct sh_yaml_node *n,
                           const char *t, const char *key)
{
    static const char *const builtins[] = {"device", "platform", "line", "section"};
    const char *p = t;

    while ((p = strchr(p, '{')) != NULL) {
        const char *q = p + 1;
        size_t len, i;
        bool known = false;

        while (is_ident(*q))
            q++;
        if (*q != '}' || q == p + 1) {
            p++;
            continue; /* not a placeholder: a literal brace */
        }
        len = (size_t)(q - p - 1);
        for (i = 0; i < SH_ARRAY_LEN(builtins); i++)
            if (strlen(builtins[i]) == len && memcmp(builtins[i], p + 1, len) == 0)
                known = true;
        if (!known && find_cap(r, p + 1, len) < 0)
            err_at(L, n, "'%s' names unknown capture '{%.*s}'", key, (int)len, p + 1);
        p = q + 1;
    }
}

/* ---- where ---- */

static void parse_where(struct loader *L, struct sh_rule *r, const struct sh_yaml_node *w)
{
    size_t i, j;

    if (w->type != SH_YAML_SEQ) {
        err_at(L, w, "'where' must be a list of conditions");
        return;
    }
    if (w->n > SH_RULES_MAX_CONDS) {
        err_at(L, w, "'where' has more than %d conditions", SH_RULES_MAX_CONDS);
        return;
    }
    for (i = 0; i < w->n; i++) {
        const struct sh_yaml_node *c = w->kids[i], *capn;
        struct sh_rule_cond *cond = &r->conds[r->n_conds];
        const char *capname;
        int found = -1;
        size_t which = 0;

        if (c->type != SH_YAML_MAP) {
            err_at(L, c, "a 'where' condition must be a mapping");
            continue;
        }
        for (j = 0; j + 1 < c->n; j += 2) {
            const struct sh_yaml_node *k = c->kids[j];
            size_t m;
            bool ok = k->type == SH_YAML_SCALAR && strcmp(k->str, "capture") == 0;
            for (m = 0; !ok && m < SH_ARRAY_LEN(cond_keys); m++) {
                if (k->type == SH_YAML_SCALAR && strcmp(k->str, cond_keys[m]) == 0) {
                    ok = true;
                    if (found >= 0) {
                        err_at(L, k, "one condition per 'where' entry ('%s' and '%s')",
                               cond_keys[found], cond_keys[m]);
                    } else {
                        found = (int)m;
                        which = j + 1;
                    }
                }
            }
            if (!ok)
                err_at(L, k,
                       "unknown condition '%.60s' (known: not_in_policy, in_policy, "
                       "port_regex, port_range, public, ioc, regex, not_regex)",
                       k->type == SH_YAML_SCALAR ? k->str : "?");
        }
        capn = sh_yaml_get(c, "capture");
        if (!capn) {
            err_at(L, c, "a 'where' condition needs 'capture'");
            continue;
        }
        if (found < 0) {
            err_at(L, c,
                   "a 'where' condition needs one of not_in_policy, in_policy, port_regex, "
                   "port_range, public, ioc, regex, not_regex");
            continue;
        }
        capname = scalar(L, capn, "capture", 64);
        if (!capname)
            continue;
        memset(cond, 0, sizeof(*cond));
        cond->cap = find_cap(r, capname, strlen(capname));
        if (cond->cap < 0) {
            err_at(L, capn, "capture '%s' is not a named group of the rule's regexes", capname);
            continue;
        }
        cond->type = (enum sh_cond_type)found;
        {
            const struct sh_yaml_node *v = c->kids[which];
            switch (cond->type) {
            case SH_COND_NOT_IN_POLICY:
            case SH_COND_IN_POLICY: {
                int k = v->type == SH_YAML_SCALAR ? sh_policy_key_parse(v->str) : -1;
                if (k < 0) {
                    err_at(L, v,
                           "'%s' must name a policy key (management_networks, aaa_servers, "
                           "syslog_servers, ntp_servers, snmp_managers, tunnel_peers, "
                           "local_users, file_servers, ssh_ports)",
                           cond_keys[found]);
                    continue;
                }
                cond->key = (enum sh_policy_key)k;
                break;
            }
            case SH_COND_PORT_REGEX:
            case SH_COND_REGEX:
            case SH_COND_NOT_REGEX: {
                const char *expr = scalar(L, v, cond_keys[found], SH_RULES_MAX_REGEX);
                sh_diag d;
                size_t off;
                int rc;
                if (!expr)
                    continue;
                rc = sh_regex_compile(&cond->re, expr, true, &off, &d);
                if (rc == SH_ENOMEM) {
                    oom(L);
                    continue;
                }
                if (rc) {
                    err_at(L, v, "'%s': %s", cond_keys[found], d.text);
                    continue;
                }
                break;
            }
            case SH_COND_PORT_RANGE: {
                uint64_t a, b;
                if (v->type != SH_YAML_SEQ || v->n != 2 || v->kids[0]->type != SH_YAML_SCALAR ||
                    v->kids[1]->type != SH_YAML_SCALAR ||
                    !sh_str_to_u64(v->kids[0]->str, v->kids[0]->len, 65535, &a) ||
                    !sh_str_to_u64(v->kids[1]->str, v->kids[1]->len, 65535, &b) || a > b) {
                    err_at(L, v, "'port_range' must be [low, high] with 0 <= low <= high <= 65535");
                    continue;
                }
                cond->lo = (uint32_t)a;
                cond->hi = (uint32_t)b;
                break;
            }
            case SH_COND_PUBLIC:
            case SH_COND_IOC:
                if (boolean(L, v, cond_keys[found], &cond->flag))
                    continue;
                break;
            }
        }
        r->n_conds++;
    }
}

/* ---- samples ---- */

static void parse_samples(struct loader *L, struct sh_rule *r, const struct sh_yaml_node *s,
                          enum sh_dialect default_platform)
{
    static const char *const sample_keys[] = {"platform", "policy", "expect", "config"};
    size_t total = 0, i, j, k, n_match = 0, n_nomatch = 0;
    int pass;

    if (s->type != SH_YAML_MAP) {
        err_at(L, s, "'samples' must be a mapping with 'match' and 'nomatch' lists");
        return;
    }
    for (i = 0; i + 1 < s->n; i += 2) {
        const struct sh_yaml_node *k0 = s->kids[i], *v = s->kids[i + 1];
        if (k0->type != SH_YAML_SCALAR ||
            (strcmp(k0->str, "match") != 0 && strcmp(k0->str, "nomatch") != 0)) {
            err_at(L, k0, "unknown key in 'samples' (known: match, nomatch)");
            continue;
        }
        if (v->type != SH_YAML_SEQ) {
            err_at(L, v, "'samples.%s' must be a list", k0->str);
            continue;
        }
        total += v->n;
    }
    if (total > SH_RULES_MAX_SAMPLES) {
        err_at(L, s, "more than %d samples", SH_RULES_MAX_SAMPLES);
        return;
    }
    r->samples = sh_arena_alloc(&L->rs->arena, (total ? total : 1) * sizeof(*r->samples));
    if (!r->samples) {
        oom(L);
        return;
    }
    for (pass = 0; pass < 2; pass++) {
        const struct sh_yaml_node *list = sh_yaml_get(s, pass == 0 ? "match" : "nomatch");
        if (!list || list->type != SH_YAML_SEQ)
            continue;
        for (j = 0; j < list->n; j++) {
            const struct sh_yaml_node *it = list->kids[j], *v;
            struct sh_rule_sample *sm = &r->samples[r->n_samples];

            if (it->type != SH_YAML_MAP) {
                err_at(L, it, "a sample must be a mapping with 'config'");
                continue;
            }
            for (i = 0; i + 1 < it->n; i += 2) {
                const struct sh_yaml_node *kk = it->kids[i];
                bool ok = false;
                for (k = 0; k < SH_ARRAY_LEN(sample_keys); k++)
                    if (kk->type == SH_YAML_SCALAR && strcmp(kk->str, sample_keys[k]) == 0)
                        ok = true;
                if (!ok)
                    err_at(L, kk,
                           "unknown sample key '%.60s' (known: platform, policy, expect, "
                           "config)",
                           kk->type == SH_YAML_SCALAR ? kk->str : "?");
            }
            memset(sm, 0, sizeof(*sm));
            sm->match = pass == 0;
            sm->line = it->line;
            sm->expect = -1;
            sm->platform = default_platform;
            v = sh_yaml_get(it, "config");
            if (!v) {
                err_at(L, it, "a sample needs 'config'");
                continue;
            }
            sm->config = scalar(L, v, "config", SH_RULES_MAX_FILE_BYTES);
            if (!sm->config)
                continue;
            if ((v = sh_yaml_get(it, "platform")) != NULL) {
                const char *p = scalar(L, v, "platform", 32);
                if (!p)
                    continue;
                sm->platform = sh_dialect_from_name(p);
                if (sm->platform == SH_DIALECT_UNKNOWN) {
                    err_at(L, v, "unknown platform '%s'", p);
                    continue;
                }
            }
            if ((v = sh_yaml_get(it, "expect")) != NULL) {
                uint64_t e;
                if (v->type != SH_YAML_SCALAR || !sh_str_to_u64(v->str, v->len, 100000, &e)) {
                    err_at(L, v, "'expect' must be a number of findings");
                    continue;
                }
                if (!sm->match) {
                    err_at(L, v, "'expect' belongs to match samples (nomatch means none)");
                    continue;
                }
                sm->expect = (long)e;
            }
            if ((v = sh_yaml_get(it, "policy")) != NULL) {
                sh_diag d;
                int rc = sh_policy__from_yaml(&sm->policy, v, L->source, &d);
                if (rc) {
                    L->rule_bad = true;
                    report(L, &d);
                    continue;
                }
                sm->has_policy = true;
            }
            r->n_samples++;
            if (sm->match)
                n_match++;
            else
                n_nomatch++;
        }
    }
    if (!n_match || !n_nomatch)
        err_at(L, s, "'samples' needs at least one 'match' and one 'nomatch' sample");
}

static void free_rule_owned(struct sh_rule *r)
{
    size_t i;

    for (i = 0; i < r->n_conds; i++)
        sh_regex_free(r->conds[i].re);
    for (i = 0; i < r->n_samples; i++)
        sh_policy_free(r->samples[i].policy);
    r->n_conds = 0;
    r->n_samples = 0;
}

/* ---- one rule ---- */

static int pattern_key(struct loader *L, const struct sh_yaml_node *root, const char *key,
                       bool nocase, bool line_level)
{
    const struct sh_yaml_node *n = sh_yaml_get(root, key);

    return n ? intern(L, n, key, nocase, line_level) : -1;
}

/* --rules folders may mix config rules and Sigma rules; a Sigma document
 * has a top-level detection, correlation or logsource key, which no config
 * rule has. */
static bool is_sigma(const char *buf, size_t len)
{
    static const char *const keys[] = {"detection:", "correlation:", "logsource:"};
    const char *p = buf, *e = buf + len;
    size_t k;

    while (p < e) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(e - p);
        for (k = 0; k < SH_ARRAY_LEN(keys); k++) {
            size_t kl = strlen(keys[k]);
            if (n >= kl && memcmp(p, keys[k], kl) == 0)
                return true;
        }
        p = nl ? nl + 1 : e;
    }
    return false;
}

static void parse_rule(struct loader *L, const struct sh_yaml_node *root)
{
    struct sh_rule *r;
    const struct sh_yaml_node *n;
    enum sh_dialect first_platform = SH_DIALECT_UNKNOWN;
    bool nocase = true;
    size_t i, k;

    L->rule_bad = false;
    if (!root) {
        err_at(L, root, "empty rule file");
        return;
    }
    if (root->type != SH_YAML_MAP) {
        err_at(L, root, "a rule file must hold one mapping");
        return;
    }
    r = sh_arena_alloc(&L->rs->arena, sizeof(*r));
    if (!r) {
        oom(L);
        return;
    }
    r->file = L->source;
    r->line = root->line;
    r->match = r->require = r->forbid = r->absent = r->when_doc = r->unless_doc = -1;
    r->platforms_text = "all";

    /* Unknown and repeated keys. */
    for (i = 0; i + 1 < root->n; i += 2) {
        const struct sh_yaml_node *kn = root->kids[i];
        bool known = false;
        if (kn->type != SH_YAML_SCALAR) {
            err_at(L, kn, "rule keys must be plain names");
            continue;
        }
        for (k = 0; k < SH_ARRAY_LEN(rule_keys); k++)
            if (strcmp(kn->str, rule_keys[k]) == 0)
                known = true;
        if (!known)
            err_at(L, kn, "unknown key '%.60s'", kn->str);
        for (k = 0; k < i; k += 2)
            if (root->kids[k]->type == SH_YAML_SCALAR && strcmp(root->kids[k]->str, kn->str) == 0)
                err_at(L, kn, "key '%.60s' given twice", kn->str);
    }

    if ((n = sh_yaml_get(root, "id")) == NULL) {
        err_at(L, root, "missing 'id'");
    } else if ((r->id = scalar(L, n, "id", 80)) != NULL && !is_id(r->id)) {
        err_at(L, n, "'id' may hold only letters, digits, '-', '.', '_'");
    } else if (r->id) {
        const char *prev = sh_strmap_get(&L->ids, r->id);
        if (prev)
            err_at(L, n, "duplicate rule id '%s' (also in %s)", r->id, prev);
    }
    if ((n = sh_yaml_get(root, "feature")) != NULL) {
        r->feature = scalar(L, n, "feature", 64);
        r->shape = SH_SHAPE_FEATURE;
        for (i = 0; r->feature && r->feature[i]; i++)
            if (!is_ident(r->feature[i]) || (r->feature[i] >= 'A' && r->feature[i] <= 'Z')) {
                err_at(L, n, "'feature' must be a lower-case name like http_server");
                break;
            }
    }
    if ((n = sh_yaml_get(root, "title")) != NULL)
        r->title = scalar(L, n, "title", SH_RULES_MAX_TEXT);
    else if (!r->feature)
        err_at(L, root, "missing 'title'");
    r->kind = SH_KIND_EXPOSURE;
    if ((n = sh_yaml_get(root, "kind")) != NULL) {
        if (n->type != SH_YAML_SCALAR || sh_kind_parse(&r->kind, n->str))
            err_at(L, n,
                   "'kind' must be one of ttp, ioc, exposure, hardening, drift, rarity, "
                   "coverage");
    } else if (!r->feature) {
        err_at(L, root, "missing 'kind'");
    }
    r->severity = SH_SEV_INFO;
    if ((n = sh_yaml_get(root, "severity")) != NULL) {
        if (n->type != SH_YAML_SCALAR || sh_severity_parse(&r->severity, n->str))
            err_at(L, n, "'severity' must be one of info, low, medium, high, critical");
        else if ((r->kind == SH_KIND_HARDENING || r->kind == SH_KIND_COVERAGE) &&
                 r->severity > SH_SEV_MEDIUM)
            err_at(L, n, "%s rules are never above medium severity", sh_kind_str(r->kind));
    } else if (!r->feature) {
        err_at(L, root, "missing 'severity'");
    }
    if ((n = sh_yaml_get(root, "severity_without_policy")) != NULL) {
        if (n->type != SH_YAML_SCALAR || sh_severity_parse(&r->severity_without_policy, n->str))
            err_at(L, n,
                   "'severity_without_policy' must be one of info, low, medium, high, "
                   "critical");
        else
            r->has_severity_without_policy = true;
    }
    if ((n = sh_yaml_get(root, "attack")) != NULL)
        r->attack = str_list(L, n, "attack", &r->n_attack);
    if ((n = sh_yaml_get(root, "references")) != NULL)
        r->refs = str_list(L, n, "references", &r->n_refs);
    if ((n = sh_yaml_get(root, "platforms")) != NULL) {
        size_t np = 0;
        const char **pv = str_list(L, n, "platforms", &np);
        struct sh_buf b;
        sh_buf_init(&b, 1024);
        for (i = 0; pv && i < np; i++) {
            enum sh_dialect d = sh_dialect_from_name(pv[i]);
            if (d == SH_DIALECT_UNKNOWN) {
                err_at(L, n->kids[i], "unknown platform '%s'", pv[i]);
                continue;
            }
            if (i == 0)
                first_platform = d;
            r->platforms |= 1u << d;
            if (sh_buf_printf(&b, "%s%s", b.len ? "," : "", pv[i]))
                oom(L);
        }
        if (b.len) {
            r->platforms_text = sh_arena_strdup(&L->rs->arena, b.ptr);
            if (!r->platforms_text)
                oom(L);
        } else if (n->type == SH_YAML_SEQ && n->n == 0) {
            err_at(L, n, "'platforms' is empty (leave it out to mean every platform)");
        }
        sh_buf_free(&b);
    }
    if ((n = sh_yaml_get(root, "nocase")) != NULL)
        (void)boolean(L, n, "nocase", &nocase);

    /* Patterns. */
    if ((n = sh_yaml_get(root, "section")) != NULL) {
        if (n->type == SH_YAML_SEQ) {
            if (n->n == 0 || n->n > SH_RULES_MAX_LEVELS)
                err_at(L, n, "'section' must list 1 to %d levels", SH_RULES_MAX_LEVELS);
            for (i = 0; i < n->n && i < SH_RULES_MAX_LEVELS; i++)
                r->sections[r->n_sections++] = intern(L, n->kids[i], "section", nocase, true);
        } else {
            r->sections[r->n_sections++] = intern(L, n, "section", nocase, true);
        }
    }
    r->match = pattern_key(L, root, "match", nocase, true);
    r->require = pattern_key(L, root, "require", nocase, true);
    r->forbid = pattern_key(L, root, "forbid", nocase, true);
    r->absent = pattern_key(L, root, "absent", nocase, true);
    r->when_doc = pattern_key(L, root, "when_doc", nocase, false);
    r->unless_doc = pattern_key(L, root, "unless_doc", nocase, false);

    /* Shape. */
    {
        bool has_match = sh_yaml_get(root, "match") != NULL;
        bool has_req = sh_yaml_get(root, "require") != NULL;
        bool has_forbid = sh_yaml_get(root, "forbid") != NULL;
        bool has_absent = sh_yaml_get(root, "absent") != NULL;
        bool has_section = sh_yaml_get(root, "section") != NULL;

        if (r->feature) {
            if (!has_match)
                err_at(L, root, "a feature rule needs 'match'");
            if (has_req || has_forbid || has_absent)
                err_at(L, root,
                       "a feature rule takes 'match' (and 'section'), not "
                       "require/forbid/absent");
            if (sh_yaml_get(root, "where") || sh_yaml_get(root, "message"))
                err_at(L, root, "a feature rule has no 'where' or 'message'");
        } else if (has_absent) {
            r->shape = SH_SHAPE_DOCUMENT;
            if (has_match || has_req || has_forbid || has_section)
                err_at(L, root, "a document rule ('absent') takes no match/section/require/forbid");
        } else if (has_req || has_forbid) {
            r->shape = SH_SHAPE_SECTION;
            if (has_req && has_forbid)
                err_at(L, root, "use either 'require' or 'forbid', not both");
            if (!has_section)
                err_at(L, root, "a section rule ('require'/'forbid') needs 'section'");
            if (has_match)
                err_at(L, root, "a section rule takes no 'match'");
        } else if (has_match) {
            r->shape = SH_SHAPE_LINE;
        } else {
            err_at(L, root,
                   "a rule needs one of 'match', 'require'/'forbid' with 'section', "
                   "'absent', or 'feature' with 'match'");
        }
    }

    /* Named captures: the match pattern first, then section levels. */
    if (!L->rule_bad) {
        struct cap_collect cc = {L, r, -1};
        if (r->match >= 0)
            sh_regex_each_name(L->rs->pats[r->match].re, add_cap, &cc);
        for (i = 0; i < r->n_sections; i++) {
            cc.level = (int)i;
            sh_regex_each_name(L->rs->pats[r->sections[i]].re, add_cap, &cc);
        }
    }
    if ((n = sh_yaml_get(root, "where")) != NULL && !L->rule_bad) {
        if (r->shape == SH_SHAPE_DOCUMENT)
            err_at(L, n, "a document rule has no captures to test with 'where'");
        else
            parse_where(L, r, n);
    }

    if ((n = sh_yaml_get(root, "message")) != NULL) {
        r->message = scalar(L, n, "message", SH_RULES_MAX_TEXT);
        if (r->message)
            check_template(L, r, n, r->message, "message");
    } else if (!r->feature) {
        err_at(L, root, "missing 'message'");
    }
    if ((n = sh_yaml_get(root, "remediation")) != NULL) {
        if (n->type == SH_YAML_SCALAR) {
            r->remediation_default = scalar(L, n, "remediation", SH_RULES_MAX_TEXT);
            if (r->remediation_default)
                check_template(L, r, n, r->remediation_default, "remediation");
        } else if (n->type == SH_YAML_MAP) {
            for (i = 0; i + 1 < n->n; i += 2) {
                const struct sh_yaml_node *kn = n->kids[i], *vn = n->kids[i + 1];
                const char *text;
                enum sh_dialect d;
                if (kn->type != SH_YAML_SCALAR) {
                    err_at(L, kn, "remediation keys are platform names or 'default'");
                    continue;
                }
                text = scalar(L, vn, "remediation", SH_RULES_MAX_TEXT);
                if (!text)
                    continue;
                check_template(L, r, vn, text, "remediation");
                if (strcmp(kn->str, "default") == 0) {
                    r->remediation_default = text;
                    continue;
                }
                d = sh_dialect_from_name(kn->str);
                if (d == SH_DIALECT_UNKNOWN)
                    err_at(L, kn, "unknown platform '%.40s' in 'remediation'", kn->str);
                else
                    r->remediation[d] = text;
            }
        } else {
            err_at(L, n, "'remediation' must be a string or a mapping of platform to text");
        }
    }
    if ((n = sh_yaml_get(root, "without_policy")) != NULL) {
        if (n->type == SH_YAML_SCALAR && strcmp(n->str, "ioc_or_public") == 0)
            r->without_policy = SH_WP_IOC_OR_PUBLIC;
        else if (n->type == SH_YAML_SCALAR && strcmp(n->str, "fire") == 0)
            r->without_policy = SH_WP_FIRE;
        else if (n->type == SH_YAML_SCALAR && strcmp(n->str, "skip") == 0)
            r->without_policy = SH_WP_SKIP;
        else
            err_at(L, n, "'without_policy' must be fire, ioc_or_public or skip");
    }
    if ((n = sh_yaml_get(root, "samples")) != NULL)
        parse_samples(L, r, n, first_platform);
    else
        err_at(L, root, "missing 'samples' (at least one match and one nomatch sample)");

    if (L->rule_bad || !r->id) {
        free_rule_owned(r);
        return;
    }
    if (L->rules.n >= SH_RULES_MAX_RULES) {
        err_at(L, root, "more than %d rules", SH_RULES_MAX_RULES);
        free_rule_owned(r);
        L->fatal = true;
        return;
    }
    if (sh_strmap_put(&L->ids, r->id, (void *)(uintptr_t)L->source, NULL) ||
        sh_ptrvec_push(&L->rules, r)) {
        free_rule_owned(r);
        oom(L);
    }
}

static void load_buf(struct loader *L, const char *buf, size_t len, const char *source)
{
    struct sh_yaml *y = NULL;
    sh_diag d;
    int rc;

    L->source = sh_arena_strdup(&L->rs->arena, source);
    if (!L->source) {
        oom(L);
        return;
    }
    if (len > SH_RULES_MAX_FILE_BYTES) {
        sh_diag_set(&d, SH_ELIMIT, source, 0, "rule file larger than %zu bytes",
                    SH_RULES_MAX_FILE_BYTES);
        report(L, &d);
        return;
    }
    if (is_sigma(buf, len))
        return; /* a Sigma rule in a mixed folder: the log analyzer's */
    rc = sh_yaml_parse(&y, buf, len, NULL, source, &d);
    if (rc) {
        report(L, &d);
        return;
    }
    parse_rule(L, y->root);
    sh_yaml_free(y);
}

static void load_path(struct loader *L, const char *path)
{
    char *buf = NULL;
    size_t len = 0;
    sh_diag d;

    if (sh_file_read(&buf, &len, path, SH_RULES_MAX_FILE_BYTES, &d)) {
        report(L, &d);
        return;
    }
    load_buf(L, buf, len, path);
    sh_free(buf);
}

static bool is_rule_name(const char *name)
{
    size_t n = strlen(name);

    return name[0] != '.' && ((n > 4 && strcmp(name + n - 4, ".yml") == 0) ||
                              (n > 5 && strcmp(name + n - 5, ".yaml") == 0));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void collect(struct loader *L, struct sh_ptrvec *files, const char *path, int depth,
                    bool top)
{
    struct stat st;
    DIR *dir;
    struct dirent *de;
    sh_diag d;

    if ((top ? stat(path, &st) : lstat(path, &st)) != 0) {
        sh_diag_set(&d, SH_EIO, path, 0, "cannot open rule path: %s", strerror(errno));
        report(L, &d);
        return;
    }
    if (S_ISREG(st.st_mode)) {
        char *p;
        if (!top && !is_rule_name(strrchr(path, '/') ? strrchr(path, '/') + 1 : path))
            return;
        if (files->n >= SH_RULES_MAX_FILES) {
            sh_diag_set(&d, SH_ELIMIT, path, 0, "more than %d rule files", SH_RULES_MAX_FILES);
            report(L, &d);
            L->fatal = true;
            return;
        }
        p = sh_strdup(path);
        if (!p || sh_ptrvec_push(files, p)) {
            sh_free(p);
            oom(L);
        }
        return;
    }
    if (!S_ISDIR(st.st_mode) || depth > MAX_WALK_DEPTH)
        return;
    dir = opendir(path);
    if (!dir) {
        sh_diag_set(&d, SH_EIO, path, 0, "cannot open rule folder: %s", strerror(errno));
        report(L, &d);
        return;
    }
    while (!L->fatal && (de = readdir(dir)) != NULL) {
        char *child;
        if (de->d_name[0] == '.')
            continue;
        child =
            sh_strdup_printf("%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", de->d_name);
        if (!child) {
            oom(L);
            break;
        }
        collect(L, files, child, depth + 1, false);
        sh_free(child);
    }
    closedir(dir);
}

static int embedded_cb(const struct sh_embedded *e, void *ud)
{
    struct loader *L = ud;

    if (is_rule_name(strrchr(e->name, '/') ? strrchr(e->name, '/') + 1 : e->name))
        load_buf(L, (const char *)e->data, e->len, e->name);
    return L->fatal ? SH_ELIMIT : 0;
}

static int cmp_rule(const void *a, const void *b)
{
    const struct sh_rule *ra = *(const struct sh_rule *const *)a;
    const struct sh_rule *rb = *(const struct sh_rule *const *)b;

    return strcmp(ra->id, rb->id);
}

void sh_ruleset_free(sh_ruleset *rs)
{
    size_t i;

    if (!rs)
        return;
    for (i = 0; i < rs->n_rules; i++)
        free_rule_owned(rs->rules[i]);
    for (i = 0; i < rs->n_pats; i++)
        sh_regex_free(rs->pats[i].re);
    sh_free(rs->pats);
    sh_free(rs->rules);
    sh_mpm_free(rs->mpm);
    sh_arena_free(&rs->arena);
    sh_free(rs);
}

static int loader_begin(struct loader *L, sh_diag_cb on_diag, void *ud)
{
    memset(L, 0, sizeof(*L));
    L->on_diag = on_diag;
    L->ud = ud;
    L->rs = sh_calloc(1, sizeof(*L->rs));
    if (!L->rs)
        return SH_ENOMEM;
    sh_arena_init(&L->rs->arena, 0);
    return SH_OK;
}

/*
 * Whole-buffer anchors and inline changes of the s/m/x options mean
 * something else over the joined document than over one line: such
 * patterns stay out of the prefilter and are tried on every line.
 */
static bool line_local(const char *e)
{
    const char *p;

    if (strstr(e, "\\A") || strstr(e, "\\Z") || strstr(e, "\\z") || strstr(e, "\\G") ||
        strstr(e, "(*"))
        return false;
    for (p = e; (p = strstr(p, "(?")) != NULL; p += 2) {
        const char *q = p + 2;
        while (*q && strchr("imnsxUJ-^", *q)) {
            if (*q != 'i')
                return false;
            q++;
        }
    }
    return true;
}

/* Skip a character class starting at re[i] == '['; returns the index after ']'. */
static size_t skip_class(const char *re, size_t i)
{
    i++;
    if (re[i] == '^')
        i++;
    if (re[i] == ']')
        i++;
    while (re[i] && re[i] != ']') {
        if (re[i] == '\\' && re[i + 1])
            i++;
        else if (re[i] == '[' && re[i + 1] == ':') {
            const char *end = strstr(re + i + 2, ":]");
            if (end)
                i = (size_t)(end - re) + 1;
        }
        i++;
    }
    return re[i] ? i + 1 : i;
}

/* Skip a group starting at re[i] == '('; returns the index after its ')'. */
static size_t skip_group(const char *re, size_t i)
{
    int depth = 0;

    while (re[i]) {
        if (re[i] == '\\' && re[i + 1]) {
            i += 2;
            continue;
        }
        if (re[i] == '[') {
            i = skip_class(re, i);
            continue;
        }
        if (re[i] == '(')
            depth++;
        else if (re[i] == ')' && --depth == 0)
            return i + 1;
        i++;
    }
    return i;
}

/*
 * A literal every match must contain lets the prefilter look for plain
 * text, which Hyperscan compiles and scans far faster than a regex. Only
 * top-level runs of literal characters count: anything inside a group or
 * followed by an optional quantifier may be skipped by a match. Every
 * doubt gives "no literal", which only costs speed.
 */
size_t sh_rules__literal_factor(const char *re, char *out, size_t outsz)
{
    char cur[SH_RULES_MAX_REGEX + 1];
    size_t i = 0, n = 0, best = 0;

    if (!re || !out || outsz == 0)
        return 0;
    out[0] = '\0';
    if (strstr(re, "\\Q") || strstr(re, "\\E") || strlen(re) > SH_RULES_MAX_REGEX)
        return 0;
    for (const char *p = re; (p = strstr(p, "(?")) != NULL; p += 2)
        if (p[2] != ':' && p[2] != '<' && p[2] != 'P' && p[2] != '=' && p[2] != '!' && p[2] != '>')
            return 0; /* inline options, comments, recursion, conditionals */
#define END_RUN()                                                                                  \
    do {                                                                                           \
        if (n > best && n < outsz) {                                                               \
            memcpy(out, cur, n);                                                                   \
            out[n] = '\0';                                                                         \
            best = n;                                                                              \
        }                                                                                          \
        n = 0;                                                                                     \
    } while (0)
    while (re[i]) {
        unsigned char c = (unsigned char)re[i];

        if (c == '|')
            return 0;
        if (c == '\\') {
            unsigned char e = (unsigned char)re[i + 1];
            if (!e)
                break;
            if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9') ||
                e < 0x20 || e >= 0x7f) {
                END_RUN(); /* \d, \b, \x41, back-references: not a plain character */
                i += 2;
                continue;
            }
            cur[n++] = (char)e;
            i += 2;
            continue;
        }
        if (c == '[') {
            END_RUN();
            i = skip_class(re, i);
            continue;
        }
        if (c == '(') {
            END_RUN();
            i = skip_group(re, i);
            continue;
        }
        if (c == '?' || c == '*' || c == '{') {
            if (n)
                n--; /* the character before may occur zero times */
            END_RUN();
            if (c == '{') {
                while (re[i] && re[i] != '}')
                    i++;
            }
            if (re[i])
                i++;
            continue;
        }
        if (c == '+' || c == '.' || c == '^' || c == '$' || c == ')' || c < 0x20 || c >= 0x7f) {
            END_RUN();
            i++;
            continue;
        }
        cur[n++] = (char)c;
        i++;
    }
    END_RUN();
#undef END_RUN
    if (best < 3) {
        out[0] = '\0';
        return 0;
    }
    return best;
}

/* The literal as a Hyperscan expression: every non-alphanumeric byte escaped. */
static char *escape_literal(struct sh_arena *a, const char *lit, size_t len)
{
    char *e = sh_arena_alloc(a, 2 * len + 1), *q = e;
    size_t i;

    if (!e)
        return NULL;
    for (i = 0; i < len; i++) {
        char c = lit[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            *q++ = '\\';
        *q++ = c;
    }
    *q = '\0';
    return e;
}

/* Compile the prefilter, freeze the rule list; frees everything on failure. */
static int loader_end(struct loader *L, sh_ruleset **out, sh_diag *diag)
{
    sh_ruleset *rs = L->rs;
    const char **exprs = NULL;
    unsigned *flags = NULL;
    bool *rejected = NULL;
    size_t i;
    int rc = SH_OK;

    sh_strmap_free(&L->pat_index, NULL);
    sh_strmap_free(&L->ids, NULL);
    rs->rules = (struct sh_rule **)L->rules.v;
    rs->n_rules = L->rules.n;
    memset(&L->rules, 0, sizeof(L->rules));
    if (L->n_errors) {
        if (diag) {
            *diag = L->first;
            if (L->n_errors > 1) {
                size_t tl = strlen(diag->text);
                snprintf(diag->text + tl, sizeof(diag->text) - tl, " (and %zu more problems)",
                         L->n_errors - 1);
            }
        }
        rc = L->first.code == SH_ENOMEM   ? SH_ENOMEM
             : L->first.code == SH_ELIMIT ? SH_ELIMIT
                                          : SH_ERULE;
        if (diag)
            diag->code = rc;
        goto out;
    }
    if (rs->n_rules > 1)
        qsort(rs->rules, rs->n_rules, sizeof(*rs->rules), cmp_rule);
    exprs = sh_calloc(rs->n_pats + 1, sizeof(*exprs));
    flags = sh_calloc(rs->n_pats + 1, sizeof(*flags));
    rejected = sh_calloc(rs->n_pats + 1, sizeof(*rejected));
    if (!exprs || !flags || !rejected) {
        rc = sh_diag_set(diag, SH_ENOMEM, NULL, 0, "out of memory");
        goto out;
    }
    for (i = 0; i < rs->n_pats; i++) {
        char lit[SH_RULES_MAX_REGEX + 1];
        size_t llen = sh_rules__literal_factor(rs->pats[i].expr, lit, sizeof(lit));

        exprs[i] = rs->pats[i].expr;
        flags[i] = rs->pats[i].nocase ? SH_MPM_NOCASE : 0;
        rejected[i] = !line_local(exprs[i]);
        if (llen && !rejected[i]) {
            rs->pats[i].factor = sh_arena_strndup(&rs->arena, lit, llen);
            exprs[i] = escape_literal(&rs->arena, lit, llen);
            if (!exprs[i] || !rs->pats[i].factor) {
                rc = sh_diag_set(diag, SH_ENOMEM, NULL, 0, "out of memory");
                goto out;
            }
            flags[i] |= SH_MPM_LITERAL;
        }
    }
    rc = sh_mpm_compile(&rs->mpm, exprs, flags, rs->n_pats, rejected, diag);
    if (rc)
        goto out;
    for (i = 0; i < rs->n_pats; i++) {
        rs->pats[i].prefiltered = !rejected[i];
        if (rejected[i])
            rs->n_fallback++;
    }
out:
    sh_free(exprs);
    sh_free(flags);
    sh_free(rejected);
    if (rc) {
        sh_ruleset_free(rs);
        L->rs = NULL;
        return rc;
    }
    *out = rs;
    L->rs = NULL;
    return SH_OK;
}

int sh_ruleset__load_buf(sh_ruleset **out, const char *buf, size_t len, const char *source,
                         sh_diag_cb on_diag, void *ud, sh_diag *diag)
{
    struct loader L;

    SH_ASSERT_ARG(out && (buf || len == 0));
    *out = NULL;
    if (loader_begin(&L, on_diag, ud))
        return sh_diag_set(diag, SH_ENOMEM, source, 0, "out of memory");
    load_buf(&L, buf, len, source ? source : "<rule>");
    return loader_end(&L, out, diag);
}

int sh_ruleset_load(sh_ruleset **out, const sh_rules_options *opts, sh_diag *diag)
{
    struct loader L;
    struct sh_ptrvec files = {0};
    size_t i;

    SH_ASSERT_ARG(out && opts && opts->version == SH_RULES_OPTIONS_VERSION);
    *out = NULL;
    if (loader_begin(&L, opts->on_diag, opts->diag_ud))
        return sh_diag_set(diag, SH_ENOMEM, NULL, 0, "out of memory");
    if (!opts->no_builtin)
        (void)sh_embed_each("rules/builtin/", embedded_cb, &L);
    for (i = 0; opts->paths && opts->paths[i] && !L.fatal; i++) {
        size_t start = files.n;
        collect(&L, &files, opts->paths[i], 0, true);
        if (files.n - start > 1)
            qsort(files.v + start, files.n - start, sizeof(*files.v), cmp_str);
    }
    for (i = 0; i < files.n && !L.fatal; i++)
        load_path(&L, files.v[i]);
    for (i = 0; i < files.n; i++)
        sh_free(files.v[i]);
    sh_ptrvec_free(&files);
    return loader_end(&L, out, diag);
}

size_t sh_ruleset_count(const sh_ruleset *rs)
{
    return rs ? rs->n_rules : 0;
}

static const char *const shape_names[] = {"line", "section", "document", "feature"};

int sh_ruleset_rule_info(const sh_ruleset *rs, size_t i, sh_rule_info *out)
{
    const struct sh_rule *r;

    if (!rs || !out || i >= rs->n_rules)
        return SH_EINVAL;
    r = rs->rules[i];
    memset(out, 0, sizeof(*out));
    out->id = r->id;
    out->title = r->title ? r->title : "";
    out->file = r->file;
    out->line = r->line;
    out->kind = r->kind;
    out->severity = r->severity;
    out->platforms = r->platforms_text;
    out->shape = shape_names[r->shape];
    out->feature = r->feature;
    out->n_samples = r->n_samples;
    return SH_OK;
}

void sh_ruleset_each_pattern(const sh_ruleset *rs,
                             void (*cb)(const char *regex, bool nocase, void *ud), void *ud)
{
    size_t i;

    if (!rs || !cb)
        return;
    for (i = 0; i < rs->n_pats; i++)
        if (rs->pats[i].line_level)
            cb(rs->pats[i].expr, rs->pats[i].nocase, ud);
}
