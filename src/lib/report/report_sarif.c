/*
 * report_sarif.c - SARIF 2.1.0, so config repositories can show findings
 * inline in code-review tools.
 *
 * One run; tool.driver.rules[] lists each rule once, in order of first
 * appearance, and results point at it by ruleIndex. Relative paths stay
 * relative, under uriBaseId SRCROOT; absolute ones become file: URIs. The
 * region is left out when a finding has no line. Every §5 field SARIF has
 * no place for goes into the result's property bag. Thread-safe.
 */
#include "../base/sh_base.h"

#include "report_int.h"

#include <jansson.h>

static const char *level(sh_severity s)
{
    switch (s) {
    case SH_SEV_CRITICAL:
    case SH_SEV_HIGH: return "error";
    case SH_SEV_MEDIUM: return "warning";
    default: return "note";
    }
}

/* ---- jansson helpers ---- */

/* A JSON string of `s` (invalid UTF-8 replaced by U+FFFD), or JSON null for NULL. */
static json_t *json_str(const char *s)
{
    json_t *v;
    char *clean;

    if (!s)
        return json_null();
    v = json_string(s);
    if (v)
        return v;
    clean = sh_report__utf8_clean(s);
    if (!clean)
        return NULL;
    v = json_string(clean);
    sh_free(clean);
    return v;
}

