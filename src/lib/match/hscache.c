/*
 * hscache.c - Hyperscan compilation through an on-disk cache (hscache.h).
 *
 * A cache file is:
 *
 *   "SHHSDB01"  u64 key_len  u64 payload_len  u32 kind  i32 expression
 *   u64 payload_hash  key[key_len]  payload[payload_len]
 *
 * in host byte order (the key holds the platform, so a file never moves
 * between machine kinds). kind 0: the payload is a serialised database;
 * kind 1: the set was rejected, the payload is Hyperscan's message. Every
 * failure to read or write the cache falls back to compiling: the cache
 * can make a run faster, never different.
 */
#include "../base/sh_base.h"

#include "hscache.h"

#include <stdatomic.h>
#include <stdio.h>

#define MAGIC "SHHSDB01"
#define HEADER_LEN (8 + 8 + 8 + 4 + 4 + 8)
#define MAX_CACHE_FILE ((size_t)1 << 30)

enum { KIND_DB = 0, KIND_ERROR = 1 };

static char *cache_dir; /* set before any scan; read-only while threads run */
static atomic_ulong n_hits, n_stores;

int sh_set_cache_dir(const char *dir)
{
    char *d = NULL;

    if (dir && dir[0]) {
        d = sh_strdup(dir);
        if (!d)
            return SH_ENOMEM;
    }
    sh_free(cache_dir);
    cache_dir = d;
    return SH_OK;
}

char *sh_cache_dir_default(void)
{
    const char *own = getenv("SALTHUNT_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");

    if (own)
        return own[0] && strcmp(own, "off") != 0 ? sh_strdup(own) : NULL;
    if (xdg && xdg[0] == '/')
        return sh_strdup_printf("%s/salthunt", xdg);
    if (home && home[0])
        return sh_strdup_printf("%s/.cache/salthunt", home);
    return NULL;
}

void sh_hs_cache_stats(unsigned long *hits, unsigned long *stores)
{
    if (hits)
        *hits = atomic_load(&n_hits);
    if (stores)
        *stores = atomic_load(&n_stores);
}

static void put_u64(struct sh_buf *b, uint64_t v, int *rc)
{
    if (!*rc)
        *rc = sh_buf_add(b, &v, sizeof(v));
}

static void put_u32(struct sh_buf *b, uint32_t v, int *rc)
{
    if (!*rc)
        *rc = sh_buf_add(b, &v, sizeof(v));
}

/* Everything the compiled result depends on. */
static int make_key(struct sh_buf *key, const char *const *exprs, const unsigned *flags,
                    const unsigned *ids, unsigned n)
{
    hs_platform_info_t plat;
    const char *ver = hs_version();
    unsigned i;
    int rc = SH_OK;

    memset(&plat, 0, sizeof(plat));
    if (hs_populate_platform(&plat) != HS_SUCCESS)
        return SH_EINTERNAL;
    rc = sh_buf_add(key, ver, strlen(ver) + 1);
    if (!rc)
        rc = sh_buf_add(key, &plat, sizeof(plat));
    put_u32(key, HS_MODE_BLOCK, &rc);
    put_u32(key, n, &rc);
    for (i = 0; i < n && !rc; i++) {
        size_t len = strlen(exprs[i]);
        put_u32(key, ids ? ids[i] : 0, &rc);
        put_u32(key, flags ? flags[i] : 0, &rc);
        put_u64(key, len, &rc);
        if (!rc)
            rc = sh_buf_add(key, exprs[i], len);
    }
    return rc;
}

static char *entry_path(const struct sh_buf *key)
{
    return sh_strdup_printf("%s/hs/%016llx.hsdb", cache_dir,
                            (unsigned long long)sh_hash64(key->ptr, key->len));
}

/* 1: answered from the file (*db set, or err filled); 0: a miss. */
static int lookup(const char *path, const struct sh_buf *key, hs_database_t **db,
                  struct sh_hs_error *err)
{
    char *data = NULL;
    size_t len = 0;
    uint64_t key_len, payload_len, payload_hash;
    uint32_t kind;
    int32_t expr;
    const char *payload;
    int hit = 0;

