"""The registration and team lifecycles off the happy path: the reproduced cases of issue 9 §1."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core.jpdates import now_utc
from app.core.models import AuditLog, OutboxMessage
from app.registration import lifecycle
from app.registration.models import Registration, Team, WaitlistEntry
from app.registration.rules import CapacityFullError, RegistrationError
from app.registration.services import individual, seats, teams, waitlist


def _count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _queue(event, make_person, n):
    return [
        individual.register_for_training1(event, "youtube", make_person("muni"), join_waitlist=True)
        for _ in range(n)
    ]


def _state(registration):
    return waitlist.state_of(registration, now_utc())


def _webinar_row(event):
    return next(r for r in seats.channel_overview(event) if r["channel"].code == "webinar")


def test_the_offer_holder_cancels_and_the_next_in_line_gets_the_offer(
    client, db, event, make_registration, make_person
):
    webinar = event.channel("webinar")
    webinar.capacity = 1
    db.session.commit()
    make_registration("webinar")
    a, b = _queue(event, make_person, 2)
    individual.raise_capacity(webinar, 2, "会場の都合で増席")
    assert _state(a) == "offered" and _state(b) == "waiting"
    client.post(f"/r/{a.token}/cancel")
    db.session.expire_all()
    assert _state(b) == "offered"
    assert "ウェビナー参加の席をご用意しています" in client.get(f"/r/{b.token}").get_data(
        as_text=True
    )
    assert _webinar_row(event)["left"] == 0 and _webinar_row(event)["state"] == "満席"
    offer_mails = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.to_addr == b.email, OutboxMessage.kind == "waitlist_offer"
        )
    ).all()
    assert len(offer_mails) == 1
    with pytest.raises(CapacityFullError):
        individual.register_for_training1(event, "webinar", make_person("muni"))


def test_decline_the_offer_and_stay_on_youtube(client, db, event, make_registration, make_person):
    webinar = event.channel("webinar")
    webinar.capacity = 1
    db.session.commit()
    seated = make_registration("webinar")
    a, b = _queue(event, make_person, 2)
    individual.cancel_registration(seated)
    offer = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.to_addr == a.email, OutboxMessage.kind == "waitlist_offer"
        )
    ).one()
    assert "辞退する（YouTubeのまま）" in offer.body
    page = client.get(f"/r/{a.token}").get_data(as_text=True)
    assert "辞退する（YouTubeのまま）" in page and f"/r/{a.token}/decline-offer" in page
    response = client.post(f"/r/{a.token}/decline-offer", follow_redirects=True)
    assert "ご案内を辞退しました" in response.get_data(as_text=True)
    db.session.expire_all()
    assert a.is_active and a.channel.code == "youtube" and a.open_waitlist_entry is None
    assert a.waitlist_entries[-1].status_label == "辞退（YouTubeのまま）"
    assert _state(b) == "offered"  # the seat went on at once, not after 48 hours
    declined = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_addr == a.email).order_by(OutboxMessage.id)
    ).all()[-1]
    assert "辞退されました" in declined.subject
    again = client.post(f"/r/{a.token}/decline-offer", follow_redirects=True)
    assert "有効なご案内がありません" in again.get_data(as_text=True)


def test_accept_is_checked_again_under_the_lock(app, db, event, make_registration, make_person):
    """The offer expires and its seat is taken between reading the offer and taking the lock."""
    webinar = event.channel("webinar")
    webinar.capacity = 2
    db.session.commit()
    seated = [make_registration("webinar"), make_registration("webinar")]
    (a,) = _queue(event, make_person, 1)
    individual.cancel_registration(seated[0])
    entry = a.open_waitlist_entry  # read: offered and live, as the accept page saw it
    assert entry.status == "offered"
    event_id, expires = event.id, entry.offer_expires_at
    newcomer = make_person("muni")

    def meanwhile():  # another worker, at the second of expiry
        with app.app_context():
            from app.events.models import Event
            from app.extensions import db as db2

            waitlist.expire_offers(now=expires)
            individual.register_for_training1(
                db2.session.get(Event, event_id), "webinar", newcomer, now=expires
            )
            db2.session.remove()

    worker = threading.Thread(target=meanwhile)
    worker.start()
    worker.join()
    with pytest.raises(RegistrationError, match="有効なご案内がありません"):
        waitlist.accept_offer(a, now=expires - timedelta(seconds=1))
    db.session.rollback()
    active = _count(
        db, Registration, Registration.channel_id == webinar.id, Registration.status == "active"
    )
    assert active == 2


def _decided_team_of_five(db, make_team):
    team = make_team(size=5)
    team.status = "pending"
    db.session.commit()
    keep = [m.id for m in team.active_members[:2]]
    return teams.decide_team(team, "adjusted", keep_member_ids=keep, reason="会場の定員")


def test_a_decided_team_may_not_add_members(client, db, event, make_team):
    team = _decided_team_of_five(db, make_team)
    rep = team.representative
    everyone = [m for m in team.members]
    mails, audits = _count(db, OutboxMessage), _count(db, AuditLog)
    data = {"channel": "t2_tokyo", "team_municipality": "011002", "note": "", "consent": "y"}
    for i, m in enumerate(everyone):
        for key in (
            "name",
            "kana",
            "email",
            "phone",
            "category",
            "organisation",
            "department",
            "occupation",
            "category_other",
        ):
            data[f"members-{i}-{key}"] = getattr(m, key) or ""
        data[f"members-{i}-municipality"] = (
            "same" if m.municipality_code == "011002" else (m.prefecture_code or "")
        )
    html = client.post(f"/t/{rep.token}/edit", data=data).get_data(as_text=True)
    assert "人数調整）の後は、参加者の追加はできません" in html
    db.session.expire_all()
    team = db.session.get(Team, team.id)
    assert team.status == "adjusted" and team.size == 2
    assert _count(db, OutboxMessage) == mails and _count(db, AuditLog) == audits
    tokyo = next(r for r in seats.channel_overview(event) if r["channel"].code == "t2_tokyo")
    assert tokyo["registered"] == 2


def test_members_left_out_by_the_adjustment_are_told(db, event, make_team):
    team = _decided_team_of_five(db, make_team)
    left_out = [m for m in team.members if m.status == "removed"]
    assert len(left_out) == 3
    for member in left_out:
        mail = db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.to_addr == member.email)
            .order_by(OutboxMessage.id)
        ).all()[-1]
        assert "事務局による選定（人数調整）により" in mail.body


def test_a_decided_team_may_replace_a_member(db, event, make_team, make_person):
    team = _decided_team_of_five(db, make_team)
    rep = team.active_members[0]
    from app.registration.services.people import PersonData

    keep = PersonData(
        name=rep.name,
        kana=rep.kana,
        email=rep.email,
        category="muni",
        municipality_code="011002",
        department="保健福祉局",
        occupation="事務職",
    )
    teams.update_team(team, [keep, make_person("kankei_dantai")])
    assert team.status == "adjusted" and team.size == 2


def test_the_lifecycle_tables():
    assert lifecycle.registration_step("offered", "decline_offer") == "youtube"
    assert lifecycle.registration_step("waiting", "offer") == "offered"
    for action in ("accept_offer", "decline_offer"):
        with pytest.raises(lifecycle.TransitionError, match="有効なご案内"):
            lifecycle.registration_step("youtube", action)
    with pytest.raises(lifecycle.TransitionError, match="既に取り消されています"):
        lifecycle.registration_step("cancelled", "cancel")
    assert lifecycle.team_step("adjusted", "edit") == "adjusted"
    assert lifecycle.team_step("received", "add_members") == "fit"
    with pytest.raises(lifecycle.TransitionError, match="参加決定）の後は"):
        lifecycle.team_step("accepted", "add_members")
    with pytest.raises(lifecycle.TransitionError):
        lifecycle.team_step("declined", "edit")
    # every state of the model has a label, and every action a label
    assert set(WaitlistEntry.STATUSES) >= {"waiting", "offered", "declined", "expired"}
    for (state, action), after in lifecycle.REGISTRATION_TRANSITIONS.items():
        assert action in lifecycle.REGISTRATION_ACTIONS
        assert after in lifecycle.REGISTRATION_STATES and state in (
            *lifecycle.REGISTRATION_STATES,
            "new",
        )


def test_an_offer_past_its_time_is_said_so_before_expire_offers_runs(
    client, db, event, make_registration, make_person
):
    event.channel("webinar").capacity = 1
    db.session.commit()
    seated = make_registration("webinar")
    (a,) = _queue(event, make_person, 1)
    individual.cancel_registration(seated)
    entry = a.open_waitlist_entry
    entry.offer_expires_at = now_utc() - timedelta(minutes=1)
    db.session.commit()
    html = client.get(f"/r/{a.token}").get_data(as_text=True)
    assert "回答期限（" in html and "None番目" not in html
    assert "辞退する（YouTubeのまま）" not in html
