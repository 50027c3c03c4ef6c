#!/usr/bin/env bash
# run_watch_ops.sh - operations of salthunt watch as a separate process:
# TLS with client certificates (openssl s_client, test CA made here),
# reload under load with a broken then a good ruleset, SIGTERM under load
# with every acknowledged TCP message accounted for, and the raw archive.
set -u
source "$(dirname "$0")/lib.sh"
write_rules

# ---- TLS (RFC 5425) with mutual authentication
P="$T/pki"; mkdir -p "$P"
(
  cd "$P" || exit 1
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj '/CN=test relay CA'
  openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj '/CN=127.0.0.1'
  printf 'subjectAltName=IP:127.0.0.1\n' > srv.ext
  openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out srv.crt -days 2 -extfile srv.ext
  openssl req -newkey rsa:2048 -nodes -keyout cli.key -out cli.csr -subj '/CN=relay1'
  openssl x509 -req -in cli.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out cli.crt -days 2
  openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue.key -out rogue.crt -days 2 -subj '/CN=rogue'
) >/dev/null 2>&1
start_daemon --rules "$T/rules" --listen tls://127.0.0.1:0 --tls-cert "$P/srv.crt" \
  --tls-key "$P/srv.key" --tls-ca "$P/ca.crt" || { bad "tls daemon starts"; finish; }
ok "tls daemon starts"
tls_send() { # cert key text
  { printf '%s\n' "$3"; sleep 0.5; } | timeout 5 openssl s_client -quiet -connect "127.0.0.1:$TLS" \
    -CAfile "$P/ca.crt" -cert "$1" -key "$2" >/dev/null 2>&1
}
tls_send "$P/cli.crt" "$P/cli.key" "$CAPLINE tls"
check "tls with a client certificate from the CA: alert written" wait_alerts "$R_CAP" 1
check "tls message counted as tls" test "$(metric 'salthunt_watch_received_total{transport="tls"}')" = 1
tls_send "$P/rogue.crt" "$P/rogue.key" "$CAPLINE rogue"
{ printf '%s\n' "$CAPLINE nocert"; sleep 0.5; } | timeout 5 openssl s_client -quiet \
  -connect "127.0.0.1:$TLS" -CAfile "$P/ca.crt" >/dev/null 2>&1
check "tls without a trusted client certificate: rejected and counted" \
  wait_metric 'salthunt_watch_drops_total{reason="tls_error"}' 2
sleep 0.3
check "tls: rejected clients raised no alert" test "$(alerts "$R_CAP")" -eq 1
stop_daemon

# ---- reload under load: broken ruleset rejected, good one accepted, nothing lost
start_daemon --rules "$T/rules" || { bad "daemon starts"; finish; }
N=3000
$SEND paced "$TCP" $N "$CAPLINE load" 3 & LOAD=$!; BG+=($LOAD)
sleep 0.3
cp "$T/rules/capture.yml" "$T/capture.good"
printf 'title: broken\nid: %s\nlogsource: {product: cisco}\ndetection:\n  sel: {mnemonic: X}\n  condition: sel and missing\n' "$R_NEW" > "$T/rules/new.yml"
kill -HUP "$DPID"
check "broken ruleset: reload rejected" wait_metric salthunt_watch_reload_failures_total 1
grep -q 'reload rejected.*new.yml' "$T/d.log"; check "broken ruleset: error names the file" test $? -eq 0
printf 'title: New rule after reload\nid: %s\nlevel: medium\nlogsource: {product: cisco, service: syslog}\ndetection:\n  keywords: [salthunt-reload-marker]\n  condition: keywords\n' "$R_NEW" > "$T/rules/new.yml"
kill -HUP "$DPID"
check "good ruleset: reload accepted" wait_metric salthunt_watch_reloads_total 1
wait $LOAD
check "no message lost across two reloads under load ($N alerts)" wait_alerts "$R_CAP" $N 10
check "old rules kept running after the rejected reload" test "$(alerts "$R_CAP")" -eq $N
printf '<13>Nov 22 05:00:00 pe3 x: salthunt-reload-marker\n' > "$T/m.log"
$SEND lines "$TCP" "$T/m.log"
check "new rule active after the good reload" wait_alerts "$R_NEW" 1
stop_daemon

