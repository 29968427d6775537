"""Which mail goes to whom: a registrant or a team member, with the template's objects.

The words are the templates' (``app/templates/mail/``); these only address the mail and put it
in the outbox of the caller's transaction.
"""

from __future__ import annotations

from app.core.mail import mail_values, queue_values, render_text, send_mail
from app.core.models import OutboxMessage
from app.registration.models import Registration, Team, TeamMember


def mail_registration(
    registration: Registration, template: str, *, kind: str = "registration", **context
) -> OutboxMessage:
    """Mail a 研修会議Ⅰ registrant; the template gets ``registration`` and ``context``."""
    return queue_values(registration_mail_values(registration, template, kind=kind, **context))


def registration_mail_values(
    registration, template: str, *, kind: str = "registration", **context
) -> dict:
    """``mail_registration``'s message as plain values (``core.mail.mail_values``), not
    queued: also the row the registration's one statement writes
    (``individual._register_in_one_statement``).
    ``registration`` is what the template reads: a row, or the plain new one
    (``individual.NewRegistration``)."""
    return mail_values(
        registration.email,
        template,
        event_id=registration.event_id,
        kind=kind,
        registration=registration,
        **context,
    )


def mail_member(
    team: Team, member: TeamMember, template: str, *, kind: str = "team", **context
) -> OutboxMessage:
    """Mail one member of a 研修会議Ⅱ team; the template gets ``team``, ``member``, ``context``."""
    return send_mail(
        member.email,
        template,
        event_id=team.event_id,
        kind=kind,
        team=team,
        member=member,
        **context,
    )


def mail_members(
    team: Team, members: list[TeamMember], template: str, *, kind: str = "team", **context
) -> list[OutboxMessage]:
    """Mail several members of one team (``mail_member`` each). The team's summary
    (``_team_summary.txt``: venue, municipality, state, every member) is the same in each mail
    and is written once for them all, as ``team_summary`` (issue 12: the surge's team
    application mails every member)."""
    return [
        queue_values(values)
        for values in member_mail_values(team, members, template, kind=kind, **context)
    ]


def member_mail_values(
    team, members: list, template: str, *, kind: str = "team", **context
) -> list[dict]:
    """``mail_members``' messages as plain values (``core.mail.mail_values``), not queued:
    also the rows the team's one statement writes (``teams.apply_team``). ``team`` and
    ``members`` are what the templates read: rows, or the plain new ones (``teams.NewTeam``)."""
    summary = render_text("_team_summary.txt", team=team)
    return [
        mail_values(
            member.email,
            template,
            event_id=team.event_id,
            kind=kind,
            team=team,
            member=member,
            team_summary=summary,
            **context,
        )
        for member in members
    ]