    if (sh_file_read(&data, &len, path, MAX_CACHE_FILE, NULL) != SH_OK)
        return 0;
    if (len < HEADER_LEN || memcmp(data, MAGIC, 8) != 0)
        goto out;
    memcpy(&key_len, data + 8, 8);
    memcpy(&payload_len, data + 16, 8);
    memcpy(&kind, data + 24, 4);
    memcpy(&expr, data + 28, 4);
    memcpy(&payload_hash, data + 32, 8);
    if (key_len != key->len || payload_len != len - HEADER_LEN - key_len ||
        key_len > len - HEADER_LEN || memcmp(data + HEADER_LEN, key->ptr, key->len) != 0)
        goto out;
    payload = data + HEADER_LEN + key_len;
    if (sh_hash64(payload, (size_t)payload_len) != payload_hash)
        goto out;
    if (kind == KIND_DB) {
        *db = NULL;
        if (hs_deserialize_database(payload, (size_t)payload_len, db) == HS_SUCCESS)
            hit = 1;
    } else if (kind == KIND_ERROR) {
        size_t m =
            payload_len < sizeof(err->message) - 1 ? (size_t)payload_len : sizeof(err->message) - 1;
        err->expression = expr;
        memcpy(err->message, payload, m);
        err->message[m] = '\0';
        hit = 1;
    }
out:
    sh_free(data);
    if (hit)
        atomic_fetch_add(&n_hits, 1);
    return hit;
}

static void store(const char *path, const struct sh_buf *key, uint32_t kind, int32_t expr,
                  const char *payload, size_t payload_len)
{
    struct sh_buf f;
    char *dir;
    int rc = SH_OK;

    dir = sh_strdup_printf("%s/hs", cache_dir);
    if (!dir || sh_mkdirs(dir, 0700, NULL) != SH_OK) {
        sh_free(dir);
        return;
    }
    sh_free(dir);
    sh_buf_init(&f, 0);
    rc = sh_buf_add(&f, MAGIC, 8);
    put_u64(&f, key->len, &rc);
    put_u64(&f, payload_len, &rc);
    put_u32(&f, kind, &rc);
    put_u32(&f, (uint32_t)expr, &rc);
    put_u64(&f, sh_hash64(payload, payload_len), &rc);
    if (!rc)
        rc = sh_buf_add(&f, key->ptr, key->len);
    if (!rc)
        rc = sh_buf_add(&f, payload, payload_len);
    if (!rc && sh_file_write_atomic(path, f.ptr, f.len, NULL) == SH_OK)
        atomic_fetch_add(&n_stores, 1);
    sh_buf_free(&f);
}

int sh_hs_compile(const char *const *exprs, const unsigned *flags, const unsigned *ids, unsigned n,
                  hs_database_t **db, struct sh_hs_error *err)
{
    hs_compile_error_t *cerr = NULL;
    struct sh_buf key;
    char *path = NULL;
    hs_error_t hr;
    int rc;

    SH_ASSERT_ARG(db && err && (exprs || n == 0));
    *db = NULL;
    err->expression = -1;
    err->message[0] = '\0';
    sh_buf_init(&key, 0);
    if (cache_dir && make_key(&key, exprs, flags, ids, n) == SH_OK) {
        path = entry_path(&key);
        if (path && lookup(path, &key, db, err)) {
            rc = *db ? SH_OK : SH_EINVAL;
            goto out;
        }
    }
    hr = hs_compile_multi(exprs, flags, ids, n, HS_MODE_BLOCK, NULL, db, &cerr);
    if (hr == HS_SUCCESS) {
        char *bytes = NULL;
        size_t len = 0;
        if (path && hs_serialize_database(*db, &bytes, &len) == HS_SUCCESS) {
            store(path, &key, KIND_DB, -1, bytes, len);
            sh_free(bytes); /* Hyperscan's default allocator is the C heap */
        }
        rc = SH_OK;
        goto out;
    }
    if (!cerr) {
        rc = hr == HS_NOMEM ? SH_ENOMEM : SH_EINTERNAL;
        snprintf(err->message, sizeof(err->message), "compile failed (%d)", (int)hr);
        goto out;
    }
    err->expression = cerr->expression;
    snprintf(err->message, sizeof(err->message), "%s", cerr->message ? cerr->message : "");
    hs_free_compile_error(cerr);
    /* A set Hyperscan rejects for one expression is rejected again next
     * time: remember that too (other failures may be passing). */
    if (path && err->expression >= 0)
        store(path, &key, KIND_ERROR, err->expression, err->message, strlen(err->message));
    rc = SH_EINVAL;
out:
    sh_free(path);
    sh_buf_free(&key);
    return rc;
}
