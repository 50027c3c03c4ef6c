/*
 * cfg.c - the config document: dialect names, the builder every dialect
 * parser feeds, the bounded line reader, parse dispatch and lookups.
 *
 * Ownership: sh_cfg_parse returns an owned document; everything it points
 * to, the builder's block stack included, lives in the document's arena
 * and goes with sh_cfg_doc_free, or with the next sh_cfg_parse_into of
 * the same document (which keeps the arena's blocks for reuse).
 * Thread-safe across distinct documents; a document is read-only between
 * parses.
 */
#include "../base/sh_base.h"

#include "cfg_int.h"

#include <strings.h>

#define NODE_CHUNK 4096
#define NODE_RESERVE_MAX 65536
#define STR_CHUNK 65536
#define STR_BIG 16384
/* What a reused document keeps of its arena between parses: more than a
 * large config needs, so a worker's parses stop allocating after the
 * first few files, while one huge file does not pin its memory. */
#define SH_CFG_KEEP_BYTES ((size_t)8 << 20)

static const char *const dialect_names[SH_DIALECT__COUNT] = {
    [SH_DIALECT_UNKNOWN] = "unknown", [SH_DIALECT_IOS] = "ios",     [SH_DIALECT_IOSXE] = "iosxe",
    [SH_DIALECT_NXOS] = "nxos",       [SH_DIALECT_IOSXR] = "iosxr", [SH_DIALECT_EOS] = "eos",
    [SH_DIALECT_JUNOS] = "junos",     [SH_DIALECT_ASA] = "asa",     [SH_DIALECT_PANOS] = "panos",
    [SH_DIALECT_FORTIOS] = "fortios",
};

const char *sh_dialect_name(enum sh_dialect d)
{
    if ((unsigned)d >= SH_DIALECT__COUNT)
        return "unknown";
    return dialect_names[d];
}

enum sh_dialect sh_dialect_from_name(const char *name)
{
    unsigned i;

    if (!name)
        return SH_DIALECT_UNKNOWN;
    for (i = 0; i < SH_DIALECT__COUNT; i++) {
        if (strcasecmp(name, dialect_names[i]) == 0)
            return (enum sh_dialect)i;
    }
    return SH_DIALECT_UNKNOWN;
}

/* ---- builder ---- */

/* Strings are packed end to end in the string pool, so the only bytes of
 * a pool chunk no string covers are those after its last string. PCRE2's
 * JIT reads a little past the end of a subject (whole SIMD words) and
 * those bytes must be defined (memcheck): the bytes after the last string
 * are zeroed when the chunk is left, up to SPOOL_PAD, instead of zeroing
 * every chunk up front (a small file's pool is mostly unused). */
#define SPOOL_PAD 256

static void spool_seal(struct sh_cfg__builder *b)
{
    if (b->spool && b->spool_left)
        memset(b->spool, 0, b->spool_left < SPOOL_PAD ? b->spool_left : SPOOL_PAD);
}

char *sh_cfg__strdup(struct sh_cfg__builder *b, const char *s, size_t n)
{
    char *d;
    size_t i;

    if (n + 1 > STR_BIG) {
        d = sh_arena_alloc(&b->doc->arena, n + 1);
    } else {
        if (b->spool_left < n + 1) {
            spool_seal(b);
            b->spool = sh_arena_alloc_raw(&b->doc->arena, STR_CHUNK);
            if (!b->spool) {
                b->spool_left = 0;
                return NULL;
            }
            b->spool_left = STR_CHUNK;
        }
        d = b->spool;
        b->spool += n + 1;
        b->spool_left -= n + 1;
    }
    if (!d)
        return NULL;
    /* A NUL inside a line would cut the C string short of match_len: the
     * text a user sees and the text rules see must be the same. Every
     * string comes from the input (or literals), so an input without a
     * NUL, checked once per parse, needs no look here. */
    memcpy(d, s, n);
    d[n] = '\0';
    if (!b->nul_free)
        for (i = strlen(d); i < n; i = i + 1 + strlen(d + i + 1))
            d[i] = ' ';
    return d;
}

int sh_cfg__depth_error(struct sh_cfg__builder *b, uint32_t line)
{
    return sh_diag_set(b->diag, SH_ELIMIT, b->source, line, "config nesting deeper than %zu levels",
                       b->lim->max_depth);
}

/* The block stack lives in the arena too: a grown stack leaves the old
 * one behind, at most a few KiB for the deepest config allowed. */
