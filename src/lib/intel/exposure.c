/*
 * exposure.c - merge devices across evidence and judge CVE exposure.
 *
 * The state machine per (device, CVE), from the product brief:
 *   no version                      -> unknown (say: no version seen)
 *   record cannot order the version -> unknown (say why)
 *   version not affected            -> not_affected (only with --all)
 *   affected, no precondition       -> exposed
 *   affected, precondition, no config evidence -> unknown (say: no config)
 *   affected, a required feature on -> exposed
 *   affected, every feature off     -> feature_off
 * Severity: exposed is critical when KEV-listed, high otherwise;
 * feature_off medium; unknown for an affected version high when KEV-listed
 * (the version alone is reason to look), low otherwise; not_affected info.
 */
#include "../base/sh_base.h"

#include "exposure.h"

#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include <ctype.h>

#include "../base/embed.h"
#include "../engine/finding_block.h"
#include "cvedb.h"
#include "salthunt/sh_intel.h"
#include "show.h"

/* ---- merging ---- */

static int dup_into(char **dst, const char *src)
{
    if (*dst || !src)
        return SH_OK;
    *dst = sh_strdup(src);
    return *dst ? SH_OK : SH_ENOMEM;
}

static bool list_has(const sh_strlist *l, const char *s)
{
    size_t i;
    for (i = 0; i < l->n; i++) {
        if (strcmp(l->v[i], s) == 0)
            return true;
    }
    return false;
}

static int union_into(sh_strlist *dst, const sh_strlist *src)
{
    size_t i;
    for (i = 0; i < src->n; i++) {
        if (!list_has(dst, src->v[i]) && sh_strlist_push(dst, src->v[i]))
            return SH_ENOMEM;
    }
    return SH_OK;
}

/* Group key: the hostname, else the first source (one unnamed device per file). */
static const char *group_key(const sh_device *d, bool *named)
{
    *named = d->hostname && d->hostname[0];
    if (*named)
        return d->hostname;
    return d->sources.n ? d->sources.v[0] : "";
}

static int fold(struct sh_inv_device *m, const sh_device *d, bool prefer)
{
    sh_device *t = m->dev;
    int rc = SH_OK;

    /* Show captures are authoritative for what the device runs. */
    if (prefer) {
        if (d->version && (!t->version || !m->version_source)) {
            sh_free(t->version);
            t->version = NULL;
            sh_free(t->platform);
            t->platform = NULL;
            sh_free(t->os);
            t->os = NULL;
            m->version_source = NULL;
        }
    }
    rc |= dup_into(&t->hostname, d->hostname);
    rc |= dup_into(&t->platform, d->platform);
    rc |= dup_into(&t->os, d->os);
    if (!t->version && d->version) {
        rc |= dup_into(&t->version, d->version);
        if (prefer && d->sources.n)
            m->version_source = d->sources.v[0];
    }
    rc |= dup_into(&t->model, d->model);
    rc |= dup_into(&t->serial, d->serial);
    rc |= dup_into(&t->uptime, d->uptime);
    rc |= dup_into(&t->dialect_basis, d->dialect_basis);
    if (rc)
        return SH_ENOMEM;
    if (union_into(&t->sources, &d->sources) || union_into(&t->features, &d->features))
        return SH_ENOMEM;
    if (!prefer) {
        m->has_config = true;
        if (union_into(&m->cfg_features, &d->features))
            return SH_ENOMEM;
    }
    if (sh_show_is_vstack(d) && !list_has(&m->known, "vstack") &&
        sh_strlist_push(&m->known, "vstack"))
        return SH_ENOMEM;
    return SH_OK;
}

void sh_exposure_merge_free(struct sh_ptrvec *merged)
{
    size_t i;

    for (i = 0; i < merged->n; i++) {
        struct sh_inv_device *m = merged->v[i];
        if (!m->borrowed) {
            sh_show_device_free(m->dev);
            sh_strlist_clear(&m->cfg_features);
        }
        sh_strlist_clear(&m->known);
        sh_free(m);
    }
    sh_ptrvec_free(merged);
    merged->v = NULL;
    merged->n = merged->cap = 0;
}

