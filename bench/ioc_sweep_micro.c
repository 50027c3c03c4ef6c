/*
 * ioc_sweep_micro.c - the indicator sweep alone (bench/ioc_sweep.sh).
 *
 *   ioc_sweep_micro INDICATORS LOGFILE [portable|sse2|avx2]
 *
 * Loads one-per-line indicators into a set, then reads LOGFILE in 1 MiB
 * blocks and sweeps every line, as the scan does. Prints the hit count,
 * seconds, MB/s and a checksum of the hits (indicator, offset, length, in
 * order) on one line, so that tokenizers can be compared on large logs. The optional last argument
 * picks the sweep's tokenizer (default: the one sh_ioc_sweep() picks for this CPU).
 */
#include "base/sh_base.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "intel/ioc.h"

struct tally {
    size_t hits;
    uint64_t sig;
};

static void on_hit(const struct sh_ioc *ioc, const char *tok, size_t off, size_t len, void *ud)
{
    struct tally *t = ud;

    (void)tok;
    t->hits++;
    t->sig = (t->sig ^ sh_hash64(ioc->value, strlen(ioc->value)) ^ ((uint64_t)off << 24) ^ len) *
             0x100000001b3ULL;
}

int main(int argc, char **argv)
{
    struct sh_ioc_set *set = NULL;
    char *list = NULL, *buf;
    size_t list_len = 0, have = 0, total = 0;
    struct tally hits = {0, 0};
    struct timespec t0, t1;
    sh_diag d;
    FILE *f;
    double s;
    int impl = SH_IOC_SWEEP_AVX2;

    if (argc == 4)
        impl = strcmp(argv[3], "portable") == 0 ? SH_IOC_SWEEP_PORTABLE
               : strcmp(argv[3], "sse2") == 0   ? SH_IOC_SWEEP_SSE2
                                                : SH_IOC_SWEEP_AVX2;
    if (argc != 3 && argc != 4) {
        fputs("usage: ioc_sweep_micro INDICATORS LOGFILE [portable|sse2|avx2]\n", stderr);
        return 2;
    }
    if (sh_ioc_set_new(&set) || sh_file_read(&list, &list_len, argv[1], 1 << 30, &d) ||
        sh_ioc_set_load_text(set, list, list_len, argv[1], false, &d)) {
        fprintf(stderr, "cannot load %s: %s\n", argv[1], d.text);
        return 2;
    }
    f = fopen(argv[2], "rb");
    buf = malloc((2u << 20) + 1);
    if (!f || !buf)
        return 2;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        size_t n = fread(buf + have, 1, (1u << 20), f), pos = 0;
        char *nl;
        have += n;
        total += n;
        while ((nl = memchr(buf + pos, '\n', have - pos)) != NULL) {
            sh_ioc__sweep_with(set, buf + pos, (size_t)(nl - (buf + pos)), on_hit, &hits, impl);
            pos = (size_t)(nl - buf) + 1;
        }
        if (n == 0) {
            if (have > pos)
                sh_ioc__sweep_with(set, buf + pos, have - pos, on_hit, &hits, impl);
            break;
        }
        memmove(buf, buf + pos, have - pos);
        have -= pos;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("indicators=%zu hits=%zu seconds=%.3f mb_per_s=%.1f sig=%016llx\n",
           sh_ioc_set_count(set), hits.hits, s, (double)total / 1048576.0 / s,
           (unsigned long long)hits.sig);
    fclose(f);
    free(buf);
    sh_free(list);
    sh_ioc_set_free(set);
    return 0;
}
