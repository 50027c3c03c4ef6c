/*
 * cfg_detect.c - guess a config's dialect from its text.
 *
 * One pass over at most the first 256 KiB counts signals per dialect:
 * decisive headers (RANCID content type, "!! IOS XR Configuration",
 * "! device: ... EOS-", "ASA Version", FortiOS and PAN-OS markers),
 * commands only one platform has, and generic Cisco-style config lines.
 * The result carries a basis string saying which signal decided, because
 * users see it. Text that shows no config signal scores 0, so syslog,
 * CSV, prose and `show version` output are not taken for configs.
 *
 * Pure and thread-safe: no state outside the stack.
 */
#include "../base/sh_base.h"

#include "cfg_int.h"

#include <strings.h>

#define DETECT_MAX (256u * 1024u)

struct sig {
    enum sh_dialect rancid;
    const char *rancid_basis;
    bool xr_banner, eos_device, nx_command, asa_version, fortios_global, fortios_header;
    bool panos_xml, junos_commit, junos_xml;
    unsigned panos_brace, panos_set, junos_set, junos_open, junos_close, junos_semi, junos_kw;
    unsigned fortios_cfg, fortios_edit;
    unsigned ios, nx, xr, eos, asa, xe, generic, generic_kinds;
    unsigned version_major; /* from `version N.x`, 0 if none */
    const char *ios_basis, *nx_basis, *xr_basis, *eos_basis, *asa_basis, *xe_basis;
    uint64_t kinds_seen;
    bool mask_seen, cidr_seen;
    const char *why[32];
    unsigned why_count[32];
    size_t n_why;
    bool prev_top;        /* previous line was at column 0 */
    unsigned indent_w[5]; /* first-child indentation widths 1..4 */
};

/* Prefix test against a string literal; the length and first byte are
 * known at compile time, so the hundred-odd checks per line mostly end at
 * one byte compare instead of a memcmp call. */
#define starts(s, n, lit)                                                                          \
    ((n) >= sizeof(lit) - 1 && (s)[0] == (lit)[0] && memcmp((s), (lit), sizeof(lit) - 1) == 0)

/* memmem without its per-call setup cost: the needles are short and most
 * lines do not hold their first byte often. */
static bool contains(const char *s, size_t n, const char *p)
{
    size_t pl = strlen(p);
    const char *q = s, *e = s + n;

    while (pl && (size_t)(e - q) >= pl && (q = memchr(q, p[0], (size_t)(e - q) - pl + 1))) {
        if (memcmp(q, p, pl) == 0)
            return true;
        q++;
    }
    return false;
}

static void rancid(struct sig *g, const char *s, size_t n)
{
    static const struct {
        const char *name;
        enum sh_dialect d;
        const char *basis;
    } map[] = {
        {"cisco-nx", SH_DIALECT_NXOS, "'RANCID-CONTENT-TYPE: cisco-nx'"},
        {"cisco-xr", SH_DIALECT_IOSXR, "'RANCID-CONTENT-TYPE: cisco-xr'"},
        {"cisco-asa", SH_DIALECT_ASA, "'RANCID-CONTENT-TYPE: cisco-asa'"},
        {"asa", SH_DIALECT_ASA, "'RANCID-CONTENT-TYPE: asa'"},
        {"cisco", SH_DIALECT_IOS, "'RANCID-CONTENT-TYPE: cisco'"},
        {"arista", SH_DIALECT_EOS, "'RANCID-CONTENT-TYPE: arista'"},
        {"juniper", SH_DIALECT_JUNOS, "'RANCID-CONTENT-TYPE: juniper'"},
        {"junos", SH_DIALECT_JUNOS, "'RANCID-CONTENT-TYPE: junos'"},
        {"paloalto", SH_DIALECT_PANOS, "'RANCID-CONTENT-TYPE: paloalto'"},
        {"fortigate", SH_DIALECT_FORTIOS, "'RANCID-CONTENT-TYPE: fortigate'"},
        {"fortios", SH_DIALECT_FORTIOS, "'RANCID-CONTENT-TYPE: fortios'"},
    };
    const char *v = memmem(s, n, "RANCID-CONTENT-TYPE:", 20); /* present: checked by caller */
    size_t i, vl;

    if (!v || g->rancid)
        return;
    v += 20;
    vl = n - (size_t)(v - s);
    while (vl && sh_cfg__is_space(*v)) {
        v++;
        vl--;
    }
    while (vl && sh_cfg__is_space(v[vl - 1]))
        vl--;
    for (i = 0; i < SH_ARRAY_LEN(map); i++) {
        if (vl == strlen(map[i].name) && strncasecmp(v, map[i].name, vl) == 0) {
            g->rancid = map[i].d;
            g->rancid_basis = map[i].basis;
            return;
        }
    }
}

