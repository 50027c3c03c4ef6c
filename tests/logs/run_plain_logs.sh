#!/usr/bin/env bash
# Plain log files are read by the log analyzer's own reader in ranges;
# gzip and zstd files by the streaming reader, in one piece. Either way the
# indicator sweep is fed the same lines (no second pass over the file). All
# must give the same findings for the same lines, including the awkward ones: CRLF, blank
# lines, lines longer than the reader's and the sweep's limits, indented
# and comment lines around indicators, no final newline; and a file large
# enough to be read in ranges on several threads.
set -uo pipefail
BIN=$(readlink -f "$1")
cd "$(dirname "$0")/../.."
pass=0; fail=0
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
ok()  { pass=$((pass+1)); }
bad() { echo "FAIL: $*"; fail=$((fail+1)); }
export XDG_STATE_HOME="$T/state" NO_COLOR=1

python3 - "$T/day.log" <<'PY'
import random, sys
rnd = random.Random(4)
msgs = [
    "%PARSER-5-CFGLOG_LOGGEDCMD: User:admin  logged command:username backup privilege 15 secret 0 x",
    "%SYS-5-CONFIG_I: Configured from console by admin on vty0 (10.0.0.9)",
    "%SEC_LOGIN-4-LOGIN_FAILED: Login failed [user: admin] [Source: 203.0.113.9] [localport: 22]",
    "%SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: admin] [Source: 1.222.84.29] [localport: 22]",
    "%PARSER-5-CFGLOG_LOGGEDCMD: User:admin  logged command:ip access-list standard 20",
    "%LINK-3-UPDOWN: Interface GigabitEthernet1/0/1, changed state to up",
]
out, t = [], 12 * 86400
for i in range(6000):
    t += rnd.choice([0, 1, 7, 60, 600]) if rnd.random() > 0.003 else 5 * 3600
    h = rnd.randrange(4)
    d, s = divmod(t, 86400)
    # host spellings that differ in case only, and names too long to be
    # kept inline by the range reader's host table
    host = rnd.choice(["r%d" % h] * 8 + ["R%d" % h, "core-%s-%d" % ("x" * 50, h)])
    line = "Mar %2d %02d:%02d:%02d 10.0.%d.1 %d: %s: %s" % (
        d, s // 3600, s // 60 % 60, s % 60, h, i, host, rnd.choice(msgs))
    r = rnd.random()
    if r < 0.01: line = "  tacacs-server host 5.181.132.95 " + line
    elif r < 0.02: line = "! 14.143.247.202 " + line
    elif r < 0.03: line += "\r"
    elif r < 0.04: line = ""
    elif r < 0.045: line += " 1.222.84.29 " + "x" * rnd.choice([66000, 140000, 200000, 1300000]) + " 5.181.132.95\r"
    out.append(line)
open(sys.argv[1], "w").write("\n".join(out))
PY
# three copies (clocks that step back) make a file read in several ranges
for k in 1 2 3; do cat "$T/day.log"; echo; done > "$T/big.log"
mv "$T/big.log" "$T/day.log"
gzip -c "$T/day.log" > "$T/day.log.gz"
touch -r "$T/day.log" "$T/day.log.gz"
"$BIN" scan --no-db -q --fail-on none -f jsonl "$T/day.log.gz" > "$T/gz.jsonl" 2>"$T/gz.err" \
  && ok || bad "scan of the gzip log failed: $(head -3 "$T/gz.err")"
# the fingerprint covers the path, which differs
sed 's/day\.log\.gz/day.log/g; s/,"fingerprint":"[0-9a-f]*"//' "$T/gz.jsonl" > "$T/gz-renamed.jsonl"
zstd -q -c "$T/day.log" > "$T/day.log.zst"
touch -r "$T/day.log" "$T/day.log.zst"
"$BIN" scan --no-db -q --fail-on none -f jsonl "$T/day.log.zst" 2>"$T/zst.err" \
  | sed 's/day\.log\.zst/day.log/g; s/,"fingerprint":"[0-9a-f]*"//' > "$T/zst-renamed.jsonl"
cmp -s "$T/gz-renamed.jsonl" "$T/zst-renamed.jsonl" && ok \
  || bad "gzip and zstd logs give different findings: $(head -3 "$T/zst.err")"
for j in 1 2; do
  "$BIN" scan --no-db -q --fail-on none -f jsonl -j $j "$T/day.log" > "$T/plain.jsonl" 2>"$T/plain.err" \
    && ok || bad "scan of the plain log failed: $(head -3 "$T/plain.err")"
  sed -i 's/,"fingerprint":"[0-9a-f]*"//' "$T/plain.jsonl"
  n=$(wc -l < "$T/plain.jsonl")
  [ "$n" -gt 100 ] && ok || bad "too few findings from the plain log ($n)"
  grep -q '"rule":"IOC.advisory-indicator"' "$T/plain.jsonl" && ok || bad "no indicator findings in the plain log"
  grep -q '"rule":"X-06"' "$T/plain.jsonl" && ok || bad "no X-06 correlation in the plain log"
  grep -q '"rule":"L-30"' "$T/plain.jsonl" && ok || bad "no L-30 silence in the plain log"
  if cmp -s "$T/plain.jsonl" "$T/gz-renamed.jsonl"; then ok; else
    bad "-j $j: plain and gzip logs give different findings"; diff "$T/plain.jsonl" "$T/gz-renamed.jsonl" | head -4 | cut -c1-300
  fi
done

# The sweeper the log analyzer feeds against the sweep's own pass over the
# file (which runs when no log rules are loaded): the same indicator
# findings, plain and compressed, with lines longer than the read buffer
# moving it between lines and their indented neighbours.
for f in day.log day.log.gz; do
  "$BIN" scan --no-db -q --fail-on none -f jsonl "$T/$f" | grep '"rule":"IOC\.' \
    | sed 's/,"fingerprint":"[0-9a-f]*"//' > "$T/fed.jsonl"
  "$BIN" scan --no-db -q --no-builtin --fail-on none -f jsonl "$T/$f" | grep '"rule":"IOC\.' \
    | sed 's/,"fingerprint":"[0-9a-f]*"//' > "$T/own.jsonl"
  [ -s "$T/own.jsonl" ] && cmp -s "$T/fed.jsonl" "$T/own.jsonl" && ok \
    || bad "$f: the fed sweep and the sweep's own pass give different indicator findings"
done

# A NUL byte in the head makes the sweep skip a file as binary; the log
# analyzer must not sweep it either.
{ head -3 "$T/day.log"; printf 'Mar 12 10:00:00 10.0.1.1 5: r1: %%SYS-5-CONFIG_I: x\0y 1.222.84.29\n'
  sed -n 4,3000p "$T/day.log"; } > "$T/nul.log"
gzip -c "$T/nul.log" > "$T/nul.log.gz"; touch -r "$T/nul.log" "$T/nul.log.gz"
"$BIN" scan --no-db -q --fail-on none -f jsonl "$T/nul.log" | sed 's/,"fingerprint":"[0-9a-f]*"//' > "$T/nul-plain.jsonl"
"$BIN" scan --no-db -q --fail-on none -f jsonl "$T/nul.log.gz" \
  | sed 's/nul\.log\.gz/nul.log/g; s/,"fingerprint":"[0-9a-f]*"//' > "$T/nul-gz.jsonl"
[ -s "$T/nul-plain.jsonl" ] && cmp -s "$T/nul-plain.jsonl" "$T/nul-gz.jsonl" && ok \
  || bad "a log with a NUL in its head: plain and gzip give different findings"
grep -q '"rule":"IOC\.' "$T/nul-plain.jsonl" && bad "a file the sweep calls binary was swept" || ok

# A range with over 10,000 candidate silences cannot be joined exactly: the
# file is read again in one piece, and finds what one pass finds. The
# silences come first (101 devices, 5 hours apart), then enough steady
# lines to make the file large enough for ranges on two threads.
python3 - "$T/quiet.log" <<'PY'
import sys
f = open(sys.argv[1], "w")
n = 0
def put(t, h):
    global n
    n += 1
    d, s = divmod(t, 86400)
    f.write("Mar %2d %02d:%02d:%02d 10.0.0.1 %d: q%d: %%LINK-3-UPDOWN: Interface Gi1/0/1, changed state to up\n"
            % (1 + d, s // 3600, s // 60 % 60, s % 60, n, h))
for step in range(102):
    for h in range(101):
        put(step * 5 * 3600 + h, h)
t = 102 * 5 * 3600
while f.tell() < 34 << 20:
    for h in range(101):
        put(t, h)
    t += 1
PY
for j in 1 2; do
  "$BIN" scan --no-db -q --fail-on none -f jsonl -j $j "$T/quiet.log" > "$T/quiet$j.jsonl" 2>"$T/quiet$j.err" \
    && ok || bad "-j $j: scan of the log with many silences failed: $(head -3 "$T/quiet$j.err")"
done
n=$(grep -c '"rule":"L-30"' "$T/quiet1.jsonl")
[ "$n" -ge 100 ] && ok || bad "too few silences found in one pass ($n)"
cmp -s "$T/quiet1.jsonl" "$T/quiet2.jsonl" && ok \
  || bad "a log whose ranges cannot be joined: -j 2 differs from one pass"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
