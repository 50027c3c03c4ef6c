# lib.sh - helpers for the watch daemon suites (sourced by run_*.sh).
# Every daemon is started with ports chosen by the kernel (port 0) and read
# back from its log; every wait is bounded; the EXIT trap stops what the
# suite started.
SH=${1:?usage: run_*.sh path/to/salthunt}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# the system interpreter starts fastest (version-manager shims add seconds)
PY=$( [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || command -v python3 )
SEND="$PY $HERE/sender.py"
T=$(mktemp -d /tmp/sh_daemon.XXXXXX)
PASS=0
FAIL=0
DPID=
BG=()
cleanup() {
  for p in "${BG[@]}"; do kill "$p" 2>/dev/null; done
  [ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT

ok() { PASS=$((PASS + 1)); echo "ok   - $1"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL - $1"; [ -f "$T/d.log" ] && sed 's/^/     | /' "$T/d.log" | tail -15; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
finish() { echo "$PASS passed, $FAIL failed"; [ "$FAIL" -eq 0 ]; exit $?; }

# start_daemon ARGS...: salthunt watch with tcp+udp+metrics on loopback port 0
start_daemon() {
  : > "$T/alerts.jsonl"
  "$SH" watch --listen tcp://127.0.0.1:0 --listen udp://127.0.0.1:0 --metrics 127.0.0.1:0 \
    --jsonl "$T/alerts.jsonl" "$@" 2>"$T/d.log" &
  DPID=$!
  local i
  for i in $(seq 100); do
    grep -q ': ready' "$T/d.log" 2>/dev/null && break
    kill -0 "$DPID" 2>/dev/null || break
    sleep 0.05
  done
  TCP=$(grep -o 'listening on tcp://127.0.0.1:[0-9]*' "$T/d.log" | head -1 | sed 's/.*://')
  UDP=$(grep -o 'listening on udp://127.0.0.1:[0-9]*' "$T/d.log" | head -1 | sed 's/.*://')
  MET=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$T/d.log" | head -1 | sed 's/.*://')
  TLS=$(grep -o 'listening on tls://127.0.0.1:[0-9]*' "$T/d.log" | head -1 | sed 's/.*://')
  grep -q ': ready' "$T/d.log"
}

# stop_daemon: SIGTERM and wait (bounded); sets DRC to its exit status
stop_daemon() {
  local i
  kill -TERM "$DPID" 2>/dev/null
  # draining may take a while under sanitizers on a loaded machine
  for i in $(seq 1200); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.05; done
  if kill -0 "$DPID" 2>/dev/null; then kill -KILL "$DPID"; fi
  wait "$DPID"
  DRC=$?
  DPID=
}

metric() {
  curl -s --max-time 2 "http://127.0.0.1:$MET/metrics" | awk -v k="$1" '$1==k{print $2}'
}
# wait_metric NAME MIN [SECONDS]: until the metric is >= MIN
wait_metric() {
  local i v n=$(( ${3:-5} * 20 ))
  for i in $(seq $n); do
    v=$(metric "$1"); [ -n "$v" ] && [ "${v%.*}" -ge "$2" ] && return 0
    sleep 0.05
  done
  return 1
}
# wait_for_file_line FILE REGEX [SECONDS]
wait_for_file_line() {
  local i n=$(( ${3:-5} * 20 ))
  for i in $(seq $n); do grep -qE "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
  return 1
}
alerts() { grep -c "\"rule\":\"$1\"" "$T/alerts.jsonl"; }
# wait_alerts RULE N [SECONDS]: until at least N alerts of RULE are written
wait_alerts() {
  local i n=$(( ${3:-5} * 20 ))
  for i in $(seq $n); do [ "$(alerts "$1")" -ge "$2" ] && return 0; sleep 0.05; done
  return 1
}

# Sigma rules used by the suites (ids are stable; titles say what they do)
R_CAP=5a1f0000-0000-4000-8000-000000000001
R_FAIL=5a1f0000-0000-4000-8000-000000000002
R_BURST=5a1f0000-0000-4000-8000-000000000003
R_NEW=5a1f0000-0000-4000-8000-000000000004
write_rules() {
  mkdir -p "$T/rules"
  cat > "$T/rules/capture.yml" <<RULE
title: Packet capture command on a device
id: $R_CAP
status: test
level: high
tags: [attack.collection, attack.t1040]
logsource: {product: cisco, service: syslog}
detection:
  keywords: ['monitor capture']
  condition: keywords
RULE
  cat > "$T/rules/failed.yml" <<RULE
title: Login failed
id: $R_FAIL
status: test
level: low
logsource: {product: cisco, service: syslog}
detection:
  sel:
    mnemonic|endswith: LOGIN_FAILED
  condition: sel
RULE
  cat > "$T/rules/burst.yml" <<RULE
title: Burst of failed logins on one device
id: $R_BURST
status: test
level: high
correlation:
  type: event_count
  rules: [$R_FAIL]
  group-by: [host]
  timespan: 5m
  condition: {gte: 3}
RULE
}
CAPLINE='<189>77: pe1-rtr: 77: *Nov 22 05:00:00.000 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: User:admin  logged command:monitor capture TAC interface Gi0/0/1 both'
FAILLINE() { echo "<188>Nov 22 05:00:0$1 pe2-rtr %SEC_LOGIN-4-LOGIN_FAILED: Login failed [user: admin] [Source: 203.0.113.9] [localport: 22] [Reason: Login Authentication Failed] at 05:00:0$1 UTC Sun Nov 22 2026"; }
