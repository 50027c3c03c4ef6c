/*
 * test_framing.c - RFC 6587 de-framer: both framings, split reads,
 * oversized and malformed frames, end-of-stream delivery.
 */
#include "base/sh_base.h"
#include "watch/framing.h"

#include "test.h"

struct got {
    char msgs[16][64];
    bool cut[16];
    int n;
};

static int collect(const char *msg, size_t len, bool truncated, void *ud)
{
    struct got *g = ud;

    if (g->n < 16) {
        snprintf(g->msgs[g->n], sizeof(g->msgs[0]), "%.*s", (int)len, msg);
        g->cut[g->n] = truncated;
    }
    g->n++;
    return 0;
}

static void feed_bytewise(struct sh_frame_dec *d, const char *s, struct got *g)
{
    size_t i;

    for (i = 0; s[i]; i++)
        sh_frame_feed(d, s + i, 1, NULL, collect, g);
}

SH_TEST(newline_framing)
{
    struct sh_frame_dec d;
    struct got g = {0};
    const char *in = "<189>1: Jan 1 00:00:00: %SYS-5-CONFIG_I: a\r\n<189>2: b\n\n";

    CHECK_OK(sh_frame_init(&d, 256));
    CHECK_OK(sh_frame_feed(&d, in, strlen(in), NULL, collect, &g));
    CHECK_EQ_INT(g.n, 2);
    CHECK_STR(g.msgs[0], "<189>1: Jan 1 00:00:00: %SYS-5-CONFIG_I: a");
    CHECK_STR(g.msgs[1], "<189>2: b");
    sh_frame_free(&d);
}

SH_TEST(octet_counting_split_anywhere)
{
    struct sh_frame_dec d;
    struct got g = {0};
    /* the second frame contains a newline: only octet counting keeps it whole */
    const char *in = "11 <13>1 hello13 <13>1 a\nline\n";

    CHECK_OK(sh_frame_init(&d, 256));
    feed_bytewise(&d, in, &g);
    CHECK_EQ_INT(g.n, 2);
    CHECK_STR(g.msgs[0], "<13>1 hello");
    CHECK_STR(g.msgs[1], "<13>1 a\nline\n");
    CHECK_EQ_INT(d.st.octet_frames, 2);
    sh_frame_free(&d);
}

SH_TEST(line_starting_with_digits_is_not_a_count)
{
    struct sh_frame_dec d;
    struct got g = {0};
    const char *in = "2024-01-01T00:00:00Z host sshd: x\n";

    CHECK_OK(sh_frame_init(&d, 256));
    CHECK_OK(sh_frame_feed(&d, in, strlen(in), NULL, collect, &g));
    CHECK_EQ_INT(g.n, 1);
    CHECK_STR(g.msgs[0], "2024-01-01T00:00:00Z host sshd: x");
    sh_frame_free(&d);
}

SH_TEST(oversized_messages_are_cut_and_the_stream_continues)
{
    struct sh_frame_dec d;
    struct got g = {0};
    char big[200];
    char in[600];

    memset(big, 'A', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    CHECK_OK(sh_frame_init(&d, 32));
    snprintf(in, sizeof(in), "%s\nok\n199 %s", big, big);
    CHECK_OK(sh_frame_feed(&d, in, strlen(in), NULL, collect, &g));
    CHECK_OK(sh_frame_feed(&d, "next\n", 5, NULL, collect, &g));
    CHECK_EQ_INT(g.n, 4);
    CHECK_EQ_INT(strlen(g.msgs[0]), 32);
    CHECK(g.cut[0]);
    CHECK_STR(g.msgs[1], "ok");
    CHECK(!g.cut[1]);
    CHECK_EQ_INT(strlen(g.msgs[2]), 32);
    CHECK(g.cut[2]);
    CHECK_STR(g.msgs[3], "next");
    CHECK_EQ_INT(d.st.truncated, 2);
    sh_frame_free(&d);
}

SH_TEST(huge_count_is_malformed_and_skipped)
{
    struct sh_frame_dec d;
    struct got g = {0};
    const char *in = "99999999999999 junk\n<13>good\n";

    CHECK_OK(sh_frame_init(&d, 64));
    CHECK_OK(sh_frame_feed(&d, in, strlen(in), NULL, collect, &g));
    CHECK_EQ_INT(g.n, 1);
    CHECK_STR(g.msgs[0], "<13>good");
    CHECK_EQ_INT(d.st.malformed, 1);
    sh_frame_free(&d);
}

SH_TEST(finish_delivers_partial_line)
{
    struct sh_frame_dec d;
    struct got g = {0};

    CHECK_OK(sh_frame_init(&d, 64));
    CHECK_OK(sh_frame_feed(&d, "<13>no newline", 14, NULL, collect, &g));
    CHECK_EQ_INT(g.n, 0);
    CHECK_OK(sh_frame_finish(&d, collect, &g));
    CHECK_EQ_INT(g.n, 1);
    CHECK_STR(g.msgs[0], "<13>no newline");
    CHECK_OK(sh_frame_finish(&d, collect, &g));
    CHECK_EQ_INT(g.n, 1);
    sh_frame_free(&d);
}
