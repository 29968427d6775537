"""Registration surge: gunicorn on PostgreSQL, 32 clients racing for the webinar seats.

What it does, all on loopback:
1. creates a fresh database (``kenshu_bench`` by default), runs ``flask db upgrade`` and
   ``flask seed-demo`` (the FY2023 event, registration open; webinar capacity 450 or --capacity);
2. starts gunicorn (2 × cores workers, gthread) serving ``bench.bench_app:app``: the real app
   plus a bare one-row insert endpoint;
3. every client (a ``requests.Session``) fetches the registration form once and keeps its CSRF
   token (CSRF stays on, as in production), then all clients POST the real /register form at
   the webinar until it is full and beyond (--overflow more than the capacity);
4. the same clients then POST /bench/insert the same number of times;
5. prints registrations per second, p50/p95 latency, seats taken versus capacity (from the
   database), the bare-insert throughput and the ratio; stops gunicorn and drops the database.

Goal: zero oversell, p95 under 100 ms at 32 clients, at least half the bare-insert throughput.

    .venv/bin/python bench/registration_surge.py [--clients 32] [--capacity 450] [--keep]
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import requests
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
CSRF_RE = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
FULL_TEXT = "定員"


@dataclass
class Phase:
    """Outcomes of one timed phase: per request (latency in seconds, outcome)."""

    name: str
    samples: list[tuple[float, str]] = field(default_factory=list)
    wall: float = 0.0

    def count(self, outcome: str) -> int:
        return sum(1 for _, o in self.samples if o == outcome)

    def latencies(self, outcome: str | None = None) -> list[float]:
        return sorted(t for t, o in self.samples if outcome is None or o == outcome)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------- database and server


def create_database(admin_url: str, name: str) -> str:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return psycopg.conninfo.make_conninfo(admin_url, dbname=name)


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def as_url(conninfo: str) -> str:
    """postgresql://user[:password]@host:port/dbname from a libpq conninfo."""
    parts = psycopg.conninfo.conninfo_to_dict(conninfo)
    auth = parts.get("user", "postgres") + (
        f":{parts['password']}" if parts.get("password") else ""
    )
    return (
        f"postgresql://{auth}@{parts.get('host', '127.0.0.1')}:{parts.get('port', 5432)}"
        f"/{parts['dbname']}"
    )


def flask(env: dict, *args: str) -> None:
    subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def prepare_database(conninfo: str, env: dict, capacity: int | None) -> tuple[int, int]:
    """Migrate, seed the demo event; returns (webinar channel id, capacity)."""
    flask(env, "db", "upgrade")
    flask(env, "seed-demo")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        channel_id, seeded = conn.execute(
            "SELECT id, capacity FROM channel WHERE code = 'webinar'"
        ).fetchone()
        if capacity is not None:
            conn.execute("UPDATE channel SET capacity = %s WHERE id = %s", (capacity, channel_id))
            seeded = capacity
    return channel_id, seeded


