/*
 * test_syslog.c - one test per header dialect and message shape, with the
 * exact fields a log rule would see. Each input line is in the test as a
 * string literal, so the readable text is the comment.
 */
#include "log/syslog.h"

#include "test.h"

#include <pthread.h>
#include <stdio.h>

static struct sh_log_event ev;

static void parse_year(const char *line, int year)
{
    struct sh_syslog_opts o = SH_SYSLOG_OPTS_INIT;

    o.year = year;
    CHECK_OK(sh_syslog_parse(&ev, line, strlen(line), &o));
}

static void parse(const char *line)
{
    parse_year(line, 2024);
}

/* A field as a NUL-terminated copy (rotating static buffers), or NULL. */
static const char *F(const char *name)
{
    static char buf[8][SH_LOG_SCRATCH + 1];
    static int k;
    uint32_t n = 0;
    const char *v = sh_log_event_get(&ev, name, &n);

    if (!v)
        return NULL;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof(buf[k]), "%.*s", (int)n, v);
    return buf[k];
}

#define EXPECT(name, val) CHECK_STR(F(name), val)
#define ABSENT(name) CHECK(F(name) == NULL)

SH_TEST(bsd_header_with_ios_mnemonic)
{
    parse("Sep  1 10:25:29 10.10.10.1 %SEC-6-IPACCESSLOGP: list 102 denied tcp "
          "10.0.6.56(3067) -> 172.36.4.7(139), 1 packet");
    CHECK(ev.parsed);
    EXPECT("host", "10.10.10.1");
    EXPECT("time", "2024-09-01T10:25:29Z");
    EXPECT("severity", "6");
    EXPECT("mnemonic", "SEC-6-IPACCESSLOGP");
    EXPECT("facility_code", "SEC");
    EXPECT("message", "list 102 denied tcp 10.0.6.56(3067) -> 172.36.4.7(139), 1 packet");
    EXPECT("src_ip", "10.0.6.56");
    EXPECT("src_port", "3067");
    EXPECT("dst_ip", "172.36.4.7");
    EXPECT("dst_port", "139");
    ABSENT("facility");
    ABSENT("relay");
}

SH_TEST(pri_sequence_and_unsynced_clock_with_ms_and_zone)
{
    /* '*' = clock never synchronised; origin-id host between seq and stamp */
    parse("<189>81: pe1-nyc: *Mar 11 10:15:02.123 UTC: %SYS-5-CONFIG_I: Configured from "
          "console by admin on vty0 (10.250.1.5)");
    CHECK(ev.parsed);
    EXPECT("facility", "local7");
    EXPECT("severity", "5");
    EXPECT("sequence", "81");
    EXPECT("host", "pe1-nyc");
    EXPECT("time", "2024-03-11T10:15:02.123Z");
    CHECK_EQ_INT(ev.ts_ms, 1710152102123LL);
    EXPECT("mnemonic", "SYS-5-CONFIG_I");
    EXPECT("user", "admin");
    EXPECT("src_ip", "10.250.1.5");
    EXPECT("message", "Configured from console by admin on vty0 (10.250.1.5)");
}

SH_TEST(origin_id_host_then_service_sequence_number)
{
    /* `logging origin-id hostname` and `service sequence-numbers` both on:
     * the host comes between the two numbers */
    parse("<189>1234: rtr1: 000123: *Mar  1 00:00:01.123 UTC: %SYS-5-CONFIG_I: Configured from "
          "console by admin on vty0 (10.0.0.1)");
    CHECK(ev.parsed);
    EXPECT("host", "rtr1");
    EXPECT("sequence", "000123");
    EXPECT("time", "2024-03-01T00:00:01.123Z");
    EXPECT("mnemonic", "SYS-5-CONFIG_I");
    ABSENT("relay");
    /* the same through a relay: the relay's address is the relay */
    parse("Mar  1 00:00:02 10.1.1.1 58: rtr3: 000124: Mar  1 00:00:01.500 UTC: %SYS-5-CONFIG_I: "
          "Configured from console by admin on vty0 (10.0.0.1)");
    EXPECT("host", "rtr3");
    EXPECT("relay", "10.1.1.1");
    EXPECT("time", "2024-03-01T00:00:01.500Z");
    /* a number after a host that no stamp follows leaves the host alone */
    parse("<189>1234: rtr1: 000123: not a stamp");
    ABSENT("host");
}

