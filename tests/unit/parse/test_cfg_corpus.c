/*
 * test_cfg_corpus.c - every config in the third-party corpus goes through
 * detection and sh_cfg_parse without error, crash, leak or hang, and each
 * folder whose platform is known is recognised as that platform at no
 * less than a measured rate.
 *
 * Which files are configs is decided by path (documented in
 * docs/internals/CONFIG-MODEL.md): JSON/YAML/Markdown, expected results,
 * topology and runtime data, NETCONF XML and `show` outputs other than
 * configs are skipped. `show version` outputs are instead checked to be
 * NOT detected as configs. Prints a table of dialects per folder.
 */
#include "base/sh_base.h"
#include "parse/cfg.h"
#include "test.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>

#define MAX_GROUPS 64
#define D(x) (1u << SH_DIALECT_##x)

struct group {
    char name[96];
    unsigned expect;  /* dialect bit mask; 0 = no expectation */
    int min_pct;      /* minimum share recognised as one of `expect` */
    bool negative;    /* files that must NOT be detected as configs */
    unsigned count[SH_DIALECT__COUNT];
    unsigned files, ok;
    size_t nodes, unparsed;
};

static struct group groups[MAX_GROUPS];
static size_t n_groups;
static unsigned n_files, n_parse_fail;
static size_t total_bytes;

static bool ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* Returns false when the file is not a config (skipped). Fills the group
 * name, expectation and minimum rate for configs. */
static bool classify(const char *rel, char *name, size_t nl, unsigned *expect, int *min_pct,
                     bool *negative)
{
    const char *b = base_name(rel);
    char vendor[64];

    *expect = 0;
    *min_pct = 0;
    *negative = false;
    if (strncmp(b, "show_version", 12) == 0) {
        snprintf(name, nl, "show version outputs (negative)");
        *negative = true;
        return true;
    }
    if (ends_with(b, ".json") || ends_with(b, ".yml") || ends_with(b, ".yaml") ||
        ends_with(b, ".md") || strncmp(b, "expected_result", 15) == 0 ||
        strncmp(b, "show_host", 9) == 0 || strncmp(b, "show_interface", 14) == 0 ||
        strncmp(b, "show_ip_interface", 17) == 0 || strncmp(b, "_Get_", 5) == 0 ||
        strncmp(b, "__Get_", 6) == 0 || strstr(b, "topology") || strstr(b, "runtime_data"))
        return false;
    if (ends_with(b, ".xml") && !strstr(rel, "napalm/test/junos/mocked_data/test_get_config"))
        return false;

    if (strncmp(rel, "avd/", 4) == 0) {
        snprintf(name, nl, "avd");
        *expect = D(EOS), *min_pct = 100;
    } else if (strncmp(rel, "batfish/networks/example/", 25) == 0) {
        snprintf(name, nl, "batfish/networks/example");
        *expect = D(IOS) | D(IOSXE), *min_pct = 100;
    } else if (strncmp(rel, "batfish/tests/parsing-tests/networks/", 37) == 0) {
        const char *p = rel + 37, *e = strchr(p, '/');
        snprintf(name, nl, "batfish/parsing-tests/%.*s", e ? (int)(e - p) : 0, p);
        /* example-juniper is a mixed network: its border routers run
         * Junos (set form), the rest are IOS routers. */
        if (strncmp(p, "example-juniper/", 16) == 0 && strncmp(b, "as1border", 9) == 0) {
            snprintf(name, nl, "batfish/parsing-tests/example-juniper/as1border*");
            *expect = D(JUNOS), *min_pct = 100;
        } else if (strncmp(p, "example-juniper/", 16) == 0) {
            snprintf(name, nl, "batfish/parsing-tests/example-juniper/other");
            *expect = D(IOS) | D(IOSXE), *min_pct = 100;
        } else if (strncmp(p, "srx-testbed/", 12) == 0) {
            *expect = D(JUNOS), *min_pct = 100;
        }
    } else if (strncmp(rel, "batfish/unit-testconfigs/", 25) == 0) {
        const char *p = rel + 25, *e = strchr(p, '/');
        snprintf(vendor, sizeof(vendor), "%.*s", e ? (int)(e - p) : 0, p);
        snprintf(name, nl, "batfish/unit-testconfigs/%s", vendor);
        if (strcmp(vendor, "arista") == 0)
            *expect = D(EOS), *min_pct = 96;
        else if (strcmp(vendor, "cisco") == 0)
            *expect = D(IOS) | D(IOSXE), *min_pct = 94;
        else if (strcmp(vendor, "cisco_nxos") == 0)
            *expect = D(NXOS), *min_pct = 100;
        else if (strcmp(vendor, "cisco_xr") == 0)
            *expect = D(IOSXR), *min_pct = 100;
        else if (strcmp(vendor, "cisco_asa") == 0)
            *expect = D(ASA), *min_pct = 95;
        else if (strcmp(vendor, "juniper") == 0)
            *expect = D(JUNOS), *min_pct = 100;
        else if (strcmp(vendor, "palo_alto") == 0)
            *expect = D(PANOS), *min_pct = 99;
        else if (strcmp(vendor, "fortios") == 0)
            *expect = D(FORTIOS), *min_pct = 100;
    } else if (strncmp(rel, "napalm/test/", 12) == 0) {
        const char *p = rel + 12, *e = strchr(p, '/');
        snprintf(vendor, sizeof(vendor), "%.*s", e ? (int)(e - p) : 0, p);
        if (!strstr(rel, "test_get_config") || strcmp(vendor, "iosxr_netconf") == 0)
            return false;
        snprintf(name, nl, "napalm/%s", vendor);
        *min_pct = 100;
        if (strcmp(vendor, "eos") == 0)
            *expect = D(EOS);
        else if (strcmp(vendor, "ios") == 0)
            *expect = D(IOS) | D(IOSXE);
        else if (strcmp(vendor, "iosxr") == 0)
            *expect = D(IOSXR);
        else if (strcmp(vendor, "junos") == 0)
            *expect = D(JUNOS);
        else if (strncmp(vendor, "nxos", 4) == 0)
            *expect = D(NXOS);
    } else if (strncmp(rel, "ciscoconfparse2/", 16) == 0) {
        const char *ext = strrchr(b, '.');
        snprintf(name, nl, "ciscoconfparse2/*%s", ext ? ext : "");
        *min_pct = 100;
        if (ext && strcmp(ext, ".ios") == 0)
            *expect = D(IOS) | D(IOSXE);
        else if (ext && strcmp(ext, ".iosxr") == 0)
            *expect = D(IOSXR);
        else if (ext && strcmp(ext, ".nxos") == 0)
            *expect = D(NXOS);
        else if (ext && strcmp(ext, ".junos") == 0)
            *expect = D(JUNOS), *min_pct = 75; /* sample_02.junos is not Junos syntax */
        else if (ext && strcmp(ext, ".asa") == 0)
            *expect = D(ASA);
    } else if (strncmp(rel, "hier_config/", 12) == 0) {
        *min_pct = 100;
        if (strstr(b, "junos")) {
            snprintf(name, nl, "hier_config/*junos*");
            *expect = D(JUNOS);
        } else if (strncmp(b, "iosxr", 5) == 0) {
            snprintf(name, nl, "hier_config/iosxr_*");
            *expect = D(IOSXR);
        } else if (strncmp(b, "ios_", 4) == 0) {
            snprintf(name, nl, "hier_config/ios_*");
            *expect = D(IOS) | D(IOSXE);
        } else if (strncmp(b, "nxos", 4) == 0) {
            snprintf(name, nl, "hier_config/nxos_*");
            *expect = D(NXOS);
        } else if (strncmp(b, "eos", 3) == 0) {
            /* eos_rollback.conf is a few `no ...` lines with nothing EOS-only */
            snprintf(name, nl, "hier_config/eos_*");
            *expect = D(EOS), *min_pct = 75;
        } else if (strncmp(b, "fortios", 7) == 0) {
            snprintf(name, nl, "hier_config/fortios_*");
            *expect = D(FORTIOS);
        } else {
            snprintf(name, nl, "hier_config/other");
        }
    } else {
        return false;
    }
    return true;
}

