/*
 * vec.c - growable pointer vector. Owns its array, never its elements.
 */
#include "sh_base.h"

int sh_ptrvec_push(struct sh_ptrvec *pv, void *p)
{
    if (pv->n == pv->cap) {
        size_t cap = pv->cap ? pv->cap * 2 : 16, bytes;
        void **v;

        if (!sh_size_mul(&bytes, cap, sizeof(*v)))
            return SH_ELIMIT;
        v = sh_realloc(pv->v, bytes);
        if (!v)
            return SH_ENOMEM;
        pv->v = v;
        pv->cap = cap;
    }
    pv->v[pv->n++] = p;
    return SH_OK;
}

void sh_ptrvec_free(struct sh_ptrvec *pv)
{
    SH_FREE(pv->v);
    pv->n = pv->cap = 0;
}
