#!/usr/bin/env bash
# Load and start-up figures for BENCHMARKS.md, against the release binary (`make build` first).
# Needs wrk, curl and brotli (apt-get install wrk curl brotli). Every load stays on
# 127.0.0.1 and ends by itself.
#
#   server/benches/http-load.sh [seconds per run, default 10]
set -euo pipefail
cd "$(dirname "$0")/../.."

BIN=./target/release/guildhall
PORT=3300
SECONDS_PER_RUN=${1:-10}
URL=http://127.0.0.1:$PORT
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT

export DATABASE_URL="sqlite://$dir/bench.db" LEPTOS_SITE_ADDR=127.0.0.1:$PORT RUST_LOG=warn
export GUILDHALL_BENCH_BASELINE=true

# Cold start on an empty database (creates it and applies every migration).
t0=$(date +%s%N)
"$BIN" serve & pid=$!
until curl -sf "$URL/healthz" >/dev/null; do sleep 0.002; done
t1=$(date +%s%N)
echo "cold start to first /healthz 200: $(( (t1 - t0) / 1000000 )) ms"

sleep 2
echo "idle RSS after start: $(( $(awk '/VmRSS/ {print $2}' /proc/$pid/status) / 1024 )) MB"

# A signed-in member, for pages behind sign-in.
curl -sf -c "$dir/jar" -H 'Accept: application/json' -o /dev/null \
  --data-urlencode 'name=Jānis Bērziņš' --data-urlencode 'email=bench@example.lv' \
  --data-urlencode 'password=a long and private phrase' --data-urlencode 'language=lv' "$URL/api/register"
COOKIE="guildhall_session=$(awk '$6 == "guildhall_session" {print $7}' "$dir/jar")"

# wrk prints requests/s and the latency distribution; keep those lines.
load() {
  wrk -t2 -c32 -d"${SECONDS_PER_RUN}s" --latency ${2:+-H "Cookie: $COOKIE"} "$URL$1" \
    | awk -v path="$1" '/Requests\/sec/ {rps=$2} / 50%/ {p50=$2} / 99%/ {p99=$2} /Non-2xx/ {bad=$NF}
        END {printf "%-16s %10s req/s   p50 %8s   p99 %8s   non-2xx %s\n", path, rps, p50, p99, (bad ? bad : 0)}'
}

# Two rounds, alternating, so drift on the machine hits both sides alike.
for round in 1 2; do
  echo "round $round (32 connections, ${SECONDS_PER_RUN}s each)"
  load /bench/baseline
  load /
  load "/?rendered"   # a query string bypasses the page cache: rendered for every request
  load "/bench/baseline/training/service-quality?lang=lv" member
  load "/training/service-quality?lang=lv" member
done
echo "idle RSS after load: $(( $(awk '/VmRSS/ {print $2}' /proc/$pid/status) / 1024 )) MB"

# Size of the browser bundle as sent.
wasm=target/site/pkg/guildhall.wasm
js=target/site/pkg/guildhall.js
for f in "$wasm" "$js"; do
  printf '%-32s raw %7d   gzip -9 %7d   brotli -q 11 %7d bytes\n' "$f" \
    "$(wc -c < "$f")" "$(gzip -9 -c "$f" | wc -c)" "$(brotli -q 11 -c "$f" | wc -c)"
done
