/*
 * ioc.h - typed indicator sets and the token sweep.
 *
 * Indicators (IPv4/IPv6 addresses and CIDRs, domains, URLs, MD5/SHA-1/
 * SHA-256 hashes) live in hash sets, never in regexes: a lookup is one
 * hash probe per token (per prefix length for CIDRs), so cost does not
 * grow with the number of indicators. The sweep extracts candidate tokens
 * from a line and looks each one up.
 *
 * A set is built once (single-threaded), then read concurrently by any
 * number of threads. Owned by its creator; indicators are owned by the set.
 */
#ifndef SH_INTEL_IOC_H
#define SH_INTEL_IOC_H

#include "../base/sh_base.h"

enum sh_ioc_type {
    SH_IOC_IPV4 = 0,
    SH_IOC_IPV6,
    SH_IOC_DOMAIN,
    SH_IOC_URL,
    SH_IOC_MD5,
    SH_IOC_SHA1,
    SH_IOC_SHA256,
    SH_IOC__COUNT
};

struct sh_ioc {
    enum sh_ioc_type type;
    const char *value;  /* canonical text: lower case, CIDR as given */
    const char *source; /* e.g. "CISA AA25-239A" or "related: Stairwell" */
    const char *note;   /* free text (ASN, file name), may be NULL */
    bool related;       /* from reporting other than the advisory */
    uint8_t prefix;     /* CIDR prefix length for IP types (32/128 for a host) */
};

struct sh_ioc_set;

int sh_ioc_set_new(struct sh_ioc_set **out);
void sh_ioc_set_free(struct sh_ioc_set *set);

/** Type name ("ipv4", "sha256", ...) and its inverse (-1 when unknown). */
const char *sh_ioc_type_name(enum sh_ioc_type t);
int sh_ioc_type_parse(const char *name);

/**
 * Add one indicator; `value` is validated and canonicalised for `type`
 * (IP types accept a CIDR). Duplicates are ignored. SH_EPARSE with diag
 * for a malformed value. Copies every string.
 */
int sh_ioc_set_add(struct sh_ioc_set *set, enum sh_ioc_type type, const char *value,
                   const char *source, const char *note, bool related, sh_diag *diag);

/** Load the advisory's built-in indicators, plus the related set when asked. */
int sh_ioc_set_load_builtin(struct sh_ioc_set *set, bool include_related, sh_diag *diag);

/**
 * Load a CSV file with a header `type,value[,...,source,note]` (the format of
 * reference/iocs.csv) or a plain list (one indicator per line, type
 * guessed, '#' comments). Bad lines are errors naming file and line.
 */
int sh_ioc_set_load_text(struct sh_ioc_set *set, const char *buf, size_t len, const char *source,
                         bool related, sh_diag *diag);

size_t sh_ioc_set_count(const struct sh_ioc_set *set);

/** An address indicator's bytes, masked to its prefix (IPv4 in the first
 * four); false for other types. */
bool sh_ioc_addr_bytes(const struct sh_ioc *ioc, uint8_t out[16]);

/** Call `cb` for every indicator (unordered); a non-zero return stops and is returned. */
int sh_ioc_set_each(const struct sh_ioc_set *set, int (*cb)(const struct sh_ioc *ioc, void *ud),
                    void *ud);

/** Look up one token (address, domain, hash; case-insensitive). NULL if absent. */
const struct sh_ioc *sh_ioc_lookup(const struct sh_ioc_set *set, const char *tok, size_t len);

typedef void (*sh_ioc_hit_cb)(const struct sh_ioc *ioc, const char *tok, size_t off, size_t len,
                              void *ud);

/**
 * Extract address, domain and hash tokens from [line, line+len) and call
 * `cb` for every one found in the set. Returns the number of hits.
 */
size_t sh_ioc_sweep(const struct sh_ioc_set *set, const char *line, size_t len, sh_ioc_hit_cb cb,
                    void *ud);

/* Tokenizers of the sweep, each giving the same hits (tests compare them). */
enum {
    SH_IOC_SWEEP_PORTABLE = 0, /* byte at a time, any CPU */
    SH_IOC_SWEEP_SSE2 = 1,     /* 16 bytes at a time (x86-64 baseline) */
    SH_IOC_SWEEP_AVX2 = 2,     /* 32 bytes at a time, when the CPU has AVX2 */
};

/**
 * sh_ioc_sweep() by tokenizer `impl` at most: one the build or the CPU
 * lacks falls back to the next simpler one. sh_ioc_sweep() is
 * sh_ioc__sweep_with(..., SH_IOC_SWEEP_AVX2).
 */
size_t sh_ioc__sweep_with(const struct sh_ioc_set *set, const char *line, size_t len,
                          sh_ioc_hit_cb cb, void *ud, int impl);

struct sh_log_event;

/**
 * The `ioc` finding for a hit of `ioc` (token [tok, tok+len)) on `line`
 * (analyzer_ioc.c): what the line is, from its own text then its enclosing
 * config lines `parents` (outermost first, may be none), sets severity and
 * remediation; device and time come from `ev` (the line's parsed syslog
 * event, or NULL). Shared by the scan's sweep and the live listener.
 * *out is owned by the caller.
 */
int sh_ioc__hit_finding(sh_finding **out, const struct sh_ioc *ioc, const char *tok, size_t len,
                        const char *line, size_t line_len, const char *const *parents,
                        const size_t *parent_lens, size_t n_parents, const struct sh_log_event *ev,
                        const char *path, uint64_t lineno);

#endif