/* Count a platform signal; one kind of line counts at most three times so
 * a long list of one command does not outweigh several distinct ones. */
static void mark(struct sig *g, unsigned *count, const char **basis, const char *why)
{
    size_t i;

    for (i = 0; i < g->n_why; i++) {
        if (g->why[i] == why)
            break;
    }
    if (i == g->n_why) {
        if (g->n_why == SH_ARRAY_LEN(g->why))
            return;
        g->why[g->n_why] = why;
        g->why_count[g->n_why++] = 0;
    }
    if (g->why_count[i] >= 3)
        return;
    g->why_count[i]++;
    if (!*count)
        *basis = why;
    (*count)++;
}

/* Top-level command words common to the Cisco-style dialects: evidence
 * that the text is a config at all. Returns the word's index (its bit in
 * kinds_seen; 0 is "hostname"), or -1: a switch on the first byte rather
 * than a walk over a table of words for every line. */
static int generic_index(const char *s, size_t wl)
{
    switch (s[0]) {
    case 'a':
        if (wl == 3 && memcmp(s, "aaa", 3) == 0)
            return 14;
        if (wl == 11 && memcmp(s, "access-list", 11) == 0)
            return 17;
        if (wl == 7 && memcmp(s, "archive", 7) == 0)
            return 40;
        return -1;
    case 'b':
        if (wl == 4 && memcmp(s, "boot", 4) == 0)
            return 18;
        if (wl == 6 && memcmp(s, "banner", 6) == 0)
            return 22;
        return -1;
    case 'c':
        if (wl == 5 && memcmp(s, "clock", 5) == 0)
            return 19;
        if (wl == 13 && memcmp(s, "control-plane", 13) == 0)
            return 20;
        if (wl == 6 && memcmp(s, "crypto", 6) == 0)
            return 21;
        if (wl == 9 && memcmp(s, "class-map", 9) == 0)
            return 25;
        return -1;
    case 'd':
        if (wl == 6 && memcmp(s, "domain", 6) == 0)
            return 35;
        return -1;
    case 'e':
        if (wl == 6 && memcmp(s, "enable", 6) == 0)
            return 8;
        if (wl == 3 && memcmp(s, "end", 3) == 0)
            return 37;
        if (wl == 10 && memcmp(s, "errdisable", 10) == 0)
            return 39;
        return -1;
    case 'f':
        if (wl == 7 && memcmp(s, "feature", 7) == 0)
            return 30;
        return -1;
    case 'h':
        if (wl == 8 && memcmp(s, "hostname", 8) == 0)
            return 0;
        return -1;
    case 'i':
        if (wl == 9 && memcmp(s, "interface", 9) == 0)
            return 1;
        if (wl == 2 && memcmp(s, "ip", 2) == 0)
            return 5;
        if (wl == 4 && memcmp(s, "ipv6", 4) == 0)
            return 6;
        return -1;
    case 'k':
        if (wl == 3 && memcmp(s, "key", 3) == 0)
            return 32;
        return -1;
    case 'l':
        if (wl == 4 && memcmp(s, "line", 4) == 0)
            return 3;
        if (wl == 7 && memcmp(s, "logging", 7) == 0)
            return 11;
        if (wl == 7 && memcmp(s, "license", 7) == 0)
            return 41;
        return -1;
    case 'm':
        if (wl == 4 && memcmp(s, "mpls", 4) == 0)
            return 31;
        if (wl == 10 && memcmp(s, "management", 10) == 0)
            return 36;
        if (wl == 7 && memcmp(s, "monitor", 7) == 0)
            return 38;
        return -1;
    case 'n':
        if (wl == 2 && memcmp(s, "no", 2) == 0)
            return 10;
        if (wl == 3 && memcmp(s, "ntp", 3) == 0)
            return 13;
        return -1;
    case 'o':
        if (wl == 12 && memcmp(s, "object-group", 12) == 0)
            return 33;
        return -1;
    case 'p':
        if (wl == 10 && memcmp(s, "policy-map", 10) == 0)
            return 26;
        if (wl == 10 && memcmp(s, "prefix-set", 10) == 0)
            return 44;
        return -1;
    case 'r':
        if (wl == 6 && memcmp(s, "router", 6) == 0)
            return 4;
        if (wl == 13 && memcmp(s, "radius-server", 13) == 0)
            return 24;
        if (wl == 9 && memcmp(s, "route-map", 9) == 0)
            return 27;
        if (wl == 10 && memcmp(s, "redundancy", 10) == 0)
            return 42;
        if (wl == 12 && memcmp(s, "route-policy", 12) == 0)
            return 45;
        if (wl == 6 && memcmp(s, "radius", 6) == 0)
            return 47;
        return -1;
    case 's':
        if (wl == 7 && memcmp(s, "service", 7) == 0)
            return 9;
        if (wl == 11 && memcmp(s, "snmp-server", 11) == 0)
            return 12;
        if (wl == 13 && memcmp(s, "spanning-tree", 13) == 0)
            return 15;
        if (wl == 10 && memcmp(s, "switchname", 10) == 0)
            return 29;
        if (wl == 3 && memcmp(s, "ssh", 3) == 0)
            return 34;
        return -1;
    case 't':
        if (wl == 13 && memcmp(s, "tacacs-server", 13) == 0)
            return 23;
        if (wl == 5 && memcmp(s, "track", 5) == 0)
            return 43;
        if (wl == 6 && memcmp(s, "tacacs", 6) == 0)
            return 46;
        return -1;
    case 'u':
        if (wl == 8 && memcmp(s, "username", 8) == 0)
            return 7;
        return -1;
    case 'v':
        if (wl == 7 && memcmp(s, "version", 7) == 0)
            return 2;
        if (wl == 4 && memcmp(s, "vlan", 4) == 0)
            return 16;
        if (wl == 3 && memcmp(s, "vrf", 3) == 0)
            return 28;
        return -1;
    default: return -1;
    }
}

