/*
 * test_cfg_ios.c - the indentation dialects: tree shape, lines, match and
 * norm text, metadata, banners, show-run captures and limits.
 */
#include "base/sh_base.h"
#include "parse/cfg.h"
#include "test.h"

static struct sh_cfg_doc *parse(const char *text, enum sh_dialect d)
{
    struct sh_cfg_doc *doc = NULL;
    sh_diag diag;
    int rc = sh_cfg_parse(&doc, text, strlen(text), d, NULL, "t.cfg", &diag);
    if (rc != 0)
        sh_test_fail(__FILE__, __LINE__, "parse failed: %d %s", rc, diag.text);
    return doc;
}

/* First node whose text equals s, or NULL. */
static struct sh_cfg_node *find(struct sh_cfg_doc *doc, const char *s)
{
    size_t i;
    for (i = 0; doc && i < doc->n_nodes; i++) {
        if (strcmp(doc->nodes[i]->text, s) == 0)
            return doc->nodes[i];
    }
    return NULL;
}

SH_TEST(ios_tree_shape)
{
    const char *cfg = "!\n"
                      "version 15.2\n"
                      "hostname r1\n"
                      "!\n"
                      "interface GigabitEthernet0/0\n"
                      " description uplink\n"
                      " ip address 10.0.0.1 255.255.255.0\n"
                      "!\n"
                      "router bgp 65000\n"
                      " address-family ipv4\n"
                      "  neighbor 10.0.0.2 activate\n"
                      " exit-address-family\n"
                      "!\n"
                      "line vty 0 4\n"
                      "\ttransport input ssh\n"
                      "end\n";
    struct sh_cfg_doc *doc = parse(cfg, SH_DIALECT_UNKNOWN);
    struct sh_cfg_node *intf, *af, *vty;

    if (!doc)
        return;
    CHECK_EQ_INT(doc->dialect, SH_DIALECT_IOS);
    CHECK_STR(doc->hostname, "r1");
    CHECK_STR(doc->version, "15.2");
    CHECK_EQ_INT(doc->n_nodes, 10);
    CHECK_EQ_INT(doc->n_lines, 16);
    CHECK_EQ_INT(doc->n_unparsed, 0);
    intf = find(doc, "interface GigabitEthernet0/0");
    CHECK(intf != NULL);
    if (intf) {
        CHECK_EQ_INT(intf->line, 5);
        CHECK_EQ_INT(intf->end_line, 7);
        CHECK_EQ_INT(intf->depth, 0);
        CHECK_STR(intf->first_child->text, "description uplink");
        CHECK_STR(intf->first_child->next->match, "ip address 10.0.0.1 255.255.255.0");
        CHECK(intf->first_child->next->next == NULL);
        CHECK(intf->first_child->parent == intf);
    }
    af = find(doc, "address-family ipv4");
    CHECK(af != NULL);
    if (af) {
        CHECK_EQ_INT(af->depth, 1);
        CHECK_EQ_INT(af->end_line, 12); /* exit-address-family closes it */
        CHECK_EQ_INT(af->parent->end_line, 12);
    }
    vty = find(doc, "line vty 0 4");
    CHECK(vty && vty->first_child && strcmp(vty->first_child->text, "transport input ssh") == 0);
    CHECK(doc->first && strcmp(doc->first->text, "version 15.2") == 0);
    sh_cfg_doc_free(doc);
}

SH_TEST(norm_joins_match_text)
{
    const char *cfg = "hostname r1\ninterface Lo0\n ip address 1.1.1.1 255.255.255.255\n";
    struct sh_cfg_doc *doc = parse(cfg, SH_DIALECT_IOS);
    size_t i;

    if (!doc)
        return;
    CHECK_STR(doc->norm, "hostname r1\ninterface Lo0\nip address 1.1.1.1 255.255.255.255");
    CHECK_EQ_INT(doc->norm_len, strlen(doc->norm));
    for (i = 0; i < doc->n_nodes; i++) {
        struct sh_cfg_node *n = doc->nodes[i];
        CHECK(memcmp(doc->norm + n->norm_off, n->match, n->match_len) == 0);
        CHECK(sh_cfg_node_at(doc, n->norm_off) == n);
        CHECK(sh_cfg_node_at(doc, n->norm_off + n->match_len) == n);
        CHECK_EQ_INT(n->index, i);
    }
    CHECK(sh_cfg_node_at(doc, doc->norm_len + 1) == NULL);
    sh_cfg_doc_free(doc);
}