/* What a parse gave, as text, to compare parses across threads. */
static void summary(const char *line, char *out, size_t cap)
{
    static const char *const names[] = {"host", "time", "relay", "sequence", "mnemonic", "message"};
    struct sh_syslog_opts o = SH_SYSLOG_OPTS_INIT;
    size_t i, used;

    o.year = 2024;
    sh_syslog_parse(&ev, line, strlen(line), &o);
    used = (size_t)snprintf(out, cap, "%d %lld", ev.parsed, (long long)ev.ts_ms);
    for (i = 0; i < SH_ARRAY_LEN(names) && used < cap; i++) {
        const char *v = F(names[i]);
        used += (size_t)snprintf(out + used, cap - used, " %s=%s", names[i], v ? v : "-");
    }
}

struct fresh {
    const char *line;
    char out[1024];
};

static void *fresh_parse(void *arg)
{
    struct fresh *f = arg;
    summary(f->line, f->out, sizeof(f->out));
    return NULL;
}

/* Each thread remembers the dates of its last month-name stamps: lines
 * parsed one after another, each sharing the previous one's bytes up to the
 * minute and differing after, give what a thread that saw nothing before
 * gives. */
SH_TEST(stamp_memo_changes_nothing)
{
    static const char *const lines[] = {
        "Mar 11 10:15:02 r1 %SYS-5-CONFIG_I: x",
        "Mar 11 10:15:03.5 r1 %SYS-5-CONFIG_I: x",
        "Mar 11 10:15:59,12 UTC: %SYS-5-CONFIG_I: x",
        "Mar 11 10:15:60 EST r1 %SYS-5-CONFIG_I: x",
        "Mar 11 10:15:61 r1 %SYS-5-CONFIG_I: x",
        "Mar 11 10:15:023 r1 %SYS-5-CONFIG_I: x",
        "Mar 11 10:15:0x r1 %SYS-5-CONFIG_I: x",
        "Mar 11 10:15:04 2023 r1 %SYS-5-CONFIG_I: x",
        "Mar 11 10:15:05 2023: %SYS-5-CONFIG_I: x",
        "Mar 11 10:15:",
        "Mar 11 10:15:0",
        "Mar 11 10:15:07",
        "*Mar 11 10:15:08.001: %SYS-5-CONFIG_I: x",
        "*Mar 11 10:15:09.001 UTC+1: %SYS-5-CONFIG_I: x",
        "*Mar 11 10:15:10: %SYS-5-CONFIG_I: x",
        "Mar  1 1:15:02 r1 %SYS-5-CONFIG_I: x",
        "Mar  1 1:15:031 r1 %SYS-5-CONFIG_I: x",
        "Mar 11 10:15:10 10.0.0.1 7: r1: Mar 11 2025 10:15:10.100 UTC: %SYS-5-CONFIG_I: x",
        "Mar 11 10:15:11 10.0.0.1 8: r1: Mar 11 2025 10:15:11.200 PST: %SYS-5-CONFIG_I: x",
        "Mar 11 10:15:12 10.0.0.1 9: r1: Mar 11 2025 10:15:12 %SYS-5-CONFIG_I: x",
        "Tue Mar 11 10:15:13 2025 r1 %SYS-5-CONFIG_I: x",
        "Tue Mar 11 10:15:14 r1 %SYS-5-CONFIG_I: x",
        "Feb 30 10:15:15 r1 %SYS-5-CONFIG_I: x",
        "Feb 30 10:15:16.9 r1 %SYS-5-CONFIG_I: x",
    };
    size_t i, bad = 0;

    for (i = 0; i < SH_ARRAY_LEN(lines); i++) {
        char seq[1024];
        struct fresh f;
        pthread_t t;
        f.line = lines[i];
        f.out[0] = '\0';
        summary(lines[i], seq, sizeof(seq));
        if (pthread_create(&t, NULL, fresh_parse, &f) != 0) {
            bad++;
            continue;
        }
        pthread_join(t, NULL);
        if (strcmp(seq, f.out) != 0) {
            fprintf(stderr, "  %s\n  in order: %s\n  fresh:    %s\n", lines[i], seq, f.out);
            bad++;
        }
    }
    CHECK_EQ_INT((int)bad, 0);
}

SH_TEST(unsynced_device_clock_loses_to_the_collector_stamp)
{
    parse("Mar 11 10:15:03 10.1.1.1 81: *Mar  1 00:09:42.299: %SYS-5-CONFIG_I: Configured from "
          "console by vty0");
    EXPECT("host", "10.1.1.1");
    EXPECT("time", "2024-03-11T10:15:03Z");
    /* a synced ('.' = sync lost, still set) device clock wins */
    parse("Mar 11 10:15:03 10.1.1.1 81: .Mar 11 10:15:02.299: %SYS-5-CONFIG_I: Configured from "
          "console by vty0");
    EXPECT("time", "2024-03-11T10:15:02.299Z");
}

