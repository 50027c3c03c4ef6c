/*
 * fuzz_sigma.c - Sigma rule files on arbitrary bytes: load, compile,
 * evaluate and correlate must never crash, leak or hang. Bytes after a
 * line "#events" are also fed as device log lines through the loaded
 * rules (so the modifiers and correlations run on fuzzed input too).
 */
#include "base/sh_base.h"

#include "log/syslog.h"
#include "sigma/sigma_corr.h"
#include "sigma/sigma_eval.h"
#include "sigma/sigma_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fixed_lines[] = {
    "Oct 12 10:15:01 rtr1 412: *Oct 12 10:15:01.123 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: "
    "User:admin  logged command:username x privilege 15 secret 0 y",
    "Oct 12 10:16:01 rtr1 414: Oct 12 10:16:01 UTC: %SEC_LOGIN-5-LOGIN_SUCCESS: Login Success "
    "[user: admin] [Source: 10.1.1.5] [localport: 21111] at 10:16:01 UTC Thu Oct 12 2023",
    "2023 Oct 12 18:15:01 nx1 %AAA-6-AAA_ACCOUNTING_MESSAGE: update:10.1.1.5@pts/0:admin:"
    "configure terminal ; guestshell enable (SUCCESS)",
};

struct ctx {
    struct sg_hits *hits;
};

static int keep(const struct sg_rule *r, const struct sh_log_event *ev, void *ud)
{
    struct ctx *c = ud;
    return sh_sigma__hits_add(c->hits, r, ev, "fuzz.log");
}

static int on_corr(const struct sg_rule *r, const struct sg_hit *o, void *ud)
{
    (void)r;
    (void)o;
    (void)ud;
    return 0;
}

static struct sh_log_event ev;

static void feed(struct sg_scratch *sc, struct ctx *c, const char *line, size_t len, uint64_t n)
{
    memset(&ev, 0, sizeof(ev));
    sh_syslog_parse(&ev, line, len, NULL);
    ev.line = n;
    (void)sh_sigma__eval(sc, &ev, keep, c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sh_sigma_set *set = NULL;
    struct sg_scratch *sc = NULL;
    struct ctx c = {NULL};
    const char *text = (const char *)data, *events = NULL;
    size_t rules_len = size, i;
    uint64_t n = 0;
    sh_diag d;

    if (size > 1 << 20)
        return 0;
    for (i = 0; i + 8 <= size; i++) {
        if (memcmp(text + i, "#events\n", 8) == 0 && (i == 0 || text[i - 1] == '\n')) {
            rules_len = i;
            events = text + i + 8;
            break;
        }
    }
    if (sh_sigma_set_new(&set))
        return 0;
    (void)sh_sigma_load_buf(set, text, rules_len, "fuzz.yml", &d);
    (void)sh_sigma_compile(set, NULL, &d);
    if (sh_sigma__scratch_new(set, &sc) == 0 && sh_sigma__hits_new(&c.hits, 1 << 20) == 0) {
        for (i = 0; i < SH_ARRAY_LEN(fixed_lines); i++)
            feed(sc, &c, fixed_lines[i], strlen(fixed_lines[i]), ++n);
        while (events && events < text + size && n < 10000) {
            const char *end = text + size;
            const char *nl = memchr(events, '\n', (size_t)(end - events));
            size_t len = nl ? (size_t)(nl - events) : (size_t)(end - events);
            feed(sc, &c, events, len, ++n);
            events = nl ? nl + 1 : NULL;
        }
        (void)sh_sigma__corr_run(set, c.hits, true, on_corr, NULL);
    }
    sh_sigma__hits_free(c.hits);
    sh_sigma__scratch_free(sc);
    sh_sigma_set_free(set);
    return 0;
}
