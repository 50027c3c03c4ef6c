/*
 * show.c - parsers for `show version` and friends (see show.h).
 *
 * Two passes per command output: the first decides the platform from
 * signature lines (the banner of each OS), the second reads the fields
 * with that platform's line rules. Every rule looks at one bounded line,
 * so the cost is linear in the input and no line can make it misbehave.
 * First value wins for each field: stacked switches and Junos multi-node
 * outputs repeat fields per member, and the first member is the device.
 */
#include "../base/sh_base.h"

#include "show.h"

#include <pthread.h>

#include "../match/mpm.h"

#include <ctype.h>
#include <stdio.h>

#include "version.h"

struct line {
    const char *p;
    size_t n;
    uint32_t no;
};

enum plat {
    P_NONE = 0,
    P_IOS,
    P_IOSXE,
    P_NXOS,
    P_IOSXR,
    P_ASA,
    P_EOS,
    P_JUNOS,
    P_PANOS,
    P_FORTIOS,
    P_IVANTI,
    P_EXCHANGE,
};

static const struct {
    const char *platform, *os, *basis;
} plat_info[] = {
    [P_NONE] = {NULL, NULL, NULL},
    [P_IOS] = {"ios", "IOS", "show version (Cisco IOS)"},
    [P_IOSXE] = {"iosxe", "IOS XE", "show version (Cisco IOS XE)"},
    [P_NXOS] = {"nxos", "NX-OS", "show version (Cisco NX-OS)"},
    [P_IOSXR] = {"iosxr", "IOS XR", "show version (Cisco IOS XR)"},
    [P_ASA] = {"asa", "ASA", "show version (Cisco ASA)"},
    [P_EOS] = {"eos", "EOS", "show version (Arista EOS)"},
    [P_JUNOS] = {"junos", "Junos", "show version (Juniper Junos)"},
    [P_PANOS] = {"panos", "PAN-OS", "show system info (PAN-OS)"},
    [P_FORTIOS] = {"fortios", "FortiOS", "get system status (FortiOS)"},
    [P_IVANTI] = {"ivanti", "Ivanti Connect Secure", "version string (Ivanti)"},
    [P_EXCHANGE] = {"exchange", "Exchange Server", "build number (Microsoft Exchange)"},
};

/* `show vstack config` tells whether the Smart Install client runs. */
static const char VSTACK_BASIS[] = "show vstack config (Cisco Smart Install)";

/* ---- line helpers ---- */

static bool next_line(const char **cur, const char *end, struct line *l)
{
    const char *p = *cur, *nl;
    size_t n;

    if (p >= end)
        return false;
    nl = memchr(p, '\n', (size_t)(end - p));
    n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    *cur = nl ? nl + 1 : end;
    if (n && p[n - 1] == '\r')
        n--;
    l->p = p;
    l->n = n > SH_SHOW_MAX_LINE ? SH_SHOW_MAX_LINE : n;
    l->no++;
    return true;
}

static const char *lfind(const struct line *l, const char *needle)
{
    size_t nn = strlen(needle);
    return nn <= l->n ? memmem(l->p, l->n, needle, nn) : NULL;
}

static bool lstarts(const struct line *l, const char *prefix)
{
    size_t n = strlen(prefix);
    return l->n >= n && memcmp(l->p, prefix, n) == 0;
}

/* Text after optional leading blanks, i.e. the line with its indent removed. */
static struct line lstrip(const struct line *l)
{
    struct line r = *l;
    while (r.n && (*r.p == ' ' || *r.p == '\t')) {
        r.p++;
        r.n--;
    }
    while (r.n && isspace((unsigned char)r.p[r.n - 1]))
        r.n--;
    return r;
}

/* Set *field from [p, p+n) trimmed, unless already set or empty. */
static int set_field(char **field, const char *p, size_t n)
{
    p = sh_str_trim(p, &n);
    if (*field || n == 0)
        return SH_OK;
    *field = sh_strndup(p, n);
    return *field ? SH_OK : SH_ENOMEM;
}

/* The word starting at `from` (after blanks) up to a blank or one of `stops`. */
static int set_word(char **field, const struct line *l, const char *from, const char *stops)
{
    const char *e = l->p + l->n, *p = from, *q;

    if (!from)
        return SH_OK;
    while (p < e && (*p == ' ' || *p == '\t'))
        p++;
    for (q = p; q < e && !isspace((unsigned char)*q) && !strchr(stops, *q); q++)
        ;
    return set_field(field, p, (size_t)(q - p));
}

/* Value after "key:" (the rest of the line), for "Key: value" listings. */
static int set_after_colon(char **field, const struct line *l, const char *key)
{
    struct line s = lstrip(l);
    size_t kn = strlen(key);
    const char *p;

    if (s.n < kn || memcmp(s.p, key, kn) != 0)
        return SH_OK;
    p = s.p + kn;
    while (p < s.p + s.n && (*p == ' ' || *p == '\t'))
        p++;
    if (p >= s.p + s.n || *p != ':')
        return SH_OK;
    p++;
    return set_field(field, p, (size_t)(s.p + s.n - p));
}

