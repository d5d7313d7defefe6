#!/usr/bin/env bash
# Export benchmark (not run in CI): N (default 1,000,000) agents' profiles, 16 competences each,
# exported to CSV, Parquet and JSON Lines by `jauge export`, beside `sqlite3 -csv` dumping the
# same snapshot rows (the rows the export reads: one per agent and competence, joined with the
# identities, sessions, organisations and campaigns) from the same database. Reports wall time
# and peak memory (max RSS) of each, measured in one run.
#
# Usage: bash benches/export_1m.sh [N]   (needs sqlite3 and bc: apt-get install sqlite3 bc)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
W=${BENCH_DIR:-target/export-bench}
mkdir -p "$W"
DB="$W/profiles-$N.db"
command -v sqlite3 >/dev/null || { echo "install sqlite3 first (apt-get install sqlite3)"; exit 2; }
cargo build --release --quiet --bin jauge
cargo build --release --quiet -p jauge-export --example generate_profiles
[ -f "$DB" ] || target/release/examples/generate_profiles "$DB" "$N"
measure() { # name, command...
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$W/time.txt" "$@" >/dev/null
  read -r secs kb < "$W/time.txt"
  printf '%-28s %8.2f s  %8.1f MiB\n' "$name" "$secs" "$(echo "$kb / 1024" | bc -l)"
}
SQL="SELECT i.external_id, o.code, c.name, s.finished_at, s.bank_version, s.scoring_version, p.competence,
 p.level, p.pix, p.pix_low, p.pix_high, p.theta, p.se, p.assessed_at FROM session s
 JOIN profile_snapshot p ON p.session_id = s.id LEFT JOIN agent_identity i ON i.agent_id = s.agent_id
 LEFT JOIN organisation o ON o.id = s.organisation_id LEFT JOIN campaign c ON c.id = s.campaign_id
 WHERE s.state = 'finished' AND s.agent_id IS NOT NULL ORDER BY s.agent_id, s.finished_at, s.id"
echo "N = $N agents"
measure "sqlite3 -csv (same rows)" sqlite3 -csv -cmd ".output $W/sqlite3.csv" "$DB" "$SQL"
measure "jauge export csv" target/release/jauge export --db "$DB" --format csv --out "$W/out.csv" --force
measure "jauge export parquet" target/release/jauge export --db "$DB" --format parquet --out "$W/out.parquet" --force
measure "jauge export jsonl" target/release/jauge export --db "$DB" --format jsonl --out "$W/out.jsonl" --force
ls -l "$W"/out.* "$W"/sqlite3.csv | awk '{print $5, $9}'
