/*
 * framing.h - RFC 6587 de-framer for syslog over TCP and TLS.
 *
 * Sans-IO: bytes go in with sh_frame_feed(), whole messages come out through
 * a callback. Each frame is classified on its first byte: a digit starts an
 * octet-counted frame ("LEN SP MSG"), anything else a newline-terminated one,
 * so a connection may use either framing (RFC 6587 3.4.1 / 3.4.2) and a
 * relay that mixes them is still understood. Messages longer than max_msg
 * are delivered truncated to max_msg and counted; the rest of the frame is
 * skipped, so one hostile sender cannot grow memory. One decoder per
 * connection; not shared between threads; owned by its caller.
 */
#ifndef SH_WATCH_FRAMING_H
#define SH_WATCH_FRAMING_H

#include "../base/sh_base.h"

/* Largest octet count accepted in a frame header (10 digits max). */
#define SH_FRAME_MAX_COUNT 1000000000u

enum sh_frame_state {
    SH_FRAME_START = 0, /* at a frame boundary */
    SH_FRAME_COUNT,     /* reading the digits of an octet count */
    SH_FRAME_OCTETS,    /* reading the body of an octet-counted frame */
    SH_FRAME_LINE,      /* reading a newline-terminated frame */
    SH_FRAME_SKIP_LINE, /* discarding the rest of an oversized or malformed line */
};

struct sh_frame_stats {
    uint64_t messages;     /* delivered */
    uint64_t octet_frames; /* of which octet-counted */
    uint64_t truncated;    /* delivered cut to max_msg */
    uint64_t malformed;    /* bad octet-count headers (rest of line skipped) */
    uint64_t empty;        /* empty lines ignored */
};

/** Called once per message; msg is not NUL-terminated. Non-zero stops feed(). */
typedef int (*sh_frame_cb)(const char *msg, size_t len, bool truncated, void *ud);

struct sh_frame_dec {
    enum sh_frame_state state;
    size_t max_msg;
    char *buf;       /* max_msg bytes, owned */
    size_t len;      /* bytes in buf of the current message */
    uint64_t want;   /* octet frames: body bytes still to come (incl. skipped ones) */
    uint32_t digits; /* digits read of the count */
    uint64_t count;  /* octet count being parsed */
    bool cut;        /* current message exceeded max_msg */
    struct sh_frame_stats st;
};

/** Initialise with a message size bound (>= 16). SH_ENOMEM. */
int sh_frame_init(struct sh_frame_dec *d, size_t max_msg);
void sh_frame_free(struct sh_frame_dec *d);

/**
 * Feed bytes. Calls cb for every complete message. Returns 0, or the first
 * non-zero value cb returned (the decoder stays consistent: bytes after the
 * message that stopped it were not consumed and *used tells how many were).
 */
int sh_frame_feed(struct sh_frame_dec *d, const char *data, size_t len, size_t *used,
                  sh_frame_cb cb, void *ud);

/**
 * End of stream: deliver a partial message still buffered (a last line
 * without newline, or a short octet frame) so nothing read is lost.
 * Returns what cb returned, or 0.
 */
int sh_frame_finish(struct sh_frame_dec *d, sh_frame_cb cb, void *ud);

#endif
