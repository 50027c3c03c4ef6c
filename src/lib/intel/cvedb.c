/*
 * cvedb.c - CVE JSON 5.x, KEV and preconditions (see cvedb.h).
 *
 * CVE records are read with jansson and reduced to what the exposure
 * question needs: per affected product, the platforms it maps to, its
 * defaultStatus and its version entries (exact versions, lessThan /
 * lessThanOrEqual ranges and their `changes`). All strings live in one
 * arena freed with the database. Every count and string is bounded, and a
 * record that is not a CVE record is an error naming the file.
 *
 * Reading of ranges, as CNAs write them in practice:
 *  - an entry whose `version` is not a version ("Cisco IOS and IOS XE",
 *    "All") stands for every version of the product;
 *  - a range whose lower bound is missing, "0", "unspecified", or equal to
 *    its upper bound ("9.1R18 <= 9.1R18", meaning "9.1R18 and earlier") is
 *    read within the upper bound's major release line, so that "22.6R2 and
 *    earlier" does not swallow the patched 9.1R18.3;
 *  - a bound that is not a version ("lessThan": "publication") makes the
 *    answer INCOMPARABLE rather than a guess.
 */
#include "../base/sh_base.h"

#include "cvedb.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "../base/embed.h"
#include "version.h"

#define MAX_PRODUCTS 256
#define MAX_VERSIONS 20000
#define MAX_CHANGES 64
#define MAX_STR 512
#define MAX_FEATURES 8
#define MAX_CVES 100000
#define ARENA_MAX ((size_t)512 << 20)

struct change {
    const char *at;
    bool affected;
};

struct vrange {
    const char *version;
    const char *less_than;
    const char *less_eq;
    bool affected;
    struct change *changes;
    size_t n_changes;
};

struct product {
    unsigned platforms; /* bit per enum sh_vfamily */
    bool policy_secure; /* Ivanti Policy Secure rather than Connect Secure */
    int default_status; /* 1 affected, 0 unaffected, -1 unknown */
    struct vrange *v;
    size_t n;
};

struct cve {
    const char *id;
    const char *title;
    const char *updated;
    struct product *p;
    size_t np;
};

struct kev {
    const char *date;
    const char *name;
};

struct sh_cvedb {
    struct sh_arena arena;
    struct sh_ptrvec cves;     /* struct cve *, sorted by id */
    struct sh_strmap kev;      /* id -> struct kev * */
    struct sh_strmap pre;      /* id -> const char ** (NULL-terminated) */
    struct sh_strmap advisory; /* id -> non-NULL */
};

int sh_cvedb_new(struct sh_cvedb **out)
{
    struct sh_cvedb *db;

    SH_ASSERT_ARG(out);
    db = sh_calloc(1, sizeof(*db));
    if (!db)
        return SH_ENOMEM;
    sh_arena_init(&db->arena, ARENA_MAX);
    *out = db;
    return SH_OK;
}

void sh_cvedb_free(struct sh_cvedb *db)
{
    if (!db)
        return;
    sh_ptrvec_free(&db->cves);
    sh_strmap_free(&db->kev, NULL);
    sh_strmap_free(&db->pre, NULL);
    sh_strmap_free(&db->advisory, NULL);
    sh_arena_free(&db->arena);
    sh_free(db);
}

size_t sh_cvedb_count(const struct sh_cvedb *db)
{
    return db ? db->cves.n : 0;
}

size_t sh_cvedb_kev_count(const struct sh_cvedb *db)
{
    return db ? db->kev.n : 0;
}

/* ---- JSON helpers ---- */

