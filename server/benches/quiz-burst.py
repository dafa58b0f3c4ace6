#!/usr/bin/env python3
"""Quiz burst (BENCHMARKS.md): N members start and submit a quiz within S seconds.

Python 3 standard library only (threads and http.client); nothing to install. It starts no
server: it targets one that is running, whose database already holds the members
`<prefix>1@example.org` .. `<prefix>N@example.org` (`guildhall demo members`). Use a fresh
database each run: on a second run members meet their quizzes' cooldowns and daily limits.
Serve with GUILDHALL_LOGIN_ATTEMPTS_PER_IP above N: every sign-in comes from 127.0.0.1.

  1. Not timed: every member signs in (POST /api/login, a few at a time: argon2 is slow on
     purpose) and keeps their session cookie.
  2. Timed: member i begins at (i-1)*S/N seconds; each on its own keep-alive connection, as a
     browser would: POST /api/quiz/start, GET /training/<slug>/quiz (the form with the drawn
     questions), POST /api/quiz/submit with random answers. Modules round-robin.
     Every request's latency is recorded; an error is any exception, any status >= 400,
     or a response that does not say what it should (attempt id, questions).
  3. With --database-url: checks in the database that every attempt the members were given
     is stored and graded, and that there is no other (sqlite3 module for SQLite, psql for
     PostgreSQL).

  server/benches/quiz-burst.py --url http://127.0.0.1:3301 --members 500 --seconds 10 \\
      --password 'quiz burst bench phrase' --database-url "$DATABASE_URL" --server-pid "$pid"

--server-pid adds the server's CPU time during the burst and its memory (Linux /proc).

Exits non-zero if there was any error or the database check failed.
"""

import argparse
import html.parser
import http.client
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

MODULES = [
    "service-excellence",
    "performance-standards",
    "service-quality",
    "service-operations",
    "great-service-qualities",
]
ANSWER_NAME = re.compile(r"^answer\[(.+)\]\[\]$")


class Client:
    """One member's browser: a keep-alive connection and its cookies."""

    def __init__(self, base):
        url = urllib.parse.urlsplit(base)
        self.host, self.port = url.hostname, url.port or 80
        self.origin = f"{url.scheme}://{url.netloc}"
        self.conn = None
        self.cookies = {}

    def request(self, method, path, form=None, accept="application/json"):
        """Returns (status, body text, seconds). Any failure raises: no retries."""
        headers = {"Accept": accept}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        t0 = time.perf_counter()
        self.conn.request(method, path, body=body, headers=headers)
        resp = self.conn.getresponse()
        data = resp.read()
        elapsed = time.perf_counter() - t0
        for header in resp.msg.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        return resp.status, data.decode("utf-8", "replace"), elapsed

    def close(self):
        if self.conn is not None:
            self.conn.close()


class QuizForm(html.parser.HTMLParser):
    """The attempt id and, per question, its input type and values, as a browser sees them."""

    def __init__(self):
        super().__init__()
        self.attempt = None
        self.questions = {}  # question id -> (type, [values])

    def handle_starttag(self, tag, attrs):
        if tag != "input":
            return
        a = dict(attrs)
        name, kind, value = a.get("name") or "", a.get("type", "text"), a.get("value") or ""
        if name == "attempt":
            self.attempt = value
            return
        m = ANSWER_NAME.match(name)
        if not m or kind == "hidden":
            return
        q = self.questions.setdefault(m.group(1), [kind, []])
        q[1].append(value)


def random_answers(questions, rng):
    """Form fields as the browser sends them: the hidden empty value first, then the choice."""
    fields = []
    for qid, (kind, values) in questions.items():
        name = f"answer[{qid}][]"
        fields.append((name, ""))
        if kind == "radio":
            fields.append((name, rng.choice(values)))
        elif kind == "checkbox":
            for v in rng.sample(values, rng.randint(1, len(values))):
                fields.append((name, v))
        else:
            fields.append((name, rng.choice(["42", "yes", "the customer", "3,5"])))
    return fields


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.samples = []  # (kind, seconds, ok)
        self.errors = []  # (kind, member, description)
        self.started = {}  # member -> attempt id given by start
        self.attempts = {}  # member -> attempt id submitted and graded
        self.late = []  # seconds each flow began after its slot
        self.flows = []  # seconds per whole flow

    def sample(self, kind, seconds, ok):
        with self.lock:
            self.samples.append((kind, seconds, ok))

    def error(self, kind, member, description):
        with self.lock:
            self.errors.append((kind, member, description[:300]))


