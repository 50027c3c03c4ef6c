/*
 * fuzz_syslog.c - sh_syslog_parse over arbitrary lines in every mode.
 *
 * The first byte picks the mode and options (year given or inferred, a
 * zone offset); the rest is the line. Every event produced is checked for
 * field bounds: values inside the line, the scratch or a static word, and
 * must equal the event of the general code without the fast paths
 * (sh_syslog__parse_general); any difference aborts.
 */
#include "log/syslog.h"
#include "syslog_opts.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct sh_log_event *ev, const char *line, size_t len)
{
    uint32_t i;
    static volatile unsigned sum;

    if (ev->n_fields > SH_LOG_MAX_FIELDS || ev->scratch_used > SH_LOG_SCRATCH)
        abort();
    for (i = 0; i < ev->n_fields; i++) {
        const char *v = ev->fields[i].value;
        size_t n = ev->fields[i].len;
        bool in_line = v >= line && v + n <= line + len;
        bool in_scratch = v >= ev->scratch && v + n <= ev->scratch + ev->scratch_used;
        /* otherwise a static word such as "local7" or "5" */
        if (!in_line && !in_scratch && n > 0 && strlen(v) != n)
            abort();
        for (size_t k = 0; k < n; k++)
            sum += (unsigned char)v[k]; /* ASan checks every byte is readable */
        if (!ev->fields[i].name || !ev->fields[i].name[0])
            abort();
    }
    (void)sh_log_event_get(ev, "message", NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct sh_log_event ev, gen;
    const char *line;
    size_t len;
    int mode;

    if (size < 1)
        return 0;
    line = (const char *)data + 1;
    len = size - 1;
    for (mode = SH_SYSLOG_AUTO; mode <= SH_SYSLOG_ACCT; mode++) {
        struct sh_syslog_opts o = fuzz_syslog_opts(data[0], mode);
        sh_syslog_parse(&ev, line, len, &o);
        check(&ev, line, len);
        sh_syslog__parse_general(&gen, line, len, &o);
        if (!sh_log_event_same(&ev, &gen, line, len))
            abort();
    }
    (void)sh_syslog_detect(line, len);
    return 0;
}
