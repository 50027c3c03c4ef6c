/*
 * test_report.c - report writers: golden bytes for every format, plus the
 * properties a user would notice (escaping of hostile text, CSV formula
 * safety, SARIF schema validity, JSON round trips, error propagation).
 *
 * Set SH_UPDATE_GOLDEN=1 to rewrite tests/golden/report/<format>/expected.*
 * from the current writers (review the diff before committing).
 */
#include "base/sh_base.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../report/fixture.h"
#include "salthunt/sh_report.h"
#include "test.h"

static const char *const exts[] = {"txt", "jsonl", "sarif", "csv", "html", "md"};

static int buf_sink(const char *data, size_t len, void *ud)
{
    return sh_buf_add(ud, data, len);
}

struct ctx {
    sh_findings fs;
    sh_findings gone;
    sh_scan_result scan;
    sh_device dev;
    sh_device *devs[1];
    sh_report_info info;
};

static void ctx_init(struct ctx *c)
{
    sh_report_info init = SH_REPORT_INFO_INIT;

    memset(c, 0, sizeof(*c));
    CHECK_OK(fixture_findings(&c->fs, true));
    CHECK_OK(sh_findings_take(&c->gone, fixture_make(&fixture_gone_spec)));
    c->scan.files_seen = 9;
    c->scan.files_analysed = 7;
    c->scan.files_skipped = 2;
    /* What the scan learned about one of the two devices. */
    c->dev.hostname = sh_strdup("core-rtr-01");
    c->dev.platform = sh_strdup("iosxe");
    c->dev.os = sh_strdup("IOS XE");
    c->dev.version = sh_strdup("17.9.4a");
    c->dev.model = sh_strdup("C8300-1N1S-6T");
    c->devs[0] = &c->dev;
    c->scan.devices = c->devs;
    c->scan.n_devices = 1;
    c->info = init;
    c->info.scan = &c->scan;
    c->info.gone = &c->gone;
    c->info.have_history = true;
}

static void ctx_free(struct ctx *c)
{
    sh_free(c->dev.hostname);
    sh_free(c->dev.platform);
    sh_free(c->dev.os);
    sh_free(c->dev.version);
    sh_free(c->dev.model);
    sh_findings_clear(&c->fs);
    sh_findings_clear(&c->gone);
}

static char *render(sh_format fmt, const sh_findings *fs, const sh_report_info *info)
{
    struct sh_buf b;
    sh_diag d;
    int rc;

    sh_buf_init(&b, 0);
    rc = sh_report_write(fmt, fs, info, buf_sink, &b, &d);
    if (rc) {
        sh_test_fail(__FILE__, __LINE__, "render %s: %s", sh_format_name(fmt), d.text);
        sh_buf_free(&b);
        return NULL;
    }
    return sh_buf_detach(&b);
}

static char *slurp(const char *path, size_t *len)
{
    char *data = NULL;
    size_t n = 0;

    if (sh_file_read(&data, &n, path, 1u << 24, NULL))
        return NULL;
    if (len)
        *len = n;
    return data;
}

SH_TEST(golden_every_format)
{
    struct ctx c;
    unsigned f;
    bool update = getenv("SH_UPDATE_GOLDEN") != NULL;

    ctx_init(&c);
    for (f = SH_FMT_TEXT; f <= SH_FMT_MARKDOWN; f++) {
        char rel[128], *got = render((sh_format)f, &c.fs, &c.info), *want;
        size_t want_len = 0;

        snprintf(rel, sizeof(rel), "tests/golden/report/%s/expected.%s",
                 sh_format_name((sh_format)f), exts[f]);
        if (!got)
            continue;
        if (update) {
            FILE *fp = fopen(sh_test_src(rel), "wb");
            CHECK(fp != NULL);
            if (fp) {
                fputs(got, fp);
                fclose(fp);
            }
        }
        want = slurp(sh_test_src(rel), &want_len);
        if (!want) {
            sh_test_fail(__FILE__, __LINE__, "missing golden %s (run with SH_UPDATE_GOLDEN=1)",
                         rel);
        } else if (strlen(got) != want_len || memcmp(got, want, want_len) != 0) {
            size_t i = 0;
            while (got[i] && i < want_len && got[i] == want[i])
                i++;
            sh_test_fail(__FILE__, __LINE__, "%s differs from the golden file at byte %zu", rel, i);
        }
        sh_free(got);
        sh_free(want);
    }
    ctx_free(&c);
}