SH_TEST(sync_lost_marker_and_named_zone_offset)
{
    /* '.' = NTP sync lost; EST is UTC-5 */
    parse("4321: .Mar 11 10:15:02.999 EST: %SYS-5-CONFIG_I: Configured from console by vty0");
    EXPECT("time", "2024-03-11T15:15:02.999Z");
    EXPECT("sequence", "4321");
    ABSENT("host");
    ABSENT("user");
}

SH_TEST(numeric_zone_and_year_in_cisco_stamp)
{
    parse("Mar 11 2023 10:15:02 +0100: %SYS-5-RELOAD: Reload requested by admin on vty0");
    EXPECT("time", "2023-03-11T09:15:02Z");
    EXPECT("mnemonic", "SYS-5-RELOAD");
}

SH_TEST(host_names_that_start_like_zones)
{
    parse("Mar 11 10:15:02 UTC-gw1 %SYS-5-CONFIG_I: Configured from console by vty0");
    EXPECT("host", "UTC-gw1");
    EXPECT("time", "2024-03-11T10:15:02Z");
    parse("Mar 11 10:15:02 EST %SYS-5-CONFIG_I: Configured from console by vty0");
    ABSENT("host");
    EXPECT("time", "2024-03-11T15:15:02Z");
    parse("Mar 11 10:15:02 UTC+1: %SYS-5-CONFIG_I: Configured from console by vty0");
    EXPECT("time", "2024-03-11T09:15:02Z");
}

SH_TEST(unknown_zone_name_keeps_wall_clock)
{
    /* "mng" is a custom `clock timezone` name: not a host */
    parse("39222: *Oct 6 03:32:02.070 mng: %SEC-6-IPACCESSLOGP: list 167 denied udp "
          "10.1.2.3(137) -> 10.4.5.6(137), 1 packet");
    ABSENT("host");
    EXPECT("time", "2024-10-06T03:32:02.070Z");
    EXPECT("src_port", "137");
}

SH_TEST(uptime_stamps)
{
    parse("00:01:23: %LINK-3-UPDOWN: Interface GigabitEthernet0/2, changed state to up");
    CHECK(ev.parsed);
    CHECK_EQ_INT(ev.ts_ms, 0);
    ABSENT("time");
    EXPECT("mnemonic", "LINK-3-UPDOWN");
    EXPECT("severity", "3");
    parse("1w2d: %SYS-5-CONFIG_I: Configured from console by vty0");
    CHECK(ev.parsed);
    EXPECT("mnemonic", "SYS-5-CONFIG_I");
    EXPECT("message", "Configured from console by vty0");
}

SH_TEST(relay_prepended_header)
{
    parse("Mar 11 10:15:03 relay1 Mar 11 10:15:02 dist1 482: .Mar 11 10:15:02.001 UTC: "
          "%SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: cisco_tac_admin] [Source: 192.0.2.7] "
          "[localport: 21111] at 10:15:02 UTC Mon Mar 11 2024");
    EXPECT("host", "dist1");
    EXPECT("relay", "relay1");
    EXPECT("time", "2024-03-11T10:15:02.001Z");
    EXPECT("mnemonic", "SEC_LOGIN-5-LOGIN_SUCCESS");
    EXPECT("facility_code", "SEC_LOGIN");
    EXPECT("user", "cisco_tac_admin");
    EXPECT("src_ip", "192.0.2.7");
    EXPECT("local_port", "21111");
}

SH_TEST(collector_header_before_device_stamp_is_not_a_relay)
{
    parse("Mar 11 10:15:03 10.1.1.1 4321: Mar 11 10:15:02.999 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: "
          "User:admin  logged command:username backdoor privilege 15 secret 0 x");
    EXPECT("host", "10.1.1.1");
    ABSENT("relay");
    EXPECT("time", "2024-03-11T10:15:02.999Z");
    EXPECT("user", "admin");
    EXPECT("command", "username backdoor privilege 15 secret 0 x");
}

SH_TEST(iso8601_rsyslog_template)
{
    parse("2024-03-11T10:15:12.000000+02:00 rtr9 481: *Mar 11 10:15:12: "
          "%SYS-6-LOGGINGHOST_STARTSTOP: Logging to host 10.250.1.20 port 514 stopped - CLI "
          "initiated");
    EXPECT("host", "rtr9");
    EXPECT("mnemonic", "SYS-6-LOGGINGHOST_STARTSTOP");
    /* the device clock is marked never set ('*'): the collector's stamp stands */
    EXPECT("time", "2024-03-11T08:15:12.000Z");
    ABSENT("src_ip");
    parse("2024-03-11T10:15:12.5+02:00 rtr9 sshd[77]: Accepted publickey for root");
    EXPECT("time", "2024-03-11T08:15:12.500Z");
    EXPECT("program", "sshd");
    EXPECT("pid", "77");
}

