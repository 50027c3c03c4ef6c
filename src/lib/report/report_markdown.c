/*
 * report_markdown.c - Markdown (GitHub flavour): a summary table of
 * devices, then one section with a findings table per device.
 *
 * Finding text is attacker-written and Markdown renders raw HTML, links,
 * emphasis and math, so every character with such a meaning (| ` \ * _ [ ]
 * < > & # ! ~ $ { }) is backslash-escaped, which CommonMark defines for
 * all ASCII punctuation; newlines inside a cell become <br>; controls and
 * bidi overrides become visible escapes. Thread-safe.
 */
#include "../base/sh_base.h"

#include "report_int.h"

static const char *md_esc(unsigned char c)
{
    switch (c) {
    case '|': return "\\|";
    case '`': return "\\`";
    case '\\': return "\\\\";
    case '*': return "\\*";
    case '_': return "\\_";
    case '[': return "\\[";
    case ']': return "\\]";
    case '<': return "\\<";
    case '>': return "\\>";
    case '&': return "\\&";
    case '#': return "\\#";
    case '!': return "\\!";
    case '~': return "\\~";
    case '$': return "\\$";
    case '{': return "\\{";
    case '}': return "\\}";
    default: return NULL;
    }
}

static void put(struct sh_report_out *o, const char *s)
{
    sh_report__add_visible(o, s, "<br>", md_esc);
}

static void location(struct sh_report_out *o, const sh_finding *f)
{
    sh_report__location(o, f, "<br>", md_esc);
}

static void part(struct sh_report_out *o, const char *label, const char *v)
{
    if (!v || !*v)
        return;
    sh_report__printf(o, "<br>**%s:** ", label);
    put(o, v);
}

static void row(struct sh_report_out *o, const sh_finding *f, bool with_device)
{
    sh_report__printf(o, "| %s | ", sh_report__sev_upper(f->severity));
    put(o, f->rule ? f->rule : "-");
    sh_report__adds(o, " | ");
    if (with_device && f->device) {
        put(o, f->device);
        sh_report__adds(o, " ");
    }
    location(o, f);
    sh_report__adds(o, " | ");
    put(o, f->message ? f->message : f->title ? f->title : "-");
    if (f->status && strcmp(f->status, "new") == 0)
        sh_report__adds(o, " **new**");
    part(o, "evidence", f->evidence);
    part(o, "time", f->time);
    part(o, "cve", f->cve);
    part(o, "state", f->state);
    part(o, "remediation", f->remediation);
    if (f->first_seen && f->status && strcmp(f->status, "seen") == 0)
        part(o, "first seen", f->first_seen);
    sh_report__adds(o, " |\n");
}

static void group_title(struct sh_report_out *o, const struct sh_report_group *g)
{
    sh_report__group_title(o, g, put);
}

static const char table_head[] =
    "| severity | rule | location | finding |\n| --- | --- | --- | --- |\n";

static int write_markdown(struct sh_report_out *o, const sh_findings *fs,
                          const sh_report_info *info)
{
    struct sh_report_groups groups;
    struct sh_report_totals t;
    size_t i, j;
    int s, rc;

    rc = sh_report__totals(&t, fs, info);
    if (rc)
        return rc;
    rc = sh_report__group(&groups, fs, info);
    if (rc)
        return rc;
    sh_report__adds(o, "# salthunt report\n\n");
    sh_report__summary(o, &t, info, fs->n);
    sh_report__adds(o, "\n");
    if (info->have_history) {
        sh_report__adds(o, "\n");
        sh_report__history(o, &t);
        sh_report__adds(o, "\n");
    }
    if (groups.n) {
        sh_report__adds(o, "\n| device | critical | high | medium | low | info |\n"
                           "| --- | ---: | ---: | ---: | ---: | ---: |\n");
        for (i = 0; i < groups.n; i++) {
            sh_report__adds(o, "| ");
            group_title(o, &groups.v[i]);
            for (s = SH_SEV_CRITICAL; s >= SH_SEV_INFO; s--)
                sh_report__printf(o, " | %zu", groups.v[i].count[s]);
            sh_report__adds(o, " |\n");
        }
    }
    for (i = 0; i < groups.n; i++) {
        const struct sh_report_group *g = &groups.v[i];
        sh_report__adds(o, "\n## ");
        group_title(o, g);
        sh_report__adds(o, "\n\n");
        sh_report__adds(o, table_head);
        for (j = 0; j < g->n; j++)
            row(o, fs->v[g->idx[j]], false);
    }
    if (info->have_history && t.gone) {
        sh_report__adds(o, "\n## gone since the last scan\n\n");
        sh_report__adds(o, table_head);
        for (i = 0; i < info->gone->n; i++)
            row(o, info->gone->v[i], true);
    }
    sh_report__groups_free(&groups);
    return SH_OK;
}

const struct sh_report_writer sh_report__markdown_writer = {"markdown", write_markdown};
