/*
 * test_cfg_vendor.c - FortiOS sections, PAN-OS set/brace/XML forms, ASA
 * and NX-OS metadata.
 */
#include "base/sh_base.h"
#include "parse/cfg.h"
#include "test.h"

static struct sh_cfg_doc *parse(const char *text, enum sh_dialect d)
{
    struct sh_cfg_doc *doc = NULL;
    sh_diag diag;
    int rc = sh_cfg_parse(&doc, text, strlen(text), d, NULL, "v.conf", &diag);
    if (rc != 0)
        sh_test_fail(__FILE__, __LINE__, "parse failed: %d %s", rc, diag.text);
    return doc;
}

static struct sh_cfg_node *find(struct sh_cfg_doc *doc, const char *s)
{
    size_t i;
    for (i = 0; doc && i < doc->n_nodes; i++) {
        if (strcmp(doc->nodes[i]->text, s) == 0)
            return doc->nodes[i];
    }
    return NULL;
}

SH_TEST(fortios_blocks)
{
    const char *cfg = "#config-version=FGT60E-6.4.5-FW-build1828-210217:opmode=0:vdom=0\n"
                      "config system global\n"
                      "    set hostname \"FW-1\"\n"
                      "end\n"
                      "config system interface\n"
                      "    edit \"port1\"\n"
                      "        set ip 10.0.0.1 255.255.255.0\n"
                      "        config ipv6\n"
                      "            set ip6-address ::/0\n"
                      "        end\n"
                      "    next\n"
                      "    edit \"port2\"\n"
                      "    next\n"
                      "end\n";
    struct sh_cfg_doc *doc = parse(cfg, SH_DIALECT_UNKNOWN);
    struct sh_cfg_node *n;

    if (!doc)
        return;
    CHECK_EQ_INT(doc->dialect, SH_DIALECT_FORTIOS);
    CHECK_STR(doc->hostname, "FW-1");
    CHECK_STR(doc->version, "6.4.5");
    n = find(doc, "config system interface");
    CHECK(n && n->line == 5 && n->end_line == 14 && n->depth == 0);
    n = find(doc, "edit \"port1\"");
    CHECK(n && n->line == 6 && n->end_line == 11 && n->depth == 1);
    n = find(doc, "set ip6-address ::/0");
    CHECK(n && n->depth == 3 && strcmp(n->parent->text, "config ipv6") == 0);
    n = find(doc, "edit \"port2\"");
    CHECK(n && n->depth == 1 && n->end_line == 13);
    CHECK_EQ_INT(doc->n_nodes, 8);
    CHECK_EQ_INT(doc->n_unparsed, 0);
    sh_cfg_doc_free(doc);
}

SH_TEST(fortios_without_end_nests_by_indentation)
{
    const char *cfg = "config system global\n"
                      "  set hostname \"fw2\"\n"
                      "config system interface\n"
                      "  edit \"wan1\"\n"
                      "    set ip 203.0.113.1 255.255.255.252\n"
                      "  next\n"
                      "  edit \"lan1\"\n"
                      "    set status down\n";
    struct sh_cfg_doc *doc = parse(cfg, SH_DIALECT_FORTIOS);
    struct sh_cfg_node *n;

    if (!doc)
        return;
    CHECK_STR(doc->hostname, "fw2");
    n = find(doc, "config system interface");
    CHECK(n && n->depth == 0);
    n = find(doc, "set status down");
    CHECK(n && n->depth == 2 && strcmp(n->parent->text, "edit \"lan1\"") == 0);
    sh_cfg_doc_free(doc);
}

SH_TEST(panos_set_form)
{
    const char *cfg = "set deviceconfig system hostname pa-1\n"
                      "set network interface ethernet ethernet1/1 layer3 ip 192.0.2.1/24\n"
                      "set zone \"zone 1\" network layer3 [ ethernet1/1 ]\n";
    struct sh_cfg_doc *doc = parse(cfg, SH_DIALECT_UNKNOWN);

    if (!doc)
        return;
    CHECK_EQ_INT(doc->dialect, SH_DIALECT_PANOS);
    CHECK_STR(doc->hostname, "pa-1");
    CHECK_EQ_INT(doc->n_nodes, 3);
    CHECK_STR(doc->nodes[2]->match, "set zone \"zone 1\" network layer3 [ ethernet1/1 ]");
    sh_cfg_doc_free(doc);
}