SH_TEST(output_is_deterministic)
{
    struct ctx c;
    unsigned f;

    ctx_init(&c);
    for (f = SH_FMT_TEXT; f <= SH_FMT_MARKDOWN; f++) {
        char *a = render((sh_format)f, &c.fs, &c.info), *b = render((sh_format)f, &c.fs, &c.info);
        CHECK(a && b && strcmp(a, b) == 0);
        sh_free(a);
        sh_free(b);
    }
    ctx_free(&c);
}

SH_TEST(text_groups_and_summarises)
{
    struct ctx c;
    char *t, *crit, *high, *med;

    ctx_init(&c);
    t = render(SH_FMT_TEXT, &c.fs, &c.info);
    CHECK(t != NULL);
    if (t) {
        /* Device core-rtr-01: critical, then high, then medium. */
        crit = strstr(t, "CRITICAL  C-01  configs/core-rtr-01.cfg:12  Local user");
        high = strstr(t, "HIGH      C-05  configs/core-rtr-01.cfg:40-42");
        med = strstr(t, "MEDIUM    D-07  configs/core-rtr-01.cfg:88");
        CHECK(crit && high && med && crit < high && high < med);
        CHECK(strstr(t, "core-rtr-01 (iosxe, IOS XE 17.9.4a, C8300-1N1S-6T)\n") != NULL);
        CHECK(strstr(t, "edge-fw-02 (panos)\n") != NULL);
        CHECK(strstr(t, "with \"quotes\" and, commas.  [since 2026-01-05]\n") != NULL);
        CHECK(strstr(t, "(no device, no file)\n") != NULL);
        CHECK(strstr(t, "logs/syslog.1 [device name unknown]\n") != NULL);
        CHECK(strstr(t, "7 findings (2 critical, 1 high, 1 medium, 2 low, 1 info) on 2 devices; "
                        "9 files, 7 analysed, 2 skipped; 3 at or above high\n") != NULL);
        CHECK(strstr(t, "new since last scan: 4, gone: 1\n") != NULL);
        CHECK(strstr(t, "gone:\n  HIGH      C-09  core-rtr-01  configs/core-rtr-01.cfg:120-124") !=
              NULL);
        /* Remediation continuation lines are indented under the first. */
        CHECK(strstr(t, "      remediation: Remove the account unless it is approved:\n"
                        "                     no username backup\n") != NULL);
        /* Hostile bytes are shown, never passed to the terminal. */
        CHECK(strchr(t, 0x1b) == NULL);
        CHECK(strstr(t, "\\u202e\\x1b[31mred\\x1b[0m") != NULL);
        CHECK(strstr(t, "\\xff\\xfe\\x01 junk \\xc3(") != NULL);
    }
    sh_free(t);
    c.info.color = true;
    t = render(SH_FMT_TEXT, &c.fs, &c.info);
    CHECK(t && strstr(t, "\x1b[1;31mCRITICAL\x1b[0m") != NULL);
    CHECK(t && strstr(t, "\x1b[31mred") == NULL);
    sh_free(t);
    ctx_free(&c);
}

SH_TEST(text_without_history_has_no_new_gone_line)
{
    struct ctx c;
    sh_report_info info = SH_REPORT_INFO_INIT;
    char *t;

    ctx_init(&c);
    t = render(SH_FMT_TEXT, &c.fs, &info);
    CHECK(t && strstr(t, "new since last scan") == NULL);
    CHECK(t && strstr(t, "; 3 files with findings; 3 at or above high\n") != NULL);
    sh_free(t);
    ctx_free(&c);
}