static int cmp_inv(const void *pa, const void *pb)
{
    const struct sh_inv_device *a = *(const struct sh_inv_device *const *)pa;
    const struct sh_inv_device *b = *(const struct sh_inv_device *const *)pb;
    const char *ha = a->dev->hostname ? a->dev->hostname : "";
    const char *hb = b->dev->hostname ? b->dev->hostname : "";
    int c = strcmp(ha, hb);

    if (c)
        return c;
    ha = a->dev->sources.n ? a->dev->sources.v[0] : "";
    hb = b->dev->sources.n ? b->dev->sources.v[0] : "";
    return strcmp(ha, hb);
}

/* Input order: records arrive in whatever order worker threads finished,
 * and the first value of a field wins, so fold them by first source file. */
static int cmp_first_source(const void *pa, const void *pb)
{
    const sh_device *a = *(const sh_device *const *)pa, *b = *(const sh_device *const *)pb;
    const char *sa = a && a->sources.n ? a->sources.v[0] : "";
    const char *sb = b && b->sources.n ? b->sources.v[0] : "";
    return strcmp(sa, sb);
}

/* The group key of `d` (see group_key) in `buf`, lower-cased when it is a
 * hostname; a key too long for `buf` is allocated into *heap. NULL on OOM. */
static const char *key_of(const sh_device *d, char *buf, size_t size, char **heap)
{
    bool named;
    const char *k = group_key(d, &named);
    size_t len = strlen(k), i;
    char *dst;

    *heap = NULL;
    if (len + 2 <= size) {
        dst = buf;
    } else {
        *heap = sh_malloc(len + 2);
        if (!*heap)
            return NULL;
        dst = *heap;
    }
    if (named) {
        for (i = 0; i < len; i++)
            dst[i] = (char)tolower((unsigned char)k[i]);
        dst[len] = '\0';
    } else {
        dst[0] = '\x01';
        memcpy(dst + 1, k, len + 1);
    }
    return dst;
}

/* A group's first record, borrowed: what fold() into an empty device
 * would give, without the copies (the lists keep any repeats, which only
 * membership tests read). */
static int borrow_first(struct sh_inv_device *m, const sh_device *d, bool own)
{
    m->dev = (sh_device *)(uintptr_t)d;
    m->borrowed = true;
    m->first_own = own;
    if (own) {
        if (d->version && d->sources.n)
            m->version_source = d->sources.v[0];
    } else {
        m->has_config = true;
        m->cfg_features = d->features;
    }
    if (sh_show_is_vstack(d) && sh_strlist_push(&m->known, "vstack"))
        return SH_ENOMEM;
    return SH_OK;
}

/* A second record joins a borrowed group: fold the first into a device of
 * the group's own, as sh_exposure_merge would have. */
static int unborrow(struct sh_inv_device *m)
{
    const sh_device *first = m->dev;
    sh_device *t = sh_calloc(1, sizeof(*t));

    if (!t)
        return SH_ENOMEM;
    m->dev = t;
    m->borrowed = false;
    m->has_config = false;
    m->version_source = NULL;
    memset(&m->cfg_features, 0, sizeof(m->cfg_features));
    sh_strlist_clear(&m->known);
    return fold(m, first, m->first_own);
}

