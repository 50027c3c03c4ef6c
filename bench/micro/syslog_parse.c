/*
 * syslog_parse.c - throughput of the device-log parser.
 *
 * Generates a realistic mix of device lines in memory (IOS/XE through a
 * relay, IOS XR, NX-OS, ASA, Junos structured data, EOS, TACACS+
 * accounting, FortiGate, unparsable noise), then times
 *   1. sh_syslog_parse alone, and
 *   2. the full sh_logfile_each walk (reader + parse) over the same bytes,
 * printing one result line each: lines and MB per CPU second. Usage:
 *   bench_syslog_parse [lines] [seconds]
 */
#include "log/logfile.h"
#include "log/syslog.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static const char *const shapes[] = {
    "Mar %2d 10:%02d:%02d relay1 Mar %2d 10:15:02 dist%d 482: .Mar 11 10:15:02.001 UTC: "
    "%%SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: admin%d] [Source: 192.0.2.%d] "
    "[localport: 22] at 10:15:02 UTC Mon Mar 11 2024",
    "<189>%d: pe%d-nyc: *Mar 11 10:%02d:%02d.123 UTC: %%PARSER-5-CFGLOG_LOGGEDCMD: User:admin  "
    "logged command:interface GigabitEthernet0/%d",
    "Mar %2d 10:%02d:%02d core%d RP/0/RSP0/CPU0:Mar 11 10:15:05.456 UTC: config[%d]: "
    "%%MGBL-CONFIG-6-DB_COMMIT : Configuration committed by user 'admin'.",
    "%d Mar %2d 10:%02d:%02d agg%d %%AAA-6-AAA_ACCOUNTING_MESSAGE: update:10.250.1.%d@pts/0:admin:"
    "configure terminal ; interface Ethernet1/1 (SUCCESS)",
    "Mar %2d 2024 10:%02d:%02d asa%d : %%ASA-6-302013: Built inbound TCP connection %d for "
    "outside:198.51.100.7/44321 (198.51.100.7/44321) to inside:10.1.1.10/443 (10.1.1.10/443)",
    "<189>1 2024-03-%02dT10:%02d:%02d.123Z srx%d RT_FLOW - RT_FLOW_SESSION_CREATE "
    "[junos@2636.1.1.1.2.39 source-address=\"10.0.0.%d\" source-port=\"1080\" "
    "destination-address=\"192.168.1.2\" destination-port=\"443\"]",
    "Mar %2d 10:%02d:%02d leaf%d Ebra: %%LINEPROTO-5-UPDOWN: Line protocol on Interface "
    "Ethernet%d, changed state to up",
    "Mar %2d 10:%02d:%02d\t10.1.1.%d\tadmin\ttty2\t10.250.1.%d\tstop\ttask_id=77\tservice=shell\t"
    "priv-lvl=15\tcmd=show running-config <cr>",
    "date=2024-03-%02d time=10:%02d:%02d devname=FW%d logid=0100032002 type=event subtype=system "
    "level=alert user=\"admin\" ui=ssh(222.186.130.%d) msg=\"Administrator login failed\"",
    "kernel: random noise line %d without any header %d %d %d %d",
};

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* CPU time: stable on a shared machine */
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int nop(const struct sh_log_event *ev, void *ud)
{
    (void)ev;
    (*(uint64_t *)ud)++;
    return 0;
}

int main(int argc, char **argv)
{
    size_t lines = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 200000;
    double secs = argc > 2 ? strtod(argv[2], NULL) : 2.0;
    size_t cap = lines * 300 + 1, len = 0, i, passes = 0, parsed = 0;
    char *buf = malloc(cap);
    static struct sh_log_event ev;
    struct sh_syslog_opts o = SH_SYSLOG_OPTS_INIT;
    double t0, t;
    uint64_t n = 0;

    if (!buf)
        return 1;
    for (i = 0; i < lines; i++) {
        int a = (int)(i % 28) + 1, b = (int)(i % 60), c = (int)((i / 60) % 60), d = (int)(i % 250);
        /* every shape takes only ints, at most eight */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        len +=
            (size_t)snprintf(buf + len, cap - len, shapes[i % (sizeof(shapes) / sizeof(shapes[0]))],
                             a, b, c, a, d, d, d, d);
#pragma GCC diagnostic pop
        buf[len++] = '\n';
    }
    o.year = 2024;

    t0 = now();
    do {
        const char *p = buf, *e = buf + len;
        while (p < e) {
            const char *nl = memchr(p, '\n', (size_t)(e - p));
            sh_syslog_parse(&ev, p, (size_t)(nl - p), &o);
            parsed += ev.parsed;
            p = nl + 1;
        }
        passes++;
        t = now() - t0;
    } while (t < secs);
    printf("syslog_parse: %zu lines x %zu passes, %.0f lines/s, %.1f MB/s (%.1f%% parsed)\n", lines,
           passes, (double)(lines * passes) / t, (double)(len * passes) / t / 1e6,
           100.0 * (double)parsed / (double)(lines * passes));

    passes = 0;
    t0 = now();
    do {
        sh_logfile_each_mem(buf, len, "bench", &o, nop, &n, NULL, NULL);
        passes++;
        t = now() - t0;
    } while (t < secs);
    printf("logfile_each: %zu lines x %zu passes, %.0f lines/s, %.1f MB/s\n", lines, passes,
           (double)n / t, (double)(len * passes) / t / 1e6);
    free(buf);
    return 0;
}