SH_TEST(jsonl_round_trips_every_field)
{
    struct ctx c;
    char *t, *line, *save = NULL;
    size_t n = 0;

    ctx_init(&c);
    t = render(SH_FMT_JSONL, &c.fs, &c.info);
    CHECK(t != NULL);
    for (line = t ? strtok_r(t, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
        json_error_t err;
        json_t *j = json_loads(line, 0, &err);
        const sh_finding *f = n < c.fs.n ? c.fs.v[n] : NULL;
        const char *first_key;
        void *it;

        CHECK(j != NULL && f != NULL);
        if (!j || !f) {
            json_decref(j);
            break;
        }
        it = json_object_iter(j);
        first_key = it ? json_object_iter_key(it) : "";
        CHECK_STR(first_key, "rule");
        CHECK_EQ_INT(json_object_size(j), 18 + (f->status != NULL) + (f->first_seen != NULL));
        CHECK_STR(json_string_value(json_object_get(j, "rule")), f->rule);
        CHECK_STR(json_string_value(json_object_get(j, "severity")), sh_severity_str(f->severity));
        CHECK_STR(json_string_value(json_object_get(j, "fingerprint")), f->fingerprint);
        CHECK_EQ_INT(json_array_size(json_object_get(j, "attack")), f->attack.n);
        if (f->device)
            CHECK_STR(json_string_value(json_object_get(j, "device")), f->device);
        else
            CHECK(json_is_null(json_object_get(j, "device")));
        if (f->line)
            CHECK_EQ_INT(json_integer_value(json_object_get(j, "line")), f->line);
        else
            CHECK(json_is_null(json_object_get(j, "line")));
        CHECK_STR(json_string_value(json_object_get(j, "message")), f->message);
        if (n == 5) /* invalid UTF-8 became U+FFFD, the rest is kept */
            CHECK_STR(json_string_value(json_object_get(j, "evidence")),
                      "\xef\xbf\xbd\xef\xbf\xbd\x01 junk \xef\xbf\xbd( %SYS-5-LOG_CLEARED");
        else if (f->evidence)
            CHECK_STR(json_string_value(json_object_get(j, "evidence")), f->evidence);
        json_decref(j);
        n++;
    }
    CHECK_EQ_INT(n, c.fs.n);
    sh_free(t);
    ctx_free(&c);
}

/* The jsonl writer escapes strings itself; its bytes must be jansson's
 * (JSON_COMPACT, invalid UTF-8 replaced per byte by U+FFFD) for any input,
 * hostile bytes included. Random strings drawn from an alphabet of the
 * bytes that need care. */
static json_t *expected_str(const char *s)
{
    struct sh_buf b;
    size_t i = 0, len = strlen(s);
    json_t *v;

    sh_buf_init(&b, 0);
    sh_buf_add(&b, "", 0);
    while (i < len) {
        unsigned c = (unsigned char)s[i], n = 0, k;
        uint32_t cp = 0;
        if (c < 0x80)
            n = 1, cp = c;
        else if (c >= 0xc2 && c <= 0xdf)
            n = 2, cp = c & 0x1f;
        else if (c >= 0xe0 && c <= 0xef)
            n = 3, cp = c & 0x0f;
        else if (c >= 0xf0 && c <= 0xf4)
            n = 4, cp = c & 0x07;
        for (k = 1; n && k < n; k++) {
            if (i + k >= len || ((unsigned char)s[i + k] & 0xc0) != 0x80) {
                n = 0;
                break;
            }
            cp = (cp << 6) | ((unsigned char)s[i + k] & 0x3f);
        }
        if (n && ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
                  (cp >= 0xd800 && cp <= 0xdfff)))
            n = 0;
        if (n)
            sh_buf_add(&b, s + i, n);
        else
            sh_buf_add(&b, "\xef\xbf\xbd", 3);
        i += n ? n : 1;
    }
    v = json_string(b.ptr);
    sh_buf_free(&b);
    return v;
}