static int merge(sh_device *const *in, size_t n, struct sh_ptrvec *out, bool borrow)
{
    struct sh_strmap idx = {0}; /* lower-case key -> struct sh_inv_device * */
    sh_device **devs = NULL;
    bool *own = NULL;
    size_t pass, i;
    int rc = SH_OK;

    memset(out, 0, sizeof(*out));
    devs = sh_calloc(n ? n : 1, sizeof(*devs));
    own = sh_calloc(n ? n : 1, sizeof(*own));
    if (!devs || !own) {
        sh_free(devs);
        sh_free(own);
        return SH_ENOMEM;
    }
    if (n)
        memcpy(devs, in, n * sizeof(*devs));
    qsort(devs, n, sizeof(*devs), cmp_first_source);
    for (i = 0; i < n; i++)
        own[i] = devs[i] && sh_show_is_own(devs[i]);
    /* Two passes so show records are folded first whatever the input order. */
    for (pass = 0; pass < 2 && !rc; pass++) {
        for (i = 0; i < n && !rc; i++) {
            const sh_device *d = devs[i];
            const char *key;
            char buf[256], *heap;
            struct sh_inv_device *m;

            if (!d || own[i] != (pass == 0))
                continue;
            key = key_of(d, buf, sizeof(buf), &heap);
            if (!key) {
                rc = SH_ENOMEM;
                break;
            }
            m = sh_strmap_get(&idx, key);
            if (!m) {
                m = sh_calloc(1, sizeof(*m));
                if (m && !borrow)
                    m->dev = sh_calloc(1, sizeof(sh_device));
                if (!m || (!borrow && !m->dev) || sh_ptrvec_push(out, m) ||
                    sh_strmap_put(&idx, key, m, NULL)) {
                    if (m && (out->n == 0 || out->v[out->n - 1] != m)) {
                        sh_show_device_free(m->dev);
                        sh_free(m);
                    }
                    sh_free(heap);
                    rc = SH_ENOMEM;
                    break;
                }
                sh_free(heap);
                rc = borrow ? borrow_first(m, d, own[i]) : fold(m, d, own[i]);
                continue;
            }
            sh_free(heap);
            if (m->borrowed && (rc = unborrow(m)) != 0)
                break;
            rc = fold(m, d, own[i]);
        }
    }
    sh_strmap_free(&idx, NULL);
    sh_free(devs);
    sh_free(own);
    if (rc) {
        sh_exposure_merge_free(out);
        return rc;
    }
    if (out->n > 1)
        qsort(out->v, out->n, sizeof(*out->v), cmp_inv);
    return SH_OK;
}

int sh_exposure_merge(sh_device *const *in, size_t n, struct sh_ptrvec *out)
{
    return merge(in, n, out, false);
}

int sh_exposure_merge_view(sh_device *const *in, size_t n, struct sh_ptrvec *out)
{
    return merge(in, n, out, true);
}

/* ---- public inventory API ---- */

int sh_inventory_merge(sh_device *const *devs, size_t n, sh_device ***out, size_t *n_out)
{
    struct sh_ptrvec merged;
    sh_device **v;
    size_t i;
    int rc;

    SH_ASSERT_ARG(out && n_out && (devs || !n));
    *out = NULL;
    *n_out = 0;
    rc = sh_exposure_merge(devs, n, &merged);
    if (rc)
        return rc;
    v = sh_calloc(merged.n ? merged.n : 1, sizeof(*v));
    if (!v) {
        sh_exposure_merge_free(&merged);
        return SH_ENOMEM;
    }
    for (i = 0; i < merged.n; i++) {
        struct sh_inv_device *m = merged.v[i];
        v[i] = m->dev;
        m->dev = NULL;
    }
    sh_exposure_merge_free(&merged);
    *out = v;
    *n_out = i;
    return SH_OK;
}

void sh_inventory_free(sh_device **devs, size_t n)
{
    size_t i;

    if (!devs)
        return;
    for (i = 0; i < n; i++)
        sh_show_device_free(devs[i]);
    sh_free(devs);
}

/* ---- evaluation ---- */

static const char *feature_fix(const char *feature)
{
    static const struct {
        const char *f, *fix;
    } fixes[] = {
        {"http_server", "no ip http server"},
        {"https_server", "no ip http secure-server"},
        {"vstack", "no vstack"},
        {"snmp", "restrict SNMP to management hosts with an ACL, or no snmp-server"},
        {"globalprotect", "apply Threat Prevention signatures 95187/95189/95191 to the "
                          "GlobalProtect interface"},
        {"guestshell", "guestshell destroy; no iox"},
        {"iox", "no iox"},
        {"webui", "disable the web management interface"},
    };
    size_t i;

    for (i = 0; i < SH_ARRAY_LEN(fixes); i++) {
        if (strcmp(fixes[i].f, feature) == 0)
            return fixes[i].fix;
    }
    return NULL;
}

