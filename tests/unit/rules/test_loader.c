/*
 * test_loader.c - rule loader: every error class names file:line:col,
 * loading keeps going and reports all problems, limits hold.
 */
#include "base/sh_base.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rules/rules.h"
#include "test.h"

#define SAMPLES                                                                                    \
    "samples:\n"                                                                                   \
    "  match:\n"                                                                                   \
    "    - config: \"x\\n\"\n"                                                                     \
    "  nomatch:\n"                                                                                 \
    "    - config: \"y\\n\"\n"

struct seen {
    int n;
    sh_diag d[16];
};

static void collect(const sh_diag *d, void *ud)
{
    struct seen *s = ud;
    if (s->n < 16)
        s->d[s->n] = *d;
    s->n++;
}

/* The rule must fail to load with a first error at line:col mentioning `needle`. */
static void expect_error(const char *yaml, unsigned line, unsigned col, const char *needle, int tl)
{
    sh_ruleset *rs = NULL;
    struct seen s = {0};
    sh_diag d;
    int rc = sh_ruleset__load_buf(&rs, yaml, strlen(yaml), "r.yml", collect, &s, &d);

    if (rc == 0 || rs || s.n == 0 || strcmp(s.d[0].source, "r.yml") != 0 || s.d[0].line != line ||
        (col && s.d[0].column != col) || !strstr(s.d[0].text, needle))
        sh_test_fail(__FILE__, tl, "rc=%d n=%d first=%s:%u:%u '%s'; wanted %u:%u '%s'", rc, s.n,
                     s.n ? s.d[0].source : "", s.n ? s.d[0].line : 0, s.n ? s.d[0].column : 0,
                     s.n ? s.d[0].text : "", line, col, needle);
    sh_ruleset_free(rs);
}

static const char good[] = "id: T-01.ok\n"
                           "title: t\n"
                           "kind: ttp\n"
                           "severity: high\n"
                           "match: '^x'\n"
                           "message: 'm'\n" SAMPLES;

SH_TEST(good_rule_loads)
{
    sh_ruleset *rs = NULL;
    sh_rule_info info;
    sh_diag d;

    CHECK_OK(sh_ruleset__load_buf(&rs, good, strlen(good), "r.yml", NULL, NULL, &d));
    CHECK_EQ_INT(sh_ruleset_count(rs), 1);
    CHECK_OK(sh_ruleset_rule_info(rs, 0, &info));
    CHECK_STR(info.id, "T-01.ok");
    CHECK_STR(info.shape, "line");
    CHECK_STR(info.platforms, "all");
    CHECK_EQ_INT(info.n_samples, 2);
    CHECK_EQ_INT(info.line, 1);
    sh_ruleset_free(rs);
}

