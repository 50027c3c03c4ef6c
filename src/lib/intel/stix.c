/*
 * stix.c - STIX 2.1 bundles -> indicator sets (see stix.h).
 *
 * The pattern grammar is read by a small bounded tokenizer, not a full
 * STIX pattern parser: observation brackets, parentheses, AND/OR and
 * comparisons "object:path OP 'value'". Qualifiers (WITHIN, REPEATS,
 * START/STOP) and FOLLOWEDBY describe sequences in time that a per-line
 * sweep cannot express, so such patterns are skipped whole.
 */
#include "../base/sh_base.h"

#include "stix.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <strings.h>

#define MAX_VALUE 2048

bool sh_stix_sniff(const char *buf, size_t len)
{
    return buf && memmem(buf, len, "\"bundle\"", 8) && memmem(buf, len, "\"objects\"", 9) &&
           (memmem(buf, len, "\"indicator\"", 11) || memmem(buf, len, "\"spec_version\"", 14));
}

/* Map an object path to an indicator type; -1 when not sweepable. */
static int path_type(const char *p, size_t n)
{
    char buf[64];
    size_t i, k = 0;

    if (n >= sizeof(buf))
        return -1;
    for (i = 0; i < n; i++) {
        if (p[i] != '\'' && p[i] != '"' && !isspace((unsigned char)p[i]))
            buf[k++] = (char)tolower((unsigned char)p[i]);
    }
    buf[k] = '\0';
    if (strcmp(buf, "ipv4-addr:value") == 0)
        return SH_IOC_IPV4;
    if (strcmp(buf, "ipv6-addr:value") == 0)
        return SH_IOC_IPV6;
    if (strcmp(buf, "domain-name:value") == 0)
        return SH_IOC_DOMAIN;
    if (strcmp(buf, "url:value") == 0)
        return SH_IOC_URL;
    if (strcmp(buf, "file:hashes.md5") == 0)
        return SH_IOC_MD5;
    if (strcmp(buf, "file:hashes.sha-1") == 0 || strcmp(buf, "file:hashes.sha1") == 0)
        return SH_IOC_SHA1;
    if (strcmp(buf, "file:hashes.sha-256") == 0 || strcmp(buf, "file:hashes.sha256") == 0)
        return SH_IOC_SHA256;
    return -1;
}

static bool word_at(const char *p, const char *e, const char *w)
{
    size_t n = strlen(w);
    return (size_t)(e - p) >= n && strncasecmp(p, w, n) == 0 &&
           (p + n == e || !isalnum((unsigned char)p[n]));
}

long sh_stix_pattern_each(const char *pattern, size_t len,
                          int (*cb)(enum sh_ioc_type t, const char *value, void *ud), void *ud)
{
    const char *p = pattern, *e = pattern + len;
    long skipped = 0;
    char value[MAX_VALUE + 1];

    if (!pattern || len > SH_STIX_MAX_PATTERN)
        return -1;
    /* Temporal operators cannot be expressed by a per-line sweep. */
    if (memmem(pattern, len, "FOLLOWEDBY", 10) || memmem(pattern, len, "WITHIN", 6) ||
        memmem(pattern, len, "REPEATS", 7) || memmem(pattern, len, "START", 5))
        return 1;
    while (p < e) {
        const char *path, *pe, *op;
        size_t vn = 0;
        int t;

        while (p < e &&
               (isspace((unsigned char)*p) || *p == '[' || *p == ']' || *p == '(' || *p == ')'))
            p++;
        if (p >= e)
            break;
        if (word_at(p, e, "AND") || word_at(p, e, "OR")) {
            p += word_at(p, e, "AND") ? 3 : 2;
            continue;
        }
        if (word_at(p, e, "NOT")) {
            p += 3;
            skipped++; /* the negated comparison is skipped below via its operator */
            continue;
        }
        /* object path: up to the operator (quotes inside allowed: hashes.'SHA-256') */
        path = p;
        while (p < e && !isspace((unsigned char)*p) && *p != '=' && *p != '!' && *p != '<' &&
               *p != '>') {
            if (*p == '\'') {
                p++;
                while (p < e && *p != '\'')
                    p++;
                if (p >= e)
                    return -1;
            }
            p++;
        }
        pe = p;
        while (p < e && isspace((unsigned char)*p))
            p++;
        op = p;
        while (p < e && !isspace((unsigned char)*p) && *p != '\'' && *p != '(')
            p++;
        while (p < e && isspace((unsigned char)*p))
            p++;
        if (pe == path || op == p)
            return -1;
        /* value: a quoted string (or a list for IN, skipped) */
        if (p < e && *p == '(') {
            int depth = 0;
            for (; p < e; p++) {
                if (*p == '(')
                    depth++;
                else if (*p == ')' && --depth == 0) {
                    p++;
                    break;
                }
            }
            skipped++;
            continue;
        }
        if (p >= e || *p != '\'') {
            /* numbers, booleans, t'...' timestamps, b'...' binaries */
            while (p < e && !isspace((unsigned char)*p) && *p != ']' && *p != ')') {
                if (*p == '\'') {
                    p++;
                    while (p < e && *p != '\'')
                        p += (*p == '\\' && p + 1 < e) ? 2 : 1;
                }
                p++;
            }
            skipped++;
            continue;
        }
        p++;
        while (p < e && *p != '\'') {
            if (*p == '\\' && p + 1 < e)
                p++;
            if (vn >= MAX_VALUE)
                return -1;
            value[vn++] = *p++;
        }
        if (p >= e)
            return -1;
        p++;
        value[vn] = '\0';
        t = path_type(path, (size_t)(pe - path));
        if (t < 0 || (size_t)(p - op) < 1 || op[0] != '=' ||
            (op + 1 < e && !isspace((unsigned char)op[1]) && op[1] != '\'')) {
            skipped++;
            continue;
        }
        if (cb((enum sh_ioc_type)t, value, ud) != 0)
            skipped++;
    }
    return skipped;
}

