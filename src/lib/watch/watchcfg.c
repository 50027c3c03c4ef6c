/*
 * watchcfg.c - the watch daemon's configuration: defaults, CLI options and
 * the YAML file (docs/watch.md documents every key).
 *
 * The YAML file is untrusted only in the sense that it may be wrong: it is
 * bounded (size, node count) and every bad key or value is reported with its
 * line. A config is built single-threaded and read-only afterwards.
 */
#include "../base/sh_base.h"

#include "watch_int.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <yaml.h>

#define DEFAULT_MAX_MESSAGE 8192
#define DEFAULT_IDLE_TIMEOUT 300
#define DEFAULT_MAX_CONNECTIONS 1024
#define DEFAULT_QUEUE 65536
#define DEFAULT_ROTATE (64u << 20)
#define MAX_MESSAGE_LIMIT (1u << 20)
#define CFG_MAX_NODES 4096

int sh_watch_config_new(sh_watch_config **out)
{
    sh_watch_config *c;

    SH_ASSERT_ARG(out);
    c = sh_calloc(1, sizeof(*c));
    if (!c)
        return SH_ENOMEM;
    c->max_message = DEFAULT_MAX_MESSAGE;
    c->idle_timeout = DEFAULT_IDLE_TIMEOUT;
    c->max_connections = DEFAULT_MAX_CONNECTIONS;
    c->queue_messages = DEFAULT_QUEUE;
    c->archive_rotate_bytes = DEFAULT_ROTATE;
    *out = c;
    return SH_OK;
}

void sh_watch_config_free(sh_watch_config *c)
{
    size_t i;

    if (!c)
        return;
    sh_free(c->tls_cert);
    sh_free(c->tls_key);
    sh_free(c->tls_ca);
    sh_free(c->jsonl);
    for (i = 0; i < c->n_rules; i++)
        sh_free(c->rules[i]);
    sh_free(c->policy);
    sh_free(c->user);
    sh_free(c->archive_dir);
    sh_free(c);
}

const char *const *sh_watch_config_rules(const sh_watch_config *c)
{
    return c ? (const char *const *)c->rules : NULL;
}

const char *sh_watch_config_policy(const sh_watch_config *c)
{
    return c ? c->policy : NULL;
}

void sh_watch__addr_str(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
    char host[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;

    SH_UNUSED(len);
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
        port = ntohs(in->sin_port);
        snprintf(buf, size, "%s:%u", host, port);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
        port = ntohs(in6->sin6_port);
        snprintf(buf, size, "[%s]:%u", host, port);
    } else {
        snprintf(buf, size, "unknown");
    }
}

static bool is_numeric_host(const char *h);