static void generic(struct sig *g, const char *s, size_t n)
{
    size_t wl = 0;
    int i;

    while (wl < n && !sh_cfg__is_space(s[wl]))
        wl++;
    i = generic_index(s, wl);
    if (i < 0)
        return;
    g->generic++;
    if (!(g->kinds_seen & ((uint64_t)1 << i))) {
        g->kinds_seen |= (uint64_t)1 << i;
        g->generic_kinds++;
    }
}

/* "ip address 10.0.0.1 255.255.255.0" (IOS) or "ip address 10.0.0.1/24"
 * (EOS, NX-OS): 1 for a mask, 2 for a prefix length, 0 otherwise. */
static int address_form(const char *s, size_t n)
{
    size_t i = 11, dots = 0;

    if (!starts(s, n, "ip address "))
        return 0;
    while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) {
        dots += s[i] == '.';
        i++;
    }
    if (dots != 3 || i == n)
        return 0;
    if (s[i] == '/')
        return 2;
    if (s[i] == ' ' && i + 4 < n && s[i + 1] == '2' && s[i + 2] == '5' && s[i + 3] == '5')
        return 1;
    return 0;
}

/* The long lists of platform-only commands below, split by first byte:
 * a line is compared only with the commands that start like it. Each
 * function is the plain `||` of its commands (every test requires the
 * line's first byte to be the command's), so the split decides nothing. */