struct add_ctx {
    struct sh_ioc_set *set;
    const char *source;
    const char *note;
    bool related;
    size_t added;
    int rc; /* fatal (OOM/limit) */
};

static int add_cb(enum sh_ioc_type t, const char *value, void *ud)
{
    struct add_ctx *a = ud;
    int rc = sh_ioc_set_add(a->set, t, value, a->source, a->note, a->related, NULL);

    if (rc == SH_ENOMEM || rc == SH_ELIMIT) {
        a->rc = rc;
        return rc;
    }
    if (rc)
        return rc; /* malformed value: counted as skipped */
    a->added++;
    return SH_OK;
}

static const char *jstr(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

int sh_stix_load(struct sh_ioc_set *set, const char *buf, size_t len, const char *source,
                 bool related, struct sh_stix_stats *stats, sh_diag *diag)
{
    json_error_t je;
    json_t *root, *objs;
    struct sh_stix_stats st = {0};
    size_t i, n;
    int rc = SH_OK;

    SH_ASSERT_ARG(set && (buf || !len));
    if (len > SH_STIX_MAX_FILE)
        return sh_diag_set(diag, SH_ELIMIT, source, 0, "STIX file larger than %zu bytes",
                           SH_STIX_MAX_FILE);
    root = json_loadb(buf, len, 0, &je);
    if (!root)
        return sh_diag_set(diag, SH_EPARSE, source, (uint32_t)(je.line > 0 ? je.line : 0),
                           "json: %s", je.text);
    objs = json_object_get(root, "objects");
    if (!json_is_array(objs) || !jstr(root, "type") || strcmp(jstr(root, "type"), "bundle") != 0) {
        rc = sh_diag_set(diag, SH_EPARSE, source, 0, "not a STIX bundle (no \"objects\" array)");
        goto out;
    }
    n = json_array_size(objs);
    if (n > SH_STIX_MAX_OBJECTS) {
        rc = sh_diag_set(diag, SH_ELIMIT, source, 0, "more than %d STIX objects",
                         SH_STIX_MAX_OBJECTS);
        goto out;
    }
    for (i = 0; i < n && !rc; i++) {
        json_t *o = json_array_get(objs, i);
        const char *type = jstr(o, "type"), *pat = jstr(o, "pattern"),
                   *pt = jstr(o, "pattern_type");
        const char *name = jstr(o, "name"), *desc = jstr(o, "description");
        struct add_ctx a = {set, source, NULL, related, 0, SH_OK};
        char note[512];
        long sk;

        if (!type || strcmp(type, "indicator") != 0)
            continue;
        if (!pat || (pt && strcmp(pt, "stix") != 0)) {
            st.skipped++;
            continue;
        }
        /* The note keeps what the sweep drops: names and the description. */
        {
            const char *fname = strstr(pat, "file:name = '");
            int fl = 0;
            if (fname) {
                const char *q;
                fname += 13;
                q = strchr(fname, '\'');
                fl = q ? (int)(q - fname) : 0;
            }
            snprintf(note, sizeof(note), "%s%s%s%s%.*s", name ? name : "", name && desc ? "; " : "",
                     desc ? desc : "", fl ? "; file name " : "", fl, fl ? fname : "");
        }
        a.note = note;
        sk = sh_stix_pattern_each(pat, strlen(pat), add_cb, &a);
        if (a.rc) {
            rc = sh_diag_set(diag, a.rc, source, 0, "%s", sh_status_str(a.rc));
            break;
        }
        if (sk < 0) {
            st.skipped++;
            continue;
        }
        st.skipped += (size_t)sk;
        st.values += a.added;
        if (a.added)
            st.indicators++;
    }
out:
    json_decref(root);
    if (stats)
        *stats = st;
    return rc;
}
