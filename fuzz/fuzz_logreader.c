/*
 * fuzz_logreader.c - the streaming reader over arbitrary bytes in memory
 * (plain, or gzip/zstd when the input starts with their magic), with a
 * small line limit so the long-line path is hit, then the full walk with
 * parsing.
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
    return 0;
}
