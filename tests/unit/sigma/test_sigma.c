/*
 * test_sigma.c - the Sigma engine on device log lines: loading, modifiers,
 * conditions, filters, the prefilter, correlations and load errors.
 */
#include "../../../src/lib/base/sh_base.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "log/syslog.h"
#include "sigma/sigma_corr.h"
#include "sigma/sigma_eval.h"
#include "sigma/sigma_int.h"
#include "test.h"

struct errs {
    int n;
    char last[512];
};

static void on_diag(const sh_diag *d, bool error, void *ud)
{
    struct errs *e = ud;
    if (!error)
        return;
    e->n++;
    snprintf(e->last, sizeof(e->last), "%s:%u: %s", d->source, d->line, d->text);
}

static sh_sigma_set *load(const char *yaml, struct errs *e)
{
    sh_sigma_set *s = NULL;
    sh_diag d;

    memset(e, 0, sizeof(*e));
    if (sh_sigma_set_new(&s))
        return NULL;
    sh_sigma_set_on_diag(s, on_diag, e);
    (void)sh_sigma_load_buf(s, yaml, strlen(yaml), "test.yml", &d);
    (void)sh_sigma_compile(s, NULL, &d);
    return s;
}

struct counter {
    int hits;
    char ids[512];
};

static int count_cb(const struct sg_rule *r, const struct sh_log_event *ev, void *ud)
{
    struct counter *c = ud;
    (void)ev;
    c->hits++;
    if (strlen(c->ids) + 40 < sizeof(c->ids)) {
        strcat(c->ids, r->id ? r->id : "?");
        strcat(c->ids, " ");
    }
    return 0;
}

/* Number of rule matches of one syslog line. */
static int hits(sh_sigma_set *s, const char *line)
{
    static struct sh_log_event ev;
    struct sg_scratch *sc = NULL;
    struct counter c;

    memset(&c, 0, sizeof(c));
    memset(&ev, 0, sizeof(ev));
    sh_syslog_parse(&ev, line, strlen(line), NULL);
    if (sh_sigma__scratch_new(s, &sc))
        return -1;
    sh_sigma__eval(sc, &ev, count_cb, &c);
    sh_sigma__scratch_free(sc);
    return c.hits;
}

#define CFG(cmd)                                                                                   \
    "Oct 12 10:15:01 rtr1 412: Oct 12 10:15:01 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: User:admin  "      \
    "logged command:" cmd

SH_TEST(keywords_or_and_all)
{
    struct errs e;
    sh_sigma_set *s = load("title: kw\nid: k1\nlogsource: {product: cisco, service: aaa}\n"
                           "detection:\n  keywords:\n    - 'clear logging'\n    - 'clear archive'\n"
                           "  condition: keywords\n---\n"
                           "title: kwall\nid: k2\nlogsource: {product: cisco}\n"
                           "detection:\n  kw:\n    '|all':\n      - ':179'\n      - 'BADAUTH'\n"
                           "  condition: kw\n",
                           &e);
    CHECK_EQ_INT(e.n, 0);
    CHECK_EQ_INT(hits(s, CFG("clear logging")), 1);
    CHECK_EQ_INT(hits(s, CFG("CLEAR ARCHIVE")), 1);
    CHECK_EQ_INT(hits(s, CFG("show logging")), 0);
    CHECK_EQ_INT(hits(s, "Oct 12 10:15:01 r1 %TCP-6-BADAUTH: Invalid MD5 digest from 10.0.0.1(179) "
                         "to 10.0.0.2(1234)"),
                 0);
    CHECK_EQ_INT(hits(s, "Oct 12 10:15:01 r1 %IP-TCP-3-BADAUTH: Invalid MD5 digest from "
                         "10.0.0.1:179 to 10.0.0.2:1234"),
                 1);
    sh_sigma_set_free(s);
}

