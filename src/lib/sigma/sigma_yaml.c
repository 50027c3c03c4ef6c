/*
 * sigma_yaml.c - fold libyaml events into a bounded node tree (see sigma_yaml.h).
 *
 * Children are gathered in a temporary pointer vector and copied into the
 * arena when their parent closes, so every node's array is exactly sized.
 */
#include "../base/sh_base.h"

#include "sigma_yaml.h"

#include <yaml.h>

struct yb {
    yaml_parser_t p;
    struct sh_arena *arena;
    const char *source;
    size_t nodes;
    sh_diag *diag;
};

static int yerr(struct yb *y, int code, uint32_t line, const char *what)
{
    return sh_diag_set(y->diag, code, y->source, line, "%s", what);
}

static int next_event(struct yb *y, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&y->p, ev)) {
        uint32_t line = (uint32_t)y->p.problem_mark.line + 1;
        return sh_diag_set(y->diag, SH_EPARSE, y->source, line, "yaml: %s",
                           y->p.problem ? y->p.problem : "syntax error");
    }
    return SH_OK;
}

static struct sy_node *new_node(struct yb *y, enum sy_type t, uint32_t line)
{
    struct sy_node *n;

    if (y->nodes >= SY_MAX_NODES)
        return NULL;
    n = sh_arena_alloc(y->arena, sizeof(*n));
    if (!n)
        return NULL;
    y->nodes++;
    n->type = t;
    n->line = line;
    return n;
}

static int build(struct yb *y, yaml_event_t *first, int depth, struct sy_node **out);

/* Read children until the closing event of a sequence or mapping. */
static int build_children(struct yb *y, struct sy_node *parent, yaml_event_type_t end, int depth)
{
    struct sh_ptrvec kids = {0};
    yaml_event_t ev;
    int rc = SH_OK;

    for (;;) {
        struct sy_node *kid = NULL;

        rc = next_event(y, &ev);
        if (rc)
            break;
        if (ev.type == end) {
            yaml_event_delete(&ev);
            break;
        }
        rc = build(y, &ev, depth + 1, &kid);
        yaml_event_delete(&ev);
        if (rc)
            break;
        if (sh_ptrvec_push(&kids, kid)) {
            rc = SH_ENOMEM;
            break;
        }
    }
    if (!rc && kids.n) {
        parent->kids = sh_arena_alloc(y->arena, kids.n * sizeof(*parent->kids));
        if (!parent->kids)
            rc = yerr(y, SH_ELIMIT, parent->line, "rule file too large");
        else {
            memcpy(parent->kids, kids.v, kids.n * sizeof(*parent->kids));
            parent->n = kids.n;
        }
    }
    if (!rc && parent->type == SY_MAP && (parent->n % 2) != 0)
        rc = yerr(y, SH_EPARSE, parent->line, "yaml: mapping without value");
    sh_ptrvec_free(&kids);
    return rc;
}

static int build(struct yb *y, yaml_event_t *ev, int depth, struct sy_node **out)
{
    uint32_t line = (uint32_t)ev->start_mark.line + 1;
    struct sy_node *n;

    if (depth > SY_MAX_DEPTH)
        return yerr(y, SH_ELIMIT, line, "yaml nesting too deep");
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        if (ev->data.scalar.length > SY_MAX_SCALAR)
            return yerr(y, SH_ELIMIT, line, "yaml scalar too long");
        n = new_node(y, SY_SCALAR, line);
        if (!n)
            return yerr(y, SH_ELIMIT, line, "too many yaml nodes");
        n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        n->len = ev->data.scalar.length;
        n->s = sh_arena_strndup(y->arena, (const char *)ev->data.scalar.value, n->len);
        if (!n->s)
            return yerr(y, SH_ELIMIT, line, "rule file too large");
        *out = n;
        return SH_OK;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        bool seq = ev->type == YAML_SEQUENCE_START_EVENT;
        n = new_node(y, seq ? SY_SEQ : SY_MAP, line);
        if (!n)
            return yerr(y, SH_ELIMIT, line, "too many yaml nodes");
        *out = n;
        return build_children(y, n, seq ? YAML_SEQUENCE_END_EVENT : YAML_MAPPING_END_EVENT, depth);
    }
    case YAML_ALIAS_EVENT:
        return yerr(y, SH_EUNSUPPORTED, line, "yaml aliases are not accepted in rules");
    default: return yerr(y, SH_EPARSE, line, "yaml: unexpected event");
    }
}

int sh_sigma__yaml_load(struct sh_arena *arena, const char *buf, size_t len, const char *source,
                        struct sy_node ***docs_out, size_t *n_out, sh_diag *diag)
{
    struct yb y;
    struct sh_ptrvec docs = {0};
    yaml_event_t ev;
    int rc = SH_OK;

    SH_ASSERT_ARG(arena && buf && docs_out && n_out);
    *docs_out = NULL;
    *n_out = 0;
    memset(&y, 0, sizeof(y));
    y.arena = arena;
    y.source = source;
    y.diag = diag;
    if (!yaml_parser_initialize(&y.p))
        return SH_ENOMEM;
    yaml_parser_set_input_string(&y.p, (const unsigned char *)buf, len);
    for (;;) {
        rc = next_event(&y, &ev);
        if (rc)
            break;
        if (ev.type == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        if (ev.type == YAML_DOCUMENT_START_EVENT) {
            yaml_event_t root;
            struct sy_node *n = NULL;
            uint32_t line = (uint32_t)ev.start_mark.line + 1;

            yaml_event_delete(&ev);
            rc = next_event(&y, &root);
            if (rc)
                break;
            if (root.type == YAML_DOCUMENT_END_EVENT) { /* empty document */
                yaml_event_delete(&root);
                continue;
            }
            rc = build(&y, &root, 0, &n);
            yaml_event_delete(&root);
            if (rc)
                break;
            rc = next_event(&y, &root); /* document end */
            if (rc)
                break;
            yaml_event_delete(&root);
            if (docs.n >= SY_MAX_DOCS) {
                rc = yerr(&y, SH_ELIMIT, line, "too many yaml documents in one file");
                break;
            }
            if (sh_ptrvec_push(&docs, n)) {
                rc = SH_ENOMEM;
                break;
            }
            continue;
        }
        yaml_event_delete(&ev); /* stream start */
    }
    if (!rc && docs.n) {
        *docs_out = sh_arena_alloc(arena, docs.n * sizeof(**docs_out));
        if (!*docs_out)
            rc = SH_ENOMEM;
        else {
            memcpy(*docs_out, docs.v, docs.n * sizeof(**docs_out));
            *n_out = docs.n;
        }
    }
    sh_ptrvec_free(&docs);
    yaml_parser_delete(&y.p);
    return rc;
}

const struct sy_node *sh_sigma__yaml_get(const struct sy_node *m, const char *key)
{
    size_t i;

    if (!m || m->type != SY_MAP)
        return NULL;
    for (i = 0; i + 1 < m->n; i += 2) {
        const struct sy_node *k = m->kids[i];
        if (k->type == SY_SCALAR && strcmp(k->s, key) == 0)
            return m->kids[i + 1];
    }
    return NULL;
}

bool sh_sigma__yaml_is_null(const struct sy_node *n)
{
    if (!n)
        return true;
    if (n->type != SY_SCALAR || !n->plain)
        return false;
    return n->len == 0 || strcmp(n->s, "null") == 0 || strcmp(n->s, "~") == 0 ||
           strcmp(n->s, "Null") == 0 || strcmp(n->s, "NULL") == 0;
}
