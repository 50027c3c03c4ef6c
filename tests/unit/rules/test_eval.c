/*
 * test_eval.c - rule semantics over parsed configs: line/section/document
 * shapes, where-conditions with and without a policy, templates, Junos
 * set form, prefilter fallbacks and the finding fields.
 */
#include "base/sh_base.h"

#include "intel/ioc.h"
#include "parse/cfg.h"
#include "rules/rules.h"
#include "test.h"

#define SAMPLES                                                                                    \
    "samples:\n"                                                                                   \
    "  match:\n"                                                                                   \
    "    - config: \"x\\n\"\n"                                                                     \
    "  nomatch:\n"                                                                                 \
    "    - config: \"y\\n\"\n"

struct run {
    sh_findings f;
    sh_strlist features;
    int rc;
};

/* Load `rules` (one YAML rule, or several separated by "\n@@\n" loaded as one set is not
 * needed: one rule per call), evaluate over `config`. */
static struct run eval(const char *rule, const char *config, enum sh_dialect dialect,
                       const char *policy_yaml)
{
    struct run r;
    sh_ruleset *rs = NULL;
    struct sh_rules_worker *w = NULL;
    struct sh_cfg_doc *doc = NULL;
    struct sh_policy *pol = NULL;
    struct sh_ioc_set *iocs = NULL;
    struct sh_rules_env env;
    sh_diag d;

    memset(&r, 0, sizeof(r));
    r.rc = sh_ruleset__load_buf(&rs, rule, strlen(rule), "rule.yml", NULL, NULL, &d);
    if (r.rc) {
        fprintf(stderr, "  rule load: %s:%u:%u %s\n", d.source, d.line, d.column, d.text);
        return r;
    }
    if (policy_yaml && (r.rc = sh_policy_load_buf(&pol, policy_yaml, strlen(policy_yaml), "p", &d)))
        goto out;
    if ((r.rc = sh_ioc_set_new(&iocs)) != 0 ||
        (r.rc = sh_ioc_set_add(iocs, SH_IOC_IPV4, "10.66.66.66", "test", NULL, false, &d)) != 0)
        goto out;
    if ((r.rc = sh_cfg_parse(&doc, config, strlen(config), dialect, NULL, "cfg", &d)) != 0)
        goto out;
    w = sh_rules__worker_new(rs);
    memset(&env, 0, sizeof(env));
    env.policy = pol;
    env.iocs = iocs;
    env.path = "configs/r1.cfg";
    r.rc = sh_rules__eval(rs, w, doc, &env, &r.f, &r.features);
out:
    sh_rules__worker_free(w);
    sh_cfg_doc_free(doc);
    sh_ioc_set_free(iocs);
    sh_policy_free(pol);
    sh_ruleset_free(rs);
    return r;
}

static void done(struct run *r)
{
    sh_findings_clear(&r->f);
    sh_strlist_clear(&r->features);
}

static const char priv15[] =
    "id: C-01.priv15-user\n"
    "title: Unapproved privilege-15 local account\n"
    "kind: ttp\n"
    "severity: high\n"
    "attack: [T1136.001]\n"
    "platforms: [ios, iosxe]\n"
    "references: [AA25-239A, 'catalogue C-01']\n"
    "match: '^username (?<user>\\S+)\\b.*\\bprivilege 15\\b'\n"
    "where:\n"
    "  - capture: user\n"
    "    not_in_policy: local_users\n"
    "message: 'Local user {user} on {device} ({platform}) has privilege 15.'\n"
    "remediation:\n"
    "  ios: 'no username {user}'\n"
    "  default: 'Remove {user}.'\n"
    "WP" SAMPLES;

static char *with_wp(const char *wp)
{
    const char *at = strstr(priv15, "WP");
    return sh_strdup_printf("%.*s%s%s", (int)(at - priv15), priv15, wp, at + 2);
}