SH_TEST(jsonl_bytes_match_jansson)
{
    static const unsigned char alphabet[] = {
        'a',  'Z',  '0',  ' ',  '"',  '\\', '/',  '\n', '\r', '\t', '\b', '\f', 0x01,
        0x1f, 0x7f, 0x80, 0xbf, 0xc0, 0xc2, 0xc3, 0xa9, 0xe0, 0xe2, 0x80, 0xa8, 0xed,
        0xa0, 0xef, 0xbb, 0xf0, 0x9f, 0x98, 0x80, 0xf4, 0x90, 0xf5, 0xff};
    uint64_t seed = 0x5a17u;
    int round;

    for (round = 0; round < 2000; round++) {
        char ev[64];
        size_t n, i;
        sh_findings fs = {0};
        sh_finding *f = sh_finding_new();
        json_t *o;
        char *want, *got;

        /* The second half: long plain runs with a rare byte needing care,
         * at every position of the writer's 8-byte steps. */
        n = (size_t)(round < 1000 ? round % 40 : round % 63);
        for (i = 0; i < n; i++) {
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            if (round >= 1000 && (seed >> 60) != 0)
                ev[i] = (char)('a' + (seed >> 33) % 26);
            else
                ev[i] = (char)alphabet[(seed >> 33) % sizeof(alphabet)];
            if (!ev[i])
                ev[i] = 'x';
        }
        ev[n] = '\0';
        CHECK(f != NULL);
        if (!f)
            return;
        f->rule = sh_strdup("R-1");
        f->title = sh_strdup(ev);
        f->evidence = sh_strdup(ev);
        f->line = (uint32_t)round;
        f->end_line = (uint32_t)round + 1;
        CHECK_OK(sh_strlist_push(&f->attack, ev));
        CHECK_OK(sh_findings_take(&fs, f));
        sh_finding_fingerprint(f);
        got = render(SH_FMT_JSONL, &fs, NULL);

        o = json_object();
        json_object_set_new(o, "rule", json_string("R-1"));
        json_object_set_new(o, "title", expected_str(ev));
        json_object_set_new(o, "kind", json_string(sh_kind_str(f->kind)));
        json_object_set_new(o, "severity", json_string(sh_severity_str(f->severity)));
        json_object_set_new(o, "attack", json_pack("[o]", expected_str(ev)));
        json_object_set_new(o, "device", json_null());
        json_object_set_new(o, "platform", json_null());
        json_object_set_new(o, "path", json_null());
        json_object_set_new(o, "line", round ? json_integer(round) : json_null());
        json_object_set_new(o, "end_line", round ? json_integer(round + 1) : json_null());
        json_object_set_new(o, "evidence", expected_str(ev));
        json_object_set_new(o, "message", json_null());
        json_object_set_new(o, "remediation", json_null());
        json_object_set_new(o, "references", json_array());
        json_object_set_new(o, "time", json_null());
        json_object_set_new(o, "cve", json_null());
        json_object_set_new(o, "state", json_null());
        json_object_set_new(o, "fingerprint", json_string(f->fingerprint));
        want = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(o);
        CHECK(want != NULL && got != NULL);
        if (want && got && (strlen(got) != strlen(want) + 1 || strncmp(got, want, strlen(want)))) {
            sh_test_fail(__FILE__, __LINE__, "round %d:\n got  %s want %s", round, got, want);
            round = 2000;
        }
        free(want);
        sh_free(got);
        sh_findings_clear(&fs);
    }
}

