/*
 * cfg_int.h - internals shared by the config parsers: the document
 * builder, the bounded line reader and each dialect family's entry point.
 *
 * Every dialect parser turns text into calls of sh_cfg__add(depth, text,
 * match, line); the builder links parents and siblings, keeps end_line of
 * open blocks, copies strings into the document's arena in large chunks
 * (no allocation per line) and appends each match text to `norm`. The
 * node array, node structs, strings and norm are sized from the input's
 * line count up front, so a typical parse makes a handful of allocations.
 *
 * Ownership: everything but the block stack lives in the document's arena
 * from the start; the stack is heap scratch freed by sh_cfg_parse.
 * Single-threaded.
 */
#ifndef SH_PARSE_CFG_INT_H
#define SH_PARSE_CFG_INT_H

#include "cfg.h"

struct sh_cfg__frame {
    struct sh_cfg_node *node; /* NULL for the root frame */
    struct sh_cfg_node *last; /* last child linked so far */
    long indent;              /* indentation of node (indent parsers) */
    int kind;                 /* parser-specific tag of the block */
};

struct sh_cfg__builder {
    struct sh_cfg_doc *doc;
    const struct sh_cfg_limits *lim;
    const char *source;
    sh_diag *diag;
    struct sh_cfg_node **nodes;
    size_t n_nodes, cap_nodes;
    struct sh_cfg_node *pool; /* free node structs from the arena */
    size_t pool_left;
    char *spool; /* free string bytes from the arena */
    size_t spool_left;
    char *norm; /* arena; grown by doubling into a new arena block */
    size_t norm_len, norm_cap, norm_max;
    struct sh_cfg__frame *stk; /* stk[0] is the root; stk[1..depth] open blocks */
    size_t depth;
    size_t stk_cap;
    const char *prompt_host; /* hostname from a capture prompt, arena */
    const char *group_host;  /* Junos host-name inside `groups` (dual RE), arena */
    const char *header_host; /* EOS "! device: NAME (...)" header, arena */
    bool nul_free;           /* the input holds no NUL byte (nor any string built from it) */
};

/** One physical line: text without the line break, 1-based number. */
struct sh_cfg__line {
    const char *p;
    size_t len;
    uint32_t no;
};

/**
 * Read the line starting at *pos. Returns 1 with *ln filled, 0 at the end
 * of the buffer, SH_ELIMIT (diag filled) for an over-long line or too many
 * lines. Counts lines into doc->n_lines.
 */
int sh_cfg__next_line(struct sh_cfg__builder *b, const char *buf, size_t len, size_t *pos,
                      struct sh_cfg__line *ln);

/**
 * Add a node at `depth` (0 = top level; at most the current open depth):
 * open blocks deeper than `depth` are closed, the node becomes the last
 * child of the block at depth-1 and is itself opened. `match` NULL means
 * the match text is the node text. Both strings are copied.
 */
int sh_cfg__add(struct sh_cfg__builder *b, size_t depth, const char *text, size_t tlen,
                const char *match, size_t mlen, uint32_t line, struct sh_cfg_node **out);

/** Close open blocks down to `depth` open ones. */
void sh_cfg__close_to(struct sh_cfg__builder *b, size_t depth);

/** Extend the end line of `node` and of each open ancestor to `line`. */
void sh_cfg__extend(struct sh_cfg__builder *b, uint32_t line);

/** Record a line kept as raw text because its syntax was odd. */
void sh_cfg__unparsed(struct sh_cfg__builder *b, uint32_t line);

/**
 * Forget every node added so far, counting each as unparsed: used when a
 * capture shows that what came before the config was other output.
 */
void sh_cfg__discard(struct sh_cfg__builder *b);

/** Copy a string into the document arena (NUL-terminated); NULL on OOM. */
char *sh_cfg__strdup(struct sh_cfg__builder *b, const char *s, size_t n);

/** The SH_ELIMIT depth error for `line`. */
int sh_cfg__depth_error(struct sh_cfg__builder *b, uint32_t line);

/* Whitespace and token helpers shared by the parsers. */
static inline bool sh_cfg__is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/**
 * Does [s, s+n) start with the word `w` (followed by space or end)?
 * Inline: the parsers ask it several times per line, nearly always with
 * a literal whose length and first byte the compiler then knows.
 */
static inline bool sh_cfg__word(const char *s, size_t n, const char *w)
{
    size_t wl = strlen(w);

    if (n < wl || (wl && s[0] != w[0]) || memcmp(s, w, wl) != 0)
        return false;
    return n == wl || sh_cfg__is_space(s[wl]);
}

/**
 * Recognise a CLI prompt line ("r1#show run", "RP/0/RSP0/CPU0:xr1#",
 * "admin@r1> show configuration"). On success sets *host (the device name
 * inside the prompt) and *cmd (the command after it, possibly empty).
 */
bool sh_cfg__prompt(const char *s, size_t n, const char **host, size_t *host_len, const char **cmd,
                    size_t *cmd_len);

/** Is this prompt command one that prints the configuration? */
bool sh_cfg__config_command(const char *cmd, size_t n);

/**
 * UTF-16 text? 1: little-endian with a byte order mark, 2: big-endian with
 * one, 3/4: little/big-endian without (every other byte of the first 128
 * is zero), 0: not UTF-16.
 */
int sh_cfg__utf16_bom(const char *buf, size_t len);

/**
 * UTF-16 text (as sh_cfg__utf16_bom recognises it) as UTF-8 (owned, NUL-terminated,
 * release with sh_free); NULL when not UTF-16 or on allocation failure.
 */
char *sh_cfg__utf16_to_utf8(const char *buf, size_t len, size_t *out_len);

/* Dialect family parsers; doc->dialect is already set. */
int sh_cfg__parse_indent(struct sh_cfg__builder *b, const char *buf, size_t len);
int sh_cfg__parse_junos(struct sh_cfg__builder *b, const char *buf, size_t len);
int sh_cfg__parse_fortios(struct sh_cfg__builder *b, const char *buf, size_t len);
int sh_cfg__parse_panos(struct sh_cfg__builder *b, const char *buf, size_t len);

#endif
