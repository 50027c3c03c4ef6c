/*
 * policy.c - load and query the site policy (PRODUCT.md §6).
 *
 * The YAML is read into a bounded tree (yamltree.h); each key's entries
 * are split at load time into addresses/CIDRs (compared by prefix) and
 * names or ports (compared as text, case-insensitively). A loaded policy
 * is immutable and may be read from any number of threads.
 */
#include "../base/sh_base.h"

#include "policy.h"

#include <stdio.h>
#include <strings.h>

#include "../base/ipaddr.h"
#include "../base/yamltree.h"

#define MAX_POLICY_BYTES ((size_t)4 << 20)
#define MAX_ENTRIES 10000 /* per key */
#define MAX_VALUE 253     /* a DNS name's limit; addresses are shorter */

struct pol_net {
    struct sh_ip net;
    unsigned prefix;
};

struct pol_list {
    bool set;
    struct pol_net *nets;
    size_t n_nets;
    char **names; /* lower case */
    size_t n_names;
};

struct sh_policy {
    struct pol_list keys[SH_POL__COUNT];
};

static const char *const key_names[SH_POL__COUNT] = {
    "management_networks", "aaa_servers", "syslog_servers", "ntp_servers", "snmp_managers",
    "tunnel_peers",        "local_users", "file_servers",   "ssh_ports",
};

const char *sh_policy_key_name(enum sh_policy_key k)
{
    return (unsigned)k < SH_POL__COUNT ? key_names[k] : "unknown";
}

int sh_policy_key_parse(const char *name)
{
    int i;

    if (!name)
        return -1;
    for (i = 0; i < SH_POL__COUNT; i++)
        if (strcmp(name, key_names[i]) == 0)
            return i;
    return -1;
}

void sh_policy_free(struct sh_policy *p)
{
    size_t k, i;

    if (!p)
        return;
    for (k = 0; k < SH_POL__COUNT; k++) {
        sh_free(p->keys[k].nets);
        for (i = 0; i < p->keys[k].n_names; i++)
            sh_free(p->keys[k].names[i]);
        sh_free(p->keys[k].names);
    }
    sh_free(p);
}

/* Keys whose entries are hosts or networks; local_users holds names and ssh_ports ports. */
static bool key_is_address(enum sh_policy_key k)
{
    return k != SH_POL_LOCAL_USERS && k != SH_POL_SSH_PORTS;
}

static bool valid_name(const char *s, size_t len)
{
    size_t i;

    if (len == 0 || len > MAX_VALUE)
        return false;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c == 0x7f)
            return false;
    }
    return true;
}

/* An address key also accepts host names (DNS names of servers), but a
 * value that looks like an address must parse as one. */
static bool looks_numeric(const char *s, size_t len)
{
    size_t i;
    bool colon = false;

    for (i = 0; i < len; i++) {
        char c = s[i];
        if (c == ':')
            colon = true;
        else if (!((c >= '0' && c <= '9') || c == '.' || c == '/' ||
                   ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))))
            return colon;
    }
    if (colon)
        return true;
    for (i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '/'))
            return false;
    return true;
}

static int add_entry(struct pol_list *l, enum sh_policy_key k, const struct sh_yaml_node *v,
                     const char *source, sh_diag *diag)
{
    const char *s = v->str;
    size_t len = v->len;

    if (v->type != SH_YAML_SCALAR)
        return sh_yaml_diag(diag, SH_ERULE, source, v, "%s: entries must be plain values",
                            key_names[k]);
    if (strlen(s) != len || len == 0)
        return sh_yaml_diag(diag, SH_ERULE, source, v, "%s: empty or binary entry", key_names[k]);
    if (len > MAX_VALUE)
        return sh_yaml_diag(diag, SH_ELIMIT, source, v, "%s: entry longer than %d bytes",
                            key_names[k], MAX_VALUE);
    if (l->n_nets + l->n_names >= MAX_ENTRIES)
        return sh_yaml_diag(diag, SH_ELIMIT, source, v, "%s: more than %d entries", key_names[k],
                            MAX_ENTRIES);
    if (k == SH_POL_SSH_PORTS) {
        uint64_t port;
        if (!sh_str_to_u64(s, len, 65535, &port) || port == 0)
            return sh_yaml_diag(diag, SH_ERULE, source, v,
                                "ssh_ports: '%s' is not a port number (1-65535)", s);
    } else if (key_is_address(k) && (looks_numeric(s, len) || memchr(s, '/', len))) {
        struct pol_net pn;
        struct pol_net *nv;
        if (!sh_ip_parse_cidr(&pn.net, &pn.prefix, s, len))
            return sh_yaml_diag(diag, SH_ERULE, source, v,
                                "%s: '%s' is not a valid address or cidr", key_names[k], s);
        nv = sh_realloc(l->nets, (l->n_nets + 1) * sizeof(*nv));
        if (!nv)
            return SH_ENOMEM;
        l->nets = nv;
        nv[l->n_nets++] = pn;
        return SH_OK;
    } else if (!valid_name(s, len)) {
        return sh_yaml_diag(diag, SH_ERULE, source, v, "%s: '%s' is not a valid name", key_names[k],
                            s);
    }
    {
        char **nv = sh_realloc(l->names, (l->n_names + 1) * sizeof(*nv));
        char *low;
        if (!nv)
            return SH_ENOMEM;
        l->names = nv;
        low = sh_str_lower(s);
        if (!low)
            return SH_ENOMEM;
        nv[l->n_names++] = low;
    }
    return SH_OK;
}