/* A small RFC 4180 reader: returns the number of records, cells in cells[][]. */
static size_t csv_parse(const char *s, char cells[16][24][512], size_t *ncols)
{
    size_t rec = 0, col = 0, k = 0;
    bool q = false;

    memset(ncols, 0, 16 * sizeof(*ncols));
    for (; *s && rec < 16; s++) {
        if (q) {
            if (*s == '"' && s[1] == '"')
                cells[rec][col][k++] = *s++;
            else if (*s == '"')
                q = false;
            else if (k < 511)
                cells[rec][col][k++] = *s;
            continue;
        }
        if (*s == '"') {
            q = true;
        } else if (*s == ',') {
            cells[rec][col][k] = '\0';
            col++;
            k = 0;
        } else if (*s == '\r' && s[1] == '\n') {
            cells[rec][col][k] = '\0';
            ncols[rec] = col + 1;
            rec++;
            col = 0;
            k = 0;
            s++;
        } else if (k < 511) {
            cells[rec][col][k++] = *s;
        }
    }
    return rec;
}

SH_TEST(csv_is_rfc4180_and_formula_safe)
{
    static char cells[16][24][512];
    struct ctx c;
    size_t ncols[16], n, i;
    char *t;

    ctx_init(&c);
    t = render(SH_FMT_CSV, &c.fs, &c.info);
    CHECK(t != NULL);
    if (t) {
        n = csv_parse(t, cells, ncols);
        CHECK_EQ_INT(n, c.fs.n + 1);
        for (i = 0; i < n; i++)
            CHECK_EQ_INT(ncols[i], 20);
        CHECK_STR(cells[0][0], "rule");
        CHECK_STR(cells[0][19], "first_seen");
        /* Quotes, commas and newlines survive the round trip. */
        CHECK_STR(cells[2][11], c.fs.v[1]->message);
        CHECK_STR(cells[2][10], c.fs.v[1]->evidence);
        /* Formula starters are neutralised with a leading quote. */
        CHECK_STR(cells[3][12], "'=HYPERLINK(\"http://evil\")");
        CHECK_STR(cells[5][10], "'-set mgt-config users x");
        CHECK_STR(cells[5][11], "'@import user x");
        CHECK_STR(cells[6][11], "'+SUM(1,2)\\x0d\nsecond line");
        /* Controls and broken UTF-8 are visible, never raw. */
        CHECK_STR(cells[6][10], "\\xff\\xfe\\x01 junk \\xc3( %SYS-5-LOG_CLEARED");
        CHECK(strchr(t, 0x1b) == NULL);
        CHECK_STR(cells[7][11], "'-no AAA accounting seen, so command rules cannot fire");
        CHECK_STR(cells[1][4], "T1136;T1078");
        CHECK_STR(cells[4][8], "");
        CHECK_STR(cells[2][9], "42");
        for (i = 1; i < n; i++) {
            size_t k;
            for (k = 0; k < 20; k++)
                CHECK(!strchr("=+@", cells[i][k][0]) || cells[i][k][0] == '\0');
        }
    }
    sh_free(t);
    ctx_free(&c);
}

