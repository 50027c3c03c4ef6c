/*
 * cfg_indent.c - parser for the indentation dialects: Cisco IOS, IOS XE,
 * NX-OS, IOS XR, Arista EOS and Cisco ASA.
 *
 * A line indented more than the open block above it is that block's child.
 * Comment and blank lines are not nodes. IOS XR closers (end-policy,
 * end-set, end-group) and `exit`/`exit-*` close blocks and set their
 * end_line. A banner is one node spanning its delimiters, and its body is
 * never parsed as config. `show running-config` captures are unwrapped:
 * prompts, "Building configuration..." preambles and other command output
 * are recognised, the latter counted as unparsed lines.
 *
 * Pure function of its input; uses only the builder it is given.
 */
#include "../base/sh_base.h"

#include "cfg_int.h"

#include <strings.h>

enum mode { MODE_CONFIG, MODE_OUTSIDE };

struct ind {
    struct sh_cfg__builder *b;
    const char *buf;
    size_t len;
    size_t pos;
    enum mode mode;
    bool started; /* a prompt or preamble has marked where a config begins */
    size_t nofind[257]; /* banner delimiter d has no occurrence at or after nofind[d]-1 */
    size_t eof_nofind;  /* no "EOF" line at or after eof_nofind-1 */
};

static long indent_of(const char *p, size_t n, size_t *skip)
{
    long col = 0;
    size_t i = 0;

    while (i < n && (p[i] == ' ' || p[i] == '\t')) {
        col = p[i] == '\t' ? (col / 8 + 1) * 8 : col + 1;
        i++;
    }
    *skip = i;
    return col;
}

static const char *arena_word(struct sh_cfg__builder *b, const char *s, size_t n)
{
    size_t i = 0;

    while (i < n && sh_cfg__is_space(s[i]))
        i++;
    s += i;
    n -= i;
    i = 0;
    while (i < n && !sh_cfg__is_space(s[i]))
        i++;
    n = i;
    if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0]) {
        s++;
        n -= 2;
    }
    if (!n)
        return NULL;
    return sh_cfg__strdup(b, s, n);
}

/* Facts the config states about itself, from top-level lines and the
 * comments some platforms write at the top. */
static void metadata(struct sh_cfg__builder *b, const char *s, size_t n, bool comment)
{
    struct sh_cfg_doc *doc = b->doc;

    if (comment) {
        const char *e;
        if (!doc->version && n > 10 && (e = memmem(s, n, "EOS-", 4)) != NULL &&
            memmem(s, n, "device:", 7)) {
            size_t k = 0, rest = n - (size_t)(e + 4 - s);
            while (k < rest && e[4 + k] != ')' && e[4 + k] != ',' && !sh_cfg__is_space(e[4 + k]))
                k++;
            if (k)
                doc->version = sh_cfg__strdup(b, e + 4, k);
        } else if (!doc->version && n > 22 && memcmp(s, "!! IOS XR Configuration", 23) == 0) {
            doc->version = arena_word(b, s + 23, n - 23);
        }
        return;
    }
    if (!doc->hostname && sh_cfg__word(s, n, "hostname"))
        doc->hostname = arena_word(b, s + 8, n - 8);
    else if (!doc->hostname && sh_cfg__word(s, n, "switchname"))
        doc->hostname = arena_word(b, s + 10, n - 10);
    else if (!doc->version && sh_cfg__word(s, n, "version"))
        doc->version = arena_word(b, s + 7, n - 7);
    else if (!doc->version && (sh_cfg__word(s, n, "ASA") || sh_cfg__word(s, n, "PIX")) && n > 12 &&
             memcmp(s + 4, "Version", 7) == 0 && sh_cfg__is_space(s[11]))
        doc->version = arena_word(b, s + 12, n - 12);
}

static bool is_capture_noise(const char *s, size_t n)
{
    static const char *const days[] = {"Mon ", "Tue ", "Wed ", "Thu ", "Fri ", "Sat ", "Sun "};
    size_t i;

    if (n >= 22 && memcmp(s, "Building configuration", 22) == 0)
        return true;
    if (n >= 21 && memcmp(s, "Current configuration", 21) == 0)
        return true;
    if (n >= 8 && memcmp(s, "--More--", 8) == 0)
        return true;
    /* show startup-config, and `terminal exec prompt timestamp` output */
    if ((n >= 6 && memcmp(s, "Using ", 6) == 0 && memmem(s, n, " bytes", 6)) ||
        (n >= 13 && memcmp(s, "Load for five", 13) == 0) ||
        (n >= 14 && memcmp(s, "Time source is", 14) == 0))
        return true;
    /* IOS XR prints the time before `show running-config` output:
     * "Thu Jul 20 07:39:01.919 UTC". */
    if (n >= 19 && n <= 40 && s[13] == ':' && s[16] == ':') {
        for (i = 0; i < SH_ARRAY_LEN(days); i++) {
            if (memcmp(s, days[i], 4) == 0)
                return true;
        }
    }
    return false;
}