SH_TEST(panos_braces_and_xml)
{
    const char *braces = "#RANCID-CONTENT-TYPE: paloalto\n"
                         "deviceconfig {\n"
                         "  system {\n"
                         "    hostname pa-2;\n"
                         "  }\n"
                         "}\n";
    const char *xml = "<config version=\"10.1.0\" urldb=\"paloaltonetworks\">\n"
                      "  <devices>\n"
                      "    <entry name=\"localhost.localdomain\">\n"
                      "      <deviceconfig><system>\n"
                      "        <hostname>pa-3</hostname>\n";
    struct sh_cfg_doc *doc = parse(braces, SH_DIALECT_UNKNOWN);

    if (doc) {
        CHECK_EQ_INT(doc->dialect, SH_DIALECT_PANOS);
        CHECK_STR(doc->hostname, "pa-2");
        CHECK(doc->n_nodes == 3 &&
              strcmp(doc->nodes[2]->match, "set deviceconfig system hostname pa-2") == 0);
        sh_cfg_doc_free(doc);
    }
    doc = parse(xml, SH_DIALECT_UNKNOWN);
    if (doc) {
        CHECK_EQ_INT(doc->dialect, SH_DIALECT_PANOS);
        CHECK_STR(doc->hostname, "pa-3");
        CHECK_STR(doc->version, "10.1.0");
        CHECK_EQ_INT(doc->n_nodes, 5);
        CHECK_STR(doc->nodes[4]->text, "<hostname>pa-3</hostname>");
        sh_cfg_doc_free(doc);
    }
}

SH_TEST(asa_and_nxos_metadata)
{
    const char *asa = ": Saved\n"
                      ":\n"
                      "ASA Version 9.8(4)\n"
                      "!\n"
                      "hostname fw-asa\n"
                      "banner motd Authorised access only\n"
                      "banner motd username x privilege 15\n"
                      "interface GigabitEthernet0/0\n"
                      " nameif outside\n"
                      " security-level 0\n";
    const char *nx = "!Command: show running-config\n"
                     "!Time: Mon Jan  1 00:00:00 2024\n"
                     "\n"
                     "version 9.3(8) Bios:version 05.38\n"
                     "switchname nx-1\n"
                     "feature ssh\n"
                     "interface Ethernet1/1\n"
                     "  description uplink\n";
    struct sh_cfg_doc *doc = parse(asa, SH_DIALECT_UNKNOWN);

    if (doc) {
        CHECK_EQ_INT(doc->dialect, SH_DIALECT_ASA);
        CHECK_STR(doc->version, "9.8(4)");
        CHECK_STR(doc->hostname, "fw-asa");
        /* ASA banners are one line each, not delimited blocks. */
        CHECK(find(doc, "banner motd username x privilege 15") != NULL);
        CHECK(find(doc, "nameif outside") && find(doc, "nameif outside")->depth == 1);
        CHECK_EQ_INT(doc->n_unparsed, 0);
        sh_cfg_doc_free(doc);
    }
    doc = parse(nx, SH_DIALECT_UNKNOWN);
    if (doc) {
        CHECK_EQ_INT(doc->dialect, SH_DIALECT_NXOS);
        CHECK_STR(doc->version, "9.3(8)");
        CHECK_STR(doc->hostname, "nx-1");
        CHECK(find(doc, "description uplink") && find(doc, "description uplink")->line == 8);
        sh_cfg_doc_free(doc);
    }
}

SH_TEST(empty_and_bad_arguments)
{
    struct sh_cfg_doc *doc = NULL;
    sh_diag diag;

    CHECK_OK(sh_cfg_parse(&doc, "", 0, SH_DIALECT_UNKNOWN, NULL, "empty", &diag));
    if (doc) {
        CHECK_EQ_INT(doc->n_nodes, 0);
        CHECK(doc->first == NULL);
        CHECK_STR(doc->norm, "");
        CHECK(sh_cfg_node_at(doc, 0) == NULL);
        CHECK_EQ_INT(doc->dialect, SH_DIALECT_UNKNOWN);
        CHECK_STR(doc->dialect_basis, "no config signal");
        sh_cfg_doc_free(doc);
        doc = NULL;
    }
    CHECK_EQ_INT(sh_cfg_parse(&doc, "x", 1, (enum sh_dialect)99, NULL, "bad", &diag), SH_EINVAL);
    CHECK(doc == NULL);
    CHECK(sh_cfg_node_at(NULL, 0) == NULL);
    sh_cfg_doc_free(NULL);
}

