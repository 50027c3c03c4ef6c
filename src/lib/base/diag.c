/*
 * diag.c - status strings, the sh_diag record and enum names.
 * Filling a diag never allocates. Thread-safe.
 */
#include "sh_base.h"

#include <stdio.h>

const char *sh_status_str(int status)
{
    switch (status) {
    case SH_OK: return "ok";
    case SH_ENOMEM: return "out of memory";
    case SH_EINVAL: return "invalid argument";
    case SH_EPARSE: return "parse error";
    case SH_ERULE: return "rule error";
    case SH_EIO: return "i/o error";
    case SH_ENOTFOUND: return "not found";
    case SH_ELIMIT: return "limit exceeded";
    case SH_EDB: return "database error";
    case SH_EUNSUPPORTED: return "unsupported";
    case SH_EINTERNAL: return "internal error";
    default: return "unknown error";
    }
}

void sh_diag_clear(sh_diag *d)
{
    if (d)
        memset(d, 0, sizeof(*d));
}

int sh_diag_set(sh_diag *d, int code, const char *source, uint32_t line, const char *fmt, ...)
{
    va_list ap;

    if (!d)
        return code;
    d->code = code;
    d->line = line;
    d->column = 0;
    if (source)
        snprintf(d->source, sizeof(d->source), "%s", source);
    else
        d->source[0] = '\0';
    va_start(ap, fmt);
    vsnprintf(d->text, sizeof(d->text), fmt, ap);
    va_end(ap);
    return code;
}

static const char *const sev_names[] = {"info", "low", "medium", "high", "critical"};
static const char *const kind_names[] = {"ttp",   "ioc",    "exposure", "hardening",
                                         "drift", "rarity", "coverage"};

const char *sh_severity_str(sh_severity s)
{
    return (unsigned)s < SH_ARRAY_LEN(sev_names) ? sev_names[s] : "unknown";
}

int sh_severity_parse(sh_severity *out, const char *s)
{
    size_t i;

    for (i = 0; i < SH_ARRAY_LEN(sev_names); i++) {
        if (strcasecmp(s, sev_names[i]) == 0) {
            *out = (sh_severity)i;
            return SH_OK;
        }
    }
    return SH_EINVAL;
}

const char *sh_kind_str(sh_kind k)
{
    return (unsigned)k < SH_ARRAY_LEN(kind_names) ? kind_names[k] : "unknown";
}

int sh_kind_parse(sh_kind *out, const char *s)
{
    size_t i;

    for (i = 0; i < SH_ARRAY_LEN(kind_names); i++) {
        if (strcasecmp(s, kind_names[i]) == 0) {
            *out = (sh_kind)i;
            return SH_OK;
        }
    }
    return SH_EINVAL;
}
