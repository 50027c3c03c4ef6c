/*
 * mpm.c - Hyperscan prefilter database (see mpm.h).
 *
 * Compilation retries without each pattern Hyperscan refuses (it names
 * one bad expression per attempt), so one exotic regex never disables
 * the prefilter for the rest of the pack.
 */
#include "../base/sh_base.h"

#include "mpm.h"

#include "hscache.h"

#include <hs/hs.h>
#include <limits.h>

struct sh_mpm {
    hs_database_t *db; /* NULL when no pattern made it in */
};

struct sh_mpm_scratch {
    hs_scratch_t *scratch;
};

int sh_mpm_compile(struct sh_mpm **out, const char *const *patterns, const unsigned *flags,
                   size_t n, bool *rejected_out, sh_diag *diag)
{
    struct sh_mpm *m = NULL;
    const char **exprs = NULL;
    unsigned *fl = NULL, *ids = NULL;
    size_t i, k;
    int rc = SH_OK;

    SH_ASSERT_ARG(out && (patterns || n == 0) && (rejected_out || n == 0));
    *out = NULL;
    if (n > UINT_MAX / 2)
        return sh_diag_set(diag, SH_ELIMIT, NULL, 0, "too many patterns");
    m = sh_calloc(1, sizeof(*m));
    exprs = sh_calloc(n ? n : 1, sizeof(*exprs));
    fl = sh_calloc(n ? n : 1, sizeof(*fl));
    ids = sh_calloc(n ? n : 1, sizeof(*ids));
    if (!m || !exprs || !fl || !ids) {
        rc = SH_ENOMEM;
        goto out;
    }
    for (;;) {
        struct sh_hs_error err;

        for (i = 0, k = 0; i < n; i++) {
            if (rejected_out[i])
                continue;
            exprs[k] = patterns[i];
            fl[k] = ((flags && (flags[i] & SH_MPM_NOCASE)) ? HS_FLAG_CASELESS : 0);
            if (!flags || !(flags[i] & SH_MPM_LITERAL))
                fl[k] |= HS_FLAG_MULTILINE | HS_FLAG_PREFILTER | HS_FLAG_ALLOWEMPTY;
            ids[k] = (unsigned)i;
            k++;
        }
        if (k == 0)
            break;
        rc = sh_hs_compile(exprs, fl, ids, (unsigned)k, &m->db, &err);
        if (rc == SH_OK)
            break;
        if (rc == SH_EINVAL && err.expression >= 0 && (size_t)err.expression < k) {
            rejected_out[ids[err.expression]] = true;
            rc = SH_OK;
            continue;
        }
        if (rc != SH_ENOMEM)
            rc = sh_diag_set(diag, SH_EINTERNAL, NULL, 0, "hyperscan: %s",
                             err.message[0] ? err.message : "compile failed");
        goto out;
    }
out:
    sh_free(exprs);
    sh_free(fl);
    sh_free(ids);
    if (rc) {
        sh_mpm_free(m);
        return rc;
    }
    *out = m;
    return SH_OK;
}

void sh_mpm_free(struct sh_mpm *m)
{
    if (!m)
        return;
    if (m->db)
        hs_free_database(m->db);
    sh_free(m);
}

struct sh_mpm_scratch *sh_mpm_scratch_new(const struct sh_mpm *m)
{
    struct sh_mpm_scratch *s = sh_calloc(1, sizeof(*s));

    if (!s)
        return NULL;
    if (m && m->db && hs_alloc_scratch(m->db, &s->scratch) != HS_SUCCESS) {
        sh_free(s);
        return NULL;
    }
    return s;
}

void sh_mpm_scratch_free(struct sh_mpm_scratch *s)
{
    if (!s)
        return;
    if (s->scratch)
        hs_free_scratch(s->scratch);
    sh_free(s);
}

struct cb_ctx {
    sh_mpm_match_cb cb;
    void *ud;
};

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int hs_flags, void *ctx)
{
    struct cb_ctx *c = ctx;

    SH_UNUSED(from);
    SH_UNUSED(hs_flags);
    return c->cb(id, (size_t)to, c->ud);
}

int sh_mpm_scan(const struct sh_mpm *m, struct sh_mpm_scratch *s, const char *buf, size_t len,
                sh_mpm_match_cb cb, void *ud)
{
    struct cb_ctx c;
    hs_error_t hr;

    if (!m || !m->db)
        return SH_OK;
    SH_ASSERT_ARG(s && s->scratch && cb && (buf || len == 0));
    if (len > UINT_MAX)
        return SH_ELIMIT;
    c.cb = cb;
    c.ud = ud;
    hr = hs_scan(m->db, buf ? buf : "", (unsigned)len, 0, s->scratch, on_match, &c);
    if (hr == HS_SUCCESS || hr == HS_SCAN_TERMINATED)
        return SH_OK;
    return SH_EINTERNAL;
}

size_t sh_mpm_size(const struct sh_mpm *m)
{
    size_t sz = 0;

    if (m && m->db && hs_database_size(m->db, &sz) != HS_SUCCESS)
        return 0;
    return sz;
}