SH_TEST(rfc5424_with_structured_data_escapes_and_bom)
{
    parse("<189>1 2024-03-11T10:15:02.123+01:00 pe1 mgd 4321 UI_CMDLINE_READ_LINE "
          "[junos@2636.1.1.1.2.129 username=\"admin\" command=\"set x \\\"a\\]b\\\"\"] "
          "\xEF\xBB\xBFUser 'admin', command 'set x \"a]b\"'");
    CHECK(ev.parsed);
    EXPECT("facility", "local7");
    EXPECT("severity", "5");
    EXPECT("host", "pe1");
    EXPECT("program", "mgd");
    EXPECT("pid", "4321");
    EXPECT("mnemonic", "UI_CMDLINE_READ_LINE");
    EXPECT("time", "2024-03-11T09:15:02.123Z");
    EXPECT("user", "admin");
    EXPECT("command", "set x \"a]b\"");
    EXPECT("username", "admin");
    EXPECT("message", "User 'admin', command 'set x \"a]b\"'");
}

SH_TEST(rfc5424_nil_values_and_cisco_message)
{
    parse("<187>1 2024-03-11T10:15:02Z xe1 - - - - %SYS-3-CPUHOG: Task is running for (2000)msecs");
    EXPECT("host", "xe1");
    ABSENT("program");
    EXPECT("mnemonic", "SYS-3-CPUHOG");
    EXPECT("severity", "3");
    EXPECT("message", "Task is running for (2000)msecs");
}

SH_TEST(rfc5424_mode_rejects_bsd)
{
    struct sh_syslog_opts o = SH_SYSLOG_OPTS_INIT;
    const char *l = "Mar 11 10:15:08 leaf1 Ebra: %LINEPROTO-5-UPDOWN: up";

    o.mode = SH_SYSLOG_RFC5424;
    CHECK_OK(sh_syslog_parse(&ev, l, strlen(l), &o));
    CHECK(!ev.parsed);
    EXPECT("message", l);
    l = "<13>1 2024-13-45Tbad h";
    CHECK_OK(sh_syslog_parse(&ev, l, strlen(l), &o));
    CHECK(!ev.parsed);
    ABSENT("facility");
}

SH_TEST(accounting_mode_counts_only_accounting_records)
{
    struct sh_syslog_opts o = SH_SYSLOG_OPTS_INIT;
    const char *acct = "Mar 11 10:15:13 cppm1 tac_plus[9]: 10.1.1.1 admin tty2 10.250.1.5 stop "
                       "task_id=5 service=shell priv-lvl=15 cmd=clear logging <cr>";
    const char *other = "Mar 11 10:15:08 leaf1 Ebra: %LINEPROTO-5-UPDOWN: up";

    o.mode = SH_SYSLOG_ACCT;
    o.year = 2024;
    CHECK_OK(sh_syslog_parse(&ev, acct, strlen(acct), &o));
    CHECK(ev.parsed);
    EXPECT("command", "clear logging");
    EXPECT("time", "2024-03-11T10:15:13Z");
    CHECK_OK(sh_syslog_parse(&ev, other, strlen(other), &o));
    CHECK(!ev.parsed);
}

SH_TEST(xml_logged_command_with_entities)
{
    parse("Mar 11 10:15:04 10.1.1.2 %PARSER-5-CFGLOG_LOGGEDCMD: <?xml version=\"1.0\" "
          "encoding=\"UTF-8\"?><configChangeEntry><ordinal>5</ordinal><loggedCommand><user>bob"
          "</user><ipAddress>10.9.9.9</ipAddress><enteredCommand><cli>tftp-server "
          "nvram:startup-config &amp; &lt;x&gt; &#39;q&#x27;</cli></enteredCommand>"
          "</loggedCommand></configChangeEntry>");
    EXPECT("user", "bob");
    EXPECT("src_ip", "10.9.9.9");
    EXPECT("command", "tftp-server nvram:startup-config & <x> 'q'");
}

SH_TEST(webui_users)
{
    parse("Mar 11 03:02:17 10.250.10.12 72023: pe2-chi: Mar 11 03:02:17.642 UTC: "
          "%WEBUI-6-INSTALL_OPERATION_INFO: User: cisco_support, Install Operation: ADD "
          "flash:/bootflash/tmp/iox_mod.bin");
    EXPECT("host", "pe2-chi");
    EXPECT("user", "cisco_support");
    parse("Mar 11 03:02:22 10.250.10.12 72024: pe2-chi: Mar 11 03:02:22.355 UTC: "
          "%SYS-5-CONFIG_P: Configured programmatically by process SEP_webui_wsma_http from "
          "console as cisco_support on vty31");
    EXPECT("mnemonic", "SYS-5-CONFIG_P");
    EXPECT("user", "cisco_support");
}