/* ---- prompts ---- */

static bool is_cmd_word(const char *p, const char *e)
{
    static const char *const words[] = {"show ", "sh ", "get ", "Get-", "display "};
    size_t i;

    for (i = 0; i < SH_ARRAY_LEN(words); i++) {
        size_t n = strlen(words[i]);
        if ((size_t)(e - p) >= n && memcmp(p, words[i], n) == 0)
            return true;
    }
    return false;
}

/* "rtr1#show version", "admin@fw1(active)> show system info",
 * "RP/0/RSP0/CPU0:xr1#show version": true, with the host name in `host`. */
static bool prompt_host(const struct line *l, char *host, size_t hsize)
{
    const char *p = l->p, *e = l->p + l->n, *end, *s;
    size_t n;

    for (end = p; end < e && end - p < 96; end++) {
        unsigned char c = (unsigned char)*end;
        if (c == '#' || c == '>')
            break;
        if (!isalnum(c) && !strchr("-_.:/@()~", c))
            return false;
    }
    if (end == p || end >= e || end - p >= 96)
        return false;
    s = end + 1;
    while (s < e && *s == ' ')
        s++;
    if (!is_cmd_word(s, e))
        return false;
    /* Strip decorations: user@, XR location, (config) and failover state. */
    s = p;
    for (const char *q = p; q < end; q++) {
        if (*q == '@' || *q == ':')
            s = q + 1;
    }
    for (n = 0; s + n < end && s[n] != '(' && s[n] != '/'; n++)
        ;
    if (n == 0 || n >= hsize)
        return false;
    memcpy(host, s, n);
    host[n] = '\0';
    return true;
}

/* ---- platform signatures ---- */

static enum plat sig_line(const struct line *l)
{
    if (lfind(l, "Cisco IOS XR Software"))
        return P_IOSXR;
    if (lfind(l, "Cisco Nexus Operating System") || lfind(l, "NXOS: version") ||
        lfind(l, "Cisco NX-OS") || lfind(l, "kickstart: version") ||
        lfind(l, "kickstart image file is"))
        return P_NXOS;
    if (lfind(l, "Cisco Adaptive Security Appliance Software Version"))
        return P_ASA;
    if (lfind(l, "Cisco IOS XE Software") || lfind(l, "IOS-XE Software"))
        return P_IOSXE;
    if (lfind(l, "Cisco IOS Software") || lfind(l, "IOS (tm)"))
        return P_IOS;
    if (lstarts(l, "Arista ") || lstarts(l, "Software image version:"))
        return P_EOS;
    if (lstarts(l, "Junos: ") || (lstarts(l, "JUNOS ") && lfind(l, "[")))
        return P_JUNOS;
    if (lstarts(l, "sw-version:"))
        return P_PANOS;
    if (lstarts(l, "Version: Forti"))
        return P_FORTIOS;
    /* Ivanti's banner starts the line; a log line mentioning the product
     * (after a time stamp) is no version listing. */
    if ((lstarts(l, "Ivanti ") || lstarts(l, "Pulse ")) &&
        (lfind(l, "Connect Secure") || lfind(l, "Policy Secure") || lfind(l, "Pulse Secure")))
        return P_IVANTI;
    if (lfind(l, "AdminDisplayVersion") || lfind(l, "ExSetup.exe") ||
        (lfind(l, "Version 15.") && lfind(l, "(Build ")))
        return P_EXCHANGE;
    return P_NONE;
}

/* IOS XE banners and IOS banners can both appear; IOS XE wins, and
 * NX-OS/XR/ASA win over a stray IOS mention. */
static enum plat decide(const char *b, const char *e)
{
    struct line l = {0};
    enum plat best = P_NONE;

    while (next_line(&b, e, &l)) {
        enum plat p = sig_line(&l);
        if (p == P_NONE)
            continue;
        if (best == P_NONE || (best == P_IOS && p != P_IOS) ||
            (best == P_IVANTI && p != P_IVANTI) || (best == P_EXCHANGE && p != P_EXCHANGE))
            best = p;
        if (best == P_IOSXE && p != P_IOS && p != P_IOSXE && p != P_IVANTI && p != P_EXCHANGE)
            best = p;
    }
    return best;
}

/* Every signature of sig_line() contains one of these words, so a file
 * with none of them (most configs and logs) is rejected with a few
 * buffer scans instead of a dozen substring searches per line. */
