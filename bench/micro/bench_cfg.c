/*
 * bench_cfg.c - config parser throughput: detect + parse each file given
 * on the command line N times, print MB/s and nodes/s of CPU time, one
 * line per file.
 *
 * Build against a release library (not part of the CMake build):
 *   cmake --preset release && cmake --build build/release -j2 --target salthunt_lib
 *   cc -O2 -Iinclude -Isrc/lib bench/micro/bench_cfg.c build/release/libsalthunt_lib.a \
 *      $(pkg-config --libs libhs libpcre2-8 sqlite3 yaml-0.1 jansson zlib libzstd) \
 *      -lpthread -lm -o /tmp/bench_cfg
 *   /tmp/bench_cfg 20 FILE...
 */
#include "base/sh_base.h"
#include "parse/cfg.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* CPU time of this process: on a shared, loaded machine wall time
 * mostly measures the other tenants. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    int reps, i, r;

    if (argc < 3) {
        fprintf(stderr, "usage: bench_cfg REPEAT FILE...\n");
        return 2;
    }
    reps = atoi(argv[1]);
    for (i = 2; i < argc; i++) {
        char *buf = NULL;
        size_t len = 0, nodes = 0;
        sh_diag diag;
        double t0, dt;
        enum sh_dialect d = SH_DIALECT_UNKNOWN;

        if (sh_file_read(&buf, &len, argv[i], (size_t)1 << 30, &diag) != 0) {
            fprintf(stderr, "%s: %s\n", argv[i], diag.text);
            return 1;
        }
        t0 = now();
        for (r = 0; r < reps; r++) {
            struct sh_cfg_doc *doc = NULL;
            if (sh_cfg_parse(&doc, buf, len, SH_DIALECT_UNKNOWN, NULL, argv[i], &diag) != 0) {
                fprintf(stderr, "%s: %s\n", argv[i], diag.text);
                return 1;
            }
            nodes = doc->n_nodes;
            d = doc->dialect;
            sh_cfg_doc_free(doc);
        }
        dt = now() - t0;
        printf("%s: %s, %zu bytes, %zu nodes, %.1f MB/s, %.2f Mnodes/s, %.3f ms/parse\n",
               argv[i], sh_dialect_name(d), len, nodes, (double)len * reps / dt / 1e6,
               (double)nodes * reps / dt / 1e6, dt * 1e3 / reps);
        sh_free(buf);
    }
    return 0;
}