SH_TEST(eem_catchall_command)
{
    parse("Mar 11 10:15:10 dist1 1234: Mar 11 10:15:10.000 UTC: %HA_EM-6-LOG: catchall: "
          "guestshell enable");
    EXPECT("host", "dist1");
    EXPECT("mnemonic", "HA_EM-6-LOG");
    EXPECT("command", "guestshell enable");
}

SH_TEST(ios_xr_node_stamp_and_subfacility)
{
    parse("Mar 11 10:15:05 core1 RP/0/RSP0/CPU0:Mar 11 10:15:05.456 UTC: config[65710]: "
          "%MGBL-CONFIG-6-DB_COMMIT : Configuration committed by user 'admin'. Use 'show "
          "configuration commit changes 1000000012' to view the changes.");
    EXPECT("host", "core1");
    EXPECT("node", "RP/0/RSP0/CPU0");
    EXPECT("program", "config");
    EXPECT("pid", "65710");
    EXPECT("mnemonic", "MGBL-CONFIG-6-DB_COMMIT");
    EXPECT("facility_code", "MGBL");
    EXPECT("subfacility", "CONFIG");
    EXPECT("severity", "6");
    EXPECT("user", "admin");
    EXPECT("time", "2024-03-11T10:15:05.456Z");
}

SH_TEST(nxos_year_first_stamp_and_accounting)
{
    parse("2024 Mar 11 10:15:06 agg1 %AAA-6-AAA_ACCOUNTING_MESSAGE: "
          "update:10.250.1.5@pts/0:admin:configure terminal ; feature bash-shell (SUCCESS)");
    EXPECT("host", "agg1");
    EXPECT("time", "2024-03-11T10:15:06Z");
    EXPECT("mnemonic", "AAA-6-AAA_ACCOUNTING_MESSAGE");
    EXPECT("user", "admin");
    EXPECT("src_ip", "10.250.1.5");
    EXPECT("command", "configure terminal ; feature bash-shell");
    /* via a collector, with the NX-OS " : " separator */
    parse_year("Mar 11 10:15:06 10.1.1.9 : 2023 Mar 11 10:15:06 UTC: "
               "%VSHD-5-VSHD_SYSLOG_CONFIG_I: Configured from vty by admin on 10.250.1.5@pts/0",
               2024);
    EXPECT("host", "10.1.1.9");
    EXPECT("time", "2023-03-11T10:15:06Z");
    EXPECT("user", "admin");
    EXPECT("src_ip", "10.250.1.5");
}

SH_TEST(nxos_accounting_log_line)
{
    parse("Mon Mar 11 10:15:06 2024:type=update:id=10.250.1.5@pts/0:user=admin:cmd=configure "
          "terminal ; username x password 5 y role network-admin (SUCCESS)");
    CHECK(ev.parsed);
    EXPECT("time", "2024-03-11T10:15:06Z");
    EXPECT("user", "admin");
    EXPECT("command", "configure terminal ; username x password 5 y role network-admin");
}

SH_TEST(asa_command_messages)
{
    parse("Mar 11 2024 10:15:07 asa1 : %ASA-5-111008: User 'enable_15' executed the 'capture "
          "CAP interface inside match tcp any any eq 49' command.");
    EXPECT("host", "asa1");
    EXPECT("mnemonic", "111008");
    EXPECT("facility_code", "ASA");
    EXPECT("severity", "5");
    EXPECT("user", "enable_15");
    EXPECT("command", "capture CAP interface inside match tcp any any eq 49");
    parse("%FTD-5-111009: User 'enable_15' executed cmd: show running-config");
    CHECK(ev.parsed);
    EXPECT("facility_code", "FTD");
    EXPECT("mnemonic", "111009");
    EXPECT("command", "show running-config");
    parse("<166>Mar 11 2024 10:15:07: %ASA-5-111010: User 'admin', running 'CLI' from IP "
          "10.250.1.5, executed 'no logging host inside 10.1.1.1'");
    EXPECT("facility", "local4");
    EXPECT("mnemonic", "111010");
    EXPECT("user", "admin");
    EXPECT("src_ip", "10.250.1.5");
    EXPECT("command", "no logging host inside 10.1.1.1");
}

SH_TEST(asa_flow_and_pix_without_colon)
{
    parse("%ASA-2-106001: Inbound TCP connection denied from 111.93.241.59/54322 to "
          "116.6.127.122/1433 flags SYN on interface outside");
    EXPECT("src_ip", "111.93.241.59");
    EXPECT("src_port", "54322");
    EXPECT("dst_ip", "116.6.127.122");
    EXPECT("dst_port", "1433");
    ABSENT("host");
    parse("%PIX-4-400013 IDS:2003 ICMP redirect from 10.4.1.2 to 10.2.1.1 on interface dmz");
    EXPECT("facility_code", "PIX");
    EXPECT("mnemonic", "400013");
    EXPECT("message", "IDS:2003 ICMP redirect from 10.4.1.2 to 10.2.1.1 on interface dmz");
    EXPECT("dst_ip", "10.2.1.1");
}

