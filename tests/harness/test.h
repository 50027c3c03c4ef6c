/*
 * test.h - the in-tree unit-test harness.
 *
 * SH_TEST(name) defines and registers a test; CHECK* macros record the
 * file and line of a failure and continue. The runner takes an optional
 * name filter and ends with "N passed, N failed".
 */
#ifndef SH_TEST_H
#define SH_TEST_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

typedef void (*sh_test_fn)(void);
void sh_test_register(const char *name, sh_test_fn fn);
void sh_test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** Path under $SH_CORPUS (../shared/corpus by default); static buffer. */
const char *sh_test_corpus(const char *rel);
/** Path under the source root; static buffer. */
const char *sh_test_src(const char *rel);

/**
 * Call fn for every line of every file matching the glob `pattern`, the
 * line end dropped: with `ini` only the text of "log ... = text" lines
 * (rule sample files), else every line, the first without its first `skip`
 * bytes (fuzz seeds start with an options byte). Returns the file count.
 */
typedef void (*sh_test_line_fn)(const char *path, size_t lineno, const char *line, size_t len,
                                void *ud);
size_t sh_test_glob_lines(const char *pattern, bool ini, size_t skip, sh_test_line_fn fn, void *ud);

/* A Sigma rule set loaded from YAML text and compiled (no policy); NULL,
 * with the test failed, when it does not load. Free with sh_sigma_set_free. */
struct sh_sigma_set;
struct sh_sigma_set *sh_test_sigma(const char *yaml);

#define SH_TEST(name)                                                                              \
    static void name(void);                                                                        \
    __attribute__((constructor)) static void reg_##name(void)                                      \
    {                                                                                              \
        sh_test_register(#name, name);                                                             \
    }                                                                                              \
    static void name(void)

#define CHECK(e)                                                                                   \
    do {                                                                                           \
        if (!(e))                                                                                  \
            sh_test_fail(__FILE__, __LINE__, "CHECK(%s)", #e);                                     \
    } while (0)
#define CHECK_EQ_INT(a, b)                                                                         \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_)                                                                              \
            sh_test_fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", #a, a_, #b, b_);   \
    } while (0)
#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (!a_ || !b_ || strcmp(a_, b_) != 0)                                                     \
            sh_test_fail(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", #a,                  \
                         a_ ? a_ : "(null)", b_ ? b_ : "(null)");                                  \
    } while (0)
#define CHECK_OK(e)                                                                                \
    do {                                                                                           \
        int rc_ = (e);                                                                             \
        if (rc_ != 0)                                                                              \
            sh_test_fail(__FILE__, __LINE__, "%s returned %d", #e, rc_);                           \
    } while (0)

#endif
