/*
 * embed.c - lookups over the generated table of embedded data files.
 */
#include "sh_base.h"

#include "embed.h"

const struct sh_embedded *sh_embed_find(const char *name)
{
    size_t lo = 0, hi = sh_embedded_count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(sh_embedded_files[mid].name, name);
        if (c == 0)
            return &sh_embedded_files[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

int sh_embed_each(const char *prefix, int (*cb)(const struct sh_embedded *e, void *ud), void *ud)
{
    size_t i, plen = strlen(prefix);

    for (i = 0; i < sh_embedded_count; i++) {
        if (strncmp(sh_embedded_files[i].name, prefix, plen) == 0) {
            int rc = cb(&sh_embedded_files[i], ud);
            if (rc)
                return rc;
        }
    }
    return SH_OK;
}