static json_t *json_list(const sh_strlist *l)
{
    json_t *a = json_array();
    size_t i;

    if (!a)
        return NULL;
    for (i = 0; i < l->n; i++) {
        if (json_array_append_new(a, json_str(l->v[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* Set key to `v` (taking it); records SH_ENOMEM in *err when v is NULL or set fails. */
static void json_set(json_t *obj, const char *key, json_t *v, int *err)
{
    /* json_object_set_new releases v on failure, and fails on NULL. */
    if (json_object_set_new(obj, key, v) != 0 && !*err)
        *err = SH_ENOMEM;
}

/* GitHub code scanning ranks security results by this score (0.0-10.0). */
static const char *security_severity(sh_severity s)
{
    switch (s) {
    case SH_SEV_CRITICAL: return "9.5";
    case SH_SEV_HIGH: return "8.0";
    case SH_SEV_MEDIUM: return "5.5";
    case SH_SEV_LOW: return "3.0";
    default: return "0.0";
    }
}

/* RFC 3986 path characters pass; everything else, ':' included (a first
 * segment with ':' would read as a scheme), is percent-encoded. */
static char *path_to_uri(const char *path)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)path;
    struct sh_buf b;
    int rc = 0;

    sh_buf_init(&b, 0);
    if (path[0] == '/')
        rc = sh_buf_adds(&b, "file://");
    for (; *p && !rc; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~/!$&'()*+,;=@", *p)) {
            rc = sh_buf_addc(&b, (char)*p);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            rc = sh_buf_add(&b, e, 3);
        }
    }
    if (rc) {
        sh_buf_free(&b);
        return NULL;
    }
    return sh_buf_detach(&b);
}

static json_t *text_obj(const char *s)
{
    json_t *o = json_object();
    int err = 0;

    if (!o)
        return NULL;
    json_set(o, "text", json_str(s), &err);
    if (err) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static bool plain_url(const char *s)
{
    if (!sh_str_startswith(s, "https://") && !sh_str_startswith(s, "http://"))
        return false;
    for (; *s; s++) {
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f || strchr("\"<>\\^`{|}", *s))
            return false;
    }
    return true;
}

static json_t *rule_obj(const sh_finding *f, const char *id)
{
    json_t *r = json_object(), *props = json_object(), *tags = json_array(), *cfg = json_object();
    size_t i;
    int err = 0;

    if (!r || !props || !tags || !cfg) {
        json_decref(r);
        json_decref(props);
        json_decref(tags);
        json_decref(cfg);
        return NULL;
    }
    json_set(r, "id", json_str(id), &err);
    json_set(r, "name", json_str(id), &err);
    json_set(r, "shortDescription", text_obj(f->title ? f->title : id), &err);
    json_set(cfg, "level", json_string(level(f->severity)), &err);
    json_set(r, "defaultConfiguration", cfg, &err);
    for (i = 0; i < f->references.n; i++) {
        if (plain_url(f->references.v[i])) {
            json_set(r, "helpUri", json_string(f->references.v[i]), &err);
            break;
        }
    }
    json_set(props, "kind", json_string(sh_kind_str(f->kind)), &err);
    json_set(props, "severity", json_string(sh_severity_str(f->severity)), &err);
    json_set(props, "attack", json_list(&f->attack), &err);
    if (json_array_append_new(tags, json_string("security")) ||
        json_array_append_new(tags, json_string(sh_kind_str(f->kind))))
        err = SH_ENOMEM;
    for (i = 0; i < f->attack.n; i++) {
        if (json_array_append_new(tags, json_str(f->attack.v[i])))
            err = SH_ENOMEM;
    }
    json_set(props, "tags", tags, &err);
    json_set(props, "security-severity", json_string(security_severity(f->severity)), &err);
    json_set(r, "properties", props, &err);
    if (err) {
        json_decref(r);
        return NULL;
    }
    return r;
}

static void prop_str(json_t *props, const char *key, const char *v, int *err)
{
    if (v)
        json_set(props, key, json_str(v), err);
}

static json_t *location_obj(const sh_finding *f)
{
    json_t *loc = json_object(), *phys = json_object(), *art = json_object(), *region = NULL;
    char *uri = path_to_uri(f->path);
    int err = 0;

    if (!loc || !phys || !art || !uri) {
        err = SH_ENOMEM;
        goto out;
    }
    json_set(art, "uri", json_string(uri), &err);
    if (f->path[0] != '/')
        json_set(art, "uriBaseId", json_string("SRCROOT"), &err);
    json_set(phys, "artifactLocation", art, &err);
    art = NULL;
    if (f->line) {
        region = json_object();
        json_set(region, "startLine", json_integer(f->line), &err);
        json_set(region, "endLine", json_integer(sh_report__end_line(f)), &err);
        if (f->evidence)
            json_set(region, "snippet", text_obj(f->evidence), &err);
        json_set(phys, "region", region, &err);
    }
    json_set(loc, "physicalLocation", phys, &err);
    phys = NULL;
out:
    sh_free(uri);
    json_decref(art);
    json_decref(phys);
    if (err) {
        json_decref(loc);
        return NULL;
    }
    return loc;
}

static json_t *result_obj(const sh_finding *f, const char *id, size_t rule_index)
{
    json_t *r = json_object(), *props = json_object(), *fps = json_object();
    const char *text = f->message ? f->message : f->title ? f->title : id;
    char fp[17];
    int err = 0;

    if (!r || !props || !fps) {
        json_decref(r);
        json_decref(props);
        json_decref(fps);
        return NULL;
    }
    sh_report__fingerprint(f, fp);
    json_set(r, "ruleId", json_str(id), &err);
    json_set(r, "ruleIndex", json_integer((json_int_t)rule_index), &err);
    json_set(r, "level", json_string(level(f->severity)), &err);
    json_set(r, "message", text_obj(text), &err);
    if (f->path && f->path[0]) {
        json_t *locs = json_array();
        if (!locs || json_array_append_new(locs, location_obj(f)))
            err = SH_ENOMEM;
        json_set(r, "locations", locs, &err);
    }
    json_set(fps, "salthunt/v1", json_string(fp), &err);
    json_set(r, "partialFingerprints", fps, &err);
    prop_str(props, "title", f->title, &err);
    json_set(props, "kind", json_string(sh_kind_str(f->kind)), &err);
    json_set(props, "severity", json_string(sh_severity_str(f->severity)), &err);
    json_set(props, "attack", json_list(&f->attack), &err);
    prop_str(props, "device", f->device, &err);
    prop_str(props, "platform", f->platform, &err);
    prop_str(props, "evidence", f->evidence, &err);
    prop_str(props, "remediation", f->remediation, &err);
    json_set(props, "references", json_list(&f->references), &err);
    prop_str(props, "time", f->time, &err);
    prop_str(props, "cve", f->cve, &err);
    prop_str(props, "state", f->state, &err);
    prop_str(props, "status", f->status, &err);
    prop_str(props, "first_seen", f->first_seen, &err);
    json_set(r, "properties", props, &err);
    if (err) {
        json_decref(r);
        return NULL;
    }
    return r;
}

/* Dump `v` pretty-printed, every line after the first indented by `pad`,
 * so values streamed one by one line up as in a whole-document dump.
 * jansson escapes newlines inside strings, so each '\n' is a line break. */
struct pad_ctx {
    struct sh_report_out *o;
    const char *pad;
};

static int pad_cb(const char *buffer, size_t size, void *data)
{
    struct pad_ctx *c = data;
    const char *p = buffer, *end = buffer + size;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        sh_report__add(c->o, p, n);
        if (nl)
            sh_report__adds(c->o, c->pad);
        p += n;
    }
    return c->o->err ? -1 : 0;
}

static void dump_padded(struct sh_report_out *o, const json_t *v, const char *pad)
{
    struct pad_ctx c = {o, pad};

    if (o->err)
        return;
    if (json_dump_callback(v, pad_cb, &c, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 && !o->err)
        o->err = SH_ENOMEM;
}

static int write_sarif(struct sh_report_out *o, const sh_findings *fs, const sh_report_info *info)
{
    json_t *tool = json_object(), *driver = json_object(), *rules = json_array(), *bases = NULL;
    struct sh_strmap index = {0};
    size_t *rule_of = NULL;
    bool relative = false;
    size_t i;
    int err = 0;

    SH_UNUSED(info);
    if (!tool || !driver || !rules) {
        err = SH_ENOMEM;
        goto out;
    }
    rule_of = sh_calloc(fs->n ? fs->n : 1, sizeof(*rule_of));
    if (!rule_of) {
        err = SH_ENOMEM;
        goto out;
    }
    /* Pass 1: the rules, each once in order of first appearance. Results
     * are then streamed one at a time, so memory does not grow with them. */
    for (i = 0; i < fs->n && !err; i++) {
        const sh_finding *f = fs->v[i];
        const char *id = f->rule ? f->rule : "unknown";
        void *hit = sh_strmap_get(&index, id);

        if (f->path && f->path[0] && f->path[0] != '/')
            relative = true;
        if (hit) {
            rule_of[i] = (size_t)(uintptr_t)hit - 1;
            continue;
        }
        rule_of[i] = json_array_size(rules);
        if (json_array_append_new(rules, rule_obj(f, id)) ||
            sh_strmap_put(&index, id, (void *)(uintptr_t)(rule_of[i] + 1), NULL))
            err = SH_ENOMEM;
    }
    json_set(driver, "name", json_string("salthunt"), &err);
    json_set(driver, "version", json_string(SH_VERSION_STRING), &err);
    json_set(driver, "semanticVersion", json_string(SH_VERSION_STRING), &err);
    json_set(driver, "rules", rules, &err);
    rules = NULL;
    json_set(tool, "driver", driver, &err);
    driver = NULL;
    if (relative) {
        json_t *root = json_object();
        bases = json_object();
        json_set(root, "description",
                 text_obj("the folder salthunt was run from; relative evidence "
                          "paths are as the user named them"),
                 &err);
        json_set(bases, "SRCROOT", root, &err);
    }
    if (err)
        goto out;
    sh_report__adds(o, "{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n"
                       "  \"version\": \"2.1.0\",\n  \"runs\": [\n    {\n      \"tool\": ");
    dump_padded(o, tool, "      ");
    if (bases) {
        sh_report__adds(o, ",\n      \"originalUriBaseIds\": ");
        dump_padded(o, bases, "      ");
    }
    sh_report__adds(o, ",\n      \"results\": [");
    for (i = 0; i < fs->n && !o->err; i++) {
        const sh_finding *f = fs->v[i];
        json_t *r = result_obj(f, f->rule ? f->rule : "unknown", rule_of[i]);
        if (!r) {
            err = SH_ENOMEM;
            goto out;
        }
        sh_report__adds(o, i ? ",\n        " : "\n        ");
        dump_padded(o, r, "        ");
        json_decref(r);
    }
    sh_report__adds(o, fs->n ? "\n      ]\n    }\n  ]\n}\n" : "]\n    }\n  ]\n}\n");
out:
    sh_free(rule_of);
    sh_strmap_free(&index, NULL);
    json_decref(tool);
    json_decref(driver);
    json_decref(rules);
    json_decref(bases);
    return err;
}

const struct sh_report_writer sh_report__sarif_writer = {"sarif", write_sarif};