static void join_list(char *buf, size_t size, const char *const *items, const char *sep)
{
    size_t i, used = 0;

    buf[0] = '\0';
    for (i = 0; items && items[i]; i++) {
        int w = snprintf(buf + used, size - used, "%s%s", i ? sep : "", items[i]);
        if (w < 0 || (size_t)w >= size - used)
            break;
        used += (size_t)w;
    }
}

struct verdict {
    const char *state;
    sh_severity sev;
    char *message;
    char *remediation;
};

/* a, b and at most `c_max` bytes of c joined, in `buf` when they fit, else
 * in an allocation left in *heap for the caller to free. NULL on OOM. */
static const char *join3(char *buf, size_t size, char **heap, const char *a, const char *b,
                         const char *c, size_t c_max)
{
    size_t la = strlen(a), lb = strlen(b), lc = strnlen(c, c_max);
    char *d = buf;

    if (la + lb + lc + 1 > size) {
        if (!(*heap = sh_malloc(la + lb + lc + 1)))
            return NULL;
        d = *heap;
    }
    memcpy(d, a, la);
    memcpy(d + la, b, lb);
    memcpy(d + la + lb, c, lc);
    d[la + lb + lc] = '\0';
    return d;
}

/* One finding per verdict, its fixed text in one block from the eval's
 * slab (finding_block.h); the message and remediation, already allocated,
 * and the CVE and state stay the finding's own strings. */
static int emit(const struct sh_cve_info *ci, const struct sh_inv_device *m, struct verdict *v,
                struct sh_finding_slab *slab, sh_findings *out)
{
    const sh_device *d = m->dev;
    struct sh_finding_fields in;
    const char *refs[4];
    char rule_b[96], title_b[224], ev_b[160], url_b[128];
    char *heap[4] = {NULL, NULL, NULL, NULL};
    sh_finding *f = NULL;
    size_t i;
    int rc = SH_ENOMEM;

    memset(&in, 0, sizeof(in));
    in.rule = join3(rule_b, sizeof(rule_b), &heap[0], "EXPOSURE.", ci->id, "", 0);
    in.title = join3(title_b, sizeof(title_b), &heap[1], ci->id, ": ",
                     ci->title ? ci->title : "vulnerability", 140);
    in.device = d->hostname;
    in.platform = d->platform;
    in.path = m->version_source ? m->version_source : (d->sources.n ? d->sources.v[0] : "-");
    in.evidence =
        join3(ev_b, sizeof(ev_b), &heap[2], d->os ? d->os : (d->platform ? d->platform : "?"), " ",
              d->version ? d->version : "(version unknown)", SIZE_MAX);
    refs[0] = ci->id;
    refs[1] =
        join3(url_b, sizeof(url_b), &heap[3], "https://www.cve.org/CVERecord?id=", ci->id, "", 0);
    in.n_references = 2;
    if (ci->advisory)
        refs[in.n_references++] = "AA25-239A";
    if (ci->kev_date)
        refs[in.n_references++] = "https://www.cisa.gov/known-exploited-vulnerabilities-catalog";
    in.references = refs;
    if (in.rule && in.title && in.evidence && refs[1])
        f = sh_finding__new_block_in(slab, &in);
    for (i = 0; i < SH_ARRAY_LEN(heap); i++)
        sh_free(heap[i]);
    if (!f) {
        sh_free(v->message);
        sh_free(v->remediation);
        return SH_ENOMEM;
    }
    f->kind = SH_KIND_EXPOSURE;
    f->severity = v->sev;
    f->message = v->message;
    f->remediation = v->remediation;
    f->cve = sh_strdup(ci->id);
    f->state = sh_strdup(v->state);
    if (f->cve && f->state)
        rc = SH_OK;
    if (rc) {
        sh_finding_free(f);
        return rc;
    }
    return sh_findings_take(out, f);
}

/* Every precondition feature's state settled by a show capture. */
static bool all_known(const struct sh_inv_device *m, const char *const *features)
{
    size_t i;
    for (i = 0; features && features[i]; i++) {
        if (!list_has(&m->known, features[i]))
            return false;
    }
    return true;
}

