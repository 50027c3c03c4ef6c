/*
 * test_reader.c - the streaming reader and sh_logfile_each over plain,
 * gzip (single, concatenated, truncated, corrupt) and zstd input written
 * by the test itself, plus long lines, CRLF and NUL bytes.
 */
#include "log/logfile.h"
#include "log/reader.h"

#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

static const char text[] = "Mar 11 10:15:08 leaf1 Ebra: %LINEPROTO-5-UPDOWN: Line protocol up\n"
                           "00:00:46: %LINK-3-UPDOWN: Interface Port-channel1, changed state\n"
                           "not a log line\n";

/* gzip one member of `in` into out (malloc'd by the caller, big enough). */
static size_t gz(unsigned char *out, size_t cap, const void *in, size_t len)
{
    z_stream zs;
    size_t n;

    memset(&zs, 0, sizeof(zs));
    if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return 0;
    zs.next_in = (unsigned char *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
        deflateEnd(&zs);
        return 0;
    }
    n = cap - zs.avail_out;
    deflateEnd(&zs);
    return n;
}

struct collect {
    char lines[16][256];
    uint64_t lineno[16];
    int n;
    int parsed;
};

static int collect_cb(const struct sh_log_event *ev, void *ud)
{
    struct collect *c = ud;

    if (c->n < 16) {
        snprintf(c->lines[c->n], sizeof(c->lines[0]), "%.*s", (int)ev->raw_len, ev->raw);
        c->lineno[c->n] = ev->line;
    }
    c->n++;
    c->parsed += ev->parsed;
    return 0;
}

static void check_text(const struct collect *c, const struct sh_logfile_stats *st, int copies)
{
    int i;

    CHECK_EQ_INT(c->n, 3 * copies);
    CHECK_EQ_INT(st->lines, 3 * copies);
    CHECK_EQ_INT(st->parsed, 2 * copies);
    CHECK_EQ_INT(st->unparsed, copies);
    CHECK_EQ_INT(st->bytes, (sizeof(text) - 1) * (size_t)copies);
    for (i = 0; i < c->n && i < 16; i++)
        CHECK_EQ_INT(c->lineno[i], i + 1);
    CHECK_STR(c->lines[0], "Mar 11 10:15:08 leaf1 Ebra: %LINEPROTO-5-UPDOWN: Line protocol up");
    CHECK_STR(c->lines[2], "not a log line");
}

SH_TEST(plain_memory)
{
    struct collect c = {0};
    struct sh_logfile_stats st;

    CHECK_OK(sh_logfile_each_mem(text, sizeof(text) - 1, "mem", NULL, collect_cb, &c, &st, NULL));
    check_text(&c, &st, 1);
    CHECK(!st.damaged);
}

SH_TEST(gzip_single_and_concatenated_members)
{
    unsigned char buf[4096];
    size_t a = gz(buf, sizeof(buf), text, sizeof(text) - 1);
    size_t b = gz(buf + a, sizeof(buf) - a, text, sizeof(text) - 1);
    struct collect c = {0};
    struct sh_logfile_stats st;
    struct sh_logreader *r = NULL;

    CHECK(a > 0 && b > 0);
    CHECK_OK(sh_logfile_each_mem(buf, a, "one.gz", NULL, collect_cb, &c, &st, NULL));
    check_text(&c, &st, 1);
    memset(&c, 0, sizeof(c));
    CHECK_OK(sh_logfile_each_mem(buf, a + b, "two.gz", NULL, collect_cb, &c, &st, NULL));
    check_text(&c, &st, 2);
    CHECK(!st.damaged);
    CHECK_OK(sh_logreader_open_mem(&r, buf, a, 0, NULL));
    CHECK_EQ_INT(sh_logreader_format(r), SH_LOGREADER_GZIP);
    sh_logreader_close(r);
}

SH_TEST(gzip_truncated_keeps_lines_before_the_cut)
{
    static char big[200000];
    static unsigned char z[300000];
    struct collect c = {0};
    struct sh_logfile_stats st;
    sh_diag d;
    size_t n = 0, zn;
    int i;

    for (i = 0; n + 100 < sizeof(big); i++)
        n += (size_t)snprintf(big + n, sizeof(big) - n,
                              "Mar 11 10:15:08 r%d %%SYS-5-CONFIG_I: Configured from console %d\n",
                              i, i * 7919);
    zn = gz(z, sizeof(z), big, n);
    CHECK(zn > 1000);
    sh_diag_clear(&d);
    CHECK_EQ_INT(sh_logfile_each_mem(z, zn / 2, "cut.gz", NULL, collect_cb, &c, &st, &d), SH_EIO);
    CHECK(st.damaged);
    CHECK(st.lines > 10);
    CHECK(st.lines < (uint64_t)i);
    CHECK_EQ_INT(d.code, SH_EIO);
    CHECK(strstr(d.text, "truncated") != NULL);
    /* corrupt bytes in the middle */
    memset(&c, 0, sizeof(c));
    z[zn / 2] ^= 0x55;
    z[zn / 2 + 1] ^= 0xAA;
    z[zn / 2 + 2] ^= 0x55;
    CHECK_EQ_INT(sh_logfile_each_mem(z, zn, "bad.gz", NULL, collect_cb, &c, &st, NULL), SH_EIO);
    CHECK(st.damaged);
}

