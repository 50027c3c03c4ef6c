/*
 * test_engine_replay.c - live correlation alerts do not depend on when the
 * engine replays its ring: the example network's day of syslog gives the
 * same correlation alerts with one replay at the end, a replay after every
 * message, and lane batches of many sizes with a replay between batches.
 * And a replay forced by a message ageing out of the ring does not count
 * the arriving message as seen (its correlation alerts were lost).
 */
#include "base/sh_base.h"
#include "watch/watch_int.h"

#include <stdio.h>
#include <stdlib.h>

#include "test.h"

#define MAXMSG 1024

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted "rule|device|evidence" keys of the correlation alerts in `l`. */
static size_t corr_keys(const sh_findings *l, char **keys, size_t cap)
{
    size_t i, n = 0;

    for (i = 0; i < l->n && n < cap; i++) {
        const sh_finding *f = l->v[i];
        size_t ml = f->message ? strlen(f->message) : 0;
        if (ml < 8 || strcmp(f->message + ml - 8, " events)") != 0)
            continue;
        keys[n++] = sh_strdup_printf("%s|%s|%s", f->rule ? f->rule : "", f->device ? f->device : "",
                                     f->evidence ? f->evidence : "");
    }
    qsort(keys, n, sizeof(*keys), cmp_str);
    return n;
}

