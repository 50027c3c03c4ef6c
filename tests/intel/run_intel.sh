#!/usr/bin/env bash
# run_intel.sh - `salthunt intel import|list` on the corpus feeds.
# $1 = salthunt binary; env SH_CORPUS. Ends with "N passed, N failed".
set -u
BIN=$1
C=${SH_CORPUS:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
DB=$T/state/salthunt.db
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { if eval "$2"; then ok; else bad "$1"; fi; }

out=$("$BIN" intel import --db "$DB" "$C/cisa-aa25-239a/AA25-239A.stix_.json" 2>&1); rc=$?
check "stix import exits 0" "[ $rc -eq 0 ]"
check "stix bundle gives 96 indicator values" "grep -q 'stix-bundle, 96 items' <<<\"\$out\""

out=$("$BIN" intel import --db "$DB" "$C/cisa-kev/known_exploited_vulnerabilities.json" 2>&1); rc=$?
check "kev import exits 0" "[ $rc -eq 0 ]"
check "kev catalog has 1404 entries" "grep -q 'kev-catalog, 1404 items' <<<\"\$out\""

out=$("$BIN" intel import --db "$DB" "$C/cvelistV5" "$C/vulnrichment" 2>&1); rc=$?
check "cve folders import exits 0" "[ $rc -eq 0 ]"
check "20 cve records imported" "[ \$(grep -c 'cve-record, 1 item' <<<\"\$out\") -eq 20 ]"
check "licence text in a folder is passed over" "grep -q 'skipped .*LICENSE.txt' <<<\"\$out\""

out=$("$BIN" intel import --db "$DB" --related "$SH_SRC/data/iocs/related.csv" 2>&1); rc=$?
check "related csv import exits 0" "[ $rc -eq 0 ]"

printf '# my list\n203.0.113.77\nbad.example.net\n' >"$T/plain.txt"
out=$("$BIN" intel import --db "$DB" "$T/plain.txt" 2>&1); rc=$?
check "plain list import" "[ $rc -eq 0 ] && grep -q 'indicator-list, 2 items' <<<\"\$out\""

printf '{"dataType":"CVE_RECORD","cveMetadata":{"cveId":"CVE-2099-0001"},"containers":{' >"$T/broken.json"
out=$("$BIN" intel import --db "$DB" "$T/broken.json" 2>&1); rc=$?
check "malformed json exits 2" "[ $rc -eq 2 ]"
check "malformed json names file and line" "grep -q 'broken.json:1:' <<<\"\$out\""

out=$("$BIN" intel list --db "$DB" iocs 2>&1); rc=$?
check "list iocs exits 0" "[ $rc -eq 0 ]"
check "imported plain indicator listed" "grep -q '203.0.113.77' <<<\"\$out\""
check "advisory hash listed" "grep -q 'f2bbba1ea0f34b262f158ff31e00d39d89bbc471d04e8fca60a034cabe18e4f4' <<<\"\$out\""
check "related indicators hidden by default" "! grep -q 'THIRD-PARTY' <<<\"\$out\""
out=$("$BIN" intel list --db "$DB" --related-iocs iocs 2>&1)
check "related indicators listed on request" "grep -q 'THIRD-PARTY' <<<\"\$out\""

out=$("$BIN" intel list --db "$DB" cves 2>&1); rc=$?
check "list cves exits 0" "[ $rc -eq 0 ]"
check "CVE-2024-3400 listed with KEV date" "grep -q 'CVE-2024-3400 .*KEV 2024-04-12' <<<\"\$out\""
check "advisory and related CVEs told apart" "grep -q 'CVE-2022-3236 .*related reporting' <<<\"\$out\" && grep -q 'CVE-2023-20198 .*AA25-239A' <<<\"\$out\""

out=$("$BIN" intel list --no-db cves 2>&1); rc=$?
check "built-in CVE data works offline" "[ $rc -eq 0 ] && grep -q 'CVE-2023-20198' <<<\"\$out\""

"$BIN" intel frobnicate >/dev/null 2>&1; rc=$?
check "unknown subcommand exits 2" "[ $rc -eq 2 ]"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
