/*
 * fuzz_sigma_cond.c - the Sigma condition language on arbitrary bytes:
 * parsing, anchor analysis and evaluation over a fixed set of search
 * identifiers must never crash, recurse without bound or hang.
 */
#include "base/sh_base.h"

#include "log/event.h"
#include "sigma/sigma_eval.h"
#include "sigma/sigma_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {"selection", "sel_a",   "sel_b", "filter",
                                    "keywords",  "_hidden", "x1",    "x2"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sh_arena arena;
    struct sg_sel sels[SH_ARRAY_LEN(names)];
    struct sg_cond *cond = NULL;
    struct sg_rule rule;
    sh_sigma_set *set = NULL;
    struct sg_scratch *sc = NULL;
    struct sh_ptrvec anchors = {0};
    static struct sh_log_event ev;
    char err[256];
    char *text;
    size_t i;

    if (size > SG_MAX_COND_LEN + 16)
        return 0;
    sh_arena_init(&arena, 0);
    text = sh_arena_strndup(&arena, (const char *)data, size);
    if (!text)
        goto out;
    memset(sels, 0, sizeof(sels));
    for (i = 0; i < SH_ARRAY_LEN(names); i++)
        sels[i].name = (char *)(uintptr_t)names[i];
    if (sh_sigma__cond_parse(&arena, text, sels, SH_ARRAY_LEN(names), &cond, err, sizeof(err)))
        goto out;
    memset(&rule, 0, sizeof(rule));
    rule.cond = cond;
    rule.sels = sels;
    rule.nsel = SH_ARRAY_LEN(names);
    (void)sh_sigma__anchors(&rule, &anchors);
    if (sh_sigma_set_new(&set) || sh_sigma_compile(set, NULL, NULL) ||
        sh_sigma__scratch_new(set, &sc))
        goto out;
    memset(&ev, 0, sizeof(ev));
    ev.raw = "x";
    ev.raw_len = 1;
    (void)sh_sigma__eval_rule(sc, &rule, &ev);
out:
    sh_ptrvec_free(&anchors);
    sh_sigma__scratch_free(sc);
    sh_sigma_set_free(set);
    sh_arena_free(&arena);
    return 0;
}