def sign_in(base, email, password):
    client = Client(base)
    status, body, _ = client.request(
        "POST", "/api/login", form=[("email", email), ("password", password)]
    )
    if status >= 400 or not client.cookies:
        raise RuntimeError(f"sign-in of {email}: HTTP {status} {body[:200]}")
    client.close()
    return client.cookies


def flow(base, member, cookies, slot, rec, rng):
    late = time.perf_counter() - slot
    begun = time.perf_counter()
    module = MODULES[(member - 1) % len(MODULES)]
    client = Client(base)
    client.cookies = dict(cookies)

    def step(kind, method, path, form=None, accept="application/json"):
        try:
            status, body, seconds = client.request(method, path, form, accept)
        except Exception as e:  # noqa: BLE001 (every failure counts)
            rec.error(kind, member, f"{type(e).__name__}: {e}")
            return None
        ok = status < 400
        rec.sample(kind, seconds, ok)
        if not ok:
            rec.error(kind, member, f"HTTP {status}: {body}")
            return None
        return body

    try:
        body = step("start", "POST", "/api/quiz/start", [("module", module), ("lang", "en")])
        if body is None:
            return
        try:
            attempt = int(json.loads(body))
        except ValueError:
            rec.error("start", member, f"no attempt id in {body!r}")
            return
        with rec.lock:
            rec.started[member] = attempt
        page = step("page", "GET", f"/training/{module}/quiz?lang=en", accept="text/html")
        if page is None:
            return
        form = QuizForm()
        form.feed(page)
        if form.attempt != str(attempt) or not form.questions:
            rec.error("page", member, f"attempt {form.attempt!r}, {len(form.questions)} questions")
            return
        fields = [("module", module), ("attempt", str(attempt)), ("lang", "en")]
        body = step("submit", "POST", "/api/quiz/submit", fields + random_answers(form.questions, rng))
        if body is None:
            return
        if body.strip() != str(attempt):
            rec.error("submit", member, f"expected {attempt}, got {body!r}")
            return
        with rec.lock:
            rec.attempts[member] = attempt
    finally:
        client.close()
        with rec.lock:
            rec.late.append(late)
            rec.flows.append(time.perf_counter() - begun)