static const char *first_on(const sh_device *d, const char *const *features)
{
    size_t i;
    for (i = 0; features && features[i]; i++) {
        if (list_has(&d->features, features[i]))
            return features[i];
    }
    return NULL;
}

/* A config says a precondition is off only if something could have seen it on. */
static bool config_decides(const sh_strlist *seen, const char *const *features)
{
    size_t i;
    if (!seen)
        return true;
    for (i = 0; features && features[i]; i++) {
        if (list_has(seen, features[i]))
            return true;
    }
    return false;
}

/* The parts of a CVE's messages that depend on the record alone, made
 * once per record for the whole fleet. */
struct cve_text {
    bool ready;
    struct sh_cve_info ci;
    char feats[256], kev[96], fixes[512];
};

static const struct cve_text *cve_text(struct cve_text *cache, const struct sh_cvedb *db,
                                       size_t ci_idx)
{
    struct cve_text *t = &cache[ci_idx];
    size_t i;

    if (t->ready)
        return t;
    sh_cvedb_info(db, ci_idx, &t->ci);
    join_list(t->feats, sizeof(t->feats), t->ci.features, " or ");
    if (t->ci.kev_date)
        snprintf(t->kev, sizeof(t->kev), "; in CISA KEV since %s", t->ci.kev_date);
    else
        snprintf(t->kev, sizeof(t->kev), "; not in CISA KEV");
    t->fixes[0] = '\0';
    for (i = 0; t->ci.features && t->ci.features[i]; i++) {
        const char *fx = feature_fix(t->ci.features[i]);
        size_t used = strlen(t->fixes);
        if (fx)
            snprintf(t->fixes + used, sizeof(t->fixes) - used, "%s%s", used ? "; " : "", fx);
    }
    t->ready = true;
    return t;
}

static int eval_one(const struct sh_cvedb *db, size_t ci_idx, const struct sh_inv_device *m,
                    const struct sh_cve_eval *verdicts, bool all, const sh_strlist *seen,
                    struct cve_text *cache, struct sh_finding_slab *slab, sh_findings *out)
{
    const sh_device *d = m->dev;
    const struct cve_text *t;
    struct sh_cve_info ci;
    struct sh_cve_eval ev = verdicts[ci_idx];
    struct verdict v = {0};
    char fixed[160];
    const char *related, *on, *feats, *kev, *fixes;

    /* Most pairs of a fleet are not for the platform or, with a version,
     * not affected: those leave before any text is formatted. */
    if (ev.verdict == SH_CVE_NOT_FOR_PLATFORM ||
        (d->version && ev.verdict == SH_CVE_NOT_AFFECTED && !all))
        return SH_OK;
    t = cve_text(cache, db, ci_idx);
    ci = t->ci;
    feats = t->feats;
    kev = t->kev;
    fixes = t->fixes;
    if (ev.fixed)
        snprintf(fixed, sizeof(fixed), "first fixed release in the record: %s", ev.fixed);
    else
        snprintf(fixed, sizeof(fixed),
                 "the record names no fixed release for this train; see "
                 "the vendor advisory");
    related = ci.advisory ? "" : " (from related reporting, not named by AA25-239A)";

