#!/usr/bin/env bash
# How many concurrent `jauge assess` writers one database file sustains, and how many answers per
# second it records. Not run in CI (it takes minutes); the figures are in docs/assessments.md.
#
# For each N, N processes start at the same moment on one new database, each running a simulated
# full-profile session (64 answers, each committed in its own transaction with the next
# question recorded before it is shown: two durable writes per answer) as fast as the machine
# goes: the worst case, far denser than people answering every 20 to 60 seconds. A run fails
# when any process exits non-zero. Reported: failures, answers recorded, the wall time from the
# start of the first to the end of the last, answers per second, and the longest session.
#
#   bash benches/concurrent_writers.sh            # N = 10 20 40 80 160, release build
#   NS="20 40" ROUNDS=3 bash benches/concurrent_writers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
NS=${NS:-"10 20 40 80 160"}
ROUNDS=${ROUNDS:-2}
cargo build --release --quiet --bin jauge
J=$PWD/target/release/jauge
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
printf '%-5s %-6s %-9s %-9s %-8s %-10s %-12s %s\n' N round failures answers wall_s answers/s longest_s errors
for n in $NS; do
  for r in $(seq 1 "$ROUNDS"); do
    db="$W/n$n-r$r.db"
    start=$(date +%s.%N)
    pids=()
    for k in $(seq 1 "$n"); do
      (
        s=$(date +%s.%N)
        if "$J" assess --agent "writer-$k" --simulate-theta 0.3 --seed "$k" --db "$db" \
             >/dev/null 2>"$W/err-$n-$r-$k"; then
          echo "ok $(echo "$(date +%s.%N) - $s" | bc)" >"$W/res-$n-$r-$k"
        else
          echo "fail $(echo "$(date +%s.%N) - $s" | bc)" >"$W/res-$n-$r-$k"
        fi
      ) &
      pids+=($!)
    done
    wait "${pids[@]}"
    end=$(date +%s.%N)
    wall=$(echo "$end - $start" | bc)
    fails=$(cat "$W"/res-$n-$r-* | grep -c '^fail' || true)
    longest=$(cat "$W"/res-$n-$r-* | awk '{ if ($2 > m) m = $2 } END { printf "%.1f", m }')
    answers=$(sqlite3 "$db" 'SELECT count(*) FROM response')
    rate=$(echo "scale=1; $answers / $wall" | bc)
    errors=$(cat "$W"/err-$n-$r-* | grep -h '^error' | sort | uniq -c | head -3 | tr '\n' ';' || true)
    printf '%-5s %-6s %-9s %-9s %-8.1f %-10s %-12s %s\n' "$n" "$r" "$fails" "$answers" "$wall" "$rate" "$longest" "$errors"
    check=$(sqlite3 "$db" 'PRAGMA integrity_check')
    [ "$check" = ok ] || echo "integrity_check: $check"
  done
done