static bool eos_only(const char *s, size_t n, size_t skip)
{
    switch (s[0]) {
    case 'a': return starts(s, n, "aaa root ");
    case 'b': return starts(s, n, "boot secret ");
    case 'd':
        return starts(s, n, "daemon TerminAttr") || starts(s, n, "dot1x system-auth-control") ||
               starts(s, n, "dynamic prefix-list ");
    case 'e': return starts(s, n, "event-handler ");
    case 'h':
        return starts(s, n, "hardware counter feature") || starts(s, n, "hardware port-group");
    case 'i':
        return starts(s, n, "interface Vxlan") || starts(s, n, "interface Port-Channel") ||
               starts(s, n, "interface Management1") || starts(s, n, "ip virtual-router ") ||
               starts(s, n, "ip name-server vrf ");
    case 'l': return starts(s, n, "lacp port-id ");
    case 'm':
        return starts(s, n, "management api http-commands") ||
               starts(s, n, "management api gnmi") || starts(s, n, "management api models") ||
               starts(s, n, "management console") || starts(s, n, "management ssh") ||
               starts(s, n, "management security") || starts(s, n, "management cvx") ||
               starts(s, n, "mlag configuration") || starts(s, n, "monitor connectivity") ||
               starts(s, n, "monitor layer1") || starts(s, n, "management tech-support") ||
               starts(s, n, "management defaults") || starts(s, n, "management accounts") ||
               starts(s, n, "monitor telemetry ") ||
               (skip > 0 && starts(s, n, "maximum-paths ") && contains(s, n, " ecmp "));
    case 'n':
        return starts(s, n, "no aaa root") || starts(s, n, "no spanning-tree vlan-id ") ||
               (skip > 0 && starts(s, n, "neighbor ") && contains(s, n, " peer group"));
    case 'p':
        return starts(s, n, "peer-filter ") || starts(s, n, "platform sand ") ||
               starts(s, n, "platform trident");
    case 'q': return starts(s, n, "queue-monitor ");
    case 'r':
        return starts(s, n, "router general") || starts(s, n, "router traffic-engineering") ||
               starts(s, n, "router bfd") || starts(s, n, "router multicast") ||
               starts(s, n, "router path-selection") || starts(s, n, "router segment-security") ||
               starts(s, n, "router l2-vpn") || starts(s, n, "router internet-exit") ||
               starts(s, n, "router igmp") || starts(s, n, "router msdp") ||
               starts(s, n, "router pim ");
    case 's':
        return starts(s, n, "service routing protocols model") || starts(s, n, "sflow run") ||
               starts(s, n, "snmp-server ipv4 ") ||
               starts(s, n, "service unsupported-transceiver") ||
               starts(s, n, "spanning-tree vlan-id ");
    case 't': return starts(s, n, "transceiver qsfp default-mode");
    case 'v': return starts(s, n, "vlan internal order") || starts(s, n, "vrf instance ");
    default: return false;
    }
}

static bool junos_set_command(const char *s, size_t n)
{
    switch (s[0]) {
    case 'd': return starts(s, n, "deactivate ");
    case 's':
        return starts(s, n, "set system ") || starts(s, n, "set interfaces ") ||
               starts(s, n, "set protocols ") || starts(s, n, "set policy-options ") ||
               starts(s, n, "set routing-options ") || starts(s, n, "set firewall ") ||
               starts(s, n, "set security ") || starts(s, n, "set snmp ") ||
               starts(s, n, "set routing-instances ") || starts(s, n, "set chassis ") ||
               starts(s, n, "set vlans ") || starts(s, n, "set groups ") ||
               starts(s, n, "set apply-groups ") || starts(s, n, "set version ") ||
               starts(s, n, "set class-of-service ");
    default: return false;
    }
}

static bool asa_only(const char *s, size_t n, size_t skip)
{
    switch (s[0]) {
    case 'a': return (skip == 0 && starts(s, n, "access-group ")) || starts(s, n, "asdm ");
    case 'n':
        return (skip > 0 && starts(s, n, "nameif ")) || (n == 5 && starts(s, n, "names")) ||
               starts(s, n, "nat (");
    case 'o': return starts(s, n, "object network ");
    case 's':
        return (skip > 0 && starts(s, n, "security-level ")) ||
               starts(s, n, "same-security-traffic ");
    case 't': return starts(s, n, "tunnel-group ");
    default: return false;
    }
}

static bool xe_marker_start(const char *s, size_t n)
{
    switch (s[0]) {
    case 'd': return starts(s, n, "diagnostic bootup level");
    case 'i': return starts(s, n, "ip http client source-interface");
    case 'l': return starts(s, n, "license udi");
    case 'n': return starts(s, n, "netconf-yang");
    case 'p':
        return starts(s, n, "platform punt-keepalive") || starts(s, n, "platform qfp ") ||
               starts(s, n, "platform console ");
    case 'r': return starts(s, n, "restconf");
    case 's': return starts(s, n, "subscriber templating");
    default: return false;
    }
}

