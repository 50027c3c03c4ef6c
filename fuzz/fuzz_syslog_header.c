/*
 * fuzz_syslog_header.c - sh_syslog_parse_header against sh_syslog_parse.
 *
 * The first byte picks the options (as in fuzz_syslog); the rest is the
 * line, parsed in every mode both ways. Aborts when the header-only parse
 * disagrees with the full one on parsed, ts_ms or host, or when its hint
 * misses what the full parse produced: a field value outside the line
 * (other than the header's time, facility and severity) without
 * SH_SYSLOG_HINT_NONRAW, a command field without SH_SYSLOG_HINT_COMMAND.
 * Both parses must also equal those of the general code without the fast
 * paths (events and hints identical).
 */
#include "log/syslog.h"
#include "syslog_opts.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_host(const struct sh_log_event *a, const struct sh_log_event *b)
{
    uint32_t na = 0, nb = 0;
    const char *ha = sh_log_event_get(a, "host", &na), *hb = sh_log_event_get(b, "host", &nb);

    if (!ha || !hb)
        return !ha && !hb;
    return na == nb && memcmp(ha, hb, na) == 0;
}

static void check(const struct sh_log_event *full, const struct sh_log_event *hdr, unsigned hint,
                  const char *line, size_t len)
{
    uint32_t i;

    if (full->parsed != hdr->parsed || full->ts_ms != hdr->ts_ms || !same_host(full, hdr))
        abort();
    for (i = 0; i < full->n_fields; i++) {
        const struct sh_log_field *f = &full->fields[i];
        bool inside = f->value >= line && f->value + f->len <= line + len;
        bool header = !strcmp(f->name, "time") || !strcmp(f->name, "facility") ||
                      !strcmp(f->name, "severity");
        if (!inside && !header && !(hint & SH_SYSLOG_HINT_NONRAW))
            abort();
        if (!strcmp(f->name, "command") && !(hint & SH_SYSLOG_HINT_COMMAND))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct sh_log_event full, hdr, gen;
    const char *line;
    size_t len;
    int mode;

    if (size < 1)
        return 0;
    line = (const char *)data + 1;
    len = size - 1;
    for (mode = SH_SYSLOG_AUTO; mode <= SH_SYSLOG_ACCT; mode++) {
        struct sh_syslog_opts o = fuzz_syslog_opts(data[0], mode);
        unsigned hint = 0, ghint = 0;
        sh_syslog_parse(&full, line, len, &o);
        sh_syslog__parse_general(&gen, line, len, &o);
        if (!sh_log_event_same(&full, &gen, line, len))
            abort();
        sh_syslog_parse_header(&hdr, line, len, &o, &hint);
        check(&full, &hdr, hint, line, len);
        sh_syslog__parse_header_general(&gen, line, len, &o, &ghint);
        if (!sh_log_event_same(&hdr, &gen, line, len) || hint != ghint)
            abort();
    }
    return 0;
}
