#!/usr/bin/env bash
# run_watch_scan.sh - live and archive hunting agree: the same syslog file
# streamed to `salthunt watch` over TCP raises exactly the alerts
# `salthunt scan` finds in the file (same built-in rules and indicators;
# compared by rule, device and evidence).
set -u
source "$(dirname "$0")/lib.sh"
FIX="$SH_SRC/examples/network/logs/network-2025-03-11.log"
[ -f "$FIX" ] || FIX="$(cd "$HERE/../.." && pwd)/examples/network/logs/network-2025-03-11.log"
# the fixture holds no packet-capture command: add two, plus a failed-login burst
cp "$FIX" "$T/day.log"
printf '%s\n' "Mar 11 23:50:00 10.250.10.11 31001: pe1-nyc: Mar 11 23:50:00.100 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: User:svc-bkp  logged command:monitor capture CAP1 interface Te0/0/0 both" \
  "Mar 11 23:51:00 10.250.10.11 31002: pe1-nyc: Mar 11 23:51:00.100 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: User:svc-bkp  logged command:monitor capture CAP1 start" >> "$T/day.log"
for i in 1 2 3; do
  echo "Mar 11 23:5$((i + 1)):0$i 10.250.10.12 7200$i: pe2-chi: Mar 11 23:5$((i + 1)):0$i.000 UTC: %SEC_LOGIN-4-LOGIN_FAILED: Login failed [user: admin] [Source: 198.51.100.23] [localport: 22] [Reason: Login Authentication Failed] at 23:5$((i + 1)):0$i UTC Tue Mar 11 2025"
done >> "$T/day.log"
touch -d '2025-03-12 00:00:00' "$T/day.log"

# findings of the scan that come from evidence lines (not config/coverage joins)
"$SH" scan --no-db -q -f jsonl "$T/day.log" > "$T/scan.jsonl"; rc=$?
check "scan of the fixture runs (exit 0 or 1)" test $rc -le 1
start_daemon || { bad "daemon starts"; finish; }
$SEND lines "$TCP" "$T/day.log"
stop_daemon
check "watch drained and stopped" test "$DRC" -eq 0

key() { # rule<TAB>device<TAB>evidence, one per finding with a line of evidence
  $PY -c '
import json, sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    if d.get("kind") in ("coverage", "hardening", "exposure") or not d.get("evidence"):
        continue
    print("%s\t%s\t%s" % (d["rule"], d.get("device") or "", d["evidence"].strip()))
' "$1" | sort
}
key "$T/scan.jsonl" > "$T/scan.keys"
key "$T/alerts.jsonl" > "$T/watch.keys"
n=$(wc -l < "$T/scan.keys")
check "scan finds the planted sequences ($n findings)" test "$n" -ge 3
if diff "$T/scan.keys" "$T/watch.keys" > "$T/diff.txt"; then
  ok "watch alerts equal scan findings ($n)"
else
  bad "watch alerts equal scan findings"; head -20 "$T/diff.txt"
fi
finish