static void line_signals(struct sig *g, const char *p, size_t len)
{
    size_t skip = 0, n;
    const char *s;

    while (skip < len && (p[skip] == ' ' || p[skip] == '\t'))
        skip++;
    s = p + skip;
    n = len - skip;
    while (n && sh_cfg__is_space(s[n - 1]))
        n--;
    if (!n)
        return;

    if ((s[0] == '!' || s[0] == '#') && contains(s, n, "RANCID-CONTENT-TYPE:"))
        rancid(g, s, n);

    if (skip == 0) {
        if (starts(s, n, "!! IOS XR Configuration"))
            g->xr_banner = true;
        else if (starts(s, n, "! device:") && (contains(s, n, "EOS-") || contains(s, n, "vEOS") ||
                                               contains(s, n, "DCS-") || contains(s, n, "cEOS")))
            g->eos_device = true;
        else if (starts(s, n, "!Command: show running-config") ||
                 starts(s, n, "!Command: show startup-config"))
            g->nx_command = true;
        else if (starts(s, n, "ASA Version ") || starts(s, n, "PIX Version "))
            g->asa_version = true;
        else if (starts(s, n, "#config-version="))
            g->fortios_header = true;
        else if (starts(s, n, "## Last commit:") || starts(s, n, "## Last changed:"))
            g->junos_commit = true;
    }
    if (s[0] == '!' || (s[0] == '#' && skip == 0))
        return;

    /* PAN-OS */
    if (starts(s, n, "<config version=") || starts(s, n, "<config urldb=") ||
        (starts(s, n, "<devices>") || starts(s, n, "<deviceconfig>")))
        g->panos_xml = true;
    if (starts(s, n, "set deviceconfig ") || starts(s, n, "set network ") ||
        starts(s, n, "set rulebase ") || starts(s, n, "set mgt-config ") ||
        starts(s, n, "set shared ") || starts(s, n, "set vsys ") || starts(s, n, "set zone "))
        g->panos_set++;
    if (skip == 0 && s[n - 1] == '{' &&
        (starts(s, n, "deviceconfig ") || starts(s, n, "rulebase ") ||
         starts(s, n, "mgt-config ") || starts(s, n, "vsys ") || starts(s, n, "shared ") ||
         starts(s, n, "policy ") || starts(s, n, "config ") || starts(s, n, "devices ")))
        g->panos_brace++;
    /* Junos */
    if (starts(s, n, "<configuration") || starts(s, n, "<rpc-reply"))
        g->junos_xml = true;
    if (junos_set_command(s, n))
        g->junos_set++;
    if (s[n - 1] == '{')
        g->junos_open++;
    else if (n == 1 && s[0] == '}')
        g->junos_close++;
    else if (s[n - 1] == ';' && s[0] != ':')
        g->junos_semi++;
    if (skip == 0 && s[n - 1] == '{' &&
        (starts(s, n, "system ") || starts(s, n, "interfaces ") || starts(s, n, "protocols ") ||
         starts(s, n, "policy-options ") || starts(s, n, "routing-options ") ||
         starts(s, n, "firewall ") || starts(s, n, "security ") || starts(s, n, "chassis ") ||
         starts(s, n, "snmp ") || starts(s, n, "groups ") || starts(s, n, "routing-instances ") ||
         starts(s, n, "vlans ") || starts(s, n, "applications ") ||
         starts(s, n, "class-of-service ") || starts(s, n, "services ") ||
         starts(s, n, "forwarding-options ")))
        g->junos_kw++;
    if (skip == 0 && starts(s, n, "version ") && s[n - 1] == ';')
        g->junos_kw++;
    /* FortiOS */
    if (skip == 0 && starts(s, n, "config system global"))
        g->fortios_global = true;
    if (skip == 0 && (starts(s, n, "config system ") || starts(s, n, "config firewall ") ||
                      starts(s, n, "config router ") || starts(s, n, "config vpn ") ||
                      starts(s, n, "config user ") || starts(s, n, "config log ")))
        g->fortios_cfg++;
    if (starts(s, n, "edit ") || (n == 4 && memcmp(s, "next", 4) == 0))
        g->fortios_edit++;

    /* NX-OS */
    /* Children of a top-level line: IOS, IOS XR and ASA indent by one
     * space, NX-OS by two, EOS by three. */
    if (skip > 0 && skip <= 4 && g->prev_top && p[0] == ' ')
        g->indent_w[skip]++;
    g->prev_top = skip == 0;
    if (contains(s, n, "use-vrf ") || starts(s, n, "spanning-tree port type ") ||
        starts(s, n, "vrf context "))
        mark(g, &g->nx, &g->nx_basis, "NX-OS 'use-vrf'/'vrf context'");
    if (skip == 0 && starts(s, n, "vrf ") && !memchr(s + 4, ' ', n - 4))
        mark(g, &g->xr, &g->xr_basis, "IOS XR top-level 'vrf NAME'");
    if (skip == 0 && starts(s, n, "boot system ") && contains(s, n, ".swi")) {
        mark(g, &g->eos, &g->eos_basis, "EOS image 'boot system flash *.swi'");
        g->eos += 2; /* what Batfish itself keys on */
    }
    if (skip == 0 && (starts(s, n, "feature ") || starts(s, n, "switchname ") ||
                      starts(s, n, "vdc ") || starts(s, n, "install feature-set") ||
                      starts(s, n, "boot nxos") || starts(s, n, "feature-set ")))
        mark(g, &g->nx, &g->nx_basis, "NX-OS 'feature'/'switchname' commands");
    if (skip == 0 && starts(s, n, "version ") && contains(s, n, "Bios:"))
        mark(g, &g->nx, &g->nx_basis, "NX-OS 'version ... Bios:'");
    /* IOS XR */
    if (skip > 0 && starts(s, n, "ipv4 address "))
        mark(g, &g->xr, &g->xr_basis, "IOS XR 'ipv4 address'");
    if (starts(s, n, "end-policy") || starts(s, n, "end-set") || starts(s, n, "end-group"))
        mark(g, &g->xr, &g->xr_basis, "IOS XR 'end-policy'/'end-set'");
    if (skip == 0 && (starts(s, n, "route-policy ") || starts(s, n, "prefix-set ") ||
                      starts(s, n, "community-set ") || starts(s, n, "as-path-set ")))
        mark(g, &g->xr, &g->xr_basis, "IOS XR 'route-policy'/'prefix-set'");
    if (skip == 0 && starts(s, n, "router static") && n == 13)
        mark(g, &g->xr, &g->xr_basis, "IOS XR 'router static'");
    /* EOS */
    if (eos_only(s, n, skip))
        mark(g, &g->eos, &g->eos_basis, "Arista EOS-only commands");
    /* ASA */
    if (asa_only(s, n, skip))
        mark(g, &g->asa, &g->asa_basis, "ASA 'nameif'/'security-level'");
    if (skip > 0) {
        int form = address_form(s, n);
        if (form == 1 && !g->mask_seen) {
            g->mask_seen = true;
            mark(g, &g->ios, &g->ios_basis, "'ip address' with a dotted mask");
        } else if (form == 2 && !g->cidr_seen) {
            g->cidr_seen = true;
            mark(g, &g->eos, &g->eos_basis, "'ip address' with a prefix length");
        }
    }
    /* IOS (and IOS XE) */
    if (skip == 0 && (starts(s, n, "boot-start-marker") || starts(s, n, "ip cef") ||
                      starts(s, n, "ip subnet-zero") || starts(s, n, "ip classless") ||
                      starts(s, n, "memory-size ") || starts(s, n, "line con 0") ||
                      starts(s, n, "line vty 0 ") || starts(s, n, "interface Port-channel") ||
                      starts(s, n, "interface FastEthernet") || starts(s, n, "vrf definition ") ||
                      starts(s, n, "ip vrf ") || starts(s, n, "no ip http server") ||
                      starts(s, n, "interface Serial") || starts(s, n, "ip access-list extended ")))
        mark(g, &g->ios, &g->ios_basis, "IOS-only commands");
    /* IOS XE */
    if (xe_marker_start(s, n) || contains(s, n, "Cisco IOS XE"))
        mark(g, &g->xe, &g->xe_basis, "IOS XE markers");
    if (skip == 0 && starts(s, n, "version ") && n > 8 && s[8] >= '0' && s[8] <= '9') {
        uint64_t v = 0;
        size_t k = 8;
        while (k < n && s[k] >= '0' && s[k] <= '9')
            k++;
        if (sh_str_to_u64(s + 8, k - 8, 999, &v) && k < n && s[k] == '.') {
            g->version_major = (unsigned)v;
            /* NX-OS writes "version 9.3(8)"; IOS "version 15.2". */
            if (!memchr(s, '(', n)) {
                mark(g, &g->ios, &g->ios_basis, "'version N.N'");
                g->ios++; /* the strongest IOS sign short of a header */
            }
        }
    }
    if (skip == 0)
        generic(g, s, n);
}

