/*
 * cfg_vendor.c - tolerant parsers for FortiOS and PAN-OS.
 *
 * FortiOS: `config <path>` opens a section closed by `end`, `edit <name>`
 * opens an entry closed by `next`; `set`/`unset` lines are their
 * children. Files written without `end`/`next` (as some tools emit them)
 * are nested by indentation instead. The match text is the trimmed line.
 *
 * PAN-OS: the set form and the braces form share Junos syntax and go
 * through the Junos parser; XML exports are kept line by line (each
 * trimmed line a top-level node) so line rules and indicators still see
 * them.
 *
 * Pure functions of their input; they use only the builder given.
 */
#include "../base/sh_base.h"

#include "cfg_int.h"

enum { K_LEAF = 0, K_CONFIG = 1, K_EDIT = 2 };

static long indent_of(const char *p, size_t n)
{
    long col = 0;
    size_t i;

    for (i = 0; i < n && (p[i] == ' ' || p[i] == '\t'); i++)
        col = p[i] == '\t' ? (col / 8 + 1) * 8 : col + 1;
    return col;
}

static const char *unquote_word(struct sh_cfg__builder *b, const char *s, size_t n)
{
    size_t i;

    while (n && sh_cfg__is_space(*s)) {
        s++;
        n--;
    }
    if (n >= 2 && s[0] == '"') {
        for (i = 1; i < n && s[i] != '"'; i++)
            ;
        return i > 1 ? sh_cfg__strdup(b, s + 1, i - 1) : NULL;
    }
    for (i = 0; i < n && !sh_cfg__is_space(s[i]); i++)
        ;
    return i ? sh_cfg__strdup(b, s, i) : NULL;
}

/* Close the innermost open block of `kind`; false when none is open. */
static bool close_kind(struct sh_cfg__builder *b, int kind, uint32_t line)
{
    size_t k;

    for (k = b->depth; k >= 1; k--) {
        if (b->stk[k].kind == kind) {
            sh_cfg__extend(b, line);
            sh_cfg__close_to(b, k - 1);
            return true;
        }
    }
    return false;
}

/* "#config-version=FGT60E-6.4.5-FW-build1828-..." -> "6.4.5" */
static void fortios_header(struct sh_cfg__builder *b, const char *s, size_t n)
{
    const char *v, *e;

    if (b->doc->version || n < 17 || memcmp(s, "#config-version=", 16) != 0)
        return;
    v = memchr(s + 16, '-', n - 16);
    if (!v)
        return;
    v++;
    e = memchr(v, '-', n - (size_t)(v - s));
    if (!e)
        e = memchr(v, ':', n - (size_t)(v - s));
    if (e && e > v)
        b->doc->version = sh_cfg__strdup(b, v, (size_t)(e - v));
}

int sh_cfg__parse_fortios(struct sh_cfg__builder *b, const char *buf, size_t len)
{
    struct sh_cfg__line ln;
    size_t pos = 0;
    int rc;

    b->stk[0].indent = -1;
    while ((rc = sh_cfg__next_line(b, buf, len, &pos, &ln)) == 1) {
        size_t n = ln.len;
        long indent = indent_of(ln.p, ln.len);
        const char *s = sh_str_trim(ln.p, &n);
        struct sh_cfg_node *node = NULL;
        int kind = K_LEAF;

        if (n == 0)
            continue;
        if (s[0] == '#') {
            fortios_header(b, s, n);
            continue;
        }
        if (n == 3 && memcmp(s, "end", 3) == 0) {
            if (!close_kind(b, K_CONFIG, ln.no))
                sh_cfg__unparsed(b, ln.no);
            continue;
        }
        if (n == 4 && memcmp(s, "next", 4) == 0) {
            if (!close_kind(b, K_EDIT, ln.no))
                sh_cfg__unparsed(b, ln.no);
            continue;
        }
        if (sh_cfg__word(s, n, "config"))
            kind = K_CONFIG;
        else if (sh_cfg__word(s, n, "edit"))
            kind = K_EDIT;
        while (b->depth && b->stk[b->depth].indent > indent)
            b->depth--;
        /* Without end/next, a block at the same indentation as an open
         * one of its kind is its sibling. */
        if (kind != K_LEAF && b->depth && b->stk[b->depth].indent == indent &&
            b->stk[b->depth].kind == kind)
            b->depth--;
        if ((rc = sh_cfg__add(b, b->depth, s, n, NULL, 0, ln.no, &node)) != 0)
            return rc;
        if (kind == K_LEAF) {
            const struct sh_cfg_node *p = node->parent;
            sh_cfg__close_to(b, node->depth);
            if (!b->doc->hostname && p && strcmp(p->text, "config system global") == 0 &&
                sh_cfg__word(s, n, "set") && n > 13 && memcmp(s + 4, "hostname ", 9) == 0)
                b->doc->hostname = unquote_word(b, s + 13, n - 13);
        } else {
            b->stk[b->depth].indent = indent;
            b->stk[b->depth].kind = kind;
        }
    }
    return rc < 0 ? rc : 0;
}

/* <tag>value</tag> on one line: the value, or NULL. */
static const char *xml_value(struct sh_cfg__builder *b, const char *s, size_t n, const char *tag)
{
    size_t tl = strlen(tag);
    const char *v, *e;

    if (n < tl + 2 || s[0] != '<' || memcmp(s + 1, tag, tl) != 0 || s[tl + 1] != '>')
        return NULL;
    v = s + tl + 2;
    e = memchr(v, '<', n - (size_t)(v - s));
    return e && e > v ? sh_cfg__strdup(b, v, (size_t)(e - v)) : NULL;
}

static int parse_xml_lines(struct sh_cfg__builder *b, const char *buf, size_t len)
{
    struct sh_cfg__line ln;
    size_t pos = 0;
    int rc;

    while ((rc = sh_cfg__next_line(b, buf, len, &pos, &ln)) == 1) {
        size_t n = ln.len;
        const char *s = sh_str_trim(ln.p, &n);

        if (n == 0)
            continue;
        if ((rc = sh_cfg__add(b, 0, s, n, NULL, 0, ln.no, NULL)) != 0)
            return rc;
        sh_cfg__close_to(b, 0);
        if (!b->doc->hostname)
            b->doc->hostname = xml_value(b, s, n, "hostname");
        if (!b->doc->version && n > 17 && memcmp(s, "<config version=\"", 17) == 0) {
            const char *e = memchr(s + 17, '"', n - 17);
            if (e && e > s + 17)
                b->doc->version = sh_cfg__strdup(b, s + 17, (size_t)(e - s - 17));
        }
    }
    return rc < 0 ? rc : 0;
}

int sh_cfg__parse_panos(struct sh_cfg__builder *b, const char *buf, size_t len)
{
    size_t i = 0;

    while (i < len && (sh_cfg__is_space(buf[i]) || buf[i] == '\n'))
        i++;
    if (i < len && buf[i] == '<')
        return parse_xml_lines(b, buf, len);
    return sh_cfg__parse_junos(b, buf, len);
}
