"""Which mail goes to whom: a registrant or a team member, with the template's objects.

The words are the templates' (``app/templates/mail/``); these only address the mail and put it
in the outbox of the caller's transaction.
"""

from __future__ import annotations

from app.core.mail import render_text, send_mail
from app.core.models import OutboxMessage
from app.registration.models import Registration, Team, TeamMember


def mail_registration(
    registration: Registration, template: str, *, kind: str = "registration", **context
) -> OutboxMessage:
    """Mail a 研修会議Ⅰ registrant; the template gets ``registration`` and ``context``."""
    return send_mail(
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
    summary = render_text("_team_summary.txt", team=team)
    return [
        mail_member(team, member, template, kind=kind, team_summary=summary, **context)
        for member in members
    ]
