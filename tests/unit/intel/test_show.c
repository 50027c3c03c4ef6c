/*
 * test_show.c - the ntc-templates peer suite for show parsers, plus
 * prompts, Ivanti and Exchange samples.
 *
 * Every show_version / show_version_brief / show_system_info /
 * get_system_status fixture of the listed platforms in
 * $SH_CORPUS/ntc-templates is parsed, and our hostname, version, model
 * and serial must equal the fields of their expected YAML wherever both
 * sides have a value (their field names mapped to ours; lists give their
 * first element; their version strings carry labels after the release,
 * "10.4(5) [Maintenance Release]", so the first word is compared).
 */
#include "base/sh_base.h"

#include "test.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <yaml.h>

#include "intel/show.h"

struct fieldmap {
    const char *platform_dir, *command;
    const char *hostname, *version, *model, *serial; /* their keys, NULL = none */
    const char *model2;
    bool fortinet_version; /* "FortiGate-1500D v6.0.7,build0302,191112 (GA)" */
    bool required;         /* must pass 100% */
};

static const struct fieldmap maps[] = {
    {"cisco_ios", "show_version", "hostname", "version", "hardware", "serial", NULL, false, true},
    {"cisco_nxos", "show_version", "hostname", "os", "platform", "serial", NULL, false, true},
    {"cisco_xr", "show_version", "hostname", "version", "hardware", NULL, "model", false, true},
    {"cisco_xr", "show_version_brief", "hostname", "version", "hardware", NULL, "model", false,
     true},
    {"juniper_junos", "show_version", "hostname", "junos_version", "model", "serial_number", NULL,
     false, true},
    {"arista_eos", "show_version", NULL, "image", "model", "serial_number", NULL, false, true},
    {"cisco_asa", "show_version", "hostname", "version", "model", "serial", NULL, false, true},
    {"paloalto_panos", "show_system_info", "hostname", "os", "model", "serial", NULL, false, false},
    {"fortinet", "get_system_status", "hostname", NULL, NULL, "serial_number", NULL, true, false},
};

#define MAX_KV 128

struct kv {
    char *k[MAX_KV];
    char *v[MAX_KV];
    int n;
};

/* First item of `parsed_sample`: each key with its scalar or first list element. */
static bool load_expected(const char *path, struct kv *out)
{
    FILE *f = fopen(path, "rb");
    yaml_parser_t p;
    yaml_event_t ev;
    int depth = 0, item = -1; /* depth of nesting; index of the parsed_sample item */
    bool in_sample = false, ok = true, done = false;
    char *key = NULL;
    bool in_list = false, list_taken = false;

    memset(out, 0, sizeof(*out));
    if (!f)
        return false;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_file(&p, f);
    while (!done) {
        if (!yaml_parser_parse(&p, &ev)) {
            ok = false;
            break;
        }
        switch (ev.type) {
        case YAML_STREAM_END_EVENT: done = true; break;
        case YAML_MAPPING_START_EVENT:
            depth++;
            if (in_sample && depth == 2)
                item++;
            break;
        case YAML_MAPPING_END_EVENT: depth--; break;
        case YAML_SEQUENCE_START_EVENT:
            if (in_sample && depth == 2 && key) {
                in_list = true;
                list_taken = false;
            }
            break;
        case YAML_SEQUENCE_END_EVENT:
            if (in_list) {
                in_list = false;
                free(key);
                key = NULL;
            }
            break;
        case YAML_SCALAR_EVENT: {
            const char *s = (const char *)ev.data.scalar.value;
            if (depth == 1 && !in_sample) {
                in_sample = strcmp(s, "parsed_sample") == 0;
            } else if (in_sample && depth == 2 && item == 0) {
                if (in_list) {
                    if (!list_taken && out->n < MAX_KV) {
                        out->k[out->n] = strdup(key);
                        out->v[out->n++] = strdup(s);
                        list_taken = true;
                    }
                } else if (!key) {
                    key = strdup(s);
                } else {
                    if (out->n < MAX_KV) {
                        out->k[out->n] = key;
                        out->v[out->n++] = strdup(s);
                    } else {
                        free(key);
                    }
                    key = NULL;
                }
            } else if (in_sample && depth == 2 && key && !in_list) {
                free(key);
                key = NULL;
            }
            break;
        }
        default: break;
        }
        yaml_event_delete(&ev);
    }
    free(key);
    yaml_parser_delete(&p);
    fclose(f);
    return ok;
}

