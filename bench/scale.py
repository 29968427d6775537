"""Bench: the console pages and exports at 1 × and 10 × FY2023, on PostgreSQL.

    .venv/bin/python bench/scale.py [--url postgresql://postgres@127.0.0.1:5432/postgres]
                                    [--scales 1 10] [--comment-share 0.05] [--keep]

FY2023 is 1,533 研修会議Ⅰ registrants, 103 研修会議Ⅱ participants in 30 teams and 737 answers;
``--scales 10`` grows each tenfold (the population seeded ten times with other seeds; answers
with realistic comments of about 140 characters on ``--comment-share`` of the answers per
free-text question).

Each scale gets a database of its own, ``kenshu_bench_scale_<n>x``, created here and dropped at
the end (``--keep`` keeps it); no other database is touched. For every console page without
arguments and every export, it prints the time, the response size, the SQL statements and the
peak Python memory (tracemalloc, in a second request: it slows Python down) of one request,
after one warm-up request.
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import time
import tracemalloc
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

COMMENT = (
    "在宅医療・介護連携推進事業の取り組みについて、他自治体の具体的な事例や課題の整理の仕方を"
    "聞くことができ大変参考になりました。特にＰＤＣＡサイクルの評価指標の設定については、"
    "当市でも早速検討したいと思います。来年度も同様の研修を希望します。"
)
EXPORTS = [
    "/console/export/registrations.xlsx",
    "/console/export/registrations.csv",
    "/console/export/teams.xlsx",
    "/console/export/teams.csv",
    "/console/surveys/answers.xlsx",
    "/console/surveys/answers.csv",
    "/console/surveys/report.xlsx",
    "/console/surveys/report.pdf",
]
SKIP = {"/console/surveys/slide", "/console/events/compare.xlsx", "/console/surveys/paper.pdf"}


def database_url(base: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return (
        make_url(base)
        .set(drivername="postgresql+psycopg", database=name)
        .render_as_string(hide_password=False)
    )


def admin_connection(base: str):
    from sqlalchemy import create_engine

    return create_engine(database_url(base, "postgres"), isolation_level="AUTOCOMMIT")


@contextmanager
def distinct_copy(event, copy: int):
    """seed_population once more: other e-mail addresses (``c<copy>.``) and teams only of
    municipalities without a team yet (one team per municipality and event)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.registration import population
    from app.registration.models import Team

    taken = set(db.session.scalars(select(Team.municipality_code).where(Team.event_id == event.id)))
    init, person = population._People.__init__, population._People.person

    def fresh_init(self, rng, municipalities, prefectures):
        init(self, rng, [m for m in municipalities if m.code not in taken], prefectures)

    def fresh_person(self, *args, **kwargs):
        data = person(self, *args, **kwargs)
        if copy:
            data["email"] = data["email_normalized"] = f"c{copy}.{data['email']}"
        return data

    population._People.__init__, population._People.person = fresh_init, fresh_person
    try:
        yield
    finally:
        population._People.__init__, population._People.person = init, person


