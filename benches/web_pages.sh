#!/usr/bin/env bash
# The agent's pages: weight and time to first byte. Not run in CI; the figures are in
# docs/web.md.
#
# Starts `jauge serve` on a new database (release build unless JAUGE=path/to/jauge is given),
# creates a token and a one-competence session through the API, then, with curl over one
# keep-alive connection per request (a new connection each time, as a browser opening the
# link):
# - the weight of the welcome page, of the question page and of the stylesheet (bytes on the
#   wire, uncompressed: the service does not compress), and of a question page "in all" (its
#   HTML plus the stylesheet, its only resource: no script, no font, no image);
# - the time to first byte of N (default 200) GETs of the question page and of the
#   stylesheet: median, 95th percentile and largest, in milliseconds (curl's
#   time_starttransfer, which includes connecting on the loopback).
#
#   bash benches/web_pages.sh                  # release build
#   JAUGE=target/debug/jauge N=100 bash benches/web_pages.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-200}
if [ -z "${JAUGE:-}" ]; then
  cargo build --release --quiet --bin jauge
  JAUGE=$PWD/target/release/jauge
fi
W=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
db="$W/jauge.db"
token=$("$JAUGE" token create --organisation bench --db "$db" 2>/dev/null)
"$JAUGE" serve --db "$db" --bank item-bank --listen 127.0.0.1:0 --log warn 2>"$W/serve.log" &
pid=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$W/serve.log" 2>/dev/null && break
  sleep 0.1
done
base=$(grep -o 'http://[0-9.:]*' "$W/serve.log" | head -1)
[ -n "$base" ] || { cat "$W/serve.log"; exit 1; }
url=$(curl -sf -H "authorization: Bearer $token" -H 'content-type: application/json' \
  -d '{"agent":"bench@example.fr","competences":["1.1"],"seed":3}' "$base/api/v1/sessions" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["agent_url"])')

size() { curl -s -o /dev/null -w '%{size_header} %{size_download}\n' "$1"; }
read -r wh wb < <(size "$base$url")
read -r qh qb < <(size "$base$url/question")
read -r ch cb < <(size "$base/assets/jauge.css")
echo "weight (bytes: headers + body)"
printf '  %-32s %6d + %6d\n' "welcome page" "$wh" "$wb" "question page" "$qh" "$qb" "stylesheet (jauge.css)" "$ch" "$cb"
printf '  %-32s %6d\n' "question page in all" $((qh + qb + ch + cb))

ttfb() {
  for _ in $(seq 1 "$N"); do
    curl -s -o /dev/null -w '%{time_starttransfer}\n' "$1"
  done | sort -n | awk '{ a[NR] = $1 * 1000 } END {
    printf "median %.2f ms, p95 %.2f ms, max %.2f ms (%d requests)\n", a[int(NR / 2) + 1], a[int(NR * 0.95)], a[NR], NR }'
}
echo "time to first byte"
printf '  %-32s %s\n' "question page" "$(ttfb "$base$url/question")"
printf '  %-32s %s\n' "stylesheet" "$(ttfb "$base/assets/jauge.css")"
printf '  %-32s %s\n' "GET /healthz (for comparison)" "$(ttfb "$base/healthz")"