static const char *const anchors[] = {"Cisco",
                                      "IOS",
                                      "NXOS",
                                      "kickstart",
                                      "Arista",
                                      "Software image version:",
                                      "Junos",
                                      "JUNOS",
                                      "sw-version:",
                                      "Version: Forti",
                                      "Ivanti",
                                      "Pulse",
                                      "AdminDisplayVersion",
                                      "ExSetup.exe",
                                      "(Build ",
                                      "SmartInstall",
                                      "Role: Director"};

/* `show vstack config` lines parse_vstack() reads, and the Smart Install
 * state each one gives (1 on, 0 off). */
static const struct {
    const char *text;
    int state;
} vstack_markers[] = {
    {"SmartInstall enabled", 1},
    {"SmartInstall disabled", 0},
    {"Role: Director", 0},
};

static bool may_hold_show_output(const char *buf, size_t len)
{
    size_t i;

    for (i = 0; i < SH_ARRAY_LEN(anchors); i++) {
        if (memmem(buf, len, anchors[i], strlen(anchors[i])))
            return true;
    }
    return false;
}

/* The markers as one Hyperscan database, built once per process. */
static struct sh_mpm *anchor_db;
static pthread_once_t anchor_once = PTHREAD_ONCE_INIT;

static void build_anchor_db(void)
{
    char esc[SH_ARRAY_LEN(anchors)][128];
    const char *pats[SH_ARRAY_LEN(anchors)];
    unsigned flags[SH_ARRAY_LEN(anchors)];
    bool rejected[SH_ARRAY_LEN(anchors)] = {false};
    size_t i, j, k;

    for (i = 0; i < SH_ARRAY_LEN(anchors); i++) {
        for (j = 0, k = 0; anchors[i][j] && k + 5 < sizeof(esc[i]); j++) {
            unsigned char c = (unsigned char)anchors[i][j];
            if (isalnum(c) || c == ' ')
                esc[i][k++] = (char)c;
            else
                k += (size_t)snprintf(esc[i] + k, sizeof(esc[i]) - k, "\\x%02x", c);
        }
        esc[i][k] = '\0';
        pats[i] = esc[i];
        flags[i] = SH_MPM_LITERAL;
    }
    if (sh_mpm_compile(&anchor_db, pats, flags, SH_ARRAY_LEN(anchors), rejected, NULL) != SH_OK)
        anchor_db = NULL;
    for (i = 0; anchor_db && i < SH_ARRAY_LEN(anchors); i++) {
        if (rejected[i]) { /* never expected; a partial database would miss files */
            sh_mpm_free(anchor_db);
            anchor_db = NULL;
        }
    }
}

struct sh_show_scratch {
    struct sh_mpm_scratch *mpm;
};

struct sh_show_scratch *sh_show_scratch_new(void)
{
    struct sh_show_scratch *s;

    pthread_once(&anchor_once, build_anchor_db);
    s = sh_calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    if (anchor_db && !(s->mpm = sh_mpm_scratch_new(anchor_db))) {
        sh_free(s);
        return NULL;
    }
    return s;
}

void sh_show_scratch_free(struct sh_show_scratch *s)
{
    if (!s)
        return;
    sh_mpm_scratch_free(s->mpm);
    sh_free(s);
}

/* Every signature of sig_line() holds an anchor, so only lines with an
 * anchor match can have one: detection checks those lines alone, each
 * cut out as next_line() would, and stops at the first signature. */
struct anchor_scan {
    const char *buf;
    size_t len;
    const char *last; /* start of the last line checked */
    bool any;         /* some anchor matched */
    bool signature;   /* some line has a platform signature */
};

static int on_anchor(unsigned id, size_t to, void *ud)
{
    struct anchor_scan *a = ud;
    const char *start, *nl;
    struct line l = {0};
    size_t n;

    SH_UNUSED(id);
    a->any = true;
    if (to > a->len)
        to = a->len;
    /* Anchors hold no newline: the match's line ends at or after `to`. */
    start = memrchr(a->buf, '\n', to);
    start = start ? start + 1 : a->buf;
    if (start == a->last)
        return 0;
    a->last = start;
    nl = memchr(a->buf + to, '\n', a->len - to);
    n = nl ? (size_t)(nl - start) : (size_t)(a->buf + a->len - start);
    if (n && start[n - 1] == '\r')
        n--;
    l.p = start;
    l.n = n > SH_SHOW_MAX_LINE ? SH_SHOW_MAX_LINE : n;
    if (sig_line(&l) == P_NONE)
        return 0;
    a->signature = true;
    return 1;
}

int sh_show_detect_with(const char *buf, size_t len, struct sh_show_scratch *s)
{
    struct anchor_scan a = {buf, len, NULL, false, false};
    bool any = false, signature = false, scanned = false;
    size_t i;

    if (s && s->mpm && anchor_db &&
        sh_mpm_scan(anchor_db, s->mpm, buf, len, on_anchor, &a) == SH_OK) {
        scanned = true;
        any = a.any;
        signature = a.signature;
    }
    if (!scanned) {
        any = may_hold_show_output(buf, len);
        signature = any && decide(buf, buf + len) != P_NONE;
    }
    if (!any)
        return 0;
    if (signature)
        return 80;
    /* `show vstack config` alone: what parse_vstack() reads */
    for (i = 0; i < SH_ARRAY_LEN(vstack_markers); i++) {
        if (memmem(buf, len, vstack_markers[i].text, strlen(vstack_markers[i].text)))
            return 80;
    }
    return 0;
}

