/*
 * report_jsonl.c - one JSON object per finding per line (PRODUCT.md §5).
 *
 * Keys come in a fixed order; absent strings are null; status and
 * first_seen appear only when the store set them. jansson escapes control
 * characters; invalid UTF-8 is replaced by U+FFFD so every line parses.
 * Also holds the JSON helpers the SARIF writer shares. Thread-safe.
 */
#include "../base/sh_base.h"

#include "report_int.h"

json_t *sh_report__json_str(const char *s)
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

json_t *sh_report__json_list(const sh_strlist *l)
{
    json_t *a = json_array();
    size_t i;

    if (!a)
        return NULL;
    for (i = 0; i < l->n; i++) {
        if (json_array_append_new(a, sh_report__json_str(l->v[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

void sh_report__json_set(json_t *obj, const char *key, json_t *v, int *err)
{
    /* json_object_set_new releases v on failure, and fails on NULL. */
    if (json_object_set_new(obj, key, v) != 0 && !*err)
        *err = SH_ENOMEM;
}

static int dump_cb(const char *buffer, size_t size, void *data)
{
    struct sh_report_out *o = data;

    sh_report__add(o, buffer, size);
    return o->err ? -1 : 0;
}

void sh_report__json_dump(struct sh_report_out *o, const json_t *v, size_t flags)
{
    if (o->err)
        return;
    if (json_dump_callback(v, dump_cb, o, flags | JSON_PRESERVE_ORDER) != 0 && !o->err)
        o->err = SH_ENOMEM;
}

static json_t *line_value(uint32_t line)
{
    return line ? json_integer(line) : json_null();
}

json_t *sh_report__json_finding(const sh_finding *f)
{
    json_t *o = json_object();
    char fp[17];
    int err = 0;

    if (!o)
        return NULL;
    sh_report__fingerprint(f, fp);
    sh_report__json_set(o, "rule", sh_report__json_str(f->rule), &err);
    sh_report__json_set(o, "title", sh_report__json_str(f->title), &err);
    sh_report__json_set(o, "kind", json_string(sh_kind_str(f->kind)), &err);
    sh_report__json_set(o, "severity", json_string(sh_severity_str(f->severity)), &err);
    sh_report__json_set(o, "attack", sh_report__json_list(&f->attack), &err);
    sh_report__json_set(o, "device", sh_report__json_str(f->device), &err);
    sh_report__json_set(o, "platform", sh_report__json_str(f->platform), &err);
    sh_report__json_set(o, "path", sh_report__json_str(f->path), &err);
    sh_report__json_set(o, "line", line_value(f->line), &err);
    sh_report__json_set(o, "end_line", line_value(f->line ? sh_report__end_line(f) : 0), &err);
    sh_report__json_set(o, "evidence", sh_report__json_str(f->evidence), &err);
    sh_report__json_set(o, "message", sh_report__json_str(f->message), &err);
    sh_report__json_set(o, "remediation", sh_report__json_str(f->remediation), &err);
    sh_report__json_set(o, "references", sh_report__json_list(&f->references), &err);
    sh_report__json_set(o, "time", sh_report__json_str(f->time), &err);
    sh_report__json_set(o, "cve", sh_report__json_str(f->cve), &err);
    sh_report__json_set(o, "state", sh_report__json_str(f->state), &err);
    sh_report__json_set(o, "fingerprint", json_string(fp), &err);
    if (f->status)
        sh_report__json_set(o, "status", sh_report__json_str(f->status), &err);
    if (f->first_seen)
        sh_report__json_set(o, "first_seen", sh_report__json_str(f->first_seen), &err);
    if (err) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int write_jsonl(struct sh_report_out *o, const sh_findings *fs, const sh_report_info *info)
{
    size_t i;

    SH_UNUSED(info);
    for (i = 0; i < fs->n && !o->err; i++) {
        json_t *j = sh_report__json_finding(fs->v[i]);
        if (!j)
            return SH_ENOMEM;
        sh_report__json_dump(o, j, JSON_COMPACT);
        json_decref(j);
        sh_report__adds(o, "\n");
    }
    return SH_OK;
}

const struct sh_report_writer sh_report__jsonl_writer = {"jsonl", "application/x-ndjson",
                                                         write_jsonl};