SH_TEST(field_modifiers_and_wildcards)
{
    struct errs e;
    sh_sigma_set *s =
        load("title: t\nid: a\nlogsource: {product: cisco}\ndetection:\n"
             "  s:\n    command|startswith: 'username '\n    command|contains: 'privilege 15'\n"
             "  condition: s\n---\n"
             "title: t\nid: b\nlogsource: {product: cisco}\ndetection:\n"
             "  s:\n    command: 'copy * tftp:*'\n  condition: s\n---\n"
             "title: t\nid: c\nlogsource: {product: cisco}\ndetection:\n"
             "  s:\n    command|endswith: '\\*'\n  condition: s\n---\n"
             "title: t\nid: d\nlogsource: {product: cisco}\ndetection:\n"
             "  s:\n    command|re|i: '^ip ssh port (22[0-9]22|[0-9]{3}22)$'\n  condition: s\n---\n"
             "title: t\nid: e\nlogsource: {product: cisco}\ndetection:\n"
             "  s:\n    src_ip|cidr: '10.1.0.0/16'\n    mnemonic|contains: CONFIG_I\n  condition: "
             "s\n---\n"
             "title: t\nid: f\nlogsource: {product: cisco}\ndetection:\n"
             "  s:\n    user|cased: Admin\n  condition: s\n",
             &e);
    CHECK_EQ_INT(e.n, 0);
    CHECK_EQ_INT(hits(s, CFG("username evil privilege 15 secret 0 x")), 1);
    CHECK_EQ_INT(hits(s, CFG("no username evil privilege 15")), 0);
    CHECK_EQ_INT(hits(s, CFG("copy running-config tftp://1.2.3.4/a")), 1);
    CHECK_EQ_INT(hits(s, CFG("copy running-config startup-config")), 0);
    CHECK_EQ_INT(hits(s, CFG("banner motd *")), 1);
    CHECK_EQ_INT(hits(s, CFG("banner motd x")), 0);
    CHECK_EQ_INT(hits(s, CFG("IP SSH PORT 22122")), 1);
    CHECK_EQ_INT(hits(s, CFG("ip ssh port 2222")), 0);
    CHECK_EQ_INT(hits(s, "Oct 12 10:15:01 rtr1 1: Oct 12 10:15:01 UTC: %SYS-5-CONFIG_I: Configured "
                         "from console by bob on vty0 (10.1.200.5)"),
                 1);
    CHECK_EQ_INT(hits(s, "Oct 12 10:15:01 rtr1 1: Oct 12 10:15:01 UTC: %SYS-5-CONFIG_I: Configured "
                         "from console by bob on vty0 (10.2.0.5)"),
                 0);
    CHECK_EQ_INT(hits(s, "Oct 12 10:15:01 rtr1 1: Oct 12 10:15:01 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: "
                         "User:Admin  logged command:x"),
                 1);
    CHECK_EQ_INT(hits(s, "Oct 12 10:15:01 rtr1 1: Oct 12 10:15:01 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: "
                         "User:admin  logged command:x"),
                 0);
    sh_sigma_set_free(s);
}

SH_TEST(encoding_modifiers)
{
    struct errs e;
    /* "copy run" in base64 at each of the three offsets */
    sh_sigma_set *s =
        load("title: t\nid: b64\nlogsource: {product: cisco}\ndetection:\n"
             "  s:\n    message|base64offset|contains: 'copy run'\n  condition: s\n---\n"
             "title: t\nid: wd\nlogsource: {product: cisco}\ndetection:\n"
             "  s:\n    command|windash|contains: ' -l admin'\n  condition: s\n",
             &e);
    CHECK_EQ_INT(e.n, 0);
    CHECK_EQ_INT(hits(s, "Oct 12 10:15:01 r1 %X-5-Y: Y29weSBydW4="), 1);     /* "copy run" */
    CHECK_EQ_INT(hits(s, "Oct 12 10:15:01 r1 %X-5-Y: IGNvcHkgcnVu"), 1);     /* " copy run" */
    CHECK_EQ_INT(hits(s, "Oct 12 10:15:01 r1 %X-5-Y: ICBjb3B5IHJ1bg=="), 1); /* "  copy run" */
    CHECK_EQ_INT(hits(s, "Oct 12 10:15:01 r1 %X-5-Y: c2hvdyBydW4="), 0);     /* "show run" */
    CHECK_EQ_INT(hits(s, CFG("ssh -l admin 10.0.0.1")), 1);
    CHECK_EQ_INT(hits(s, CFG("ssh /l admin 10.0.0.1")), 1);
    CHECK_EQ_INT(hits(s, CFG("ssh \xe2\x80\x93l admin 10.0.0.1")), 1);
    CHECK_EQ_INT(hits(s, CFG("ssh l admin 10.0.0.1")), 0);
    sh_sigma_set_free(s);
}