static const char *jstr(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static const char *adup(struct sh_cvedb *db, const char *s, int *rc)
{
    const char *r;
    size_t n;

    if (!s)
        return NULL;
    n = strnlen(s, MAX_STR);
    s = sh_str_trim(s, &n);
    r = sh_arena_strndup(&db->arena, s, n);
    if (!r)
        *rc = SH_ENOMEM;
    return r;
}

static bool has(const char *hay, const char *needle)
{
    return hay && strcasestr(hay, needle) != NULL;
}

/* Which of our platforms a CVE record's product names. */
static unsigned product_platforms(const char *vendor, const char *product, bool *policy_secure)
{
    unsigned m = 0;
    bool cisco = has(vendor, "cisco") || has(product, "cisco");

    *policy_secure = false;
    if (!product)
        return 0;
    if (has(product, "nx-os"))
        return 1u << SH_VF_NXOS;
    if (has(product, "ios xr"))
        return 1u << SH_VF_IOSXR;
    if (has(product, "adaptive security appliance") || strcasecmp(product, "asa") == 0)
        return 1u << SH_VF_ASA;
    if (has(product, "ios xe")) {
        m |= 1u << SH_VF_IOSXE;
        if (has(product, "ios and"))
            m |= 1u << SH_VF_IOS;
        return m;
    }
    if (cisco && (strcasecmp(product, "ios") == 0 || strcasecmp(product, "cisco ios") == 0 ||
                  has(product, "ios software")))
        return 1u << SH_VF_IOS;
    if (has(product, "pan-os"))
        return 1u << SH_VF_PANOS;
    if (strcasecmp(product, "ics") == 0 || has(product, "connect secure"))
        return 1u << SH_VF_IVANTI;
    if ((strcasecmp(product, "ips") == 0 && has(vendor, "ivanti")) ||
        has(product, "policy secure")) {
        *policy_secure = true;
        return 1u << SH_VF_IVANTI;
    }
    if (has(product, "fortios"))
        return 1u << SH_VF_FORTIOS;
    if (has(product, "exchange server"))
        return 1u << SH_VF_EXCHANGE;
    if (has(product, "junos"))
        return 1u << SH_VF_JUNOS;
    if (has(vendor, "arista") && has(product, "eos"))
        return 1u << SH_VF_EOS;
    return 0;
}

static int status_of(const char *s)
{
    if (!s)
        return -1;
    if (strcmp(s, "affected") == 0)
        return 1;
    if (strcmp(s, "unaffected") == 0)
        return 0;
    return -1;
}

static int parse_versions(struct sh_cvedb *db, json_t *arr, struct product *p, const char *source,
                          sh_diag *diag)
{
    size_t i, n = json_array_size(arr);
    int rc = SH_OK;

    if (n > MAX_VERSIONS)
        return sh_diag_set(diag, SH_ELIMIT, source, 0, "more than %d versions in one product",
                           MAX_VERSIONS);
    if (n == 0)
        return SH_OK;
    p->v = sh_arena_alloc(&db->arena, n * sizeof(*p->v));
    if (!p->v)
        return SH_ENOMEM;
    for (i = 0; i < n && !rc; i++) {
        json_t *e = json_array_get(arr, i), *ch = json_object_get(e, "changes");
        struct vrange *r = &p->v[p->n];
        size_t k, nc = json_array_size(ch);

        if (!json_is_object(e) || !jstr(e, "version"))
            continue;
        r->version = adup(db, jstr(e, "version"), &rc);
        r->less_than = adup(db, jstr(e, "lessThan"), &rc);
        r->less_eq = adup(db, jstr(e, "lessThanOrEqual"), &rc);
        r->affected = status_of(jstr(e, "status")) == 1;
        if (nc > MAX_CHANGES)
            nc = MAX_CHANGES;
        if (nc) {
            r->changes = sh_arena_alloc(&db->arena, nc * sizeof(*r->changes));
            if (!r->changes)
                return SH_ENOMEM;
            for (k = 0; k < nc; k++) {
                json_t *c = json_array_get(ch, k);
                if (!json_is_object(c) || !jstr(c, "at"))
                    continue;
                r->changes[r->n_changes].at = adup(db, jstr(c, "at"), &rc);
                r->changes[r->n_changes++].affected = status_of(jstr(c, "status")) == 1;
            }
        }
        p->n++;
    }
    return rc;
}

static int cmp_cve_ptr(const void *a, const void *b)
{
    const struct cve *x = *(const struct cve *const *)a, *y = *(const struct cve *const *)b;
    return strcmp(x->id, y->id);
}

static bool valid_cve_id(const char *s)
{
    size_t i, n;

    if (!s || strncmp(s, "CVE-", 4) != 0)
        return false;
    n = strlen(s);
    if (n < 13 || n > 24)
        return false;
    for (i = 4; i < n; i++) {
        if (!isdigit((unsigned char)s[i]) && s[i] != '-')
            return false;
    }
    return true;
}

static int add_kev(struct sh_cvedb *db, const char *id, const char *date, const char *name)
{
    struct kev *k;
    int rc = SH_OK;

    if (!valid_cve_id(id) || !date)
        return SH_OK;
    if (sh_strmap_get(&db->kev, id))
        return SH_OK;
    k = sh_arena_alloc(&db->arena, sizeof(*k));
    if (!k)
        return SH_ENOMEM;
    k->date = adup(db, date, &rc);
    k->name = adup(db, name, &rc);
    if (rc)
        return rc;
    return sh_strmap_put(&db->kev, id, k, NULL);
}

int sh_cvedb_sniff(const char *buf, size_t len)
{
    if (!buf)
        return 0;
    if (memmem(buf, len, "\"vulnerabilities\"", 17) && memmem(buf, len, "\"cveID\"", 7))
        return 2;
    if (memmem(buf, len, "\"cveMetadata\"", 13) && memmem(buf, len, "\"containers\"", 12))
        return 1;
    return 0;
}

static json_t *load_json(const char *buf, size_t len, const char *source, sh_diag *diag)
{
    json_error_t je;
    json_t *root;

    if (len > SH_CVEDB_MAX_FILE) {
        sh_diag_set(diag, SH_ELIMIT, source, 0, "file larger than %zu bytes", SH_CVEDB_MAX_FILE);
        return NULL;
    }
    root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        sh_diag_set(diag, SH_EPARSE, source, (uint32_t)(je.line > 0 ? je.line : 0), "json: %s",
                    je.text);
        if (diag)
            diag->column = (uint32_t)(je.column > 0 ? je.column : 0);
    }
    return root;
}