static struct group *group_for(const char *name, unsigned expect, int min_pct, bool negative)
{
    size_t i;

    for (i = 0; i < n_groups; i++) {
        if (strcmp(groups[i].name, name) == 0)
            return &groups[i];
    }
    if (n_groups == MAX_GROUPS)
        return NULL;
    snprintf(groups[n_groups].name, sizeof(groups[n_groups].name), "%s", name);
    groups[n_groups].expect = expect;
    groups[n_groups].min_pct = min_pct;
    groups[n_groups].negative = negative;
    return &groups[n_groups++];
}

static void one_file(const char *path, const char *rel)
{
    char name[96];
    unsigned expect;
    int min_pct, score;
    bool negative;
    char *buf = NULL;
    size_t len = 0;
    sh_diag diag;
    struct sh_cfg_doc *doc = NULL;
    enum sh_dialect d = SH_DIALECT_UNKNOWN;
    const char *basis = NULL;
    struct group *g;
    int rc;

    if (!classify(rel, name, sizeof(name), &expect, &min_pct, &negative))
        return;
    g = group_for(name, expect, min_pct, negative);
    if (!g || sh_file_read(&buf, &len, path, 64u << 20, &diag) != 0) {
        sh_test_fail(__FILE__, __LINE__, "cannot read %s", rel);
        return;
    }
    n_files++;
    total_bytes += len;
    score = sh_cfg_detect(buf, len, &d, &basis);
    if (score == 0)
        d = SH_DIALECT_UNKNOWN;
    g->files++;
    g->count[d]++;
    if (negative ? d == SH_DIALECT_UNKNOWN : (expect & (1u << d)) != 0)
        g->ok++;
    /* SH_CORPUS_VERBOSE=1 lists every file not recognised as expected
     * (and, in folders without an expectation, every unrecognised one). */
    if (getenv("SH_CORPUS_VERBOSE") &&
        !(negative ? d == SH_DIALECT_UNKNOWN
                   : (expect ? (expect & (1u << d)) != 0 : d != SH_DIALECT_UNKNOWN)))
        printf("  miss %-8s %3d %s (%s)\n", sh_dialect_name(d), score, rel, basis);
    rc = sh_cfg_parse(&doc, buf, len, SH_DIALECT_UNKNOWN, NULL, rel, &diag);
    if (rc != 0) {
        n_parse_fail++;
        sh_test_fail(__FILE__, __LINE__, "parse %s: %s line %u: %s", rel, sh_status_str(rc),
                     diag.line, diag.text);
    } else {
        g->nodes += doc->n_nodes;
        g->unparsed += doc->n_unparsed;
        if (getenv("SH_CORPUS_VERBOSE") && doc->n_unparsed)
            printf("  unparsed %zu (first line %u) %s\n", doc->n_unparsed, doc->first_unparsed,
                   rel);
        /* Every node's match text sits in norm where it says. */
        size_t i;
        for (i = 0; i < doc->n_nodes; i++) {
            const struct sh_cfg_node *n = doc->nodes[i];
            if (n->norm_off + n->match_len > doc->norm_len ||
                memcmp(doc->norm + n->norm_off, n->match, n->match_len) != 0 ||
                n->end_line < n->line || memchr(n->match, '\n', n->match_len)) {
                sh_test_fail(__FILE__, __LINE__, "bad node %zu in %s", i, rel);
                break;
            }
        }
    }
    sh_cfg_doc_free(doc);
    sh_free(buf);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk(const char *root, const char *rel)
{
    char path[4096];
    DIR *dir;
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0, i;

    if (snprintf(path, sizeof(path), "%s/%s", root, rel) >= (int)sizeof(path))
        return;
    dir = opendir(path);
    if (!dir)
        return;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = realloc(names, cap * sizeof(*names));
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(dir);
    if (n)
        qsort(names, n, sizeof(*names), cmp_str);
    for (i = 0; i < n; i++) {
        char sub[2048], full[4096];
        struct stat st;
        snprintf(sub, sizeof(sub), "%s/%s", rel, names[i]);
        snprintf(full, sizeof(full), "%s/%s", root, sub);
        if (lstat(full, &st) == 0) {
            if (S_ISDIR(st.st_mode))
                walk(root, sub);
            else if (S_ISREG(st.st_mode))
                one_file(full, sub);
        }
        free(names[i]);
    }
    free(names);
}

SH_TEST(corpus_configs_parse_and_are_recognised)
{
    static const char *const roots[] = {"batfish", "avd", "napalm", "ciscoconfparse2",
                                        "hier_config"};
    const char *corpus = getenv("SH_CORPUS");
    size_t i;
    int d;

    if (!corpus) {
        sh_test_fail(__FILE__, __LINE__, "SH_CORPUS is not set");
        return;
    }
    for (i = 0; i < SH_ARRAY_LEN(roots); i++)
        walk(corpus, roots[i]);
    CHECK(n_files > 1000);
    CHECK_EQ_INT(n_parse_fail, 0);

    printf("%-42s %5s", "folder", "files");
    for (d = 1; d < SH_DIALECT__COUNT; d++)
        printf(" %6s", sh_dialect_name((enum sh_dialect)d));
    printf(" %6s %7s %6s %5s %4s\n", "none", "nodes", "unprs", "rate", "min");
    for (i = 0; i < n_groups; i++) {
        const struct group *g = &groups[i];
        int pct = g->files ? (int)(100.0 * g->ok / g->files) : 0;
        printf("%-42s %5u", g->name, g->files);
        for (d = 1; d < SH_DIALECT__COUNT; d++)
            printf(" %6u", g->count[d]);
        printf(" %6u %7zu %6zu", g->count[0], g->nodes, g->unparsed);
        if (g->expect || g->negative)
            printf(" %4d%% %3d%%\n", pct, g->negative ? 100 : g->min_pct);
        else
            printf("     -    -\n");
        if (g->negative && g->ok != g->files)
            sh_test_fail(__FILE__, __LINE__, "%s: %u of %u detected as configs", g->name,
                         g->files - g->ok, g->files);
        else if (g->expect && pct < g->min_pct)
            sh_test_fail(__FILE__, __LINE__, "%s: recognised %d%%, expected at least %d%%",
                         g->name, pct, g->min_pct);
    }
    printf("%u files, %zu bytes\n", n_files, total_bytes);
}
