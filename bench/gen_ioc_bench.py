#!/usr/bin/env python3
"""Generate the indicator-sweep benchmark inputs (bench/ioc_sweep.sh).

  gen_ioc_bench.py OUT_DIR SIZE_MB ADVISORY_CSV

Writes OUT_DIR/syslog.log: SIZE_MB of Cisco-style syslog (RFC 3164 with the
usual Cisco variants: sequence numbers, uptime stamps, %FAC-SEV-MNEMONIC)
from a few hundred devices; about one line in 20,000 carries an advisory
address. And OUT_DIR/iocs-{100,10000,100000}.txt: one indicator per line,
the advisory's own plus generated addresses, CIDRs, domains and SHA-256
hashes that do not occur in the log. Deterministic (fixed seed).
"""
import csv
import os
import random
import sys

out, size_mb, adv_csv = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rnd = random.Random(239)
os.makedirs(out, exist_ok=True)

adv = []
with open(adv_csv, newline="") as fh:
    for row in csv.DictReader(fh):
        if row["type"] in ("ipv4", "ipv6", "sha256", "md5", "sha1", "domain"):
            adv.append(row["value"])
adv_ips = [v for v in adv if v.count(".") == 3 and v.replace(".", "").isdigit()]

def rip():
    return f"10.{rnd.randrange(256)}.{rnd.randrange(256)}.{rnd.randrange(1, 255)}"

def pub():
    # documentation and benchmarking ranges: never an advisory address
    return rnd.choice(["192.0.2.", "198.51.100.", "203.0.113.", "198.18."]) + (
        f"{rnd.randrange(256)}.{rnd.randrange(256)}" if False else str(rnd.randrange(1, 255)))

hosts = [f"{kind}{i}-{site}" for kind in ("pe", "ce", "dist", "access", "core")
         for i in range(1, 9) for site in ("nyc", "chi", "bos", "sea", "dal", "atl", "den", "lax")]
users = ["netops", "jdoe", "asmith", "breakglass", "svc_backup"]
templates = [
    "%SEC-6-IPACCESSLOGP: list MGMT-IN denied tcp {a}({p}) -> {b}(22), 1 packet",
    "%SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: {u}] [Source: {a}] [localport: 22] at {t} UTC",
    "%SEC_LOGIN-4-LOGIN_FAILED: Login failed [user: {u}] [Source: {a}] [localport: 22] [Reason: Login Authentication Failed] at {t} UTC",
    "%SYS-5-CONFIG_I: Configured from console by {u} on vty0 ({a})",
    "%LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet0/0/{p2}, changed state to up",
    "%LINK-3-UPDOWN: Interface TenGigabitEthernet1/0/{p2}, changed state to down",
    "%BGP-5-ADJCHANGE: neighbor {a} Up",
    "%OSPF-5-ADJCHG: Process 1, Nbr {b} on GigabitEthernet0/0/{p2} from LOADING to FULL, Loading Done",
    "%PARSER-5-CFGLOG_LOGGEDCMD: User:{u}  logged command:interface GigabitEthernet0/0/{p2}",
    "%SSH-5-SSH2_SESSION: SSH2 Session request from {a} (tty = 0) using crypto cipher 'aes256-ctr', hmac 'hmac-sha2-256' Succeeded",
    "%DUAL-5-NBRCHANGE: EIGRP-IPv4 100: Neighbor {b} (Vlan{p2}) is up: new adjacency",
    "%SNMP-3-AUTHFAIL: Authentication failure for SNMP req from host {a}",
]
months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

target = size_mb * 1024 * 1024
written = 0
seq = 0
with open(os.path.join(out, "syslog.log"), "w") as fh:
    buf = []
    while written < target:
        seq += 1
        h = rnd.choice(hosts)
        t = f"{rnd.randrange(24):02d}:{rnd.randrange(60):02d}:{rnd.randrange(60):02d}.{rnd.randrange(1000):03d}"
        a = rnd.choice(adv_ips) if adv_ips and rnd.randrange(20000) == 0 else (
            pub() if rnd.randrange(4) == 0 else rip())
        msg = rnd.choice(templates).format(a=a, b=rip(), p=rnd.randrange(1024, 65535),
                                           p2=rnd.randrange(48), u=rnd.choice(users), t=t)
        line = (f"{rnd.choice(months)} {rnd.randrange(1, 29):2d} {t[:8]} {h} {seq}: "
                f"*{rnd.choice(months)} {rnd.randrange(1, 29)} {t}: {msg}\n")
        buf.append(line)
        written += len(line)
        if len(buf) >= 20000:
            fh.write("".join(buf))
            buf = []
    fh.write("".join(buf))

def gen_ioc(i):
    k = i % 4
    if k == 0:
        return f"{rnd.randrange(1, 224)}.{rnd.randrange(256)}.{rnd.randrange(256)}.{rnd.randrange(1, 255)}"
    if k == 1:
        return f"{rnd.randrange(1, 224)}.{rnd.randrange(256)}.{rnd.randrange(256)}.0/24"
    if k == 2:
        return "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rnd.randrange(6, 14))) + \
            rnd.choice([".com", ".net", ".org", ".info"])
    return "%064x" % rnd.getrandbits(256)

for n in (100, 10000, 100000):
    vals = list(dict.fromkeys(adv))[:n]
    i = 0
    seen = set(vals)
    while len(vals) < n:
        v = gen_ioc(i)
        i += 1
        # keep generated values out of the log's address ranges
        if v.startswith(("10.", "192.0.2.", "198.51.100.", "203.0.113.", "198.18.")) or v in seen:
            continue
        seen.add(v)
        vals.append(v)
    with open(os.path.join(out, f"iocs-{n}.txt"), "w") as fh:
        fh.write("\n".join(vals) + "\n")