int sh_cvedb_add_cve_json(struct sh_cvedb *db, const char *buf, size_t len, const char *source,
                          sh_diag *diag)
{
    json_t *root, *meta, *cna, *aff, *adp;
    struct cve *c = NULL;
    const char *id;
    size_t i, n;
    int rc = SH_OK;

    SH_ASSERT_ARG(db && (buf || !len));
    root = load_json(buf, len, source, diag);
    if (!root)
        return diag ? diag->code : SH_EPARSE;
    meta = json_object_get(root, "cveMetadata");
    cna = json_object_get(json_object_get(root, "containers"), "cna");
    id = jstr(meta, "cveId");
    if (!json_is_object(cna) || !valid_cve_id(id)) {
        rc = sh_diag_set(diag, SH_EPARSE, source, 0,
                         "not a CVE JSON 5 record (no cveMetadata.cveId or containers.cna)");
        goto out;
    }
    if (db->cves.n >= MAX_CVES) {
        rc = sh_diag_set(diag, SH_ELIMIT, source, 0, "more than %d CVE records", MAX_CVES);
        goto out;
    }
    c = sh_arena_alloc(&db->arena, sizeof(*c));
    if (!c) {
        rc = SH_ENOMEM;
        goto out;
    }
    c->id = adup(db, id, &rc);
    c->updated = adup(db, jstr(meta, "dateUpdated"), &rc);
    c->title = adup(db, jstr(cna, "title"), &rc);
    if (!c->title) {
        json_t *d0 = json_array_get(json_object_get(cna, "descriptions"), 0);
        c->title = adup(db, jstr(d0, "value"), &rc);
    }
    /* Titles end up in one-line messages: no control characters. */
    if (c->title) {
        char *t;
        for (t = (char *)(uintptr_t)c->title; *t; t++) {
            if ((unsigned char)*t < 0x20 || *t == 0x7f)
                *t = ' ';
        }
    }
    aff = json_object_get(cna, "affected");
    n = json_array_size(aff);
    if (n > MAX_PRODUCTS) {
        rc =
            sh_diag_set(diag, SH_ELIMIT, source, 0, "more than %d affected products", MAX_PRODUCTS);
        goto out;
    }
    if (n) {
        c->p = sh_arena_alloc(&db->arena, n * sizeof(*c->p));
        if (!c->p) {
            rc = SH_ENOMEM;
            goto out;
        }
    }
    for (i = 0; i < n && !rc; i++) {
        json_t *a = json_array_get(aff, i);
        struct product *p = &c->p[c->np];
        p->platforms = product_platforms(jstr(a, "vendor"), jstr(a, "product"), &p->policy_secure);
        p->default_status = status_of(jstr(a, "defaultStatus"));
        rc = parse_versions(db, json_object_get(a, "versions"), p, source, diag);
        c->np++;
    }
    /* Vulnrichment records carry the KEV listing in a CISA ADP container. */
    adp = json_object_get(json_object_get(root, "containers"), "adp");
    for (i = 0; i < json_array_size(adp) && !rc; i++) {
        json_t *m = json_object_get(json_array_get(adp, i), "metrics");
        size_t k;
        for (k = 0; k < json_array_size(m) && !rc; k++) {
            json_t *o = json_object_get(json_array_get(m, k), "other");
            if (json_is_string(json_object_get(o, "type")) && strcmp(jstr(o, "type"), "kev") == 0)
                rc = add_kev(db, c->id, jstr(json_object_get(o, "content"), "dateAdded"), NULL);
        }
    }
    if (rc)
        goto out;
    /* Replace an older record of the same CVE, else insert in id order. */
    for (i = 0; i < db->cves.n; i++) {
        struct cve *old = db->cves.v[i];
        if (strcmp(old->id, c->id) == 0) {
            if (!old->updated || !c->updated || strcmp(c->updated, old->updated) >= 0)
                db->cves.v[i] = c;
            goto out;
        }
    }
    rc = sh_ptrvec_push(&db->cves, c);
    if (!rc)
        qsort(db->cves.v, db->cves.n, sizeof(*db->cves.v), cmp_cve_ptr);
out:
    json_decref(root);
    return rc;
}

