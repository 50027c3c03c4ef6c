/*
 * test_str.c - word-at-a-time ASCII lowering and the string map, against
 * byte-at-a-time references.
 */
#include "base/sh_base.h"

#include <ctype.h>
#include <stdlib.h>

#include "test.h"

/* Every byte value at every offset of every length up to 40: the lowered
 * copy and the in-place lowering equal tolower() byte by byte. */
SH_TEST(ascii_lower_matches_tolower)
{
    unsigned char src[64], dst[64], want[64];
    size_t n, i, bad = 0;
    unsigned seed = 7;
    int round;

    for (round = 0; round < 2000; round++) {
        for (n = 0; n <= 40; n++) {
            for (i = 0; i < n; i++) {
                seed = seed * 1103515245u + 12345u;
                /* all 256 values, ASCII letters and their neighbours often */
                src[i] =
                    (unsigned char)(round < 256 && i == n / 2 ? (unsigned)round : (seed >> 16));
                if ((seed >> 8) % 3 == 0)
                    src[i] = (unsigned char)("@AZ[`az{\x80\xc1\xdaM"[(seed >> 4) % 13]);
                want[i] = (unsigned char)tolower(src[i]);
            }
            memset(dst, 0x55, sizeof(dst));
            sh_ascii_lower((char *)dst, (const char *)src, n);
            if (memcmp(dst, want, n) != 0 || dst[n] != 0x55)
                bad++;
            sh_ascii_lower((char *)src, (const char *)src, n);
            if (memcmp(src, want, n) != 0)
                bad++;
        }
    }
    CHECK_EQ_INT((int)bad, 0);
}

/* A map of many keys of every length finds each, and only each. */
SH_TEST(strmap_many_keys)
{
    struct sh_strmap m;
    char key[80];
    int i, missing = 0, wrong = 0;

    memset(&m, 0, sizeof(m));
    for (i = 0; i < 20000; i++) {
        int len = snprintf(key, sizeof(key), "%d-%.*s", i, i % 50,
                           "host-name-of-some-length-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        CHECK(len > 0);
        CHECK_OK(sh_strmap_put(&m, key, (void *)(intptr_t)(i + 1), NULL));
    }
    CHECK_EQ_INT((int)m.n, 20000);
    for (i = 0; i < 20000; i++) {
        void *v;
        snprintf(key, sizeof(key), "%d-%.*s", i, i % 50,
                 "host-name-of-some-length-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        v = sh_strmap_get(&m, key);
        if (!v)
            missing++;
        else if ((intptr_t)v != i + 1)
            wrong++;
        key[strlen(key) - 1] ^= 1; /* a near miss */
        if (sh_strmap_has(&m, key) && i % 50 != 0)
            wrong++;
    }
    CHECK_EQ_INT(missing, 0);
    CHECK_EQ_INT(wrong, 0);
    CHECK(!sh_strmap_has(&m, ""));
    CHECK_OK(sh_strmap_put(&m, "", (void *)1, NULL));
    CHECK(sh_strmap_has(&m, ""));
    sh_strmap_free(&m, NULL);
}

/* Inline-key map: every key up to SH_IKMAP_KEY bytes is kept and found with
 * its record; longer keys and keys past `max` are refused. */
SH_TEST(ikmap_keys_and_limits)
{
    struct sh_ikmap m;
    char key[64];
    int i, bad = 0;

    memset(&m, 0, sizeof(m));
    m.max = 5000;
    for (i = 0; i < 5000; i++) {
        struct sh_ikmap_ent *e;
        int len = snprintf(key, sizeof(key), "%d.%.*s", i, i % 32,
                           "abcdefghijklmnopqrstuvwxyz0123456789");
        e = sh_ikmap_find(&m, key, (size_t)len);
        if (!e || e->ptr || e->flag) {
            bad++;
            continue;
        }
        e->ptr = (void *)(intptr_t)(i + 1);
        e->flag = true;
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT((int)m.n, 5000);
    for (i = 0; i < 5000; i++) {
        int len = snprintf(key, sizeof(key), "%d.%.*s", i, i % 32,
                           "abcdefghijklmnopqrstuvwxyz0123456789");
        struct sh_ikmap_ent *e = sh_ikmap_find(&m, key, (size_t)len);
        if (!e || e->ptr != (void *)(intptr_t)(i + 1) || !e->flag)
            bad++;
    }
    CHECK_EQ_INT(bad, 0);
    /* full: a new key is refused, a known one still found */
    CHECK(sh_ikmap_find(&m, "new", 3) == NULL);
    CHECK(sh_ikmap_find(&m, "7.abcdefg", 9) != NULL);
    sh_ikmap_free(&m);
    m.max = 10;
    memset(key, 'k', sizeof(key));
    CHECK(sh_ikmap_find(&m, key, SH_IKMAP_KEY) != NULL);
    CHECK(sh_ikmap_find(&m, key, SH_IKMAP_KEY + 1) == NULL);
    CHECK(sh_ikmap_find(&m, key, 0) != NULL);
    CHECK_EQ_INT((int)m.n, 2);
    sh_ikmap_free(&m);
}

/* Keys of 8 to 16 bytes are compared and hashed as two overlapping words:
 * keys of one length that differ in a single byte, at every place, are
 * all distinct entries, and each is found again with its own record. */
SH_TEST(ikmap_short_keys_differing_in_one_byte)
{
    struct sh_ikmap m;
    char key[32];
    size_t n, j;
    int bad = 0, count = 0;

    memset(&m, 0, sizeof(m));
    m.max = 1000;
    for (n = 7; n <= 17; n++) {
        for (j = 0; j < n; j++) {
            struct sh_ikmap_ent *e;
            memset(key, 'a', n);
            key[j] = 'b';
            e = sh_ikmap_find(&m, key, n);
            if (!e || e->ptr) {
                bad++;
                continue;
            }
            e->ptr = (void *)(intptr_t)(n * 100 + j + 1);
            count++;
        }
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT((int)m.n, count);
    for (n = 7; n <= 17; n++) {
        for (j = 0; j < n; j++) {
            struct sh_ikmap_ent *e;
            memset(key, 'a', n);
            key[j] = 'b';
            e = sh_ikmap_find(&m, key, n);
            if (!e || e->ptr != (void *)(intptr_t)(n * 100 + j + 1))
                bad++;
        }
    }
    CHECK_EQ_INT(bad, 0);
    sh_ikmap_free(&m);
}

SH_TEST(escape_hex_keeps_alnum_and_escapes_the_rest)
{
    char *e = sh_str_escape_hex("a.B9 %\x80\0z", 9);

    CHECK(e != NULL);
    if (e)
        CHECK_STR(e, "a\\x2eB9\\x20\\x25\\x80\\x00z");
    sh_free(e);
    e = sh_str_escape_hex("", 0);
    CHECK(e != NULL && e[0] == '\0');
    sh_free(e);
}