SH_TEST(zstd_and_truncated_zstd)
{
    unsigned char z[4096];
    size_t zn = ZSTD_compress(z, sizeof(z), text, sizeof(text) - 1, 3);
    struct collect c = {0};
    struct sh_logfile_stats st;

    CHECK(!ZSTD_isError(zn));
    CHECK_OK(sh_logfile_each_mem(z, zn, "x.zst", NULL, collect_cb, &c, &st, NULL));
    check_text(&c, &st, 1);
    CHECK(!st.damaged);
    memset(&c, 0, sizeof(c));
    CHECK_EQ_INT(sh_logfile_each_mem(z, zn - 3, "cut.zst", NULL, collect_cb, &c, &st, NULL),
                 SH_EIO);
    CHECK(st.damaged);
}

SH_TEST(long_lines_are_cut_and_counted)
{
    size_t n = 200000;
    char *buf = malloc(n + 64);
    struct sh_logreader *r = NULL;
    const char *line;
    size_t len;
    uint64_t no;

    memset(buf, 'A', n);
    memcpy(buf + n, "\nnext\r\nlast", 11);
    CHECK_OK(sh_logreader_open_mem(&r, buf, n + 11, 1000, NULL));
    CHECK_EQ_INT(sh_logreader_next(r, &line, &len, &no, NULL), 1);
    CHECK_EQ_INT(len, 1000);
    CHECK_EQ_INT(no, 1);
    CHECK_EQ_INT(line[len], '\0');
    CHECK_EQ_INT(sh_logreader_next(r, &line, &len, &no, NULL), 1);
    CHECK_STR(line, "next");
    CHECK_EQ_INT(no, 2);
    CHECK_EQ_INT(sh_logreader_next(r, &line, &len, &no, NULL), 1);
    CHECK_STR(line, "last");
    CHECK_EQ_INT(no, 3);
    CHECK_EQ_INT(sh_logreader_next(r, &line, &len, &no, NULL), 0);
    CHECK_EQ_INT(sh_logreader_stats(r)->truncated, 1);
    CHECK_EQ_INT(sh_logreader_stats(r)->lines, 3);
    CHECK_EQ_INT(sh_logreader_stats(r)->bytes, n + 11);
    sh_logreader_close(r);
    free(buf);
}

SH_TEST(line_exactly_at_the_limit_is_whole)
{
    char buf[64];
    struct sh_logreader *r = NULL;
    const char *line;
    size_t len;

    memset(buf, 'b', 10);
    memcpy(buf + 10, "\nx\n", 3);
    CHECK_OK(sh_logreader_open_mem(&r, buf, 13, 10, NULL));
    CHECK_EQ_INT(sh_logreader_next(r, &line, &len, NULL, NULL), 1);
    CHECK_EQ_INT(len, 10);
    CHECK_EQ_INT(sh_logreader_next(r, &line, &len, NULL, NULL), 1);
    CHECK_STR(line, "x");
    CHECK_EQ_INT(sh_logreader_stats(r)->truncated, 0);
    sh_logreader_close(r);
}

SH_TEST(crlf_nul_and_empty_input)
{
    static const char in[] = "a\r\n\r\nb\0c\r\n";
    struct sh_logreader *r = NULL;
    const char *line;
    size_t len;

    CHECK_OK(sh_logreader_open_mem(&r, in, sizeof(in) - 1, 0, NULL));
    CHECK_EQ_INT(sh_logreader_next(r, &line, &len, NULL, NULL), 1);
    CHECK_EQ_INT(len, 1);
    CHECK_EQ_INT(sh_logreader_next(r, &line, &len, NULL, NULL), 1);
    CHECK_EQ_INT(len, 0);
    CHECK_EQ_INT(sh_logreader_next(r, &line, &len, NULL, NULL), 1);
    CHECK_EQ_INT(len, 3);
    CHECK(memcmp(line, "b\0c", 3) == 0);
    CHECK_EQ_INT(sh_logreader_next(r, &line, &len, NULL, NULL), 0);
    sh_logreader_close(r);
    CHECK_OK(sh_logreader_open_mem(&r, "", 0, 0, NULL));
    CHECK_EQ_INT(sh_logreader_next(r, &line, &len, NULL, NULL), 0);
    sh_logreader_close(r);
}