int sh_cvedb_add_kev_json(struct sh_cvedb *db, const char *buf, size_t len, const char *source,
                          size_t *n_out, sh_diag *diag)
{
    json_t *root, *vulns;
    size_t i, n;
    int rc = SH_OK;

    SH_ASSERT_ARG(db && (buf || !len));
    if (n_out)
        *n_out = 0;
    root = load_json(buf, len, source, diag);
    if (!root)
        return diag ? diag->code : SH_EPARSE;
    vulns = json_object_get(root, "vulnerabilities");
    if (!json_is_array(vulns)) {
        rc = sh_diag_set(diag, SH_EPARSE, source, 0,
                         "not a KEV catalog (no \"vulnerabilities\" array)");
        goto out;
    }
    n = json_array_size(vulns);
    if (n > MAX_CVES) {
        rc = sh_diag_set(diag, SH_ELIMIT, source, 0, "more than %d KEV entries", MAX_CVES);
        goto out;
    }
    for (i = 0; i < n && !rc; i++) {
        json_t *v = json_array_get(vulns, i);
        const char *id = jstr(v, "cveID");
        if (!valid_cve_id(id) || !jstr(v, "dateAdded"))
            continue;
        rc = add_kev(db, id, jstr(v, "dateAdded"), jstr(v, "vulnerabilityName"));
        if (!rc && n_out)
            (*n_out)++;
    }
out:
    json_decref(root);
    return rc;
}

/* ---- preconditions ---- */

/* Split "[a, b, c]" into arena strings; NULL-terminated; at most `max`. */
static const char **split_list(struct sh_cvedb *db, const char *p, size_t n, size_t max, int *rc)
{
    const char **out = sh_arena_alloc(&db->arena, (max + 1) * sizeof(*out));
    size_t k = 0;
    const char *e = p + n;

    if (!out) {
        *rc = SH_ENOMEM;
        return NULL;
    }
    if (p < e && *p == '[')
        p++;
    while (p < e && k < max) {
        const char *q = p;
        size_t len;
        while (q < e && *q != ',' && *q != ']')
            q++;
        len = (size_t)(q - p);
        {
            const char *t = sh_str_trim(p, &len);
            if (len) {
                out[k] = sh_arena_strndup(&db->arena, t, len);
                if (!out[k]) {
                    *rc = SH_ENOMEM;
                    return NULL;
                }
                k++;
            }
        }
        if (q >= e || *q == ']')
            break;
        p = q + 1;
    }
    return out;
}

