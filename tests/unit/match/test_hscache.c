/*
 * test_hscache.c - the compiled-pattern cache: a second compile of the
 * same set is read from disk and matches exactly as a fresh one; damaged,
 * truncated or foreign files are misses, never wrong databases; rejected
 * sets are remembered with the expression Hyperscan named.
 */
#include "base/sh_base.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "match/hscache.h"
#include "test.h"

static const char *const good[] = {"username\\s+\\S+\\s+privilege\\s+15", "ip\\s+ssh\\s+port",
                                   "monitor session \\d+", "tacacs"};
static const unsigned good_flags[] = {HS_FLAG_CASELESS, 0, HS_FLAG_MULTILINE, HS_FLAG_CASELESS};
static const unsigned good_ids[] = {10, 11, 12, 13};

static const char text[] = "hostname r1\nusername ops privilege 15 secret 0 x\n"
                           "ip ssh port 2222 rotary 1\nmonitor session 1 source interface Gi0/1\n"
                           "TACACS-server host 10.0.0.1\n";

static int on_hit(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                  void *ud)
{
    struct sh_buf *b = ud;

    (void)from;
    (void)flags;
    return sh_buf_printf(b, "%u@%llu ", id, to) ? 1 : 0;
}

/* The matches of `db` over `text`, as "id@end " pairs. */
static char *hits(hs_database_t *db)
{
    hs_scratch_t *s = NULL;
    struct sh_buf b;

    sh_buf_init(&b, 0);
    sh_buf_add(&b, "", 0);
    if (hs_alloc_scratch(db, &s) != HS_SUCCESS)
        return NULL;
    hs_scan(db, text, sizeof(text) - 1, 0, s, on_hit, &b);
    hs_free_scratch(s);
    return sh_buf_detach(&b);
}

static char dir[256];

static char *only_file(void)
{
    char cmd[512], line[512] = "";
    FILE *p;

    snprintf(cmd, sizeof(cmd), "ls %s/hs/*.hsdb 2>/dev/null", dir);
    p = popen(cmd, "r");
    if (!p)
        return NULL;
    if (!fgets(line, sizeof(line), p))
        line[0] = '\0';
    pclose(p);
    line[strcspn(line, "\n")] = '\0';
    return line[0] ? sh_strdup(line) : NULL;
}

static void setup(void)
{
    char cmd[300];

    snprintf(dir, sizeof(dir), "/tmp/sh_hscache_%ld", (long)getpid());
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    CHECK_OK(sh_set_cache_dir(dir));
}