def seed(scale: int, comment_share: float) -> dict[str, int]:
    from flask_migrate import upgrade
    from sqlalchemy import func, insert, select
    from tabulation import generate

    from app.core.auth import create_staff
    from app.core.municipalities import ensure_master
    from app.events.demo import demo_shift_weeks, seed_fy2023
    from app.extensions import db
    from app.registration.models import Registration, TeamMember
    from app.registration.population import seed_population
    from app.surveys.models import SurveyResponse
    from app.surveys.services import ensure_survey

    upgrade()
    ensure_master()
    event = seed_fy2023(demo_shift_weeks())
    for channel in event.channels:
        channel.capacity = None if channel.capacity is None else channel.capacity * scale
    db.session.commit()
    for i in range(scale):
        with distinct_copy(event, i):
            seed_population(event, seed=2023 + i)
        db.session.commit()
    ensure_survey(event)
    rng = random.Random(7)
    rows = []
    for a in generate(737 * scale, seed=2023):
        a.pop("_id")
        channel = a.pop("_channel")
        submitted = a.pop("_at")
        for key in ("Q1_1_1", "Q1_2_1", "Q2_reason", "Q6_1", "Q8"):
            if rng.random() < comment_share:
                a[key] = COMMENT[: rng.randint(100, len(COMMENT))]
        rows.append(
            {
                "event_id": event.id,
                "channel": channel,
                "source": "web",
                "answers": a,
                "submitted_at": submitted,
            }
        )
    db.session.execute(insert(SurveyResponse), rows)
    db.session.commit()
    create_staff("bench-admin", "ベンチ", "admin", "bench-password-123")
    return {
        "registrations": db.session.scalar(select(func.count()).select_from(Registration)),
        "team members": db.session.scalar(select(func.count()).select_from(TeamMember)),
        "answers": db.session.scalar(select(func.count()).select_from(SurveyResponse)),
    }


def measure(app, client, paths: list[str]) -> None:
    from sqlalchemy import event as sa_event

    from app.core import jobs
    from app.extensions import db

    statements = [0]

    def count(*_args, **_kwargs):
        statements[0] += 1

    with app.app_context():
        engine = db.engine
    sa_event.listen(engine, "before_cursor_execute", count)
    print(
        f"  {'page or export':<44} {'time s':>7} {'CPU s':>7} {'size KiB':>9} {'SQL':>5} "
        f"{'peak MiB':>9}"
    )
    for path in paths:
        client.get(path).close()  # warm-up (templates, caches)
        jobs.huey.flush()  # no report kept from the warm-up: the timed request lays it out
        statements[0] = 0
        started, cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        size = sum(len(chunk) for chunk in response.response)  # a streamed body is read here
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        queries = statements[0]
        response.close()
        jobs.huey.flush()
        tracemalloc.start()  # a second request for the memory (tracemalloc slows Python down)
        traced = client.get(path)
        for _chunk in traced.response:
            pass
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        traced.close()
        print(
            f"  {path:<44} {elapsed:7.2f} {cpu:7.2f} {size / 1024:9.0f} {queries:5d} "
            f"{peak / 2**20:9.1f}  {response.status_code}"
        )
    started, cpu = time.perf_counter(), time.process_time()
    client.get("/console/surveys/report.pdf").close()  # the report of the last request, kept
    print(
        f"  {'(report.pdf again: kept, not laid out)':<44} {time.perf_counter() - started:7.2f} "
        f"{time.process_time() - cpu:7.2f}"
    )
    sa_event.remove(engine, "before_cursor_execute", count)


def console_pages(app) -> list[str]:
    """Every console page that takes no argument (GET), then the exports."""
    pages = sorted(
        r.rule
        for r in app.url_map.iter_rules()
        if r.rule.startswith("/console")
        and "GET" in r.methods
        and not r.arguments
        and r.rule not in SKIP
        and "login" not in r.rule
        and "password" not in r.rule
    )
    return pages + EXPORTS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--comment-share", type=float, default=0.05)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    logging.disable(logging.INFO)
    from sqlalchemy import text

    from app import create_app
    from app.config import TestConfig

    admin = admin_connection(args.url)
    for scale in args.scales:
        name = f"kenshu_bench_scale_{scale}x"
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))  # only this bench's own
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url(args.url, name))
            with app.app_context():
                started = time.perf_counter()
                counts = seed(scale, args.comment_share)
                print(
                    f"{scale} × FY2023: "
                    + ", ".join(f"{k} {v:,}" for k, v in counts.items())
                    + f" (seeded in {time.perf_counter() - started:.0f} s)"
                )
            client = app.test_client()
            client.post(
                "/console/login", data={"login": "bench-admin", "password": "bench-password-123"}
            )
            measure(app, client, console_pages(app))
            with app.app_context():
                from app.extensions import db

                db.engine.dispose()
        finally:
            if not args.keep:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