def percentile(sorted_values, p):
    """Nearest rank."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * p // 100))
    return sorted_values[int(rank) - 1]


def ms(seconds):
    return f"{seconds * 1000:8.1f}"


def report(rec, wall):
    print(f"\n{'step':8} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    kinds = ["start", "page", "submit"]
    for kind in kinds + ["all"]:
        values = sorted(s for k, s, _ in rec.samples if kind in (k, "all"))
        errors = sum(1 for k, _, _ in rec.errors if kind in (k, "all"))
        print(
            f"{kind:8} {len(values):8} {errors:6} {ms(percentile(values, 50))} "
            f"{ms(percentile(values, 95))} {ms(percentile(values, 99))} {ms(values[-1] if values else float('nan'))}"
        )
    flows = sorted(rec.flows)
    print(
        f"whole flow (3 requests + parsing): p50 {ms(percentile(flows, 50)).strip()} ms, "
        f"p99 {ms(percentile(flows, 99)).strip()} ms, max {ms(flows[-1]).strip()} ms"
    )
    print(f"flows begun late by the load generator: max {ms(max(rec.late)).strip()} ms")
    print(f"wall time, first start to last response: {wall:.2f} s")
    print(f"attempts started / submitted and graded (client side): {len(rec.started)} / {len(rec.attempts)}")
    for kind, member, description in rec.errors[:20]:
        print(f"  error: {kind} member {member}: {description}")
    if len(rec.errors) > 20:
        print(f"  ... {len(rec.errors) - 20} more errors")


def server_cpu(pid):
    """User + system CPU seconds of a process, from /proc (Linux)."""
    if not pid:
        return 0.0
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_rss(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) // 1024 for line in f if line.startswith("VmRSS:"))


def stored_attempts(database_url, prefix, since):
    """(attempt id, submitted_at, score) of the members' attempts started since `since`."""
    query = (
        "SELECT a.id, a.submitted_at, a.score FROM quiz_attempts a JOIN users u ON u.id = a.user_id "
        f"WHERE u.email LIKE '{prefix}%@example.org' AND a.started_at >= {since}"
    )
    if database_url.startswith("sqlite:"):
        path = re.sub(r"^sqlite:(//)?", "", database_url).split("?", 1)[0]
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            return db.execute(query).fetchall()
    out = subprocess.run(
        ["psql", "-X", "-At", "-F", "|", "-d", database_url, "-c", query],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows = []
    for line in out.splitlines():
        ident, submitted, score = line.split("|")
        rows.append((int(ident), int(submitted) if submitted else None, int(score) if score else None))
    return rows


def verify(database_url, prefix, since, rec, members):
    rows = stored_attempts(database_url, prefix, since)
    started, submitted = set(rec.started.values()), set(rec.attempts.values())
    stored = {r[0] for r in rows}
    graded = {r[0] for r in rows if r[1] is not None and r[2] is not None}
    print(
        f"\ndatabase: {len(stored)} attempts started in this run ({len(started - stored)} of the "
        f"{len(started)} ids members were given missing, {len(stored - started)} unknown to them); "
        f"{len(graded)} graded ({len(submitted - graded)} of the {len(submitted)} submitted "
        f"not graded, {len(graded - submitted)} graded without a submission)"
    )
    ok = len(graded) == members and started == stored and submitted == graded
    print("database check:", "PASS" if ok else f"FAIL ({members} graded attempts expected)")
    return ok


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--url", required=True, help="the running server, e.g. http://127.0.0.1:3301")
    p.add_argument("--members", type=int, default=500)
    p.add_argument("--seconds", type=float, default=10.0, help="the starts are spread over this")
    p.add_argument("--password", default="quiz burst bench phrase")
    p.add_argument("--email-prefix", default="member")
    p.add_argument("--login-concurrency", type=int, default=4)
    p.add_argument("--database-url", help="check stored attempts (sqlite://path or postgres://...)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--server-pid", type=int, help="report the server's CPU time during the burst")
    args = p.parse_args()
    base = args.url.rstrip("/")
    members = range(1, args.members + 1)

    t = time.perf_counter()
    with ThreadPoolExecutor(args.login_concurrency) as pool:
        cookies = dict(
            zip(
                members,
                pool.map(
                    lambda i: sign_in(base, f"{args.email_prefix}{i}@example.org", args.password),
                    members,
                ),
            )
        )
    print(f"{len(cookies)} members signed in (not timed: {time.perf_counter() - t:.1f} s)")
    if args.server_pid:
        print(f"server RSS after the sign-ins: {server_rss(args.server_pid)} MB")

    rec = Recorder()
    since = int(time.time())  # server timestamps are whole seconds
    t0 = time.perf_counter() + 0.5
    gap = args.seconds / args.members
    go = threading.Event()

    def member_thread(i, rng):
        go.wait()
        slot = t0 + (i - 1) * gap
        delay = slot - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        flow(base, i, cookies[i], slot, rec, rng)

    threads = [
        threading.Thread(target=member_thread, args=(i, random.Random(args.seed * 100003 + i)))
        for i in members
    ]
    for th in threads:
        th.start()
    print(f"burst: {args.members} members over {args.seconds:g} s, one every {gap * 1000:.0f} ms")
    cpu_before = server_cpu(args.server_pid)
    go.set()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    report(rec, wall)
    if args.server_pid:
        cpu = server_cpu(args.server_pid) - cpu_before
        print(f"server CPU during the burst: {cpu:.2f} s ({cpu / wall:.2f} of one core)")
        print(f"server RSS after the burst: {server_rss(args.server_pid)} MB")

    ok = not rec.errors and len(rec.attempts) == args.members
    if args.database_url:
        ok &= verify(args.database_url, args.email_prefix, since, rec, args.members)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
