#!/usr/bin/env bash
# run_builtin.sh - `salthunt rules` end to end: the built-in pack's samples,
# the example rules, lint diagnostics, list output and pattern export.
# Usage: run_builtin.sh path/to/salthunt   (env SH_SRC: source root)
set -u
BIN=${1:?usage: run_builtin.sh SALTHUNT}
SRC=${SH_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
EX="$SRC/tests/rules/examples"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# 1. Every built-in rule's samples pass.
out=$("$BIN" rules test 2>&1); rc=$?
last=$(printf '%s\n' "$out" | tail -n 1)
if [ $rc -eq 0 ] && [[ "$last" =~ ^[0-9]+\ passed,\ 0\ failed$ ]]; then ok; else bad "built-in pack: rc=$rc: $out"; fi

# 2. The example rules' samples pass; one sample per example at least.
n_ex=$(ls "$EX"/*.yml | wc -l)
out=$("$BIN" rules test --no-builtin --rules "$EX" 2>&1); rc=$?
last=$(printf '%s\n' "$out" | tail -n 1)
npass=${last%% passed*}
if [ $rc -eq 0 ] && [[ "$last" =~ ^[0-9]+\ passed,\ 0\ failed$ ]] && [ "$npass" -ge $((2 * n_ex)) ]; then ok
else bad "examples: rc=$rc: $out"; fi

# 3. A rule whose match sample cannot match fails, naming file and sample.
sed 's/username evil privilege 15/username evil privilege 1/' "$EX/ex01-priv15-user.yml" > "$TMP/broken.yml"
out=$("$BIN" rules test --no-builtin --rules "$TMP/broken.yml" 2>&1); rc=$?
if [ $rc -eq 1 ] && printf '%s\n' "$out" | grep -q "FAIL EX-01.priv15-user ($TMP/broken.yml:1) match sample 0" \
   && printf '%s\n' "$out" | tail -n 1 | grep -Eq '^[0-9]+ passed, 1 failed$'; then ok
else bad "broken sample not reported: rc=$rc: $out"; fi

# 4. A nomatch sample that matches fails too.
cat > "$TMP/loud.yml" <<'YML'
id: T-99.loud
title: Matches everything
kind: ttp
severity: low
match: '^hostname'
message: 'm'
samples:
  match:
    - config: "hostname a\n"
  nomatch:
    - config: "hostname b\n"
YML
out=$("$BIN" rules test --no-builtin --rules "$TMP/loud.yml" 2>&1); rc=$?
if [ $rc -eq 1 ] && printf '%s\n' "$out" | grep -q "nomatch sample 1"; then ok; else bad "loud nomatch: rc=$rc: $out"; fi

# 5. lint prints file:line:col: message for each problem and exits 2.
cat > "$TMP/lint.yml" <<'YML'
id: T-98.lint
title: Bad
kind: ttp
severity: extreme
match: '^username (?<user>\S+'
message: 'user {user}'
samples:
  match:
    - config: "x\n"
YML
out=$("$BIN" rules lint "$TMP/lint.yml" 2>&1); rc=$?
if [ $rc -eq 2 ] && printf '%s\n' "$out" | grep -q "^$TMP/lint.yml:4:11: 'severity' must be one of" \
   && printf '%s\n' "$out" | grep -q "^$TMP/lint.yml:5:8: 'match': bad regex" \
   && printf '%s\n' "$out" | grep -q "^$TMP/lint.yml:8:3: 'samples' needs at least one"; then ok
else bad "lint output: rc=$rc: $out"; fi

# 6. lint accepts the examples.
out=$("$BIN" rules lint "$EX" 2>&1); rc=$?
if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q "^$n_ex rules ok$"; then ok; else bad "lint examples: rc=$rc: $out"; fi

# 7. list: one line per rule, text and jsonl.
out=$("$BIN" rules list --no-builtin --rules "$EX" 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq "$n_ex" ] \
   && printf '%s\n' "$out" | grep -Eq '^EX-02.vty-ssh-only +hardening +medium +ios,iosxe +VTY lines'; then ok
else bad "list text: rc=$rc: $out"; fi
out=$("$BIN" rules list --no-builtin --rules "$EX" --format jsonl 2>&1); rc=$?
if [ $rc -eq 0 ] && printf '%s\n' "$out" | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
need = {"id", "kind", "severity", "platforms", "title"}
sys.exit(0 if rows and all(need <= set(r) for r in rows) and rows[0]["id"] == "EX-01.priv15-user" else 1)'; then ok
else bad "list jsonl: rc=$rc: $out"; fi

# 8. export-patterns gives patterns ripgrep accepts and that find the lines.
"$BIN" rules export-patterns --no-builtin --rules "$EX" > "$TMP/pat.txt" 2>"$TMP/pat.err"; rc=$?
printf 'hostname r1\nusername evil privilege 15 secret 0 x\nline vty 0 4\n' > "$TMP/r1.cfg"
if [ $rc -eq 0 ] && [ -s "$TMP/pat.txt" ] && command -v rg >/dev/null; then
    hits=$(rg -c -f "$TMP/pat.txt" "$TMP/r1.cfg"); rrc=$?
    if [ $rrc -eq 0 ] && [ "$hits" -eq 2 ]; then ok; else bad "rg -f exported patterns: rc=$rrc hits=$hits"; fi
elif [ $rc -eq 0 ] && [ -s "$TMP/pat.txt" ]; then ok
else bad "export-patterns: rc=$rc"; fi

# 9. --help for every subcommand; unknown subcommand is a usage error.
for sub in list test lint export-patterns; do
    if "$BIN" rules $sub --help | grep -q "usage: salthunt rules"; then ok; else bad "rules $sub --help"; fi
done
"$BIN" rules frobnicate >/dev/null 2>&1; rc=$?
if [ $rc -eq 2 ]; then ok; else bad "unknown subcommand rc=$rc"; fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