static void teardown(void)
{
    char cmd[300];

    sh_set_cache_dir(NULL);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

SH_TEST(second_compile_is_read_from_disk_and_matches_the_same)
{
    hs_database_t *a = NULL, *b = NULL, *c = NULL;
    struct sh_hs_error e;
    unsigned long h0, s0, h1, s1;
    char *ha, *hb, *hc;

    setup();
    sh_hs_cache_stats(&h0, &s0);
    CHECK_OK(sh_hs_compile(good, good_flags, good_ids, 4, &a, &e));
    sh_hs_cache_stats(&h1, &s1);
    CHECK_EQ_INT(h1 - h0, 0);
    CHECK_EQ_INT(s1 - s0, 1);
    CHECK_OK(sh_hs_compile(good, good_flags, good_ids, 4, &b, &e));
    sh_hs_cache_stats(&h1, &s1);
    CHECK_EQ_INT(h1 - h0, 1);
    CHECK_EQ_INT(s1 - s0, 1);
    /* without a cache: the reference */
    sh_set_cache_dir(NULL);
    CHECK_OK(sh_hs_compile(good, good_flags, good_ids, 4, &c, &e));
    ha = hits(a);
    hb = hits(b);
    hc = hits(c);
    CHECK(ha && hb && hc);
    CHECK_STR(ha, "10@37 11@60 12@92 13@122 ");
    CHECK_STR(hb, ha);
    CHECK_STR(hc, ha);
    sh_free(ha);
    sh_free(hb);
    sh_free(hc);
    hs_free_database(a);
    hs_free_database(b);
    hs_free_database(c);
    teardown();
}

SH_TEST(a_different_set_is_a_different_entry)
{
    static const unsigned other_flags[] = {HS_FLAG_CASELESS, 0, HS_FLAG_MULTILINE, 0};
    hs_database_t *a = NULL, *b = NULL;
    struct sh_hs_error e;
    unsigned long h0, s0, h1, s1;
    char *hb;

    setup();
    CHECK_OK(sh_hs_compile(good, good_flags, good_ids, 4, &a, &e));
    sh_hs_cache_stats(&h0, &s0);
    /* only one flag differs: must not be answered from the first entry */
    CHECK_OK(sh_hs_compile(good, other_flags, good_ids, 4, &b, &e));
    sh_hs_cache_stats(&h1, &s1);
    CHECK_EQ_INT(h1 - h0, 0);
    CHECK_EQ_INT(s1 - s0, 1);
    hb = hits(b);
    CHECK_STR(hb, "10@37 11@60 12@92 ");
    sh_free(hb);
    hs_free_database(a);
    hs_free_database(b);
    teardown();
}

/* Damage the only cache file: flip the byte `from_end` bytes before its
 * end, or at `from_start` when that is not negative, or cut it in half. */
static void damage(long from_end, long from_start, bool truncate_it)
{
    char *path = only_file();
    FILE *f;
    long size;

    CHECK(path != NULL);
    if (!path)
        return;
    f = fopen(path, "r+b");
    CHECK(f != NULL);
    if (f) {
        fseek(f, 0, SEEK_END);
        size = ftell(f);
        if (truncate_it) {
            CHECK(ftruncate(fileno(f), size / 2) == 0);
        } else {
            int c;
            long at = from_start >= 0 ? from_start : size - from_end;
            fseek(f, at, SEEK_SET);
            c = fgetc(f);
            fseek(f, at, SEEK_SET);
            fputc(c ^ 0x5a, f);
        }
        fclose(f);
    }
    sh_free(path);
}

SH_TEST(damaged_or_truncated_files_are_misses)
{
    hs_database_t *a = NULL, *b = NULL;
    struct sh_hs_error e;
    unsigned long h0, s0, h1, s1;
    int round;

    for (round = 0; round < 3; round++) {
        char *hb;
        setup();
        CHECK_OK(sh_hs_compile(good, good_flags, good_ids, 4, &a, &e));
        if (round == 0)
            damage(100, -1, false); /* inside the serialised database */
        else if (round == 1)
            damage(0, -1, true);
        else
            damage(0, 17, false); /* the header's payload length */
        sh_hs_cache_stats(&h0, &s0);
        CHECK_OK(sh_hs_compile(good, good_flags, good_ids, 4, &b, &e));
        sh_hs_cache_stats(&h1, &s1);
        CHECK_EQ_INT(h1 - h0, 0); /* a miss ... */
        CHECK_EQ_INT(s1 - s0, 1); /* ... that rewrote the entry */
        hb = hits(b);
        CHECK_STR(hb, "10@37 11@60 12@92 13@122 ");
        sh_free(hb);
        hs_free_database(a);
        hs_free_database(b);
        a = b = NULL;
        teardown();
    }
}

SH_TEST(rejected_set_is_remembered)
{
    static const char *const bad[] = {"tacacs", "(?<=a+)b"}; /* unbounded lookbehind */
    static const unsigned ids[] = {0, 1};
    hs_database_t *db = NULL;
    struct sh_hs_error e1, e2;
    unsigned long h0, s0, h1, s1;

    setup();
    CHECK_EQ_INT(sh_hs_compile(bad, NULL, ids, 2, &db, &e1), SH_EINVAL);
    CHECK(db == NULL);
    CHECK_EQ_INT(e1.expression, 1);
    CHECK(e1.message[0] != '\0');
    sh_hs_cache_stats(&h0, &s0);
    CHECK_EQ_INT(sh_hs_compile(bad, NULL, ids, 2, &db, &e2), SH_EINVAL);
    sh_hs_cache_stats(&h1, &s1);
    CHECK_EQ_INT(h1 - h0, 1);
    CHECK_EQ_INT(e2.expression, 1);
    CHECK_STR(e2.message, e1.message);
    teardown();
}

SH_TEST(unwritable_cache_still_compiles)
{
    hs_database_t *db = NULL;
    struct sh_hs_error e;
    char *h;

    CHECK_OK(sh_set_cache_dir("/dev/null/not-a-folder"));
    CHECK_OK(sh_hs_compile(good, good_flags, good_ids, 4, &db, &e));
    h = hits(db);
    CHECK_STR(h, "10@37 11@60 12@92 13@122 ");
    sh_free(h);
    hs_free_database(db);
    sh_set_cache_dir(NULL);
}