SH_TEST(exists_null_numbers_fieldref)
{
    struct errs e;
    sh_sigma_set *s = load(
        "title: t\nid: ex\nlogsource: {product: cisco}\ndetection:\n"
        "  s:\n    local_port|exists: true\n    local_port|gte: 18000\n    local_port|lt: 19000\n"
        "  condition: s\n---\n"
        "title: t\nid: nu\nlogsource: {product: cisco}\ndetection:\n"
        "  s:\n    mnemonic|contains: LOGIN_SUCCESS\n    user: null\n  condition: s\n---\n"
        "title: t\nid: fr\nlogsource: {product: cisco}\ndetection:\n"
        "  s:\n    command|fieldref|contains: user\n  condition: s\n",
        &e);
    CHECK_EQ_INT(e.n, 0);
    CHECK_EQ_INT(hits(s, "Oct 12 10:16:01 rtr1 414: Oct 12 10:16:01.123 UTC: "
                         "%SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: admin] [Source: "
                         "10.1.1.5] [localport: 18443] at 10:16:01 UTC Thu Oct 12 2023"),
                 1);
    CHECK_EQ_INT(hits(s, "Oct 12 10:16:01 rtr1 414: Oct 12 10:16:01.123 UTC: "
                         "%SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: admin] [Source: "
                         "10.1.1.5] [localport: 22] at 10:16:01 UTC Thu Oct 12 2023"),
                 0);
    CHECK_EQ_INT(
        hits(s, "Oct 12 10:16:01 rtr1 414: Oct 12 10:16:01.123 UTC: %SEC_LOGIN-5-LOGIN_SUCCESS: "
                "Login Success at 10:16:01 UTC Thu Oct 12 2023"),
        1);
    CHECK_EQ_INT(hits(s, CFG("username admin privilege 1")), 1);
    CHECK_EQ_INT(hits(s, CFG("username bob privilege 1")), 0);
    sh_sigma_set_free(s);
}

SH_TEST(conditions_and_unanchored_rules)
{
    struct errs e;
    sh_sigma_set *s =
        load("title: t\nid: q\nlogsource: {product: cisco}\ndetection:\n"
             "  sel_a:\n    command|contains: 'tunnel source'\n"
             "  sel_b:\n    command|contains: 'tunnel destination'\n"
             "  filter:\n    user: netops\n"
             "  condition: 1 of sel_* and not filter\n---\n"
             "title: t\nid: all\nlogsource: {product: cisco}\ndetection:\n"
             "  k1:\n    - 'monitor'\n  k2:\n    - 'capture'\n  condition: all of them\n---\n"
             "title: t\nid: neg\nlogsource: {product: cisco}\ndetection:\n"
             "  s:\n    mnemonic|contains: CFGLOG\n  condition: not s\n",
             &e);
    CHECK_EQ_INT(e.n, 0);
    /* q: anchored on its literals; neg: no literal anchor, evaluated on every event */
    CHECK(((struct sg_rule *)s->rules.v[0])->anchored);
    CHECK(!((struct sg_rule *)s->rules.v[2])->anchored);
    CHECK_EQ_INT(hits(s, CFG("tunnel source Loopback0")), 1);
    CHECK_EQ_INT(hits(s, "Oct 12 10:15:01 rtr1 1: Oct 12 10:15:01 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: "
                         "User:netops  logged command:tunnel source Lo0"),
                 0);
    CHECK_EQ_INT(hits(s, CFG("monitor capture CAP start")), 1);
    CHECK_EQ_INT(hits(s, "Oct 12 10:15:01 r1 %LINK-3-UPDOWN: Interface Gi0/1, changed state to up"),
                 1);
    sh_sigma_set_free(s);
}

/* `field|exists: true` is an anchor: the rule is evaluated only for events
 * that have the field, and still fires for each of them. */
SH_TEST(field_presence_is_an_anchor)
{
    struct errs e;
    sh_sigma_set *s = load("title: t\nid: cmd\nlogsource: {product: cisco}\ndetection:\n"
                           "  kw:\n    - 'AAA_ACCOUNTING_MESSAGE'\n"
                           "  c:\n    command|exists: true\n  condition: kw or c\n---\n"
                           "title: t\nid: nocmd\nlogsource: {product: cisco}\ndetection:\n"
                           "  c:\n    command|exists: false\n  condition: c\n",
                           &e);
    CHECK_EQ_INT(e.n, 0);
    CHECK(((struct sg_rule *)s->rules.v[0])->anchored);
    CHECK(!((struct sg_rule *)s->rules.v[1])->anchored); /* absence is no anchor */
    CHECK_EQ_INT(s->nexists, 1);
    /* a command: both the keyword-less record and the CFGLOG form fire `cmd` */
    CHECK_EQ_INT(hits(s, CFG("snmp-server community x RO")), 1);
    /* no command: only `nocmd` fires */
    CHECK_EQ_INT(hits(s, "Oct 12 10:15:01 r1 %LINK-3-UPDOWN: Interface Gi0/1, changed state to up"),
                 1);
    sh_sigma_set_free(s);
}

