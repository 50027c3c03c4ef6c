/*
 * fuzz_policy.c - the site policy loader on arbitrary bytes: must never
 * crash, leak or hang; a loaded policy must answer lookups.
 */
#include "base/sh_base.h"

#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sh_policy *p = NULL;
    sh_diag d;
    int k;

    if (sh_policy_load_buf(&p, (const char *)data, size, "fuzz.yml", &d) == 0) {
        for (k = 0; k < SH_POL__COUNT; k++) {
            (void)sh_policy_has(p, (enum sh_policy_key)k);
            (void)sh_policy_contains(p, (enum sh_policy_key)k, "10.1.2.3");
            (void)sh_policy_contains(p, (enum sh_policy_key)k, "2001:db8::1");
            (void)sh_policy_contains(p, (enum sh_policy_key)k, "10.1.0.0/16");
            (void)sh_policy_contains(p, (enum sh_policy_key)k, "netops");
            (void)sh_policy_contains(p, (enum sh_policy_key)k, "22");
        }
        sh_policy_free(p);
    }
    return 0;
}