SH_TEST(junos_event_id_and_structured_variant)
{
    parse("Mar 11 10:15:09 edge1 mgd[4321]: UI_COMMIT: User 'admin' requested 'commit' "
          "operation (comment: none)");
    EXPECT("host", "edge1");
    EXPECT("program", "mgd");
    EXPECT("pid", "4321");
    EXPECT("mnemonic", "UI_COMMIT");
    EXPECT("user", "admin");
    EXPECT("message", "User 'admin' requested 'commit' operation (comment: none)");
    parse("Sep 23 13:54:55 192.168.1.1 junos-flow: 2017-09-23T13:54:54.803Z sis-srx-mic-01 "
          "RT_FLOW - RT_FLOW_SESSION_DENY [junos@2636.1.1.1.2.39 source-address=\"192.168.1.1\" "
          "source-port=\"1080\" destination-address=\"192.168.1.2\" destination-port=\"8010\" "
          "username=\"N/A\"]");
    EXPECT("host", "sis-srx-mic-01");
    EXPECT("relay", "192.168.1.1");
    EXPECT("program", "RT_FLOW");
    EXPECT("mnemonic", "RT_FLOW_SESSION_DENY");
    EXPECT("time", "2017-09-23T13:54:54.803Z");
    EXPECT("src_ip", "192.168.1.1");
    EXPECT("src_port", "1080");
    EXPECT("dst_ip", "192.168.1.2");
    EXPECT("dst_port", "8010");
    ABSENT("user");
}

SH_TEST(login_and_logout_users)
{
    parse("Mar 11 10:15:09 edge1 mgd[4321]: UI_LOGIN_EVENT: User 'admin' login, class "
          "'j-super-user' [4321], ssh-connection '10.250.1.5 53000 10.1.1.1 22', client-mode "
          "'cli'");
    EXPECT("mnemonic", "UI_LOGIN_EVENT");
    EXPECT("user", "admin");
    EXPECT("src_ip", "10.250.1.5");
    EXPECT("src_port", "53000");
    parse("Mar 11 00:04:29 10.250.10.11 30497: pe1-nyc: Mar 11 00:04:29.494 UTC: %SYS-6-LOGOUT: "
          "User netops has exited tty session 2(10.250.3.34)");
    EXPECT("user", "netops");
    EXPECT("src_ip", "10.250.3.34");
    parse("Mar 11 10:15:09 edge1 sshd[99]: SSHD_LOGIN_FAILED: Login failed for user 'root' from "
          "host '203.0.113.9'");
    EXPECT("user", "root");
    EXPECT("src_ip", "203.0.113.9");
}

SH_TEST(eos_program_tag)
{
    parse("Mar 11 10:15:08 leaf1 Ebra: %LINEPROTO-5-UPDOWN: Line protocol on Interface "
          "Ethernet1, changed state to up");
    EXPECT("host", "leaf1");
    EXPECT("program", "Ebra");
    EXPECT("mnemonic", "LINEPROTO-5-UPDOWN");
    EXPECT("message", "Line protocol on Interface Ethernet1, changed state to up");
}

SH_TEST(eos_command_accounting)
{
    parse("Mar 11 10:15:08 leaf1 Aaa: %ACCOUNTING-6-CMD: admin ssh 10.250.1.5 stop task_id=5 "
          "start_time=1710152108.0 timezone=UTC service=shell priv-lvl=15 cmd=show "
          "running-config");
    EXPECT("host", "leaf1");
    EXPECT("program", "Aaa");
    EXPECT("mnemonic", "ACCOUNTING-6-CMD");
    EXPECT("user", "admin");
    EXPECT("src_ip", "10.250.1.5");
    EXPECT("command", "show running-config");
}

SH_TEST(pam_style_user_and_rhost)
{
    parse("2024 Mar 11 10:15:06 agg1 %AUTHPRIV-3-SYSTEM_MSG: pam_unix(sshd:auth): authentication "
          "failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=10.250.1.5 user=admin - "
          "sshd[1234]");
    EXPECT("mnemonic", "AUTHPRIV-3-SYSTEM_MSG");
    EXPECT("user", "admin");
    EXPECT("src_ip", "10.250.1.5");
}

