"""Bench: questionnaire answers per second through gunicorn on PostgreSQL, 32 concurrent clients.

1. creates a fresh database, migrates it and seeds the FY2023 demo event, opens its survey;
2. starts gunicorn (2 × cores workers, gthread) serving the real app (``bench.bench_app:app``);
3. every client (a ``requests.Session``) opens the form once and keeps its CSRF token (CSRF on,
   as in production), then POSTs complete answers (F3 = 4, both matrices) for --seconds;
4. prints answers per second, p50/p95 latency and the count stored in the database.

    .venv/bin/python bench/survey_submit.py [--clients 32] [--seconds 20] [--keep]
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import sys
import threading
import time
from pathlib import Path

import psycopg
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.registration_surge import (
    as_url,
    create_database,
    drop_database,
    flask,
    free_port,
    percentile,
    start_gunicorn,
    stop,
    survey_form,
)

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def answer(token: str, n: int) -> dict:
    return dict(survey_form(n), csrf_token=token)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="kenshu_bench_survey")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    conninfo = create_database(args.admin_url, args.database)
    env = {
        **os.environ,
        "DATABASE_URL": as_url(conninfo),
        "SECRET_KEY": secrets.token_hex(32),
        "KENSHU_PUBLIC_BASE_URL": "http://127.0.0.1",
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
    }
    process = None
    try:
        flask(env, "db", "upgrade")
        flask(env, "seed-demo")
        with psycopg.connect(conninfo, autocommit=True) as conn:
            slug = conn.execute(
                "UPDATE event SET survey_opens_at = now() - interval '1 day',"
                " survey_closes_at = now() + interval '14 days' WHERE is_current RETURNING slug"
            ).fetchone()[0]
        port = free_port()
        process = start_gunicorn(env, port, args.workers, args.threads)
        url = f"http://127.0.0.1:{port}/survey/{slug}?ch=qr"
        samples: list[tuple[float, int]] = []
        lock = threading.Lock()
        stop_at = time.monotonic() + args.seconds
        counter = iter(range(10**9))

        def client() -> None:
            session = requests.Session()
            token = CSRF_RE.search(session.get(url, timeout=30).text).group(1)
            local = []
            while time.monotonic() < stop_at:
                t0 = time.perf_counter()
                r = session.post(
                    url, data=answer(token, next(counter)), allow_redirects=False, timeout=30
                )
                local.append((time.perf_counter() - t0, r.status_code))
            with lock:
                samples.extend(local)

        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        start = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.monotonic() - start
        ok = [t for t, status in samples if status == 302]
        with psycopg.connect(conninfo) as conn:
            stored = conn.execute("SELECT count(*) FROM survey_response").fetchone()[0]
        print(
            f"研修会議デスク survey submit — {os.cpu_count()} cores, gunicorn {args.workers} workers"
            f" × {args.threads} threads, {args.clients} clients, {wall:.1f} s"
        )
        print(
            f"answers accepted: {len(ok):,} (stored {stored:,}); other responses: "
            f"{len(samples) - len(ok)}"
        )
        print(f"answers per second: {len(ok) / wall:,.1f}")
        print(
            f"latency p50 {percentile(ok, 50) * 1000:.0f} ms, p95 {percentile(ok, 95) * 1000:.0f} ms"
        )
        return 0 if stored == len(ok) and len(ok) == len(samples) else 1
    finally:
        if process is not None:
            stop(process)
        if not args.keep:
            drop_database(args.admin_url, args.database)


if __name__ == "__main__":
    sys.exit(main())