SH_TEST(filters_apply_to_rules_by_id)
{
    struct errs e;
    sh_sigma_set *s =
        load("title: t\nid: base\nlogsource: {product: cisco}\ndetection:\n"
             "  s:\n    command|contains: 'snmp-server community'\n  condition: s\n---\n"
             "title: allow automation\nlogsource: {product: cisco}\nfilter:\n  rules:\n    - base\n"
             "  selection:\n    user: ansible\n  condition: not selection\n",
             &e);
    CHECK_EQ_INT(e.n, 0);
    CHECK_EQ_INT(hits(s, CFG("snmp-server community x RO")), 1);
    CHECK_EQ_INT(hits(s, "Oct 12 10:15:01 rtr1 1: Oct 12 10:15:01 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: "
                         "User:ansible  logged command:snmp-server community x RO"),
                 0);
    sh_sigma_set_free(s);
}

static bool fake_contains(const struct sh_policy *p, enum sh_policy_key k, const char *v)
{
    (void)p;
    return k == SH_POL_MANAGEMENT_NETWORKS && strncmp(v, "10.250.", 7) == 0;
}

SH_TEST(expand_uses_site_policy_keys)
{
    struct errs e;
    sh_sigma_set *s = load("title: t\nid: x\nlogsource: {product: cisco}\ndetection:\n"
                           "  s:\n    mnemonic|contains: LOGIN_SUCCESS\n  mgmt:\n    "
                           "src_ip|expand: '%management_networks%'\n"
                           "  condition: s and not mgmt\n",
                           &e);
    CHECK_EQ_INT(e.n, 0);
    s->policy = (const struct sh_policy *)s; /* any non-NULL handle for the fake */
    s->policy_contains = fake_contains;
    CHECK_EQ_INT(hits(s, "Oct 12 10:16:01 rtr1 414: Oct 12 10:16:01 UTC: "
                         "%SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: a] [Source: 10.250.1.5] "
                         "[localport: 22] at 10:16:01 UTC Thu Oct 12 2023"),
                 0);
    CHECK_EQ_INT(hits(s, "Oct 12 10:16:01 rtr1 414: Oct 12 10:16:01 UTC: "
                         "%SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: a] [Source: "
                         "203.0.113.9] [localport: 22] at 10:16:01 UTC Thu Oct 12 2023"),
                 1);
    sh_sigma_set_free(s);

    s = load("title: t\nid: x\nlogsource: {product: cisco}\ndetection:\n"
             "  s:\n    src_ip|expand: '%jump_hosts%'\n  condition: s\n",
             &e);
    CHECK_EQ_INT(e.n, 1);
    CHECK(strstr(e.last, "unknown placeholder '%jump_hosts%'") != NULL);
    CHECK(strstr(e.last, "test.yml:6") != NULL);
    sh_sigma_set_free(s);
}

SH_TEST(load_errors_name_file_and_line)
{
    struct errs e;
    sh_sigma_set *s = load("title: bad modifier\nlogsource: {product: cisco}\ndetection:\n"
                           "  s:\n    command|sounds_like: x\n  condition: s\n---\n"
                           "title: bad condition\nlogsource: {product: cisco}\ndetection:\n"
                           "  s:\n    command: x\n  condition: s and (t or\n---\n"
                           "title: fine\nid: ok\nlogsource: {product: cisco}\ndetection:\n"
                           "  s:\n    command: x\n  condition: s\n",
                           &e);
    CHECK_EQ_INT(e.n, 2);
    CHECK(strstr(e.last, "test.yml:13") != NULL);
    CHECK_EQ_INT(sh_sigma_count(s), 1); /* the good rule still loads */
    sh_sigma_set_free(s);

    s = load("title: [unclosed\n", &e);
    CHECK_EQ_INT(e.n, 1);
    CHECK(strstr(e.last, "yaml") != NULL);
    sh_sigma_set_free(s);

    s = load("a: &x [1, 2]\nb: *x\n", &e);
    CHECK_EQ_INT(e.n, 1);
    CHECK(strstr(e.last, "aliases") != NULL);
    sh_sigma_set_free(s);
}