SH_TEST(huawei_vrp)
{
    parse("Oct  5 2018 10:52:19 USG6300 %%01POLICY/6/POLICYPERMIT(l):vsys=public, protocol=17, "
          "source-ip=1.1.1.1, source-port=2426, destination-ip=2.2.2.2, destination-port=2234");
    EXPECT("host", "USG6300");
    EXPECT("mnemonic", "POLICY/6/POLICYPERMIT");
    EXPECT("facility_code", "POLICY");
    EXPECT("severity", "6");
    EXPECT("src_ip", "1.1.1.1");
    EXPECT("dst_ip", "2.2.2.2");
}

SH_TEST(fortigate_key_value)
{
    parse("date=2016-06-14 time=12:22:01 devname=FW1 devid=FGT1 logid=0100032002 type=event "
          "subtype=system level=alert vd=\"root\" logdesc=\"Admin login failed\" sn=0 "
          "user=\"gfedhf\" ui=ssh(222.186.130.227) action=login status=failed msg=\"Administrator "
          "gfedhf login failed from ssh(222.186.130.227)\"");
    CHECK(ev.parsed);
    EXPECT("host", "FW1");
    EXPECT("time", "2016-06-14T12:22:01Z");
    EXPECT("mnemonic", "0100032002");
    EXPECT("facility_code", "event");
    EXPECT("severity", "1");
    EXPECT("user", "gfedhf");
    EXPECT("src_ip", "222.186.130.227");
    EXPECT("message", "Administrator gfedhf login failed from ssh(222.186.130.227)");
    /* every key is also a field under its own name (FortiGate Sigma rules use them) */
    EXPECT("logdesc", "Admin login failed");
    EXPECT("action", "login");
    EXPECT("vd", "root");
    parse("date=2024-03-11 time=10:00:00 devname=FW1 logid=0100044547 type=event "
          "subtype=system level=information user=\"admin\" ui=\"ssh(10.1.1.5)\" action=Add "
          "cfgpath=\"system.admin\" cfgobj=\"backdoor\" msg=\"Add system.admin backdoor\"");
    EXPECT("cfgpath", "system.admin");
    EXPECT("action", "Add");
    EXPECT("src_ip", "10.1.1.5");
}

SH_TEST(panos_csv_config)
{
    parse("Apr 30 06:00:00 fw-edge 1,2024/03/11 10:15:14,0123456789,CONFIG,0,0,2024/03/11 "
          "10:15:14,10.250.1.5,vsys1,set,admin,Web,Succeeded, deviceconfig system "
          "permitted-ip,1,0x0,0,0,0,0,,fw-edge");
    CHECK(ev.parsed);
    EXPECT("host", "fw-edge");
    EXPECT("time", "2024-03-11T10:15:14Z");
    EXPECT("facility_code", "CONFIG");
    EXPECT("user", "admin");
    EXPECT("src_ip", "10.250.1.5");
    EXPECT("command", "set deviceconfig system permitted-ip");
}

SH_TEST(tacplus_tab_separated_accounting)
{
    parse("Mar 11 10:15:11\t10.1.1.1\tadmin\ttty2\t10.250.1.5\tstop\ttask_id=77\ttimezone=UTC\t"
          "service=shell\tpriv-lvl=15\tcmd=copy running-config tftp://203.0.113.9/x <cr>");
    CHECK(ev.parsed);
    EXPECT("host", "10.1.1.1");
    EXPECT("user", "admin");
    EXPECT("src_ip", "10.250.1.5");
    EXPECT("facility_code", "TACACS");
    EXPECT("mnemonic", "stop");
    EXPECT("command", "copy running-config tftp://203.0.113.9/x");
    EXPECT("time", "2024-03-11T10:15:11Z");
    /* command word and arguments in separate pairs */
    parse("Mar 11 10:15:11\t10.1.1.1\tadmin\ttty2\t10.250.1.5\tstop\ttask_id=78\t"
          "service=shell\tcmd=copy\tcmd-arg=running-config\tcmd-arg=tftp://203.0.113.9/x\t"
          "cmd-arg=<cr>");
    EXPECT("command", "copy running-config tftp://203.0.113.9/x");
}

SH_TEST(ise_and_keyvalue_accounting)
{
    parse("Mar 11 10:15:13 ise1 CISE_TACACS_Accounting 0000012 1 0 2024-03-11 10:15:13.123 "
          "+00:00 0000 3300 NOTICE TACACS: TACACS+ Accounting with Command, User=admin, Device "
          "IP Address=10.1.1.1, CmdSet=[ CmdAV=show CmdArgAV=running-config CmdArgAV=<cr> ], "
          "Remote-Address=10.250.1.5");
    EXPECT("host", "10.1.1.1");
    EXPECT("relay", "ise1");
    EXPECT("user", "admin");
    EXPECT("command", "show running-config");
    EXPECT("src_ip", "10.250.1.5");
    parse("Mar 11 10:15:13 cppm1 tac_plus[9]: 10.1.1.1 admin tty2 10.250.1.5 stop task_id=5 "
          "service=shell priv-lvl=15 cmd=clear logging <cr>");
    EXPECT("program", "tac_plus");
    EXPECT("command", "clear logging");
}