SH_TEST(banner_body_is_not_config)
{
    const char *cfg = "hostname r1\n"
                      "banner motd ^C\n"
                      "username evil privilege 15 secret 0 x\n"
                      "interface Gi0/0\n"
                      "^C\n"
                      "banner login #one line#\n"
                      "banner exec \x03\n"
                      "  text\n"
                      "\x03\n"
                      "username ok privilege 1\n";
    struct sh_cfg_doc *doc = parse(cfg, SH_DIALECT_IOS);
    struct sh_cfg_node *b;

    if (!doc)
        return;
    CHECK(find(doc, "username evil privilege 15 secret 0 x") == NULL);
    CHECK(find(doc, "interface Gi0/0") == NULL);
    b = find(doc, "banner motd ^C");
    CHECK(b != NULL);
    if (b) {
        CHECK_EQ_INT(b->line, 2);
        CHECK_EQ_INT(b->end_line, 5);
        CHECK(b->first_child == NULL);
    }
    b = find(doc, "banner login #one line#");
    CHECK(b && b->line == 6 && b->end_line == 6);
    b = find(doc, "banner exec \x03");
    CHECK(b && b->line == 7 && b->end_line == 9);
    CHECK(find(doc, "username ok privilege 1") != NULL);
    CHECK_EQ_INT(doc->n_nodes, 5);
    CHECK_EQ_INT(doc->n_unparsed, 0);
    sh_cfg_doc_free(doc);
}

SH_TEST(unclosed_banner_does_not_hide_config)
{
    const char *cfg = "banner motd ^C\nusername evil privilege 15\n";
    struct sh_cfg_doc *doc = parse(cfg, SH_DIALECT_IOS);

    if (!doc)
        return;
    CHECK(find(doc, "username evil privilege 15") != NULL);
    CHECK_EQ_INT(doc->n_unparsed, 1);
    CHECK_EQ_INT(doc->first_unparsed, 1);
    sh_cfg_doc_free(doc);
}

SH_TEST(eos_banner_ends_with_eof)
{
    const char *cfg = "! device: leaf1 (DCS-7280SR-48C6, EOS-4.28.3M)\n"
                      "hostname leaf1\n"
                      "banner login\n"
                      "username x privilege 15\n"
                      "EOF\n"
                      "management api http-commands\n"
                      "   no shutdown\n";
    struct sh_cfg_doc *doc = parse(cfg, SH_DIALECT_UNKNOWN);
    struct sh_cfg_node *b;

    if (!doc)
        return;
    CHECK_EQ_INT(doc->dialect, SH_DIALECT_EOS);
    CHECK_STR(doc->version, "4.28.3M");
    CHECK_STR(doc->hostname, "leaf1");
    CHECK(find(doc, "username x privilege 15") == NULL);
    b = find(doc, "banner login");
    CHECK(b && b->line == 3 && b->end_line == 5);
    CHECK(find(doc, "no shutdown") && find(doc, "no shutdown")->parent ==
                                           find(doc, "management api http-commands"));
    sh_cfg_doc_free(doc);
}

SH_TEST(show_run_capture_with_prompts)
{
    const char *cfg = "router1#show running-config\n"
                      "Building configuration...\n"
                      "\n"
                      "Current configuration : 1234 bytes\n"
                      "!\n"
                      "version 17.3\n"
                      "interface Gi1\n"
                      " shutdown\n"
                      "end\n"
                      "\n"
                      "router1#\n";
    struct sh_cfg_doc *doc = parse(cfg, SH_DIALECT_UNKNOWN);

    if (!doc)
        return;
    CHECK_EQ_INT(doc->dialect, SH_DIALECT_IOSXE);
    CHECK_STR(doc->hostname, "router1");
    CHECK_EQ_INT(doc->n_nodes, 3);
    CHECK_EQ_INT(doc->n_unparsed, 0);
    CHECK(find(doc, "interface Gi1") && find(doc, "interface Gi1")->line == 7);
    sh_cfg_doc_free(doc);
}

