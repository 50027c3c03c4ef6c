/*
 * test_cfg_junos.c - Junos braces and set form: set-form match text,
 * containers as "edit", comments, quoting, lists, prefixes, metadata,
 * and set/brace equivalence on the hier_config fixtures.
 */
#include "base/sh_base.h"
#include "parse/cfg.h"
#include "test.h"

#include <stdlib.h>

static struct sh_cfg_doc *parse(const char *text, enum sh_dialect d)
{
    struct sh_cfg_doc *doc = NULL;
    sh_diag diag;
    int rc = sh_cfg_parse(&doc, text, strlen(text), d, NULL, "j.conf", &diag);
    if (rc != 0)
        sh_test_fail(__FILE__, __LINE__, "parse failed: %d %s", rc, diag.text);
    return doc;
}

static struct sh_cfg_node *find_match(struct sh_cfg_doc *doc, const char *m)
{
    size_t i;
    for (i = 0; doc && i < doc->n_nodes; i++) {
        if (strcmp(doc->nodes[i]->match, m) == 0)
            return doc->nodes[i];
    }
    return NULL;
}

SH_TEST(junos_braces_set_form_match)
{
    const char *cfg = "## Last commit: 2024-01-01 10:00:00 UTC by admin\n"
                      "version 21.4R3-S5.4;\n"
                      "system {\n"
                      "    host-name r1;\n"
                      "    /* who may log in */\n"
                      "    login {\n"
                      "        user evil {\n"
                      "            class super-user;\n"
                      "        }\n"
                      "    }\n"
                      "    authentication-order [ password radius ];\n"
                      "}\n"
                      "interfaces {\n"
                      "    gr-0/0/0 {\n"
                      "        unit 0 {\n"
                      "            tunnel { source 192.0.2.1; destination 203.0.113.9; }\n"
                      "        }\n"
                      "    }\n"
                      "    inactive: ge-0/0/1 {\n"
                      "        description \"uplink { to core; }\"; ## comment\n"
                      "    }\n"
                      "}\n";
    struct sh_cfg_doc *doc = parse(cfg, SH_DIALECT_UNKNOWN);
    struct sh_cfg_node *n;

    if (!doc)
        return;
    CHECK_EQ_INT(doc->dialect, SH_DIALECT_JUNOS);
    CHECK(!doc->junos_set_form);
    CHECK_STR(doc->hostname, "r1");
    CHECK_STR(doc->version, "21.4R3-S5.4");
    CHECK(find_match(doc, "set version 21.4R3-S5.4") != NULL);
    n = find_match(doc, "set system host-name r1");
    CHECK(n && n->line == 4 && n->depth == 1 && strcmp(n->text, "host-name r1;") == 0);
    n = find_match(doc, "edit system");
    CHECK(n && n->line == 3 && n->end_line == 12 && n->depth == 0);
    CHECK(n && strcmp(n->text, "system {") == 0);
    n = find_match(doc, "set system login user evil class super-user");
    CHECK(n && n->line == 8 && n->depth == 3);
    CHECK(n && n->parent && strcmp(n->parent->match, "edit system login user evil") == 0);
    CHECK(find_match(doc, "set system authentication-order [ password radius ]") != NULL);
    n = find_match(doc, "edit interfaces gr-0/0/0");
    CHECK(n && n->line == 14 && n->end_line == 18);
    CHECK(find_match(doc, "set interfaces gr-0/0/0 unit 0 tunnel source 192.0.2.1") != NULL);
    n = find_match(doc, "set interfaces gr-0/0/0 unit 0 tunnel destination 203.0.113.9");
    CHECK(n && n->line == 16);
    n = find_match(doc, "set interfaces ge-0/0/1 description \"uplink { to core; }\"");
    CHECK(n != NULL);
    CHECK(n && n->parent && strcmp(n->parent->text, "inactive: ge-0/0/1 {") == 0);
    CHECK_EQ_INT(doc->n_unparsed, 0);
    /* No container produces "set" text. */
    {
        size_t i;
        for (i = 0; i < doc->n_nodes; i++) {
            const struct sh_cfg_node *x = doc->nodes[i];
            if (x->first_child)
                CHECK(strncmp(x->match, "edit ", 5) == 0);
            else
                CHECK(strncmp(x->match, "set ", 4) == 0);
        }
    }
    sh_cfg_doc_free(doc);
}

SH_TEST(junos_set_form_lines)
{
    const char *cfg = "set version 20.2R1.10\n"
                      "set system host-name \"edge-1\"\n"
                      "set interfaces ge-0/0/0 unit 0 family inet address 192.0.2.1/24\n"
                      "deactivate interfaces ge-0/0/0\n"
                      "delete system services telnet\n";
    struct sh_cfg_doc *doc = parse(cfg, SH_DIALECT_UNKNOWN);

    if (!doc)
        return;
    CHECK_EQ_INT(doc->dialect, SH_DIALECT_JUNOS);
    CHECK(doc->junos_set_form);
    CHECK_STR(doc->hostname, "edge-1");
    CHECK_STR(doc->version, "20.2R1.10");
    CHECK_EQ_INT(doc->n_nodes, 5);
    CHECK_STR(doc->nodes[3]->match, "deactivate interfaces ge-0/0/0");
    CHECK_EQ_INT(doc->nodes[4]->line, 5);
    sh_cfg_doc_free(doc);
}

