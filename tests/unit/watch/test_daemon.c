/*
 * test_daemon.c - the watch daemon in-process with a trivial engine
 * ("alert when the message contains EVIL"): TCP with both framings, UDP,
 * metrics, a rejected and an accepted reload, and SIGTERM draining.
 */
#include "base/sh_base.h"
#include "watch/watch_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "test.h"

struct tengine {
    int reloads;
    int processed;
};

static int t_process(void *self, const sh_watch_msg *m, sh_findings *out, bool *parsed,
                     sh_diag *diag)
{
    struct tengine *e = self;
    sh_finding *f;

    SH_UNUSED(diag);
    e->processed++;
    *parsed = m->len > 0 && m->data[0] == '<';
    if (!memmem(m->data, m->len, "EVIL", 4))
        return 0;
    f = sh_finding_new();
    if (!f)
        return SH_ENOMEM;
    f->rule = sh_strdup("test-evil");
    f->title = sh_strdup("evil seen");
    f->severity = SH_SEV_HIGH;
    f->evidence = sh_strndup(m->data, m->len);
    f->path = sh_strdup(m->transport);
    return sh_findings_take(out, f);
}

static int t_reload(void *self, sh_diag *diag)
{
    struct tengine *e = self;

    /* the first reload is "broken", the second succeeds */
    if (e->reloads++ == 0)
        return sh_diag_set(diag, SH_EPARSE, "rules.yml", 3, "bad rule");
    return 0;
}

static char g_log[8192];
static pthread_mutex_t g_log_mu = PTHREAD_MUTEX_INITIALIZER;

static void t_log(sh_watch_log_level lvl, const char *msg, void *ud)
{
    SH_UNUSED(lvl);
    SH_UNUSED(ud);
    pthread_mutex_lock(&g_log_mu);
    strncat(g_log, msg, sizeof(g_log) - strlen(g_log) - 2);
    strcat(g_log, "\n");
    pthread_mutex_unlock(&g_log_mu);
}

struct run {
    sh_watch_config *cfg;
    sh_watch_engine eng;
    int rc;
};

static void *run_main(void *arg)
{
    struct run *r = arg;
    sh_diag dg;

    r->rc = sh_watch_run(r->cfg, &r->eng, t_log, NULL, &dg);
    return NULL;
}

static int port_of(const char *scheme)
{
    const char *p;
    char key[64];
    int port = 0, i;

    snprintf(key, sizeof(key), "listening on %s://127.0.0.1:", scheme);
    for (i = 0; i < 200 && port == 0; i++) {
        pthread_mutex_lock(&g_log_mu);
        p = strstr(g_log, key);
        if (p)
            port = atoi(p + strlen(key));
        pthread_mutex_unlock(&g_log_mu);
        if (!port)
            usleep(10000);
    }
    return port;
}