int sh_cvedb_add_preconditions(struct sh_cvedb *db, const char *buf, size_t len, const char *source,
                               sh_diag *diag)
{
    const char *p = buf, *e = buf + len;
    uint32_t lineno = 0;
    int rc = SH_OK;

    SH_ASSERT_ARG(db && (buf || !len));
    while (p < e && !rc) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(e - p);
        const char *s = p, *colon;
        char key[64];
        size_t kn;

        p = nl ? nl + 1 : e;
        lineno++;
        s = sh_str_trim(s, &n);
        if (n == 0 || *s == '#')
            continue;
        if (n > MAX_STR)
            return sh_diag_set(diag, SH_ELIMIT, source, lineno, "line longer than %d bytes",
                               MAX_STR);
        colon = memchr(s, ':', n);
        if (!colon || (size_t)(colon - s) >= sizeof(key))
            return sh_diag_set(diag, SH_EPARSE, source, lineno, "expected 'KEY: [a, b]'");
        kn = (size_t)(colon - s);
        memcpy(key, s, kn);
        key[kn] = '\0';
        {
            size_t rn = n - kn - 1;
            const char *r = sh_str_trim(colon + 1, &rn);
            if (rn < 2 || r[0] != '[' || r[rn - 1] != ']')
                return sh_diag_set(diag, SH_EPARSE, source, lineno,
                                   "expected a list in brackets after '%s:'", key);
            if (strcmp(key, "advisory") == 0) {
                const char **ids = split_list(db, r, rn, 64, &rc);
                size_t i;
                for (i = 0; ids && ids[i] && !rc; i++) {
                    if (!valid_cve_id(ids[i]))
                        return sh_diag_set(diag, SH_EPARSE, source, lineno, "'%s' is not a CVE id",
                                           ids[i]);
                    rc = sh_strmap_put(&db->advisory, ids[i], (void *)(uintptr_t)1, NULL);
                }
            } else if (valid_cve_id(key)) {
                const char **f = split_list(db, r, rn, MAX_FEATURES, &rc);
                if (f)
                    rc = sh_strmap_put(&db->pre, key, (void *)f, NULL);
            } else {
                return sh_diag_set(diag, SH_EPARSE, source, lineno,
                                   "'%s' is neither a CVE id nor 'advisory'", key);
            }
        }
    }
    return rc;
}

/* ---- built-in data ---- */

struct builtin_ctx {
    struct sh_cvedb *db;
    sh_diag *diag;
};

static int load_one_builtin(const struct sh_embedded *e, void *ud)
{
    struct builtin_ctx *b = ud;
    size_t n = strlen(e->name);
    char src[200];

    snprintf(src, sizeof(src), "<builtin:%s>", e->name);
    if (n > 5 && strcmp(e->name + n - 5, ".json") == 0) {
        int kind = sh_cvedb_sniff((const char *)e->data, e->len);
        if (kind == 1)
            return sh_cvedb_add_cve_json(b->db, (const char *)e->data, e->len, src, b->diag);
        if (kind == 2)
            return sh_cvedb_add_kev_json(b->db, (const char *)e->data, e->len, src, NULL, b->diag);
    } else if (n > 4 && strcmp(e->name + n - 4, ".yml") == 0) {
        return sh_cvedb_add_preconditions(b->db, (const char *)e->data, e->len, src, b->diag);
    }
    return SH_OK;
}

int sh_cvedb_load_builtin(struct sh_cvedb *db, sh_diag *diag)
{
    struct builtin_ctx b = {db, diag};

    SH_ASSERT_ARG(db);
    return sh_embed_each("data/cve/", load_one_builtin, &b);
}

/* ---- queries ---- */

const char *sh_cvedb_kev_date(const struct sh_cvedb *db, const char *cve_id)
{
    const struct kev *k = db && cve_id ? sh_strmap_get(&db->kev, cve_id) : NULL;
    return k ? k->date : NULL;
}

