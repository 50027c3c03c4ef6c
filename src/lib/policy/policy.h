/*
 * policy.h - site policy: what is approved in this network (PRODUCT.md §6).
 *
 * A YAML mapping of known keys to lists of IPs, CIDRs or names (ports for
 * ssh_ports). Unknown keys and bad entries are errors with file and line.
 * Built once, then read concurrently; owned by the loader's caller.
 */
#ifndef SH_POLICY_H
#define SH_POLICY_H

#include "../base/sh_base.h"

enum sh_policy_key {
    SH_POL_MANAGEMENT_NETWORKS = 0,
    SH_POL_AAA_SERVERS,
    SH_POL_SYSLOG_SERVERS,
    SH_POL_NTP_SERVERS,
    SH_POL_SNMP_MANAGERS,
    SH_POL_TUNNEL_PEERS,
    SH_POL_LOCAL_USERS,
    SH_POL_FILE_SERVERS,
    SH_POL_SSH_PORTS,
    SH_POL__COUNT
};

struct sh_policy;

/** Key name as written in the YAML ("aaa_servers"); -1 from parse when unknown. */
const char *sh_policy_key_name(enum sh_policy_key k);
int sh_policy_key_parse(const char *name);

int sh_policy_load_file(struct sh_policy **out, const char *path, sh_diag *diag);
int sh_policy_load_buf(struct sh_policy **out, const char *buf, size_t len, const char *source,
                       sh_diag *diag);
void sh_policy_free(struct sh_policy *p);

struct sh_yaml_node;
/** Build a policy from an already parsed YAML mapping (rule samples carry inline policies). */
int sh_policy__from_yaml(struct sh_policy **out, const struct sh_yaml_node *root,
                         const char *source, sh_diag *diag);

/** True when the policy file set this key (an empty list counts as set). */
bool sh_policy_has(const struct sh_policy *p, enum sh_policy_key k);

/**
 * True when `value` is approved under key `k`: an address inside one of
 * the key's IPs/CIDRs, or a name/port equal to an entry (names compare
 * case-insensitively). False when p is NULL or the key is not set.
 */
bool sh_policy_contains(const struct sh_policy *p, enum sh_policy_key k, const char *value);

#endif