static const char cfg_users[] = "hostname edge1\n"
                                "!\n"
                                "username netops privilege 15 secret 9 $9$abc\n"
                                "username evil privilege 15 secret 0 x\n"
                                "username 45.61.165.157 privilege 15 secret 0 x\n"
                                "username viewer privilege 1 secret 0 x\n";

SH_TEST(not_in_policy_with_policy)
{
    char *rule = with_wp("");
    struct run r = eval(rule, cfg_users, SH_DIALECT_IOS, "local_users: [netops, 45.61.165.157]\n");
    sh_finding *f;

    CHECK_OK(r.rc);
    CHECK_EQ_INT(r.f.n, 1);
    if (r.f.n == 1) {
        f = r.f.v[0];
        CHECK_STR(f->rule, "C-01.priv15-user");
        CHECK_STR(f->title, "Unapproved privilege-15 local account");
        CHECK_EQ_INT(f->kind, SH_KIND_TTP);
        CHECK_EQ_INT(f->severity, SH_SEV_HIGH);
        CHECK(f->attack.n == 1 && strcmp(f->attack.v[0], "T1136.001") == 0);
        CHECK(f->references.n == 2 && strcmp(f->references.v[1], "catalogue C-01") == 0);
        CHECK_STR(f->device, "edge1");
        CHECK_STR(f->platform, "ios");
        CHECK_STR(f->path, "configs/r1.cfg");
        CHECK_EQ_INT(f->line, 4);
        CHECK_EQ_INT(f->end_line, 4);
        CHECK_STR(f->evidence, "username evil privilege 15 secret 0 x");
        CHECK_STR(f->message, "Local user evil on edge1 (ios) has privilege 15.");
        CHECK_STR(f->remediation, "no username evil");
    }
    done(&r);
    sh_free(rule);
}

SH_TEST(not_in_policy_without_policy_modes)
{
    char *rule = with_wp("");
    struct run r = eval(rule, cfg_users, SH_DIALECT_IOSXE, NULL);

    /* Default ioc_or_public: only the public-address "user" fires, with the note. */
    CHECK_OK(r.rc);
    CHECK_EQ_INT(r.f.n, 1);
    if (r.f.n == 1) {
        CHECK_EQ_INT(r.f.v[0]->line, 5);
        CHECK(strstr(r.f.v[0]->message, " (no local_users in the site policy: add approved values "
                                        "with --policy to check every value)") != NULL);
        CHECK_STR(r.f.v[0]->remediation, "Remove 45.61.165.157."); /* iosxe: default entry */
        CHECK_STR(r.f.v[0]->platform, "iosxe");
    }
    done(&r);
    sh_free(rule);

    /* A policy lacking the key behaves like no policy. */
    rule = with_wp("");
    r = eval(rule, cfg_users, SH_DIALECT_IOS, "aaa_servers: [10.0.0.1]\n");
    CHECK_EQ_INT(r.f.n, 1);
    done(&r);
    sh_free(rule);

    rule = with_wp("without_policy: fire\nseverity_without_policy: medium\n");
    r = eval(rule, cfg_users, SH_DIALECT_IOS, NULL);
    CHECK_EQ_INT(r.f.n, 3);
    if (r.f.n == 3)
        CHECK_EQ_INT(r.f.v[0]->severity, SH_SEV_MEDIUM);
    done(&r);
    sh_free(rule);

    rule = with_wp("without_policy: skip\n");
    r = eval(rule, cfg_users, SH_DIALECT_IOS, NULL);
    CHECK_OK(r.rc);
    CHECK_EQ_INT(r.f.n, 0);
    done(&r);
    sh_free(rule);

    /* With the key, severity stays as written. */
    rule = with_wp("without_policy: fire\nseverity_without_policy: medium\n");
    r = eval(rule, cfg_users, SH_DIALECT_IOS, "local_users: []\n");
    CHECK_EQ_INT(r.f.n, 3);
    if (r.f.n == 3) {
        CHECK_EQ_INT(r.f.v[0]->severity, SH_SEV_HIGH);
        CHECK(strstr(r.f.v[0]->message, "site policy") == NULL);
    }
    done(&r);
    sh_free(rule);
}

