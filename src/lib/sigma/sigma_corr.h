/*
 * sigma_corr.h - Sigma correlation rules over collected rule matches.
 *
 * Matches of rules that correlations read are kept as hits (time, device,
 * evidence location, and the few field values the correlations group or
 * count by) in a bounded store: past its memory cap new hits are dropped
 * and counted, never grown without limit. Device time segments (first and
 * last event per device and file, plus silences inside a file) feed the
 * salthunt gap check. After all input is read, sh_sigma__corr_run sorts
 * the hits by event time and evaluates every correlation, dependencies
 * first, so correlations may read other correlations.
 *
 * A store is not thread-safe: callers serialise sh_sigma__hits_* calls.
 * Everything it returns is borrowed until sh_sigma__hits_free.
 */
#ifndef SH_SIGMA_CORR_H
#define SH_SIGMA_CORR_H

#include "../base/sh_base.h"

struct sh_sigma_set;
struct sg_rule;
struct sh_log_event;

/* The kept values of a match, shared by every match with the same ones:
 * value 0 the device (host), value 1 + i that of its rule's keep[i], each
 * a NUL-terminated string at `off` bytes from the tuple (0: the event had
 * no such field). */
struct sg_tuple {
    uint32_t n;
    uint32_t off[];
};

/* A kept match as correlations read it (48 bytes: a store may hold
 * millions). Base matches keep their values in a shared tuple; a
 * correlation result carries its own (struct sg_hit, flag SG_EV_RESULT),
 * of which this record is the first member. */
struct sg_ev {
    int64_t ts_ms; /* 0: unknown (such hits take part in no time window) */
    const char *path;
    uint64_t line;
    const struct sg_tuple *kv; /* base matches */
    /* The evidence line: its text (SG_EV_TEXT; a bounded copy, may be
     * NULL), or for a match of a plain file where it is: 1 + its byte
     * offset (0: nowhere), raw_len bytes hashing to raw_hash, read back
     * when a correlation fires on it (sh_sigma__hit_raw). */
    union {
        const char *raw;
        uint64_t pos;
    } at;
    uint32_t raw_hash;
    unsigned rule : 16;    /* rule index in the set (it has fewer than SG_MAX_RULES) */
    unsigned raw_len : 14; /* at most 1024 */
    unsigned flags : 2;
};

#define SG_EV_TEXT 1u   /* at.raw holds the text */
#define SG_EV_RESULT 2u /* the record of a struct sg_hit */

/* A correlation result: what sh_sigma_corr_cb sees. */
struct sg_hit {
    struct sg_ev ev; /* its record among the store's hits */
    int rule;        /* rule index in the set */
    int64_t ts_ms;
    const char *host; /* device, may be NULL */
    const char *path;
    uint64_t line;
    const char *raw; /* evidence line, may be NULL */
    const char **keys;
    const char **vals;
    size_t nkv;
    const struct sg_ev **contrib; /* base events behind it (up to a cap) */
    size_t ncontrib;
    size_t ncontrib_total; /* including those past the contributor cap */
    const char *why;       /* what was counted */
};

struct sg_hits;

#define SG_HITS_DEFAULT_CAP ((size_t)256 << 20)

int sh_sigma__hits_new(struct sg_hits **out, size_t max_bytes);
void sh_sigma__hits_free(struct sg_hits *h);
/**
 * Use only the bits `mask` of the hash of an absence bucket's group key
 * (all by default). Tests clear them to make every key of a rule and time
 * bucket collide; stores joined together must use the same mask.
 */
void sh_sigma__hits_key_mask(struct sg_hits *h, uint64_t mask);
/** Hits dropped because the store was full. */
size_t sh_sigma__hits_evicted(const struct sg_hits *h);
size_t sh_sigma__hits_count(const struct sg_hits *h);
/** Bytes the store holds: what its `max_bytes` bounds. */
size_t sh_sigma__hits_bytes(const struct sg_hits *h);

