"""flask commands: seed-demo, create-staff, clone-event, load-municipalities."""

from sqlalchemy import func, select

from app.core.jpdates import format_datetime, now_utc, to_jst
from app.core.models import StaffUser
from app.events.models import Event
from app.registration.models import Registration, Team, TeamMember


def test_seed_demo_as_published_keeps_the_2023_dates(runner, db):
    result = runner.invoke(args=["seed-demo", "--as-published"])
    assert result.exit_code == 0, result.output
    event = db.session.scalars(select(Event)).one()
    assert format_datetime(event.channel("webinar").closes_at) == "令和5年10月6日（金）17:00"
    assert format_datetime(event.channel("youtube").closes_at) == "令和5年10月17日（火）17:00"
    assert format_datetime(event.venues[1].assignment_deadline) == "令和5年10月20日（金）中"
    assert event.channel("webinar").capacity == 450


def test_seed_demo_moves_dates_by_whole_weeks_so_registration_is_open_today(runner, db):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    webinar = db.session.scalars(select(Event)).one().channel("webinar")
    assert webinar.opens_at <= now_utc() <= webinar.closes_at
    local = to_jst(webinar.closes_at)
    assert (local.strftime("%a"), local.hour, local.minute) == ("Fri", 17, 0)
    assert runner.invoke(args=["seed-demo", "--if-empty"]).output.strip().endswith("作成済みです。")


def test_seed_demo_with_registrants_reproduces_the_breakdown(runner, db):
    """One seed for every assertion on the demo's content (the seed is the slow part)."""
    from app.events.comparison import compare_surveys
    from app.groupwork.assignments.models import PreAssignment, SceneChoice
    from app.registration.rules import TEAM_COUNTED_STATUSES
    from app.surveys.models import SurveyResponse
    from app.surveys.services import comparison_figures, survey_is_open

    result = runner.invoke(args=["seed-demo", "--with-registrants"])
    assert result.exit_code == 0, result.output
    fy2023 = db.session.scalar(select(Event).where(Event.fiscal_year == 2023))
    counts = dict(
        db.session.execute(
            select(Registration.category, func.count())
            .where(Registration.event_id == fy2023.id)
            .group_by(Registration.category)
        ).all()
    )
    assert counts == {
        "pref": 249,
        "muni": 753,
        "kouseikyoku": 4,
        "kankei_dantai": 81,
        "senmonshoku": 180,
        "coordinator": 180,
        "itaku": 29,
        "other": 57,
    }
    per_venue = dict(
        db.session.execute(
            select(Team.channel_id, func.count(TeamMember.id))
            .join(TeamMember)
            .where(Team.event_id == fy2023.id)
            .group_by(Team.channel_id)
        ).all()
    )
    assert sorted(per_venue.values()) == [38, 65]
    emails = db.session.scalars(
        select(Registration.email).where(Registration.event_id == fy2023.id)
    ).all()
    assert len(set(emails)) == 1533 and all(e.endswith(".example.jp") for e in emails)

    # 資料２ for most teams taking part (so the allocation shows 第１・第２希望), a few 資料３
    teams = db.session.scalars(
        select(Team).where(Team.event_id == fy2023.id, Team.status.in_(TEAM_COUNTED_STATUSES))
    ).all()
    with_choice = db.session.scalar(
        select(func.count())
        .select_from(SceneChoice)
        .where(SceneChoice.team_id.in_([t.id for t in teams]))
    )
    assert with_choice >= 0.7 * len(teams) and with_choice < len(teams)
    assert 1 <= db.session.scalar(select(func.count()).select_from(PreAssignment)) <= 10
    # the questionnaire is open today and answered over several channels
    assert survey_is_open(fy2023)
    channels = dict(
        db.session.execute(
            select(SurveyResponse.channel, func.count())
            .where(SurveyResponse.event_id == fy2023.id)
            .group_by(SurveyResponse.channel)
        ).all()
    )
    assert sum(channels.values()) >= 200 and len(channels) >= 4
    # a smaller FY2022 with one programme row of its own: 「年度比較」 shows two years
    fy2022 = db.session.scalar(select(Event).where(Event.fiscal_year == 2022))
    assert fy2022 is not None and not fy2022.is_current and fy2023.is_current
    assert "令和４年度" in fy2022.name
    past = db.session.scalar(
        select(func.count()).select_from(Registration).where(Registration.event_id == fy2022.id)
    )
    assert 0 < past < len(emails)
    figures = [comparison_figures(fy2022), comparison_figures(fy2023)]
    assert 0 < figures[0]["responses"] < figures[1]["responses"]
    rows = {r["title"]: r for r in compare_surveys(2, figures)["ratings"]}
    assert rows["行政説明（医療計画）"]["positive"][1] is None
    assert rows["行政説明（医政局）"]["positive"][0] is None
    assert all(v is not None for v in rows["行政説明（老健局）"]["positive"])


def test_create_staff_hashes_the_password(runner, db):
    result = runner.invoke(
        args=[
            "create-staff",
            "tanaka",
            "--name",
            "田中",
            "--role",
            "analyst",
            "--password",
            "long enough password",
        ]
    )
    assert result.exit_code == 0 and "分析担当" in result.output
    user = db.session.scalars(select(StaffUser)).one()
    assert "long enough password" not in user.password_hash and user.check_password(
        "long enough password"
    )
    short = runner.invoke(args=["create-staff", "x", "--name", "x", "--password", "short"])
    assert short.exit_code != 0 and "10文字以上" in short.output


def test_clone_event_into_next_year(runner, db):
    runner.invoke(args=["seed-demo", "--as-published"])
    result = runner.invoke(args=["clone-event", "fy2023", "2024", "fy2024"])
    assert result.exit_code == 0, result.output
    clone = db.session.scalars(select(Event).where(Event.slug == "fy2024")).one()
    assert [t.name for t in clone.trainings] == ["研修会議Ⅰ", "研修会議Ⅱ"]
    assert len(clone.trainings[0].programme) == 15 and len(clone.venues) == 2
    local = to_jst(clone.channel("webinar").closes_at)
    assert local.year == 2024 and local.strftime("%a") == "Fri"
    assert clone.channel("t2_osaka").venue.name == "大阪会場"


def test_load_municipalities(runner, db):
    result = runner.invoke(args=["load-municipalities"])
    assert result.exit_code == 0 and "1788 件" in result.output