SH_TEST(platform_filter)
{
    char *rule = with_wp("without_policy: fire\n");
    struct run r = eval(rule, cfg_users, SH_DIALECT_NXOS, NULL);

    CHECK_OK(r.rc);
    CHECK_EQ_INT(r.f.n, 0);
    done(&r);
    sh_free(rule);
}

static const char acl_rule[] =
    "id: C-02.acl-peer\n"
    "title: ACL permits an outside address\n"
    "kind: ioc\n"
    "severity: critical\n"
    "section: '^ip access-list (standard|extended) (?<acl>\\S+)'\n"
    "match: '^permit (ip|tcp) host (?<addr>\\d+\\.\\d+\\.\\d+\\.\\d+)'\n"
    "where:\n"
    "  - capture: addr\n"
    "    COND\n"
    "message: 'ACL {acl} in {section} permits {addr} ({line}).'\n" SAMPLES;

static char *acl_with(const char *cond)
{
    const char *at = strstr(acl_rule, "COND");
    return sh_strdup_printf("%.*s%s%s", (int)(at - acl_rule), acl_rule, cond, at + 4);
}

static const char cfg_acl[] = "hostname r1\n"
                              "ip access-list extended MGMT\n"
                              " permit ip host 45.61.165.157 any\n"
                              " permit ip host 10.66.66.66 any\n"
                              " permit ip host 10.1.1.1 any\n"
                              "ip access-list extended OTHER\n"
                              " deny ip any any\n"
                              "permit ip host 8.8.8.8 any\n";

SH_TEST(public_ioc_regex_conditions_and_sections)
{
    char *rule = acl_with("public: true");
    struct run r = eval(rule, cfg_acl, SH_DIALECT_IOS, NULL);

    CHECK_OK(r.rc);
    /* 8.8.8.8 is public but not inside an access-list section. */
    CHECK_EQ_INT(r.f.n, 1);
    if (r.f.n == 1) {
        CHECK_EQ_INT(r.f.v[0]->line, 3);
        CHECK_STR(r.f.v[0]->message, "ACL MGMT in ip access-list extended MGMT permits "
                                     "45.61.165.157 (permit ip host 45.61.165.157 any).");
    }
    done(&r);
    sh_free(rule);

    rule = acl_with("public: false");
    r = eval(rule, cfg_acl, SH_DIALECT_IOS, NULL);
    CHECK_EQ_INT(r.f.n, 2);
    done(&r);
    sh_free(rule);

    rule = acl_with("ioc: true");
    r = eval(rule, cfg_acl, SH_DIALECT_IOS, NULL);
    CHECK_EQ_INT(r.f.n, 1);
    if (r.f.n == 1)
        CHECK_EQ_INT(r.f.v[0]->line, 4);
    done(&r);
    sh_free(rule);

    rule = acl_with("regex: '^10\\.1\\.'");
    r = eval(rule, cfg_acl, SH_DIALECT_IOS, NULL);
    CHECK_EQ_INT(r.f.n, 1);
    if (r.f.n == 1)
        CHECK_EQ_INT(r.f.v[0]->line, 5);
    done(&r);
    sh_free(rule);

    rule = acl_with("not_regex: '^10\\.'");
    r = eval(rule, cfg_acl, SH_DIALECT_IOS, NULL);
    CHECK_EQ_INT(r.f.n, 1);
    done(&r);
    sh_free(rule);

    /* ioc_or_public without a policy: the public address and the indicator fire. */
    rule = acl_with("not_in_policy: management_networks");
    r = eval(rule, cfg_acl, SH_DIALECT_IOS, NULL);
    CHECK_EQ_INT(r.f.n, 2);
    done(&r);
    sh_free(rule);

    rule = acl_with("not_in_policy: management_networks");
    r = eval(rule, cfg_acl, SH_DIALECT_IOS, "management_networks: [10.0.0.0/8]\n");
    CHECK_EQ_INT(r.f.n, 1);
    if (r.f.n == 1)
        CHECK_EQ_INT(r.f.v[0]->line, 3);
    done(&r);
    sh_free(rule);

    rule = acl_with("in_policy: management_networks");
    r = eval(rule, cfg_acl, SH_DIALECT_IOS, "management_networks: [10.0.0.0/8]\n");
    CHECK_EQ_INT(r.f.n, 2);
    done(&r);
    sh_free(rule);
}

