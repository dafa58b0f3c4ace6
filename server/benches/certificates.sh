#!/usr/bin/env bash
# Certificate figures for BENCHMARKS.md (issue 5), against the release binary (`make build`
# first), on SQLite and on PostgreSQL, each on a new database:
#
#   1. Verification page: `wrk -t2 -c32 --latency` on /verify/<code> (target p99 < 5 ms),
#      alternating with /bench/baseline/verify/<code> (the same bytes from memory, in the same
#      process) for the ratio page req/s / baseline req/s.
#   2. Bulk issue: 1,000 eligible members, one admin POST /api/certificates/issue naming all
#      of them (target < 10 s), timed wall-clock; then checks that 1,000 certificates and
#      1,000 certificate_files rows exist.
#
#   server/benches/certificates.sh [seconds per wrk run, default 10] [rounds, default 2]
#   BACKENDS=sqlite server/benches/certificates.sh     # one backend only (sqlite, postgres)
#
# Needs wrk, curl, sqlite3 and psql (apt-get install wrk curl sqlite3 postgresql-client) and
# PostgreSQL reachable at $PG_URL (default postgres://postgres@127.0.0.1:5432, trust auth,
# with a database `test` to connect to): the script creates guildhall_bench_<random> and
# drops it at the end. Servers listen on 127.0.0.1:3201 (SQLite) and :3202 (PostgreSQL).
# Every load stays on 127.0.0.1 and ends by itself. Run it on an otherwise idle machine:
# wrk and the server share the cores.
set -euo pipefail
cd "$(dirname "$0")/../.."

BIN=./target/release/guildhall
SECONDS_PER_RUN=${1:-10}
ROUNDS=${2:-2}
BACKENDS=${BACKENDS:-sqlite postgres}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
MEMBERS=1000
PROGRAMME=service-excellence
PASSWORD='certificates bench phrase'
ADMIN=bench-admin@example.org
HOLDER=holder1@example.org # holds the certificate whose page is loaded

dir=$(mktemp -d)
pid='' pg_db=''
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
  if [ -n "$pg_db" ]; then psql -X -q -d "$PG_URL/test" -c "DROP DATABASE IF EXISTS $pg_db" || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

export RUST_LOG=warn GUILDHALL_BENCH_BASELINE=true

# The modules a member must pass, from the programme's file.
mapfile -t MODULES < <(awk '/^modules *=/,/\]/' "content/programs/$PROGRAMME.toml" | grep -o '"[a-z0-9-]*"' | tr -d '"')

# One SQL statement (or several) on the current database; prints rows as text.
sql() {
  case $DATABASE_URL in
    sqlite:*) sqlite3 -bail "${DATABASE_URL#sqlite://}" "$1" ;;
    *) psql -X -q -At -v ON_ERROR_STOP=1 -d "$DATABASE_URL" -c "$1" ;;
  esac
}

