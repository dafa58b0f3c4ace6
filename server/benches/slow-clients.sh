#!/usr/bin/env bash
# Slow and idle clients, against the release binary (`make build` first): a normal client's
# latency on /healthz and the home page with no other load, then while 5,000 slow or idle
# connections are held open (slow-clients.py), the portal running under a 1,024 open-file
# limit. Needs wrk, curl and python3 (apt-get install wrk curl). Every connection stays on
# 127.0.0.0/8 and everything ends by itself.
#
#   server/benches/slow-clients.sh [seconds per measurement, default 10]
set -euo pipefail
cd "$(dirname "$0")/../.."

BIN=./target/release/guildhall
PORT=3310
SECONDS_PER_RUN=${1:-10}
URL=http://127.0.0.1:$PORT
METRICS=http://127.0.0.1:3311/metrics
dir=$(mktemp -d)
pid= attack=
trap 'kill $pid $attack 2>/dev/null || true; rm -rf "$dir"' EXIT

export DATABASE_URL="sqlite://$dir/bench.db" LEPTOS_SITE_ADDR=127.0.0.1:$PORT RUST_LOG=warn
export GUILDHALL_METRICS_ADDR=127.0.0.1:3311
(ulimit -n 1024 && exec "$BIN" serve) 2>"$dir/server.log" & pid=$!
until curl -sf "$URL/healthz" >/dev/null; do sleep 0.05; done
echo "portal's open-file limit: $(awk '/Max open files/ {print $4}' /proc/$pid/limits)"

# A normal client: 4 kept-alive connections, as a browser has.
measure() {
  wrk -t1 -c4 -d"${SECONDS_PER_RUN}s" --latency "$URL$1" \
    | awk -v path="$1" '/Requests\/sec/ {rps=$2} / 50%/ {p50=$2} / 99%/ {p99=$2} /Non-2xx/ {bad=$NF}
        /Socket errors/ {errors=$0; sub(/.*errors: /, "", errors)}
        END {printf "%-10s %10s req/s   p50 %8s   p99 %8s   non-2xx %s   socket errors: %s\n",
             path, rps, p50, p99, (bad ? bad : 0), (errors ? errors : "none")}'
}
held() {
  curl -s "$METRICS" | awk '/^guildhall_connections_open / {open=$2}
    /^guildhall_connections_closed_idle_total / {idle=$2} /^guildhall_accept_errors_total / {acc=$2}
    /^guildhall_connections_refused_total/ {refused+=$2}
    END {printf "portal: %d connections held, %d idle ones closed for newcomers, %d refused, %d accept errors\n", open, idle, refused, acc}'
}

echo "quiet"
measure /healthz
measure /

python3 server/benches/slow-clients.py --port "$PORT" --connections 5000 \
  --seconds $((4 * SECONDS_PER_RUN + 30)) & attack=$!
sleep 20
held
echo "with 5,000 slow or idle connections held open"
measure /healthz
measure /
held
wait $attack
attack=
echo "'Too many open files' in the portal's log: $(grep -c 'Too many open files' "$dir/server.log" || true)"