static const char ssh_rule[] = "id: C-03.ssh-port\n"
                               "title: SSH on an odd port\n"
                               "kind: ttp\n"
                               "severity: high\n"
                               "match: '^ip ssh port (?<port>\\d+)'\n"
                               "where:\n"
                               "  - capture: port\n"
                               "    COND\n"
                               "message: 'SSH listens on {port}.'\n" SAMPLES;

static struct run ssh_eval(const char *cond, const char *cfg, const char *policy)
{
    const char *at = strstr(ssh_rule, "COND");
    char *rule = sh_strdup_printf("%.*s%s%s", (int)(at - ssh_rule), ssh_rule, cond, at + 4);
    struct run r = eval(rule, cfg, SH_DIALECT_IOS, policy);
    sh_free(rule);
    return r;
}

SH_TEST(port_conditions)
{
    const char *c1 = "hostname r\nip ssh port 22222 rotary 1\n";
    const char *c2 = "hostname r\nip ssh port 2222 rotary 1\n";
    struct run r;

    r = ssh_eval("port_regex: '^(22[0-9]22|[0-9]{3}22)$'", c1, NULL);
    CHECK_EQ_INT(r.f.n, 1);
    done(&r);
    r = ssh_eval("port_regex: '^(22[0-9]22|[0-9]{3}22)$'", c2, NULL);
    CHECK_EQ_INT(r.f.n, 0);
    done(&r);
    r = ssh_eval("port_range: [18000, 23000]", c1, NULL);
    CHECK_EQ_INT(r.f.n, 1);
    done(&r);
    r = ssh_eval("port_range: [18000, 22221]", c1, NULL);
    CHECK_EQ_INT(r.f.n, 0);
    done(&r);
    r = ssh_eval("not_in_policy: ssh_ports", c1, "ssh_ports: [22, 22222]\n");
    CHECK_EQ_INT(r.f.n, 0);
    done(&r);
    r = ssh_eval("not_in_policy: ssh_ports", c2, "ssh_ports: [22, 22222]\n");
    CHECK_EQ_INT(r.f.n, 1);
    done(&r);
}

static const char vty_rule[] = "id: D-05.vty-ssh\n"
                               "title: VTY without SSH only\n"
                               "kind: hardening\n"
                               "severity: medium\n"
                               "section: '^line vty'\n"
                               "SHAPE\n"
                               "message: '{section} on {device}'\n"
                               "remediation: |\n"
                               "  {section}\n"
                               "   transport input ssh\n" SAMPLES;

static const char cfg_vty[] = "hostname r1\n"
                              "line con 0\n"
                              " exec-timeout 5 0\n"
                              "line vty 0 4\n"
                              " access-class 10 in\n"
                              " transport input ssh\n"
                              "line vty 5 15\n"
                              " transport input telnet ssh\n"
                              " login local\n"
                              "line vty 16 20\n"
                              "interface Loopback0\n"
                              " transport input ssh\n";

