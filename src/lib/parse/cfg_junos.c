/*
 * cfg_junos.c - Juniper Junos in braces form and in `set` form.
 *
 * Braces form is tokenised (words, "quoted strings" that may hold braces
 * or semicolons, [ lists ], C-style block comments, # comments, inactive: and
 * protect: prefixes) into statements. A statement ending in ';' is a leaf
 * whose match is its set form ("set system host-name r1"); one ending in
 * '{' is a container whose match is "edit <path>", so a rule written
 * against `set` lines fires once per leaf and never on containers. The
 * node text is the statement as Junos displays it (words joined by one
 * space, then ';' or ' {'), without indentation or trailing comments.
 *
 * Set form (and a mix: `set`/`deactivate`/`delete` lines at top level) is
 * kept line by line; the match is the line itself.
 *
 * Pure function of its input; uses only the builder it is given.
 */
#include "../base/sh_base.h"

#include "cfg_int.h"

struct jn {
    struct sh_cfg__builder *b;
    struct sh_buf stmt;  /* statement being read, words joined by ' ' */
    struct sh_buf match; /* scratch for the set/edit form */
    uint32_t stmt_line;  /* line where the statement started */
    bool in_word;
    bool in_quote;
    bool quote_esc;
    bool in_comment;
    size_t n_set, n_brace;
};

static const char *const set_verbs[] = {
    "set",    "deactivate", "delete", "activate",  "insert", "annotate",
    "protect", "unprotect", "rename", "replace", "copy",
};

static bool is_set_line(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < SH_ARRAY_LEN(set_verbs); i++) {
        if (sh_cfg__word(s, n, set_verbs[i]) && n > strlen(set_verbs[i]))
            return true;
    }
    return false;
}

/* Lines a captured CLI session adds around the configuration. */
static bool is_capture_noise(const char *s, size_t n)
{
    if (n >= 3 && s[0] == '{' && s[n - 1] == '}' && memchr(s, ':', n) &&
        !memchr(s, ' ', n))
        return true; /* {master:0} */
    if (n >= 2 && s[0] == '<' && s[n - 1] == '>' &&
        (memmem(s, n, "configuration", 13) || memmem(s, n, "rpc-reply", 9) ||
         memmem(s, n, "output", 6) || memmem(s, n, "cli>", 4)))
        return true; /* NETCONF/XML wrappers of text output */
    return false;
}

static const char *value_word(struct sh_cfg__builder *b, const char *s, size_t n)
{
    size_t i = 0;

    while (i < n && !sh_cfg__is_space(s[i]) && s[i] != ';')
        i++;
    n = i;
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
        s++;
        n -= 2;
    }
    return n ? sh_cfg__strdup(b, s, n) : NULL;
}

/* The statement without an inactive:/protect: prefix, for its set form. */
static const char *strip_prefix(const char *s, size_t *n)
{
    static const char *const pre[] = {"inactive: ", "protect: ", "replace: ", "active: "};
    size_t i, pl;

    for (i = 0; i < SH_ARRAY_LEN(pre); i++) {
        pl = strlen(pre[i]);
        if (*n > pl && memcmp(s, pre[i], pl) == 0) {
            *n -= pl;
            return s + pl;
        }
    }
    return s;
}