# wrk on one path; prints req/s, p50, p99, max and the errors wrk counted; sets $rps.
load() {
  local out
  out=$(wrk -t2 -c32 -d"${SECONDS_PER_RUN}s" --latency "$URL$1")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  awk -v label="$2" '/Requests\/sec/ {rps=$2} / 50%/ {p50=$2} / 99%/ {p99=$2} /^ +Latency +[0-9]/ {max=$4}
      /Non-2xx/ {bad=$NF} /Socket errors/ {gsub(",", ""); sock=$4+$6+$8+$10}
      END {printf "  %-9s %10s req/s   p50 %8s   p99 %8s   max %8s   non-2xx %d   socket errors %d%s\n",
        label, rps, p50, p99, max, bad, sock, (bad + sock ? "   INVALID" : "")}' <<<"$out"
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

  # Accounts (the first command also applies every migration), then five passed quizzes for
  # each member, as rows: the quizzes themselves are measured elsewhere.
  "$BIN" demo members --count "$MEMBERS" --password "$PASSWORD" >/dev/null
  "$BIN" demo members --count 1 --email-prefix holder --password "$PASSWORD" >/dev/null
  printf '%s\n' "$PASSWORD" | "$BIN" admin create --email "$ADMIN" --name 'Bench Admin' >/dev/null
  local passed_at=$(( $(date +%s) - 3600 )) module
  for module in "${MODULES[@]}"; do
    sql "INSERT INTO quiz_versions (module_slug, version, quiz, created_at)
           VALUES ('$module', 'bench', '{}', 0) ON CONFLICT (module_slug, version) DO NOTHING;
         INSERT INTO quiz_attempts (user_id, module_slug, quiz_version, started_at, submitted_at,
           question_count, correct_count, score, passed)
           SELECT id, '$module', 'bench', $passed_at, $passed_at, 10, 10, 100, 1
           FROM users WHERE email LIKE 'member%@example.org'"
  done
  echo "  $MEMBERS members eligible ($(sql "SELECT count(*) FROM quiz_attempts WHERE passed = 1") passed attempts, ${#MODULES[@]} modules each)"
  local code
  code=$("$BIN" certificates issue --email "$HOLDER" --program "$PROGRAMME" --reason 'verification page benchmark' 2>/dev/null)

  "$BIN" serve 2>"$dir/server-$backend.log" & pid=$!
  until curl -sf "$URL/healthz" >/dev/null; do sleep 0.01; done

  # 2. Bulk issue: the admin signs in (not timed), then one POST names every member.
  curl -sf -c "$dir/jar" -o /dev/null -H 'Accept: application/json' \
    -H "Origin: $URL" -H 'Sec-Fetch-Site: same-origin' \
    --data-urlencode "email=$ADMIN" --data-urlencode "password=$PASSWORD" "$URL/api/login"
  { printf 'programme=%s' "$PROGRAMME"
    sql "SELECT id FROM users WHERE email LIKE 'member%@example.org' ORDER BY id" | sed 's/^/\&members%5B%5D=/' | tr -d '\n'
  } >"$dir/issue-form"
  local status seconds issued
  read -r status seconds < <(curl -s -b "$dir/jar" -o "$dir/issued" -w '%{http_code} %{time_total}\n' \
    -H 'Accept: application/json' -H "Origin: $URL" -H 'Sec-Fetch-Site: same-origin' \
    -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @"$dir/issue-form" \
    "$URL/api/certificates/issue")
  issued=$(head -c 200 "$dir/issued")
  local certificates files
  certificates=$(sql "SELECT count(*) FROM certificates c JOIN users u ON u.id = c.user_id
                      WHERE u.email LIKE 'member%@example.org'")
  files=$(sql "SELECT count(*) FROM certificate_files f JOIN certificates c ON c.id = f.certificate_id
               JOIN users u ON u.id = c.user_id WHERE u.email LIKE 'member%@example.org'")
  echo "  bulk issue of $MEMBERS ($(wc -c <"$dir/issue-form") B form): HTTP $status in $seconds s, answer $issued;" \
    "$certificates certificates, $files certificate_files rows$([ "$status" = 200 ] && [ "$issued" = "$MEMBERS" ] \
    && [ "$certificates" = "$MEMBERS" ] && [ "$files" = "$MEMBERS" ] || echo "   INVALID")"

  # 1. Verification page, beside the same bytes from memory. The first request of each also
  # checks it answers 200 (and fills the baseline's copy).
  local page=/verify/$code baseline=/bench/baseline/verify/$code round base_rps
  curl -sf -o "$dir/page" "$URL$page"
  echo "  verification page $page: $(wc -c <"$dir/page") B$(grep -q 'Demo member 1<' "$dir/page" \
    || echo ' WITHOUT THE HOLDER NAME: INVALID'), baseline $(curl -sf -o /dev/null -w '%{size_download}' "$URL$baseline") B"
  for round in $(seq "$ROUNDS"); do
    echo "  round $round (32 connections, ${SECONDS_PER_RUN}s each)"
    load "$baseline" baseline; base_rps=$rps
    load "$page" page
    awk -v p="$rps" -v b="$base_rps" 'BEGIN {printf "  ratio page / baseline: %.3f\n", p / b}'
  done

  echo "  server RSS after the runs: $(( $(awk '/VmRSS/ {print $2}' /proc/$pid/status) / 1024 )) MB;" \
    "server log lines (warnings and errors): $(wc -l <"$dir/server-$backend.log")"
  sed 's/\x1b\[[0-9;]*m//g; s/^/    /' "$dir/server-$backend.log" | head -20
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=''
  if [ -n "$pg_db" ]; then psql -X -q -d "$PG_URL/test" -c "DROP DATABASE $pg_db"; pg_db=''; fi
}

echo "$(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg); binary built $(date -r "$BIN" '+%F %T');" \
  "commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- app/src server/src || echo ' + changes')"
port=3201
for backend in $BACKENDS; do
  bench "$backend" "$port"
  port=$((port + 1))
done