def start_gunicorn(env: dict, port: int, workers: int, threads: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "bench.bench_app:app",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn exited during start-up")
        try:
            if requests.get(base + "/register", timeout=30).status_code == 200:
                return process
        except requests.RequestException:
            pass
        time.sleep(0.3)
    stop(process)
    raise SystemExit("gunicorn did not answer within 120 s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# ---------------------------------------------------------------- clients


def registration_form(n: int, token: str) -> dict[str, str]:
    email = f"bench{n}@city.example.jp"
    return {
        "csrf_token": token,
        "channel": "webinar",
        "name": f"試験 太郎{n}",
        "kana": "しけん たろう",
        "email": email,
        "email_confirm": email,
        "phone": "03-1234-5678",
        "category": "muni",
        "municipality": "131016",
        "organisation": "",
        "department": "高齢福祉課",
        "occupation": "保健師",
        "consent": "y",
    }


def fire_registration(session: requests.Session, base: str, n: int, token: str) -> str:
    response = session.post(
        base + "/register", data=registration_form(n, token), allow_redirects=False, timeout=30
    )
    if response.status_code == 302 and "/r/" in response.headers.get("Location", ""):
        return "registered"
    if (
        response.status_code == 200
        and FULL_TEXT in response.text
        and "に達しました" in response.text
    ):
        return "full"
    return f"error {response.status_code}"


def fire_insert(session: requests.Session, base: str, n: int, token: str) -> str:
    response = session.post(base + "/bench/insert", timeout=30)
    return "inserted" if response.status_code == 201 else f"error {response.status_code}"


def run_phase(name: str, base: str, clients: int, total: int, max_seconds: float, fire) -> Phase:
    """``clients`` threads, each with its own session and CSRF token, fire ``total`` requests
    between them (or stop at ``max_seconds``); timing starts when all are ready."""
    phase = Phase(name)
    numbers = iter(range(total))
    numbers_lock = threading.Lock()
    ready = threading.Barrier(clients + 1)
    lock = threading.Lock()
    deadline = [0.0]

    def client() -> None:
        session = requests.Session()
        page = session.get(base + "/register", timeout=30)
        match = CSRF_RE.search(page.text)
        token = match.group(1) if match else ""
        local: list[tuple[float, str]] = []
        ready.wait()
        while time.perf_counter() < deadline[0]:
            with numbers_lock:
                n = next(numbers, None)
            if n is None:
                break
            started = time.perf_counter()
            try:
                outcome = fire(session, base, n, token)
            except requests.RequestException as exc:
                outcome = f"error {type(exc).__name__}"
            local.append((time.perf_counter() - started, outcome))
        with lock:
            phase.samples.extend(local)
        session.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    deadline[0] = float("inf")
    ready.wait()
    started = time.perf_counter()
    deadline[0] = started + max_seconds
    for thread in threads:
        thread.join()
    phase.wall = time.perf_counter() - started
    return phase


# ---------------------------------------------------------------- report


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def report(
    args, workers: int, reg: Phase, ins: Phase, taken: int, capacity: int, outbox: int
) -> bool:
    registered = reg.count("registered")
    full = reg.count("full")
    errors = len(reg.samples) - registered - full
    reg_rate = registered / reg.wall
    req_rate = len(reg.samples) / reg.wall
    inserted = ins.count("inserted")
    ins_rate = inserted / ins.wall
    accepted = reg.latencies("registered")
    everything = reg.latencies()
    ins_lat = ins.latencies("inserted")
    ratio = reg_rate / ins_rate if ins_rate else float("nan")
    oversell = max(0, taken - capacity)
    print()
    print(
        f"研修会議デスク registration surge — {os.cpu_count()} cores, gunicorn {workers} workers"
        f" × {args.threads} threads (gthread), PostgreSQL, {args.clients} clients, CSRF on"
    )
    print(
        f"  registration POSTs       {len(reg.samples)} in {reg.wall:.2f} s"
        f" ({req_rate:.1f} requests/s)"
    )
    print(f"    registered             {registered}   full (refused) {full}   errors {errors}")
    print(f"    registrations/s        {reg_rate:.1f}")
    print(
        f"    latency registered     p50 {ms(percentile(accepted, 50))}"
        f"   p95 {ms(percentile(accepted, 95))}   max {ms(max(accepted, default=0))}"
    )
    print(
        f"    latency all POSTs      p50 {ms(percentile(everything, 50))}"
        f"   p95 {ms(percentile(everything, 95))}"
    )
    print(
        f"  seats taken / capacity   {taken} / {capacity}   oversell {oversell}"
        f"   (mails queued in the outbox: {outbox})"
    )
    print(
        f"  bare insert POSTs        {inserted} in {ins.wall:.2f} s ({ins_rate:.1f} inserts/s)"
        f"   errors {len(ins.samples) - inserted}"
    )
    print(
        f"    latency                p50 {ms(percentile(ins_lat, 50))}"
        f"   p95 {ms(percentile(ins_lat, 95))}"
    )
    print(f"  registrations/s ÷ inserts/s = {ratio:.2f}")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"  load average at the end  {load} (other processes on the machine skew every figure)")
    goals = {
        "zero oversell": oversell == 0 and registered == taken - args.preexisting,
        "p95 < 100 ms (registered)": percentile(accepted, 95) < 0.100,
        "≥ half the bare-insert throughput": ratio >= 0.5,
        "no errors": errors == 0 and inserted == len(ins.samples),
    }
    for goal, met in goals.items():
        print(f"  [{'ok' if met else 'MISSED'}] {goal}")
    return all(goals.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="kenshu_bench")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--capacity", type=int, default=None, help="webinar capacity (seed: 450)")
    parser.add_argument("--overflow", type=float, default=0.2, help="requests beyond capacity")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    # One thread per worker: the thread holding the seat lock must not wait for the GIL.
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--max-seconds", type=float, default=120.0, help="per phase")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--cached-choices",
        action="store_true",
        help="what-if: build the municipality picker once per process (see bench_app.py)",
    )
    args = parser.parse_args()
    args.preexisting = 0

    conninfo = create_database(args.admin_url, args.database)
    env = {
        **os.environ,
        "DATABASE_URL": as_url(conninfo),
        "SECRET_KEY": secrets.token_hex(32),
        "KENSHU_PUBLIC_BASE_URL": "http://127.0.0.1",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("KENSHU_MAIL_SERVER", None)
    env["BENCH_CACHED_CHOICES"] = "1" if args.cached_choices else "0"
    process = None
    try:
        channel_id, capacity = prepare_database(conninfo, env, args.capacity)
        port = free_port()
        process = start_gunicorn(env, port, args.workers, args.threads)
        base = f"http://127.0.0.1:{port}"
        total = int(capacity * (1 + args.overflow))
        print(
            f"webinar capacity {capacity}; firing {total} registrations from {args.clients}"
            f" clients at {base} …",
            flush=True,
        )
        reg = run_phase("register", base, args.clients, total, args.max_seconds, fire_registration)
        ins = run_phase(
            "insert", base, args.clients, len(reg.samples), args.max_seconds, fire_insert
        )
        with psycopg.connect(conninfo) as conn:
            taken = conn.execute(
                "SELECT count(*) FROM registration WHERE channel_id = %s AND status = 'active'",
                (channel_id,),
            ).fetchone()[0]
            outbox = conn.execute("SELECT count(*) FROM outbox_message").fetchone()[0]
        ok = report(args, args.workers, reg, ins, taken, capacity, outbox)
    finally:
        if process is not None:
            stop(process)
        if not args.keep:
            drop_database(args.admin_url, args.database)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