int sh_watch__parse_endpoint(struct sh_watch_endpoint *out, const char *text, int default_proto,
                             bool resolve_names, sh_diag *diag)
{
    const char *p = text, *colon;
    char host[256];
    size_t hlen;
    uint64_t port;
    int proto = default_proto;

    SH_ASSERT_ARG(out && text);
    memset(out, 0, sizeof(*out));
    if (sh_str_startswith(p, "udp://")) {
        proto = SH_WATCH_UDP;
        p += 6;
    } else if (sh_str_startswith(p, "tcp://")) {
        proto = SH_WATCH_TCP;
        p += 6;
    } else if (sh_str_startswith(p, "tls://")) {
        proto = SH_WATCH_TLS;
        p += 6;
    } else if (strstr(p, "://")) {
        return sh_diag_set(diag, SH_EINVAL, NULL, 0,
                           "unknown scheme in '%.100s' (use udp://, tcp:// or tls://)", text);
    }
    if (proto < 0)
        return sh_diag_set(diag, SH_EINVAL, NULL, 0, "'%.100s' needs udp://, tcp:// or tls://",
                           text);
    if (*p == '[') {
        const char *end = strchr(p, ']');
        if (!end || end[1] != ':')
            return sh_diag_set(diag, SH_EINVAL, NULL, 0, "bad IPv6 address in '%.100s'", text);
        hlen = (size_t)(end - p - 1);
        if (hlen >= sizeof(host))
            return sh_diag_set(diag, SH_EINVAL, NULL, 0, "address too long in '%.100s'", text);
        memcpy(host, p + 1, hlen);
        colon = end + 1;
    } else {
        colon = strrchr(p, ':');
        if (!colon)
            return sh_diag_set(diag, SH_EINVAL, NULL, 0, "'%.100s' has no port (host:port)", text);
        hlen = (size_t)(colon - p);
        if (hlen >= sizeof(host))
            return sh_diag_set(diag, SH_EINVAL, NULL, 0, "address too long in '%.100s'", text);
        memcpy(host, p, hlen);
    }
    host[hlen] = '\0';
    if (!sh_str_to_u64(colon + 1, strlen(colon + 1), 65535, &port) || colon[1] == '\0')
        return sh_diag_set(diag, SH_EINVAL, NULL, 0, "bad port in '%.100s'", text);
    snprintf(out->host, sizeof(out->host), "%s", host);
    snprintf(out->port, sizeof(out->port), "%u", (unsigned)port);
    out->proto = (enum sh_watch_proto)proto;
    snprintf(out->text, sizeof(out->text), "%s://%.110s",
             proto == SH_WATCH_UDP   ? "udp"
             : proto == SH_WATCH_TCP ? "tcp"
                                     : "tls",
             p);
    if (!resolve_names && hlen > 0 && !is_numeric_host(host))
        return SH_OK; /* resolved when used (sh_watch__resolve) */
    return sh_watch__resolve(out, diag);
}

int sh_watch__resolve(struct sh_watch_endpoint *ep, sh_diag *diag)
{
    struct addrinfo hints, *res = NULL;
    int gai;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = ep->proto == SH_WATCH_UDP ? SOCK_DGRAM : SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (ep->host[0] == '\0' ? AI_PASSIVE : 0);
    gai = getaddrinfo(ep->host[0] ? ep->host : NULL, ep->port, &hints, &res);
    if (gai != 0 || !res)
        return sh_diag_set(diag, SH_EINVAL, NULL, 0, "cannot resolve '%.100s': %s", ep->text,
                           gai_strerror(gai));
    memcpy(&ep->addr, res->ai_addr, res->ai_addrlen);
    ep->addrlen = res->ai_addrlen;
    ep->resolved = true;
    freeaddrinfo(res);
    return SH_OK;
}

static bool is_numeric_host(const char *h)
{
    struct in6_addr a6;
    struct in_addr a4;

    return inet_pton(AF_INET, h, &a4) == 1 || inet_pton(AF_INET6, h, &a6) == 1;
}

static int set_str(char **dst, const char *v)
{
    char *d = sh_strdup(v);

    if (!d)
        return SH_ENOMEM;
    sh_free(*dst);
    *dst = d;
    return SH_OK;
}

static int set_uint(uint64_t *out, const char *key, const char *v, uint64_t min, uint64_t max,
                    sh_diag *diag)
{
    if (!sh_str_to_u64(v, strlen(v), max, out) || *v == '\0' || *out < min)
        return sh_diag_set(diag, SH_EINVAL, NULL, 0, "%s must be a number from %llu to %llu", key,
                           (unsigned long long)min, (unsigned long long)max);
    return SH_OK;
}

static int parse_bool(bool *out, const char *v)
{
    if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on")) {
        *out = true;
        return SH_OK;
    }
    if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off")) {
        *out = false;
        return SH_OK;
    }
    return SH_EINVAL;
}

