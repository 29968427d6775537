"""Bench: the reports of issue 12, before and after in one run.

    .venv/bin/python bench/reports.py [--before REV] [--parts tabulation xlsx pdf] [--sizes 737 10000] [--before-max 737]
                                      [--tabulate 100000] [--rows 15330] [--comment-share 0.05]

- The questionnaire's PDF report for ``--sizes`` answers (737 = FY2023) with comments of about
  140 characters on ``--comment-share`` of the answers per free-text question (0.05: about 180
  comments at 1 ×, as in the issue's measurement). Before: the report template of ``--before``
  (a git revision, default the branch's base) with WeasyPrint's own user-agent stylesheet (the
  thread's font configuration reused, as since issue 12's first pass); after: the report of today,
  and the free-text PDF that the background job builds.
- The full tabulation of ``--tabulate`` answers, frame included: before, the tabulation module
  of ``--before`` from the answers' dicts; after, today's from the stored codes; both also
  with the rows read from a SQLite table.
- The registrations list as xlsx with ``--rows`` rows (15,330 = 10 × FY2023): before, the
  in-memory workbook (``Book.table``); after, the write-only writer into a temporary file.
  Time and peak Python memory (tracemalloc).

Pure (no database): answers from bench/tabulation.py's generator; the app only renders templates.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import logging
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
import types
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

COMMENT = (
    "在宅医療・介護連携推進事業の取り組みについて、他自治体の具体的な事例や課題の整理の仕方を"
    "聞くことができ大変参考になりました。特にＰＤＣＡサイクルの評価指標の設定については、"
    "当市でも早速検討したいと思います。来年度も同様の研修を希望します。"
)
TEXT_KEYS = ("Q1_1_1", "Q1_2_1", "Q2_reason", "Q6_1", "Q8")


def git_show(rev: str, path: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:{path}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def old_module(rev: str, path: str, name: str) -> types.ModuleType:
    spec = importlib.util.spec_from_loader(name, loader=None)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    exec(compile(git_show(rev, path), f"{rev}:{path}", "exec"), module.__dict__)
    return module


def answers(n: int, share: float) -> list[dict]:
    from tabulation import generate

    rng = random.Random(5)
    records = generate(n)
    for a in records:
        for key in TEXT_KEYS:
            if rng.random() < share:
                a[key] = COMMENT[: rng.randint(100, len(COMMENT))]
    return records


def timed(fn):
    """(wall seconds, CPU seconds of this process, result): on a shared machine the CPU time
    is the steadier figure."""
    gc.collect()
    started, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - started, time.process_time() - cpu, out


def traced(fn):
    gc.collect()
    tracemalloc.start()
    started = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return elapsed, peak


def pdf_reports(app, definition, sizes, before_max, share, rev) -> None:
    from markupsafe import Markup

    from app.core.pdf import html_to_pdf
    from app.surveys import pdf
    from app.surveys.charts import chart_svg
    from app.surveys.definition import CHANNEL_SHORT
    from app.surveys.tabulation import answers_frame, format_cell, tabulate

    old_template = app.jinja_env.from_string(git_show(rev, "app/templates/surveys/pdf/report.html"))
    event = types.SimpleNamespace(name="令和5年度 研修会議（ベンチマーク）", slug="bench")
    print(f"questionnaire PDF report (comments on {share:.0%} of answers per free-text question)")
    print(
        f"  {'answers':>8} {'comments':>9} {'before: wall/CPU s ×2':>21} "
        f"{'after: wall/CPU s ×2':>21} {'free text PDF s':>16}"
    )
    with app.test_request_context():
        pdf.report_pdf(event, definition, tabulate(definition, answers_frame(answers(6, 0)), {}))
        for n in sizes:
            tab = tabulate(definition, answers_frame(answers(n, share)), {"t1": 1533})

            def before(tab=tab):
                html = old_template.render(
                    event=event,
                    definition=definition,
                    tab=tab,
                    charts=[(c, Markup(chart_svg(c))) for c in tab.charts],
                    fmt=format_cell,
                    channel_short=CHANNEL_SHORT,
                    inline_texts=len(tab.texts) <= pdf.INLINE_TEXTS,
                    text_counts=pdf.text_counts(definition, tab),
                )
                return html_to_pdf(html)  # WeasyPrint's own stylesheet, the thread's fonts

            def after(tab=tab):
                return pdf.report_pdf(event, definition, tab)

            runs = {"before": [], "after": []}
            for _ in range(2):  # alternating: the load of the machine changes meanwhile
                if n <= before_max:
                    runs["before"].append(timed(before)[:2])
                runs["after"].append(timed(after)[:2])
            old, after = (
                " ".join("{:5.2f}/{:4.2f}".format(*r) for r in runs[k]) or "-"
                for k in ("before", "after")
            )
            texts = "{:6.2f} / {:5.2f}".format(
                *timed(lambda tab=tab: pdf.texts_pdf(event, definition, tab))[:2]
            )
            print(f"  {n:>8,} {len(tab.texts):>9,} {old:>21} {after:>21} {texts:>16}")


def tabulation(definition, n: int, rev: str) -> None:
    """Before: the base revision's module, its frame from the answers' dicts (as the JSON
    column gives them); after: today's, its frame from the stored codes and the small dicts of
    free text beside them (``frame_from_codes``). Then both again with the rows read from a
    SQLite table (the JSON column, or the codes and texts columns)."""
    import sqlalchemy as sa

    from app.surveys import tabulation as new

    old = old_module(rev, "app/surveys/tabulation.py", "bench_old_tabulation")
    records = answers(n, 0.05)
    stored = []
    for r in records:
        codes, rest = new.encode_answers(
            definition, {k: v for k, v in r.items() if not k.startswith("_")}
        )
        stored.append((r["_id"], r["_channel"], codes, rest))
    columns = [list(c) for c in zip(*stored, strict=True)]

    def after_frame(columns=columns):
        return new.frame_from_codes(definition, *columns)

    print(f"full tabulation of {n:,} answers, frame from the stored rows included")
    for label, module in (("before", old), ("after", new), ("before", old), ("after", new)):
        copies = [dict(r) for r in records]
        make = after_frame if module is new else (lambda m=module, c=copies: m.answers_frame(c))
        frame_s, frame_cpu, frame = timed(make)
        tab_s, tab_cpu, _ = timed(lambda m=module, f=frame: m.tabulate(definition, f, {"t1": 1533}))
        print(
            f"  {label:<7} frame {frame_s:6.3f} s  tabulate {tab_s:6.3f} s  "
            f"total {frame_s + tab_s:6.3f} s (CPU {frame_cpu + tab_cpu:6.3f} s)"
        )

    engine = sa.create_engine("sqlite://")
    meta = sa.MetaData()
    table = sa.Table(
        "survey_response",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("channel", sa.String(10)),
        sa.Column("answers", sa.JSON),
        sa.Column("codes", sa.Text),
        sa.Column("texts", sa.JSON(none_as_null=True)),
    )
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            table.insert(),
            [
                {
                    "id": r["_id"],
                    "channel": r["_channel"],
                    "answers": {k: v for k, v in r.items() if not k.startswith("_")},
                    "codes": c,
                    "texts": rest,
                }
                for r, (_i, _ch, c, rest) in zip(records, stored, strict=True)
            ],
        )

    # Only the table holds the answers now, as in the app's process (a heap of 100,000 dicts
    # kept by the bench would make every garbage collection during the fetch walk it too).
    del records, stored, columns, after_frame, copies, frame
    gc.collect()

    def before_db():
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(table.c.id, table.c.channel, table.c.answers).order_by(table.c.id)
            )
            recs = []
            for rid, channel, a in rows:
                a["_id"], a["_channel"] = rid, channel
                recs.append(a)
        return old.tabulate(definition, old.answers_frame(recs), {"t1": 1533})

    from app.core import collector

    def after_db():  # as surveys.services.answers_frame
        with collector.paused(), engine.connect() as conn:
            rows = conn.execute(
                sa.select(table.c.id, table.c.channel, table.c.codes, table.c.texts).order_by(
                    table.c.id
                )
            ).all()
            cols = ([r[i] for r in rows] for i in range(4))
            frame = new.frame_from_codes(definition, *cols)
        return new.tabulate(definition, frame, {"t1": 1533})

    print(f"the same, the {n:,} rows read from a SQLite table (JSON parsed by SQLAlchemy)")
    for label, fn in (("before", before_db), ("after", after_db)) * 2:
        wall, cpu, _ = timed(fn)
        print(f"  {label:<7} total {wall:6.3f} s (CPU {cpu:6.3f} s)")


def registrations_xlsx(rows: int) -> None:
    from app.core import spreadsheets
    from app.registration.exports import REGISTRATION_COLUMNS

    rng = random.Random(3)
    at = datetime(2023, 9, 1, 1, 0, tzinfo=UTC)

    def make_rows():
        for i in range(1, rows + 1):
            yield [
                i, "ウェビナー参加", "申込済み", f"山田 太郎{i}", "やまだ たろう",
                f"taro.yamada{i}@lg{rng.randint(10000, 99999)}.example.jp", "03-1234-5678",
                "市区町村職員", "", "東京都", "〇〇市", "高齢福祉課 地域包括ケア推進係",
                "保健師", "", "Web", at, None,
            ]  # fmt: skip

    def before_bytes():
        book = spreadsheets.Book()
        book.table("研修会議Ⅰ申込者", REGISTRATION_COLUMNS, make_rows())
        return book.to_bytes()

    def after():
        with tempfile.TemporaryFile() as spool:
            spreadsheets.write_table_xlsx(
                spool, "研修会議Ⅰ申込者", REGISTRATION_COLUMNS, make_rows()
            )

    print(f"registrations.xlsx, {rows:,} rows (time without tracing; peak with tracemalloc)")
    for label, fn in (("before", before_bytes), ("after", after)):
        elapsed, cpu, _ = timed(fn)
        _, peak = traced(fn)
        print(f"  {label:<7} {elapsed:6.2f} s (CPU {cpu:6.2f} s)  peak {peak / 2**20:7.1f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--before", default="3e9a144")  # b33491b: before issue 12's first pass
    parser.add_argument(
        "--parts", nargs="+", default=["tabulation", "xlsx", "pdf"], help="what to run"
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[737, 10000])
    parser.add_argument("--before-max", type=int, default=10000)
    parser.add_argument("--tabulate", type=int, default=100000)
    parser.add_argument("--rows", type=int, default=15330)
    parser.add_argument("--comment-share", type=float, default=0.05)
    args = parser.parse_args()
    logging.disable(logging.INFO)
    from app import create_app
    from app.config import TestConfig
    from app.events.demo import TRAINING1_PROGRAMME, TRAINING2_PROGRAMME
    from app.surveys.definition import build_definition

    definition = build_definition(
        [r[3] for r in TRAINING1_PROGRAMME if r[3]],
        [r[3] for r in TRAINING2_PROGRAMME if r[3]],
        ["東京会場", "大阪会場"],
    )
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    if "tabulation" in args.parts:
        tabulation(definition, args.tabulate, args.before)
    if "xlsx" in args.parts:
        registrations_xlsx(args.rows)
    if "pdf" in args.parts:
        pdf_reports(app, definition, args.sizes, args.before_max, args.comment_share, args.before)


if __name__ == "__main__":
    main()