SH_TEST(section_require_and_forbid)
{
    const char *at = strstr(vty_rule, "SHAPE");
    char *rule = sh_strdup_printf("%.*s%s%s", (int)(at - vty_rule), vty_rule,
                                  "require: '^transport input ssh$'", at + 5);
    struct run r = eval(rule, cfg_vty, SH_DIALECT_IOS, NULL);

    CHECK_OK(r.rc);
    CHECK_EQ_INT(r.f.n, 2);
    if (r.f.n == 2) {
        CHECK_EQ_INT(r.f.v[0]->line, 7);
        CHECK_EQ_INT(r.f.v[0]->end_line, 9);
        CHECK_STR(r.f.v[0]->evidence, "line vty 5 15");
        CHECK_STR(r.f.v[0]->message, "line vty 5 15 on r1");
        CHECK_STR(r.f.v[0]->remediation, "line vty 5 15\n transport input ssh\n");
        CHECK_EQ_INT(r.f.v[1]->line, 10); /* an empty section lacks the line too */
        CHECK_EQ_INT(r.f.v[1]->end_line, 10);
    }
    done(&r);
    sh_free(rule);

    rule = sh_strdup_printf("%.*s%s%s", (int)(at - vty_rule), vty_rule,
                            "forbid: '^transport input .*telnet'", at + 5);
    r = eval(rule, cfg_vty, SH_DIALECT_IOS, NULL);
    CHECK_EQ_INT(r.f.n, 1);
    if (r.f.n == 1)
        CHECK_EQ_INT(r.f.v[0]->line, 7);
    done(&r);
    sh_free(rule);
}

SH_TEST(nested_section_levels)
{
    const char *rule =
        "id: T-09.nested\ntitle: t\nkind: ttp\nseverity: low\n"
        "section: ['^router bgp (?<asn>\\d+)', '^address-family ipv4 vrf (?<vrf>\\S+)']\n"
        "match: '^neighbor (?<peer>\\S+) activate'\n"
        "message: 'AS{asn} vrf {vrf} activates {peer}'\n" SAMPLES;
    const char *cfg = "hostname r1\n"
                      "router bgp 65000\n"
                      " neighbor 10.0.0.1 activate\n"
                      " address-family ipv4 vrf RED\n"
                      "  neighbor 10.0.0.2 activate\n"
                      " address-family ipv4\n"
                      "  neighbor 10.0.0.3 activate\n";
    struct run r = eval(rule, cfg, SH_DIALECT_IOS, NULL);

    CHECK_OK(r.rc);
    CHECK_EQ_INT(r.f.n, 1);
    if (r.f.n == 1) {
        CHECK_EQ_INT(r.f.v[0]->line, 5);
        CHECK_STR(r.f.v[0]->message, "AS65000 vrf RED activates 10.0.0.2");
    }
    done(&r);
}

static const char log_rule[] = "id: D-14.remote-log\n"
                               "title: No remote logging\n"
                               "kind: hardening\n"
                               "severity: low\n"
                               "absent: '^logging (host )?\\d+\\.\\d+\\.\\d+\\.\\d+'\n"
                               "when_doc: '^aaa new-model'\n"
                               "message: '{device} logs nowhere'\n" SAMPLES;

SH_TEST(document_rules)
{
    struct run r =
        eval(log_rule, "hostname r1\naaa new-model\nlogging buffered 1000\n", SH_DIALECT_IOS, NULL);

    CHECK_OK(r.rc);
    CHECK_EQ_INT(r.f.n, 1);
    if (r.f.n == 1) {
        CHECK_EQ_INT(r.f.v[0]->line, 0);
        CHECK_EQ_INT(r.f.v[0]->end_line, 0);
        CHECK(r.f.v[0]->evidence == NULL);
        CHECK_STR(r.f.v[0]->message, "r1 logs nowhere");
    }
    done(&r);
    r = eval(log_rule, "hostname r1\naaa new-model\nlogging host 10.1.1.1\n", SH_DIALECT_IOS, NULL);
    CHECK_EQ_INT(r.f.n, 0);
    done(&r);
    /* The precondition does not hold: no finding. */
    r = eval(log_rule, "hostname r1\nlogging buffered 1000\n", SH_DIALECT_IOS, NULL);
    CHECK_EQ_INT(r.f.n, 0);
    done(&r);
}

