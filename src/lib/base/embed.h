/*
 * embed.h - data compiled into the binary (rule packs, indicators, CVE
 * records, store schema). Listed in data/embed.list; names are paths
 * relative to the source root, e.g. "rules/builtin/c01-priv15-users.yml".
 * Every entry's data is NUL-terminated. Immutable, thread-safe.
 */
#ifndef SH_BASE_EMBED_H
#define SH_BASE_EMBED_H

#include "sh_base.h"

struct sh_embedded {
    const char *name;
    const unsigned char *data;
    size_t len;
};

extern const struct sh_embedded sh_embedded_files[]; /* sorted by name, NULL-terminated */
extern const size_t sh_embedded_count;

/** The entry with exactly this name, or NULL. */
const struct sh_embedded *sh_embed_find(const char *name);

/** Call `cb` for every entry whose name starts with `prefix`, in name order. */
int sh_embed_each(const char *prefix, int (*cb)(const struct sh_embedded *e, void *ud), void *ud);

#endif
