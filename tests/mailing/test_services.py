"""Choosing the group and filling the placeholders per person (services, with the db)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.core.jpdates import format_datetime
from app.core.models import OutboxMessage
from app.groupwork.assignments.services import extend_deadline
from app.mailing.services import RecipientFilter, select_recipients


def _emails(event, **filters) -> list[str]:
    return sorted(r.email.lower() for r in select_recipients(event, RecipientFilter(**filters)))


def _lower(*people) -> list[str]:
    return sorted(p.email.lower() for p in people)


def test_webinar_registrants_only(db, event, population):
    assert _emails(event, channels=("webinar",)) == _lower(*population.webinar)


def test_cancelled_registrants_only_when_asked(db, event, population):
    emails = _emails(event, channels=("webinar",), include_cancelled=True)
    assert emails == _lower(*population.webinar, population.cancelled)


def test_representatives_only_of_teams_still_taking_part(db, event, population):
    # 見送り is left out; no 研修会議Ⅰ registrant is a 代表者.
    reps = [population.tokyo.representative, population.osaka.representative]
    assert _emails(event, representatives_only=True) == _lower(*reps)


def test_teams_without_their_shiryo2(db, event, population):
    assert _emails(event, scene_missing=True) == _lower(*population.osaka.members)


def test_declined_teams_only_when_their_state_is_chosen(db, event, population):
    assert _emails(event, team_statuses=("declined",)) == _lower(*population.declined.members)
    everyone = _emails(event)
    assert population.declined.members[0].email.lower() not in everyone


def test_venue_and_category(db, event, population):
    assert _emails(event, channels=("t2_osaka",)) == _lower(*population.osaka.members)
    assert _emails(event, categories=("pref",)) == _lower(population.webinar[1])


def test_one_recipient_per_address_and_the_first_occurrence_wins(db, event, population):
    recipients = select_recipients(event, RecipientFilter())
    ichiro = [r for r in recipients if r.email.lower() == "ichiro@city.example.jp"]
    assert len(ichiro) == 1
    assert ichiro[0].values["個人ページURL"].endswith(f"/r/{population.webinar[0].token}")
    assert len(recipients) == len({r.email.lower() for r in recipients})
    # 2 webinar + YouTube + 東京 (one of two already counted) + 大阪 2
    assert len(recipients) == 6


def test_placeholders_are_filled_per_person_from_the_data(db, event, population):
    later = population.osaka.channel.venue.scene_deadline + timedelta(days=3)
    extend_deadline(population.osaka, "scene", later, "事情により")
    by_key = {r.key: r for r in select_recipients(event, RecipientFilter())}
    rep = population.osaka.representative
    values = by_key[f"m{rep.id}"].values
    assert values["氏名"] == "大阪 代表"
    assert values["個人ページURL"].endswith(f"/t/{rep.token}")
    assert values["資料２締切"] == format_datetime(later) and "令和" in values["資料２締切"]
    # 資料２ not handed in: 〔締切〕 is the 資料２ deadline; the 東京 team's is 資料３・４.
    assert values["締切"] == values["資料２締切"]
    tokyo_rep = by_key[f"m{population.tokyo.representative.id}"].values
    assert tokyo_rep["締切"] == tokyo_rep["資料３・４締切"]
    venue = population.tokyo.channel.venue
    assert tokyo_rep["会場"] == f"{venue.facility} {venue.room}"
    registrant = by_key[f"r{population.youtube.id}"].values
    assert registrant["個人ページURL"].endswith(f"/r/{population.youtube.token}")
    assert registrant["YouTubeURL"] == event.youtube_url
    assert "資料２締切" not in registrant


def test_choosing_writes_nothing(db, event, population):
    before = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    select_recipients(event, RecipientFilter())
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == before
