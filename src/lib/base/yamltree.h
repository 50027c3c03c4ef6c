/*
 * yamltree.h - a small, bounded YAML tree for configuration files we read
 * (rule files, the site policy).
 *
 * Built from libyaml's event stream (never its recursive composer) so
 * nesting depth and node count are bounded, and aliases are refused
 * (no alias expansion bombs). Every node keeps its 1-based line and
 * column for error messages. One document per input.
 *
 * Ownership: a tree owns all its nodes and strings (one arena); free with
 * sh_yaml_free. Not thread-safe per tree; distinct trees are independent.
 */
#ifndef SH_BASE_YAMLTREE_H
#define SH_BASE_YAMLTREE_H

#include "sh_base.h"

enum sh_yaml_type { SH_YAML_SCALAR = 0, SH_YAML_SEQ, SH_YAML_MAP };

struct sh_yaml_node {
    enum sh_yaml_type type;
    const char *str; /* scalars: NUL-terminated value (may hold NUL bytes before len) */
    size_t len;      /* scalar length */
    bool plain;      /* scalar written without quotes (so "null"/"true" keep meaning) */
    char style;      /* scalars: 'p' plain, 's' single-quoted, 'd' double-quoted, 'l'/'f' block */
    uint32_t line;   /* 1-based */
    uint32_t column; /* 1-based */
    /* SEQ: items; MAP: key, value, key, value, ... */
    struct sh_yaml_node **kids;
    size_t n;
};

struct sh_yaml_limits {
    size_t max_depth;
    size_t max_nodes;
    size_t max_scalar; /* bytes per scalar */
};

#define SH_YAML_LIMITS_INIT                                                                        \
    {                                                                                              \
        32, 100000, 65536                                                                          \
    }

struct sh_yaml {
    struct sh_arena arena;
    struct sh_yaml_node *root; /* NULL for an empty document */
};

/**
 * Parse [buf, buf+len) into an owned tree. SH_EPARSE (syntax, alias,
 * several documents) or SH_ELIMIT with diag naming source, line and column.
 */
int sh_yaml_parse(struct sh_yaml **out, const char *buf, size_t len,
                  const struct sh_yaml_limits *limits, const char *source, sh_diag *diag);
void sh_yaml_free(struct sh_yaml *y);

/** The value for `key` in a mapping, or NULL. */
const struct sh_yaml_node *sh_yaml_get(const struct sh_yaml_node *map, const char *key);

/** Fill diag with the node's position and return `code`. */
int sh_yaml_diag(sh_diag *diag, int code, const char *source, const struct sh_yaml_node *n,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
