"""The lifecycle tested as one (issue 9 §1): random sequences of every action — people, the
secretariat and the clock — drive the real services; the invariants hold after every step.

CI runs the fixed derandomised profile below (on SQLite, and on PostgreSQL when
``TEST_DATABASE_URL`` is set); ``bench/lifecycle.py`` runs many more examples
(``LIFECYCLE_EXAMPLES``, ``LIFECYCLE_STEPS``, ``LIFECYCLE_RANDOM``).
"""

from __future__ import annotations

import os
from datetime import timedelta
from itertools import count

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import delete, func, select

from app.core.jpdates import now_utc
from app.core.models import AuditLog, OutboxMessage
from app.registration.models import (
    Registration,
    Team,
    TeamMember,
    WaitlistEntry,
    venue_headcount,
)
from app.registration.rules import TEAM_COUNTED_STATUSES, RegistrationError
from app.registration.services import individual, teams, waitlist
from app.registration.services.people import PersonData
from app.registration.services.seats import seats_taken

TEAM_MUNICIPALITIES = ("011002", "012025", "012033", "012041")
_emails = count(1)

STATS = {"examples": 0, "steps": 0, "refused": 0}


def _person(category: str, municipality: str = "131016") -> PersonData:
    n = next(_emails)
    government = category in ("muni", "pref")
    return PersonData(
        name=f"試験 太郎{n}",
        kana="しけん たろう",
        email=f"lifecycle{n}@city.example.jp",
        category=category,
        municipality_code=(municipality if category == "muni" else "130001") if government else "",
        organisation="" if government else "医師会",
        department="高齢福祉課",
        occupation="保健師",
    )


def _same_person(member: TeamMember) -> PersonData:
    return PersonData(
        name=member.name,
        kana=member.kana,
        email=member.email,
        category=member.category,
        municipality_code=member.municipality_code or "",
        organisation=member.organisation,
        department=member.department,
        occupation=member.occupation,
    )