static int grow_stack(struct sh_cfg__builder *b, size_t need)
{
    struct sh_cfg__frame *n;
    size_t cap = b->stk_cap ? b->stk_cap : 16, bytes;

    while (cap < need)
        cap *= 2;
    if (!sh_size_mul(&bytes, cap, sizeof(*n)))
        return SH_ENOMEM;
    n = sh_arena_alloc(&b->doc->arena, bytes);
    if (!n)
        return SH_ENOMEM;
    if (b->stk_cap)
        memcpy(n, b->stk, b->stk_cap * sizeof(*n));
    b->stk = n;
    b->stk_cap = cap;
    return SH_OK;
}

void sh_cfg__close_to(struct sh_cfg__builder *b, size_t depth)
{
    if (depth < b->depth)
        b->depth = depth;
}

void sh_cfg__extend(struct sh_cfg__builder *b, uint32_t line)
{
    size_t i;

    for (i = 1; i <= b->depth; i++) {
        if (b->stk[i].node->end_line < line)
            b->stk[i].node->end_line = line;
    }
}

void sh_cfg__unparsed(struct sh_cfg__builder *b, uint32_t line)
{
    if (b->doc->n_unparsed++ == 0 || line < b->doc->first_unparsed)
        b->doc->first_unparsed = line;
}

void sh_cfg__discard(struct sh_cfg__builder *b)
{
    size_t i;

    for (i = 0; i < b->n_nodes; i++)
        sh_cfg__unparsed(b, b->nodes[i]->line);
    b->n_nodes = 0;
    b->depth = 0;
    b->stk[0].last = NULL;
    b->doc->first = NULL;
    b->doc->hostname = NULL;
    b->doc->version = NULL;
    b->norm_len = 0;
}

/* Append '\n' (between nodes) and a match text to norm, keeping room for
 * the final NUL. */
static int norm_append(struct sh_cfg__builder *b, const char *m, size_t mlen, uint32_t line)
{
    size_t need = b->norm_len + mlen + 2;

    if (need > b->norm_max || need > UINT32_MAX)
        return sh_diag_set(b->diag, SH_ELIMIT, b->source, line, "normalised config too large");
    if (need > b->norm_cap) {
        size_t cap = b->norm_cap ? b->norm_cap : 4096;
        char *p;
        while (cap < need)
            cap *= 2;
        p = sh_arena_alloc_raw(&b->doc->arena, cap);
        if (!p)
            return SH_ENOMEM;
        if (b->norm_len)
            memcpy(p, b->norm, b->norm_len);
        b->norm = p;
        b->norm_cap = cap;
    }
    if (b->n_nodes)
        b->norm[b->norm_len++] = '\n';
    memcpy(b->norm + b->norm_len, m, mlen);
    b->norm_len += mlen;
    return SH_OK;
}

int sh_cfg__add(struct sh_cfg__builder *b, size_t depth, const char *text, size_t tlen,
                const char *match, size_t mlen, uint32_t line, struct sh_cfg_node **out)
{
    struct sh_cfg_node *n;
    struct sh_cfg__frame *parent;
    int rc;

    if (depth > b->depth)
        depth = b->depth;
    if (depth >= b->lim->max_depth)
        return sh_cfg__depth_error(b, line);
    if (depth + 2 > b->stk_cap && (rc = grow_stack(b, depth + 2)) != 0)
        return rc;
    if (!match) {
        match = text;
        mlen = tlen;
    }
    if (tlen > UINT32_MAX / 2 || mlen > UINT32_MAX / 2)
        return sh_diag_set(b->diag, SH_ELIMIT, b->source, line, "config statement too long");
    if (b->n_nodes == b->cap_nodes) {
        size_t cap = b->cap_nodes ? b->cap_nodes * 2 : 1024, bytes;
        struct sh_cfg_node **v;
        if (!sh_size_mul(&bytes, cap, sizeof(*v)))
            return SH_ENOMEM;
        v = sh_arena_alloc_raw(&b->doc->arena, bytes);
        if (!v)
            return SH_ENOMEM;
        if (b->n_nodes)
            memcpy(v, b->nodes, b->n_nodes * sizeof(*v));
        b->nodes = v;
        b->cap_nodes = cap;
    }
    if (!b->pool_left) {
        b->pool = sh_arena_alloc_raw(&b->doc->arena, NODE_CHUNK * sizeof(*b->pool));
        if (!b->pool)
            return SH_ENOMEM;
        b->pool_left = NODE_CHUNK;
    }
    n = b->pool++;
    b->pool_left--;
    memset(n, 0, sizeof(*n));
    n->text = sh_cfg__strdup(b, text, tlen);
    if (!n->text)
        return SH_ENOMEM;
    if (match == text)
        n->match = n->text;
    else if (!(n->match = sh_cfg__strdup(b, match, mlen)))
        return SH_ENOMEM;
    n->match_len = (uint32_t)mlen;
    if ((rc = norm_append(b, n->match, mlen, line)) != 0)
        return rc;
    n->norm_off = (uint32_t)(b->norm_len - mlen);
    n->line = line;
    n->end_line = line;
    n->index = (uint32_t)b->n_nodes;
    n->depth = (uint16_t)depth;
    b->depth = depth;
    parent = &b->stk[depth];
    n->parent = parent->node;
    if (parent->last)
        parent->last->next = n;
    else if (parent->node)
        parent->node->first_child = n;
    else
        b->doc->first = n;
    parent->last = n;
    sh_cfg__extend(b, line);
    b->depth = depth + 1;
    memset(&b->stk[depth + 1], 0, sizeof(b->stk[0]));
    b->stk[depth + 1].node = n;
    b->nodes[b->n_nodes++] = n;
    if (out)
        *out = n;
    return SH_OK;
}