/* ---- correlations ---- */

struct corr_out {
    int n;
    char ids[512];
    char why[256];
    size_t contrib;
};

static int corr_cb(const struct sg_rule *r, const struct sg_hit *o, void *ud)
{
    struct corr_out *c = ud;
    c->n++;
    if (strlen(c->ids) + 40 < sizeof(c->ids)) {
        strcat(c->ids, r->id ? r->id : "?");
        strcat(c->ids, " ");
    }
    snprintf(c->why, sizeof(c->why), "%s", o->why ? o->why : "");
    c->contrib = o->ncontrib;
    return 0;
}

struct feed {
    struct sg_hits *h;
    const char *path;
};

static int keep_cb(const struct sg_rule *r, const struct sh_log_event *ev, void *ud)
{
    struct feed *f = ud;
    return sh_sigma__hits_add(f->h, r, ev, f->path);
}

/* Each line of `text` (separated by \n) through the rules into f's store;
 * `with_pos` gives them their positions in text, as the plain-file reader
 * gives them theirs. */
static void feed_lines(struct sg_scratch *sc, struct feed *f, const char *text, bool with_pos)
{
    static struct sh_log_event ev;
    const char *p = text;
    uint64_t line = 0;

    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        memset(&ev, 0, sizeof(ev));
        sh_syslog_parse(&ev, p, n, NULL);
        ev.line = ++line;
        ev.pos = with_pos ? (uint64_t)(p - text) + 1 : 0;
        sh_sigma__eval(sc, &ev, keep_cb, f);
        p += n + (nl ? 1 : 0);
    }
}

/* Feed lines through the rules, then run correlations. */
static void run_lines(sh_sigma_set *s, const char *text, struct corr_out *out)
{
    struct sg_scratch *sc = NULL;
    struct feed f = {NULL, "t.log"};

    memset(out, 0, sizeof(*out));
    if (sh_sigma__hits_new(&f.h, 0) || sh_sigma__scratch_new(s, &sc))
        return;
    feed_lines(sc, &f, text, false);
    sh_sigma__corr_run(s, f.h, false, corr_cb, out);
    sh_sigma__scratch_free(sc);
    sh_sigma__hits_free(f.h);
}

#define T(ts, cmd)                                                                                 \
    "2023 Oct 12 " ts " rtr1 %PARSER-5-CFGLOG_LOGGEDCMD: User:admin  logged command:" cmd "\n"

static const char *corr_rules =
    "title: recon\nid: recon\nlogsource: {product: cisco}\ndetection:\n"
    "  s:\n    command|startswith: 'show '\n  condition: s\n---\n"
    "title: burst\nid: burst\ncorrelation:\n  type: event_count\n  rules: [recon]\n"
    "  group-by: [host]\n  timespan: 5m\n  condition: {gte: 3}\n---\n"
    "title: variety\nid: variety\ncorrelation:\n  type: value_count\n  rules: [recon]\n"
    "  group-by: [host]\n  timespan: 5m\n  condition: {gte: 3, field: command}\n";

SH_TEST(event_and_value_count)
{
    struct errs e;
    struct corr_out o;
    sh_sigma_set *s = load(corr_rules, &e);

    CHECK_EQ_INT(e.n, 0);
    run_lines(s,
              T("10:00:00", "show version") T("10:01:00", "show version")
                  T("10:02:00", "show version"),
              &o);
    CHECK_STR(o.ids, "burst ");
    CHECK_EQ_INT(o.contrib, 3);
    run_lines(s,
              T("10:00:00", "show version") T("10:01:00", "show users") T("10:09:00", "show clock"),
              &o);
    CHECK_EQ_INT(o.n, 0); /* third event falls outside the 5 minute window */
    run_lines(s,
              T("10:00:00", "show version") T("10:01:00", "show users") T("10:02:00", "show clock"),
              &o);
    CHECK_EQ_INT(o.n, 2);
    CHECK(strstr(o.ids, "variety") != NULL);
    sh_sigma_set_free(s);
}

