#!/usr/bin/env bash
# run_watch.sh - salthunt watch as a separate process on loopback: TCP with
# both framings, UDP from logger, correlations, metrics, and senders that
# misbehave (malformed frames, oversized messages, slow, half-open and idle
# connections) without stopping the others.
set -u
source "$(dirname "$0")/lib.sh"
write_rules

start_daemon --rules "$T/rules" --max-message 1024 --idle-timeout 2 || { bad "daemon starts"; finish; }
ok "daemon starts and reports its ports"

# TCP, newline framing: one alert line and one benign line
printf '%s\n%s\n' "$CAPLINE" '<189>78: pe1-rtr: 78: *Nov 22 05:00:01.000 UTC: %LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet0/1, changed state to up' > "$T/nl.log"
$SEND lines "$TCP" "$T/nl.log"
check "tcp newline framing: alert written" wait_alerts "$R_CAP" 1
sleep 0.2
check "tcp newline framing: benign line raises nothing" test "$(grep -c 'LINEPROTO' "$T/alerts.jsonl")" -eq 0

# TCP, octet counting: the message carries a newline inside the frame
printf '%s\n' "$CAPLINE extra" > "$T/oc.log"
$SEND octet "$TCP" "$T/oc.log"
check "tcp octet-counted framing: alert written" wait_alerts "$R_CAP" 2
grep -q '"evidence":"<189>77: pe1-rtr.*extra"' "$T/alerts.jsonl"; check "alert evidence is the raw message" test $? -eq 0

# UDP from logger
logger --server 127.0.0.1 --port "$UDP" --udp --rfc3164 -t dev "%PARSER-5-CFGLOG_LOGGEDCMD: User:ops logged command:monitor capture X start"
check "udp (logger): alert written" wait_alerts "$R_CAP" 3
check "received counters by transport" test "$(metric 'salthunt_watch_received_total{transport="udp"}')" = 1

# correlation: three failed logins on one device within 5 minutes
for i in 1 2 3; do FAILLINE $i; done > "$T/fail.log"
$SEND lines "$TCP" "$T/fail.log"
check "correlation (event_count >= 3 by host) fires once" wait_alerts "$R_BURST" 1
check "correlation input rule alone raises nothing (generate: false)" test "$(alerts "$R_FAIL")" -eq 0
grep "\"rule\":\"$R_BURST\"" "$T/alerts.jsonl" | grep -q '"device":"pe2-rtr"'; check "correlation alert names the device" test $? -eq 0

# misbehaving senders, all at once, while a good sender keeps working
$SEND hold "$TCP" '<13>half a message without end' 4 & BG+=($!)
$SEND hold "$TCP" '' 4 & BG+=($!)
$SEND slow "$TCP" "$CAPLINE slow" 1.5 & BG+=($!)
$SEND raw "$TCP" "$($PY -c "print(b'99999999999999 garbage\\n'.hex())")"
$PY -c "import sys; sys.stdout.write('<13>' + 'A' * 20000 + ' monitor capture tail\n')" > "$T/big.log"
$SEND lines "$TCP" "$T/big.log"
printf '%s good\n' "$CAPLINE" > "$T/good.log"
$SEND lines "$TCP" "$T/good.log"
check "good sender served while others misbehave" wait_alerts "$R_CAP" 4 3
check "malformed octet count counted" wait_metric 'salthunt_watch_drops_total{reason="malformed_frame"}' 1
check "oversized message cut and counted" wait_metric 'salthunt_watch_drops_total{reason="truncated"}' 1
check "text past max-message is not evaluated" test "$(grep -c 'monitor capture tail' "$T/alerts.jsonl")" -eq 0
check "slow sender's message arrives whole" wait_alerts "$R_CAP" 5 4
check "idle connections closed by the timeout" wait_metric 'salthunt_watch_drops_total{reason="idle_timeout"}' 2 6
check "metrics endpoint answers 404 elsewhere" test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MET/nope")" = 404

stop_daemon
check "SIGTERM: exit status 0" test "$DRC" -eq 0
grep -q 'stopped: ' "$T/d.log"; check "SIGTERM: totals logged" test $? -eq 0

# configuration errors name the file and line
printf 'listen:\n  - udp://127.0.0.1:0\nlimits:\n  max_mesage: 10\n' > "$T/bad.yml"
"$SH" watch --config "$T/bad.yml" 2> "$T/err.txt"; rc=$?
check "bad config: exit 2" test $rc -eq 2
grep -q "bad.yml:4: unknown key 'max_mesage' in limits" "$T/err.txt"; check "bad config: file and line" test $? -eq 0
"$SH" watch --jsonl - 2> "$T/err.txt"; rc=$?
check "no listener: exit 2 with a hint" test $rc -eq 2 -a -s "$T/err.txt"
printf 'title: x\nid: broken\ndetection:\n  sel: {a: b}\n  condition: sel and nothing\nlogsource: {product: cisco}\n' > "$T/broken.yml"
"$SH" watch --listen udp://127.0.0.1:0 --rules "$T/broken.yml" 2> "$T/err.txt"; rc=$?
check "broken rule at start: exit 2 naming the rule file" grep -q 'broken.yml' "$T/err.txt"
finish