static void free_kv(struct kv *kv)
{
    int i;
    for (i = 0; i < kv->n; i++) {
        free(kv->k[i]);
        free(kv->v[i]);
    }
}

static const char *get(const struct kv *kv, const char *k)
{
    int i;
    if (!k)
        return NULL;
    for (i = 0; i < kv->n; i++) {
        if (strcmp(kv->k[i], k) == 0)
            return kv->v[i][0] ? kv->v[i] : NULL;
    }
    return NULL;
}

/* Their value vs ours: first word of theirs for versions. */
static bool same(const char *theirs, const char *ours, bool first_word)
{
    size_t n = strlen(theirs);
    if (first_word) {
        const char *sp = strchr(theirs, ' ');
        if (sp)
            n = (size_t)(sp - theirs);
    }
    return strlen(ours) == n && strncmp(theirs, ours, n) == 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One fixture: returns true when every field both sides have agrees. */
static bool check_fixture(const struct fieldmap *m, const char *raw_path, const char *yml_path,
                          int *fields_compared)
{
    char *buf = NULL;
    size_t len = 0;
    struct sh_ptrvec devs = {0};
    struct kv kv;
    sh_device *d;
    bool ok = true;
    size_t i;
    struct {
        const char *theirs_key;
        const char *ours;
        bool first_word;
    } cmp[5];
    const char *fv = NULL;
    char fver[64] = "", fmodel[64] = "";

    if (sh_file_read(&buf, &len, raw_path, 1 << 20, NULL) || !load_expected(yml_path, &kv)) {
        sh_test_fail(__FILE__, __LINE__, "cannot read %s", raw_path);
        sh_free(buf);
        return false;
    }
    CHECK_OK(sh_show_parse(buf, len, raw_path, &devs, NULL));
    if (devs.n == 0) {
        printf("  %s: no record\n", raw_path);
        ok = false;
        goto out;
    }
    d = devs.v[0];
    cmp[0].theirs_key = m->hostname, cmp[0].ours = d->hostname, cmp[0].first_word = false;
    cmp[1].theirs_key = m->version, cmp[1].ours = d->version, cmp[1].first_word = true;
    cmp[2].theirs_key = m->model, cmp[2].ours = d->model, cmp[2].first_word = false;
    cmp[3].theirs_key = m->serial, cmp[3].ours = d->serial, cmp[3].first_word = false;
    cmp[4].theirs_key = m->model2, cmp[4].ours = d->model, cmp[4].first_word = false;
    for (i = 0; i < SH_ARRAY_LEN(cmp); i++) {
        const char *t = get(&kv, cmp[i].theirs_key);
        if (!t || !cmp[i].ours)
            continue;
        (*fields_compared)++;
        if (!same(t, cmp[i].ours, cmp[i].first_word)) {
            printf("  %s: %s is \"%s\", theirs \"%s\"\n", raw_path, cmp[i].theirs_key, cmp[i].ours,
                   t);
            ok = false;
        }
    }
    if (m->fortinet_version && (fv = get(&kv, "version")) != NULL &&
        sscanf(fv, "%63[^ ] v%63[^,]", fmodel, fver) == 2) {
        *fields_compared += 2;
        if (!d->version || strcmp(d->version, fver) != 0 || !d->model ||
            strcmp(d->model, fmodel) != 0) {
            printf("  %s: version/model \"%s\"/\"%s\", theirs \"%s\"\n", raw_path,
                   d->version ? d->version : "", d->model ? d->model : "", fv);
            ok = false;
        }
    }
out:
    sh_show_free_devices(&devs);
    free_kv(&kv);
    sh_free(buf);
    return ok;
}

SH_TEST(ntc_templates_peer_suite)
{
    size_t mi;
    int total_pass = 0, total = 0;

    for (mi = 0; mi < SH_ARRAY_LEN(maps); mi++) {
        const struct fieldmap *m = &maps[mi];
        char dir[1024], raw[1200], yml[1200];
        DIR *dp;
        struct dirent *de;
        char *names[256];
        size_t n = 0, i;
        int pass = 0, fields = 0;

        snprintf(dir, sizeof(dir), "%s/%s", sh_test_corpus("ntc-templates"), m->platform_dir);
        strncat(dir, "/", sizeof(dir) - strlen(dir) - 1);
        strncat(dir, m->command, sizeof(dir) - strlen(dir) - 1);
        dp = opendir(dir);
        if (!dp) {
            sh_test_fail(__FILE__, __LINE__, "missing fixtures %s", dir);
            continue;
        }
        while ((de = readdir(dp)) != NULL && n < SH_ARRAY_LEN(names)) {
            size_t l = strlen(de->d_name);
            if (l > 4 && strcmp(de->d_name + l - 4, ".raw") == 0)
                names[n++] = strdup(de->d_name);
        }
        closedir(dp);
        qsort(names, n, sizeof(*names), cmp_str);
        for (i = 0; i < n; i++) {
            snprintf(raw, sizeof(raw), "%s/%s", dir, names[i]);
            snprintf(yml, sizeof(yml), "%s/%.*s.yml", dir, (int)(strlen(names[i]) - 4), names[i]);
            if (check_fixture(m, raw, yml, &fields))
                pass++;
            free(names[i]);
        }
        printf("peer %-15s %-19s %d/%zu fixtures pass (%d fields compared)\n", m->platform_dir,
               m->command, pass, n, fields);
        total += (int)n;
        total_pass += pass;
        CHECK(n > 0);
        CHECK(fields >= (int)n); /* something was compared in every fixture on average */
        if (m->required)
            CHECK_EQ_INT(pass, (int)n);
    }
    printf("peer total %d/%d\n", total_pass, total);
}

static sh_device *parse_one(const char *text, size_t *n_out, struct sh_ptrvec *devs)
{
    memset(devs, 0, sizeof(*devs));
    CHECK_OK(sh_show_parse(text, strlen(text), "t.txt", devs, NULL));
    *n_out = devs->n;
    return devs->n ? devs->v[0] : NULL;
}

static void free_devs(struct sh_ptrvec *devs)
{
    sh_show_free_devices(devs);
}

SH_TEST(prompts_split_commands)
{
    const char *text = "edge1#show version\n"
                       "Cisco IOS XE Software, Version 17.09.04a\n"
                       "Cisco IOS Software [Cupertino], Catalyst L3 Switch Software (CAT9K_IOSXE), "
                       "Version 17.9.4a, RELEASE SOFTWARE (fc3)\n"
                       "cisco C9300-48P (X86) processor with 1392780K/6147K bytes of memory.\n"
                       "Processor board ID FOC1234X0AB\n"
                       "edge1#show clock\n"
                       "*10:00:00.000 UTC Mon Jan 1 2024\n"
                       "RP/0/RSP0/CPU0:core9#show version\n"
                       "Cisco IOS XR Software, Version 7.5.2\n"
                       "System uptime is 3 weeks\n"
                       "admin@fw1(active)> show system info\n"
                       "hostname: fw1\nmodel: PA-3220\nsw-version: 10.2.9-h1\nserial: 0123456\n";
    struct sh_ptrvec devs;
    size_t n;
    sh_device *d = parse_one(text, &n, &devs);

    CHECK_EQ_INT(n, 3);
    if (n == 3) {
        CHECK_STR(d->hostname, "edge1");
        CHECK_STR(d->platform, "iosxe");
        CHECK_STR(d->version, "17.9.4a");
        CHECK_STR(d->model, "C9300-48P");
        CHECK_STR(d->serial, "FOC1234X0AB");
        d = devs.v[1];
        CHECK_STR(d->hostname, "core9");
        CHECK_STR(d->platform, "iosxr");
        CHECK_STR(d->version, "7.5.2");
        d = devs.v[2];
        CHECK_STR(d->hostname, "fw1");
        CHECK_STR(d->platform, "panos");
        CHECK_STR(d->version, "10.2.9-h1");
        CHECK_STR(d->sources.v[0], "t.txt");
    }
    free_devs(&devs);
}

SH_TEST(ivanti_and_exchange)
{
    struct sh_ptrvec devs;
    size_t n;
    sh_device *d;

    d = parse_one("vpn1#show version\nIvanti Connect Secure 22.7R2.3 (build 3431)\n", &n, &devs);
    CHECK_EQ_INT(n, 1);
    if (d) {
        CHECK_STR(d->platform, "ivanti");
        CHECK_STR(d->version, "22.7R2.3");
        CHECK_STR(d->hostname, "vpn1");
    }
    free_devs(&devs);

    d = parse_one(
        "Name                : EX01\nAdminDisplayVersion : Version 15.2 (Build 1544.4)\n\n"
        "Name                : EX02\nAdminDisplayVersion : Version 15.1 (Build 2507.6)\n",
        &n, &devs);
    CHECK_EQ_INT(n, 2);
    if (n == 2) {
        CHECK_STR(d->hostname, "EX01");
        CHECK_STR(d->platform, "exchange");
        CHECK_STR(d->version, "15.2.1544.4");
        CHECK_STR(((sh_device *)devs.v[1])->version, "15.1.2507.6");
    }
    free_devs(&devs);

    d = parse_one("ProductVersion   FileVersion      FileName\n"
                  "--------------   -----------      --------\n"
                  "15.02.1544.004   15.02.1544.004   C:\\Program Files\\Microsoft\\Exchange "
                  "Server\\V15\\bin\\ExSetup.exe\n",
                  &n, &devs);
    CHECK_EQ_INT(n, 1);
    if (d)
        CHECK_STR(d->version, "15.2.1544.4");
    free_devs(&devs);

    d = parse_one("\"Name\",\"ServerRole\",\"AdminDisplayVersion\"\n"
                  "\"EX03\",\"Mailbox\",\"Version 15.1 (Build 2507.6)\"\n",
                  &n, &devs);
    CHECK_EQ_INT(n, 1);
    if (d) {
        CHECK_STR(d->hostname, "EX03");
        CHECK_STR(d->version, "15.1.2507.6");
    }
    free_devs(&devs);
}

SH_TEST(not_show_output)
{
    struct sh_ptrvec devs;
    size_t n;

    CHECK_EQ_INT(sh_show_detect("hostname r1\ninterface Gi0/1\n", 27), 0);
    {
        const char *log = "Mar  1 10:00:00 vpn1 Ivanti Connect Secure 22.7R2.3: login ok\n";
        CHECK_EQ_INT(sh_show_detect(log, strlen(log)), 0);
    }
    parse_one("hostname r1\n!\ninterface Gi0/1\n ip address 10.0.0.1 255.255.255.0\n", &n, &devs);
    CHECK_EQ_INT(n, 0);
    free_devs(&devs);
    parse_one("", &n, &devs);
    CHECK_EQ_INT(n, 0);
    free_devs(&devs);
}

/* The Hyperscan marker pass must decide exactly as the substring searches:
 * every ntc-templates show output and every example config and capture,
 * whole and cut at every 97th byte (a marker split by the cut). */
static void same_decision(struct sh_show_scratch *sc, const char *path, int *n)
{
    char *buf = NULL;
    size_t len = 0, cut;

    if (sh_file_read(&buf, &len, path, 1u << 22, NULL) != SH_OK)
        return;
    for (cut = len;; cut = cut > 97 ? cut - 97 : 0) {
        int a = sh_show_detect(buf, cut), b = sh_show_detect_with(buf, cut, sc);
        if (a != b) {
            sh_test_fail(__FILE__, __LINE__, "%s cut at %zu: %d vs %d", path, cut, a, b);
            break;
        }
        (*n)++;
        if (!cut)
            break;
    }
    sh_free(buf);
}

static void same_decision_tree(struct sh_show_scratch *sc, const char *dir, int depth, int *n)
{
    DIR *dp = opendir(dir);
    struct dirent *de;

    if (!dp)
        return;
    while ((de = readdir(dp)) != NULL) {
        char p[1200];
        size_t l = strlen(de->d_name);
        if (de->d_name[0] == '.')
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
        if (de->d_type == DT_DIR && depth < 4)
            same_decision_tree(sc, p, depth + 1, n);
        else if (de->d_type == DT_REG && (l < 4 || strcmp(de->d_name + l - 4, ".yml") != 0))
            same_decision(sc, p, n);
    }
    closedir(dp);
}

/* A capture of only `show vstack config` is show output salthunt reads
 * (its record says whether Smart Install is on), with or without a prompt. */
SH_TEST(vstack_capture_alone_is_recognised)
{
    static const char *const caps[] = {
        "rtr1#show vstack config\nRole: Client (SmartInstall enabled)\n"
        "Vstack Director IP address: 0.0.0.0\n",
        "Role: Client (SmartInstall disabled)\n",
        "Role: Director\n",
    };
    struct sh_show_scratch *sc = sh_show_scratch_new();
    size_t i;

    for (i = 0; i < SH_ARRAY_LEN(caps); i++) {
        struct sh_ptrvec devs = {0};
        CHECK(sh_show_detect(caps[i], strlen(caps[i])) > 0);
        CHECK(sh_show_detect_with(caps[i], strlen(caps[i]), sc) > 0);
        CHECK_OK(sh_show_parse(caps[i], strlen(caps[i]), "v.txt", &devs, NULL));
        CHECK_EQ_INT(devs.n, 1);
        if (devs.n)
            CHECK(sh_show_is_vstack(devs.v[0]));
        sh_show_free_devices(&devs);
    }
    CHECK_EQ_INT(sh_show_detect("Role: Client\n", 13), 0);
    sh_show_scratch_free(sc);
}

SH_TEST(marker_pass_decides_as_substring_search)
{
    struct sh_show_scratch *sc = sh_show_scratch_new();
    int n = 0, shown = 0;
    char *buf = NULL;
    size_t len = 0;

    CHECK(sc != NULL);
    same_decision_tree(sc, sh_test_corpus("ntc-templates"), 0, &n);
    same_decision_tree(sc, sh_test_src("examples/network"), 0, &n);
    CHECK(n > 1000);
    /* and it does recognise: an example capture is show output */
    if (sh_file_read(&buf, &len, sh_test_src("examples/network/show/ce1-branch12.txt"), 1u << 20,
                     NULL) == SH_OK)
        shown = sh_show_detect_with(buf, len, sc);
    CHECK(shown > 0);
    sh_free(buf);
    sh_show_scratch_free(sc);
}

/* More outputs than the bound: SH_ELIMIT naming the file, the first ones kept. */
SH_TEST(too_many_outputs_is_a_limit)
{
    const char *one =
        "r#show version\nCisco IOS Software, C2960X Software, Version 15.2(7)E4, RELEASE\n";
    size_t n1 = strlen(one), k, total = n1 * (SH_SHOW_MAX_DEVICES + 5);
    char *buf = malloc(total + 1);
    struct sh_ptrvec devs = {0};
    sh_diag d;

    for (k = 0; k < SH_SHOW_MAX_DEVICES + 5; k++)
        memcpy(buf + k * n1, one, n1);
    buf[total] = '\0';
    CHECK_EQ_INT(sh_show_parse(buf, total, "many.txt", &devs, &d), SH_ELIMIT);
    CHECK_STR(d.source, "many.txt");
    CHECK_EQ_INT(devs.n, SH_SHOW_MAX_DEVICES);
    sh_show_free_devices(&devs);
    free(buf);
}
