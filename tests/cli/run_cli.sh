#!/usr/bin/env bash
# CLI behaviour: --help on every command, exit codes, files written,
# error messages that name file and line.
set -uo pipefail
BIN=$(readlink -f "$1")
cd "$(dirname "$0")/../.."
pass=0; fail=0
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
ok()  { pass=$((pass+1)); }
bad() { echo "FAIL: $*"; fail=$((fail+1)); }
expect_rc() { # expect_rc WANT DESCRIPTION CMD...
  local want=$1 what=$2; shift 2
  "$@" >"$T/cli.out" 2>"$T/cli.err"; local rc=$?
  if [ "$rc" = "$want" ]; then ok; else bad "$what: exit $rc, expected $want"; sed 's/^/    /' "$T/cli.err" | head -5; fi
}
export XDG_STATE_HOME="$T/state" NO_COLOR=1

# Every command listed by `salthunt --help` answers --help with a usage line and exit 0.
expect_rc 0 "salthunt --help" "$BIN" --help
cmds=$("$BIN" --help | awk '/^commands:/{f=1; next} f && /^  [a-z]/{print $1}')
[ -n "$cmds" ] && ok || bad "no commands listed by --help"
for c in $cmds; do
  expect_rc 0 "$c --help" "$BIN" "$c" --help
  grep -q "usage: salthunt $c" "$T/cli.out" && ok || bad "$c --help prints no 'usage: salthunt $c'"
done
expect_rc 2 "unknown command" "$BIN" frobnicate
grep -q "unknown command" "$T/cli.err" && ok || bad "unknown command message"
expect_rc 2 "no arguments" "$BIN"
expect_rc 0 "version" "$BIN" version
grep -qE '^salthunt [0-9]+\.[0-9]+' "$T/cli.out" && ok || bad "version output"

# scan: usage errors are exit 2 with a one-line message.
expect_rc 2 "scan without paths" "$BIN" scan
expect_rc 2 "scan bad format" "$BIN" scan --no-db --format yaml examples/network/configs
expect_rc 2 "scan bad fail-on" "$BIN" scan --no-db --fail-on severe examples/network/configs
expect_rc 2 "scan missing policy" "$BIN" scan --no-db --policy "$T/nope.yml" examples/network/configs
grep -q "nope.yml" "$T/cli.err" && ok || bad "missing policy message names the file"
printf 'management_networks: [10.0.0.0/8]\nbogus_key: [1]\n' > "$T/bad.yml"
expect_rc 2 "scan policy with unknown key" "$BIN" scan --no-db --policy "$T/bad.yml" examples/network/configs
grep -q "bad.yml:2" "$T/cli.err" && ok || bad "policy error names file:line (got: $(cat "$T/cli.err"))"

# scan: exit 1 on findings at or above --fail-on, 0 below it or with 'none'.
expect_rc 1 "scan compromised device" "$BIN" scan --no-db --policy examples/network/policy.yml examples/network/configs/pe1-iosxe.cfg
expect_rc 0 "scan --fail-on none" "$BIN" scan --no-db --fail-on none --policy examples/network/policy.yml examples/network/configs/pe1-iosxe.cfg
expect_rc 0 "scan hardened device" "$BIN" scan --no-db --policy examples/network/policy.yml examples/network/configs/leaf1-eos.cfg

# scan -o writes the file; jsonl lines are JSON with the contract fields.
expect_rc 1 "scan -o jsonl" "$BIN" scan --no-db -f jsonl -o "$T/out.jsonl" --policy examples/network/policy.yml examples/network/configs
[ -s "$T/out.jsonl" ] && ok || bad "-o wrote nothing"
python3 - "$T/out.jsonl" <<'PY' && ok || bad "jsonl contract fields"
import json, sys
need = ["rule","title","kind","severity","attack","device","platform","path","line","end_line",
        "evidence","message","remediation","references","time","cve","state"]
n = 0
for line in open(sys.argv[1]):
    o = json.loads(line); n += 1
    missing = [k for k in need if k not in o]
    assert not missing, missing
    assert o["severity"] in ("info","low","medium","high","critical")
    assert o["kind"] in ("ttp","ioc","exposure","hardening","drift","rarity","coverage")
    assert o["kind"] != "hardening" or o["severity"] in ("info","low","medium")
assert n > 10, n
PY

