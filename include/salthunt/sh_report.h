/*
 * sh_report.h - render findings: text, jsonl, sarif, csv, html, markdown.
 *
 * Writers produce deterministic output (stable order, no timestamps unless
 * the findings carry them) so golden tests can compare bytes. They write
 * only through a sink callback; sh_report_file_sink adapts a FILE *.
 * HTML escapes everything and embeds its CSS.
 */
#ifndef SALTHUNT_SH_REPORT_H
#define SALTHUNT_SH_REPORT_H

#include <stdio.h>

#include "salthunt.h"
#include "sh_scan.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sh_format {
    SH_FMT_TEXT = 0,
    SH_FMT_JSONL,
    SH_FMT_SARIF,
    SH_FMT_CSV,
    SH_FMT_HTML,
    SH_FMT_MARKDOWN,
} sh_format;

SH_API int sh_format_parse(sh_format *out, const char *name);
SH_API const char *sh_format_name(sh_format f);

/** Write callback: return 0 on success, negative status on failure. */
typedef int (*sh_sink_fn)(const char *data, size_t len, void *ud);
/** Sink adapter: `ud` is a FILE *. */
SH_API int sh_report_file_sink(const char *data, size_t len, void *ud);

typedef struct sh_report_info {
    unsigned version;           /* SH_REPORT_INFO_VERSION */
    bool color;                 /* ANSI colour in text output (terminals only) */
    const sh_scan_result *scan; /* devices and counters, or NULL (e.g. `report`) */
    const sh_findings *gone;    /* findings of the previous scan no longer present, or NULL */
    bool have_history;          /* a previous scan existed: new/gone are meaningful */
    sh_severity fail_on;        /* for the summary line */
} sh_report_info;

#define SH_REPORT_INFO_VERSION 1
#define SH_REPORT_INFO_INIT                                                                        \
    {                                                                                              \
        SH_REPORT_INFO_VERSION, false, NULL, NULL, false, SH_SEV_HIGH                              \
    }

/**
 * Render `findings` (in the order given; callers sort) in `fmt` through
 * `sink`. Returns 0 or the sink's / an allocation failure status.
 */
SH_API int sh_report_write(sh_format fmt, const sh_findings *findings, const sh_report_info *info,
                           sh_sink_fn sink, void *ud, sh_diag *diag);

#ifdef __cplusplus
}
#endif
#endif