SH_TEST(error_positions)
{
    expect_error("id: T-01.x\ntitle: t\nkind: ttp\nseverity: high\nmatch: '^x'\nmessage: m\n"
                 "colour: red\n" SAMPLES,
                 7, 1, "unknown key 'colour'", __LINE__);
    expect_error(
        "id: T-01.x\ntitle: t\nkind: ttp\nseverity: high\nmatch: '^x('\nmessage: m\n" SAMPLES, 5,
        12, "bad regex at offset 3", __LINE__);
    expect_error(
        "id: T-01.x\ntitle: t\nkind: spying\nseverity: high\nmatch: '^x'\nmessage: m\n" SAMPLES, 3,
        7, "'kind' must be one of", __LINE__);
    expect_error(
        "id: T-01.x\ntitle: t\nkind: ttp\nseverity: urgent\nmatch: '^x'\nmessage: m\n" SAMPLES, 4,
        11, "'severity' must be one of", __LINE__);
    expect_error(
        "id: T-01.x\ntitle: t\nkind: hardening\nseverity: high\nmatch: '^x'\nmessage: m\n" SAMPLES,
        4, 11, "never above medium", __LINE__);
    expect_error("id: T-01.x\ntitle: t\nkind: coverage\nseverity: critical\nmatch: '^x'\nmessage: "
                 "m\n" SAMPLES,
                 4, 11, "never above medium", __LINE__);
    expect_error("id: T-01.x\ntitle: t\nkind: ttp\nseverity: high\nmatch: '^x'\nmessage: m\n", 1, 1,
                 "missing 'samples'", __LINE__);
    expect_error("id: T-01.x\ntitle: t\nkind: ttp\nseverity: high\nmatch: '^x'\nmessage: m\n"
                 "samples:\n  match:\n    - config: x\n",
                 8, 3, "at least one 'match' and one 'nomatch'", __LINE__);
    expect_error("id: T-01.x\ntitle: t\nkind: ttp\nseverity: high\nmatch: '^x (?<who>\\S+)'\n"
                 "message: 'user {whom}'\n" SAMPLES,
                 6, 10, "unknown capture '{whom}'", __LINE__);
    expect_error("id: T-01.x\ntitle: t\nkind: ttp\nseverity: high\nmatch: '^x'\nmessage: m\n"
                 "remediation:\n  ios: 'no {y}'\n" SAMPLES,
                 8, 8, "unknown capture '{y}'", __LINE__);
    expect_error("id: T-01.x\ntitle: t\nkind: ttp\nseverity: high\nmatch: '^x'\nmessage: m\n"
                 "platforms: [ios, vax]\n" SAMPLES,
                 7, 18, "unknown platform 'vax'", __LINE__);
    expect_error(
        "id: T-01.x\ntitle: t\nkind: ttp\nseverity: high\nmatch: '^x (?<u>\\S+)'\nmessage: m\n"
        "where:\n  - capture: v\n    public: true\n" SAMPLES,
        8, 14, "capture 'v' is not a named group", __LINE__);
    expect_error(
        "id: T-01.x\ntitle: t\nkind: ttp\nseverity: high\nmatch: '^x (?<u>\\S+)'\nmessage: m\n"
        "where:\n  - capture: u\n    not_in_policy: friends\n" SAMPLES,
        9, 20, "must name a policy key", __LINE__);
    expect_error(
        "id: T-01.x\ntitle: t\nkind: ttp\nseverity: high\nmatch: '^x (?<u>\\S+)'\nmessage: m\n"
        "where:\n  - capture: u\n    port_range: [9000, 80]\n" SAMPLES,
        9, 17, "port_range", __LINE__);
    expect_error(
        "id: T-01.x\ntitle: t\nkind: ttp\nseverity: high\nmatch: '^x (?<u>\\S+)'\nmessage: m\n"
        "where:\n  - capture: u\n    smells: bad\n" SAMPLES,
        9, 5, "unknown condition 'smells'", __LINE__);
    expect_error("id: T-01.x\ntitle: t\nkind: ttp\nseverity: high\nmatch: '^x'\nmessage: m\n"
                 "without_policy: maybe\n" SAMPLES,
                 7, 17, "without_policy", __LINE__);
    expect_error("id: T-01.x\ntitle: t\nkind: hardening\nseverity: low\nsection: '^line'\n"
                 "require: a\nforbid: b\nmessage: m\n" SAMPLES,
                 1, 1, "either 'require' or 'forbid'", __LINE__);
    expect_error(
        "id: T-01.x\ntitle: t\nkind: hardening\nseverity: low\nrequire: a\nmessage: m\n" SAMPLES, 1,
        1, "needs 'section'", __LINE__);
    expect_error("id: T-01.x\ntitle: t\nkind: ttp\nseverity: high\nmessage: m\n" SAMPLES, 1, 1,
                 "a rule needs one of", __LINE__);
    expect_error(
        "id: 'bad id'\ntitle: t\nkind: ttp\nseverity: high\nmatch: x\nmessage: m\n" SAMPLES, 1, 5,
        "'id' may hold only", __LINE__);
    expect_error("title: t\nkind: ttp\nseverity: high\nmatch: x\nmessage: m\n" SAMPLES, 1, 1,
                 "missing 'id'", __LINE__);
    expect_error(
        "id: T-01.x\ntitle: t\nkind: ttp\nseverity: high\nmatch: x\nmessage: m\n"
        "samples:\n  match:\n    - platform: vms\n      config: x\n  nomatch:\n    - config: y\n",
        9, 17, "unknown platform 'vms'", __LINE__);
    expect_error("id: T-01.x\ntitle: t\nkind: ttp\nseverity: high\nmatch: x\nmessage: m\n"
                 "samples:\n  match:\n    - config: x\n      policy: {local_users: [a b]}\n"
                 "  nomatch:\n    - config: y\n",
                 10, 30, "not a valid name", __LINE__);
    expect_error(
        "id: T-01.x\ntitle: t\nkind: ttp\nseverity: high\nmatch: x\nmessage: m\n"
        "samples:\n  match:\n    - config: x\n  nomatch:\n    - config: y\n      expect: 1\n",
        12, 15, "'expect' belongs to match samples", __LINE__);
    expect_error("id: T-01.x\ntitle: [t\n", 3, 0, "yaml", __LINE__);
    expect_error("id: T-01.x\ntitle: t\nkind: ttp\nseverity: high\nmatch: x\nmessage: m\n"
                 "feature: http_server\n" SAMPLES,
                 1, 1, "no 'where' or 'message'", __LINE__);
    expect_error("id: T-01.x\ntitle: t\nkind: ttp\nseverity: high\nmatch: x\nmessage: m\n"
                 "title: again\n" SAMPLES,
                 7, 1, "given twice", __LINE__);
}