SH_TEST(html_escapes_hostile_text)
{
    struct ctx c;
    char *t;

    ctx_init(&c);
    t = render(SH_FMT_HTML, &c.fs, &c.info);
    CHECK(t != NULL);
    if (t) {
        CHECK(strstr(t, "<script") == NULL);
        CHECK(strstr(t, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;") != NULL);
        CHECK(strstr(t, "Content-Security-Policy") != NULL);
        CHECK(strstr(t, "<style>") != NULL);
        CHECK(strstr(t, "<link") == NULL && strstr(t, "src=") == NULL);
        CHECK(strstr(t, "&quot;backup&quot;") != NULL);
        CHECK(strchr(t, 0x1b) == NULL);
        CHECK(strstr(t, "\xe2\x80\xae") == NULL);
        CHECK(strstr(t, "gone since the last scan") != NULL);
    }
    sh_free(t);
    ctx_free(&c);
}

SH_TEST(markdown_escapes_table_breakers)
{
    struct ctx c;
    char *t, *p;

    ctx_init(&c);
    t = render(SH_FMT_MARKDOWN, &c.fs, &c.info);
    CHECK(t != NULL);
    if (t) {
        CHECK(strstr(t, "Text with \\| pipes \\| and \\`backticks\\`") != NULL);
        CHECK(strstr(t, "\\[a\\](http://x)") != NULL);
        CHECK(strstr(t, "\\<script\\>") != NULL);
        /* Every table row keeps exactly four cells: count unescaped pipes. */
        for (p = strstr(t, "\n| CRITICAL | C-01 |"); p && *p; p = strchr(p + 1, '\n')) {
            const char *q;
            size_t pipes = 0;
            if (p[1] != '|' || strncmp(p + 1, "| severity", 10) == 0 ||
                strncmp(p + 1, "| ---", 5) == 0)
                continue;
            for (q = p + 1; *q && *q != '\n'; q++)
                if (*q == '|' && q[-1] != '\\')
                    pipes++;
            CHECK(pipes == 5 || pipes == 7);
        }
    }
    sh_free(t);
    ctx_free(&c);
}

SH_TEST(sarif_structure)
{
    struct ctx c;
    json_error_t err;
    json_t *doc = NULL, *run, *results, *rules, *r;
    char *t;

    ctx_init(&c);
    t = render(SH_FMT_SARIF, &c.fs, &c.info);
    if (t)
        doc = json_loads(t, 0, &err);
    CHECK(doc != NULL);
    if (doc) {
        CHECK_STR(json_string_value(json_object_get(doc, "version")), "2.1.0");
        run = json_array_get(json_object_get(doc, "runs"), 0);
        CHECK_STR(json_string_value(json_object_get(
                      json_object_get(json_object_get(run, "tool"), "driver"), "name")),
                  "salthunt");
        rules = json_object_get(json_object_get(json_object_get(run, "tool"), "driver"), "rules");
        results = json_object_get(run, "results");
        CHECK_EQ_INT(json_array_size(rules), 6);
        CHECK_EQ_INT(json_array_size(results), 7);
        r = json_array_get(results, 4); /* second C-01 points at the first rule */
        CHECK_EQ_INT(json_integer_value(json_object_get(r, "ruleIndex")), 0);
        CHECK_STR(json_string_value(json_object_get(r, "level")), "note");
        CHECK_STR(json_string_value(json_object_get(json_array_get(results, 0), "level")), "error");
        CHECK_STR(json_string_value(json_object_get(json_array_get(results, 2), "level")),
                  "warning");
        r = json_object_get(
            json_array_get(json_object_get(json_array_get(results, 3), "locations"), 0),
            "physicalLocation");
        CHECK_STR(json_string_value(json_object_get(json_object_get(r, "artifactLocation"), "uri")),
                  "file:///srv/backups/edge%20fw%232.txt");
        CHECK(json_object_get(r, "region") == NULL);
        r = json_object_get(
            json_array_get(json_object_get(json_array_get(results, 1), "locations"), 0),
            "physicalLocation");
        CHECK_STR(
            json_string_value(json_object_get(json_object_get(r, "artifactLocation"), "uriBaseId")),
            "SRCROOT");
        CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(r, "region"), "startLine")),
                     40);
        CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(r, "region"), "endLine")),
                     42);
        r = json_array_get(results, 6); /* no path: no locations */
        CHECK(json_object_get(r, "locations") == NULL);
        CHECK_STR(json_string_value(
                      json_object_get(json_object_get(r, "partialFingerprints"), "salthunt/v1")),
                  c.fs.v[6]->fingerprint);
        CHECK_STR(json_string_value(json_object_get(
                      json_object_get(json_array_get(results, 3), "properties"), "cve")),
                  "CVE-2024-3400");
    }
    json_decref(doc);
    sh_free(t);
    ctx_free(&c);
}