int sh_policy__from_yaml(struct sh_policy **out, const struct sh_yaml_node *root,
                         const char *source, sh_diag *diag)
{
    struct sh_policy *p = NULL;
    size_t i, j;
    int rc = SH_OK;

    SH_ASSERT_ARG(out);
    *out = NULL;
    p = sh_calloc(1, sizeof(*p));
    if (!p)
        return sh_diag_set(diag, SH_ENOMEM, source, 0, "out of memory");
    if (!root)
        goto out; /* an empty policy approves nothing and sets no key */
    if (root->type != SH_YAML_MAP) {
        rc = sh_yaml_diag(diag, SH_ERULE, source, root,
                          "the policy must be a mapping of keys to lists");
        goto out;
    }
    for (i = 0; i + 1 < root->n; i += 2) {
        const struct sh_yaml_node *kn = root->kids[i], *vn = root->kids[i + 1];
        int k;

        if (kn->type != SH_YAML_SCALAR) {
            rc = sh_yaml_diag(diag, SH_ERULE, source, kn, "policy keys must be plain names");
            goto out;
        }
        k = sh_policy_key_parse(kn->str);
        if (k < 0) {
            rc = sh_yaml_diag(diag, SH_ERULE, source, kn,
                              "unknown policy key '%.60s' (known: management_networks, "
                              "aaa_servers, syslog_servers, ntp_servers, snmp_managers, "
                              "tunnel_peers, local_users, file_servers, ssh_ports)",
                              kn->str);
            goto out;
        }
        if (p->keys[k].set) {
            rc = sh_yaml_diag(diag, SH_ERULE, source, kn, "policy key '%s' given twice", kn->str);
            goto out;
        }
        p->keys[k].set = true;
        if (vn->type == SH_YAML_SCALAR && vn->plain &&
            (vn->len == 0 || strcmp(vn->str, "~") == 0 || strcmp(vn->str, "null") == 0))
            continue; /* "key:" with nothing after it: an empty list */
        if (vn->type != SH_YAML_SEQ) {
            rc =
                sh_yaml_diag(diag, SH_ERULE, source, vn, "policy key '%s' must be a list", kn->str);
            goto out;
        }
        for (j = 0; j < vn->n; j++) {
            rc = add_entry(&p->keys[k], (enum sh_policy_key)k, vn->kids[j], source, diag);
            if (rc) {
                if (rc == SH_ENOMEM)
                    sh_diag_set(diag, rc, source, 0, "out of memory");
                goto out;
            }
        }
    }
out:
    if (rc) {
        sh_policy_free(p);
        return rc;
    }
    *out = p;
    return SH_OK;
}

int sh_policy_load_buf(struct sh_policy **out, const char *buf, size_t len, const char *source,
                       sh_diag *diag)
{
    struct sh_yaml *y = NULL;
    int rc;

    SH_ASSERT_ARG(out && (buf || len == 0));
    *out = NULL;
    if (!source)
        source = "<policy>";
    if (len > MAX_POLICY_BYTES)
        return sh_diag_set(diag, SH_ELIMIT, source, 0, "policy file larger than %zu bytes",
                           MAX_POLICY_BYTES);
    rc = sh_yaml_parse(&y, buf, len, NULL, source, diag);
    if (!rc)
        rc = sh_policy__from_yaml(out, y->root, source, diag);
    sh_yaml_free(y);
    return rc;
}

int sh_policy_load_file(struct sh_policy **out, const char *path, sh_diag *diag)
{
    char *buf = NULL;
    size_t len = 0;
    int rc;

    SH_ASSERT_ARG(out && path);
    *out = NULL;
    rc = sh_file_read(&buf, &len, path, MAX_POLICY_BYTES, diag);
    if (rc)
        return rc;
    rc = sh_policy_load_buf(out, buf, len, path, diag);
    sh_free(buf);
    return rc;
}

bool sh_policy_has(const struct sh_policy *p, enum sh_policy_key k)
{
    return p && (unsigned)k < SH_POL__COUNT && p->keys[k].set;
}

bool sh_policy_contains(const struct sh_policy *p, enum sh_policy_key k, const char *value)
{
    const struct pol_list *l;
    struct sh_ip ip;
    size_t i, len;

    if (!p || (unsigned)k >= SH_POL__COUNT || !value || !p->keys[k].set)
        return false;
    l = &p->keys[k];
    len = strlen(value);
    if (l->n_nets) {
        struct sh_ip net;
        unsigned prefix;
        /* A value may itself be a network ("permit 10.1.0.0/16"): approved
         * when it lies inside an approved network. */
        if (sh_ip_parse(&ip, value, len)) {
            for (i = 0; i < l->n_nets; i++)
                if (sh_ip_in_cidr(&ip, &l->nets[i].net, l->nets[i].prefix))
                    return true;
        } else if (memchr(value, '/', len) && sh_ip_parse_cidr(&net, &prefix, value, len)) {
            for (i = 0; i < l->n_nets; i++)
                if (prefix >= l->nets[i].prefix &&
                    sh_ip_in_cidr(&net, &l->nets[i].net, l->nets[i].prefix))
                    return true;
        }
    }
    if (k == SH_POL_SSH_PORTS) {
        uint64_t a, b;
        if (!sh_str_to_u64(value, len, 65535, &a))
            return false;
        for (i = 0; i < l->n_names; i++)
            if (sh_str_to_u64(l->names[i], strlen(l->names[i]), 65535, &b) && a == b)
                return true;
        return false;
    }
    for (i = 0; i < l->n_names; i++)
        if (strcasecmp(l->names[i], value) == 0)
            return true;
    return false;
}
