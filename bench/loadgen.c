/*
 * loadgen.c - syslog load generator for bench/watch_bench.sh.
 *
 * Sends realistic network-device syslog (Cisco IOS/IOS XE, NX-OS, ASA style
 * lines from a small template set, with rotating hosts, sequence numbers and
 * addresses) to a receiver over TCP (newline or octet-counted framing) or
 * UDP, as fast as possible or at a fixed rate. With --latency FILE it instead
 * sends one alert line at a time and measures how long until FILE grows
 * (the receiver wrote an alert), printing percentiles.
 *
 * Standalone program (plain libc, built by the bench script); not part of
 * libsalthunt.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const templates[] = {
    "<189>%u: %s: %u: *Nov 22 05:%02u:%02u.%03u UTC: %%SEC-6-IPACCESSLOGP: list 101 denied tcp "
    "198.51.100.%u(%u) -> 10.1.1.1(22), 1 packet",
    "<189>%u: %s: %u: *Nov 22 05:%02u:%02u.%03u UTC: %%LINEPROTO-5-UPDOWN: Line protocol on "
    "Interface GigabitEthernet0/%u, changed state to up (%u)",
    "<190>%u: %s: %u: *Nov 22 05:%02u:%02u.%03u UTC: %%SEC_LOGIN-5-LOGIN_SUCCESS: Login Success "
    "[user: netops] [Source: 10.250.0.%u] [localport: 22] at 05:00:00 UTC Sun Nov 22 2026 (%u)",
    "<187>%u: %s: %u: *Nov 22 05:%02u:%02u.%03u UTC: %%LINK-3-UPDOWN: Interface "
    "TenGigabitEthernet1/%u, changed state to down (%u)",
    "<190>%u: %s: %u: *Nov 22 05:%02u:%02u.%03u UTC: %%SYS-6-LOGGINGHOST_STARTSTOP: Logging to "
    "host 10.250.1.%u port 514 started - CLI initiated (%u)",
};

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int open_sock(const char *hostport, int udp)
{
    char host[256];
    const char *colon = strrchr(hostport, ':');
    struct addrinfo hints, *res;
    int fd;

    if (!colon || (size_t)(colon - hostport) >= sizeof(host))
        return -1;
    memcpy(host, hostport, (size_t)(colon - hostport));
    host[colon - hostport] = '\0';
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = udp ? SOCK_DGRAM : SOCK_STREAM;
    if (getaddrinfo(host, colon + 1, &hints, &res) != 0)
        return -1;
    fd = socket(res->ai_family, res->ai_socktype, 0);
    if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
        close(fd);
        fd = -1;
    }
    if (fd >= 0 && udp) {
        int sz = 4 << 20;
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
    }
    freeaddrinfo(res);
    return fd;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int make_line(char *buf, size_t size, unsigned i, const char *alert_line, unsigned every)
{
    char host[32];

    snprintf(host, sizeof(host), "pe%u-rtr", i % 50);
    if (alert_line && every && i % every == every - 1)
        return snprintf(buf, size, "%s seq=%u", alert_line, i);
    return snprintf(buf, size, templates[i % 5], i, host, i, (i / 60000) % 60, (i / 1000) % 60,
                    i % 1000, i % 250, i);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static off_t fsize(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? st.st_size : 0;
}

static void usage(void)
{
    fputs("usage: loadgen (--tcp|--udp) HOST:PORT [--count N] [--rate MSG/S] [--octet]\n"
          "               [--alert-line TEXT --alert-every K] [--latency FILE --samples N]\n",
          stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    const char *target = NULL, *alert_line = NULL, *lat_file = NULL;
    unsigned count = 100000, every = 0, samples = 100, i;
    double rate = 0, t0, t1;
    int udp = 0, octet = 0, fd, a;
    char line[1024], frame[1100];
    char *batch;
    size_t bl = 0, bcap = 1 << 16;

    for (a = 1; a < argc; a++) {
        if (!strcmp(argv[a], "--tcp") && a + 1 < argc)
            target = argv[++a];
        else if (!strcmp(argv[a], "--udp") && a + 1 < argc) {
            target = argv[++a];
            udp = 1;
        } else if (!strcmp(argv[a], "--count") && a + 1 < argc)
            count = (unsigned)strtoul(argv[++a], NULL, 10);
        else if (!strcmp(argv[a], "--rate") && a + 1 < argc)
            rate = strtod(argv[++a], NULL);
        else if (!strcmp(argv[a], "--octet"))
            octet = 1;
        else if (!strcmp(argv[a], "--alert-line") && a + 1 < argc)
            alert_line = argv[++a];
        else if (!strcmp(argv[a], "--alert-every") && a + 1 < argc)
            every = (unsigned)strtoul(argv[++a], NULL, 10);
        else if (!strcmp(argv[a], "--latency") && a + 1 < argc)
            lat_file = argv[++a];
        else if (!strcmp(argv[a], "--samples") && a + 1 < argc)
            samples = (unsigned)strtoul(argv[++a], NULL, 10);
        else
            usage();
    }
    if (!target)
        usage();
    fd = open_sock(target, udp);
    if (fd < 0) {
        fprintf(stderr, "loadgen: cannot connect to %s\n", target);
        return 1;
    }
    if (lat_file) {
        double *lat = calloc(samples, sizeof(double));
        unsigned got = 0;
        if (!lat || !alert_line)
            usage();
        for (i = 0; i < samples; i++) {
            off_t before = fsize(lat_file);
            int n = snprintf(line, sizeof(line), "%s seq=%u\n", alert_line, i);
            double s = now_s(), waited;
            if (send_all(fd, line, (size_t)n) != 0)
                break;
            while (fsize(lat_file) == before && (waited = now_s() - s) < 2.0)
                usleep(200);
            if (fsize(lat_file) != before)
                lat[got++] = (now_s() - s) * 1000.0;
            usleep(5000);
        }
        qsort(lat, got, sizeof(double), cmp_d);
        if (got)
            printf("latency_ms samples=%u p50=%.2f p90=%.2f p99=%.2f max=%.2f lost=%u\n", got,
                   lat[got / 2], lat[got * 9 / 10], lat[got * 99 / 100], lat[got - 1],
                   samples - got);
        else
            printf("latency_ms samples=0 lost=%u\n", samples);
        free(lat);
        close(fd);
        return 0;
    }
    batch = malloc(bcap);
    if (!batch)
        return 1;
    t0 = now_s();
    for (i = 0; i < count; i++) {
        int n = make_line(line, sizeof(line), i, alert_line, every);
        int fl;
        if (n < 0 || (size_t)n >= sizeof(line))
            continue;
        if (udp) {
            if (send(fd, line, (size_t)n, 0) < 0 && errno != ENOBUFS && errno != ECONNREFUSED)
                break;
        } else {
            fl = octet ? snprintf(frame, sizeof(frame), "%d %s", n, line)
                       : snprintf(frame, sizeof(frame), "%s\n", line);
            if (bl + (size_t)fl > bcap) {
                if (send_all(fd, batch, bl) != 0)
                    break;
                bl = 0;
            }
            memcpy(batch + bl, frame, (size_t)fl);
            bl += (size_t)fl;
        }
        if (rate > 0) {
            double due = t0 + (double)(i + 1) / rate;
            double left = due - now_s();
            if (left > 0.0005) {
                if (!udp && bl) {
                    send_all(fd, batch, bl);
                    bl = 0;
                }
                usleep((useconds_t)(left * 1e6));
            }
        }
    }
    if (bl)
        send_all(fd, batch, bl);
    t1 = now_s();
    printf("sent=%u seconds=%.3f rate=%.0f\n", i, t1 - t0, (double)i / (t1 - t0));
    free(batch);
    close(fd);
    return 0;
}