SH_TEST(correlation_alerts_do_not_depend_on_replay_timing)
{
    sh_watch_config *cfg = NULL;
    sh_watch_engine lazy, eager;
    sh_findings out_lazy = {0}, out_eager = {0};
    static sh_watch_msg m[MAXMSG];
    static char *ka[256], *kb[256];
    char *buf = NULL, *p, *e;
    size_t len = 0, n = 0, i, na, nb;
    sh_diag d;

    memset(&d, 0, sizeof(d));
    CHECK_OK(sh_file_read(&buf, &len, sh_test_src("examples/network/logs/network-2025-03-11.log"),
                          1u << 24, &d));
    for (p = buf, e = buf + len; p && p < e && n < MAXMSG;) {
        char *nl = memchr(p, '\n', (size_t)(e - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(e - p);
        if (l) {
            m[n].data = p;
            m[n].len = l;
            m[n].truncated = false;
            m[n].peer = "10.250.10.11:51234";
            m[n].transport = "tcp";
            m[n].recv_ms = 1741737600000LL + (int64_t)n;
            n++;
        }
        p = nl ? nl + 1 : e;
    }
    CHECK(n > 300);
    CHECK_OK(sh_watch_config_new(&cfg));
    CHECK_OK(sh_watch_engine_builtin_new(&lazy, cfg, &d));
    CHECK_OK(sh_watch_engine_builtin_new(&eager, cfg, &d));
    for (i = 0; i < n; i++) {
        bool parsed;
        CHECK_OK(lazy.process(lazy.self, &m[i], &out_lazy, &parsed, &d));
        CHECK_OK(eager.process(eager.self, &m[i], &out_eager, &parsed, &d));
        CHECK_OK(eager.idle(eager.self, &out_eager));
    }
    CHECK_OK(lazy.flush(lazy.self, &out_lazy));
    CHECK_OK(eager.flush(eager.self, &out_eager));
    na = corr_keys(&out_lazy, ka, SH_ARRAY_LEN(ka));
    nb = corr_keys(&out_eager, kb, SH_ARRAY_LEN(kb));
    printf("%zu correlation alerts with one replay at the end, %zu with a replay after every "
           "message\n",
           na, nb);
    CHECK(na >= 4); /* the example day holds planted X- sequences */
    for (i = 0; i < na || i < nb; i++) {
        const char *x = i < na ? ka[i] : "(none)", *y = i < nb ? kb[i] : "(none)";
        if (strcmp(x, y) != 0) {
            sh_test_fail(__FILE__, __LINE__,
                         "alert %zu: one replay at the end: %s; a replay "
                         "after every message: %s",
                         i, x, y);
            break;
        }
    }
    /* batches on lanes, a replay between batches, several rounds */
    {
        int round;
        for (round = 0; round < 20; round++) {
            sh_watch_engine bat;
            static sh_findings outs[MAXMSG];
            static bool parsed[MAXMSG];
            static int rcs[MAXMSG];
            sh_findings all = {0};
            static char *kc[256];
            size_t at, nc, j, bs = 16 + (size_t)round * 7;
            CHECK_OK(sh_watch_engine_builtin_new(&bat, cfg, &d));
            for (at = 0; at < n; at += bs) {
                size_t k = n - at < bs ? n - at : bs;
                memset(outs, 0, sizeof(outs));
                CHECK_OK(bat.process_batch(bat.self, m + at, k, outs, parsed, rcs, &d));
                for (j = 0; j < k; j++)
                    CHECK_OK(sh_findings_splice(&all, &outs[j]));
                CHECK_OK(bat.idle(bat.self, &all));
            }
            CHECK_OK(bat.flush(bat.self, &all));
            nc = corr_keys(&all, kc, SH_ARRAY_LEN(kc));
            for (j = 0; j < na || j < nc; j++) {
                const char *x = j < na ? ka[j] : "(none)", *y = j < nc ? kc[j] : "(none)";
                if (strcmp(x, y) != 0) {
                    sh_test_fail(__FILE__, __LINE__, "batches of %zu, alert %zu: %s vs %s", bs, j,
                                 x, y);
                    break;
                }
            }
            for (j = 0; j < nc; j++)
                sh_free(kc[j]);
            sh_findings_clear(&all);
            bat.free(bat.self);
        }
    }
    for (i = 0; i < na; i++)
        sh_free(ka[i]);
    for (i = 0; i < nb; i++)
        sh_free(kb[i]);
    sh_findings_clear(&out_lazy);
    sh_findings_clear(&out_eager);
    lazy.free(lazy.self);
    eager.free(eager.self);
    sh_watch_config_free(cfg);
    sh_free(buf);
}

/* A replay forced because an unreplayed message ages out of the ring runs
 * before the arriving message is in the ring; it must not count that
 * message as seen. Here the arrival of `destroy` ages out r8's message
 * (more than the longest correlation timespan, 24 h, older) and forces a
 * replay; the Guest Shell enable/destroy pair on r1 it completes
 * must still be alerted at the end. */
SH_TEST(forced_replay_does_not_swallow_the_arriving_message)
{
#define CMD(host, day, hm, cmd)                                                                    \
    "Mar " day " 2025 " hm ":00 10.250.10.1 1: " host ": Mar " day " 2025 " hm                     \
    ":00.000 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: User:netops  logged command:" cmd
    static const char *const lines[] = {
        CMD("r9", "10", "00:00", "guestshell enable"), /* replayed by the first timed replay */
        CMD("r8", "10", "02:05", "guestshell enable"), /* ages out when `destroy` arrives */
        CMD("r1", "11", "02:00", "guestshell enable"),
        CMD("r1", "11", "02:10", "guestshell destroy"),
    };
#undef CMD
    sh_watch_config *cfg = NULL;
    sh_watch_engine eng;
    sh_findings out = {0};
    sh_diag d;
    size_t i, x05 = 0;

    memset(&d, 0, sizeof(d));
    CHECK_OK(sh_watch_config_new(&cfg));
    CHECK_OK(sh_watch_engine_builtin_new(&eng, cfg, &d));
    for (i = 0; i < SH_ARRAY_LEN(lines); i++) {
        sh_watch_msg m;
        bool parsed = false;
        memset(&m, 0, sizeof(m));
        m.data = lines[i];
        m.len = strlen(lines[i]);
        m.peer = "10.250.10.1:514";
        m.transport = "tcp";
        m.recv_ms = 1741737600000LL + (int64_t)i;
        CHECK_OK(eng.process(eng.self, &m, &out, &parsed, &d));
        CHECK(parsed);
    }
    CHECK_OK(eng.flush(eng.self, &out));
    for (i = 0; i < out.n; i++) {
        if (strcmp(out.v[i]->rule, "X-05") == 0) {
            x05++;
            CHECK_STR(out.v[i]->device, "r1");
        }
    }
    CHECK_EQ_INT(x05, 1);
    sh_findings_clear(&out);
    eng.free(eng.self);
    sh_watch_config_free(cfg);
}