static const char *temporal_rules =
    "title: gs on\nid: on\nlogsource: {product: cisco}\ndetection:\n"
    "  s:\n    command|contains: 'guestshell enable'\n  condition: s\n---\n"
    "title: gs off\nid: off\nlogsource: {product: cisco}\ndetection:\n"
    "  s:\n    command|contains: 'guestshell destroy'\n  condition: s\n---\n"
    "title: in and out\nid: inout\ncorrelation:\n  type: temporal_ordered\n  rules: [on, off]\n"
    "  group-by: [host]\n  timespan: 30m\n---\n"
    "title: both\nid: both\ncorrelation:\n  type: temporal\n  rules: [on, off]\n"
    "  group-by: [host]\n  timespan: 30m\n---\n"
    "title: chained\nid: chained\ncorrelation:\n  type: event_count\n  rules: [inout]\n"
    "  group-by: [host]\n  timespan: 1h\n  condition: {gte: 1}\n";

SH_TEST(temporal_ordered_and_chained)
{
    struct errs e;
    struct corr_out o;
    sh_sigma_set *s = load(temporal_rules, &e);

    CHECK_EQ_INT(e.n, 0);
    run_lines(s, T("10:00:00", "guestshell enable") T("10:10:00", "guestshell destroy"), &o);
    /* inout feeds `chained` (no generate), so only both and chained report */
    CHECK_EQ_INT(o.n, 2);
    CHECK(!strstr(o.ids, "inout") && strstr(o.ids, "both") && strstr(o.ids, "chained"));
    run_lines(s, T("10:00:00", "guestshell destroy") T("10:10:00", "guestshell enable"), &o);
    CHECK_STR(o.ids, "both ");
    run_lines(s, T("10:00:00", "guestshell enable") T("11:10:00", "guestshell destroy"), &o);
    CHECK_EQ_INT(o.n, 0);
    /* base rules read by correlations without `generate` only feed them */
    CHECK(((struct sg_rule *)s->rules.v[0])->suppressed);
    sh_sigma_set_free(s);
}

struct raw_out {
    int n;
    char raw[256];
    bool none;
};

static int raw_cb(const struct sg_rule *r, const struct sg_hit *o, void *ud)
{
    struct raw_out *c = ud;

    if (strcmp(r->id ? r->id : "", "both") != 0)
        return 0;
    c->n++;
    c->none = o->raw == NULL;
    snprintf(c->raw, sizeof(c->raw), "%s", o->raw ? o->raw : "");
    return 0;
}

/* Lines of `path` through the rules as a plain-file reader gives them (with
 * their positions); `rewrite` replaces the file before correlating. */
static void run_file(sh_sigma_set *s, const char *path, const char *text, const char *rewrite,
                     struct raw_out *out)
{
    struct sg_scratch *sc = NULL;
    struct feed f = {NULL, path};
    FILE *fp = fopen(path, "w");

    memset(out, 0, sizeof(*out));
    if (!fp)
        return;
    fputs(text, fp);
    fclose(fp);
    if (sh_sigma__hits_new(&f.h, 0) || sh_sigma__scratch_new(s, &sc))
        return;
    feed_lines(sc, &f, text, true);
    if (rewrite && (fp = fopen(path, "w")) != NULL) {
        fputs(rewrite, fp);
        fclose(fp);
    }
    sh_sigma__corr_run(s, f.h, false, raw_cb, out);
    sh_sigma__scratch_free(sc);
    sh_sigma__hits_free(f.h);
    unlink(path);
}

/* Hits of a plain file keep where their line is; the line a correlation
 * fires on is read back from the file, and not at all once it changed. */
SH_TEST(evidence_read_back_by_position)
{
    struct errs e;
    struct raw_out o;
    sh_sigma_set *s = load(temporal_rules, &e);
    char path[64];
    const char *text = T("10:00:00", "guestshell enable") T("10:20:00", "guestshell destroy");
    int fd;

    CHECK_EQ_INT(e.n, 0);
    snprintf(path, sizeof(path), "/tmp/sh-raw-XXXXXX");
    fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd >= 0)
        close(fd);
    run_file(s, path, text, NULL, &o);
    CHECK_EQ_INT(o.n, 1);
    CHECK_STR(o.raw, "2023 Oct 12 10:20:00 rtr1 %PARSER-5-CFGLOG_LOGGEDCMD: User:admin  logged "
                     "command:guestshell destroy");
    /* the same length, other bytes: no evidence rather than the wrong line */
    {
        char other[512];
        size_t i;
        snprintf(other, sizeof(other), "%s", text);
        for (i = 0; other[i]; i++)
            if (other[i] == 'd')
                other[i] = 'D';
        run_file(s, path, text, other, &o);
    }
    CHECK_EQ_INT(o.n, 1);
    CHECK(o.none);
    run_file(s, path, text, "", &o);
    CHECK_EQ_INT(o.n, 1);
    CHECK(o.none);
    sh_sigma_set_free(s);
}