SH_TEST(unless_doc_and_features)
{
    const char *rule = "id: C-09.smart-install\ntitle: Smart Install client on\nkind: exposure\n"
                       "severity: high\nmatch: '^vstack\\b'\nunless_doc: '^no vstack\\b'\n"
                       "message: 'vstack on {device}'\n" SAMPLES;
    const char *feat =
        "id: F-01.http\nfeature: http_server\nmatch: '^ip http (secure-)?server$'\n" SAMPLES;
    struct run r = eval(rule, "hostname r1\nvstack\n", SH_DIALECT_IOS, NULL);

    CHECK_EQ_INT(r.f.n, 1);
    done(&r);
    r = eval(rule, "hostname r1\nvstack\nno vstack\n", SH_DIALECT_IOS, NULL);
    CHECK_EQ_INT(r.f.n, 0);
    done(&r);
    r = eval(feat, "hostname r1\nip http server\nip http secure-server\n", SH_DIALECT_IOS, NULL);
    CHECK_OK(r.rc);
    CHECK_EQ_INT(r.f.n, 0);
    CHECK(r.features.n == 1 && strcmp(r.features.v[0], "http_server") == 0);
    done(&r);
    r = eval(feat, "hostname r1\nno ip http server\n", SH_DIALECT_IOS, NULL);
    CHECK_EQ_INT(r.features.n, 0);
    done(&r);
}

SH_TEST(junos_set_form)
{
    const char *rule = "id: C-01.junos-super-user\ntitle: Junos super-user\nkind: ttp\n"
                       "severity: high\nplatforms: [junos]\n"
                       "match: '^set system login user (?<user>\\S+) class super-user'\n"
                       "where:\n  - capture: user\n    not_in_policy: local_users\n"
                       "message: 'Junos user {user} is super-user'\n" SAMPLES;
    const char *cfg = "set system host-name mx1\n"
                      "set system login user ops class super-user\n"
                      "set system login user tmp1 class super-user\n"
                      "set system login user ro class read-only\n";
    struct run r = eval(rule, cfg, SH_DIALECT_JUNOS, "local_users: [ops]\n");

    CHECK_OK(r.rc);
    CHECK_EQ_INT(r.f.n, 1);
    if (r.f.n == 1) {
        CHECK_EQ_INT(r.f.v[0]->line, 3);
        CHECK_STR(r.f.v[0]->message, "Junos user tmp1 is super-user");
        CHECK_STR(r.f.v[0]->platform, "junos");
    }
    done(&r);
    /* The same rule on the brace form of the same config. */
    r = eval(rule,
             "system {\n    host-name mx1;\n    login {\n        user ops {\n"
             "            class super-user;\n        }\n        user tmp1 {\n"
             "            class super-user;\n        }\n    }\n}\n",
             SH_DIALECT_JUNOS, "local_users: [ops]\n");
    CHECK_OK(r.rc);
    CHECK_EQ_INT(r.f.n, 1);
    if (r.f.n == 1) {
        CHECK_EQ_INT(r.f.v[0]->line, 8);
        CHECK_STR(r.f.v[0]->message, "Junos user tmp1 is super-user");
        CHECK_STR(r.f.v[0]->device, "mx1");
    }
    done(&r);
    /* A Junos-only rule stays quiet on IOS text. */
    r = eval(rule, cfg, SH_DIALECT_IOS, "local_users: [ops]\n");
    CHECK_EQ_INT(r.f.n, 0);
    done(&r);
}

