/*
 * report_text.c - the terminal report: findings grouped by device, most
 * severe first, evidence and remediation indented below, then a summary.
 *
 * Evidence is attacker-written, so control characters (ANSI escapes
 * included) and bidirectional overrides are shown as visible escapes and
 * can never recolour or rewrite the analyst's terminal. Colour is added
 * only when info->color is set. Stateless; thread-safe.
 */
#include "../base/sh_base.h"

#include "report_int.h"

#include <stdio.h>

#define IND "      "

static const char *sev_color(sh_severity s)
{
    switch (s) {
    case SH_SEV_CRITICAL: return "\x1b[1;31m";
    case SH_SEV_HIGH: return "\x1b[31m";
    case SH_SEV_MEDIUM: return "\x1b[33m";
    case SH_SEV_LOW: return "\x1b[36m";
    default: return "\x1b[2m";
    }
}

static void put(struct sh_report_out *o, const char *s)
{
    sh_report__add_visible(o, s, NULL, NULL);
}

static void location(struct sh_report_out *o, const sh_finding *f)
{
    sh_report__location(o, f, NULL, NULL);
}

/* A labelled block whose continuation lines line up under its first. */
static void field(struct sh_report_out *o, const char *label, const char *value)
{
    char nl[64];

    if (!value || !*value)
        return;
    snprintf(nl, sizeof(nl), "\n" IND "%*s", (int)strlen(label) + 2, "");
    sh_report__printf(o, IND "%s: ", label);
    sh_report__add_visible(o, value, nl, NULL);
    sh_report__adds(o, "\n");
}

static void finding_line(struct sh_report_out *o, const sh_finding *f, bool color, bool with_device)
{
    const char *text = f->message ? f->message : f->title;

    sh_report__adds(o, "  ");
    if (color)
        sh_report__adds(o, sev_color(f->severity));
    sh_report__printf(o, "%-8s", sh_report__sev_upper(f->severity));
    if (color)
        sh_report__adds(o, "\x1b[0m");
    sh_report__adds(o, "  ");
    sh_report__add_visible(o, f->rule ? f->rule : "-", NULL, NULL);
    sh_report__adds(o, "  ");
    if (with_device && f->device) {
        sh_report__add_visible(o, f->device, NULL, NULL);
        sh_report__adds(o, "  ");
    }
    location(o, f);
    if (text) {
        sh_report__adds(o, "  ");
        sh_report__add_visible(o, text, NULL, NULL);
    }
    if (f->status && strcmp(f->status, "new") == 0) {
        sh_report__adds(o, color ? "  \x1b[1m[new]\x1b[0m" : "  [new]");
    } else if (f->status && f->first_seen) {
        /* The day is what a reader needs; the full time is in the other formats. */
        size_t n = strlen(f->first_seen) >= 10 && f->first_seen[4] == '-' ? 10 : SIZE_MAX;
        char *day = sh_strndup(f->first_seen, n);
        sh_report__adds(o, "  [since ");
        sh_report__add_visible(o, day ? day : f->first_seen, NULL, NULL);
        sh_report__adds(o, "]");
        sh_free(day);
    }
    sh_report__adds(o, "\n");
}

static void finding_block(struct sh_report_out *o, const sh_finding *f, bool color)
{
    finding_line(o, f, color, false);
    if (f->message && f->title && strcmp(f->message, f->title) != 0)
        field(o, "title", f->title);
    field(o, "evidence", f->evidence);
    field(o, "time", f->time);
    if (f->cve) {
        sh_report__adds(o, IND "cve: ");
        sh_report__add_visible(o, f->cve, NULL, NULL);
        if (f->state) {
            sh_report__adds(o, " (");
            sh_report__add_visible(o, f->state, NULL, NULL);
            sh_report__adds(o, ")");
        }
        sh_report__adds(o, "\n");
    }
    field(o, "remediation", f->remediation);
}

static int write_text(struct sh_report_out *o, const sh_findings *fs, const sh_report_info *info)
{
    struct sh_report_groups groups;
    struct sh_report_totals t;
    size_t i, j;
    int rc;

    rc = sh_report__totals(&t, fs, info);
    if (rc)
        return rc;
    rc = sh_report__group(&groups, fs, info);
    if (rc)
        return rc;
    for (i = 0; i < groups.n; i++) {
        const struct sh_report_group *g = &groups.v[i];
        if (info->color)
            sh_report__adds(o, "\x1b[1m");
        sh_report__group_title(o, g, put);
        if (info->color)
            sh_report__adds(o, "\x1b[0m");
        sh_report__adds(o, "\n");
        for (j = 0; j < g->n; j++)
            finding_block(o, fs->v[g->idx[j]], info->color);
        sh_report__adds(o, "\n");
    }
    sh_report__summary(o, &t, info, fs->n);
    sh_report__adds(o, "\n");
    if (info->have_history) {
        sh_report__history(o, &t);
        sh_report__adds(o, "\n");
        if (t.gone) {
            sh_report__adds(o, "gone:\n");
            for (i = 0; i < info->gone->n; i++)
                finding_line(o, info->gone->v[i], info->color, true);
        }
    }
    sh_report__groups_free(&groups);
    return SH_OK;
}

const struct sh_report_writer sh_report__text_writer = {"text", write_text};
