/*
 * standalone.c - replay driver for fuzz targets without libFuzzer.
 *
 * Usage: replay_<target> FILE|DIR... Runs LLVMFuzzerTestOneInput over every
 * file (folders one level deep, sorted), so CI replays each committed
 * corpus with gcc and under the sanitizers. Ends with a plain summary line.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long n;

    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc(n > 0 ? (size_t)n : 1);
    if (!buf || (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n)) {
        fclose(f);
        free(buf);
        return -1;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, (size_t)n);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    int i, done = 0, failed = 0;

    for (i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: missing %s\n", argv[i]);
            failed++;
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            struct dirent **ents;
            int n = scandir(argv[i], &ents, NULL, alphasort), j;
            for (j = 0; j < n; j++) {
                char p[4096];
                if (ents[j]->d_name[0] != '.') {
                    snprintf(p, sizeof(p), "%s/%s", argv[i], ents[j]->d_name);
                    if (run_file(p) == 0)
                        done++;
                    else
                        failed++;
                }
                free(ents[j]);
            }
            free(ents);
        } else if (run_file(argv[i]) == 0) {
            done++;
        } else {
            failed++;
        }
    }
    printf("%d passed, %d failed\n", done, failed);
    return failed || done == 0 ? 1 : 0;
}