int sh_watch_config_set(sh_watch_config *c, const char *key, const char *v, sh_diag *diag)
{
    uint64_t n;
    int rc;

    SH_ASSERT_ARG(c && key && v);
    if (!strcmp(key, "listen")) {
        if (c->n_listen == SH_WATCH_MAX_LISTENERS)
            return sh_diag_set(diag, SH_ELIMIT, NULL, 0, "more than %d listeners",
                               SH_WATCH_MAX_LISTENERS);
        rc = sh_watch__parse_endpoint(&c->listen[c->n_listen], v, -1, false, diag);
        if (rc == 0 && !c->listen[c->n_listen].resolved)
            return sh_diag_set(diag, SH_EINVAL, NULL, 0, "listen address must be numeric: '%.100s'",
                               v);
        if (rc == 0)
            c->n_listen++;
        return rc;
    }
    if (!strcmp(key, "tls-cert"))
        return set_str(&c->tls_cert, v);
    if (!strcmp(key, "tls-key"))
        return set_str(&c->tls_key, v);
    if (!strcmp(key, "tls-ca"))
        return set_str(&c->tls_ca, v);
    if (!strcmp(key, "tls-verify-clients")) {
        if (parse_bool(&c->tls_verify_clients, v) != 0)
            return sh_diag_set(diag, SH_EINVAL, NULL, 0, "%s must be true or false", key);
        c->tls_verify_set = true;
        return SH_OK;
    }
    if (!strcmp(key, "jsonl"))
        return set_str(&c->jsonl, v);
    if (!strcmp(key, "forward")) {
        rc = sh_watch__parse_endpoint(&c->forward, v, SH_WATCH_UDP, false, diag);
        if (rc == 0 && c->forward.proto != SH_WATCH_UDP)
            return sh_diag_set(diag, SH_EINVAL, NULL, 0, "forward supports udp:// only");
        c->have_forward = rc == 0;
        return rc;
    }
    if (!strcmp(key, "metrics")) {
        rc = sh_watch__parse_endpoint(&c->metrics, v, SH_WATCH_TCP, false, diag);
        if (rc == 0 && !c->metrics.resolved)
            return sh_diag_set(diag, SH_EINVAL, NULL, 0,
                               "metrics address must be numeric: '%.100s'", v);
        if (rc == 0 && c->metrics.proto != SH_WATCH_TCP)
            return sh_diag_set(diag, SH_EINVAL, NULL, 0, "metrics is served over http (host:port)");
        c->have_metrics = rc == 0;
        return rc;
    }
    if (!strcmp(key, "rules")) {
        if (c->n_rules == SH_WATCH_MAX_RULE_PATHS)
            return sh_diag_set(diag, SH_ELIMIT, NULL, 0, "more than %d rule paths",
                               SH_WATCH_MAX_RULE_PATHS);
        c->rules[c->n_rules] = sh_strdup(v);
        if (!c->rules[c->n_rules])
            return SH_ENOMEM;
        c->n_rules++;
        return SH_OK;
    }
    if (!strcmp(key, "policy"))
        return set_str(&c->policy, v);
    if (!strcmp(key, "user"))
        return set_str(&c->user, v);
    if (!strcmp(key, "archive"))
        return set_str(&c->archive_dir, v);
    if (!strcmp(key, "archive-rotate-mb")) {
        rc = set_uint(&n, key, v, 1, 65536, diag);
        if (rc == 0)
            c->archive_rotate_bytes = (size_t)n << 20;
        return rc;
    }
    if (!strcmp(key, "max-message")) {
        rc = set_uint(&n, key, v, 480, MAX_MESSAGE_LIMIT, diag);
        if (rc == 0)
            c->max_message = (size_t)n;
        return rc;
    }
    if (!strcmp(key, "idle-timeout")) {
        rc = set_uint(&n, key, v, 0, 86400 * 7, diag);
        if (rc == 0)
            c->idle_timeout = (unsigned)n;
        return rc;
    }
    if (!strcmp(key, "max-connections")) {
        rc = set_uint(&n, key, v, 1, 100000, diag);
        if (rc == 0)
            c->max_connections = (unsigned)n;
        return rc;
    }
    if (!strcmp(key, "queue-messages")) {
        rc = set_uint(&n, key, v, 16, 1u << 24, diag);
        if (rc == 0)
            c->queue_messages = (size_t)n;
        return rc;
    }
    return sh_diag_set(diag, SH_EINVAL, NULL, 0, "unknown option '%.60s'", key);
}