int sh_cfg__next_line(struct sh_cfg__builder *b, const char *buf, size_t len, size_t *pos,
                      struct sh_cfg__line *ln)
{
    const char *p, *nl;
    size_t n;

    if (*pos >= len)
        return 0;
    p = buf + *pos;
    nl = memchr(p, '\n', len - *pos);
    n = nl ? (size_t)(nl - p) : len - *pos;
    *pos += n + (nl ? 1 : 0);
    if (n && p[n - 1] == '\r')
        n--;
    if (b->doc->n_lines >= b->lim->max_lines)
        return sh_diag_set(b->diag, SH_ELIMIT, b->source, (uint32_t)b->doc->n_lines + 1,
                           "config has more than %zu lines", b->lim->max_lines);
    b->doc->n_lines++;
    ln->p = p;
    ln->len = n;
    ln->no = (uint32_t)b->doc->n_lines;
    if (n > b->lim->max_line)
        return sh_diag_set(b->diag, SH_ELIMIT, b->source, ln->no,
                           "config line longer than %zu bytes", b->lim->max_line);
    return 1;
}

/* ---- prompts of captured CLI sessions ---- */

static bool prompt_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-' || c == ':' || c == '/' || c == '@' || c == '(' || c == ')' ||
           c == '~';
}

bool sh_cfg__prompt(const char *s, size_t n, const char **host, size_t *host_len, const char **cmd,
                    size_t *cmd_len)
{
    size_t i = 0, hs, he;

    if (!n || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
                (s[0] >= '0' && s[0] <= '9')))
        return false;
    while (i < n && prompt_char(s[i]))
        i++;
    if (i == n || (s[i] != '#' && s[i] != '>') || i > 128)
        return false;
    he = i;
    /* Strip a configuration-mode suffix: r1(config-if)# */
    if (he && s[he - 1] == ')') {
        size_t k = he;
        while (k > 0 && s[k - 1] != '(')
            k--;
        if (k > 0)
            he = k - 1;
    }
    hs = 0;
    {
        size_t k;
        for (k = 0; k < he; k++) {
            if (s[k] == ':' || s[k] == '@')
                hs = k + 1;
        }
    }
    if (hs >= he)
        return false;
    i++;
    while (i < n && sh_cfg__is_space(s[i]))
        i++;
    *host = s + hs;
    *host_len = he - hs;
    *cmd = s + i;
    *cmd_len = n - i;
    while (*cmd_len && sh_cfg__is_space((*cmd)[*cmd_len - 1]))
        (*cmd_len)--;
    /* A prompt is followed by nothing or by a command word. */
    if (*cmd_len && !((**cmd >= 'a' && **cmd <= 'z') || (**cmd >= 'A' && **cmd <= 'Z')))
        return false;
    return true;
}

