#!/usr/bin/env bash
# run_inventory.sh - `salthunt inventory` and the exposure join on the example
# network, and imported intel reaching a scan. $1 = salthunt binary; env SH_SRC.
# Ends with "N passed, N failed".
set -u
BIN=$1
EX=${SH_SRC:?}/examples/network
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { if eval "$2"; then ok; else bad "$1"; fi; }

out=$("$BIN" inventory -q "$EX" 2>&1); rc=$?
check "inventory exits 0" "[ $rc -eq 0 ]"
check "show capture gives pe1-nyc its version, from the capture" \
    "grep -A4 '^pe1-nyc' <<<\"\$out\" | grep -q 'version   17.9.3 .*show/pe1-nyc.txt'"
check "config and capture of one device merged" \
    "grep -A9 '^pe1-nyc' <<<\"\$out\" | grep -q 'evidence .*show/pe1-nyc.txt, .*configs/pe1-iosxe.cfg'"
check "serial from the capture" "grep -A6 '^dist1-bos' <<<\"\$out\" | grep -q 'serial    FOC2422L0XX'"
check "Ivanti and PAN-OS inventoried" "grep -q '^ics1-atl' <<<\"\$out\" && grep -q '^vpn1-den' <<<\"\$out\""
check "Smart Install state from show vstack config" \
    "grep -A9 '^ce1-branch12' <<<\"\$out\" | grep -q 'features  vstack'"

out=$("$BIN" inventory -q --format jsonl "$EX/show" 2>&1); rc=$?
check "jsonl exits 0" "[ $rc -eq 0 ]"
check "jsonl: one valid object per device" \
    "python3 -c 'import sys,json; d=[json.loads(l) for l in sys.stdin]; assert len(d)==6; assert {x[\"hostname\"] for x in d}>={\"pe1-nyc\",\"vpn1-den\"}; assert all(x[\"fact_sources\"][\"version\"] for x in d)' <<<\"\$out\""

out=$("$BIN" inventory -q --format csv -o "$T/inv.csv" "$EX/show" 2>&1); rc=$?
check "csv to a file exits 0" "[ $rc -eq 0 ] && [ -s '$T/inv.csv' ]"
check "csv header and a row" \
    "head -1 '$T/inv.csv' | grep -q '^hostname,platform,os,version,model,serial' && grep -q '^vpn1-den,panos,PAN-OS,10.2.7-h3,PA-3220,013201000123' '$T/inv.csv'"

"$BIN" inventory >/dev/null 2>&1; rc=$?
check "inventory without PATH exits 2" "[ $rc -eq 2 ]"

# Exposure through the scan: capture + KEV + preconditions.
out=$("$BIN" scan --no-db -q --fail-on none --format jsonl "$EX" 2>&1); rc=$?
check "scan exits 0 with --fail-on none" "[ $rc -eq 0 ]"
exp() { python3 -c "
import sys, json
want = dict(a.split('=') for a in sys.argv[1:])
for l in sys.stdin:
    f = json.loads(l)
    if f.get('kind') == 'exposure' and all(str(f.get(k)) == v for k, v in want.items()):
        sys.exit(0)
sys.exit(1)" "$@" <<<"$out"; }
check "Smart Install on + KEV: exposed, critical" \
    "exp device=ce1-branch12 cve=CVE-2018-0171 state=exposed severity=critical"
check "Ivanti 22.4R2.1 exposed to CVE-2024-21887" \
    "exp device=ics1-atl cve=CVE-2024-21887 state=exposed"
check "PAN-OS without a config: unknown, says what is missing" \
    "exp device=vpn1-den cve=CVE-2024-3400 state=unknown"
check "IOS XE 17.9.4a not affected by CVE-2023-20198 (no finding)" \
    "! exp device=dist1-bos cve=CVE-2023-20198"
out=$("$BIN" scan --no-db -q --all --fail-on none --format jsonl "$EX" 2>&1)
check "--all reports not_affected" "exp device=dist1-bos cve=CVE-2023-20198 state=not_affected severity=info"

# Imported indicators reach the sweep of a later scan.
printf '10.250.1.20\n' >"$T/mine.txt"
"$BIN" intel import -q --db "$T/db" "$T/mine.txt" >/dev/null 2>&1
out=$("$BIN" scan --db "$T/db" -q --fail-on none --format jsonl "$EX/configs/pe2-iosxe.cfg" 2>&1)
check "imported indicator found by the scan" \
    "python3 -c 'import sys,json; assert any(json.loads(l).get(\"kind\")==\"ioc\" and \"10.250.1.20\" in json.loads(l).get(\"evidence\",\"\") for l in sys.stdin)' <<<\"\$out\""

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