# ---- SIGTERM under load: every acknowledged TCP message is processed
rm -f "$T/rules/new.yml"
start_daemon --rules "$T/rules" --archive "$T/arc" || { bad "daemon starts"; finish; }
M=20000
$SEND flood "$TCP" $M "$CAPLINE term" 4 3 > "$T/flood.out" & FL=$!; BG+=($FL)
for i in $(seq 200); do grep -q acked "$T/flood.out" && break; sleep 0.05; done
check "sender: every byte acknowledged by the daemon's kernel" grep -qx acked "$T/flood.out"
stop_daemon
check "SIGTERM under load: exit status 0" test "$DRC" -eq 0
check "SIGTERM under load: all $M acknowledged messages alerted" test "$(alerts "$R_CAP")" -eq $M
seqs=$(grep -o 'term seq=[0-9]*' "$T/alerts.jsonl" | sort -u | wc -l)
check "SIGTERM under load: each message exactly once" test "$seqs" -eq $M
arch=$(cat "$T"/arc/*.zst 2>/dev/null | zstd -dc 2>/dev/null | grep -c 'term seq=')
check "archive: complete zstd files holding every message" test "$arch" -eq $M

# ---- systemd notify, forwarding to a SIEM, privilege drop, connection limit
$SEND listen-unix "$T/notify.sock" "$T/notify.txt" 90 & BG+=($!)
$SEND listen-udp "$T/siem.port" "$T/siem.txt" 90 & BG+=($!)
for i in $(seq 100); do [ -S "$T/notify.sock" ] && [ -f "$T/siem.port" ] && break; sleep 0.05; done
extra=()
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
  extra=(--user nobody)
  # what the unprivileged daemon still needs: rules for reloads, the notify socket
  chmod 755 "$T" "$T/rules"; chmod 666 "$T/notify.sock"
fi
NOTIFY_SOCKET="$T/notify.sock" start_daemon --rules "$T/rules" --forward "udp://127.0.0.1:$(cat "$T/siem.port")" \
  --max-connections 2 "${extra[@]}" || { bad "daemon starts"; finish; }
check "sd_notify: READY=1 after start-up" wait_for_file_line "$T/notify.txt" 'READY=1'
if [ ${#extra[@]} -gt 0 ]; then
  check "privileges dropped to the configured user" test "$(awk '/^Uid:/{print $2}' /proc/$DPID/status)" = "$(id -u nobody)"
fi
printf '%s siem\n' "$CAPLINE" > "$T/s.log"
$SEND lines "$TCP" "$T/s.log"
check "forward: alert sent as RFC 5424 syslog with the finding as JSON" \
  wait_for_file_line "$T/siem.txt" "^<[0-9]*>1 .* salthunt [0-9]* ALERT - {\"rule\":\"$R_CAP\""
$SEND hold "$TCP" '' 3 & BG+=($!)
$SEND hold "$TCP" '' 3 & BG+=($!)
sleep 0.5
$SEND hold "$TCP" '' 0.2
check "connection limit: extra connection refused and counted" \
  wait_metric 'salthunt_watch_drops_total{reason="connection_limit"}' 1
kill -HUP "$DPID"
check "sd_notify: RELOADING=1 then READY=1 on SIGHUP" wait_for_file_line "$T/notify.txt" 'STATUS=rules reloaded' 20
grep -q 'RELOADING=1' "$T/notify.txt"; check "sd_notify: RELOADING=1 sent" test $? -eq 0
stop_daemon
check "sd_notify: STOPPING=1 on SIGTERM" wait_for_file_line "$T/notify.txt" 'STOPPING=1' 20
finish