/* Correlations that cannot fire are skipped before the sort; those that
 * can, even with some of their rules unmatched, must still run. */
SH_TEST(correlations_with_unmatched_rules)
{
    struct errs e;
    struct corr_out o;
    sh_sigma_set *s =
        load("title: gs on\nid: on\nlogsource: {product: cisco}\ndetection:\n"
             "  s:\n    command|contains: 'guestshell enable'\n  condition: s\n---\n"
             "title: gs off\nid: off\nlogsource: {product: cisco}\ndetection:\n"
             "  s:\n    command|contains: 'guestshell destroy'\n  condition: s\n---\n"
             "title: one of two\nid: oneof\ncorrelation:\n  type: temporal\n  rules: [on, off]\n"
             "  group-by: [host]\n  timespan: 30m\n  condition: {gte: 1}\n---\n"
             "title: both\nid: both\ncorrelation:\n  type: temporal\n  rules: [on, off]\n"
             "  group-by: [host]\n  timespan: 30m\n---\n"
             "title: count\nid: count\ncorrelation:\n  type: event_count\n  rules: [on, off]\n"
             "  group-by: [host]\n  timespan: 30m\n  condition: {gte: 2}\n",
             &e);

    CHECK_EQ_INT(e.n, 0);
    /* only `on` matches: `both` cannot fire, `oneof` and `count` can */
    run_lines(s, T("10:00:00", "guestshell enable") T("10:05:00", "guestshell enable"), &o);
    CHECK(strstr(o.ids, "oneof") != NULL);
    CHECK(strstr(o.ids, "count") != NULL);
    CHECK(strstr(o.ids, "both") == NULL);
    sh_sigma_set_free(s);
}

SH_TEST(absence_and_gap_extensions)
{
    struct errs e;
    struct corr_out o;
    sh_sigma_set *s =
        load("title: change\nid: change\nlogsource: {product: cisco}\ndetection:\n"
             "  s:\n    mnemonic|contains: CONFIG_I\n  condition: s\n---\n"
             "title: cmd\nid: cmd\nlogsource: {product: cisco}\ndetection:\n"
             "  s:\n    mnemonic|contains: CFGLOG_LOGGEDCMD\n  condition: s\n---\n"
             "title: unlogged\nid: unlogged\ncorrelation:\n  type: x-salthunt-absence\n"
             "  rules: [change]\n  x-salthunt-absent: cmd\n  group-by: [host]\n  timespan: 10m\n",
             &e);
    CHECK_EQ_INT(e.n, 0);
    run_lines(s,
              T("10:00:00", "hostname x") "2023 Oct 12 10:01:00 rtr1 %SYS-5-CONFIG_I: Configured "
                                          "from console by admin on vty0 (10.1.1.5)\n"
                                          "2023 Oct 12 12:01:00 rtr1 %SYS-5-CONFIG_I: Configured "
                                          "from console by admin on vty0 (10.1.1.5)\n",
              &o);
    CHECK_STR(o.ids, "unlogged ");
    sh_sigma_set_free(s);
}

SH_TEST(correlation_errors)
{
    struct errs e;
    sh_sigma_set *s = load("title: c\nid: c\ncorrelation:\n  type: event_count\n  rules: [nope]\n"
                           "  timespan: 5m\n  condition: {gte: 2}\n",
                           &e);
    CHECK_EQ_INT(e.n, 1);
    CHECK(strstr(e.last, "unknown rule 'nope'") != NULL);
    sh_sigma_set_free(s);
    s = load("title: c\nid: c\ncorrelation:\n  type: value_sum\n  rules: [x]\n  timespan: 5m\n",
             &e);
    CHECK_EQ_INT(e.n, 1);
    CHECK(strstr(e.last, "unsupported correlation type") != NULL);
    sh_sigma_set_free(s);
}
