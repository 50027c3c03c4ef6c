/*
 * event.c - field storage of one parsed log record.
 *
 * An event is a fixed-size value: fields and decoded values live inside it,
 * so parsing a line never allocates. Not thread-safe per event; distinct
 * events may be used from distinct threads.
 */
#include "../base/sh_base.h"

#include "event.h"

static const char *const core_fields[] = {
    "host",          "time",        "facility", "severity", "program", "pid",      "mnemonic",
    "facility_code", "subfacility", "message",  "user",     "src_ip",  "src_port", "dst_ip",
    "dst_port",      "local_port",  "command",  "relay",    "node",    "sequence", "raw",
};

const char *const *sh_log_event_core_fields(size_t *n)
{
    if (n)
        *n = SH_ARRAY_LEN(core_fields);
    return core_fields;
}

const char *sh_log_event_get(const struct sh_log_event *e, const char *name, uint32_t *len)
{
    uint32_t i;

    if (!e || !name)
        return NULL;
    for (i = 0; i < e->n_fields; i++) {
        if (strcmp(e->fields[i].name, name) == 0) {
            if (len)
                *len = e->fields[i].len;
            return e->fields[i].value;
        }
    }
    return NULL;
}

void sh_log_event__reset(struct sh_log_event *e, const char *raw, size_t raw_len)
{
    e->raw = raw;
    e->raw_len = raw_len;
    e->ts_ms = 0;
    e->parsed = false;
    e->n_fields = 0;
    e->scratch_used = 0;
}

int sh_log_event__add(struct sh_log_event *e, const char *name, const char *value, size_t len)
{
    if (e->n_fields >= SH_LOG_MAX_FIELDS)
        return SH_ELIMIT;
    if (len > UINT32_MAX)
        len = UINT32_MAX;
    e->fields[e->n_fields].name = name;
    e->fields[e->n_fields].value = value;
    e->fields[e->n_fields].len = (uint32_t)len;
    e->n_fields++;
    return 0;
}

char *sh_log_event__scratch(struct sh_log_event *e, size_t n)
{
    char *p;

    if (n > SH_LOG_SCRATCH - e->scratch_used)
        return NULL;
    p = e->scratch + e->scratch_used;
    e->scratch_used += (uint32_t)n;
    return p;
}

bool sh_log_event_same(const struct sh_log_event *a, const struct sh_log_event *b, const char *line,
                       size_t len)
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
