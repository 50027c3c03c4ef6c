#!/usr/bin/env bash
# run_report_cli.sh - `salthunt report`: every format from a real store,
# history (new/gone), scan selection, exit codes and one-line errors.
# usage: run_report_cli.sh SALTHUNT   (env SH_BUILD, SH_SRC, SH_CORPUS)
set -u
bin=$1
build=${SH_BUILD:?}
src=${SH_SRC:?}
corpus=${SH_CORPUS:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { local what=$1; shift; if "$@"; then ok; else bad "$what"; fi; }

db=$tmp/state/salthunt.db

# Missing database: exit 2, one line naming the file, nothing created.
"$bin" report --db "$db" >"$tmp/out" 2>"$tmp/err"
check "missing db exits 2" test $? -eq 2
check "missing db: one line" test "$(wc -l <"$tmp/err")" -eq 1
check "missing db: names the file" grep -q "$db" "$tmp/err"
check "missing db: not created" test ! -e "$db"

"$bin" report --help >"$tmp/out" 2>&1
check "--help exits 0" test $? -eq 0
check "--help lists formats" grep -q -- "--format" "$tmp/out"
"$bin" --help | grep -q "^  report " ; check "report is in the command list" test $? -eq 0

"$build/sh_helper_mkdb" "$db" || { echo "cannot build the test store"; echo "$pass passed, $((fail + 1)) failed"; exit 1; }

# Text (latest scan): summary, history, gone list, no terminal escapes.
"$bin" report --db "$db" >"$tmp/text" 2>"$tmp/err"
check "text exits 0" test $? -eq 0
check "text summary" grep -q "^7 findings (2 critical, 1 high, 1 medium, 2 low, 1 info) on 2 devices; 9 files, 7 analysed, 2 skipped; 3 at or above high$" "$tmp/text"
check "text history" grep -q "^new since last scan: 1, gone: 1$" "$tmp/text"
check "text gone list" grep -q "^  HIGH      C-05  core-rtr-01  configs/core-rtr-01.cfg:40-42" "$tmp/text"
check "text marks new" grep -q "C-09.*\[new\]" "$tmp/text"
check "text has no ESC when not a terminal" bash -c "! grep -q $'\x1b' '$tmp/text'"

# The first scan: no history, C-05 present.
"$bin" report --db "$db" --scan 1 >"$tmp/text1"
check "--scan 1 has no history line" bash -c "! grep -q 'new since last scan' '$tmp/text1'"
check "--scan 1 has C-05" grep -q "HIGH      C-05" "$tmp/text1"

# jsonl: one valid object per finding with the §5 keys.
"$bin" report --db "$db" --format jsonl >"$tmp/out.jsonl"
check "jsonl exits 0" test $? -eq 0
check "jsonl has 7 lines" test "$(wc -l <"$tmp/out.jsonl")" -eq 7
python3 - "$tmp/out.jsonl" <<'PY'
import json, sys
keys = ["rule", "title", "kind", "severity", "attack", "device", "platform", "path", "line",
        "end_line", "evidence", "message", "remediation", "references", "time", "cve", "state",
        "fingerprint", "status", "first_seen"]
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
for r in rows:
    got = list(r)
    assert got == keys[:len(got)], got
    assert r["status"] in ("new", "seen")
assert sum(r["status"] == "new" for r in rows) == 1
assert [r["rule"] for r in rows if r["status"] == "new"] == ["C-09"]
PY
check "jsonl keys, order and status" test $? -eq 0

# SARIF to a file, validated against the official schema.
"$bin" report --db "$db" --format sarif -o "$tmp/out.sarif"
check "sarif -o exits 0" test $? -eq 0
python3 "$src/tests/report/validate_sarif.py" "$corpus/sarif/sarif-schema-2.1.0.json" "$tmp/out.sarif" >/dev/null
check "sarif validates" test $? -eq 0

# CSV: RFC 4180 readable, header, formula cells neutralised.
"$bin" report --db "$db" --format csv >"$tmp/out.csv"
python3 - "$tmp/out.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
assert rows[0][:4] == ["rule", "title", "kind", "severity"], rows[0]
assert len(rows) == 8, len(rows)
assert all(len(r) == 20 for r in rows)
for r in rows[1:]:
    for c in r:
        assert not c or c[0] not in "=+-@", c
assert any(c.startswith("'=HYPERLINK") for r in rows for c in r)
PY
check "csv parses and is formula safe" test $? -eq 0

"$bin" report --db "$db" --format html -o "$tmp/out.html"
check "html written" test -s "$tmp/out.html"
check "html has no live script" bash -c "! grep -qi '<script' '$tmp/out.html'"
check "html shows escaped script" grep -q "&lt;script&gt;" "$tmp/out.html"

"$bin" report --db "$db" --format markdown >"$tmp/out.md"
check "markdown title" grep -q "^# salthunt report$" "$tmp/out.md"
check "markdown gone section" grep -q "^## gone since the last scan$" "$tmp/out.md"

"$bin" report --db "$db" --list >"$tmp/list"
check "--list shows two scans" test "$(grep -c '^[12] ' "$tmp/list")" -eq 2

# --fail-on: exit 1 when a finding is at or above it.
"$bin" report --db "$db" --fail-on critical >/dev/null
check "--fail-on critical exits 1" test $? -eq 1

# Errors: exit 2 with one line.
for args in "--scan 99" "--format xml" "--scan abc" "--bogus" "extra-arg" "--fail-on severe"; do
    # shellcheck disable=SC2086
    "$bin" report --db "$db" $args >/dev/null 2>"$tmp/err"
    rc=$?
    check "'$args' exits 2" test $rc -eq 2
    check "'$args' one line" test "$(wc -l <"$tmp/err")" -eq 1
done

printf 'hostname r1\n!\ninterface Gi0/0\n' >"$tmp/not.db"
"$bin" report --db "$tmp/not.db" >/dev/null 2>"$tmp/err"
check "not a database exits 2" test $? -eq 2
check "not a database: one line" test "$(wc -l <"$tmp/err")" -eq 1

echo "$pass passed, $fail failed"
test "$fail" -eq 0