/* IOS or IOS XE, from the version line and XE-only commands. */
static enum sh_dialect ios_flavour(const struct sig *g, const char **basis)
{
    if (g->version_major >= 16 && g->version_major < 100) {
        *basis = "'version 16+' (IOS XE)";
        return SH_DIALECT_IOSXE;
    }
    if (g->xe && g->version_major != 12 && g->version_major != 15) {
        *basis = g->xe_basis;
        return SH_DIALECT_IOSXE;
    }
    if (g->version_major) {
        *basis = "Cisco-style config with 'version 12.x/15.x'";
        return SH_DIALECT_IOS;
    }
    *basis = "Cisco IOS-style config commands";
    return SH_DIALECT_IOS;
}

static int detect_utf8(const char *buf, size_t len, enum sh_dialect *dialect_out,
                       const char **basis_out);

int sh_cfg_detect(const char *buf, size_t len, enum sh_dialect *dialect_out, const char **basis_out)
{
    if (buf && sh_cfg__utf16_bom(buf, len)) {
        /* Two bytes per character: twice the window gives the same text. */
        size_t n = 0;
        char *u = sh_cfg__utf16_to_utf8(buf, len > 2 * DETECT_MAX ? 2 * DETECT_MAX : len, &n);
        int score;
        if (!u) {
            if (dialect_out)
                *dialect_out = SH_DIALECT_UNKNOWN;
            if (basis_out)
                *basis_out = "no config signal";
            return 0;
        }
        score = detect_utf8(u, n, dialect_out, basis_out);
        sh_free(u);
        return score;
    }
    return detect_utf8(buf, len, dialect_out, basis_out);
}