int sh_show_detect(const char *buf, size_t len)
{
    return sh_show_detect_with(buf, len, NULL);
}

/* ---- per-platform rules ---- */

/* "<host> uptime is <text>" (IOS, IOS XE, IOS XR); not "System"/"Kernel". */
static int rule_uptime_is(sh_device *d, const struct line *l)
{
    const char *u = lfind(l, " uptime is ");
    size_t hn;

    if (!u || u == l->p)
        return SH_OK;
    hn = (size_t)(u - l->p);
    if (memchr(l->p, ' ', hn) || (hn == 6 && memcmp(l->p, "System", 6) == 0) ||
        (hn == 6 && memcmp(l->p, "Kernel", 6) == 0))
        return SH_OK;
    if (d->uptime)
        return SH_OK;
    if (set_field(&d->hostname, l->p, hn))
        return SH_ENOMEM;
    u += 11;
    return set_field(&d->uptime, u, (size_t)(l->p + l->n - u));
}

static int rule_ios(sh_device *d, const struct line *l, char **xe_version)
{
    const char *v;
    int rc = SH_OK;

    if ((lfind(l, "Cisco IOS Software") || lfind(l, "IOS (tm)")) &&
        (v = lfind(l, "Version ")) != NULL)
        rc = set_word(&d->version, l, v + 8, ",");
    else if (lfind(l, "Cisco IOS XE Software") && (v = lfind(l, "Version ")) != NULL)
        rc = set_word(xe_version, l, v + 8, ",");
    if (!rc)
        rc = rule_uptime_is(d, l);
    if (!rc && (lstarts(l, "cisco ") || lstarts(l, "Cisco ")) && lfind(l, "bytes of") &&
        lfind(l, "memory"))
        rc = set_word(&d->model, l, l->p + 6, "(");
    if (!rc && (v = lfind(l, "Processor board ID ")) != NULL)
        rc = set_word(&d->serial, l, v + 19, ",");
    if (!rc)
        rc = set_after_colon(&d->serial, l, "System Serial Number");
    if (!rc)
        rc = set_after_colon(&d->model, l, "Model Number");
    return rc;
}

static int rule_nxos(sh_device *d, const struct line *l)
{
    struct line s = lstrip(l);
    const char *v;
    int rc = SH_OK;

    if ((lstarts(&s, "NXOS:") || lstarts(&s, "system:")) && (v = lfind(&s, "version ")) != NULL)
        rc = set_word(&d->version, &s, v + 8, "");
    if (!rc && lstarts(&s, "cisco ") &&
        ((v = lfind(&s, " Chassis")) != NULL || (v = lfind(&s, " chassis")) != NULL)) {
        const char *w = v;
        while (w > s.p && w[-1] != ' ')
            w--;
        rc = set_field(&d->model, w, (size_t)(v - w));
    }
    if (!rc && (v = lfind(&s, "Processor Board ID ")) != NULL)
        rc = set_word(&d->serial, &s, v + 19, "");
    if (!rc)
        rc = set_after_colon(&d->hostname, &s, "Device name");
    if (!rc && lstarts(&s, "Kernel uptime is "))
        rc = set_field(&d->uptime, s.p + 17, s.n - 17);
    return rc;
}

static int rule_iosxr(sh_device *d, const struct line *l, char **chassis)
{
    const char *v;
    int rc = SH_OK;

    if (lfind(l, "Cisco IOS XR Software") && (v = lfind(l, "Version ")) != NULL)
        rc = set_word(&d->version, l, v + 8, "[,");
    if (!rc)
        rc = rule_uptime_is(d, l);
    if (!rc && lstarts(l, "cisco ") && lfind(l, "processor") && (v = lfind(l, " (")) != NULL)
        rc = set_field(&d->model, l->p + 6, (size_t)(v - (l->p + 6)));
    /* "ASR 9912 10 Line Card Slot Chassis with V2 AC PEM" names the chassis model. */
    if (!rc && (v = lfind(l, " Line Card Slot Chassis")) != NULL) {
        const char *w = v;
        while (w > l->p && isdigit((unsigned char)w[-1]))
            w--;
        if (w < v && w > l->p && w[-1] == ' ')
            rc = set_field(chassis, l->p, (size_t)(w - 1 - l->p));
    }
    return rc;
}