SH_TEST(sarif_validates_against_official_schema)
{
    struct ctx c;
    char paths[2][32] = {"/tmp/salthunt-sarif-XXXXXX", "/tmp/salthunt-sarif-XXXXXX"};
    char cmd[8192];
    sh_findings empty = {0};
    int pass, ok = 1;

    if (system("python3 -c 'import jsonschema' 2>/dev/null") != 0) {
        sh_test_fail(__FILE__, __LINE__, "python3-jsonschema is needed for this test");
        return;
    }
    ctx_init(&c);
    /* The fixture and an empty run, validated in one python call. */
    for (pass = 0; pass < 2; pass++) {
        char *t = render(SH_FMT_SARIF, pass ? &empty : &c.fs, &c.info);
        int fd = mkstemp(paths[pass]);
        if (!t || fd < 0 || write(fd, t, strlen(t)) != (ssize_t)strlen(t))
            ok = 0;
        if (fd >= 0)
            close(fd);
        sh_free(t);
    }
    CHECK(ok);
    snprintf(cmd, sizeof(cmd), "python3 '%s' '%s' '%s' '%s' >&2",
             sh_test_src("tests/report/validate_sarif.py"),
             sh_test_corpus("sarif/sarif-schema-2.1.0.json"), paths[0], paths[1]);
    CHECK_EQ_INT(system(cmd), 0);
    unlink(paths[0]);
    unlink(paths[1]);
    ctx_free(&c);
}

static int failing_sink(const char *data, size_t len, void *ud)
{
    size_t *calls = ud;

    (void)data;
    (void)len;
    return ++*calls >= 1 ? SH_EIO : SH_OK;
}

SH_TEST(sink_failure_is_returned)
{
    struct ctx c;
    unsigned f;

    ctx_init(&c);
    for (f = SH_FMT_TEXT; f <= SH_FMT_MARKDOWN; f++) {
        size_t calls = 0;
        sh_diag d;
        CHECK_EQ_INT(sh_report_write((sh_format)f, &c.fs, &c.info, failing_sink, &calls, &d),
                     SH_EIO);
        CHECK(d.text[0] != '\0');
    }
    ctx_free(&c);
}

SH_TEST(allocation_failures_never_crash)
{
    struct ctx c;
    unsigned f;

    ctx_init(&c);
    for (f = SH_FMT_TEXT; f <= SH_FMT_MARKDOWN; f++) {
        unsigned long n;
        for (n = 1; n < 100000; n++) {
            struct sh_buf b;
            int rc;
            sh_buf_init(&b, 0);
            sh_alloc_fail_after(n);
            rc = sh_report_write((sh_format)f, &c.fs, &c.info, buf_sink, &b, NULL);
            sh_alloc_fail_after(0);
            sh_buf_free(&b);
            if (rc == 0)
                break;
            CHECK_EQ_INT(rc, SH_ENOMEM);
        }
    }
    ctx_free(&c);
}

SH_TEST(format_names)
{
    sh_format f;
    unsigned i;

    for (i = SH_FMT_TEXT; i <= SH_FMT_MARKDOWN; i++) {
        CHECK_OK(sh_format_parse(&f, sh_format_name((sh_format)i)));
        CHECK_EQ_INT(f, i);
    }
    CHECK_OK(sh_format_parse(&f, "md"));
    CHECK_EQ_INT(f, SH_FMT_MARKDOWN);
    CHECK_EQ_INT(sh_format_parse(&f, "xml"), SH_EINVAL);
    CHECK_STR(sh_format_name((sh_format)99), "unknown");
}

