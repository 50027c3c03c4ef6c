/*
 * yamltree.c - bounded YAML tree from libyaml events (see yamltree.h).
 * An explicit stack replaces recursion; every limit is checked before
 * the allocation it guards.
 */
#include "sh_base.h"

#include "yamltree.h"

#include <stdio.h>
#include <yaml.h>

struct frame {
    struct sh_yaml_node *node;
    struct sh_ptrvec kids;
};

static int set_mark(sh_diag *diag, int code, const char *source, yaml_mark_t m, const char *text)
{
    sh_diag_set(diag, code, source, (uint32_t)m.line + 1, "%s", text);
    if (diag)
        diag->column = (uint32_t)m.column + 1;
    return code;
}

int sh_yaml_diag(sh_diag *diag, int code, const char *source, const struct sh_yaml_node *n,
                 const char *fmt, ...)
{
    va_list ap;
    char text[SH_DIAG_TEXT];

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    sh_diag_set(diag, code, source, n ? n->line : 0, "%s", text);
    if (diag)
        diag->column = n ? n->column : 0;
    return code;
}

static struct sh_yaml_node *new_node(struct sh_yaml *y, enum sh_yaml_type t, yaml_mark_t m)
{
    struct sh_yaml_node *n = sh_arena_alloc(&y->arena, sizeof(*n));

    if (!n)
        return NULL;
    n->type = t;
    n->line = (uint32_t)m.line + 1;
    n->column = (uint32_t)m.column + 1;
    return n;
}

static int attach(struct sh_yaml *y, struct frame *stack, size_t depth, struct sh_yaml_node *n)
{
    if (depth == 0) {
        if (y->root)
            return SH_EPARSE;
        y->root = n;
        return SH_OK;
    }
    return sh_ptrvec_push(&stack[depth - 1].kids, n);
}

static int close_frame(struct sh_yaml *y, struct frame *f)
{
    struct sh_yaml_node *n = f->node;

    int rc = SH_OK;

    if (f->kids.n) {
        n->kids = sh_arena_alloc(&y->arena, f->kids.n * sizeof(*n->kids));
        if (n->kids) {
            memcpy(n->kids, f->kids.v, f->kids.n * sizeof(*n->kids));
            n->n = f->kids.n;
        } else {
            rc = SH_ENOMEM;
        }
    }
    sh_ptrvec_free(&f->kids); /* the frame is popped either way */
    return rc;
}