int sh_watch_config_validate(const sh_watch_config *c, sh_diag *diag)
{
    size_t i;

    SH_ASSERT_ARG(c);
    if (c->n_listen == 0)
        return sh_diag_set(
            diag, SH_EINVAL, NULL, 0,
            "no listener (give --listen udp://127.0.0.1:5514 or 'listen:' in the config)");
    for (i = 0; i < c->n_listen; i++) {
        if (c->listen[i].proto == SH_WATCH_TLS && (!c->tls_cert || !c->tls_key))
            return sh_diag_set(diag, SH_EINVAL, NULL, 0,
                               "%s needs a certificate and key (--tls-cert, --tls-key)",
                               c->listen[i].text);
    }
    if (c->tls_verify_set && c->tls_verify_clients && !c->tls_ca)
        return sh_diag_set(diag, SH_EINVAL, NULL, 0,
                           "verifying client certificates needs a CA (--tls-ca)");
    return SH_OK;
}

/* ---- YAML ---- */

struct yctx {
    yaml_document_t *doc;
    const char *source;
    sh_watch_config *c;
    sh_diag *diag;
};

static uint32_t node_line(const yaml_node_t *n)
{
    return (uint32_t)n->start_mark.line + 1;
}

static int bad(struct yctx *y, const yaml_node_t *n, const char *problem, const char *what)
{
    return sh_diag_set(y->diag, SH_EPARSE, y->source, node_line(n), "'%s' %s", what, problem);
}

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* Apply one option (CLI spelling) from a scalar node, naming its line on error. */
static int apply(struct yctx *y, const char *opt, const yaml_node_t *v)
{
    const char *s = scalar(v);
    int rc;

    if (!s)
        return bad(y, v, "must be a single value", opt);
    rc = sh_watch_config_set(y->c, opt, s, y->diag);
    if (rc != 0 && y->diag) {
        y->diag->line = node_line(v);
        snprintf(y->diag->source, sizeof(y->diag->source), "%s", y->source);
        y->diag->code = SH_EPARSE;
        rc = SH_EPARSE;
    }
    return rc;
}

/* A value that may be one scalar or a list of scalars. */
static int apply_list(struct yctx *y, const char *opt, const yaml_node_t *v)
{
    yaml_node_item_t *it;
    int rc;

    if (v->type != YAML_SEQUENCE_NODE)
        return apply(y, opt, v);
    for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
        rc = apply(y, opt, yaml_document_get_node(y->doc, *it));
        if (rc != 0)
            return rc;
    }
    return SH_OK;
}

struct keymap {
    const char *yaml;
    const char *opt;
    bool list;
};

static int apply_map(struct yctx *y, const yaml_node_t *map, const struct keymap *keys,
                     const char *section)
{
    yaml_node_pair_t *p;
    int rc;

    if (map->type != YAML_MAPPING_NODE)
        return bad(y, map, "must be a mapping", section);
    for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        const yaml_node_t *k = yaml_document_get_node(y->doc, p->key);
        const yaml_node_t *v = yaml_document_get_node(y->doc, p->value);
        const char *name = scalar(k);
        const struct keymap *m;

        if (!name || !v)
            return bad(y, k ? k : map, "must have plain names as keys", section);
        for (m = keys; m->yaml; m++) {
            if (!strcmp(m->yaml, name))
                break;
        }
        if (!m->yaml) {
            return sh_diag_set(y->diag, SH_EPARSE, y->source, node_line(k),
                               "unknown key '%.60s' in %s", name, section);
        }
        if (m->opt == NULL) {
            /* a nested section, handled by the caller's table below */
            continue;
        }
        rc = m->list ? apply_list(y, m->opt, v) : apply(y, m->opt, v);
        if (rc != 0)
            return rc;
    }
    return SH_OK;
}