SH_TEST(vendor_limits)
{
    struct sh_cfg_limits lim = {64, 100, 2};
    struct sh_cfg_doc *doc = NULL;
    sh_diag diag;
    const char *forti = "config a\n    config b\n        config c\n        end\n    end\nend\n";
    const char *junos = "a \"long long long long long long long long long\n"
                        "long long long long long long long long long long long\n"
                        "long long long long long long long long long long long\n"
                        "long long long long long long long long long long long\n"
                        "long long long long long long long long long long long\n"
                        "long long long long long long long long long long long\n"
                        "long long long long long long long long long long long\n\";\n";

    CHECK_EQ_INT(sh_cfg_parse(&doc, forti, strlen(forti), SH_DIALECT_FORTIOS, &lim, "f", &diag),
                 SH_ELIMIT);
    CHECK_EQ_INT(diag.line, 3);
    CHECK_EQ_INT(sh_cfg_parse(&doc, junos, strlen(junos), SH_DIALECT_JUNOS, &lim, "j", &diag),
                 SH_ELIMIT);
    CHECK(diag.line >= 5 && diag.line <= 7);
    CHECK_STR(diag.source, "j");
    CHECK(doc == NULL);
    sh_cfg_doc_free(doc);
}

/* One document parsed into again and again, as a scan worker does: each
 * parse shows only its own file, a failed parse leaves it empty and
 * usable, and the result equals a fresh parse. */
SH_TEST(reused_document)
{
    static const char ios[] = "hostname r1\ninterface Gi1\n ip address 10.0.0.1 255.0.0.0\n";
    static const char junos[] = "system {\n    host-name j1;\n}\n";
    struct sh_cfg_limits lim = {16, 100, 8};
    struct sh_cfg_doc *doc = sh_cfg_doc_new(), *fresh = NULL;
    sh_diag diag;
    size_t i;

    CHECK(doc != NULL);
    if (!doc)
        return;
    CHECK_OK(sh_cfg_parse_into(doc, ios, strlen(ios), SH_DIALECT_UNKNOWN, NULL, NULL, "a", &diag));
    CHECK_STR(doc->hostname, "r1");
    CHECK_EQ_INT(doc->n_nodes, 3);
    CHECK_OK(
        sh_cfg_parse_into(doc, junos, strlen(junos), SH_DIALECT_UNKNOWN, NULL, NULL, "b", &diag));
    CHECK_EQ_INT(doc->dialect, SH_DIALECT_JUNOS);
    CHECK_STR(doc->hostname, "j1");
    CHECK(find(doc, "interface Gi1") == NULL);
    /* A line over the limit fails the parse; the document is empty after it. */
    CHECK_EQ_INT(sh_cfg_parse_into(doc, ios, strlen(ios), SH_DIALECT_IOS, NULL, &lim, "c", &diag),
                 SH_ELIMIT);
    CHECK_EQ_INT(doc->n_nodes, 0);
    CHECK(doc->hostname == NULL && doc->first == NULL);
    CHECK_OK(sh_cfg_parse_into(doc, ios, strlen(ios), SH_DIALECT_IOS, NULL, NULL, "d", &diag));
    CHECK_OK(sh_cfg_parse(&fresh, ios, strlen(ios), SH_DIALECT_IOS, NULL, "d", &diag));
    CHECK(fresh != NULL);
    if (fresh) {
        CHECK_EQ_INT(doc->n_nodes, fresh->n_nodes);
        CHECK_EQ_INT(doc->norm_len, fresh->norm_len);
        CHECK(memcmp(doc->norm, fresh->norm, fresh->norm_len) == 0);
        for (i = 0; i < doc->n_nodes && i < fresh->n_nodes; i++) {
            CHECK_STR(doc->nodes[i]->text, fresh->nodes[i]->text);
            CHECK_EQ_INT(doc->nodes[i]->end_line, fresh->nodes[i]->end_line);
        }
    }
    sh_cfg_doc_free(fresh);
    sh_cfg_doc_free(doc);
}
