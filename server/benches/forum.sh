#!/usr/bin/env bash
# Forum figures for BENCHMARKS.md, against the release binary (`make build` first), on SQLite
# and on PostgreSQL, each on a new database filled with 10,000 threads and 100,000 posts
# (`guildhall demo forum`, timed) written by 200 demo members:
#
#   1. Thread page: `wrk -t2 -c32 --latency` on /forum/t/<id> (a thread from the middle, with
#      about 10 posts: page 1) as a signed-in member (target p99 < 20 ms).
#   2. Search: the same on /forum/search?q=customer (a common word: in 2 of the 6 demo
#      paragraphs, 50 hits shown, the most it shows), ?q=refund (in 1 of the 6: the demo
#      text has no truly rare word) and ?q=<number> (the number in that thread's title,
#      "… #<n>": one hit) (target p99 < 50 ms).
#
#   3. The thread and the common search again with `rendered` in the query, which the page
#      cache does not keep: what a page costs when it is not in memory (a first view, or
#      the first after a change).
#
#   Each page alternates with /bench/baseline/<same path> (the same bytes from memory, in the
#   same process, fetched once with the member's cookie) for the ratio page req/s / baseline
#   req/s.
#
#   server/benches/forum.sh [seconds per wrk run, default 10] [rounds, default 2]
#   BACKENDS=sqlite server/benches/forum.sh     # one backend only (sqlite, postgres)
#   THREADS=1000 POSTS=10000 server/benches/forum.sh   # a smaller forum, for a quick try
#   WAIT_WHILE=playwright server/benches/forum.sh  # before each wrk run, wait while
#                                                  # `pgrep -f playwright` finds a process
#
# Needs wrk, curl, sqlite3 and psql (apt-get install wrk curl sqlite3 postgresql-client) and
# PostgreSQL reachable at $PG_URL (default postgres://postgres@127.0.0.1:5432, trust auth,
# with a database `test` to connect to): the script creates guildhall_bench_<random> and
# drops it at the end. Servers listen on 127.0.0.1:$PORT (default 3221, SQLite) and the next
# port (PostgreSQL). Every load stays on 127.0.0.1 and ends by itself. Run it on an otherwise
# idle machine: wrk and the server share the cores.
set -euo pipefail
cd "$(dirname "$0")/../.."

BIN=./target/release/guildhall
SECONDS_PER_RUN=${1:-10}
ROUNDS=${2:-2}
BACKENDS=${BACKENDS:-sqlite postgres}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
PORT=${PORT:-3221}
MEMBERS=200
THREADS=${THREADS:-10000}
POSTS=${POSTS:-100000}
COMMON_WORD=customer
RARE_WORD=refund
PASSWORD='forum bench phrase'
READER=member1@example.org # the signed-in member whose cookie wrk sends

dir=$(mktemp -d)
pid='' pg_db=''
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
  if [ -n "$pg_db" ]; then psql -X -q -d "$PG_URL/test" -c "DROP DATABASE IF EXISTS $pg_db" || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

export RUST_LOG=warn GUILDHALL_BENCH_BASELINE=true

# One SQL statement (or several) on the current database; prints rows as text.
sql() {
  case $DATABASE_URL in
    sqlite:*) sqlite3 -bail "${DATABASE_URL#sqlite://}" "$1" ;;
    *) psql -X -q -At -v ON_ERROR_STOP=1 -d "$DATABASE_URL" -c "$1" ;;
  esac
}

# wrk on one path with the member's cookie; prints req/s, p50, p99, max and the errors wrk
# counted; sets $rps.
load() {
  local out waited=0
  if [ -n "${WAIT_WHILE:-}" ]; then
    while pgrep -f "$WAIT_WHILE" >/dev/null; do sleep 2; waited=$((waited + 2)); done
    if [ "$waited" -gt 0 ]; then echo "  (waited ${waited}s for '$WAIT_WHILE' to end)"; fi
  fi
  out=$(wrk -t2 -c32 -d"${SECONDS_PER_RUN}s" --latency -H "Cookie: $COOKIE" "$URL$1")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  awk -v label="$2" '/Requests\/sec/ {rps=$2} / 50%/ {p50=$2} / 99%/ {p99=$2} /^ +Latency +[0-9]/ {max=$4}
      /Non-2xx/ {bad=$NF} /Socket errors/ {gsub(",", ""); sock=$4+$6+$8+$10}
      END {printf "  %-9s %10s req/s   p50 %8s   p99 %8s   max %8s   non-2xx %d   socket errors %d%s\n",
        label, rps, p50, p99, max, bad, sock, (bad + sock ? "   INVALID" : "")}' <<<"$out"
}

# Checks one page answers 200 to the member with what it should hold (grep pattern, count
# at least), and fills the baseline's copy; prints both sizes.
check() {
  local path=$1 pattern=$2 least=$3 found
  curl -sf -H "Cookie: $COOKIE" -o "$dir/page" "$URL$path"
  found=$(grep -o "$pattern" "$dir/page" | wc -l)
  echo "  $path: $(wc -c <"$dir/page") B, $found × '$pattern'$([ "$found" -ge "$least" ] \
    || echo " (fewer than $least: INVALID)"), baseline $(curl -sf -H "Cookie: $COOKIE" -o /dev/null \
    -w '%{size_download}' "$URL/bench/baseline$path") B"
}

