/*
 * fuzz_report.c - every report writer over a finding built from arbitrary
 * bytes, checking what consumers rely on: the jsonl line parses and gives
 * back message and evidence (invalid UTF-8 as U+FFFD), the SARIF document
 * parses, and no writer fails on any input.
 *
 * Input: 4 bytes (kind, severity, line, end_line), then NUL-separated
 * fields: rule, title, device, platform, path, evidence, message,
 * remediation, time, cve, state, attack (comma list), references (comma
 * list). Missing fields stay NULL.
 */
#include "base/sh_base.h"

#include <jansson.h>
#include <stdlib.h>

#include "report/report_int.h"
#include "salthunt/sh_report.h"

#define MAX_INPUT (64u * 1024u)

static int buf_sink(const char *data, size_t len, void *ud)
{
    return sh_buf_add(ud, data, len);
}

static void split_list(sh_strlist *l, const char *s)
{
    const char *p = s;

    while (p && *p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char *item = sh_strndup(p, n);
        if (item) {
            sh_strlist_push(l, item);
            sh_free(item);
        }
        p = e ? e + 1 : NULL;
    }
}

static void expect_round_trip(const json_t *obj, const char *key, const char *orig)
{
    const char *got = json_string_value(json_object_get(obj, key));
    char *want;

    if (!orig) {
        if (!json_is_null(json_object_get(obj, key)))
            abort();
        return;
    }
    want = sh_report__utf8_clean(orig);
    if (!want)
        return;
    if (!got || strcmp(got, want) != 0)
        abort();
    sh_free(want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *fields[13] = {0};
    sh_finding *f;
    sh_findings list = {0}, gone = {0};
    sh_scan_result scan;
    sh_report_info info = SH_REPORT_INFO_INIT;
    size_t i, n = 0, start;
    unsigned fmt;

    if (size < 4 || size > MAX_INPUT)
        return 0;
    f = sh_finding_new();
    if (!f)
        return 0;
    f->kind = (sh_kind)(data[0] % (SH_KIND_COVERAGE + 1));
    f->severity = (sh_severity)(data[1] % (SH_SEV_CRITICAL + 1));
    f->line = data[2];
    f->end_line = data[3] > 200 ? 0 : data[3];
    for (start = 4, i = 4; i <= size && n < 13; i++) {
        if (i == size || data[i] == 0) {
            fields[n++] = sh_strndup((const char *)data + start, i - start);
            start = i + 1;
        }
    }
    f->rule = fields[0];
    f->title = fields[1];
    f->device = fields[2] && fields[2][0] ? fields[2] : NULL;
    f->platform = fields[3];
    f->path = fields[4] && fields[4][0] ? fields[4] : NULL;
    f->evidence = fields[5];
    f->message = fields[6];
    f->remediation = fields[7];
    f->time = fields[8];
    f->cve = fields[9];
    f->state = fields[10];
    if (!f->device)
        sh_free(fields[2]);
    if (!f->path)
        sh_free(fields[4]);
    split_list(&f->attack, fields[11]);
    split_list(&f->references, fields[12]);
    sh_free(fields[11]);
    sh_free(fields[12]);
    f->status = data[1] & 0x80 ? "new" : "seen";
    sh_finding_fingerprint(f);
    if (sh_findings_take(&list, f))
        return 0;
    /* A second copy, on another device, and the same as a gone finding. */
    if (sh_findings_take(&list, sh_finding_dup(f)) == 0 && list.n == 2) {
        sh_free(list.v[1]->device);
        list.v[1]->device = sh_strdup("other");
    }
    sh_findings_take(&gone, sh_finding_dup(f));
    memset(&scan, 0, sizeof(scan));
    info.scan = &scan;
    info.gone = &gone;
    info.have_history = true;
    info.color = data[0] & 0x80;

    for (fmt = SH_FMT_TEXT; fmt <= SH_FMT_MARKDOWN; fmt++) {
        struct sh_buf b;
        int rc;

        sh_buf_init(&b, 0);
        rc = sh_report_write((sh_format)fmt, &list, &info, buf_sink, &b, NULL);
        if (rc && rc != SH_ENOMEM)
            abort();
        if (!rc && fmt == SH_FMT_JSONL) {
            char *nl = b.ptr ? strchr(b.ptr, '\n') : NULL;
            json_t *j;
            if (!nl)
                abort();
            *nl = '\0';
            j = json_loads(b.ptr, 0, NULL);
            if (!j)
                abort();
            expect_round_trip(j, "message", f->message);
            expect_round_trip(j, "evidence", f->evidence);
            expect_round_trip(j, "path", f->path);
            json_decref(j);
        }
        if (!rc && fmt == SH_FMT_SARIF) {
            json_t *j = json_loads(b.ptr, 0, NULL);
            if (!j || !json_is_array(json_object_get(j, "runs")))
                abort();
            json_decref(j);
        }
        if (!rc && (fmt == SH_FMT_TEXT || fmt == SH_FMT_HTML || fmt == SH_FMT_MARKDOWN) &&
            !info.color && b.ptr && strchr(b.ptr, 0x1b))
            abort();
        if (!rc && fmt == SH_FMT_HTML && b.ptr && strstr(b.ptr, "<script"))
            abort();
        sh_buf_free(&b);
    }
    sh_findings_clear(&list);
    sh_findings_clear(&gone);
    return 0;
}