static int connect_to(int type, int port)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, type, 0);

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void send_all(int fd, const char *s)
{
    size_t n = strlen(s), off = 0;

    while (off < n) {
        ssize_t w = send(fd, s + off, n - off, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        off += (size_t)w;
    }
}

static char *http_get(int port)
{
    static char resp[16384];
    size_t off = 0;
    ssize_t n;
    int fd = connect_to(SOCK_STREAM, port);

    resp[0] = '\0';
    if (fd < 0)
        return resp;
    send_all(fd, "GET /metrics HTTP/1.0\r\n\r\n");
    while (off < sizeof(resp) - 1 && (n = recv(fd, resp + off, sizeof(resp) - 1 - off, 0)) > 0)
        off += (size_t)n;
    resp[off] = '\0';
    close(fd);
    return resp;
}

static int count_lines_with(const char *path, const char *needle)
{
    char *buf = NULL, *p;
    size_t len = 0;
    int n = 0;

    if (sh_file_read(&buf, &len, path, 1 << 24, NULL) != 0)
        return -1;
    for (p = buf; (p = strstr(p, needle)) != NULL; p++)
        n++;
    sh_free(buf);
    return n;
}

static void wait_metric(int port, const char *line)
{
    int i;

    for (i = 0; i < 300; i++) {
        if (strstr(http_get(port), line))
            return;
        usleep(10000);
    }
}

SH_TEST(daemon_tcp_udp_reload_drain)
{
    char dir[] = "/tmp/sh_watch_test_XXXXXX";
    char jsonl[256];
    struct tengine te = {0, 0};
    struct run r;
    pthread_t th;
    int tcp, udp, mport, fd, i;
    const char *m;

    CHECK(mkdtemp(dir) != NULL);
    snprintf(jsonl, sizeof(jsonl), "%s/alerts.jsonl", dir);
    memset(&r, 0, sizeof(r));
    CHECK_OK(sh_watch_config_new(&r.cfg));
    CHECK_OK(sh_watch_config_set(r.cfg, "listen", "tcp://127.0.0.1:0", NULL));
    CHECK_OK(sh_watch_config_set(r.cfg, "listen", "udp://127.0.0.1:0", NULL));
    CHECK_OK(sh_watch_config_set(r.cfg, "metrics", "127.0.0.1:0", NULL));
    CHECK_OK(sh_watch_config_set(r.cfg, "jsonl", jsonl, NULL));
    CHECK_OK(sh_watch_config_set(r.cfg, "max-message", "512", NULL));
    r.eng.self = &te;
    r.eng.process = t_process;
    r.eng.reload = t_reload;
    CHECK_EQ_INT(pthread_create(&th, NULL, run_main, &r), 0);
    tcp = port_of("tcp");
    udp = port_of("udp");
    mport = port_of("http");
    CHECK(tcp > 0 && udp > 0 && mport > 0);

    /* newline framing, then octet counting on another connection */
    fd = connect_to(SOCK_STREAM, tcp);
    CHECK(fd >= 0);
    send_all(fd, "<13>Jan  1 00:00:00 r1 x: EVIL one\n<13>Jan  1 00:00:00 r1 x: fine\n");
    close(fd);
    fd = connect_to(SOCK_STREAM, tcp);
    CHECK(fd >= 0);
    send_all(fd, "27 <13>1 - r2 x - - - EVIL two");
    close(fd);
    fd = connect_to(SOCK_DGRAM, udp);
    CHECK(fd >= 0);
    send_all(fd, "<13>Jan  1 00:00:00 r3 x: EVIL three");
    close(fd);
    wait_metric(mport, "salthunt_watch_alerts_total 3");
    m = http_get(mport);
    CHECK(strstr(m, "HTTP/1.0 200 OK") != NULL);
    CHECK(strstr(m, "salthunt_watch_received_total{transport=\"tcp\"} 3") != NULL);
    CHECK(strstr(m, "salthunt_watch_received_total{transport=\"udp\"} 1") != NULL);
    CHECK(strstr(m, "salthunt_watch_alerts_total 3") != NULL);
    CHECK(strstr(m, "salthunt_watch_parsed_total 4") != NULL);

    /* a broken reload is rejected, a good one accepted */
    kill(getpid(), SIGHUP);
    wait_metric(mport, "salthunt_watch_reload_failures_total 1");
    kill(getpid(), SIGHUP);
    wait_metric(mport, "salthunt_watch_reloads_total 1");
    m = http_get(mport);
    CHECK(strstr(m, "salthunt_watch_reload_failures_total 1") != NULL);
    CHECK(strstr(m, "salthunt_watch_reloads_total 1") != NULL);
    pthread_mutex_lock(&g_log_mu);
    CHECK(strstr(g_log, "rules.yml:3: bad rule") != NULL);
    pthread_mutex_unlock(&g_log_mu);

    /* SIGTERM with data in flight and a connection left open: all delivered */
    fd = connect_to(SOCK_STREAM, tcp);
    CHECK(fd >= 0);
    for (i = 0; i < 200; i++)
        send_all(fd, "<13>Jan  1 00:00:00 r4 x: EVIL burst\n");
    send_all(fd, "<13>Jan  1 00:00:00 r4 x: EVIL last without newline");
    usleep(50000);
    kill(getpid(), SIGTERM);
    pthread_join(th, NULL);
    close(fd);
    CHECK_OK(r.rc);
    CHECK_EQ_INT(count_lines_with(jsonl, "\"rule\":\"test-evil\""), 3 + 201);
    CHECK_EQ_INT(count_lines_with(jsonl, "EVIL last without newline"), 1);
    sh_watch_config_free(r.cfg);
    unlink(jsonl);
    rmdir(dir);
}

SH_TEST(config_yaml_errors_name_the_line)
{
    sh_watch_config *c = NULL;
    sh_diag dg;
    const char *good = "listen:\n  - udp://127.0.0.1:5514\n  - tcp://[::1]:5514\n"
                       "limits:\n  max_message: 4096\nsinks:\n  jsonl: '-'\n"
                       "metrics: 127.0.0.1:9514\nrules: [a.yml, b]\n";
    const char *unknown = "listen: udp://127.0.0.1:1\nlimits:\n  max_mesage: 1\n";
    const char *badport = "listen:\n  - tcp://127.0.0.1:99999\n";

    CHECK_OK(sh_watch_config_new(&c));
    CHECK_OK(sh_watch_config_load_buf(c, good, strlen(good), "w.yml", &dg));
    CHECK_EQ_INT(c->n_listen, 2);
    CHECK_EQ_INT(c->max_message, 4096);
    CHECK_EQ_INT(c->n_rules, 2);
    CHECK(c->have_metrics);
    CHECK_OK(sh_watch_config_validate(c, &dg));
    sh_watch_config_free(c);

    CHECK_OK(sh_watch_config_new(&c));
    CHECK_EQ_INT(sh_watch_config_load_buf(c, unknown, strlen(unknown), "w.yml", &dg), SH_EPARSE);
    CHECK_EQ_INT(dg.line, 3);
    CHECK(strstr(dg.text, "max_mesage") != NULL);
    CHECK_EQ_INT(sh_watch_config_load_buf(c, badport, strlen(badport), "w.yml", &dg), SH_EPARSE);
    CHECK_EQ_INT(dg.line, 2);
    sh_watch_config_free(c);
}