SH_TEST(year_inference_rolls_back_over_new_year)
{
    struct sh_syslog_opts o = SH_SYSLOG_OPTS_INIT;
    const char *dec = "Dec 31 23:59:00 r1 %SYS-5-CONFIG_I: Configured from console by vty0";
    const char *jan = "Jan  2 00:00:01 r1 %SYS-5-CONFIG_I: Configured from console by vty0";

    o.ref_ms = 1736035200000LL; /* 2025-01-05T00:00:00Z, the file's mtime */
    sh_syslog_parse(&ev, dec, strlen(dec), &o);
    EXPECT("time", "2024-12-31T23:59:00Z");
    sh_syslog_parse(&ev, jan, strlen(jan), &o);
    EXPECT("time", "2025-01-02T00:00:01Z");
    o.tz_offset_min = 60;
    sh_syslog_parse(&ev, jan, strlen(jan), &o);
    EXPECT("time", "2025-01-01T23:00:01Z");
}

SH_TEST(time_text_across_leap_days_and_zones)
{
    parse("2024-02-29T23:59:59.999-01:00 h1 app: crossing into March");
    EXPECT("time", "2024-03-01T00:59:59.999Z");
    CHECK_EQ_INT(ev.ts_ms, 1709254799999LL);
    parse("1999-12-31T23:00:00-02:00 h1 app: the millennium");
    EXPECT("time", "2000-01-01T01:00:00Z");
    parse("Feb 29 12:00:00 h1 app: leap day in a leap year");
    EXPECT("time", "2024-02-29T12:00:00Z");
}

SH_TEST(unparsed_lines_keep_raw_text)
{
    const char *l = "this is not a log line at all";

    parse(l);
    CHECK(!ev.parsed);
    EXPECT("message", l);
    EXPECT("raw", l);
    CHECK_EQ_INT(ev.ts_ms, 0);
    CHECK_EQ_INT(ev.n_fields, 2); /* message and raw, nothing guessed */
    parse("not a header but 10.1.1.1 -> 10.2.2.2 user='x' cmd=reload");
    CHECK(!ev.parsed);
    ABSENT("src_ip");
    ABSENT("command");
    parse("");
    CHECK(!ev.parsed);
    parse("<999>garbage");
    CHECK(!ev.parsed);
}

SH_TEST(hostile_lines_stay_bounded)
{
    static char big[70000];
    size_t i;

    /* many SD params, all escaped: scratch and field limits must hold */
    strcpy(big, "<13>1 2024-01-01T00:00:00Z h a p m [x");
    for (i = 0; strlen(big) < 60000; i++) {
        char kv[64];
        snprintf(kv, sizeof(kv), " k%zu=\"v\\\"%zu\"", i, i);
        strcat(big, kv);
    }
    strcat(big, "] tail");
    parse(big);
    CHECK(ev.parsed);
    CHECK(ev.n_fields <= SH_LOG_MAX_FIELDS);
    CHECK(ev.scratch_used <= SH_LOG_SCRATCH);
    /* NUL bytes and invalid UTF-8 inside a line */
    {
        static const char l[] = "Mar 11 10:00:00 r1 %SYS-5-X_Y: a\0b\xff\xfe";
        CHECK_OK(sh_syslog_parse(&ev, l, sizeof(l) - 1, NULL));
        CHECK(ev.parsed);
        CHECK_EQ_INT(ev.raw_len, sizeof(l) - 1);
    }
}

SH_TEST(detect_scores_logs_high_and_configs_zero)
{
    const char *log = "Mar 11 10:15:08 leaf1 Ebra: %LINEPROTO-5-UPDOWN: up\n"
                      "Mar 11 10:15:09 edge1 mgd[4321]: UI_COMMIT: User 'admin' requested\n"
                      "00:00:46: %LINK-3-UPDOWN: Interface Port-channel1, changed state to up\n";
    const char *cfg = "hostname r1\n!\ninterface GigabitEthernet0/1\n ip address 10.0.0.1 "
                      "255.255.255.0\n!\nusername admin privilege 15 secret 9 x\n";
    const char *csv = "type,value,comment\nipv4,203.0.113.9,c2\ndomain,example.com,c2\n";

    CHECK(sh_syslog_detect(log, strlen(log)) >= 90);
    CHECK_EQ_INT(sh_syslog_detect(cfg, strlen(cfg)), 0);
    CHECK_EQ_INT(sh_syslog_detect(csv, strlen(csv)), 0);
    CHECK_EQ_INT(sh_syslog_detect("", 0), 0);
}
