/*
 * fuzz_cfg.c - config detection and parsing of arbitrary bytes.
 *
 * Each input is detected, then parsed once with detection and once forced
 * into every dialect, under small limits so that the limit paths run too.
 * Checks the document invariants a rule engine relies on: every node's
 * match text sits in norm at norm_off without a newline, lines are
 * ordered, parents enclose their children, node_at finds each node; and
 * that a document reused from parse to parse holds what a fresh one does.
 */
#include "base/sh_base.h"
#include "parse/cfg.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct sh_cfg_doc *doc)
{
    size_t i;

    for (i = 0; i < doc->n_nodes; i++) {
        const struct sh_cfg_node *n = doc->nodes[i];
        if (n->index != i || n->norm_off + (size_t)n->match_len > doc->norm_len ||
            memcmp(doc->norm + n->norm_off, n->match, n->match_len) != 0 ||
            memchr(n->match, '\n', n->match_len) || n->end_line < n->line ||
            n->line > doc->n_lines || sh_cfg_node_at(doc, n->norm_off) != n)
            abort();
        if (n->parent && (n->parent->line > n->line || n->parent->end_line < n->end_line ||
                          n->depth != n->parent->depth + 1))
            abort();
        if (i && doc->nodes[i - 1]->line > n->line)
            abort();
    }
    if (doc->n_unparsed && !doc->first_unparsed)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sh_cfg_limits lim = {512, 4096, 12};
    const char *buf = (const char *)data;
    struct sh_cfg_doc *doc = NULL, *reused;
    enum sh_dialect d;
    const char *basis;
    sh_diag diag;
    int i;

    (void)sh_cfg_detect(buf, size, &d, &basis);
    reused = sh_cfg_doc_new();
    for (i = 0; i < SH_DIALECT__COUNT; i++) {
        int rc = sh_cfg_parse(&doc, buf, size, (enum sh_dialect)i, &lim, "fuzz", &diag);
        /* The same parse into a document reused from the previous dialect. */
        int rc2 = reused ? sh_cfg_parse_into(reused, buf, size, (enum sh_dialect)i, NULL, &lim,
                                             "fuzz", &diag)
                         : rc;
        if (rc2 != rc)
            abort();
        if (rc == 0) {
            check(doc);
            if (reused && (reused->n_nodes != doc->n_nodes || reused->norm_len != doc->norm_len ||
                           memcmp(reused->norm, doc->norm, doc->norm_len) != 0))
                abort();
            sh_cfg_doc_free(doc);
            doc = NULL;
        }
    }
    sh_cfg_doc_free(reused);
    return 0;
}
