/*
 * fuzz_rule.c - the rule loader and compiler on arbitrary YAML: must never
 * crash, leak or hang. A rule that loads is also run over its own samples
 * so the evaluator sees fuzzer-shaped patterns and configs.
 */
#include "base/sh_base.h"

#include "rules/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sh_ruleset *rs = NULL;
    size_t passed = 0, failed = 0;
    sh_diag d;

    if (sh_ruleset__load_buf(&rs, (const char *)data, size, "fuzz.yml", NULL, NULL, &d) == 0) {
        (void)sh_ruleset_test(rs, &passed, &failed, NULL, NULL, &d);
        sh_ruleset_free(rs);
    }
    return 0;
}
