/*
 * regex.c - PCRE2 wrapper (see regex.h). JIT-compiles every pattern when
 * the library supports it and falls back to the interpreter silently.
 */
#include "../base/sh_base.h"

#include "regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>

#define MATCH_LIMIT 200000u
#define DEPTH_LIMIT 20000u

struct sh_regex {
    pcre2_code *code;
    unsigned captures;
};

struct sh_regex_md {
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    unsigned groups;
};

int sh_regex_compile(struct sh_regex **out, const char *pattern, bool nocase, size_t *erroff_out,
                     sh_diag *diag)
{
    struct sh_regex *re;
    int errcode = 0;
    PCRE2_SIZE erroff = 0;
    uint32_t cap = 0;

    SH_ASSERT_ARG(out && pattern);
    *out = NULL;
    re = sh_calloc(1, sizeof(*re));
    if (!re)
        return SH_ENOMEM;
    re->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                             nocase ? PCRE2_CASELESS : 0, &errcode, &erroff, NULL);
    if (!re->code) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(errcode, msg, sizeof(msg));
        if (erroff_out)
            *erroff_out = (size_t)erroff;
        sh_free(re);
        return sh_diag_set(diag, SH_ERULE, NULL, 0, "bad regex at offset %zu: %s", (size_t)erroff,
                           (const char *)msg);
    }
    (void)pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);
    pcre2_pattern_info(re->code, PCRE2_INFO_CAPTURECOUNT, &cap);
    re->captures = cap;
    *out = re;
    return SH_OK;
}

void sh_regex_free(struct sh_regex *re)
{
    if (!re)
        return;
    pcre2_code_free(re->code);
    sh_free(re);
}

unsigned sh_regex_captures(const struct sh_regex *re)
{
    return re ? re->captures : 0;
}

int sh_regex_group_number(const struct sh_regex *re, const char *name)
{
    int n;

    if (!re || !name)
        return -1;
    n = pcre2_substring_number_from_name(re->code, (PCRE2_SPTR)name);
    return n > 0 ? n : -1;
}

void sh_regex_each_name(const struct sh_regex *re, void (*cb)(const char *name, int num, void *ud),
                        void *ud)
{
    uint32_t count = 0, size = 0, i;
    PCRE2_SPTR table = NULL;

    if (!re)
        return;
    pcre2_pattern_info(re->code, PCRE2_INFO_NAMECOUNT, &count);
    pcre2_pattern_info(re->code, PCRE2_INFO_NAMEENTRYSIZE, &size);
    pcre2_pattern_info(re->code, PCRE2_INFO_NAMETABLE, &table);
    for (i = 0; i < count; i++) {
        PCRE2_SPTR e = table + (size_t)i * size;
        cb((const char *)(e + 2), (int)(e[0] << 8 | e[1]), ud);
    }
}

struct sh_regex_md *sh_regex_md_new(unsigned max_groups)
{
    struct sh_regex_md *md = sh_calloc(1, sizeof(*md));

    if (!md)
        return NULL;
    md->groups = max_groups + 1;
    md->md = pcre2_match_data_create(md->groups, NULL);
    md->mctx = pcre2_match_context_create(NULL);
    if (!md->md || !md->mctx) {
        sh_regex_md_free(md);
        return NULL;
    }
    pcre2_set_match_limit(md->mctx, MATCH_LIMIT);
    pcre2_set_depth_limit(md->mctx, DEPTH_LIMIT);
    return md;
}

void sh_regex_md_free(struct sh_regex_md *md)
{
    if (!md)
        return;
    pcre2_match_data_free(md->md);
    pcre2_match_context_free(md->mctx);
    sh_free(md);
}

int sh_regex_match(const struct sh_regex *re, struct sh_regex_md *md, const char *s, size_t len)
{
    int rc;

    if (!re || !md)
        return SH_EINVAL;
    rc = pcre2_match(re->code, (PCRE2_SPTR)(s ? s : ""), len, 0, 0, md->md, md->mctx);
    if (rc >= 0)
        return 1;
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    return SH_ELIMIT;
}

bool sh_regex_group(const struct sh_regex_md *md, int num, const char **s_out, size_t *len_out,
                    const char *subject)
{
    PCRE2_SIZE *ov;

    if (!md || num < 0 || (unsigned)num >= md->groups)
        return false;
    ov = pcre2_get_ovector_pointer(md->md);
    if (ov[2 * num] == PCRE2_UNSET || ov[2 * num + 1] < ov[2 * num])
        return false;
    *s_out = subject + ov[2 * num];
    *len_out = ov[2 * num + 1] - ov[2 * num];
    return true;
}