SH_TEST(files_on_disk_by_magic_not_name)
{
    char dir[] = "/tmp/sh_reader_XXXXXX";
    char path[256];
    unsigned char z[4096];
    size_t zn;
    FILE *f;
    struct collect c = {0};
    struct sh_logfile_stats st;
    sh_diag d;

    CHECK(mkdtemp(dir) != NULL);
    /* gzip content under a .log name */
    zn = gz(z, sizeof(z), text, sizeof(text) - 1);
    snprintf(path, sizeof(path), "%s/device.log", dir);
    f = fopen(path, "wb");
    CHECK(f && fwrite(z, 1, zn, f) == zn);
    fclose(f);
    CHECK_OK(sh_logfile_each(path, NULL, collect_cb, &c, &st, NULL));
    check_text(&c, &st, 1);
    unlink(path);
    /* zstd content under a .gz name */
    zn = ZSTD_compress(z, sizeof(z), text, sizeof(text) - 1, 1);
    snprintf(path, sizeof(path), "%s/device.gz", dir);
    f = fopen(path, "wb");
    CHECK(f && fwrite(z, 1, zn, f) == zn);
    fclose(f);
    memset(&c, 0, sizeof(c));
    CHECK_OK(sh_logfile_each(path, NULL, collect_cb, &c, &st, NULL));
    check_text(&c, &st, 1);
    unlink(path);
    rmdir(dir);
    sh_diag_clear(&d);
    CHECK_EQ_INT(sh_logfile_each("/nonexistent/x.log", NULL, collect_cb, &c, &st, &d), SH_EIO);
    CHECK(strstr(d.source, "/nonexistent/x.log") != NULL);
    CHECK(!st.damaged);
}

static int time_cb(const struct sh_log_event *ev, void *ud)
{
    uint32_t n;
    const char *t = sh_log_event_get(ev, "time", &n);

    snprintf(ud, 64, "%.*s", t ? (int)n : 0, t ? t : "");
    return 0;
}

SH_TEST(year_comes_from_file_mtime)
{
    char path[] = "/tmp/sh_year_XXXXXX";
    int fd = mkstemp(path);
    const char *l = "Dec 31 23:59:00 r1 %SYS-5-CONFIG_I: Configured from console by vty0\n";
    struct timespec ts[2];
    char got[64] = "";

    CHECK(fd >= 0);
    CHECK(write(fd, l, strlen(l)) == (ssize_t)strlen(l));
    close(fd);
    /* written to disk on 2025-01-05: the December line is from 2024 */
    ts[0].tv_sec = ts[1].tv_sec = 1736035200;
    ts[0].tv_nsec = ts[1].tv_nsec = 0;
    CHECK(utimensat(AT_FDCWD, path, ts, 0) == 0);
    CHECK_OK(sh_logfile_each(path, NULL, time_cb, got, NULL, NULL));
    CHECK_STR(got, "2024-12-31T23:59:00Z");
    unlink(path);
}

static int stop_cb(const struct sh_log_event *ev, void *ud)
{
    int *n = ud;

    (void)ev;
    return ++*n == 2 ? 42 : 0;
}

SH_TEST(callback_can_stop_the_walk)
{
    int n = 0;

    CHECK_EQ_INT(sh_logfile_each_mem(text, sizeof(text) - 1, "m", NULL, stop_cb, &n, NULL, NULL),
                 42);
    CHECK_EQ_INT(n, 2);
}

static long max_rss_kb(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

SH_TEST(large_stream_memory_stays_flat)
{
    /* 40 MB of lines through a zstd stream: the reader's buffers do not grow */
    long rss0;
    size_t chunk = 1 << 20, total = 0;
    char *plain = malloc(chunk);
    size_t zcap = ZSTD_compressBound(chunk) * 40 + 64;
    unsigned char *z = malloc(zcap);
    size_t zn = 0, n = 0;
    int i;
    struct sh_logreader *r = NULL;
    const struct sh_logreader_stats *st;
    const char *line;
    size_t len;
    uint64_t lines = 0;

    while (n + 80 < chunk)
        n += (size_t)snprintf(plain + n, chunk - n,
                              "Mar 11 10:15:08 r1 %%SYS-5-CONFIG_I: Configured from console\n");
    for (i = 0; i < 40; i++) {
        size_t zr = ZSTD_compress(z + zn, zcap - zn, plain, n, 1);
        CHECK(!ZSTD_isError(zr));
        zn += zr;
        total += n;
    }
    rss0 = max_rss_kb();
    CHECK_OK(sh_logreader_open_mem(&r, z, zn, 0, NULL));
    while (sh_logreader_next(r, &line, &len, NULL, NULL) > 0)
        lines++;
    CHECK(max_rss_kb() - rss0 < 8 * 1024); /* far below the 40 MB decoded */
    st = sh_logreader_stats(r);
    CHECK_EQ_INT(st->bytes, total);
    CHECK_EQ_INT(st->lines, lines);
    CHECK_EQ_INT(st->truncated, 0);
    CHECK(!st->damaged);
    sh_logreader_close(r);
    free(plain);
    free(z);
}
