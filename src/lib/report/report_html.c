/*
 * report_html.c - one self-contained HTML page: summary, a table of
 * devices, then one table of findings per device.
 *
 * Every piece of finding text is attacker-written: & < > " ' are escaped
 * as entities, controls and bidi overrides become visible escapes, and a
 * Content-Security-Policy forbids scripts and remote loads, so even a
 * missed escape could not run code. CSS is embedded; no scripts are used.
 * Thread-safe.
 */
#include "../base/sh_base.h"

#include "report_int.h"

static const char css[] =
    "body{font-family:system-ui,sans-serif;margin:2em;color:#222;background:#fff}"
    "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}"
    "table{border-collapse:collapse;width:100%;margin:.5em 0}"
    "th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}"
    "th{background:#f0f0f0}td.n{text-align:right}"
    "pre{white-space:pre-wrap;word-break:break-all;margin:.3em 0;background:#f7f7f7;"
    "padding:.3em}"
    ".sev{font-weight:bold;white-space:nowrap}.critical{color:#fff;background:#a00}"
    ".high{color:#a00}.medium{color:#a60}.low{color:#06a}.info{color:#666}"
    ".new{font-size:.8em;background:#ffd;border:1px solid #cc9;padding:0 .3em}"
    ".meta{color:#555;font-size:.9em}td p{white-space:pre-wrap;margin:.2em 0}"
    "p.summary{font-weight:bold}";

static const char *html_esc(unsigned char c)
{
    switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    case '\'': return "&#39;";
    default: return NULL;
    }
}

static void put(struct sh_report_out *o, const char *s)
{
    sh_report__add_visible(o, s, "\n", html_esc);
}

static void location(struct sh_report_out *o, const sh_finding *f)
{
    sh_report__location(o, f, "\n", html_esc);
}

static void labelled(struct sh_report_out *o, const char *label, const char *v, bool pre)
{
    if (!v || !*v)
        return;
    sh_report__printf(o, "<div class=\"meta\">%s</div>%s", label, pre ? "<pre>" : "<p>");
    put(o, v);
    sh_report__adds(o, pre ? "</pre>" : "</p>");
}

static void row(struct sh_report_out *o, const sh_finding *f, bool with_device)
{
    size_t i;

    sh_report__printf(o, "<tr><td class=\"sev %s\">%s</td><td>", sh_severity_str(f->severity),
                      sh_report__sev_upper(f->severity));
    put(o, f->rule ? f->rule : "-");
    sh_report__adds(o, "</td><td>");
    if (with_device && f->device) {
        put(o, f->device);
        sh_report__adds(o, "<br>");
    }
    location(o, f);
    sh_report__adds(o, "</td><td><p>");
    put(o, f->message ? f->message : f->title);
    if (f->status && strcmp(f->status, "new") == 0)
        sh_report__adds(o, " <span class=\"new\">new</span>");
    sh_report__adds(o, "</p>");
    if (f->title && f->message)
        labelled(o, "title", f->title, false);
    labelled(o, "evidence", f->evidence, true);
    labelled(o, "time", f->time, false);
    if (f->cve) {
        sh_report__adds(o, "<div class=\"meta\">cve</div><p>");
        put(o, f->cve);
        if (f->state) {
            sh_report__adds(o, " (");
            put(o, f->state);
            sh_report__adds(o, ")");
        }
        sh_report__adds(o, "</p>");
    }
    labelled(o, "remediation", f->remediation, true);
    if (f->attack.n) {
        sh_report__adds(o, "<div class=\"meta\">ATT&amp;CK</div><p>");
        for (i = 0; i < f->attack.n; i++) {
            if (i)
                sh_report__adds(o, ", ");
            put(o, f->attack.v[i]);
        }
        sh_report__adds(o, "</p>");
    }
    if (f->references.n) {
        sh_report__adds(o, "<div class=\"meta\">references</div><p>");
        for (i = 0; i < f->references.n; i++) {
            if (i)
                sh_report__adds(o, "<br>");
            put(o, f->references.v[i]);
        }
        sh_report__adds(o, "</p>");
    }
    if (f->first_seen && f->status && strcmp(f->status, "seen") == 0)
        labelled(o, "first seen", f->first_seen, false);
    sh_report__adds(o, "</td></tr>\n");
}

static const char table_head[] =
    "<table><thead><tr><th>severity</th><th>rule</th><th>location</th><th>finding</th></tr>"
    "</thead><tbody>\n";

static void group_title(struct sh_report_out *o, const struct sh_report_group *g)
{
    sh_report__group_title(o, g, put);
}

static int write_html(struct sh_report_out *o, const sh_findings *fs, const sh_report_info *info)
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
    sh_report__adds(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
                       "'none'; style-src 'unsafe-inline'\">\n"
                       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                       "<title>salthunt report</title>\n<style>");
    sh_report__adds(o, css);
    sh_report__adds(o,
                    "</style>\n</head>\n<body>\n<h1>salthunt report</h1>\n<p class=\"summary\">");
    sh_report__summary(o, &t, info, fs->n);
    sh_report__adds(o, "</p>\n");
    if (info->have_history) {
        sh_report__adds(o, "<p>");
        sh_report__history(o, &t);
        sh_report__adds(o, "</p>\n");
    }
    if (groups.n) {
        sh_report__adds(o, "<h2>devices</h2>\n<table><thead><tr><th>device</th>"
                           "<th>critical</th><th>high</th><th>medium</th><th>low</th>"
                           "<th>info</th></tr></thead><tbody>\n");
        for (i = 0; i < groups.n; i++) {
            sh_report__printf(o, "<tr><td><a href=\"#g%zu\">", i + 1);
            group_title(o, &groups.v[i]);
            sh_report__adds(o, "</a></td>");
            for (s = SH_SEV_CRITICAL; s >= SH_SEV_INFO; s--)
                sh_report__printf(o, "<td class=\"n\">%zu</td>", groups.v[i].count[s]);
            sh_report__adds(o, "</tr>\n");
        }
        sh_report__adds(o, "</tbody></table>\n");
    }
    for (i = 0; i < groups.n; i++) {
        const struct sh_report_group *g = &groups.v[i];
        sh_report__printf(o, "<h2 id=\"g%zu\">", i + 1);
        group_title(o, g);
        sh_report__adds(o, "</h2>\n");
        sh_report__adds(o, table_head);
        for (j = 0; j < g->n; j++)
            row(o, fs->v[g->idx[j]], false);
        sh_report__adds(o, "</tbody></table>\n");
    }
    if (info->have_history && t.gone) {
        sh_report__adds(o, "<h2 id=\"gone\">gone since the last scan</h2>\n");
        sh_report__adds(o, table_head);
        for (i = 0; i < info->gone->n; i++)
            row(o, info->gone->v[i], true);
        sh_report__adds(o, "</tbody></table>\n");
    }
    sh_report__adds(o, "</body>\n</html>\n");
    sh_report__groups_free(&groups);
    return SH_OK;
}

const struct sh_report_writer sh_report__html_writer = {"html", write_html};