# the default store: a second scan of the same tree reports nothing new.
expect_rc 1 "scan with store" "$BIN" scan --policy examples/network/policy.yml examples/network/configs
[ -f "$T/state/salthunt/salthunt.db" ] && ok || bad "default database not created under XDG_STATE_HOME"
expect_rc 1 "second scan with store" "$BIN" scan -f jsonl --policy examples/network/policy.yml examples/network/configs
grep -q '"status": *"new"' "$T/cli.out" && bad "second scan marks findings new" || ok
grep -q '"status": *"seen"' "$T/cli.out" && ok || bad "second scan has no 'seen' findings"

# rules: config and Sigma rules side by side.
expect_rc 0 "rules lint built-in packs" "$BIN" rules lint rules/builtin rules/logs
expect_rc 0 "rules lint SigmaHQ network rules" "$BIN" rules lint "${SH_CORPUS:-../shared/corpus}/sigma/rules"
printf 'title: x\nlogsource: {product: cisco}\ndetection: {sel: {a: 1}, condition: nope}\n' > "$T/bad-sigma.yml"
expect_rc 2 "rules lint broken Sigma rule" "$BIN" rules lint "$T/bad-sigma.yml"
grep -q "bad-sigma.yml:3:" "$T/cli.err" && ok || bad "Sigma lint error names file:line"
expect_rc 0 "rules list" "$BIN" rules list
grep -q "^L-01 .*sigma:detection" "$T/cli.out" && ok || bad "rules list shows the log pack"
grep -q "^C-01.priv15-user " "$T/cli.out" && ok || bad "rules list shows the config pack"
expect_rc 0 "rules test with the log pack samples" "$BIN" rules test --sigma-tests rules/logs/tests
expect_rc 1 "scan with SigmaHQ rules dropped in" "$BIN" scan --no-db --no-builtin --rules "${SH_CORPUS:-../shared/corpus}/sigma/rules/network/cisco" -f jsonl examples/network/logs
grep -q '"rule":"6d844f0f-1c18-41af-8f19-33e7654edfc3"' "$T/cli.out" && ok || bad "SigmaHQ clear-logs rule fires on the example log"

# The compiled-pattern cache: the first scan fills it, the second reads it
# and reports the same; a damaged entry is recompiled; "off" writes nothing.
export SALTHUNT_NOW=2025-09-01T00:00:00Z
C="$T/cache"
SALTHUNT_CACHE_DIR="$C" "$BIN" scan --no-db -q --fail-on none -f jsonl examples/network > "$T/c1.jsonl" 2>/dev/null
n=$(ls "$C"/hs/*.hsdb 2>/dev/null | wc -l)
[ "$n" -ge 2 ] && ok || bad "cache: expected compiled packs in $C/hs, found $n files"
before=$(ls -l --time-style=+%s.%N "$C"/hs/ | md5sum)
SALTHUNT_CACHE_DIR="$C" "$BIN" scan --no-db -q --fail-on none -f jsonl examples/network > "$T/c2.jsonl" 2>/dev/null
cmp -s "$T/c1.jsonl" "$T/c2.jsonl" && ok || bad "cache: second scan differs from the first"
[ "$(ls -l --time-style=+%s.%N "$C"/hs/ | md5sum)" = "$before" ] && ok || bad "cache: a warm run rewrote entries"
for f in "$C"/hs/*.hsdb; do printf 'garbage' | dd of="$f" bs=1 seek=200 conv=notrunc 2>/dev/null; done
SALTHUNT_CACHE_DIR="$C" "$BIN" scan --no-db -q --fail-on none -f jsonl examples/network > "$T/c3.jsonl" 2>/dev/null
cmp -s "$T/c1.jsonl" "$T/c3.jsonl" && ok || bad "cache: damaged entries changed the result"
SALTHUNT_CACHE_DIR=off HOME="$T/home" XDG_CACHE_HOME= "$BIN" scan --no-db -q --fail-on none -f jsonl examples/network > "$T/c4.jsonl" 2>/dev/null
cmp -s "$T/c1.jsonl" "$T/c4.jsonl" && ok || bad "cache: scan without a cache differs"
[ ! -e "$T/home/.cache" ] && ok || bad "cache: SALTHUNT_CACHE_DIR=off still wrote $T/home/.cache"
unset SALTHUNT_NOW

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