SH_TEST(keeps_going_and_counts_every_problem)
{
    const char *y = "id: T-01.x\ntitle: t\nkind: spying\nseverity: urgent\nmatch: '('\n"
                    "message: m\ncolour: red\n" SAMPLES;
    sh_ruleset *rs = NULL;
    struct seen s = {0};
    sh_diag d;
    int rc = sh_ruleset__load_buf(&rs, y, strlen(y), "r.yml", collect, &s, &d);

    CHECK_EQ_INT(rc, SH_ERULE);
    CHECK(rs == NULL);
    CHECK_EQ_INT(s.n, 4);
    CHECK(strstr(d.text, "(and 3 more problems)") != NULL);
    CHECK_EQ_INT(d.line, s.d[0].line);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    fputs(text, f);
    fclose(f);
}

SH_TEST(folders_duplicates_and_sorting)
{
    char dir[] = "/tmp/sh_rules_XXXXXX";
    char p[256];
    const char *paths[2];
    sh_rules_options o = SH_RULES_OPTIONS_INIT;
    sh_ruleset *rs = NULL;
    struct seen s = {0};
    sh_rule_info info;
    sh_diag d;
    char *other;

    if (!mkdtemp(dir)) {
        CHECK(0);
        return;
    }
    snprintf(p, sizeof(p), "%s/sub", dir);
    mkdir(p, 0700);
    snprintf(p, sizeof(p), "%s/sub/b.yml", dir);
    write_file(p, good);
    other = sh_strdup(good);
    memcpy(strstr(other, "T-01.ok"), "T-00.ok", 7);
    snprintf(p, sizeof(p), "%s/a.yml", dir);
    write_file(p, other);
    snprintf(p, sizeof(p), "%s/notes.txt", dir);
    write_file(p, "not a rule");
    paths[0] = dir;
    paths[1] = NULL;
    o.no_builtin = true;
    o.paths = paths;
    CHECK_OK(sh_ruleset_load(&rs, &o, &d));
    CHECK_EQ_INT(sh_ruleset_count(rs), 2);
    CHECK_OK(sh_ruleset_rule_info(rs, 0, &info));
    CHECK_STR(info.id, "T-00.ok");
    CHECK(sh_ruleset_rule_info(rs, 2, &info) == SH_EINVAL);
    sh_ruleset_free(rs);
    rs = NULL;

    /* Same id twice: an error naming the first file. */
    snprintf(p, sizeof(p), "%s/c.yml", dir);
    write_file(p, good);
    o.on_diag = collect;
    o.diag_ud = &s;
    CHECK_EQ_INT(sh_ruleset_load(&rs, &o, &d), SH_ERULE);
    CHECK_EQ_INT(s.n, 1);
    CHECK(strstr(s.d[0].text, "duplicate rule id 'T-01.ok'") != NULL);
    CHECK(strstr(s.d[0].source, "sub/b.yml") != NULL);
    CHECK_EQ_INT(s.d[0].line, 1);

    /* A missing path is an error too. */
    s.n = 0;
    paths[0] = "/nonexistent/rules";
    CHECK(sh_ruleset_load(&rs, &o, &d) != 0);
    CHECK(s.n == 1 && strstr(s.d[0].source, "/nonexistent/rules"));

    snprintf(p, sizeof(p), "rm -rf '%s'", dir);
    CHECK(system(p) == 0);
    sh_free(other);
}

