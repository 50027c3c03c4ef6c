/*
 * test_fields_doc.c - every field name the parser emits is documented in
 * docs/log-fields.md (rule writers read that page, so it must not drift).
 */
#include "log/event.h"

#include "test.h"

#include <stdio.h>
#include <stdlib.h>

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        buf[n] = '\0';
    fclose(f);
    return buf;
}

SH_TEST(every_emitted_field_is_documented)
{
    char *src = slurp(sh_test_src("src/lib/log/syslog.c"));
    char *doc = slurp(sh_test_src("docs/log-fields.md"));
    const char *p;
    int names = 0;

    CHECK(src != NULL);
    CHECK(doc != NULL);
    if (!src || !doc)
        goto out;
    for (p = src; (p = strstr(p, "emit(&ps, \"")) != NULL; p++) {
        const char *b = p + 11, *q = strchr(b, '"');
        char want[80];
        if (!q || q - b > 60)
            continue;
        snprintf(want, sizeof(want), "`%.*s`", (int)(q - b), b);
        names++;
        if (!strstr(doc, want))
            sh_test_fail(__FILE__, __LINE__, "field %s is not in docs/log-fields.md", want);
    }
    CHECK(names >= 20);
    {
        /* the published list and the emitted names agree */
        size_t n, i;
        const char *const *core = sh_log_event_core_fields(&n);
        CHECK_EQ_INT(n, names);
        for (i = 0; i < n; i++) {
            char want[80];
            snprintf(want, sizeof(want), "emit(&ps, \"%s\"", core[i]);
            if (!strstr(src, want))
                sh_test_fail(__FILE__, __LINE__, "core field %s is never emitted", core[i]);
        }
    }
out:
    free(src);
    free(doc);
}