static int rule_asa(sh_device *d, const struct line *l)
{
    const char *v;
    int rc = SH_OK;

    if ((v = lfind(l, "Appliance Software Version ")) != NULL)
        rc = set_word(&d->version, l, v + 27, "");
    if (!rc && (v = lfind(l, " up ")) != NULL && v > l->p &&
        !memchr(l->p, ' ', (size_t)(v - l->p)) && v + 4 < l->p + l->n &&
        isdigit((unsigned char)v[4]) && !d->uptime) {
        rc = set_field(&d->hostname, l->p, (size_t)(v - l->p));
        if (!rc)
            rc = set_field(&d->uptime, v + 4, (size_t)(l->p + l->n - v - 4));
    }
    if (!rc)
        rc = set_after_colon(&d->model, l, "Model Id");
    if (!rc)
        rc = set_after_colon(&d->serial, l, "Serial Number");
    return rc;
}

static int rule_eos(sh_device *d, const struct line *l)
{
    char *img = NULL;
    int rc = SH_OK;

    if (lstarts(l, "Arista "))
        rc = set_field(&d->model, l->p + 7, l->n - 7);
    if (!rc)
        rc = set_after_colon(&img, l, "Software image version");
    if (!rc && img) {
        struct line il = {img, strlen(img), 0};
        rc = set_word(&d->version, &il, img, "");
        sh_free(img);
    }
    if (!rc)
        rc = set_after_colon(&d->serial, l, "Serial number");
    if (!rc)
        rc = set_after_colon(&d->uptime, l, "Uptime");
    return rc;
}

/* A Junos release: "13.3R1.4", "21.4R3-S3.4", "13.2X51-D35.3" (not a build stamp). */
static bool junos_release(const char *p, size_t n)
{
    size_t i = 0;

    while (i < n && isdigit((unsigned char)p[i]))
        i++;
    if (i == 0 || i > 2 || i >= n || p[i] != '.')
        return false;
    i++;
    while (i < n && isdigit((unsigned char)p[i]))
        i++;
    return i < n && isupper((unsigned char)p[i]);
}

static int rule_junos(sh_device *d, const struct line *l, bool *done)
{
    const char *b, *e;
    int rc;

    if (lstarts(l, "Hostname:") && d->hostname) {
        *done = true; /* second node of a cluster or chassis */
        return SH_OK;
    }
    rc = set_after_colon(&d->hostname, l, "Hostname");
    if (!rc)
        rc = set_after_colon(&d->model, l, "Model");
    if (!rc)
        rc = set_after_colon(&d->version, l, "Junos");
    if (!rc)
        rc = set_after_colon(&d->serial, l, "Serial Number");
    if (!rc && !d->version && lstarts(l, "JUNOS ") &&
        (lfind(l, "Software Suite [") || lfind(l, "Base OS boot [")) &&
        (b = lfind(l, "[")) != NULL && (e = memchr(b, ']', (size_t)(l->p + l->n - b))) != NULL &&
        junos_release(b + 1, (size_t)(e - b - 1)))
        rc = set_field(&d->version, b + 1, (size_t)(e - b - 1));
    return rc;
}

static int rule_panos(sh_device *d, const struct line *l)
{
    char *serial = NULL;
    int rc = set_after_colon(&d->hostname, l, "hostname");

    if (!rc)
        rc = set_after_colon(&d->model, l, "model");
    if (!rc)
        rc = set_after_colon(&d->version, l, "sw-version");
    if (!rc)
        rc = set_after_colon(&d->uptime, l, "uptime");
    if (!rc)
        rc = set_after_colon(&serial, l, "serial");
    if (serial) {
        if (strcmp(serial, "unknown") != 0 && !d->serial)
            d->serial = serial;
        else
            sh_free(serial);
    }
    return rc;
}

static int rule_fortios(sh_device *d, const struct line *l)
{
    const char *v;
    int rc = SH_OK;

    /* "Version: FortiGate-1500D v6.0.7,build0302,191112 (GA)": the " v"
     * is looked for after the prefix, whose own ": " may precede a 'v'. */
    if (lstarts(l, "Version: ")) {
        struct line rest = {l->p + 9, l->n - 9, l->no};
        v = lfind(&rest, " v");
    } else {
        v = NULL;
    }
    if (v) {
        rc = set_field(&d->model, l->p + 9, (size_t)(v - (l->p + 9)));
        if (!rc)
            rc = set_word(&d->version, l, v + 2, ",");
    }
    if (!rc)
        rc = set_after_colon(&d->hostname, l, "Hostname");
    if (!rc)
        rc = set_after_colon(&d->serial, l, "Serial-Number");
    return rc;
}