int sh_yaml_parse(struct sh_yaml **out, const char *buf, size_t len,
                  const struct sh_yaml_limits *limits, const char *source, sh_diag *diag)
{
    static const struct sh_yaml_limits defaults = SH_YAML_LIMITS_INIT;
    yaml_parser_t parser;
    yaml_event_t ev;
    struct sh_yaml *y = NULL;
    struct frame *stack = NULL;
    size_t depth = 0, nodes = 0, docs = 0, i;
    bool parser_ok = false, done = false;
    int rc = SH_OK;

    SH_ASSERT_ARG(out && (buf || len == 0));
    *out = NULL;
    sh_diag_clear(diag);
    if (!limits)
        limits = &defaults;
    y = sh_calloc(1, sizeof(*y));
    stack = sh_calloc(limits->max_depth + 1, sizeof(*stack));
    if (!y || !stack) {
        rc = SH_ENOMEM;
        goto out;
    }
    sh_arena_init(&y->arena, 0);
    if (!yaml_parser_initialize(&parser)) {
        rc = SH_ENOMEM;
        goto out;
    }
    parser_ok = true;
    yaml_parser_set_input_string(&parser, (const unsigned char *)(buf ? buf : ""), len);
    while (!done) {
        struct sh_yaml_node *n = NULL;

        if (!yaml_parser_parse(&parser, &ev)) {
            char msg[SH_DIAG_TEXT];
            snprintf(msg, sizeof(msg), "yaml: %s%s%s",
                     parser.problem ? parser.problem : "syntax error", parser.context ? " " : "",
                     parser.context ? parser.context : "");
            rc = set_mark(diag, SH_EPARSE, source, parser.problem_mark, msg);
            goto out;
        }
        switch (ev.type) {
        case YAML_STREAM_END_EVENT: done = true; break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1)
                rc = set_mark(diag, SH_EPARSE, source, ev.start_mark,
                              "only one yaml document per file is allowed");
            break;
        case YAML_ALIAS_EVENT:
            rc = set_mark(diag, SH_EPARSE, source, ev.start_mark, "yaml aliases are not supported");
            break;
        case YAML_SCALAR_EVENT:
            if (ev.data.scalar.length > limits->max_scalar) {
                rc = set_mark(diag, SH_ELIMIT, source, ev.start_mark, "value too long");
                break;
            }
            n = new_node(y, SH_YAML_SCALAR, ev.start_mark);
            if (n) {
                n->str = sh_arena_strndup(&y->arena, (const char *)ev.data.scalar.value,
                                          ev.data.scalar.length);
                n->len = ev.data.scalar.length;
                n->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
                switch (ev.data.scalar.style) {
                case YAML_SINGLE_QUOTED_SCALAR_STYLE: n->style = 's'; break;
                case YAML_DOUBLE_QUOTED_SCALAR_STYLE: n->style = 'd'; break;
                case YAML_LITERAL_SCALAR_STYLE: n->style = 'l'; break;
                case YAML_FOLDED_SCALAR_STYLE: n->style = 'f'; break;
                default: n->style = 'p'; break;
                }
            }
            if (!n || !n->str)
                rc = SH_ENOMEM;
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            if (depth >= limits->max_depth) {
                rc = set_mark(diag, SH_ELIMIT, source, ev.start_mark, "nesting too deep");
                break;
            }
            n = new_node(y, ev.type == YAML_SEQUENCE_START_EVENT ? SH_YAML_SEQ : SH_YAML_MAP,
                         ev.start_mark);
            if (!n)
                rc = SH_ENOMEM;
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            if (depth == 0) {
                rc = SH_EINTERNAL;
                break;
            }
            depth--;
            rc = close_frame(y, &stack[depth]);
            if (!rc)
                rc = attach(y, stack, depth, stack[depth].node);
            break;
        default: break;
        }
        if (!rc && n) {
            if (++nodes > limits->max_nodes) {
                rc = set_mark(diag, SH_ELIMIT, source, ev.start_mark, "too many yaml nodes");
            } else if (n->type == SH_YAML_SCALAR) {
                rc = attach(y, stack, depth, n);
            } else {
                stack[depth].node = n;
                memset(&stack[depth].kids, 0, sizeof(stack[depth].kids));
                depth++;
            }
        }
        yaml_event_delete(&ev);
        if (rc) {
            if (rc == SH_ENOMEM)
                sh_diag_set(diag, rc, source, 0, "out of memory");
            else if (rc == SH_EPARSE && diag && diag->text[0] == '\0')
                sh_diag_set(diag, rc, source, 0, "yaml: unexpected structure");
            goto out;
        }
    }
out:
    if (parser_ok)
        yaml_parser_delete(&parser);
    if (stack) {
        for (i = 0; i < depth; i++)
            sh_ptrvec_free(&stack[i].kids);
        sh_free(stack);
    }
    if (rc) {
        sh_yaml_free(y);
        return rc;
    }
    *out = y;
    return SH_OK;
}

void sh_yaml_free(struct sh_yaml *y)
{
    if (!y)
        return;
    sh_arena_free(&y->arena);
    sh_free(y);
}

const struct sh_yaml_node *sh_yaml_get(const struct sh_yaml_node *map, const char *key)
{
    size_t i;

    if (!map || map->type != SH_YAML_MAP)
        return NULL;
    for (i = 0; i + 1 < map->n; i += 2) {
        const struct sh_yaml_node *k = map->kids[i];
        if (k->type == SH_YAML_SCALAR && strcmp(k->str, key) == 0)
            return map->kids[i + 1];
    }
    return NULL;
}