static int detect_utf8(const char *buf, size_t len, enum sh_dialect *dialect_out,
                       const char **basis_out)
{
    struct sig g;
    size_t pos = 0;
    enum sh_dialect d = SH_DIALECT_UNKNOWN;
    const char *basis = "no config signal", *flavour = NULL;
    int score = 0;
    unsigned best;

    memset(&g, 0, sizeof(g));
    if (!buf)
        len = 0;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        buf += 3; /* UTF-8 byte order mark */
        len -= 3;
    }
    if (len > DETECT_MAX)
        len = DETECT_MAX;
    while (pos < len) {
        const char *p = buf + pos, *nl = memchr(p, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - p) : len - pos;
        pos += n + (nl ? 1 : 0);
        if (n > 4096)
            n = 4096;
        line_signals(&g, p, n);
    }

    if (g.rancid) {
        d = g.rancid;
        basis = g.rancid_basis;
        score = 100;
        if (d == SH_DIALECT_IOS) {
            /* RANCID's "cisco" type covers IOS, IOS XE and ASA. */
            if (g.asa_version) {
                d = SH_DIALECT_ASA;
                basis = "'RANCID-CONTENT-TYPE: cisco' with 'ASA Version'";
            } else if (ios_flavour(&g, &flavour) == SH_DIALECT_IOSXE) {
                d = SH_DIALECT_IOSXE;
                basis = "'RANCID-CONTENT-TYPE: cisco' with IOS XE markers";
            }
        }
    } else if (g.xr_banner) {
        d = SH_DIALECT_IOSXR, basis = "'!! IOS XR Configuration'", score = 95;
    } else if (g.eos_device) {
        d = SH_DIALECT_EOS, basis = "'! device: ... EOS' header", score = 95;
    } else if (g.asa_version) {
        d = SH_DIALECT_ASA, basis = "'ASA Version'", score = 95;
    } else if (g.nx_command && (g.nx || g.generic_kinds >= 1)) {
        d = SH_DIALECT_NXOS, basis = "'!Command: show running-config' header", score = 95;
    } else if (g.panos_xml) {
        d = SH_DIALECT_PANOS, basis = "PAN-OS XML '<config version=...>'", score = 90;
    } else if (g.fortios_header || (g.fortios_global && g.fortios_edit + g.fortios_cfg >= 1)) {
        d = SH_DIALECT_FORTIOS;
        basis = g.fortios_header ? "FortiOS '#config-version=' header"
                                 : "FortiOS 'config system global'";
        score = 90;
    } else if (g.panos_set >= 1 && g.panos_set >= g.junos_set) {
        d = SH_DIALECT_PANOS, basis = "PAN-OS 'set deviceconfig'/'set network' commands";
        score = g.panos_set >= 3 ? 85 : 60;
    } else if (g.junos_set >= 1 && g.junos_set * 2 >= g.generic) {
        d = SH_DIALECT_JUNOS, basis = "Junos 'set system'/'set interfaces' commands";
        score = g.junos_set >= 3 ? 85 : 60;
    } else if (g.panos_brace >= 1 && g.junos_open >= 2 && g.junos_semi + g.junos_close >= 1 &&
               g.panos_brace >= g.junos_kw) {
        d = SH_DIALECT_PANOS, basis = "PAN-OS brace syntax ('deviceconfig {', 'rulebase {')";
        score = g.panos_brace >= 2 ? 85 : 60;
    } else if ((g.junos_kw >= 1 || g.junos_commit) && g.junos_open >= 1 &&
               g.junos_semi + g.junos_close >= 1) {
        d = SH_DIALECT_JUNOS, basis = "Junos brace syntax ('system {', 'interfaces {')";
        score = g.junos_kw >= 2 ? 90 : 70;
    } else if (g.fortios_cfg >= 1 && g.fortios_edit >= 1) {
        d = SH_DIALECT_FORTIOS, basis = "FortiOS 'config ... edit ... next ... end' blocks";
        score = 70;
    } else if (g.nx_command) {
        d = SH_DIALECT_NXOS, basis = "'!Command: show running-config' header", score = 80;
    } else if (g.generic_kinds >= 1 || g.ios || g.nx || g.xr || g.eos || g.asa) {
        unsigned w1 = g.indent_w[1], w2 = g.indent_w[2], w3 = g.indent_w[3];
        /* EOS output indents by three spaces, which nothing else does;
         * hand-written files use one or two, so those say little. */
        if (w3 > w1 && w3 > w2)
            mark(&g, &g.eos, &g.eos_basis, "three-space indentation (EOS)");
        /* Cisco-style text: the platform-only commands decide; IOS-only
         * markers (a `version 15.2` line, boot markers) win ties. */
        best = g.ios;
        d = SH_DIALECT_IOS;
        if (g.nx > best)
            best = g.nx, d = SH_DIALECT_NXOS, basis = g.nx_basis;
        if (g.xr > best)
            best = g.xr, d = SH_DIALECT_IOSXR, basis = g.xr_basis;
        if (g.eos > best)
            best = g.eos, d = SH_DIALECT_EOS, basis = g.eos_basis;
        if (g.asa > best)
            best = g.asa, d = SH_DIALECT_ASA, basis = g.asa_basis;
        if (d != SH_DIALECT_IOS) {
            score = 50 + 10 * (int)(best > 4 ? 4 : best);
        } else if (g.ios || g.generic_kinds >= 2) {
            d = ios_flavour(&g, &basis);
            score =
                40 + 10 * (int)(g.ios + g.generic_kinds / 2 > 4 ? 4 : g.ios + g.generic_kinds / 2);
        } else if ((g.kinds_seen & 1) && w1 + w2 + w3 > 0) {
            /* A snippet: `hostname X` and an indented block of some
             * feature only Cisco-style configs have. */
            d = SH_DIALECT_IOS;
            basis = "'hostname' with Cisco-style indented blocks";
            score = 30;
        } else {
            d = SH_DIALECT_UNKNOWN;
        }
    }
    if (d == SH_DIALECT_UNKNOWN)
        score = 0;
    if (dialect_out)
        *dialect_out = d;
    if (basis_out)
        *basis_out = score ? basis : "no config signal";
    return score;
}