/* An Ivanti release "22.7R2.3" / "9.1R18" anywhere in the line. */
static int rule_ivanti(sh_device *d, const struct line *l)
{
    size_t i;
    int rc = set_after_colon(&d->hostname, l, "Hostname");

    if (!rc)
        rc = set_after_colon(&d->model, l, "Model");
    if (!rc)
        rc = set_after_colon(&d->serial, l, "Serial Number");
    if (!rc)
        rc = set_after_colon(&d->uptime, l, "Uptime");
    if (rc)
        return rc;
    if (lfind(l, "Policy Secure") && !d->os) {
        d->os = sh_strdup("Ivanti Policy Secure");
        if (!d->os)
            return SH_ENOMEM;
    }
    for (i = 0; i < l->n && !d->version; i++) {
        size_t j = i, k;
        if (!isdigit((unsigned char)l->p[i]) || (i && isalnum((unsigned char)l->p[i - 1])))
            continue;
        while (j < l->n && isdigit((unsigned char)l->p[j]))
            j++;
        if (j >= l->n || l->p[j] != '.')
            continue;
        j++;
        k = j;
        while (j < l->n && isdigit((unsigned char)l->p[j]))
            j++;
        if (j == k || j >= l->n || l->p[j] != 'R')
            continue;
        j++;
        while (j < l->n && (isdigit((unsigned char)l->p[j]) || l->p[j] == '.'))
            j++;
        while (j > i && l->p[j - 1] == '.')
            j--;
        return set_field(&d->version, l->p + i, j - i);
    }
    return SH_OK;
}

/* ---- Exchange ---- */

/* "Version 15.2 (Build 1544.4)" anywhere in [p, e): normalised into *out. */
static int exchange_version(char **out, const char *p, size_t n)
{
    const char *v = p, *b = memmem(p, n, "(Build ", 7);
    char tmp[64], norm[64];
    size_t vn = 0, bn = 0;

    /* The "Version " that is followed by a number (not "AdminDisplayVersion :"). */
    for (;;) {
        v = memmem(v, (size_t)(p + n - v), "Version ", 8);
        if (!v || (v + 8 < p + n && isdigit((unsigned char)v[8])))
            break;
        v += 8;
    }
    if (!v || !b || *out)
        return SH_OK;
    v += 8;
    b += 7;
    while (v + vn < p + n && (isdigit((unsigned char)v[vn]) || v[vn] == '.'))
        vn++;
    while (b + bn < p + n && (isdigit((unsigned char)b[bn]) || b[bn] == '.'))
        bn++;
    if (!vn || !bn || vn + bn + 2 > sizeof(tmp))
        return SH_OK;
    snprintf(tmp, sizeof(tmp), "%.*s.%.*s", (int)vn, v, (int)bn, b);
    sh_version_normalize(SH_VF_EXCHANGE, tmp, norm, sizeof(norm));
    *out = sh_strdup(norm);
    return *out ? SH_OK : SH_ENOMEM;
}

/* "15.02.1544.004   15.02.1544.004   C:\...\ExSetup.exe": the product version. */
static int exchange_exsetup(char **out, const struct line *l)
{
    struct line s = lstrip(l);
    char norm[64], tmp[64];
    size_t n = 0;

    if (*out || !lfind(&s, "ExSetup.exe") || !s.n || !isdigit((unsigned char)s.p[0]))
        return SH_OK;
    while (n < s.n && n + 1 < sizeof(tmp) && (isdigit((unsigned char)s.p[n]) || s.p[n] == '.'))
        n++;
    memcpy(tmp, s.p, n);
    tmp[n] = '\0';
    sh_version_normalize(SH_VF_EXCHANGE, tmp, norm, sizeof(norm));
    *out = sh_strdup(norm);
    return *out ? SH_OK : SH_ENOMEM;
}

/* ---- assembling records ---- */

/* Device records are built here without the scan module so the parser
 * stands alone (fuzz target, unit tests); the layout is sh_scan.h's. */
static sh_device *dev_alloc(void)
{
    return sh_calloc(1, sizeof(sh_device));
}

void sh_show_device_free(sh_device *d)
{
    sh_device_free(d);
}

bool sh_show_is_vstack(const sh_device *d)
{
    return d && d->dialect_basis && strcmp(d->dialect_basis, VSTACK_BASIS) == 0;
}

bool sh_show_is_own(const sh_device *d)
{
    size_t i;

    if (!d || !d->dialect_basis)
        return false;
    if (strcmp(d->dialect_basis, VSTACK_BASIS) == 0)
        return true;
    for (i = 1; i < SH_ARRAY_LEN(plat_info); i++) {
        if (strcmp(d->dialect_basis, plat_info[i].basis) == 0)
            return true;
    }
    return false;
}

void sh_show_free_devices(struct sh_ptrvec *devs)
{
    size_t i;

    if (!devs)
        return;
    for (i = 0; i < devs->n; i++)
        sh_show_device_free(devs->v[i]);
    sh_ptrvec_free(devs);
    devs->v = NULL;
    devs->n = devs->cap = 0;
}