/**
 * The evidence line of hit `x`: its copy, or for a hit kept by position the
 * bytes read back from its file (NULL when they cannot be read or no longer
 * hash as they did). The text lives as long as the store.
 */
const char *sh_sigma__hit_raw(struct sg_hits *h, struct sg_ev *x);

/** Keep a match of detection rule `r` on `ev` (for correlations that read r). */
int sh_sigma__hits_add(struct sg_hits *h, const struct sg_rule *r, const struct sh_log_event *ev,
                       const char *path);

/**
 * Record that device `host` logged events from first_ts to last_ts in
 * `path` (lines first_line..last_line); the gap check joins segments across
 * files. Silences inside one file are reported with sh_sigma__hits_gap.
 */
int sh_sigma__hits_segment(struct sg_hits *h, const char *host, const char *path, int64_t first_ts,
                           uint64_t first_line, int64_t last_ts, uint64_t last_line);
/** A silence of `host` from `from_ts` until the event at path:line (time to_ts). */
int sh_sigma__hits_gap(struct sg_hits *h, const char *host, const char *path, uint64_t line,
                       int64_t from_ts, int64_t to_ts, const char *raw, size_t raw_len);

/**
 * Per-file device timelines for the gap check: feed every event of one
 * file in order, then flush once at the end of the file. Owned by the
 * caller, single-threaded.
 */
struct sg_timeline;
int sh_sigma__timeline_new(struct sg_timeline **out, int64_t min_gap_ms);
void sh_sigma__timeline_free(struct sg_timeline *t);
/** Note one event (events without host or time are ignored); touches no store. */
int sh_sigma__timeline_event(struct sg_timeline *t, const struct sh_log_event *ev);
/**
 * sh_sigma__timeline_event() for a reader that keeps, per host spelling,
 * the timeline's device record `*dev`: NULL looks the host up (and sets
 * *dev when the timeline has or makes a record for it); a record given
 * back skips the lookup. A record lives until the timeline is merged,
 * flushed or freed.
 */
int sh_sigma__timeline_event_at(struct sg_timeline *t, const struct sh_log_event *ev, void **dev);
/** Hand the file's per-device segments and silences to the store and reset. */
int sh_sigma__timeline_flush(struct sg_timeline *t, struct sg_hits *h, const char *path);

/**
 * A timeline of one range of a file, fed on its own thread with lines
 * numbered from 1 within the range. Merging the ranges of a file in order
 * into one sh_sigma__timeline_new() timeline gives the segments and
 * silences that feeding it every line would.
 */
int sh_sigma__timeline_chunk_new(struct sg_timeline **out, int64_t min_gap_ms);
/**
 * Merge chunk timeline `c` (the next range; its line n is file line
 * line_base + n) into whole-file timeline `t` and reset `c`. SH_ELIMIT
 * when the range hit a bound (65,536 devices or 10,000 silences): the
 * merge would not be exact, and the file must be read in one piece.
 */
int sh_sigma__timeline_merge(struct sg_timeline *t, struct sg_timeline *c, uint64_t line_base);

/**
 * Move every hit of `src` (lines numbered within a range of a file) into
 * `h`, adding `line_base` to their lines; `src` is left empty. Past `h`'s
 * cap the hits are counted as dropped instead.
 */
int sh_sigma__hits_absorb(struct sg_hits *h, struct sg_hits *src, uint64_t line_base);

/** Smallest gap any x-salthunt-gap correlation of `set` looks for (0: none). */
int64_t sh_sigma__min_gap_ms(const struct sh_sigma_set *set);

/** Called for every correlation result that generates a finding. */
typedef int (*sh_sigma_corr_cb)(const struct sg_rule *corr, const struct sg_hit *out, void *ud);

/**
 * Evaluate every correlation of `set` over the store; see the header
 * comment. `cb` sees results of rules that generate findings, or every
 * result when `all` is true (rule tests).
 */
int sh_sigma__corr_run(const struct sh_sigma_set *set, struct sg_hits *h, bool all,
                       sh_sigma_corr_cb cb, void *ud);

#endif