SH_TEST(mixed_capture_show_version_then_config)
{
    const char *cfg = "r2#show version\n"
                      "Cisco IOS Software, C2960 Software, Version 15.0(2)SE4\n"
                      "r2 uptime is 2 weeks\n"
                      "r2#show run\n"
                      "Building configuration...\n"
                      "hostname r2-real\n"
                      "username admin privilege 15 secret 5 x\n"
                      "end\n"
                      "r2#show clock\n"
                      "12:00:00.000 UTC Mon Jan 1 2024\n";
    struct sh_cfg_doc *doc = parse(cfg, SH_DIALECT_IOS);

    if (!doc)
        return;
    CHECK_EQ_INT(doc->n_nodes, 2);
    CHECK_STR(doc->hostname, "r2-real");
    CHECK_EQ_INT(doc->n_unparsed, 3);
    CHECK_EQ_INT(doc->first_unparsed, 2);
    CHECK(find(doc, "username admin privilege 15 secret 5 x") != NULL);
    sh_cfg_doc_free(doc);
}

SH_TEST(mixed_capture_without_prompts)
{
    const char *cfg = "Cisco IOS Software, Version 15.0(2)SE4\n"
                      "ROM: Bootstrap program is C2960 boot loader\n"
                      "Building configuration...\n"
                      "hostname r3\n";
    struct sh_cfg_doc *doc = parse(cfg, SH_DIALECT_IOS);

    if (!doc)
        return;
    CHECK_EQ_INT(doc->n_nodes, 1);
    CHECK_EQ_INT(doc->n_unparsed, 2);
    CHECK_EQ_INT(doc->first_unparsed, 1);
    sh_cfg_doc_free(doc);
}

SH_TEST(xr_closers_and_prompt_hostname)
{
    const char *cfg = "RP/0/RSP0/CPU0:xr1#show running-config\n"
                      "Thu Jul 20 07:39:01.919 UTC\n"
                      "Building configuration...\n"
                      "!! IOS XR Configuration 6.1.2\n"
                      "route-policy PASS\n"
                      "  if destination in BOGONS then\n"
                      "    drop\n"
                      "  endif\n"
                      "end-policy\n"
                      "prefix-set BOGONS\n"
                      "  10.0.0.0/8 le 32\n"
                      "end-set\n"
                      "interface Gi0/0/0/0\n"
                      " ipv4 address 192.0.2.1 255.255.255.0\n"
                      "!\n"
                      "end\n"
                      "RP/0/RSP0/CPU0:xr1#\n";
    struct sh_cfg_doc *doc = parse(cfg, SH_DIALECT_UNKNOWN);
    struct sh_cfg_node *rp, *ps;

    if (!doc)
        return;
    CHECK_EQ_INT(doc->dialect, SH_DIALECT_IOSXR);
    CHECK_STR(doc->hostname, "xr1");
    CHECK_STR(doc->version, "6.1.2");
    rp = find(doc, "route-policy PASS");
    CHECK(rp && rp->line == 5 && rp->end_line == 9);
    ps = find(doc, "prefix-set BOGONS");
    CHECK(ps && ps->line == 10 && ps->end_line == 12 && ps->depth == 0);
    CHECK(find(doc, "interface Gi0/0/0/0") && find(doc, "interface Gi0/0/0/0")->depth == 0);
    CHECK_EQ_INT(doc->n_unparsed, 0);
    sh_cfg_doc_free(doc);
}

SH_TEST(crlf_nul_and_tabs)
{
    static const char cfg[] = "hostname r\0x\r\ninterface A\r\n\tshutdown\r\n";
    struct sh_cfg_doc *doc = NULL;
    sh_diag diag;

    CHECK_OK(sh_cfg_parse(&doc, cfg, sizeof(cfg) - 1, SH_DIALECT_IOS, NULL, "t", &diag));
    if (!doc)
        return;
    CHECK_EQ_INT(doc->n_nodes, 3);
    CHECK_STR(doc->nodes[0]->text, "hostname r x");
    CHECK_STR(doc->nodes[2]->text, "shutdown");
    CHECK_EQ_INT(doc->nodes[2]->depth, 1);
    sh_cfg_doc_free(doc);
}