struct parse {
    const char *source;
    struct sh_ptrvec *out;
    sh_diag *diag;
    int rc;
};

static sh_device *new_dev(struct parse *ps, enum plat p, const char *host)
{
    sh_device *d = dev_alloc();

    if (!d) {
        ps->rc = SH_ENOMEM;
        return NULL;
    }
    if (host && host[0])
        d->hostname = sh_strdup(host);
    d->platform = sh_strdup(plat_info[p].platform);
    d->dialect_basis = sh_strdup(plat_info[p].basis);
    if ((host && host[0] && !d->hostname) || !d->platform || !d->dialect_basis ||
        sh_strlist_push(&d->sources, ps->source)) {
        sh_show_device_free(d);
        ps->rc = SH_ENOMEM;
        return NULL;
    }
    return d;
}

static void push_dev(struct parse *ps, sh_device *d, enum plat p)
{
    if (!d->os && plat_info[p].os)
        d->os = sh_strdup(plat_info[p].os);
    if (!d->os) {
        sh_show_device_free(d);
        ps->rc = SH_ENOMEM;
        return;
    }
    if (!d->version && !d->hostname && !d->model && !d->serial) {
        sh_show_device_free(d);
        return;
    }
    if (ps->out->n >= SH_SHOW_MAX_DEVICES) {
        sh_show_device_free(d);
        ps->rc = sh_diag_set(ps->diag, SH_ELIMIT, ps->source, 0,
                             "more than %d show outputs in one file; the rest were not read",
                             SH_SHOW_MAX_DEVICES);
        return;
    }
    if (sh_ptrvec_push(ps->out, d)) {
        sh_show_device_free(d);
        ps->rc = SH_ENOMEM;
    }
}

/* Exchange listings: one record per "Name :" block or table row, or CSV rows. */
static void parse_exchange(struct parse *ps, const char *b, const char *e, uint32_t first)
{
    struct line l = {0};
    sh_device *d = NULL;
    const char *cur = b;
    int name_col = -1, ver_col = -1;

    l.no = first;
    while (!ps->rc && next_line(&cur, e, &l)) {
        struct line s = lstrip(&l);
        char *name = NULL;

        if (s.n == 0)
            continue;
        /* CSV header: find the Name and AdminDisplayVersion columns. */
        if (lfind(&s, ",") && lfind(&s, "AdminDisplayVersion") && name_col < 0) {
            int col = 0;
            const char *p = s.p, *se = s.p + s.n;
            while (p <= se) {
                const char *c = memchr(p, ',', (size_t)(se - p));
                size_t n = c ? (size_t)(c - p) : (size_t)(se - p);
                if (n >= 2 && *p == '"') {
                    p++;
                    n -= 2;
                }
                if (n == 4 && memcmp(p, "Name", 4) == 0)
                    name_col = col;
                if (n == 19 && memcmp(p, "AdminDisplayVersion", 19) == 0)
                    ver_col = col;
                col++;
                if (!c)
                    break;
                p = c + 1;
            }
            continue;
        }
        if (name_col >= 0 && ver_col >= 0 && lfind(&s, ",")) {
            int col = 0;
            const char *p = s.p, *se = s.p + s.n;
            sh_device *row = new_dev(ps, P_EXCHANGE, NULL);
            if (!row)
                break;
            while (p <= se && !ps->rc) {
                const char *c = memchr(p, ',', (size_t)(se - p));
                size_t n = c ? (size_t)(c - p) : (size_t)(se - p);
                if (n >= 2 && *p == '"') {
                    p++;
                    n -= 2;
                }
                if (col == name_col)
                    ps->rc = set_field(&row->hostname, p, n);
                else if (col == ver_col)
                    ps->rc = exchange_version(&row->version, p, n);
                col++;
                if (!c)
                    break;
                p = c + 1;
            }
            if (ps->rc)
                sh_show_device_free(row);
            else
                push_dev(ps, row, P_EXCHANGE);
            continue;
        }
        if (set_after_colon(&name, &s, "Name")) {
            ps->rc = SH_ENOMEM;
            break;
        }
        if (name) {
            if (d)
                push_dev(ps, d, P_EXCHANGE);
            d = new_dev(ps, P_EXCHANGE, name);
            sh_free(name);
            if (!d)
                return;
            continue;
        }
        if (lfind(&s, "AdminDisplayVersion")) {
            if (!d && !(d = new_dev(ps, P_EXCHANGE, NULL)))
                return;
            ps->rc = exchange_version(&d->version, s.p, s.n);
            continue;
        }
        if (lfind(&s, "ExSetup.exe")) {
            if (!d && !(d = new_dev(ps, P_EXCHANGE, NULL)))
                return;
            ps->rc = exchange_exsetup(&d->version, &s);
            continue;
        }
        /* Table row: "EX01  Site  Mailbox  Enterprise  Version 15.2 (Build 1544.4)". */
        if (lfind(&s, "Version 15.") && lfind(&s, "(Build ")) {
            const char *sp = memchr(s.p, ' ', s.n);
            sh_device *t = new_dev(ps, P_EXCHANGE, NULL);
            if (!t)
                break;
            if (sp)
                ps->rc = set_field(&t->hostname, s.p, (size_t)(sp - s.p));
            if (!ps->rc)
                ps->rc = exchange_version(&t->version, s.p, s.n);
            push_dev(ps, t, P_EXCHANGE);
        }
    }
    if (d) {
        if (ps->rc)
            sh_show_device_free(d);
        else
            push_dev(ps, d, P_EXCHANGE);
    }
}