bool sh_cfg__config_command(const char *cmd, size_t n)
{
    size_t i = 0, w1e, w2s;

    while (i < n && !sh_cfg__is_space(cmd[i]))
        i++;
    w1e = i;
    while (i < n && sh_cfg__is_space(cmd[i]))
        i++;
    w2s = i;
    if (w1e >= 2 && w1e <= 4 && strncasecmp(cmd, "show", w1e) == 0) {
        /* show run[ning-config], show start[up-config], show conf[iguration] */
        const char *w = cmd + w2s;
        size_t wl = n - w2s;
        /* "con" alone would take in `show controllers`. */
        return (wl >= 3 && strncasecmp(w, "run", 3) == 0) ||
               (wl >= 4 && (strncasecmp(w, "star", 4) == 0 || strncasecmp(w, "conf", 4) == 0));
    }
    if (w1e == 4 && strncasecmp(cmd, "more", 4) == 0)
        return n - w2s >= 6 && memmem(cmd + w2s, n - w2s, "config", 6) != NULL;
    if (w1e == 4 && strncasecmp(cmd, "save", 4) == 0)
        return true;
    return false;
}

/* ---- parse ---- */

/* Reserve node structs, strings, the node array and norm from the line
 * count: for the line-based dialects these bounds are never exceeded. */