bench() {
  local backend=$1 port=$2
  URL=http://127.0.0.1:$port
  export LEPTOS_SITE_ADDR=127.0.0.1:$port GUILDHALL_PUBLIC_URL=$URL
  if [ "$backend" = sqlite ]; then
    export DATABASE_URL="sqlite://$dir/bench.db"
  else
    pg_db=guildhall_bench_$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
    psql -X -q -d "$PG_URL/test" -c "CREATE DATABASE $pg_db"
    export DATABASE_URL="$PG_URL/$pg_db"
  fi
  echo "== $backend ($DATABASE_URL)"

  # Accounts (the first command also applies every migration), then the forum, timed.
  "$BIN" demo members --count "$MEMBERS" --password "$PASSWORD" >/dev/null
  local t0 t1
  t0=$(date +%s%N)
  "$BIN" demo forum --threads "$THREADS" --posts "$POSTS" --email-prefix member 2>&1 | sed 's/^/  demo forum: /'
  t1=$(date +%s%N)
  echo "  seeded $(sql "SELECT count(*) FROM forum_threads") threads, $(sql "SELECT count(*) FROM forum_posts") posts" \
    "in $(( (t1 - t0) / 1000000 )) ms wall-clock (demo forum, process start included)"

  # A thread from the middle (by id) holding about 10 posts: page 1 shows them all.
  local thread posts title number
  IFS='|' read -r thread posts title < <(sql "SELECT id, post_count, title FROM forum_threads
      WHERE deleted_at IS NULL AND post_count BETWEEN 9 AND 11
        AND id >= (SELECT min(id) + (max(id) - min(id)) / 2 FROM forum_threads)
      ORDER BY id LIMIT 1")
  number=${title##*#}
  echo "  thread $thread \"$title\": $posts posts"

  "$BIN" serve 2>"$dir/server-$backend.log" & pid=$!
  until curl -sf "$URL/healthz" >/dev/null; do sleep 0.01; done

  # The member signs in: GET / for the session cookie, then the sign-in form.
  rm -f "$dir/jar"
  curl -sf -c "$dir/jar" -b "$dir/jar" -o /dev/null "$URL/"
  curl -sf -c "$dir/jar" -b "$dir/jar" -o /dev/null -H 'Accept: application/json' \
    -H "Origin: $URL" -H 'Sec-Fetch-Site: same-origin' \
    --data-urlencode "email=$READER" --data-urlencode "password=$PASSWORD" "$URL/api/login"
  COOKIE="guildhall_session=$(awk '$6 == "guildhall_session" {print $7}' "$dir/jar")"

  # The first request of each page checks it answers 200 with its content (and fills the
  # baseline's copy).
  # `rendered` is a query the page cache does not keep: the same page rendered per request.
  local pages=("/forum/t/$thread" "/forum/search?q=$COMMON_WORD" "/forum/search?q=$RARE_WORD"
               "/forum/search?q=$number" "/forum/t/$thread?rendered" "/forum/search?q=$COMMON_WORD&rendered")
  local labels=(thread "search '$COMMON_WORD'" "search '$RARE_WORD'" "search '$number' (title)"
                "thread, rendered per request" "search '$COMMON_WORD', rendered per request")
  check "${pages[0]}" 'data-test="post"' "$posts"
  check "${pages[1]}" 'class="search-hit"' 50
  check "${pages[2]}" 'class="search-hit"' 50
  check "${pages[3]}" 'class="search-hit"' 1
  check "${pages[4]}" 'data-test="post"' "$posts"
  check "${pages[5]}" 'class="search-hit"' 50

  local round i base_rps
  for round in $(seq "$ROUNDS"); do
    echo "  round $round (32 connections, ${SECONDS_PER_RUN}s each; load average $(cut -d' ' -f1-3 /proc/loadavg))"
    for i in "${!pages[@]}"; do
      echo "  ${labels[$i]}: ${pages[$i]}"
      load "/bench/baseline${pages[$i]}" baseline; base_rps=$rps
      load "${pages[$i]}" page
      awk -v p="$rps" -v b="$base_rps" 'BEGIN {printf "  ratio page / baseline: %.3f\n", p / b}'
    done
  done

  echo "  server RSS after the runs: $(( $(awk '/VmRSS/ {print $2}' /proc/$pid/status) / 1024 )) MB;" \
    "server log lines (warnings and errors): $(wc -l <"$dir/server-$backend.log")"
  sed 's/\x1b\[[0-9;]*m//g; s/^/    /' "$dir/server-$backend.log" | head -20
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=''
  if [ -n "$pg_db" ]; then psql -X -q -d "$PG_URL/test" -c "DROP DATABASE $pg_db"; pg_db=''; fi
}

echo "$(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg); binary built $(date -r "$BIN" '+%F %T');" \
  "commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- app/src server/src || echo ' + changes')"
port=$PORT
for backend in $BACKENDS; do
  bench "$backend" "$port"
  port=$((port + 1))
done
