#!/usr/bin/env bash
# B4 (issue 8): kill -9 an order import at about half of the file, rerun the same command,
# and check that the run ends with exactly the expected figures and the database holds each
# order once: no duplicate, no gap.
#
#   scripts/b4-kill-resume.sh FILE MERCHANT CHANNEL IMPORTED DUPLICATES MALFORMED TOTAL
#
# The database is the one `omnihub` is configured for: DATABASE_URL (postgres://...) or
# OMNIHUB_DATA_DIR (SQLite, <dir>/omnihub.db). OMNIHUB_BIN names the binary (default
# target/release/omnihub). The merchant must exist (`omnihub import setup`) and have no
# orders from an earlier import of FILE.
set -euo pipefail

if [ $# -ne 7 ]; then
    sed -n '2,12p' "$0" >&2
    exit 2
fi
file=$1 merchant=$2 channel=$3 want_imported=$4 want_dups=$5 want_malformed=$6 want_total=$7
bin=${OMNIHUB_BIN:-target/release/omnihub}
log=$(mktemp -d)
lines=$(wc -l < "$file")
half=$((lines / 2))

"$bin" import orders "$file" --merchant "$merchant" --channel "$channel" > "$log/first.txt" 2>&1 &
pid=$!
killed=no
while kill -0 "$pid" 2> /dev/null; do
    at=$(grep -oE '^  line +[0-9]+:' "$log/first.txt" | tail -1 | tr -dc '0-9' || true)
    if [ "${at:-0}" -ge "$half" ]; then
        kill -9 "$pid"
        killed=yes
        break
    fi
    sleep 0.02
done
wait "$pid" 2> /dev/null || true
if [ "$killed" != yes ]; then
    echo "FAIL: the import finished before half of the file ($half lines); use a bigger file" >&2
    exit 1
fi
echo "killed with -9 after committed line $at of $lines"

"$bin" import orders "$file" --merchant "$merchant" --channel "$channel" > "$log/second.txt" 2>&1
grep -E '^(resuming|run |  (orders|duplicates|malformed lines|payment total|this|peak))' "$log/second.txt"

figure() { grep -E "^  $1:" "$log/second.txt" | head -1 | awk '{print $NF == "CNY" || $NF == "BRL" ? $(NF-1) : $NF}'; }
got_imported=$(figure 'orders imported')
got_dups=$(figure 'duplicates')
got_malformed=$(figure 'malformed lines')
got_total=$(grep -E '^  payment total:' "$log/second.txt" | awk '{print $3}')
grep -q '^resuming run' "$log/second.txt" || { echo "FAIL: the rerun did not resume" >&2; exit 1; }

query="SELECT COUNT(*), COUNT(DISTINCT o.external_id), COUNT(DISTINCT o.number) FROM orders o JOIN merchants m ON m.id = o.merchant_id WHERE m.code = '$merchant'"
if [ -n "${DATABASE_URL:-}" ]; then
    counts=$(psql "$DATABASE_URL" -At -F ' ' -c "$query")
else
    counts=$(sqlite3 -separator ' ' "${OMNIHUB_DATA_DIR:-./data}/omnihub.db" "$query")
fi
read -r stored distinct numbers <<< "$counts"
echo "stored orders $stored, distinct external ids $distinct, distinct numbers $numbers"

fail=0
check() { if [ "$2" != "$3" ]; then echo "FAIL: $1 is $2, expected $3" >&2; fail=1; fi; }
check imported "$got_imported" "$want_imported"
check duplicates "$got_dups" "$want_dups"
check malformed "$got_malformed" "$want_malformed"
check "payment total" "$got_total" "$want_total"
check "stored orders" "$stored" "$want_imported"
check "distinct external ids" "$distinct" "$want_imported"
check "distinct order numbers" "$numbers" "$want_imported"
if [ "$fail" = 0 ]; then
    echo "OK: no duplicate and no gap after kill -9 and resume"
fi
rm -rf "$log"
exit "$fail"