int sh_cvedb_info(const struct sh_cvedb *db, size_t i, struct sh_cve_info *out)
{
    const struct cve *c;
    const struct kev *k;

    SH_ASSERT_ARG(db && out && i < db->cves.n);
    c = db->cves.v[i];
    k = sh_strmap_get(&db->kev, c->id);
    out->id = c->id;
    out->title = c->title;
    out->kev_date = k ? k->date : NULL;
    out->kev_name = k ? k->name : NULL;
    out->advisory = sh_strmap_has(&db->advisory, c->id);
    out->features = sh_strmap_get(&db->pre, c->id);
    return SH_OK;
}

/* First numeric component ("22" of "22.6R2"); 0 when none. */
static unsigned long major_of(const char *v)
{
    return v ? strtoul(v, NULL, 10) : 0;
}

/* Status of `ver` under one product, -2 when no entry speaks to it;
 * *incomparable set when a bound could not be ordered. */
static int product_status(const struct product *p, enum sh_vfamily f, const char *ver,
                          const char **fixed, bool *any_version, bool *incomparable)
{
    size_t i, k;
    int status = -2;

    for (i = 0; i < p->n; i++) {
        const struct vrange *r = &p->v[i];
        const char *hi = r->less_than ? r->less_than : r->less_eq;
        bool lo_ok, hi_ok, lo_valid = sh_version_valid(f, r->version);
        int st;

        if (!hi) {
            if (!lo_valid) {
                status = r->affected;
                *any_version = true;
            } else if (sh_version_cmp(f, ver, r->version) == 0) {
                status = r->affected;
            }
            continue;
        }
        if (!sh_version_valid(f, hi)) {
            *incomparable = true;
            continue;
        }
        if (!lo_valid || sh_version_cmp(f, r->version, hi) == 0)
            lo_ok = major_of(ver) == major_of(hi);
        else
            lo_ok = sh_version_cmp(f, ver, r->version) >= 0;
        hi_ok = r->less_than ? sh_version_cmp(f, ver, hi) < 0 : sh_version_cmp(f, ver, hi) <= 0;
        if (!lo_ok || !hi_ok)
            continue;
        st = r->affected;
        for (k = 0; k < r->n_changes; k++) {
            if (sh_version_valid(f, r->changes[k].at) &&
                sh_version_cmp(f, ver, r->changes[k].at) >= 0)
                st = r->changes[k].affected;
        }
        status = st;
        if (st == 1) {
            *fixed = r->less_than;
            for (k = 0; k < r->n_changes && !*fixed; k++) {
                if (!r->changes[k].affected)
                    *fixed = r->changes[k].at;
            }
        }
    }
    return status;
}

void sh_cvedb_eval(const struct sh_cvedb *db, size_t i, const char *platform, const char *os,
                   const char *version, struct sh_cve_eval *out)
{
    enum sh_vfamily f = sh_version_family(platform);
    const struct cve *c;
    bool policy = os && strstr(os, "Policy Secure") != NULL;
    bool concerned = false, incomparable = false, affected = false;
    size_t k;

    memset(out, 0, sizeof(*out));
    if (!db || i >= db->cves.n || f == SH_VF_GENERIC)
        return;
    c = db->cves.v[i];
    for (k = 0; k < c->np; k++) {
        const struct product *p = &c->p[k];
        const char *fixed = NULL;
        int st;

        if (!(p->platforms & (1u << f)) || (f == SH_VF_IVANTI && p->policy_secure != policy))
            continue;
        concerned = true;
        if (!version)
            continue;
        st = product_status(p, f, version, &fixed, &out->any_version, &incomparable);
        if (st == -2)
            st = p->default_status == 1 ? 1 : 0;
        if (st == 1) {
            affected = true;
            if (fixed && !out->fixed)
                out->fixed = fixed;
        }
    }
    if (!concerned)
        out->verdict = SH_CVE_NOT_FOR_PLATFORM;
    else if (!version)
        out->verdict = SH_CVE_INCOMPARABLE;
    else if (affected)
        out->verdict = SH_CVE_AFFECTED;
    else if (incomparable)
        out->verdict = SH_CVE_INCOMPARABLE;
    else
        out->verdict = SH_CVE_NOT_AFFECTED;
}
