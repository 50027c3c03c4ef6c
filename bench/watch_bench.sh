#!/usr/bin/env bash
# watch_bench.sh - receive throughput of `salthunt watch` against rsyslog.
#
# Usage: bench/watch_bench.sh [path/to/salthunt] [messages]
# Builds bench/loadgen.c, starts salthunt watch and rsyslogd (unprivileged,
# foreground, own config, high ports, writing to a file) on loopback, sends
# the same realistic device syslog to both over TCP and over UDP, and prints
# messages/s for each, the ratio, loss, and salthunt's alert latency
# percentiles (send -> alert line in the JSON Lines file). Default sizes
# finish in well under two minutes.
set -u
SH=${1:-build/release/salthunt}
N=${2:-400000}
# a login from one of the advisory's addresses: an alert whatever rule packs are built in
ALERT='<189>77: pe1-rtr: 77: *Nov 22 05:00:00.000 UTC: %SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: tac] [Source: 45.61.165.157] [localport: 22] at 05:00:00 UTC Sun Nov 22 2026'
RSYSLOGD=$(command -v rsyslogd || echo /usr/sbin/rsyslogd)
[ -x "$SH" ] || { echo "salthunt binary not found: $SH" >&2; exit 2; }
[ -x "$RSYSLOGD" ] || { echo "rsyslogd not found (apt-get install rsyslog)" >&2; exit 2; }
T=$(mktemp -d /tmp/watch_bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
cc -O2 -o "$T/loadgen" "$(dirname "$0")/loadgen.c" || exit 2

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
P_SH_TCP=$(free_port); P_SH_UDP=$(free_port); P_SH_M=$(free_port)
P_RS_TCP=$(free_port); P_RS_UDP=$(free_port)

metric() { curl -s "http://127.0.0.1:$P_SH_M/metrics" 2>/dev/null | awk -v k="$1" '$1==k{print $2}'; }
# one scrape per poll: the poll itself must not steal much CPU from a 2-core box
processed() { curl -s "http://127.0.0.1:$P_SH_M/metrics" 2>/dev/null | awk '$1=="salthunt_watch_parsed_total"||$1=="salthunt_watch_unparsed_total"{n+=$2} END{print n+0}'; }
lines() { [ -f "$1" ] && wc -l < "$1" || echo 0; }
now() { date +%s.%N; }
# wait until counter function $1 reaches $2 or stalls for 3 s; print the count and the
# seconds from $3 to its last increase
wait_for() {
  local fn=$1 want=$2 start=$3 last=-1 t_last v
  t_last=$(now)
  while :; do
    v=$($fn)
    if [ "$v" != "$last" ]; then last=$v; t_last=$(now); fi
    [ "$v" -ge "$want" ] && break
    [ "$(echo "$(now) - $t_last > 3" | bc)" = 1 ] && break   # stalled: the rest was lost
    sleep 0.05
  done
  echo "$v $(echo "$t_last - $start" | bc)"
}

# --- salthunt
"$SH" watch --listen "tcp://127.0.0.1:$P_SH_TCP" --listen "udp://127.0.0.1:$P_SH_UDP" \
  --metrics "127.0.0.1:$P_SH_M" --jsonl "$T/alerts.jsonl" -q 2>"$T/sh.log" &
PIDS+=($!)
# --- rsyslog: unprivileged, foreground, high ports, plain file output
mkdir -p "$T/rs"
cat > "$T/rsyslog.conf" <<CONF
global(workDirectory="$T/rs")
module(load="imtcp")
module(load="imudp")
input(type="imtcp" port="$P_RS_TCP" address="127.0.0.1")
input(type="imudp" port="$P_RS_UDP" address="127.0.0.1")
template(name="raw" type="string" string="%rawmsg%\n")
action(type="omfile" file="$T/rs/all.log" template="raw")
CONF
"$RSYSLOGD" -n -f "$T/rsyslog.conf" -i "$T/rs/pid" 2>"$T/rs.err" &
PIDS+=($!)
sleep 1
for i in $(seq 50); do [ -n "$(metric salthunt_watch_alerts_total)" ] && break; sleep 0.1; done

rs_lines() { lines "$T/rs/all.log"; }
sh_delta() { echo $(( $(processed) - BASE_SH )); }
rs_delta() { echo $(( $(rs_lines) - BASE_RS )); }
run_case() { # label proto port-salthunt port-rsyslog count loadgen-args
  local label=$1 proto=$2 psh=$3 prs=$4 n=$5; shift 5
  local base_sh base_rs s r1 r2
  BASE_SH=$(processed); BASE_RS=$(rs_lines)
  s=$(now); "$T/loadgen" --$proto "127.0.0.1:$psh" --count "$n" "$@" >/dev/null
  read -r got_sh t_sh < <(wait_for sh_delta "$n" "$s")
  s=$(now); "$T/loadgen" --$proto "127.0.0.1:$prs" --count "$n" "$@" >/dev/null
  read -r got_rs t_rs < <(wait_for rs_delta "$n" "$s")
  r1=$(echo "$got_sh / $t_sh" | bc); r2=$(echo "$got_rs / $t_rs" | bc)
  printf '%-22s salthunt %7s msg/s (%s/%s, loss %s)   rsyslog %7s msg/s (%s/%s, loss %s)   ratio %s\n' \
    "$label" "$r1" "$got_sh" "$n" $((n - got_sh)) "$r2" "$got_rs" "$n" $((n - got_rs)) \
    "$(echo "scale=2; $r1 / $r2" | bc)"
}

echo "messages per case: $N (loopback, one sender; $(nproc) CPUs shared by sender, receiver and anything else running)"
run_case "tcp newline" tcp "$P_SH_TCP" "$P_RS_TCP" "$N" --alert-line "$ALERT" --alert-every 1000
run_case "tcp octet-counted" tcp "$P_SH_TCP" "$P_RS_TCP" "$N" --octet --alert-line "$ALERT" --alert-every 1000
# UDP is paced (no flow control): the issue's target rate, 100k msg/s; loss is
# what never reached the receiver (kernel buffer overflow or receiver queue)
run_case "udp at 100k msg/s" udp "$P_SH_UDP" "$P_RS_UDP" $((N / 2)) --rate 100000 --alert-line "$ALERT" --alert-every 1000
echo "salthunt drops by reason: $(curl -s "http://127.0.0.1:$P_SH_M/metrics" | grep '^salthunt_watch_drops_total' | awk '$2>0' | tr '\n' ' ')"
echo "salthunt udp socket drops (/proc/net/udp): $(awk -v p="$(printf '%04X' "$P_SH_UDP")" 'NR>1 && $2 ~ ":"p"$" {print $NF}' /proc/net/udp)   rsyslog: $(awk -v p="$(printf '%04X' "$P_RS_UDP")" 'NR>1 && $2 ~ ":"p"$" {print $NF}' /proc/net/udp)"
echo "salthunt alerts written: $(metric salthunt_watch_alerts_total) (one per 1000 messages sent)"
# alert latency end to end, with background TCP load running
"$T/loadgen" --tcp "127.0.0.1:$P_SH_TCP" --count $((N / 2)) --rate 20000 >/dev/null &
LG=$!
printf 'alert latency, send to alert line in the file, under 20k msg/s of background load: '
"$T/loadgen" --tcp "127.0.0.1:$P_SH_TCP" --latency "$T/alerts.jsonl" --samples 200 --alert-line "$ALERT"
wait $LG