SH_TEST(limits)
{
    struct sh_buf b;
    sh_ruleset *rs = NULL;
    struct seen s = {0};
    sh_diag d;
    int i;

    /* Regex length. */
    sh_buf_init(&b, 0);
    sh_buf_adds(&b, "id: T-01.x\ntitle: t\nkind: ttp\nseverity: high\nmessage: m\nmatch: '");
    for (i = 0; i < SH_RULES_MAX_REGEX + 1; i++)
        sh_buf_addc(&b, 'a');
    sh_buf_adds(&b, "'\n" SAMPLES);
    CHECK(sh_ruleset__load_buf(&rs, b.ptr, b.len, "r.yml", collect, &s, &d) != 0);
    CHECK(s.n >= 1 && strstr(s.d[0].text, "longer than") && s.d[0].line == 6);
    sh_buf_free(&b);

    /* Capture groups. */
    s.n = 0;
    sh_buf_init(&b, 0);
    sh_buf_adds(&b, "id: T-01.x\ntitle: t\nkind: ttp\nseverity: high\nmessage: m\nmatch: '");
    for (i = 0; i < SH_RULES_MAX_CAPTURES + 1; i++)
        sh_buf_adds(&b, "(a)");
    sh_buf_adds(&b, "'\n" SAMPLES);
    CHECK(sh_ruleset__load_buf(&rs, b.ptr, b.len, "r.yml", collect, &s, &d) != 0);
    CHECK(s.n >= 1 && strstr(s.d[0].text, "capture groups"));
    sh_buf_free(&b);

    /* Samples. */
    s.n = 0;
    sh_buf_init(&b, 0);
    sh_buf_adds(&b, "id: T-01.x\ntitle: t\nkind: ttp\nseverity: high\nmessage: m\nmatch: x\n"
                    "samples:\n  nomatch:\n    - config: y\n  match:\n");
    for (i = 0; i < SH_RULES_MAX_SAMPLES + 1; i++)
        sh_buf_adds(&b, "    - config: x\n");
    CHECK(sh_ruleset__load_buf(&rs, b.ptr, b.len, "r.yml", collect, &s, &d) != 0);
    CHECK(s.n >= 1 && strstr(s.d[0].text, "more than 64 samples"));
    sh_buf_free(&b);

    /* File size. */
    s.n = 0;
    sh_buf_init(&b, 0);
    while (b.len <= SH_RULES_MAX_FILE_BYTES)
        sh_buf_adds(&b, "# padding padding padding padding padding padding padding padding\n");
    CHECK_EQ_INT(sh_ruleset__load_buf(&rs, b.ptr, b.len, "r.yml", collect, &s, &d), SH_ELIMIT);
    sh_buf_free(&b);
}