static const struct keymap tls_keys[] = {
    {"cert", "tls-cert", false}, {"key", "tls-key", false},
    {"ca", "tls-ca", false},     {"verify_clients", "tls-verify-clients", false},
    {NULL, NULL, false},
};
static const struct keymap limit_keys[] = {
    {"max_message", "max-message", false},
    {"idle_timeout", "idle-timeout", false},
    {"max_connections", "max-connections", false},
    {"queue_messages", "queue-messages", false},
    {NULL, NULL, false},
};
static const struct keymap sink_keys[] = {
    {"jsonl", "jsonl", false},
    {"forward", "forward", false},
    {NULL, NULL, false},
};
static const struct keymap archive_keys[] = {
    {"dir", "archive", false},
    {"rotate_mb", "archive-rotate-mb", false},
    {NULL, NULL, false},
};
static const struct keymap top_keys[] = {
    {"listen", "listen", true}, {"rules", "rules", true},      {"policy", "policy", false},
    {"user", "user", false},    {"metrics", "metrics", false}, {"tls", NULL, false},
    {"limits", NULL, false},    {"sinks", NULL, false},        {"archive", NULL, false},
    {NULL, NULL, false},
};

static int apply_doc(struct yctx *y)
{
    yaml_node_t *root = yaml_document_get_root_node(y->doc);
    yaml_node_pair_t *p;
    int rc;

    if (!root)
        return SH_OK; /* empty file: defaults */
    if (root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0)
        return SH_OK;
    rc = apply_map(y, root, top_keys, "the config");
    if (rc != 0)
        return rc;
    for (p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
        const char *name = scalar(yaml_document_get_node(y->doc, p->key));
        const yaml_node_t *v = yaml_document_get_node(y->doc, p->value);

        if (!strcmp(name, "tls"))
            rc = apply_map(y, v, tls_keys, "tls");
        else if (!strcmp(name, "limits"))
            rc = apply_map(y, v, limit_keys, "limits");
        else if (!strcmp(name, "sinks"))
            rc = apply_map(y, v, sink_keys, "sinks");
        else if (!strcmp(name, "archive"))
            rc = v->type == YAML_SCALAR_NODE ? apply(y, "archive", v)
                                             : apply_map(y, v, archive_keys, "archive");
        if (rc != 0)
            return rc;
    }
    return SH_OK;
}

int sh_watch_config_load_buf(sh_watch_config *c, const char *buf, size_t len, const char *source,
                             sh_diag *diag)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    struct yctx y;
    int rc;

    SH_ASSERT_ARG(c && (buf || len == 0));
    if (!source)
        source = "<config>";
    if (len > SH_WATCH_CFG_MAX_BYTES)
        return sh_diag_set(diag, SH_ELIMIT, source, 0, "config larger than %u bytes",
                           SH_WATCH_CFG_MAX_BYTES);
    if (!yaml_parser_initialize(&parser))
        return SH_ENOMEM;
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    if (!yaml_parser_load(&parser, &doc)) {
        rc = sh_diag_set(diag, SH_EPARSE, source, (uint32_t)parser.problem_mark.line + 1,
                         "yaml: %s", parser.problem ? parser.problem : "syntax error");
        yaml_parser_delete(&parser);
        return rc;
    }
    if (doc.nodes.top - doc.nodes.start > CFG_MAX_NODES) {
        rc = sh_diag_set(diag, SH_ELIMIT, source, 0, "config has more than %d yaml nodes",
                         CFG_MAX_NODES);
        goto out;
    }
    y.doc = &doc;
    y.source = source;
    y.c = c;
    y.diag = diag;
    rc = apply_doc(&y);
out:
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return rc;
}

int sh_watch_config_load(sh_watch_config *c, const char *path, sh_diag *diag)
{
    char *buf = NULL;
    size_t len = 0;
    int rc;

    SH_ASSERT_ARG(c && path);
    rc = sh_file_read(&buf, &len, path, SH_WATCH_CFG_MAX_BYTES, diag);
    if (rc != 0)
        return rc;
    rc = sh_watch_config_load_buf(c, buf, len, path, diag);
    sh_free(buf);
    return rc;
}