SH_TEST(limits_are_elimit_with_line)
{
    struct sh_cfg_limits lim = {16, 3, 2};
    struct sh_cfg_doc *doc = NULL;
    sh_diag diag;
    const char *deep = "a\n b\n  c\n";
    const char *many = "a\nb\nc\nd\n";
    const char *longl = "a\nthis line is longer than sixteen\n";

    CHECK_EQ_INT(sh_cfg_parse(&doc, deep, strlen(deep), SH_DIALECT_IOS, &lim, "d.cfg", &diag),
                 SH_ELIMIT);
    CHECK_EQ_INT(diag.line, 3);
    CHECK_STR(diag.source, "d.cfg");
    CHECK(doc == NULL);
    CHECK_EQ_INT(sh_cfg_parse(&doc, many, strlen(many), SH_DIALECT_IOS, &lim, "m.cfg", &diag),
                 SH_ELIMIT);
    CHECK_EQ_INT(diag.line, 4);
    CHECK_EQ_INT(sh_cfg_parse(&doc, longl, strlen(longl), SH_DIALECT_IOS, &lim, "l.cfg", &diag),
                 SH_ELIMIT);
    CHECK_EQ_INT(diag.line, 2);
}

SH_TEST(dialect_names_round_trip)
{
    int d;
    for (d = 0; d < SH_DIALECT__COUNT; d++)
        CHECK_EQ_INT(sh_dialect_from_name(sh_dialect_name((enum sh_dialect)d)), d);
    CHECK_STR(sh_dialect_name(SH_DIALECT_IOSXE), "iosxe");
    CHECK_STR(sh_dialect_name(SH_DIALECT_FORTIOS), "fortios");
    CHECK_EQ_INT(sh_dialect_from_name("bogus"), SH_DIALECT_UNKNOWN);
}

SH_TEST(many_nodes_grow_past_reservation)
{
    size_t lines = 70000, i, len = 0;
    char *buf = sh_malloc(lines * 8 + 1);
    struct sh_cfg_doc *doc = NULL;
    sh_diag diag;

    if (!buf)
        return;
    for (i = 0; i < lines; i++) {
        memcpy(buf + len, i % 2 ? " x\n" : "ab\n", 3);
        len += 3;
    }
    CHECK_OK(sh_cfg_parse(&doc, buf, len, SH_DIALECT_IOS, NULL, "big", &diag));
    if (doc) {
        CHECK_EQ_INT(doc->n_nodes, lines);
        CHECK_EQ_INT(doc->norm_len, len - 1 - lines / 2);
        CHECK(doc->nodes[lines - 1]->parent == doc->nodes[lines - 2]);
        CHECK(sh_cfg_node_at(doc, doc->nodes[69999]->norm_off) == doc->nodes[69999]);
        sh_cfg_doc_free(doc);
    }
    sh_free(buf);
}

SH_TEST(allocation_failures_are_enomem)
{
    const char *cfgs[] = {
        "hostname r1\nbanner motd ^C\nx\n^C\ninterface A\n shutdown\n",
        "system {\n    host-name r1;\n    services { ssh; }\n}\nset system x y\n",
        "config system global\n    set hostname f\nend\n",
    };
    const enum sh_dialect ds[] = {SH_DIALECT_IOS, SH_DIALECT_JUNOS, SH_DIALECT_FORTIOS};
    size_t c;

    for (c = 0; c < SH_ARRAY_LEN(cfgs); c++) {
        unsigned long n;
        for (n = 1; n < 1000; n++) {
            struct sh_cfg_doc *doc = NULL;
            sh_diag diag;
            int rc;
            sh_alloc_fail_after(n);
            rc = sh_cfg_parse(&doc, cfgs[c], strlen(cfgs[c]), ds[c], NULL, "f", &diag);
            sh_alloc_fail_after(0);
            if (rc == 0) {
                CHECK(doc != NULL);
                sh_cfg_doc_free(doc);
                break;
            }
            CHECK_EQ_INT(rc, SH_ENOMEM);
            CHECK(doc == NULL);
        }
        CHECK(n > 1 && n < 1000);
    }
}

SH_TEST(eof_banner_in_any_cisco_dialect)
{
    const char *cfg = "hostname r\nbanner motd\nusername x privilege 15\nEOF\nbanner exec\nip http server\n";
    struct sh_cfg_doc *doc = parse(cfg, SH_DIALECT_IOS);

    if (!doc)
        return;
    CHECK(find(doc, "username x privilege 15") == NULL);
    CHECK(find(doc, "banner motd") && find(doc, "banner motd")->end_line == 4);
    /* No EOF after the second: it stays a plain line and config goes on. */
    CHECK(find(doc, "ip http server") != NULL);
    CHECK_EQ_INT(doc->n_lines, 6);
    sh_cfg_doc_free(doc);
}