    if (!d->version) {
        v.state = "unknown";
        v.sev = SH_SEV_LOW;
        v.message = sh_strdup_printf(
            "%s%s may apply to this %s device, but no software version was seen; add a "
            "`show version` capture to decide%s.",
            ci.id, related, d->os ? d->os : d->platform, kev);
        v.remediation = sh_strdup("Capture `show version` (or the platform's equivalent) and "
                                  "scan it together with the configuration.");
    } else if (ev.verdict == SH_CVE_INCOMPARABLE) {
        v.state = "unknown";
        v.sev = SH_SEV_LOW;
        v.message = sh_strdup_printf(
            "%s%s: the record's version ranges for %s cannot be compared with version %s "
            "(they end at a non-version such as a publication date)%s.",
            ci.id, related, d->os ? d->os : d->platform, d->version, kev);
        v.remediation =
            sh_strdup_printf("Check %s against the vendor advisory's fixed builds.", d->version);
    } else if (ev.verdict == SH_CVE_NOT_AFFECTED) {
        if (!all)
            return SH_OK;
        v.state = "not_affected";
        v.sev = SH_SEV_INFO;
        v.message = sh_strdup_printf("%s%s does not affect %s %s according to the CVE record%s.",
                                     ci.id, related, d->os ? d->os : d->platform, d->version, kev);
        v.remediation = sh_strdup("None needed for this CVE.");
    } else if (!ci.features || !ci.features[0]) {
        v.state = "exposed";
        v.sev = ci.kev_date ? SH_SEV_CRITICAL : SH_SEV_HIGH;
        v.message = sh_strdup_printf("%s%s affects %s %s%s; %s.", ci.id, related,
                                     d->os ? d->os : d->platform, d->version,
                                     ev.any_version ? " (the record lists no versions, so every "
                                                      "version is treated as affected)"
                                                    : "",
                                     fixed);
        if (v.message && ci.kev_date) {
            char *m2 = sh_strdup_printf("%s Listed in CISA KEV since %s.", v.message, ci.kev_date);
            sh_free(v.message);
            v.message = m2;
        }
        v.remediation = ev.fixed ? sh_strdup_printf("Upgrade to %s or a later release.", ev.fixed)
                                 : sh_strdup("Upgrade to a fixed release per the vendor advisory.");
    } else if (!all_known(m, ci.features) &&
               (!m->has_config || !config_decides(seen, ci.features))) {
        v.state = "unknown";
        v.sev = ci.kev_date ? SH_SEV_HIGH : SH_SEV_MEDIUM;
        v.message = sh_strdup_printf(
            "%s%s affects %s %s, but it is exploitable only with %s enabled and %s; %s%s.", ci.id,
            related, d->os ? d->os : d->platform, d->version, feats,
            m->has_config ? "no loaded rule detects that feature in the configuration"
                          : "no configuration of this device was seen to tell",
            fixed, kev);
        v.remediation = sh_strdup("Scan the device's running configuration together with this "
                                  "capture, or check the feature by hand.");
    } else if ((on = first_on(d, ci.features)) != NULL) {
        v.state = "exposed";
        v.sev = ci.kev_date ? SH_SEV_CRITICAL : SH_SEV_HIGH;
        v.message =
            sh_strdup_printf("%s%s: %s %s is affected and %s is enabled; %s%s.", ci.id, related,
                             d->os ? d->os : d->platform, d->version, on, fixed, kev);
        v.remediation = ev.fixed
                            ? sh_strdup_printf("Upgrade to %s or later; until then: %s.", ev.fixed,
                                               fixes[0] ? fixes
                                                        : "disable "
                                                          "the feature")
                            : sh_strdup_printf("Upgrade to a fixed release per the vendor "
                                               "advisory; until then: %s.",
                                               fixes[0] ? fixes : "disable the feature");
    } else {
        v.state = "feature_off";
        v.sev = SH_SEV_MEDIUM;
        v.message = sh_strdup_printf(
            "%s%s: %s %s is affected, but %s is not enabled in the configuration seen, so it is "
            "not exploitable as configured; %s%s.",
            ci.id, related, d->os ? d->os : d->platform, d->version, feats, fixed, kev);
        v.remediation =
            ev.fixed ? sh_strdup_printf("Upgrade to %s or later, and keep %s off.", ev.fixed, feats)
                     : sh_strdup_printf("Upgrade per the vendor advisory, and keep %s "
                                        "off.",
                                        feats);
    }
    if (!v.message || !v.remediation) {
        sh_free(v.message);
        sh_free(v.remediation);
        return SH_ENOMEM;
    }
    return emit(&t->ci, m, &v, slab, out);
}

/* Every CVE's verdict for the device's platform, OS and version. A fleet
 * runs a handful of versions and each verdict walks the record's version
 * list, so verdicts are computed once per distinct triple. */
