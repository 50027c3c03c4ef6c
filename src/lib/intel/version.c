/*
 * version.c - ordering of network OS versions (model in version.h).
 *
 * Components are read straight from the text without allocating; numbers
 * of any length compare by digit count after leading zeros, so a hostile
 * 500-digit "version" neither overflows nor slows anything down.
 */
#include "../base/sh_base.h"

#include "version.h"

#include <ctype.h>
#include <strings.h>

#define VERSION_MAX 128

enum sh_vfamily sh_version_family(const char *platform)
{
    static const struct {
        const char *name;
        enum sh_vfamily f;
    } map[] = {
        {"ios", SH_VF_IOS},       {"iosxe", SH_VF_IOSXE},       {"nxos", SH_VF_NXOS},
        {"iosxr", SH_VF_IOSXR},   {"asa", SH_VF_ASA},           {"eos", SH_VF_EOS},
        {"junos", SH_VF_JUNOS},   {"panos", SH_VF_PANOS},       {"fortios", SH_VF_FORTIOS},
        {"ivanti", SH_VF_IVANTI}, {"exchange", SH_VF_EXCHANGE},
    };
    size_t i;

    if (!platform)
        return SH_VF_GENERIC;
    for (i = 0; i < SH_ARRAY_LEN(map); i++) {
        if (strcmp(platform, map[i].name) == 0)
            return map[i].f;
    }
    return SH_VF_GENERIC;
}

/* One component: [p, p+n) digits (is_num) or letters. */
struct comp {
    const char *p;
    size_t n;
    bool is_num;
};

/* Next component at or after *s; false at the end. */
static bool next_comp(const char **s, const char *end, struct comp *c)
{
    const char *p = *s;

    while (p < end && !isalnum((unsigned char)*p))
        p++;
    if (p >= end) {
        *s = p;
        return false;
    }
    c->p = p;
    c->is_num = isdigit((unsigned char)*p) != 0;
    if (c->is_num) {
        while (p < end && isdigit((unsigned char)*p))
            p++;
    } else {
        while (p < end && isalpha((unsigned char)*p))
            p++;
    }
    c->n = (size_t)(p - c->p);
    *s = p;
    return true;
}

static int cmp_num(const struct comp *a, const struct comp *b)
{
    const char *pa = a->p, *pb = b->p;
    size_t na = a->n, nb = b->n;
    int c;

    while (na > 1 && *pa == '0') {
        pa++;
        na--;
    }
    while (nb > 1 && *pb == '0') {
        pb++;
        nb--;
    }
    if (na != nb)
        return na < nb ? -1 : 1;
    c = memcmp(pa, pb, na);
    return c < 0 ? -1 : c > 0;
}

static int cmp_alpha(const struct comp *a, const struct comp *b)
{
    size_t i, n = a->n < b->n ? a->n : b->n;

    for (i = 0; i < n; i++) {
        int ca = tolower((unsigned char)a->p[i]), cb = tolower((unsigned char)b->p[i]);
        if (ca != cb)
            return ca < cb ? -1 : 1;
    }
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    return 0;
}

/* Exchange reports "Version 15.2 (Build 1544.4)"; everything else is as given. */
static const char *exchange_form(const char *s, char *tmp, size_t size)
{
    const char *v = strstr(s, "Version "), *b = strstr(s, "Build ");
    size_t i = 0;

    if (!v || !b || size < 2)
        return s;
    v += 8;
    while (*v && *v != ' ' && *v != '(' && i + 1 < size)
        tmp[i++] = *v++;
    if (i + 1 < size)
        tmp[i++] = '.';
    b += 6;
    while (*b && *b != ')' && *b != ' ' && i + 1 < size)
        tmp[i++] = *b++;
    tmp[i] = '\0';
    return tmp;
}

char *sh_version_normalize(enum sh_vfamily f, const char *s, char *out, size_t size)
{
    char tmp[VERSION_MAX];
    const char *p;
    size_t len, i = 0;
    bool at_start = true; /* at the start of a digit run */

    if (!out || size == 0)
        return out;
    out[0] = '\0';
    if (!s)
        return out;
    if (f == SH_VF_EXCHANGE)
        s = exchange_form(s, tmp, sizeof(tmp));
    len = strlen(s);
    p = sh_str_trim(s, &len);
    for (; len > 0 && i + 1 < size; p++, len--) {
        char ch = *p;
        if (isdigit((unsigned char)ch)) {
            /* Drop a leading zero when another digit follows in the run. */
            if (at_start && ch == '0' && len > 1 && isdigit((unsigned char)p[1]))
                continue;
            at_start = false;
        } else {
            at_start = true;
        }
        out[i++] = ch;
    }
    out[i] = '\0';
    return out;
}

bool sh_version_valid(enum sh_vfamily f, const char *s)
{
    size_t n, i;
    const char *p;
    bool dot = false;

    if (!s)
        return false;
    n = strlen(s);
    p = sh_str_trim(s, &n);
    if (n == 0 || n >= VERSION_MAX || !isdigit((unsigned char)p[0]))
        return false;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '.')
            dot = true;
        if (!isalnum(c) && !strchr(".()-_", c))
            return false;
    }
    if (f == SH_VF_EXCHANGE || f == SH_VF_PANOS || f == SH_VF_FORTIOS || f == SH_VF_IOSXR)
        return dot;
    return dot || strchr(p, '(') != NULL;
}

int sh_version_cmp(enum sh_vfamily f, const char *a, const char *b)
{
    char na[VERSION_MAX], nb[VERSION_MAX];
    const char *pa, *pb, *ea, *eb;
    int c;

    if (!a || !b)
        return a == b ? 0 : (!a ? -1 : 1);
    sh_version_normalize(f, a, na, sizeof(na));
    sh_version_normalize(f, b, nb, sizeof(nb));
    pa = na;
    pb = nb;
    ea = na + strlen(na);
    eb = nb + strlen(nb);
    for (;;) {
        struct comp ca, cb;
        bool ha = next_comp(&pa, ea, &ca), hb = next_comp(&pb, eb, &cb);

        if (!ha || !hb) {
            if (ha != hb)
                return ha ? 1 : -1;
            break;
        }
        if (ca.is_num != cb.is_num)
            return ca.is_num ? -1 : 1;
        c = ca.is_num ? cmp_num(&ca, &cb) : cmp_alpha(&ca, &cb);
        if (c)
            return c;
    }
    c = strcasecmp(na, nb);
    return c < 0 ? -1 : c > 0;
}
