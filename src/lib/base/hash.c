/*
 * hash.c - 64-bit string hash and a string-keyed open-addressing map.
 *
 * The map owns copies of its keys and borrows its values. Linear probing,
 * load factor <= 1/2, capacity a power of two. The hash has no secret
 * seed, so maps that take keys from input (host lists, value interning)
 * cap their own size: crafted colliding keys cost at most that cap's
 * probes each. Single owner; concurrent readers are safe once built.
 */
#include "sh_base.h"

/* splitmix64's finaliser: both hashes leave the low bits, which index the
 * tables, clustered without it. */
static uint64_t mix64(uint64_t h)
{
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
}

uint64_t sh_hash64(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ULL;
    size_t i;

    for (i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return mix64(h);
}

/*
 * The map's hash: eight bytes a step instead of sh_hash64's one, since
 * every log line looks its host up in several maps. sh_hash64's values are
 * persisted (finding fingerprints, cache files) and must not change; these
 * never leave the process.
 */
uint64_t sh_hash_fast(const void *data, size_t n)
{
    const char *s = data;
    const uint64_t k = 0x9e3779b97f4a7c15ULL;
    uint64_t h = (uint64_t)n * k, w;

    while (n >= 8) {
        memcpy(&w, s, 8);
        h = (h ^ w) * k;
        h ^= h >> 32;
        s += 8;
        n -= 8;
    }
    if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        w = ((uint64_t)a << 32) | b;
    } else {
        w = n ? ((uint64_t)(unsigned char)s[0] << 16) | ((uint64_t)(unsigned char)s[n / 2] << 8) |
                    (unsigned char)s[n - 1]
              : 0;
    }
    return mix64((h ^ w) * k);
}

static struct sh_strmap_ent *find_slot(struct sh_strmap_ent *ents, size_t cap, const char *key,
                                       uint64_t h)
{
    size_t i = (size_t)h & (cap - 1);

    for (;;) {
        struct sh_strmap_ent *e = &ents[i];
        if (!e->key || (e->hash == h && strcmp(e->key, key) == 0))
            return e;
        i = (i + 1) & (cap - 1);
    }
}

static int rehash(struct sh_strmap *m, size_t cap)
{
    struct sh_strmap_ent *ents = sh_calloc(cap, sizeof(*ents));
    size_t i;

    if (!ents)
        return SH_ENOMEM;
    for (i = 0; i < m->cap; i++) {
        struct sh_strmap_ent *o = &m->ents[i];
        if (o->key)
            *find_slot(ents, cap, o->key, o->hash) = *o;
    }
    sh_free(m->ents);
    m->ents = ents;
    m->cap = cap;
    return SH_OK;
}

int sh_strmap_put(struct sh_strmap *m, const char *key, void *val, void **old)
{
    struct sh_strmap_ent *e;
    uint64_t h = sh_hash_fast(key, strlen(key));
    int rc;

    if (old)
        *old = NULL;
    if ((m->n + 1) * 2 > m->cap) {
        rc = rehash(m, m->cap ? m->cap * 2 : 16);
        if (rc)
            return rc;
    }
    e = find_slot(m->ents, m->cap, key, h);
    if (e->key) {
        if (old)
            *old = e->val;
        e->val = val;
        return SH_OK;
    }
    e->key = sh_strdup(key);
    if (!e->key)
        return SH_ENOMEM;
    e->hash = h;
    e->val = val;
    m->n++;
    return SH_OK;
}

void *sh_strmap_get(const struct sh_strmap *m, const char *key)
{
    struct sh_strmap_ent *e;

    if (!m->cap)
        return NULL;
    e = find_slot(m->ents, m->cap, key, sh_hash_fast(key, strlen(key)));
    return e->key ? e->val : NULL;
}

bool sh_strmap_has(const struct sh_strmap *m, const char *key)
{
    if (!m->cap)
        return false;
    return find_slot(m->ents, m->cap, key, sh_hash_fast(key, strlen(key)))->key != NULL;
}

/* memcmp(key, k, n) == 0 for an entry's key: keys of 8 to 16 bytes (most
 * host names) as two overlapping words each, without a call. */
static inline bool ik_key_eq(const char *key, const char *k, size_t n)
{
    uint64_t a, b, c, d;

    if (n >= 8 && n <= 16) {
        memcpy(&a, key, 8);
        memcpy(&b, k, 8);
        memcpy(&c, key + n - 8, 8);
        memcpy(&d, k + n - 8, 8);
        return a == b && c == d;
    }
    return memcmp(key, k, n) == 0;
}

/* The map's hash (internal: entries keep it, nothing else sees it): keys
 * of 8 to 16 bytes, most host names, from their two overlapping words and
 * their length in a few instructions without a call; others by
 * sh_hash_fast(). */
static inline uint64_t ik_hash(const char *k, size_t n)
{
    uint64_t a, b;

    if (n < 8 || n > 16)
        return sh_hash_fast(k, n);
    memcpy(&a, k, 8);
    memcpy(&b, k + n - 8, 8);
    return mix64((a ^ (b << 29 | b >> 35) ^ n) * 0x9e3779b97f4a7c15ULL);
}

static struct sh_ikmap_ent *ik_slot(struct sh_ikmap_ent *e, size_t cap, uint64_t h, const char *k,
                                    size_t n)
{
    size_t i;

    for (i = (size_t)h & (cap - 1);; i = (i + 1) & (cap - 1))
        if (!e[i].hash || (e[i].hash == h && e[i].len == n && ik_key_eq(e[i].key, k, n)))
            return &e[i];
}

struct sh_ikmap_ent *sh_ikmap_find(struct sh_ikmap *m, const char *key, size_t len)
{
    struct sh_ikmap_ent *s;
    uint64_t h;
    size_t i;

    if (len > SH_IKMAP_KEY)
        return NULL;
    h = ik_hash(key, len) | 1;
    if (m->cap) {
        s = ik_slot(m->ents, m->cap, h, key, len);
        if (s->hash)
            return s;
    }
    if (m->n >= m->max)
        return NULL;
    if ((m->n + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 256;
        struct sh_ikmap_ent *e = sh_calloc(cap, sizeof(*e));
        if (!e)
            return NULL;
        for (i = 0; i < m->cap; i++)
            if (m->ents[i].hash)
                *ik_slot(e, cap, m->ents[i].hash, m->ents[i].key, m->ents[i].len) = m->ents[i];
        sh_free(m->ents);
        m->ents = e;
        m->cap = cap;
    }
    s = ik_slot(m->ents, m->cap, h, key, len);
    s->hash = h;
    s->len = (uint8_t)len;
    memcpy(s->key, key, len);
    m->n++;
    return s;
}

void sh_ikmap_free(struct sh_ikmap *m)
{
    SH_FREE(m->ents);
    m->n = m->cap = 0;
}

void sh_strmap_free(struct sh_strmap *m, void (*free_val)(void *))
{
    size_t i;

    for (i = 0; i < m->cap; i++) {
        if (m->ents[i].key) {
            sh_free(m->ents[i].key);
            if (free_val)
                free_val(m->ents[i].val);
        }
    }
    SH_FREE(m->ents);
    m->n = m->cap = 0;
}
