"""What the decision and cancellation mails carry (issue 10 §4): the 参加決定・人数調整 mail to
the 代表者 has the team page, the next steps 資料１–４ with their deadlines and the contact; a
cancellation mail has the personal link."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.core.jpdates import format_datetime
from app.core.models import OutboxMessage
from app.registration.services import individual, teams


def _last(db, to: str, kind: str) -> OutboxMessage:
    return db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.to_addr == to, OutboxMessage.kind == kind)
        .order_by(OutboxMessage.id.desc())
    ).first()


@pytest.mark.parametrize("decision", ["accepted", "adjusted"])
def test_the_decision_mail_carries_the_team_page_next_steps_and_contact(
    db, event, make_team, decision
):
    team = make_team(size=3)
    team.status = "pending"
    db.session.commit()
    keep = [m.id for m in team.active_members[:2]]
    teams.decide_team(team, decision, keep_member_ids=keep)
    rep = team.representative
    body = _last(db, rep.email, "team_decision").body
    venue = team.channel.venue
    assert f"/t/{rep.token}" in body
    for item in ("資料１", "資料２", "資料３", "資料４"):
        assert item in body
    assert format_datetime(venue.scene_deadline) in body
    assert format_datetime(venue.assignment_deadline) in body
    assert event.contact_email in body and event.secretariat in body


def test_a_declined_team_gets_no_next_steps_but_the_contact(db, event, make_team):
    team = make_team(size=2)
    team.status = "pending"
    db.session.commit()
    teams.decide_team(team, "declined")
    body = _last(db, team.representative.email, "team_decision").body
    assert "資料２" not in body and "/t/" not in body
    assert event.contact_email in body


def test_the_cancellation_mails_carry_the_personal_link(db, event, make_registration, make_team):
    registration = make_registration("webinar")
    individual.cancel_registration(registration)
    body = _last(db, registration.email, "cancel").body
    assert f"/r/{registration.token}" in body and event.contact_email in body
    team = make_team(size=2)
    teams.cancel_team(team)
    for member in team.members:
        assert f"/t/{member.token}" in _last(db, member.email, "cancel").body


def test_every_member_of_a_team_gets_the_whole_summary_as_one_members_mail_would_have_it(
    db, event, make_team, make_person
):
    """The team's summary is written once for all its members' mails (notify.mail_members,
    issue 12). Each mail must still read as the member's own mail written alone: the venue,
    the state, every member, then that member's own link."""
    from app.core.mail import render_mail

    team = make_team(size=3)
    members = list(team.active_members)
    for member in members:
        mail = _last(db, member.email, "team")
        alone = render_mail("team_received.txt", team=team, member=member)
        assert (mail.subject, mail.body) == alone
        assert mail.body.startswith(f"{member.name} 様\n")
        assert f"/t/{member.token}" in mail.body
        for other in members:  # each member listed once, in every mail
            assert len(re.findall(rf"\. {re.escape(other.name)}[ （]", mail.body)) == 1
        assert team.channel.venue.facility in mail.body
    # A change mails the kept and new members the summary as it now stands.
    people = [make_person("muni", municipality_code="011002", email=members[0].email)]
    people.append(make_person("kankei_dantai", name="新井　新"))
    teams.update_team(team, people)
    for member in team.active_members:
        mail = _last(db, member.email, "team")
        assert (mail.subject, mail.body) == render_mail(
            "team_changed.txt", team=team, member=member
        )
        assert "新井　新" in mail.body
        assert not re.search(rf"\. {re.escape(members[1].name)}[ （]", mail.body)
