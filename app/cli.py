"""flask commands: seed-demo, create-staff, send-mail, jobs, expire-offers, load-municipalities, clone-event."""

from __future__ import annotations

import getpass
import time

import click
from flask import Flask
from sqlalchemy import select, text

from app.extensions import db

DEMO_ANSWERS = 300  # questionnaire answers of the demo year
PAST_SCALE = 0.4  # the past year (FY2022): registrants as a share of FY2023's
PAST_ANSWERS = 120


def _seed_demo_content(event, seed: int, open_survey: bool) -> None:
    """Registrants, 資料２・資料３, questionnaire answers, and a smaller FY2022 for 「年度比較」
    (issue 10 §7). Each package's own real services store its part; deterministic per seed."""
    from app.events.demo import open_survey_today, seed_fy2022
    from app.groupwork.assignments.demo import seed_submissions
    from app.registration.population import seed_population
    from app.surveys.demo import seed_answers

    def say(what: str, counts: dict) -> None:
        click.echo(f"{what}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))

    if db.engine.dialect.name == "sqlite":
        # The services commit once per answer: in WAL mode synchronous=NORMAL skips the fsync
        # of each commit (still safe from corruption; a power cut could lose the last commits
        # of a seed one simply re-runs). This connection only, for the seed only.
        db.session.execute(text("PRAGMA synchronous=NORMAL"))

    say("申込者を作成しました", seed_population(event, seed=seed))
    if open_survey:
        open_survey_today(event)
    say("事前課題を提出しました", seed_submissions(event, seed=seed))
    say("アンケート回答を作成しました", seed_answers(event, DEMO_ANSWERS, seed=seed))
    past = seed_fy2022(event)
    say(f"{past.name}を作成しました", seed_population(past, seed=seed - 1, scale=PAST_SCALE))
    say("前年度のアンケート回答を作成しました", seed_answers(past, PAST_ANSWERS, seed=seed - 1))


def register_commands(app: Flask) -> None:
    @app.cli.command("load-municipalities")
    def load_municipalities_cmd():
        """Load the 47 prefectures and 1,741 municipalities (validated) into the master."""
        from app.core.municipalities import load_master

        click.echo(f"{load_master()} 件の団体コードを読み込みました。")

    @app.cli.command("seed-demo")
    @click.option("--as-published", is_flag=True, help="元の2023年の日付のまま作成する")
    @click.option("--with-registrants", is_flag=True, help="報告書の内訳どおりの申込者を作成する")
    @click.option("--if-empty", is_flag=True, help="イベントが既にあれば何もしない")
    @click.option("--seed", default=2023, help="申込者生成の乱数シード")
    def seed_demo_cmd(as_published, with_registrants, if_empty, seed):
        """The FY2023 event; dates moved by whole weeks so that registration is open today."""
        from app.core.municipalities import ensure_master
        from app.events.demo import demo_shift_weeks, seed_fy2023
        from app.events.models import Event

        if if_empty and db.session.scalar(select(Event.id).limit(1)):
            click.echo("イベントは作成済みです。")
            return
        ensure_master()
        weeks = 0 if as_published else demo_shift_weeks()
        event = seed_fy2023(weeks)
        click.echo(f"{event.name}（{weeks}週後ろ倒し）を作成しました。")
        if with_registrants:
            _seed_demo_content(event, seed, open_survey=not as_published)

    @app.cli.command("create-staff")
    @click.argument("login")
    @click.option("--name", required=True)
    @click.option(
        "--role", type=click.Choice(["admin", "secretariat", "analyst"]), default="secretariat"
    )
    @click.option("--password", default=None, help="省略時は入力を求める")
    def create_staff_cmd(login, name, role, password):
        """Create a console account (管理者 admin, 事務局 secretariat, 分析担当 analyst)."""
        from app.core.auth import create_staff

        if password is None:
            password = getpass.getpass("パスワード: ")
        try:
            user = create_staff(login, name, role, password)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"{user.login}（{user.role_label}）を作成しました。")

    @app.cli.command("jobs")
    @click.option("--workers", default=1, help="同時に実行するジョブの数")
    def jobs_cmd(workers):
        """Run the background jobs (long reports) until stopped: Huey's consumer (app.core.jobs)."""
        from app.core import jobs

        click.echo(f"バックグラウンドジョブを実行します（{jobs.huey.__class__.__name__}）。")
        jobs.run_consumer(workers)

    @app.cli.command("send-mail")
    @click.option("--loop", is_flag=True, help="止めるまで送り続ける")
    @click.option("--interval", default=5.0, help="--loop の待ち秒数")
    @click.option("--batch", default=100)
    def send_mail_cmd(loop, interval, batch):
        """Send due outbox messages (several senders may run at once on PostgreSQL)."""
        from app.core.mail import send_pending
        from app.registration.services.waitlist import expire_offers

        while True:
            expire_offers()
            counts = send_pending(batch)
            if any(counts.values()):
                click.echo(", ".join(f"{k} {v}" for k, v in counts.items()))
            if not loop:
                break
            if not any(counts.values()):
                time.sleep(interval)

    @app.cli.command("expire-offers")
    def expire_offers_cmd():
        """Expire waiting-list offers past their time and offer the seats to the next in line."""
        from app.registration.services.waitlist import expire_offers

        click.echo(f"{expire_offers()} 件の案内を期限切れにしました。")

    @app.cli.command("anonymise-event")
    @click.argument("slug")
    @click.option("--force", is_flag=True, help="保存期間内でも実行する")
    def anonymise_event_cmd(slug, force):
        """Erase registrants' personal data after the event's retention period."""
        from datetime import timedelta

        from app.core.jpdates import now_utc
        from app.events.models import Event
        from app.registration.services.retention import anonymise_event

        event = db.session.scalar(select(Event).where(Event.slug == slug))
        if event is None:
            raise click.ClickException(f"イベント {slug} がありません。")
        last_day = max(c.ends_at for c in event.channels)
        if not force and now_utc() < last_day + timedelta(days=event.retention_days):
            raise click.ClickException(
                f"保存期間（開催後{event.retention_days}日）が終わっていません。--force で実行できます。"
            )
        click.echo(f"{anonymise_event(event)} 名の個人情報を削除しました。")

    @app.cli.command("clone-event")
    @click.argument("source_slug")
    @click.argument("fiscal_year", type=int)
    @click.argument("slug")
    @click.option(
        "--training1-date",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        help="研修会議Ⅰの開催日（YYYY-MM-DD）。他の日程は同じ週数だけ移ります",
    )
    def clone_event_cmd(source_slug, fiscal_year, slug, training1_date):
        """Copy an event's settings and programme into another fiscal year (the service of
        the console's 「前年度から作成」)."""
        from app.events.models import Event
        from app.events.services import EventError, clone_event

        source = db.session.scalar(select(Event).where(Event.slug == source_slug))
        if source is None:
            raise click.ClickException(f"イベント {source_slug} がありません。")
        try:
            clone = clone_event(
                source, fiscal_year, slug, training1_date.date() if training1_date else None
            )
        except EventError as exc:
            raise click.ClickException(exc.message) from None
        click.echo(f"{clone.slug} を作成しました。")