static int emit(struct jn *j, bool container)
{
    struct sh_cfg__builder *b = j->b;
    const struct sh_cfg_node *parent = b->depth ? b->stk[b->depth].node : NULL;
    size_t sl = j->stmt.len;
    const char *s = strip_prefix(j->stmt.ptr, &sl);
    struct sh_cfg_node *n = NULL;
    int rc;

    sh_buf_reset(&j->match);
    if ((rc = sh_buf_adds(&j->match, container ? "edit " : "set ")) != 0)
        goto lim;
    if (parent) {
        /* parent->match is "edit <path>" */
        if ((rc = sh_buf_add(&j->match, parent->match + 5, parent->match_len - 5)) != 0 ||
            (rc = sh_buf_addc(&j->match, ' ')) != 0)
            goto lim;
    }
    if ((rc = sh_buf_add(&j->match, s, sl)) != 0)
        goto lim;
    {
        /* Appending may move the buffer: keep s as an offset. */
        size_t off = (size_t)(s - j->stmt.ptr);
        if ((rc = sh_buf_adds(&j->stmt, container ? " {" : ";")) != 0)
            goto lim;
        s = j->stmt.ptr + off;
    }
    rc = sh_cfg__add(b, b->depth, j->stmt.ptr, j->stmt.len, j->match.ptr, j->match.len,
                     j->stmt_line, &n);
    if (rc)
        return rc;
    j->n_brace++;
    if (!container) {
        sh_cfg__close_to(b, n->depth);
        if (!b->doc->hostname && parent && parent->match_len == 11 &&
            memcmp(parent->match, "edit system", 11) == 0 && sl > 10 &&
            memcmp(s, "host-name ", 10) == 0)
            b->doc->hostname = value_word(b, s + 10, sl - 10);
        else if (!b->doc->hostname && parent && parent->match_len >= 24 &&
                 memcmp(parent->match + parent->match_len - 19, "deviceconfig system", 19) == 0 &&
                 sl > 9 && memcmp(s, "hostname ", 9) == 0)
            b->doc->hostname = value_word(b, s + 9, sl - 9); /* PAN-OS */
        else if (!b->doc->version && !parent && sl > 8 && memcmp(s, "version ", 8) == 0)
            b->doc->version = value_word(b, s + 8, sl - 8);
    }
    sh_buf_reset(&j->stmt);
    return 0;
lim:
    if (rc == SH_ELIMIT)
        return sh_diag_set(b->diag, SH_ELIMIT, b->source, j->stmt_line,
                           "junos statement too long");
    return rc;
}

static int add_char(struct jn *j, char c, uint32_t line)
{
    int rc;

    if (!j->in_word) {
        if (j->stmt.len == 0)
            j->stmt_line = line;
        else if ((rc = sh_buf_addc(&j->stmt, ' ')) != 0)
            return rc;
        j->in_word = true;
    }
    return sh_buf_addc(&j->stmt, c);
}

static int set_line(struct jn *j, const char *s, size_t n, uint32_t line)
{
    struct sh_cfg__builder *b = j->b;
    int rc;

    if ((rc = sh_cfg__add(b, 0, s, n, NULL, 0, line, NULL)) != 0)
        return rc;
    sh_cfg__close_to(b, 0);
    j->n_set++;
    if (!b->doc->hostname && n > 21 && memcmp(s, "set system host-name ", 21) == 0)
        b->doc->hostname = value_word(b, s + 21, n - 21);
    else if (!b->doc->hostname && n > 33 && memcmp(s, "set deviceconfig system hostname ", 33) == 0)
        b->doc->hostname = value_word(b, s + 33, n - 33); /* PAN-OS */
    else if (!b->doc->version && n > 12 && memcmp(s, "set version ", 12) == 0)
        b->doc->version = value_word(b, s + 12, n - 12);
    return 0;
}

