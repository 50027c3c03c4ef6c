/*
 * fuzz_logreader.c - the streaming reader over arbitrary bytes in memory
 * (plain, or gzip/zstd when the input starts with their magic), with a
 * small line limit so the long-line path is hit, then the full walk with
 * parsing, then raw reads (sh_logreader_read), which must decode as many
 * bytes as the line reader.
 */
#include "log/logfile.h"
#include "log/reader.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count(const struct sh_log_event *ev, void *ud)
{
    uint64_t *n = ud;

    if (ev->line != *n + 1)
        abort();
    (*n)++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sh_logreader *r = NULL;
    const char *line;
    size_t len;
    uint64_t no, prev = 0, n = 0;
    size_t max_line = size > 0 ? 1 + data[size - 1] % 64 : 16;
    int rc;

    if (sh_logreader_open_mem(&r, data, size, max_line, NULL) == 0) {
        while ((rc = sh_logreader_next(r, &line, &len, &no, NULL)) > 0) {
            if (len > max_line || no != prev + 1 || line[len] != '\0')
                abort();
            prev = no;
        }
        if (rc < 0)
            abort();
        sh_logreader_close(r);
    }
    (void)sh_logfile_each_mem(data, size, "fuzz", NULL, count, &n, NULL, NULL);
    /* Raw reads in odd-sized pieces decode the same bytes, and as many, as
     * the line reader (which counts every decoded byte). */
    if (sh_logreader_open_mem(&r, data, size, max_line, NULL) == 0) {
        static char piece[997];
        size_t want = 1, got = 0, total = 0;
        uint64_t bytes;
        while ((rc = sh_logreader_read(r, piece, want, &got, NULL)) == 0 && got > 0) {
            total += got;
            want = want % sizeof(piece) + 37;
        }
        if (rc < 0)
            abort();
        bytes = sh_logreader_stats(r)->bytes;
        sh_logreader_close(r);
        if (sh_logreader_open_mem(&r, data, size, max_line, NULL) == 0) {
            while (sh_logreader_next(r, &line, &len, &no, NULL) > 0)
                ;
            if (sh_logreader_stats(r)->bytes != bytes || total != bytes)
                abort();
            sh_logreader_close(r);
        }
    }
    return 0;
}