SH_TEST(junos_capture_and_odd_braces)
{
    const char *cfg = "admin@r9> show configuration\n"
                      "## Last changed: 2024-01-01\n"
                      "system {\n"
                      "    services { ssh; }\n"
                      "}\n"
                      "}\n"
                      "{master:0}\n"
                      "admin@r9> show version\n"
                      "Junos: 21.4R3\n";
    struct sh_cfg_doc *doc = parse(cfg, SH_DIALECT_JUNOS);

    if (!doc)
        return;
    CHECK_STR(doc->hostname, "r9");
    CHECK(find_match(doc, "set system services ssh") != NULL);
    CHECK_EQ_INT(doc->n_unparsed, 2); /* the stray '}' and the show version line */
    CHECK_EQ_INT(doc->first_unparsed, 6);
    sh_cfg_doc_free(doc);
}

SH_TEST(junos_depth_limit)
{
    struct sh_cfg_limits lim = SH_CFG_LIMITS_INIT;
    struct sh_cfg_doc *doc = NULL;
    sh_diag diag;
    const char *cfg = "a {\n b {\n  c {\n   d;\n  }\n }\n}\n";

    lim.max_depth = 3;
    CHECK_EQ_INT(sh_cfg_parse(&doc, cfg, strlen(cfg), SH_DIALECT_JUNOS, &lim, "deep", &diag),
                 SH_ELIMIT);
    CHECK_EQ_INT(diag.line, 4);
    CHECK(doc == NULL);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted "set ..." leaf match strings of a file, one per line. */
static char *leaf_set(const char *rel)
{
    char *buf = NULL, *out;
    size_t len = 0, i, n = 0, total = 1;
    sh_diag diag;
    struct sh_cfg_doc *doc = NULL;
    const char **v;

    if (sh_file_read(&buf, &len, sh_test_corpus(rel), 1 << 24, &diag) != 0) {
        sh_test_fail(__FILE__, __LINE__, "cannot read %s", rel);
        return NULL;
    }
    if (sh_cfg_parse(&doc, buf, len, SH_DIALECT_JUNOS, NULL, rel, &diag) != 0) {
        sh_free(buf);
        sh_test_fail(__FILE__, __LINE__, "cannot parse %s: %s", rel, diag.text);
        return NULL;
    }
    v = calloc(doc->n_nodes + 1, sizeof(*v));
    for (i = 0; i < doc->n_nodes; i++) {
        if (strncmp(doc->nodes[i]->match, "set ", 4) == 0) {
            v[n++] = doc->nodes[i]->match;
            total += doc->nodes[i]->match_len + 1;
        }
    }
    qsort(v, n, sizeof(*v), cmp_str);
    out = malloc(total);
    total = 0;
    for (i = 0; i < n; i++) {
        size_t l = strlen(v[i]);
        memcpy(out + total, v[i], l);
        out[total + l] = '\n';
        total += l + 1;
    }
    out[total] = '\0';
    free(v);
    sh_cfg_doc_free(doc);
    sh_free(buf);
    return out;
}

SH_TEST(junos_set_and_brace_forms_agree_on_hier_config)
{
    /* generated_config_junos.conf and its flat twin hold different
     * configs (an extra interface), so only the running pair is equal. */
    static const char *const pairs[][2] = {
        {"hier_config/tests/fixtures/running_config_junos.conf",
         "hier_config/tests/fixtures/running_config_flat_junos.conf"},
    };
    size_t i;

    for (i = 0; i < SH_ARRAY_LEN(pairs); i++) {
        char *braces = leaf_set(pairs[i][0]);
        char *flat = leaf_set(pairs[i][1]);
        CHECK(braces && flat && strlen(braces) > 100);
        if (braces && flat && strcmp(braces, flat) != 0)
            sh_test_fail(__FILE__, __LINE__, "%s and %s differ:\n%s\n---\n%s", pairs[i][0],
                         pairs[i][1], braces, flat);
        free(braces);
        free(flat);
    }
}

SH_TEST(junos_inline_set_and_brace_forms_agree)
{
    const char *braces = "system {\n"
                         "    host-name r1;\n"
                         "    services {\n"
                         "        ssh {\n"
                         "            root-login deny;\n"
                         "        }\n"
                         "        telnet;\n"
                         "    }\n"
                         "}\n"
                         "snmp { community public { authorization read-only; } }\n";
    const char *flat = "set system host-name r1\n"
                       "set system services ssh root-login deny\n"
                       "set system services telnet\n"
                       "set snmp community public authorization read-only\n";
    struct sh_cfg_doc *a = parse(braces, SH_DIALECT_JUNOS), *b = parse(flat, SH_DIALECT_JUNOS);
    size_t i, leaves = 0;

    if (!a || !b)
        goto out;
    for (i = 0; i < a->n_nodes; i++) {
        if (strncmp(a->nodes[i]->match, "set ", 4) == 0) {
            CHECK(find_match(b, a->nodes[i]->match) != NULL);
            leaves++;
        }
    }
    CHECK_EQ_INT(leaves, b->n_nodes);
out:
    sh_cfg_doc_free(a);
    sh_cfg_doc_free(b);
}