SH_TEST(second_capture_keeps_the_first)
{
    const char *cfg = "r1#show running-config\n"
                      "Building configuration...\n"
                      "hostname r1\n"
                      "username a privilege 15\n"
                      "end\n"
                      "r1#show startup-config\n"
                      "Using 1234 out of 65536 bytes\n"
                      "hostname r1\n"
                      "Building configuration...\n"
                      "username b privilege 15\n";
    struct sh_cfg_doc *doc = parse(cfg, SH_DIALECT_IOS);

    if (!doc)
        return;
    CHECK(find(doc, "username a privilege 15") != NULL);
    CHECK(find(doc, "username b privilege 15") != NULL);
    CHECK(find(doc, "Using 1234 out of 65536 bytes") == NULL);
    CHECK_EQ_INT(doc->n_unparsed, 0);
    CHECK_EQ_INT(doc->n_nodes, 4);
    sh_cfg_doc_free(doc);
}

SH_TEST(utf8_bom_is_not_text)
{
    const char *cfg = "\xEF\xBB\xBFhostname r1\ninterface A\n description caf\xC3\xA9\n";
    struct sh_cfg_doc *doc = parse(cfg, SH_DIALECT_UNKNOWN);

    if (!doc)
        return;
    CHECK_EQ_INT(doc->dialect, SH_DIALECT_IOS);
    CHECK_STR(doc->hostname, "r1");
    CHECK_STR(doc->nodes[0]->text, "hostname r1");
    CHECK_EQ_INT(doc->nodes[0]->line, 1);
    CHECK_STR(doc->nodes[2]->text, "description caf\xC3\xA9");
    sh_cfg_doc_free(doc);
}

SH_TEST(utf16_captures_are_read)
{
    /* "hostname r1\r\ninterface A\r\n shutdown\r\n" in UTF-16LE with a BOM,
     * as PowerShell redirection writes it; then the same big-endian. */
    const char *ascii = "hostname r1\r\ninterface A\r\n shutdown\r\n";
    size_t n = strlen(ascii), i, k;
    char le[128], be[128];
    struct sh_cfg_doc *doc = NULL;
    sh_diag diag;
    enum sh_dialect d;
    const char *basis;

    le[0] = (char)0xFF, le[1] = (char)0xFE, be[0] = (char)0xFE, be[1] = (char)0xFF;
    for (i = 0, k = 2; i < n; i++, k += 2) {
        le[k] = ascii[i], le[k + 1] = 0;
        be[k] = 0, be[k + 1] = ascii[i];
    }
    CHECK(sh_cfg_detect(le, k, &d, &basis) > 0 && d == SH_DIALECT_IOS);
    CHECK_OK(sh_cfg_parse(&doc, le, k, SH_DIALECT_UNKNOWN, NULL, "le", &diag));
    if (doc) {
        CHECK_EQ_INT(doc->dialect, SH_DIALECT_IOS);
        CHECK_STR(doc->hostname, "r1");
        CHECK_EQ_INT(doc->n_nodes, 3);
        CHECK(doc->n_nodes == 3 && doc->nodes[2]->line == 3 && doc->nodes[2]->depth == 1);
        sh_cfg_doc_free(doc);
        doc = NULL;
    }
    CHECK_OK(sh_cfg_parse(&doc, be, k, SH_DIALECT_IOS, NULL, "be", &diag));
    if (doc) {
        CHECK_STR(doc->nodes[1]->text, "interface A");
        sh_cfg_doc_free(doc);
        doc = NULL;
    }
    /* Without the byte order mark (Batfish's ios-unicode test config). */
    CHECK(sh_cfg_detect(le + 2, k - 2, &d, &basis) > 0 && d == SH_DIALECT_IOS);
    CHECK_OK(sh_cfg_parse(&doc, le + 2, k - 2, SH_DIALECT_UNKNOWN, NULL, "le", &diag));
    if (doc) {
        CHECK_STR(doc->nodes[0]->text, "hostname r1");
        sh_cfg_doc_free(doc);
    }
}
