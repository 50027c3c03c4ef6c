/*
 * report_csv.c - RFC 4180 CSV with the §5 field names as header row.
 *
 * Fields with a comma, quote, CR or LF are quoted and quotes doubled;
 * records end with CRLF. Evidence and messages are attacker-written and
 * analysts open CSV in spreadsheets, so any cell that starts with = + - @
 * TAB or CR gets a leading ' and can never run as a formula (OWASP CSV
 * injection advice). Lists are joined with ';'. Control characters other
 * than TAB and LF, bidi overrides and invalid UTF-8 bytes are written as
 * visible escapes (\xNN, \uNNNN), as in the text report, so neither a
 * spreadsheet nor `cat` in a terminal sees them raw. Thread-safe.
 */
#include "../base/sh_base.h"

#include "report_int.h"

static const char *const header[] = {
    "rule", "title", "kind",     "severity",    "attack",  "device",      "platform",
    "path", "line",  "end_line", "evidence",    "message", "remediation", "references",
    "time", "cve",   "state",    "fingerprint", "status",  "first_seen",
};

static void cell(struct sh_report_out *o, const char *s, bool first)
{
    char *clean;
    const char *p;
    bool quote;

    if (!first)
        sh_report__adds(o, ",");
    if (!s || !*s)
        return;
    clean = sh_report__visible_dup(s);
    if (!clean) {
        o->err = o->err ? o->err : SH_ENOMEM;
        return;
    }
    quote = strpbrk(clean, ",\"\r\n") != NULL;
    if (quote)
        sh_report__adds(o, "\"");
    if (strchr("=+-@\t\r", clean[0]))
        sh_report__adds(o, "'");
    for (p = clean; *p; p++) {
        const char *q = strchr(p, '"');
        if (!q) {
            sh_report__adds(o, p);
            break;
        }
        sh_report__add(o, p, (size_t)(q - p));
        sh_report__adds(o, "\"\"");
        p = q;
    }
    if (quote)
        sh_report__adds(o, "\"");
    sh_free(clean);
}

static void list_cell(struct sh_report_out *o, const sh_strlist *l)
{
    struct sh_buf b;
    size_t i;
    int rc = 0;

    sh_buf_init(&b, 0);
    for (i = 0; i < l->n && !rc; i++) {
        if (i)
            rc = sh_buf_addc(&b, ';');
        if (!rc)
            rc = sh_buf_adds(&b, l->v[i]);
    }
    if (rc)
        o->err = o->err ? o->err : rc;
    cell(o, b.ptr, false);
    sh_buf_free(&b);
}

static void num_cell(struct sh_report_out *o, uint32_t n)
{
    if (n)
        sh_report__printf(o, ",%u", n);
    else
        sh_report__adds(o, ",");
}

static int write_csv(struct sh_report_out *o, const sh_findings *fs, const sh_report_info *info)
{
    size_t i;

    SH_UNUSED(info);
    for (i = 0; i < SH_ARRAY_LEN(header); i++)
        cell(o, header[i], i == 0);
    sh_report__adds(o, "\r\n");
    for (i = 0; i < fs->n && !o->err; i++) {
        const sh_finding *f = fs->v[i];
        char fp[17];

        sh_report__fingerprint(f, fp);
        cell(o, f->rule, true);
        cell(o, f->title, false);
        cell(o, sh_kind_str(f->kind), false);
        cell(o, sh_severity_str(f->severity), false);
        list_cell(o, &f->attack);
        cell(o, f->device, false);
        cell(o, f->platform, false);
        cell(o, f->path, false);
        num_cell(o, f->line);
        num_cell(o, f->line ? sh_report__end_line(f) : 0);
        cell(o, f->evidence, false);
        cell(o, f->message, false);
        cell(o, f->remediation, false);
        list_cell(o, &f->references);
        cell(o, f->time, false);
        cell(o, f->cve, false);
        cell(o, f->state, false);
        cell(o, fp, false);
        cell(o, f->status, false);
        cell(o, f->first_seen, false);
        sh_report__adds(o, "\r\n");
    }
    return SH_OK;
}

const struct sh_report_writer sh_report__csv_writer = {"csv", write_csv};
