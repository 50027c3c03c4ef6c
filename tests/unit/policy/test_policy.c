/*
 * test_policy.c - site policy loading, every error class, and lookups.
 */
#include "base/sh_base.h"

#include "policy/policy.h"
#include "test.h"

static struct sh_policy *load(const char *yaml)
{
    struct sh_policy *p = NULL;
    sh_diag d;
    int rc = sh_policy_load_buf(&p, yaml, strlen(yaml), "policy.yml", &d);
    if (rc)
        fprintf(stderr, "  unexpected: %s:%u:%u: %s\n", d.source, d.line, d.column, d.text);
    return p;
}

/* Load must fail with `code` at line:col, and the message must mention `needle`. */
static void expect_error(const char *yaml, int code, unsigned line, unsigned col,
                         const char *needle, int tl)
{
    struct sh_policy *p = NULL;
    sh_diag d;
    int rc = sh_policy_load_buf(&p, yaml, strlen(yaml), "site.yml", &d);

    if (rc != code || p || d.line != line || (col && d.column != col) ||
        strcmp(d.source, "site.yml") != 0 || !strstr(d.text, needle))
        sh_test_fail(__FILE__, tl, "got rc=%d %s:%u:%u '%s'; wanted rc=%d line %u col %u '%s'", rc,
                     d.source, d.line, d.column, d.text, code, line, col, needle);
    sh_policy_free(p);
}

SH_TEST(product_example_loads)
{
    const char *y = "management_networks: [10.250.0.0/16]\n"
                    "aaa_servers:         [10.250.1.10, 10.250.1.11]\n"
                    "syslog_servers:      [10.250.1.20]\n"
                    "ntp_servers:         [10.250.1.30]\n"
                    "snmp_managers:       [10.250.2.5, 10.250.2.6]\n"
                    "tunnel_peers:        [10.255.0.0/24, 198.51.100.7]\n"
                    "local_users:         [netops, breakglass]\n"
                    "file_servers:        [10.250.3.3]\n"
                    "ssh_ports:           [22]\n";
    struct sh_policy *p = load(y);

    CHECK(p != NULL);
    CHECK(sh_policy_has(p, SH_POL_AAA_SERVERS));
    CHECK(sh_policy_contains(p, SH_POL_MANAGEMENT_NETWORKS, "10.250.9.9"));
    CHECK(!sh_policy_contains(p, SH_POL_MANAGEMENT_NETWORKS, "10.251.9.9"));
    CHECK(sh_policy_contains(p, SH_POL_MANAGEMENT_NETWORKS, "10.250.4.0/24"));
    CHECK(!sh_policy_contains(p, SH_POL_MANAGEMENT_NETWORKS, "10.0.0.0/8"));
    CHECK(sh_policy_contains(p, SH_POL_AAA_SERVERS, "10.250.1.11"));
    CHECK(!sh_policy_contains(p, SH_POL_AAA_SERVERS, "10.250.1.12"));
    CHECK(sh_policy_contains(p, SH_POL_TUNNEL_PEERS, "10.255.0.77"));
    CHECK(sh_policy_contains(p, SH_POL_TUNNEL_PEERS, "198.51.100.7"));
    CHECK(sh_policy_contains(p, SH_POL_LOCAL_USERS, "NetOps"));
    CHECK(!sh_policy_contains(p, SH_POL_LOCAL_USERS, "evil"));
    CHECK(sh_policy_contains(p, SH_POL_SSH_PORTS, "22"));
    CHECK(!sh_policy_contains(p, SH_POL_SSH_PORTS, "22222"));
    CHECK(!sh_policy_contains(NULL, SH_POL_SSH_PORTS, "22"));
    sh_policy_free(p);
}

SH_TEST(block_lists_names_and_empty_keys)
{
    struct sh_policy *p = load("# site policy\n"
                               "aaa_servers:\n"
                               "  - tacacs1.example.net\n"
                               "  - 2001:db8:1::10\n"
                               "ntp_servers:\n"
                               "local_users: []\n");
    CHECK(p != NULL);
    CHECK(sh_policy_contains(p, SH_POL_AAA_SERVERS, "TACACS1.example.net"));
    CHECK(sh_policy_contains(p, SH_POL_AAA_SERVERS, "2001:db8:1::10"));
    CHECK(sh_policy_has(p, SH_POL_NTP_SERVERS));
    CHECK(sh_policy_has(p, SH_POL_LOCAL_USERS));
    CHECK(!sh_policy_contains(p, SH_POL_LOCAL_USERS, "x"));
    CHECK(!sh_policy_has(p, SH_POL_SYSLOG_SERVERS));
    sh_policy_free(p);
    p = load("");
    CHECK(p != NULL);
    CHECK(!sh_policy_has(p, SH_POL_AAA_SERVERS));
    sh_policy_free(p);
}