static int brace_line(struct jn *j, const char *s, size_t n, uint32_t line)
{
    struct sh_cfg__builder *b = j->b;
    size_t i;
    int rc = 0;

    for (i = 0; i < n; i++) {
        char c = s[i];

        if (j->in_comment) {
            if (c == '*' && i + 1 < n && s[i + 1] == '/') {
                j->in_comment = false;
                i++;
            }
            continue;
        }
        if (j->in_quote) {
            if ((rc = sh_buf_addc(&j->stmt, c)) != 0)
                goto fail;
            if (j->quote_esc)
                j->quote_esc = false;
            else if (c == '\\')
                j->quote_esc = true;
            else if (c == '"')
                j->in_quote = false;
            continue;
        }
        switch (c) {
        case ' ':
        case '\t':
        case '\r':
        case '\f':
        case '\v':
            j->in_word = false;
            break;
        case '#':
            if (!j->in_word && j->stmt.len == 0)
                return 0; /* comment to the end of the line */
            if ((rc = add_char(j, c, line)) != 0)
                goto fail;
            break;
        case '/':
            if (!j->in_word && i + 1 < n && s[i + 1] == '*') {
                j->in_comment = true;
                i++;
                break;
            }
            if ((rc = add_char(j, c, line)) != 0)
                goto fail;
            break;
        case '"':
            if ((rc = add_char(j, c, line)) != 0)
                goto fail;
            j->in_quote = true;
            break;
        case '[':
        case ']':
            j->in_word = false;
            if ((rc = add_char(j, c, line)) != 0)
                goto fail;
            j->in_word = false;
            break;
        case ';':
            j->in_word = false;
            if (j->stmt.len && (rc = emit(j, false)) != 0)
                return rc;
            break;
        case '{':
            j->in_word = false;
            if (!j->stmt.len) {
                /* A block with no name: keep it so its children stay
                 * nested, and say the syntax was odd. */
                j->stmt_line = line;
                sh_cfg__unparsed(b, line);
                if ((rc = sh_buf_addc(&j->stmt, '?')) != 0)
                    goto fail;
            }
            if ((rc = emit(j, true)) != 0)
                return rc;
            break;
        case '}':
            j->in_word = false;
            if (j->stmt.len) {
                /* Statement without ';' before the brace. */
                sh_cfg__unparsed(b, j->stmt_line);
                if ((rc = emit(j, false)) != 0)
                    return rc;
            }
            if (b->depth == 0) {
                sh_cfg__unparsed(b, line);
                break;
            }
            sh_cfg__extend(b, line);
            sh_cfg__close_to(b, b->depth - 1);
            break;
        default:
            if ((rc = add_char(j, c, line)) != 0)
                goto fail;
            break;
        }
    }
    j->in_word = false;
    if (j->in_quote && (rc = sh_buf_addc(&j->stmt, ' ')) != 0)
        goto fail;
    return 0;
fail:
    if (rc == SH_ELIMIT)
        return sh_diag_set(b->diag, SH_ELIMIT, b->source, line, "junos statement too long");
    return rc;
}

int sh_cfg__parse_junos(struct sh_cfg__builder *b, const char *buf, size_t len)
{
    struct jn j;
    struct sh_cfg__line ln;
    size_t pos = 0;
    bool outside = false;
    int rc;

    memset(&j, 0, sizeof(j));
    j.b = b;
    /* A statement is bounded by the line limit times a few lines of
     * continuation (multi-line quoted strings), its set form by the path. */
    sh_buf_init(&j.stmt, b->lim->max_line * 4 + 64);
    sh_buf_init(&j.match, b->lim->max_line * 8 + 64);

    while ((rc = sh_cfg__next_line(b, buf, len, &pos, &ln)) == 1) {
        size_t n = ln.len;
        const char *s = sh_str_trim(ln.p, &n), *host, *cmd;
        size_t hl, cl;
        bool fresh = !j.in_comment && !j.in_quote && j.stmt.len == 0;

        if (n == 0 && fresh)
            continue;
        if (fresh && s == ln.p && sh_cfg__prompt(s, n, &host, &hl, &cmd, &cl)) {
            outside = !sh_cfg__config_command(cmd, cl);
            if (!outside) {
                sh_cfg__close_to(b, 0);
                if (!b->prompt_host && !(b->prompt_host = sh_cfg__strdup(b, host, hl))) {
                    rc = SH_ENOMEM;
                    goto out;
                }
            }
            continue;
        }
        if (outside) {
            sh_cfg__unparsed(b, ln.no);
            continue;
        }
        if (fresh && is_capture_noise(s, n))
            continue;
        if (fresh && s[0] == '!')
            continue; /* a RANCID/PAN-OS comment line; no Junos statement starts so */
        if (fresh && b->depth == 0 && is_set_line(s, n)) {
            if ((rc = set_line(&j, s, n, ln.no)) != 0)
                goto out;
            continue;
        }
        if ((rc = brace_line(&j, s, n, ln.no)) != 0)
            goto out;
    }
    if (rc < 0)
        goto out;
    rc = 0;
    if (j.stmt.len) {
        /* The file ended inside a statement. */
        sh_cfg__unparsed(b, j.stmt_line);
        rc = emit(&j, false);
    }
    b->doc->junos_set_form = j.n_set > 0 && j.n_set >= j.n_brace;
out:
    sh_buf_free(&j.stmt);
    sh_buf_free(&j.match);
    return rc;
}
