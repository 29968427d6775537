"""PDF benchmark: a venue's 座席表 (goal under 1 s) and its booklets for 100 participants
(goal under 20 s), on a throw-away SQLite database with the FY2023 demo event.

    .venv/bin/python bench/pdf.py [--people 100] [--pdf-uploads 1]

Every participant has a filled-in 資料３; each team uploads ``--pdf-uploads`` one-page PDFs as
資料４ (merged into every table's booklet, as printed on the day).
"""

from __future__ import annotations

import argparse
import gc
import logging
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


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


def with_full_stylesheet(allocation):
    """The booklets as the job made them before it laid the venue out at once: a WeasyPrint
    document per table with WeasyPrint's own user-agent stylesheet (one font configuration,
    the venue's 資料４ read once)."""
    from app.core.pdf import html_to_pdf
    from app.groupwork.tables import pdf

    kept = pdf.html_to_pdf
    pdf.html_to_pdf = lambda html, lean=False: html_to_pdf(html)
    try:
        return booklets_as_the_job(allocation)
    finally:
        pdf.html_to_pdf = kept


def booklets_as_the_job(allocation):
    """A WeasyPrint document per table (the booklet download), the venue's 資料４ read once."""
    from app.groupwork.tables import pdf

    uploads: dict = {}
    return [pdf.booklet_pdf(t, uploads) for t in allocation.tables]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--pdf-uploads", type=int, default=1)
    args = parser.parse_args()
    logging.disable(logging.INFO)
    from app import create_app
    from app.config import TestConfig
    from app.groupwork.tables import pdf

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            TestConfig,
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/bench.sqlite3",
            UPLOAD_FOLDER=f"{tmp}/uploads",
        )
        with app.app_context(), app.test_request_context():
            allocation = build(args.people, args.pdf_uploads)
            print(f"{args.people} participants, {len(allocation.tables)} tables")
            for label, make in (
                ("座席表 (seat plan)", lambda: [pdf.seat_plan_pdf(allocation)]),
                ("卓上名札 (name cards)", lambda: [pdf.name_cards_pdf(allocation)]),
                ("グループワークシート", lambda: [pdf.worksheets_pdf(allocation)]),
                ("booklets: before (per table)", lambda: with_full_stylesheet(allocation)),
                ("  per table, lean sheet", lambda: booklets_as_the_job(allocation)),
                ("  one layout (the job)", lambda: [d for _t, d in pdf.venue_booklets(allocation)]),
                ("  before, again", lambda: with_full_stylesheet(allocation)),
                ("  one layout, again", lambda: [d for _t, d in pdf.venue_booklets(allocation)]),
            ):
                gc.collect()
                started, cpu = time.perf_counter(), time.process_time()
                outputs = make()
                elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
                size = sum(len(o) for o in outputs) / 1024
                print(f"{label:<30} {elapsed:6.2f} s (CPU {cpu:6.2f} s)  {size:8.0f} KiB")


if __name__ == "__main__":
    main()