SH_TEST(key_names_round_trip)
{
    int k;
    for (k = 0; k < SH_POL__COUNT; k++)
        CHECK_EQ_INT(sh_policy_key_parse(sh_policy_key_name((enum sh_policy_key)k)), k);
    CHECK_EQ_INT(sh_policy_key_parse("radius_servers"), -1);
}

SH_TEST(errors_name_file_line_column)
{
    expect_error("aaa_servers: [10.0.0.1]\nradius_servers: [10.0.0.2]\n", SH_ERULE, 2, 1,
                 "unknown policy key 'radius_servers'", __LINE__);
    expect_error("aaa_servers: 10.0.0.1\n", SH_ERULE, 1, 14, "must be a list", __LINE__);
    expect_error("aaa_servers: {a: b}\n", SH_ERULE, 1, 14, "must be a list", __LINE__);
    expect_error("aaa_servers:\n  - 10.0.0.1\n  - 10.0.0.300\n", SH_ERULE, 3, 5,
                 "'10.0.0.300' is not a valid address", __LINE__);
    expect_error("management_networks: [10.0.0.0/33]\n", SH_ERULE, 1, 23, "not a valid", __LINE__);
    expect_error("management_networks: [2001:db8::/200]\n", SH_ERULE, 1, 23, "not a valid",
                 __LINE__);
    expect_error("ssh_ports: [22, 70000]\n", SH_ERULE, 1, 17, "not a port", __LINE__);
    expect_error("ssh_ports: [ssh]\n", SH_ERULE, 1, 13, "not a port", __LINE__);
    expect_error("ssh_ports: [0]\n", SH_ERULE, 1, 13, "not a port", __LINE__);
    expect_error("local_users: [[a]]\n", SH_ERULE, 1, 15, "plain values", __LINE__);
    expect_error("local_users: ['a b']\n", SH_ERULE, 1, 15, "not a valid name", __LINE__);
    expect_error("local_users: [a]\nlocal_users: [b]\n", SH_ERULE, 2, 1, "given twice", __LINE__);
    expect_error("- 10.0.0.1\n", SH_ERULE, 1, 1, "must be a mapping", __LINE__);
    expect_error("aaa_servers: [10.0.0.1\n", SH_EPARSE, 2, 0, "yaml", __LINE__);
    expect_error("a: &x [1]\nb: *x\n", SH_EPARSE, 2, 4, "aliases", __LINE__);
    expect_error("aaa_servers: [1.1.1.1]\n---\nntp_servers: []\n", SH_EPARSE, 2, 1, "one yaml",
                 __LINE__);
}

SH_TEST(bounds)
{
    struct sh_buf b;
    struct sh_policy *p = NULL;
    sh_diag d;
    int i, rc;

    /* Entries per key. */
    sh_buf_init(&b, 0);
    sh_buf_adds(&b, "local_users:\n");
    for (i = 0; i < 10001; i++)
        sh_buf_printf(&b, "  - u%d\n", i);
    rc = sh_policy_load_buf(&p, b.ptr, b.len, "big.yml", &d);
    CHECK_EQ_INT(rc, SH_ELIMIT);
    CHECK(p == NULL);
    CHECK(d.line > 10000);
    sh_buf_free(&b);

    /* Value length. */
    sh_buf_init(&b, 0);
    sh_buf_adds(&b, "local_users: [");
    for (i = 0; i < 300; i++)
        sh_buf_addc(&b, 'a');
    sh_buf_adds(&b, "]\n");
    rc = sh_policy_load_buf(&p, b.ptr, b.len, "long.yml", &d);
    CHECK_EQ_INT(rc, SH_ELIMIT);
    CHECK_EQ_INT(d.line, 1);
    sh_buf_free(&b);

    /* Nesting depth. */
    sh_buf_init(&b, 0);
    for (i = 0; i < 100; i++)
        sh_buf_addc(&b, '[');
    rc = sh_policy_load_buf(&p, b.ptr, b.len, "deep.yml", &d);
    CHECK(rc == SH_ELIMIT || rc == SH_EPARSE);
    CHECK(p == NULL);
    sh_buf_free(&b);
}

SH_TEST(load_file_reports_missing_file)
{
    struct sh_policy *p = NULL;
    sh_diag d;
    CHECK(sh_policy_load_file(&p, "/nonexistent/policy.yml", &d) != 0);
    CHECK(p == NULL);
    CHECK(strstr(d.source, "policy.yml") != NULL);
}
