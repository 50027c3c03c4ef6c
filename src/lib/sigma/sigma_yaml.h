/*
 * sigma_yaml.h - a small bounded YAML document tree for Sigma rule files.
 *
 * libyaml's event stream is folded into nodes (scalar, sequence, mapping)
 * with their line numbers, allocated in one arena per load. Aliases are
 * refused (they let a few bytes expand into huge trees), and depth, node
 * count and scalar size are bounded: hitting a bound is SH_ELIMIT with
 * file and line. A file may hold several documents (`---`).
 *
 * Ownership: nodes are borrowed from the arena given to sh_sigma__yaml_load
 * and live until that arena is freed. Not thread-safe per arena.
 */
#ifndef SH_SIGMA_YAML_H
#define SH_SIGMA_YAML_H

#include "../base/sh_base.h"

enum sy_type { SY_SCALAR = 0, SY_SEQ, SY_MAP };

struct sy_node {
    enum sy_type type;
    bool plain; /* scalar written without quotes (so `null`, `~`, `true` are special) */
    uint32_t line;
    char *s; /* scalar text, NUL-terminated */
    size_t len;
    struct sy_node **kids; /* SY_SEQ: items; SY_MAP: key, value, key, value, ... */
    size_t n;              /* items in kids */
};

#define SY_MAX_DEPTH 32
#define SY_MAX_NODES 200000
#define SY_MAX_SCALAR 65536
#define SY_MAX_DOCS 256

/**
 * Parse every document of [buf, buf+len). *docs_out gets an arena array of
 * *n_out document roots. Errors are SH_EPARSE/SH_ELIMIT with diag naming
 * `source` and the line.
 */
int sh_sigma__yaml_load(struct sh_arena *arena, const char *buf, size_t len, const char *source,
                        struct sy_node ***docs_out, size_t *n_out, sh_diag *diag);

/** Value of key `key` in mapping `m`, or NULL (also when m is not a mapping). */
const struct sy_node *sh_sigma__yaml_get(const struct sy_node *m, const char *key);

/** True for a YAML null: plain `null`, `~`, `Null`, `NULL` or an empty plain scalar. */
bool sh_sigma__yaml_is_null(const struct sy_node *n);

#endif