static const struct sh_cve_eval *verdicts_for(struct sh_strmap *memo, const struct sh_cvedb *db,
                                              const sh_device *d, int *rc)
{
    struct sh_cve_eval *v;
    char buf[256], *heap = NULL;
    const char *key = buf;
    size_t c, n = sh_cvedb_count(db);
    int w;

    /* The map copies the key: a short one is built on the stack. */
    w = snprintf(buf, sizeof(buf), "%s\x1f%s\x1f%s", d->platform ? d->platform : "",
                 d->os ? d->os : "\x1e", d->version ? d->version : "\x1e");
    if (w < 0 || (size_t)w >= sizeof(buf)) {
        key = heap = sh_strdup_printf("%s\x1f%s\x1f%s", d->platform ? d->platform : "",
                                      d->os ? d->os : "\x1e", d->version ? d->version : "\x1e");
        if (!heap) {
            *rc = SH_ENOMEM;
            return NULL;
        }
    }
    v = sh_strmap_get(memo, key);
    if (!v) {
        v = sh_calloc(n ? n : 1, sizeof(*v));
        if (!v || (*rc = sh_strmap_put(memo, key, v, NULL)) != 0) {
            sh_free(v);
            sh_free(heap);
            if (!*rc)
                *rc = SH_ENOMEM;
            return NULL;
        }
        for (c = 0; c < n; c++)
            sh_cvedb_eval(db, c, d->platform, d->os, d->version, &v[c]);
    }
    sh_free(heap);
    return v;
}

int sh_exposure_eval(const struct sh_cvedb *db, const struct sh_ptrvec *merged, bool all,
                     const sh_strlist *detectable, sh_findings *out)
{
    sh_strlist seen = {0};
    struct sh_strmap memo = {0};
    struct sh_finding_slab *slab;
    struct cve_text *cache;
    size_t i, c;
    int rc = SH_OK;

    SH_ASSERT_ARG(db && merged && out);
    cache = sh_calloc(sh_cvedb_count(db) ? sh_cvedb_count(db) : 1, sizeof(*cache));
    if (!cache)
        return SH_ENOMEM;
    slab = sh_finding__slab_new(); /* NULL: each finding allocated on its own */
    /* Features detectable in configs: declared by a loaded rule, or seen on
     * in some config of this scan (a user rule). */
    if (detectable) {
        rc = union_into(&seen, detectable);
        for (i = 0; i < merged->n && !rc; i++)
            rc = union_into(&seen, &((const struct sh_inv_device *)merged->v[i])->cfg_features);
    }
    for (i = 0; i < merged->n && !rc; i++) {
        const struct sh_inv_device *m = merged->v[i];
        const struct sh_cve_eval *v;
        if (!m->dev->platform)
            continue;
        v = verdicts_for(&memo, db, m->dev, &rc);
        for (c = 0; v && c < sh_cvedb_count(db) && !rc; c++)
            rc = eval_one(db, c, m, v, all, detectable ? &seen : NULL, cache, slab, out);
    }
    sh_finding__slab_free(slab);
    sh_free(cache);
    sh_strmap_free(&memo, sh_free);
    sh_strlist_clear(&seen);
    return rc;
}

/* "  feature: http_server" lines of one embedded rule file. */
static int scan_rule_file(const struct sh_embedded *e, void *ud)
{
    sh_strlist *out = ud;
    const char *p = (const char *)e->data, *end = p + e->len;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p)), *q = p;
        const char *le = nl ? nl : end;
        while (q < le && (*q == ' ' || *q == '-'))
            q++;
        if ((size_t)(le - q) > 8 && memcmp(q, "feature:", 8) == 0) {
            char name[64];
            size_t n = 0;
            q += 8;
            while (q < le && (*q == ' ' || *q == '"' || *q == '\''))
                q++;
            while (q < le && n + 1 < sizeof(name) && (isalnum((unsigned char)*q) || *q == '_'))
                name[n++] = *q++;
            name[n] = '\0';
            if (n && !list_has(out, name) && sh_strlist_push(out, name))
                return SH_ENOMEM;
        }
        p = nl ? nl + 1 : end;
    }
    return SH_OK;
}

int sh_exposure_builtin_features(sh_strlist *out)
{
    SH_ASSERT_ARG(out);
    return sh_embed_each("rules/builtin/", scan_rule_file, out);
}
