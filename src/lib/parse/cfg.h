/*
 * cfg.h - the device configuration document model.
 *
 * Every config dialect (Cisco IOS / IOS XE, NX-OS, IOS XR, Arista EOS,
 * Juniper Junos in braces and in `set` form, and the others we recognise)
 * parses into one tree of sections and lines. Each node keeps its 1-based
 * line number in the original file, the line's text with indentation
 * stripped, and the text rules match against (`match`).
 *
 * For indentation dialects `match` is the trimmed line. For Junos every
 * statement's `match` is its `set` form ("set system host-name r1") whether
 * the file was written in braces or as set commands, so one rule matches
 * both. Rules therefore never see brace syntax.
 *
 * `norm` is every node's `match` text joined with '\n' in document order:
 * the buffer the multi-pattern matcher scans once per file. node->norm_off
 * is where the node's match text starts in it.
 *
 * Ownership: a doc owns everything it points to (one arena, reused by
 * sh_cfg_parse_into). The parser
 * never opens files (sans-IO: bytes in, doc out). Not thread-safe per doc;
 * distinct docs are independent.
 */
#ifndef SH_PARSE_CFG_H
#define SH_PARSE_CFG_H

#include "../base/sh_base.h"

enum sh_dialect {
    SH_DIALECT_UNKNOWN = 0,
    SH_DIALECT_IOS,     /* Cisco IOS (classic) */
    SH_DIALECT_IOSXE,   /* Cisco IOS XE: IOS syntax, version >= 16 or XE markers */
    SH_DIALECT_NXOS,    /* Cisco NX-OS */
    SH_DIALECT_IOSXR,   /* Cisco IOS XR */
    SH_DIALECT_EOS,     /* Arista EOS */
    SH_DIALECT_JUNOS,   /* Juniper Junos (braces or set) */
    SH_DIALECT_ASA,     /* Cisco ASA */
    SH_DIALECT_PANOS,   /* Palo Alto PAN-OS (set form or XML) */
    SH_DIALECT_FORTIOS, /* Fortinet FortiOS (config/edit/next/end) */
    SH_DIALECT__COUNT
};

/** Stable short name used in findings' `platform` field ("ios", "iosxe", ...). */
const char *sh_dialect_name(enum sh_dialect d);
/** Parse a platform name; SH_DIALECT_UNKNOWN when not known. */
enum sh_dialect sh_dialect_from_name(const char *name);

struct sh_cfg_node {
    const char *text;  /* line text, indentation stripped, NUL-terminated */
    const char *match; /* what rules match against (see above) */
    uint32_t match_len;
    uint32_t norm_off;          /* offset of `match` within doc->norm */
    uint32_t line;              /* 1-based line in the file */
    uint32_t end_line;          /* last line of the block (== line for a leaf) */
    uint32_t index;             /* position in doc->nodes */
    uint16_t depth;             /* 0 for top-level statements */
    struct sh_cfg_node *parent; /* NULL at top level */
    struct sh_cfg_node *first_child;
    struct sh_cfg_node *next; /* next sibling */
};

struct sh_cfg_limits {
    size_t max_line;  /* bytes per line */
    size_t max_lines; /* lines per file */
    size_t max_depth; /* nesting depth */
};

#define SH_CFG_LIMITS_INIT                                                                         \
    {                                                                                              \
        8192, 2000000, 64                                                                          \
    }

struct sh_cfg_doc {
    struct sh_arena arena;
    enum sh_dialect dialect;
    const char *dialect_basis;  /* why we think so, e.g. "'!RANCID-CONTENT-TYPE: arista'" */
    bool junos_set_form;        /* Junos written as set commands */
    const char *hostname;       /* NULL when the config does not say */
    const char *version;        /* software version the config states, or NULL */
    struct sh_cfg_node **nodes; /* every node in document order */
    size_t n_nodes;
    struct sh_cfg_node *first; /* first top-level node */
    char *norm;                /* see above; NUL-terminated */
    size_t norm_len;
    size_t n_lines;          /* lines in the input */
    size_t n_unparsed;       /* lines kept as raw text because their syntax was odd */
    uint32_t first_unparsed; /* line of the first such line, 0 if none */
};

/**
 * Guess the dialect of config text. Returns a score 0..100 (0: not a
 * config we know) and fills *dialect_out and *basis_out (a static string).
 * Pure, thread-safe, looks at no more than the first 256 KiB.
 */
int sh_cfg_detect(const char *buf, size_t len, enum sh_dialect *dialect_out,
                  const char **basis_out);

/**
 * Parse config text into an owned document (release with sh_cfg_doc_free).
 * `dialect` may be SH_DIALECT_UNKNOWN to detect it. `show running-config`
 * captures with prompts, "Building configuration..." preambles and
 * `banner ... ^C ... ^C` blocks are handled. Lines that do not fit the
 * syntax are kept (counted in n_unparsed), never fatal.
 * Fails with SH_ELIMIT (line too long, too many lines, too deep), naming
 * the source and line in `diag`; SH_ENOMEM.
 */
int sh_cfg_parse(struct sh_cfg_doc **out, const char *buf, size_t len, enum sh_dialect dialect,
                 const struct sh_cfg_limits *limits, const char *source, sh_diag *diag);

/**
 * As sh_cfg_parse for a buffer sh_cfg_detect() already classified: its
 * dialect and basis (a static string) are taken as they are, so the
 * detection pass over the text is not repeated.
 */
int sh_cfg_parse_detected(struct sh_cfg_doc **out, const char *buf, size_t len,
                          enum sh_dialect dialect, const char *basis,
                          const struct sh_cfg_limits *limits, const char *source, sh_diag *diag);

/** An empty document for sh_cfg_parse_into (release with sh_cfg_doc_free); NULL on OOM. */
struct sh_cfg_doc *sh_cfg_doc_new(void);

/**
 * As sh_cfg_parse_detected (`basis` NULL: detect when `dialect` is
 * unknown), parsing into `doc` again and again: each parse drops what the
 * document held and reuses its memory, so a worker parsing many files
 * allocates (and the kernel maps fresh pages) only for the first few.
 * Pointers into the previous parse are invalid afterwards. On failure
 * the document is left empty and can be parsed into again.
 */
int sh_cfg_parse_into(struct sh_cfg_doc *doc, const char *buf, size_t len, enum sh_dialect dialect,
                      const char *basis, const struct sh_cfg_limits *limits, const char *source,
                      sh_diag *diag);

void sh_cfg_doc_free(struct sh_cfg_doc *doc);

/** The node whose norm range contains byte `off`, or NULL. O(log n). */
struct sh_cfg_node *sh_cfg_node_at(const struct sh_cfg_doc *doc, size_t off);

#endif