static int reserve(struct sh_cfg__builder *b, const char *buf, size_t len)
{
    size_t lines = 1, all_lines, bytes;
    const char *p = buf, *e = buf + len;

    while (p < e && (p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
        lines++;
        p++;
    }
    if (lines > b->lim->max_lines + 1)
        lines = b->lim->max_lines + 1;
    all_lines = lines;
    /* Strings and norm are bounded by the input's bytes; node structs are
     * not (a file of blank lines), so only a typical config's worth is
     * reserved and the rest comes in chunks. */
    if (lines > NODE_RESERVE_MAX)
        lines = NODE_RESERVE_MAX;
    if (!sh_size_mul(&bytes, lines, sizeof(*b->pool)))
        return SH_ENOMEM;
    /* Here and wherever the builder grows them, the node pool, node list
     * and norm are not zeroed: nodes are cleared as they are taken, the
     * others are filled before they are read. The string pool is padded
     * with zeros after its last string when it is left (spool_seal). */
    if (!(b->pool = sh_arena_alloc_raw(&b->doc->arena, bytes)))
        return SH_ENOMEM;
    b->pool_left = lines;
    if (!sh_size_add(&bytes, len, all_lines + 1))
        return SH_ENOMEM;
    if (bytes < STR_BIG)
        bytes = STR_BIG;
    if (!(b->spool = sh_arena_alloc_raw(&b->doc->arena, bytes)))
        return SH_ENOMEM;
    b->spool_left = bytes;
    if (!sh_size_mul(&bytes, lines, sizeof(*b->nodes)))
        return SH_ENOMEM;
    if (!(b->nodes = sh_arena_alloc_raw(&b->doc->arena, bytes)))
        return SH_ENOMEM;
    b->cap_nodes = lines;
    if (!sh_size_add(&bytes, len, all_lines + 2))
        return SH_ENOMEM;
    if (!(b->norm = sh_arena_alloc_raw(&b->doc->arena, bytes)))
        return SH_ENOMEM;
    b->norm_cap = bytes;
    return SH_OK;
}

static void finish(struct sh_cfg__builder *b)
{
    struct sh_cfg_doc *doc = b->doc;

    spool_seal(b);
    doc->nodes = b->nodes;
    doc->n_nodes = b->n_nodes;
    b->norm[b->norm_len] = '\0';
    doc->norm = b->norm;
    doc->norm_len = b->norm_len;
    if (!doc->hostname && b->group_host)
        doc->hostname = b->group_host;
    if (!doc->hostname && b->header_host)
        doc->hostname = b->header_host;
    if (!doc->hostname && b->prompt_host)
        doc->hostname = b->prompt_host;
}

int sh_cfg_parse(struct sh_cfg_doc **out, const char *buf, size_t len, enum sh_dialect dialect,
                 const struct sh_cfg_limits *limits, const char *source, sh_diag *diag)
{
    return sh_cfg_parse_detected(out, buf, len, dialect, NULL, limits, source, diag);
}

int sh_cfg_parse_detected(struct sh_cfg_doc **out, const char *buf, size_t len,
                          enum sh_dialect dialect, const char *basis,
                          const struct sh_cfg_limits *limits, const char *source, sh_diag *diag)
{
    struct sh_cfg_doc *doc;
    int rc;

    SH_ASSERT_ARG(out);
    *out = NULL;
    doc = sh_cfg_doc_new();
    if (!doc)
        return SH_ENOMEM;
    rc = sh_cfg_parse_into(doc, buf, len, dialect, basis, limits, source, diag);
    if (rc) {
        sh_cfg_doc_free(doc);
        return rc;
    }
    *out = doc;
    return SH_OK;
}

struct sh_cfg_doc *sh_cfg_doc_new(void)
{
    struct sh_cfg_doc *doc = sh_calloc(1, sizeof(*doc));

    if (doc)
        sh_arena_init(&doc->arena, 0);
    return doc;
}

/* Empty a document for the next parse, keeping its arena's blocks. */
static void doc_reset(struct sh_cfg_doc *doc)
{
    struct sh_arena arena = doc->arena;

    sh_arena_reset(&arena, SH_CFG_KEEP_BYTES);
    memset(doc, 0, sizeof(*doc));
    doc->arena = arena;
}

int sh_cfg_parse_into(struct sh_cfg_doc *doc, const char *buf, size_t len, enum sh_dialect dialect,
                      const char *basis, const struct sh_cfg_limits *limits, const char *source,
                      sh_diag *diag)
{
    static const struct sh_cfg_limits defaults = SH_CFG_LIMITS_INIT;
    struct sh_cfg__builder b;
    char *utf8 = NULL;
    int rc;

    SH_ASSERT_ARG(doc);
    SH_ASSERT_ARG(buf || len == 0);
    doc_reset(doc);
    if (!buf)
        buf = "";
    if ((unsigned)dialect >= SH_DIALECT__COUNT)
        return sh_diag_set(diag, SH_EINVAL, source, 0, "unknown config dialect %d", (int)dialect);
    if (sh_cfg__utf16_bom(buf, len)) {
        /* Every string the document keeps is copied into its arena, so
         * the converted text is scratch. */
        if (!(utf8 = sh_cfg__utf16_to_utf8(buf, len, &len)))
            return SH_ENOMEM;
        buf = utf8;
    }
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        buf += 3; /* UTF-8 byte order mark: not part of the first line */
        len -= 3;
    }
    if (!limits)
        limits = &defaults;
    memset(&b, 0, sizeof(b));
    b.doc = doc;
    b.lim = limits;
    b.source = source;
    b.diag = diag;
    b.nul_free = memchr(buf, '\0', len) == NULL;
    /* Junos set forms repeat their path on every leaf, so norm may be
     * several times the input; the bound only stops pathological nesting. */
    if (!sh_size_mul(&b.norm_max, len, 32) || !sh_size_add(&b.norm_max, b.norm_max, 1u << 20))
        b.norm_max = SIZE_MAX / 2;
    if ((rc = grow_stack(&b, 16)) != 0 || (rc = reserve(&b, buf, len)) != 0)
        goto out;

    if (dialect == SH_DIALECT_UNKNOWN && !basis)
        (void)sh_cfg_detect(buf, len, &dialect, &basis);
    doc->dialect_basis = basis ? basis : "dialect given by the caller";
    doc->dialect = dialect;

    switch (dialect) {
    case SH_DIALECT_JUNOS: rc = sh_cfg__parse_junos(&b, buf, len); break;
    case SH_DIALECT_FORTIOS: rc = sh_cfg__parse_fortios(&b, buf, len); break;
    case SH_DIALECT_PANOS: rc = sh_cfg__parse_panos(&b, buf, len); break;
    default: rc = sh_cfg__parse_indent(&b, buf, len); break;
    }
    if (rc == 0)
        finish(&b);
out:
    sh_free(utf8);
    if (rc)
        doc_reset(doc);
    return rc;
}

void sh_cfg_doc_free(struct sh_cfg_doc *doc)
{
    if (!doc)
        return;
    sh_arena_free(&doc->arena);
    sh_free(doc);
}

struct sh_cfg_node *sh_cfg_node_at(const struct sh_cfg_doc *doc, size_t off)
{
    size_t lo = 0, hi;

    if (!doc || !doc->n_nodes || off > doc->norm_len)
        return NULL;
    /* Last node whose match starts at or before off: the '\n' after a
     * node's text and an end offset just past it belong to that node. */
    hi = doc->n_nodes;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (doc->nodes[mid]->norm_off <= off)
            lo = mid;
        else
            hi = mid;
    }
    if (doc->nodes[lo]->norm_off > off)
        return NULL;
    return doc->nodes[lo];
}