/* Start of a configuration in a capture: what came before was not config. */
static bool is_config_start(const char *s, size_t n)
{
    return (n >= 22 && memcmp(s, "Building configuration", 22) == 0) ||
           (n >= 21 && memcmp(s, "Current configuration", 21) == 0) ||
           (n >= 30 && memcmp(s, "!Command: show running-config", 29) == 0) ||
           (n >= 30 && memcmp(s, "!Command: show startup-config", 29) == 0);
}

static int closer_kind(const char *s, size_t n)
{
    if (sh_cfg__word(s, n, "end-policy"))
        return 1;
    if (sh_cfg__word(s, n, "end-set"))
        return 2;
    if (sh_cfg__word(s, n, "end-group"))
        return 3;
    if (sh_cfg__word(s, n, "exit") || (n > 5 && memcmp(s, "exit-", 5) == 0 &&
                                       memchr(s, ' ', n) == NULL))
        return 4;
    return 0;
}

static bool opens_kind(const char *t, int kind)
{
    size_t n = strlen(t), i;

    switch (kind) {
    case 1:
        return sh_cfg__word(t, n, "route-policy");
    case 2:
        for (i = 0; i < n && !sh_cfg__is_space(t[i]); i++)
            ;
        return i > 4 && memcmp(t + i - 4, "-set", 4) == 0;
    case 3:
        return sh_cfg__word(t, n, "group");
    default:
        return false;
    }
}

static void close_block(struct ind *st, int kind, long indent, uint32_t line)
{
    struct sh_cfg__builder *b = st->b;
    size_t k;

    if (kind != 4) {
        for (k = b->depth; k >= 1; k--) {
            if (opens_kind(b->stk[k].node->text, kind)) {
                sh_cfg__extend(b, line);
                sh_cfg__close_to(b, k - 1);
                return;
            }
        }
    }
    while (b->depth && b->stk[b->depth].indent > indent)
        b->depth--;
    if (b->depth) {
        sh_cfg__extend(b, line);
        b->depth--;
    }
}

/* Find the line holding the closing banner delimiter, starting the search
 * at `from`. Returns the offset just past that line, or 0 if unclosed. */
static size_t banner_end(struct ind *st, size_t from, const char *delim, size_t dlen)
{
    unsigned slot = dlen == 2 ? 256 : (unsigned char)delim[0];
    const char *hit;
    const char *p;
    size_t end;

    if (st->nofind[slot] && from >= st->nofind[slot] - 1)
        return 0;
    hit = dlen == 1 ? memchr(st->buf + from, delim[0], st->len - from)
                    : memmem(st->buf + from, st->len - from, delim, dlen);
    if (!hit) {
        st->nofind[slot] = from + 1;
        return 0;
    }
    p = memchr(hit, '\n', st->len - (size_t)(hit - st->buf));
    end = p ? (size_t)(p - st->buf) + 1 : st->len;
    return end;
}

/* `banner <kind> <delim>text<delim>`: returns 1 when the banner consumed
 * lines up to its closing delimiter (node added), 0 when the line is not
 * a delimited banner. */
static int banner(struct ind *st, size_t depth, const char *s, size_t n, uint32_t line,
                  size_t after_line)
{
    struct sh_cfg__builder *b = st->b;
    enum sh_dialect d = b->doc->dialect;
    size_t i = 6, dlen;
    const char *delim;
    size_t end;
    int rc;

    if (d == SH_DIALECT_ASA || !sh_cfg__word(s, n, "banner"))
        return 0;
    while (i < n && sh_cfg__is_space(s[i]))
        i++;
    while (i < n && !sh_cfg__is_space(s[i]))
        i++; /* kind: motd, login, exec, ... */
    while (i < n && sh_cfg__is_space(s[i]))
        i++;
    if (i == n) {
        /* EOS: the body follows on its own lines and ends with "EOF".
         * Other Cisco dialects always write a delimiter, but a
         * misdetected EOS file must not have its banner parsed. */
        size_t pos = after_line, save_lines = b->doc->n_lines;
        struct sh_cfg__line ln;
        if (st->eof_nofind && after_line >= st->eof_nofind - 1)
            return 0;
        for (;;) {
            rc = sh_cfg__next_line(b, st->buf, st->len, &pos, &ln);
            if (rc < 0)
                return rc;
            if (rc == 0) {
                /* Unclosed: keep the header, parse what follows as config. */
                b->doc->n_lines = save_lines;
                st->eof_nofind = after_line + 1;
                return 0;
            }
            {
                size_t tl = ln.len;
                const char *t = sh_str_trim(ln.p, &tl);
                if (tl == 3 && memcmp(t, "EOF", 3) == 0)
                    break;
            }
        }
        if ((rc = sh_cfg__add(b, depth, s, n, NULL, 0, line, NULL)) != 0)
            return rc;
        sh_cfg__extend(b, ln.no);
        sh_cfg__close_to(b, depth);
        st->pos = pos;
        return 1;
    }
    delim = s + i;
    dlen = (n - i >= 2 && s[i] == '^' && (s[i + 1] == 'C' || s[i + 1] == 'c')) ? 2 : 1;
    /* Closed on the same line? */
    if (n - i > dlen &&
        (dlen == 1 ? memchr(s + i + 1, delim[0], n - i - 1) != NULL
                   : memmem(s + i + 2, n - i - 2, delim, 2) != NULL)) {
        if ((rc = sh_cfg__add(b, depth, s, n, NULL, 0, line, NULL)) != 0)
            return rc;
        sh_cfg__close_to(b, depth);
        return 1;
    }
    end = banner_end(st, after_line, delim, dlen);
    if (!end) {
        /* The device would swallow the rest of the file; we would rather
         * show it. The header stays a node and counts as odd syntax. */
        sh_cfg__unparsed(b, line);
        return 0;
    }
    if ((rc = sh_cfg__add(b, depth, s, n, NULL, 0, line, NULL)) != 0)
        return rc;
    {
        /* Count body lines against the limits like any other line. */
        size_t pos = after_line;
        struct sh_cfg__line ln;
        while (pos < end) {
            rc = sh_cfg__next_line(b, st->buf, st->len, &pos, &ln);
            if (rc < 0)
                return rc;
            if (rc == 0)
                break;
        }
        sh_cfg__extend(b, (uint32_t)b->doc->n_lines);
    }
    sh_cfg__close_to(b, depth);
    st->pos = end;
    return 1;
}