/* "Role: Client (SmartInstall enabled)" / "(SmartInstall disabled)": a
 * record whose features say whether vstack is on (no version facts). */
static void parse_vstack(struct parse *ps, const char *b, const char *e, const char *host)
{
    struct line l = {0};
    const char *cur = b;
    int state = -1; /* 1 enabled, 0 disabled */
    size_t i;
    sh_device *d;

    while (state < 0 && next_line(&cur, e, &l)) {
        for (i = 0; i < SH_ARRAY_LEN(vstack_markers) && state < 0; i++) {
            if (lfind(&l, vstack_markers[i].text))
                state = vstack_markers[i].state;
        }
    }
    if (state < 0)
        return;
    d = dev_alloc();
    if (!d || !(d->dialect_basis = sh_strdup(VSTACK_BASIS)) ||
        (host && host[0] && !(d->hostname = sh_strdup(host))) ||
        sh_strlist_push(&d->sources, ps->source) ||
        (state == 1 && sh_strlist_push(&d->features, "vstack")) || sh_ptrvec_push(ps->out, d)) {
        sh_show_device_free(d);
        ps->rc = SH_ENOMEM;
    }
}

/* One command output [b, e) whose first line is `first`; `host` from its prompt. */
static void parse_segment(struct parse *ps, const char *b, const char *e, uint32_t first,
                          const char *host)
{
    enum plat p = decide(b, e);
    struct line l = {0};
    const char *cur = b;
    char *xe_version = NULL, *chassis = NULL;
    bool done = false;
    sh_device *d;

    if (p == P_NONE) {
        parse_vstack(ps, b, e, host);
        return;
    }
    if (p == P_EXCHANGE) {
        parse_exchange(ps, b, e, first);
        return;
    }
    d = new_dev(ps, p, NULL);
    if (!d)
        return;
    l.no = first;
    while (!ps->rc && !done && next_line(&cur, e, &l)) {
        switch (p) {
        case P_IOS:
        case P_IOSXE: ps->rc = rule_ios(d, &l, &xe_version); break;
        case P_NXOS: ps->rc = rule_nxos(d, &l); break;
        case P_IOSXR: ps->rc = rule_iosxr(d, &l, &chassis); break;
        case P_ASA: ps->rc = rule_asa(d, &l); break;
        case P_EOS: ps->rc = rule_eos(d, &l); break;
        case P_JUNOS: ps->rc = rule_junos(d, &l, &done); break;
        case P_PANOS: ps->rc = rule_panos(d, &l); break;
        case P_FORTIOS: ps->rc = rule_fortios(d, &l); break;
        case P_IVANTI: ps->rc = rule_ivanti(d, &l); break;
        default: break;
        }
    }
    /* "Cisco IOS XE Software, Version 17.09.04a" alone (no IOS banner line). */
    if (!d->version && xe_version) {
        d->version = xe_version;
        xe_version = NULL;
    }
    if (chassis) {
        sh_free(d->model);
        d->model = chassis;
        chassis = NULL;
    }
    sh_free(xe_version);
    if (!ps->rc && !d->hostname && host && host[0] && !(d->hostname = sh_strdup(host)))
        ps->rc = SH_ENOMEM;
    if (ps->rc)
        sh_show_device_free(d);
    else
        push_dev(ps, d, p);
}

int sh_show_parse(const char *buf, size_t len, const char *source, struct sh_ptrvec *out,
                  sh_diag *diag)
{
    struct parse ps = {source ? source : "<input>", out, diag, SH_OK};
    const char *cur = buf, *e = buf + len, *seg = buf;
    char host[128] = "", next_host[128];
    uint32_t seg_first = 0;
    struct line l = {0};

    SH_ASSERT_ARG(out && (buf || len == 0));
    while (!ps.rc) {
        const char *ls = cur;
        bool more = next_line(&cur, e, &l);

        if (more && !prompt_host(&l, next_host, sizeof(next_host)))
            continue;
        if (ls > seg)
            parse_segment(&ps, seg, ls, seg_first, host);
        if (!more)
            break;
        memcpy(host, next_host, sizeof(host));
        seg = cur;
        seg_first = l.no;
    }
    return ps.rc;
}