SH_TEST(empty_scan_renders_in_every_format)
{
    sh_findings empty = {0};
    sh_report_info info = SH_REPORT_INFO_INIT;
    char *t;

    t = render(SH_FMT_TEXT, &empty, &info);
    CHECK(t && strcmp(t, "0 findings (0 critical, 0 high, 0 medium, 0 low, 0 info) on 0 devices; "
                         "0 files with findings; 0 at or above high\n") == 0);
    sh_free(t);
    t = render(SH_FMT_JSONL, &empty, &info);
    CHECK(t && t[0] == '\0');
    sh_free(t);
    t = render(SH_FMT_CSV, &empty, &info);
    CHECK(t && strncmp(t, "rule,title,", 11) == 0 && strchr(t, '\n') == t + strlen(t) - 1);
    sh_free(t);
    t = render(SH_FMT_HTML, &empty, &info);
    CHECK(t && strstr(t, "0 findings") && strstr(t, "</html>\n"));
    sh_free(t);
    t = render(SH_FMT_MARKDOWN, &empty, &info);
    CHECK(t && strstr(t, "# salthunt report\n\n0 findings") == t);
    sh_free(t);
    t = render(SH_FMT_SARIF, &empty, &info);
    {
        json_t *j = t ? json_loads(t, 0, NULL) : NULL;
        CHECK(j && json_array_size(json_object_get(json_array_get(json_object_get(j, "runs"), 0),
                                                   "results")) == 0);
        json_decref(j);
    }
    sh_free(t);
}

/* A long list is formatted in pieces on several threads: the bytes must be
 * those of the findings written one at a time, in order. */
SH_TEST(jsonl_long_list_matches_one_at_a_time)
{
    sh_findings fs = {0};
    struct sh_buf want;
    char *got;
    size_t i, n = 9000;

    sh_buf_init(&want, 0);
    for (i = 0; i < n; i++) {
        sh_finding *f = sh_finding_new();
        char text[96];
        CHECK(f != NULL);
        if (!f)
            break;
        snprintf(text, sizeof(text), "line %zu \"quoted\" \\ caf\xc3\xa9 %s", i,
                 i % 7 ? "plain text that runs on for a while" : "\x01\xff");
        f->rule = sh_strdup(i % 3 ? "SALT-A" : "SALT-B");
        f->device = sh_strdup(i % 5 ? "r1" : "core-2");
        f->path = sh_strdup("cfg/r1.cfg");
        f->evidence = sh_strdup(text);
        f->message = sh_strdup(text + (i % 11));
        f->line = (uint32_t)i;
        sh_finding_fingerprint(f);
        CHECK_OK(sh_findings_take(&fs, f));
    }
    for (i = 0; i < fs.n; i++) {
        sh_findings one = {&fs.v[i], 1, 1};
        char *line = render(SH_FMT_JSONL, &one, NULL);
        CHECK(line != NULL);
        if (line)
            sh_buf_adds(&want, line);
        sh_free(line);
    }
    got = render(SH_FMT_JSONL, &fs, NULL);
    CHECK(got != NULL && want.ptr != NULL);
    if (got && want.ptr) {
        CHECK_EQ_INT(strlen(got), want.len);
        CHECK(strcmp(got, want.ptr) == 0);
    }
    sh_free(got);
    sh_buf_free(&want);
    sh_findings_clear(&fs);
}

static int sink_failing_late(const char *data, size_t len, void *ud)
{
    size_t *left = ud;

    SH_UNUSED(data);
    if (len > *left)
        return SH_EIO;
    *left -= len;
    return SH_OK;
}

/* A sink failing half-way stops the threaded writer with its error. */
SH_TEST(jsonl_long_list_sink_failure)
{
    sh_findings fs = {0};
    size_t i, left = 100000;
    sh_diag d;

    for (i = 0; i < 6000; i++) {
        sh_finding *f = sh_finding_new();
        CHECK(f != NULL);
        if (!f)
            break;
        f->rule = sh_strdup("SALT-A");
        f->evidence = sh_strdup("snmp-server community public RW");
        CHECK_OK(sh_findings_take(&fs, f));
    }
    CHECK_EQ_INT(sh_report_write(SH_FMT_JSONL, &fs, NULL, sink_failing_late, &left, &d), SH_EIO);
    sh_findings_clear(&fs);
}
