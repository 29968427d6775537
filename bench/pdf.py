"""PDF benchmark: a venue's 座席表 (goal under 1 s) and its booklets for 100 participants
(issue 12: every booklet of a venue under 5 s), on a throw-away SQLite database with the FY2023
demo event.

    .venv/bin/python bench/pdf.py [--people 100] [--pdf-uploads 1] [--before REV] [--rounds 2]
                                  [--only-booklets]

Every participant has a filled-in 資料３; each team uploads ``--pdf-uploads`` one-page PDFs as
資料４ (merged into every table's booklet, as printed on the day). The venue's booklets (the
全卓の資料集 job's ``venue_booklets``) are timed before and after in one run, alternating:
"before" is ``app/groupwork/tables/pdf.py`` of ``--before`` (default: the base of the branch
that made the booklets parallel) loaded from git, "after" today's, in one process
(``PDF_PROCESSES`` 1) and in two. CPU includes that of the runs laid out in the fork
server's children (``LaidOut.cpu``, measured in the child) and of any child that ended.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import logging
import random
import resource
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def old_module(rev: str, path: str, name: str) -> types.ModuleType:
    """``path`` as it was at ``rev`` (git), as a module named ``name``; the job functions it
    declares again are put back as they were."""
    from app.core import jobs

    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:{path}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    spec = importlib.util.spec_from_loader(name, loader=None)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    kept = dict(jobs._functions)
    exec(compile(source, f"{rev}:{path}", "exec"), module.__dict__)
    jobs._functions.clear()
    jobs._functions.update(kept)
    return module


def cpu_now() -> float:
    """CPU seconds of this process and of its children that have ended."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def build(people: int, uploads: int):
    from flask_migrate import upgrade
    from sqlalchemy import select
    from weasyprint import HTML

    from app.core.models import Municipality
    from app.core.municipalities import ensure_master
    from app.events.demo import demo_shift_weeks, seed_fy2023
    from app.extensions import db
    from app.groupwork.assignments.services import (
        PreAssignmentData,
        save_pre_assignment,
        save_scene_choice,
        store_team_file,
    )
    from app.groupwork.tables.services import allocate_tables
    from app.registration.services.people import PersonData
    from app.registration.services.teams import apply_team

    upgrade()
    ensure_master()
    event = seed_fy2023(demo_shift_weeks())
    channel = event.channel("t2_tokyo")
    channel.capacity = people * 2
    db.session.commit()
    rng = random.Random(1)
    codes = db.session.scalars(
        select(Municipality.code).where(Municipality.city.is_not(None)).order_by(Municipality.code)
    ).all()
    overview = HTML(
        string="<p style='font-family:\"Noto Sans CJK JP\"'>自治体概要資料</p>"
    ).write_pdf()
    total, n = 0, 0
    text = "在宅医療・介護連携推進事業の取り組みとして、" * 12
    while total < people:
        size = min(rng.choice([1, 2, 2, 3, 3, 4, 5, 6]), people - total)
        code = codes[(n * 37) % len(codes)]
        persons = [
            PersonData(
                name=f"参加 者{n}-{i}",
                kana="さんか しゃ",
                email=f"p{n}-{i}@example.jp",
                category="muni",
                municipality_code=code,
                department="高齢福祉課",
                occupation="保健師",
            )
            for i in range(size)
        ]
        team = apply_team(event, "t2_tokyo", code, persons)
        first = rng.randint(1, 4)
        save_scene_choice(team, first, 1 + first % 4, staff=True)
        grid = {
            s: {"goal": text, "current": text, "actions": text, "issues": text}
            for s in (1, 2, 3, 4)
        }
        for member in team.active_members:
            data = PreAssignmentData(name=member.name, strengths=text, weaknesses=text, grid=grid)
            save_pre_assignment(member, data, submit=True, actor="staff")
        for u in range(uploads):
            store_team_file(team, "overview", f"概要{u}.pdf", overview, staff=True)
        total += size
        n += 1
    venue = next(v for v in event.venues if v.code == "tokyo")
    venue.table_count = max(venue.table_count, people // 5 + 1)
    db.session.commit()
    return allocate_tables(venue, time_limit=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--pdf-uploads", type=int, default=1)
    parser.add_argument("--before", default="1e16a65")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--only-booklets", action="store_true")
    args = parser.parse_args()
    logging.disable(logging.INFO)
    from app import create_app
    from app.config import TestConfig
    from app.groupwork.tables import pdf

    before = old_module(args.before, "app/groupwork/tables/pdf.py", "bench_old_tables_pdf")
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            TestConfig,
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/bench.sqlite3",
            UPLOAD_FOLDER=f"{tmp}/uploads",
        )

        children = []  # CPU of the runs laid out in other processes (forked by a server)
        lay_out_all = pdf.lay_out_all

        def counted(htmls, processes=1):
            for i, document in enumerate(lay_out_all(htmls, processes)):
                if processes > 1 and i > 0:
                    children.append(document.cpu)
                yield document

        pdf.lay_out_all = counted

        def after(processes: int):
            def make():
                app.config["PDF_PROCESSES"] = processes
                return [d for _t, d in pdf.venue_booklets(allocation)]

            return make

        with app.app_context(), app.test_request_context():
            allocation = build(args.people, args.pdf_uploads)
            print(f"{args.people} participants, {len(allocation.tables)} tables")
            runs = []
            if not args.only_booklets:
                runs += [
                    ("座席表 (seat plan)", lambda: [pdf.seat_plan_pdf(allocation)]),
                    ("卓上名札 (name cards)", lambda: [pdf.name_cards_pdf(allocation)]),
                    ("グループワークシート", lambda: [pdf.worksheets_pdf(allocation)]),
                ]
            for _ in range(args.rounds):
                runs += [
                    (
                        f"booklets: before ({args.before})",
                        lambda: [d for _t, d in before.venue_booklets(allocation)],
                    ),
                    ("booklets: after, 1 process", after(1)),
                    ("booklets: after, 2 processes", after(2)),
                ]
            for label, make in runs:
                gc.collect()
                children.clear()
                started, cpu = time.perf_counter(), cpu_now()
                outputs = make()
                elapsed, cpu = time.perf_counter() - started, cpu_now() - cpu + sum(children)
                size = sum(len(o) for o in outputs) / 1024
                print(f"{label:<32} {elapsed:6.2f} s (CPU {cpu:6.2f} s)  {size:8.0f} KiB")


if __name__ == "__main__":
    main()