SH_TEST(templates)
{
    const char *rule = "id: T-05.tpl\ntitle: t\nkind: ttp\nseverity: low\n"
                       "match: '^snmp-server community (?<c>\\S+)(?: view (?<v>\\S+))?'\n"
                       "message: 'c={c} v={v} dev={device} plat={platform} line={line} "
                       "literal={ not a placeholder } {{c}} {}'\n" SAMPLES;
    struct run r = eval(rule, "snmp-server community s3cret RO\n", SH_DIALECT_IOS, NULL);

    CHECK_OK(r.rc);
    CHECK_EQ_INT(r.f.n, 1);
    if (r.f.n == 1) {
        CHECK_STR(r.f.v[0]->message,
                  "c=s3cret v= dev=this device plat=ios line=snmp-server "
                  "community s3cret RO literal={ not a placeholder } {s3cret} {}");
        CHECK(r.f.v[0]->device == NULL);
        CHECK(r.f.v[0]->remediation == NULL);
    }
    done(&r);
}

SH_TEST(case_and_prefilter_fallbacks)
{
    /* nocase defaults to true; nocase: false is exact. */
    const char *ci = "id: T-06.ci\ntitle: t\nkind: ttp\nseverity: low\nmatch: '^monitor capture'\n"
                     "message: m\n" SAMPLES;
    const char *cs = "id: T-06.cs\ntitle: t\nkind: ttp\nseverity: low\nmatch: '^monitor capture'\n"
                     "nocase: false\nmessage: m\n" SAMPLES;
    /* \A and an inline (?s) keep a pattern out of the prefilter; it must still work per line. */
    const char *anchored =
        "id: T-06.a\ntitle: t\nkind: ttp\nseverity: low\nmatch: '\\Aguestshell'\n"
        "message: m\n" SAMPLES;
    /* Lookarounds are approximated by the prefilter and decided by PCRE2. */
    const char *look = "id: T-06.l\ntitle: t\nkind: ttp\nseverity: low\n"
                       "match: '^tunnel destination (?!10\\.)(?<d>\\S+)'\nmessage: '{d}'\n" SAMPLES;
    const char *cfg = "hostname r1\nMONITOR CAPTURE cap1 interface Gi0/0 both\n"
                      "interface Tunnel0\n tunnel destination 10.2.2.2\n"
                      "interface Tunnel1\n tunnel destination 45.61.165.157\n"
                      "guestshell enable\n";
    struct run r;

    r = eval(ci, cfg, SH_DIALECT_IOS, NULL);
    CHECK_EQ_INT(r.f.n, 1);
    done(&r);
    r = eval(cs, cfg, SH_DIALECT_IOS, NULL);
    CHECK_EQ_INT(r.f.n, 0);
    done(&r);
    r = eval(anchored, cfg, SH_DIALECT_IOS, NULL);
    CHECK_EQ_INT(r.f.n, 1);
    if (r.f.n == 1)
        CHECK_EQ_INT(r.f.v[0]->line, 7);
    done(&r);
    r = eval(look, cfg, SH_DIALECT_IOS, NULL);
    CHECK_EQ_INT(r.f.n, 1);
    if (r.f.n == 1)
        CHECK_STR(r.f.v[0]->message, "45.61.165.157");
    done(&r);
}

SH_TEST(every_matching_line_is_found)
{
    /* No single-match shortcut: 500 matching lines give 500 findings. */
    struct sh_buf b;
    const char *rule = "id: T-07.many\ntitle: t\nkind: ttp\nseverity: low\n"
                       "match: '^username (?<u>u\\d+) '\nmessage: '{u}'\n" SAMPLES;
    struct run r;
    int i;

    sh_buf_init(&b, 0);
    sh_buf_adds(&b, "hostname big\n");
    for (i = 0; i < 500; i++)
        sh_buf_printf(&b, "username u%d privilege 1 secret 0 x\n!\n", i);
    r = eval(rule, b.ptr, SH_DIALECT_IOS, NULL);
    CHECK_EQ_INT(r.f.n, 500);
    if (r.f.n == 500) {
        CHECK_STR(r.f.v[499]->message, "u499");
        CHECK_EQ_INT(r.f.v[499]->line, 2 + 2 * 499);
    }
    done(&r);
    sh_buf_free(&b);
}
