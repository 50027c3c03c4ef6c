/*
 * syslog_same.h - whether two events of one line are identical (parsed,
 * ts_ms, every field's name, order and value bytes, and whether a value
 * lies in the line at the same place): the syslog fuzz targets compare the
 * parser's fast paths with its general code this way.
 */
#ifndef SH_FUZZ_SYSLOG_SAME_H
#define SH_FUZZ_SYSLOG_SAME_H

#include "log/syslog.h"

#include <string.h>

static inline bool fuzz_syslog_same(const struct sh_log_event *a, const struct sh_log_event *b,
                                    const char *line, size_t len)
{
    uint32_t i;

    if (a->parsed != b->parsed || a->ts_ms != b->ts_ms || a->n_fields != b->n_fields)
        return false;
    for (i = 0; i < a->n_fields; i++) {
        const struct sh_log_field *f = &a->fields[i], *g = &b->fields[i];
        bool fin = f->value >= line && f->value <= line + len;
        bool gin = g->value >= line && g->value <= line + len;
        if (strcmp(f->name, g->name) != 0 || f->len != g->len || fin != gin ||
            (fin && f->value != g->value) || memcmp(f->value, g->value, f->len) != 0)
            return false;
    }
    return true;
}

#endif