static int prompt_line(struct ind *st, const char *host, size_t hl, const char *cmd, size_t cl)
{
    struct sh_cfg__builder *b = st->b;

    st->started = true;
    if (sh_cfg__config_command(cmd, cl)) {
        st->mode = MODE_CONFIG;
        sh_cfg__close_to(b, 0);
        if (!b->prompt_host && !(b->prompt_host = sh_cfg__strdup(b, host, hl)))
            return SH_ENOMEM;
    } else {
        st->mode = MODE_OUTSIDE;
    }
    return 0;
}

int sh_cfg__parse_indent(struct sh_cfg__builder *b, const char *buf, size_t len)
{
    struct ind st;
    struct sh_cfg__line ln;
    bool asa = b->doc->dialect == SH_DIALECT_ASA;
    int rc;

    memset(&st, 0, sizeof(st));
    st.b = b;
    st.buf = buf;
    st.len = len;
    st.mode = MODE_CONFIG;
    b->stk[0].indent = -1;

    while ((rc = sh_cfg__next_line(b, buf, len, &st.pos, &ln)) == 1) {
        size_t skip, n;
        long indent = indent_of(ln.p, ln.len, &skip);
        const char *s = ln.p + skip, *host, *cmd;
        size_t hl, cl, depth;
        int kind;

        n = ln.len - skip;
        s = sh_str_trim(s, &n);
        if (n == 0)
            continue;
        if (skip == 0 && sh_cfg__prompt(s, n, &host, &hl, &cmd, &cl)) {
            if ((rc = prompt_line(&st, host, hl, cmd, cl)) != 0)
                return rc;
            continue;
        }
        if (is_config_start(s, n)) {
            /* Statements before the first sign of a configuration were
             * other output pasted without prompts (`show version`). */
            if (!st.started && b->n_nodes)
                sh_cfg__discard(b);
            st.started = true;
            st.mode = MODE_CONFIG;
            if (s[0] != '!')
                continue;
        }
        if (st.mode == MODE_OUTSIDE) {
            sh_cfg__unparsed(b, ln.no);
            continue;
        }
        if (s[0] == '!' || s[0] == '#' || (asa && s[0] == ':')) {
            if (skip == 0)
                metadata(b, s, n, true);
            continue;
        }
        if (skip == 0 && is_capture_noise(s, n))
            continue;
        if (skip == 0 && n == 3 && memcmp(s, "end", 3) == 0) {
            sh_cfg__close_to(b, 0);
            continue;
        }
        if ((kind = closer_kind(s, n)) != 0) {
            close_block(&st, kind, indent, ln.no);
            continue;
        }
        while (b->depth && b->stk[b->depth].indent >= indent)
            b->depth--;
        depth = b->depth;
        if (depth >= b->lim->max_depth)
            return sh_cfg__depth_error(b, ln.no);
        rc = banner(&st, depth, s, n, ln.no, st.pos);
        if (rc < 0)
            return rc;
        if (rc == 1) {
            continue;
        }
        if ((rc = sh_cfg__add(b, depth, s, n, NULL, 0, ln.no, NULL)) != 0)
            return rc;
        b->stk[b->depth].indent = indent;
        if (depth == 0)
            metadata(b, s, n, false);
    }
    return rc < 0 ? rc : 0;
}