class LifecycleMachine(RuleBasedStateMachine):
    """One event; a webinar of 2 seats, a YouTube channel, a venue with a target of 6."""

    db = None
    event = None

    @initialize()
    def fresh_event(self):
        db, event = self.db, self.event
        db.session.rollback()
        for model in (WaitlistEntry, Registration, TeamMember, Team, OutboxMessage, AuditLog):
            db.session.execute(delete(model))
        self.now = now_utc().replace(microsecond=0)
        self.webinar = event.channel("webinar")
        self.webinar.capacity = 2
        self.venue = event.channel("t2_tokyo")
        self.venue.capacity = 6
        db.session.commit()
        self.registrations: list[int] = []
        self.teams: list[int] = []
        self.decided_size: dict[int, int] = {}
        STATS["examples"] += 1

    # ------------------------------------------------------------ helpers

    def _snapshot(self):
        db = self.db
        entries = dict(db.session.execute(select(WaitlistEntry.id, WaitlistEntry.status)).all())
        mails = db.session.scalar(select(func.count()).select_from(OutboxMessage))
        audits = db.session.scalar(select(func.count()).select_from(AuditLog))
        return entries, mails, audits

    def _do(self, call, *, mails: int | None = None, staff: bool = False, team_mails=None):
        """Run a service call; check it sent the mails and audit entries its change asks for.

        ``mails``: the mails of the action itself; every offer made and every offer expired in
        the same transaction adds one. A refused action stores, mails and audits nothing."""
        STATS["steps"] += 1
        before, mails_before, audits_before = self._snapshot()
        try:
            result = call()
        except RegistrationError:
            self.db.session.rollback()
            STATS["refused"] += 1
            after, mails_after, audits_after = self._snapshot()
            assert after == before, "a refused action changed the waiting list"
            assert (mails_after, audits_after) == (mails_before, audits_before)
            return None
        self.db.session.expire_all()
        after, mails_after, audits_after = self._snapshot()
        offered = sum(1 for i, s in after.items() if s == "offered" and before.get(i) != "offered")
        expired = sum(1 for i, s in after.items() if s == "expired" and before.get(i) != "expired")
        own = team_mails(result) if team_mails else (mails or 0)
        assert mails_after - mails_before == own + offered + expired, "one mail per change"
        assert audits_after - audits_before == (1 if staff else 0), "one audit entry per change"
        return result

    def _registration(self, index: int) -> Registration:
        return self.db.session.get(
            Registration, self.registrations[index % len(self.registrations)]
        )

    def _team(self, index: int) -> Team:
        return self.db.session.get(Team, self.teams[index % len(self.teams)])

    # ------------------------------------------------------------ 研修会議Ⅰ

    @rule(
        channel=st.sampled_from(["webinar", "youtube"]),
        category=st.sampled_from(["muni", "pref", "kankei_dantai"]),
        join=st.booleans(),
    )
    def register(self, channel, category, join):
        person = _person(category)
        registration = self._do(
            lambda: individual.register_for_training1(
                self.event, channel, person, now=self.now, join_waitlist=join
            ),
            mails=1,
        )
        if registration is not None:
            self.registrations.append(registration.id)

    @rule(channel=st.sampled_from(["webinar", "youtube"]))
    def staff_admits_over_capacity(self, channel):
        person = _person("muni")
        registration = self._do(
            lambda: individual.register_for_training1(
                self.event,
                channel,
                person,
                now=self.now,
                source="console",
                over_capacity_reason="登壇者の同行",
            ),
            mails=1,
            staff=True,
        )
        if registration is not None:
            self.registrations.append(registration.id)

    @precondition(lambda self: self.registrations)
    @rule(index=st.integers(0, 99))
    def join_waitlist(self, index):
        registration = self._registration(index)
        self._do(lambda: waitlist.join_waitlist(registration, now=self.now), mails=1)

    @precondition(lambda self: self.registrations)
    @rule(index=st.integers(0, 99))
    def accept_offer(self, index):
        registration = self._registration(index)
        self._do(lambda: waitlist.accept_offer(registration, now=self.now), mails=1)

    @precondition(lambda self: self.registrations)
    @rule(index=st.integers(0, 99))
    def decline_offer(self, index):
        registration = self._registration(index)
        self._do(lambda: waitlist.decline_offer(registration, now=self.now), mails=1)

    @precondition(lambda self: self.registrations)
    @rule(index=st.integers(0, 99), by_staff=st.booleans())
    def cancel(self, index, by_staff):
        registration = self._registration(index)
        self._do(
            lambda: individual.cancel_registration(
                registration, now=self.now, by_staff=by_staff, reason="本人から電話"
            ),
            mails=1,
            staff=by_staff,
        )

    @precondition(lambda self: self.registrations)
    @rule(index=st.integers(0, 99), by_staff=st.booleans(), over=st.booleans())
    def switch(self, index, by_staff, over):
        registration = self._registration(index)
        target = "youtube" if registration.channel.kind == "webinar" else "webinar"
        self._do(
            lambda: individual.switch_channel(
                registration,
                target,
                now=self.now,
                by_staff=by_staff,
                over_capacity_reason="来賓" if by_staff and over else "",
            ),
            mails=1,
            staff=by_staff,
        )

    @precondition(lambda self: self.registrations)
    @rule(index=st.integers(0, 99))
    def edit(self, index):
        registration = self._registration(index)
        data = _person(registration.category)
        self._do(lambda: individual.update_registration(registration, data, now=self.now), mails=1)

    @rule(delta=st.integers(-2, 3))
    def staff_changes_capacity(self, delta):
        capacity = max(0, self.webinar.capacity + delta)
        self._do(
            lambda: individual.raise_capacity(self.webinar, capacity, "会場変更", now=self.now),
            staff=True,
        )

    # ------------------------------------------------------------ 研修会議Ⅱ

    @rule(municipality=st.sampled_from(TEAM_MUNICIPALITIES), size=st.integers(1, 6))
    def apply_team(self, municipality, size):
        members = [_person("muni", municipality)] + [
            _person("kankei_dantai") for _ in range(size - 1)
        ]
        team = self._do(
            lambda: teams.apply_team(self.event, "t2_tokyo", municipality, members, now=self.now),
            mails=size,
        )
        if team is not None:
            self.teams.append(team.id)

    @precondition(lambda self: self.teams)
    @rule(index=st.integers(0, 99), keep=st.integers(1, 6), new=st.integers(0, 4))
    def edit_team(self, index, keep, new):
        team = self._team(index)
        current = team.active_members
        if not current:
            return
        kept = [_same_person(m) for m in current[:keep]]
        members = kept + [_person("kankei_dantai") for _ in range(new)]
        removed = max(0, len(current) - len(kept))
        self._do(
            lambda: teams.update_team(team, members, now=self.now),
            mails=len(members) + removed,
        )

    @precondition(lambda self: self.teams)
    @rule(
        index=st.integers(0, 99),
        decision=st.sampled_from(["accepted", "adjusted", "declined"]),
        keep=st.integers(1, 5),
    )
    def staff_decides(self, index, decision, keep):
        team = self._team(index)
        keep_ids = [m.id for m in team.active_members[:keep]]
        left_out = len(team.active_members) - len(keep_ids) if decision == "adjusted" else 0
        result = self._do(
            lambda: teams.decide_team(team, decision, keep_member_ids=keep_ids, reason="選定"),
            mails=1 + left_out,  # the 代表者, and each member 人数調整 leaves out
            staff=True,
        )
        if result is not None:
            self.decided_size[result.id] = result.size

    @precondition(lambda self: self.teams)
    @rule(index=st.integers(0, 99), by_staff=st.booleans())
    def cancel_team(self, index, by_staff):
        team = self._team(index)
        self._do(
            lambda: teams.cancel_team(team, by_staff=by_staff, reason="辞退"),
            team_mails=lambda result: result.size,
            staff=by_staff,
        )

    # ------------------------------------------------------------ the clock

    @rule(
        hours=st.sampled_from([1, 24, 47, 48, 49, "deadline", "event_day"]),
    )
    def time_passes(self, hours):
        """The clock moves on; the scheduled ``expire-offers`` runs (as cron does)."""
        if hours == "deadline":
            self.now = max(self.now, self.webinar.closes_at + timedelta(seconds=1))
        elif hours == "event_day":
            self.now = max(self.now, self.webinar.starts_at)
        else:
            self.now += timedelta(hours=hours)
        self._do(lambda: waitlist.expire_offers(now=self.now))

    # ------------------------------------------------------------ invariants

    @invariant()
    def seats_never_oversold(self):
        if not hasattr(self, "webinar"):
            return
        overrides = self.db.session.scalar(
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.action.in_(("admit_over_capacity", "move_over_capacity")))
        )
        held = seats_taken(self.webinar, self.now)
        assert held <= self.webinar.capacity + overrides

    @invariant()
    def every_mail_belongs_to_the_event_and_answers_to_its_desk(self):
        """Every mail of every action (registrations, offers, teams, decisions, cancellations):
        a sweep of the kind of fault that left a team's mails with no event and no Reply-To
        (written before the team's flush, found in the tenth pass of issue 12)."""
        wrong = self.db.session.execute(
            select(OutboxMessage.kind, OutboxMessage.event_id, OutboxMessage.reply_to).where(
                OutboxMessage.event_id.is_distinct_from(self.event.id)
                | OutboxMessage.reply_to.is_distinct_from(self.event.contact_email)
            )
        ).all()
        assert wrong == [], wrong

    @invariant()
    def a_free_seat_is_offered_to_the_first_in_line(self):
        if not hasattr(self, "webinar"):
            return
        waiting = self.db.session.scalars(
            select(WaitlistEntry)
            .where(WaitlistEntry.status == "waiting")
            .order_by(WaitlistEntry.id)
        ).all()
        free = self.webinar.capacity - seats_taken(self.webinar, self.now)
        if waiting and self.now < self.webinar.starts_at:
            assert free <= 0, f"{free} seat(s) free while {len(waiting)} wait"

    @invariant()
    def the_waiting_list_holds_youtube_registrants_only(self):
        if not hasattr(self, "webinar"):
            return
        for entry in self.db.session.scalars(
            select(WaitlistEntry).where(WaitlistEntry.status.in_(("waiting", "offered")))
        ):
            assert entry.registration.is_active
            assert entry.registration.channel.kind != "webinar"

    @invariant()
    def a_decided_team_never_grows_without_a_decision(self):
        if not hasattr(self, "webinar"):
            return
        for team_id, size in self.decided_size.items():
            team = self.db.session.get(Team, team_id)
            if team.status in ("accepted", "adjusted"):
                assert team.size <= size, f"{team.status_label}: {team.size} > {size}"
        counted = self.db.session.scalar(
            select(func.count())
            .select_from(TeamMember)
            .join(Team)
            .where(Team.status.in_(TEAM_COUNTED_STATUSES), TeamMember.status == "active")
        )
        assert venue_headcount(self.venue.id, TEAM_COUNTED_STATUSES) == counted


def profile() -> settings:
    """The CI profile (derandomised, 12 sequences of up to 30 steps) or the bench's, from the
    environment: ``LIFECYCLE_EXAMPLES``, ``LIFECYCLE_STEPS``, ``LIFECYCLE_RANDOM=1``."""
    return settings(
        max_examples=int(os.environ.get("LIFECYCLE_EXAMPLES", "12")),
        stateful_step_count=int(os.environ.get("LIFECYCLE_STEPS", "30")),
        derandomize=not os.environ.get("LIFECYCLE_RANDOM"),
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )


def test_the_lifecycle_holds_its_invariants(db, event):
    LifecycleMachine.db, LifecycleMachine.event = db, event
    STATS.update(examples=0, steps=0, refused=0)
    run_state_machine_as_test(LifecycleMachine, settings=profile())
    print(
        f"lifecycle: {STATS['examples']} sequences, {STATS['steps']} steps "
        f"({STATS['refused']} refused by a rule)"
    )
    assert STATS["steps"] > 0
