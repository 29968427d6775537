"""Details a secretariat and a participant notice on the first day (issue 13): counts that say
what they count, words instead of repetitions, links that lead somewhere."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.core.models import OutboxMessage
from app.registration.models import Registration
from app.registration.services import individual, waitlist
from tests.core.test_labels import visible_text
from tests.registration.test_views import _form


def _bodies(db, kind=None, to=None):
    stmt = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        stmt = stmt.where(OutboxMessage.kind == kind)
    if to:
        stmt = stmt.where(OutboxMessage.to_addr == to)
    return [m.body for m in db.session.scalars(stmt)]


def test_registration_list_shows_what_its_filter_says(client, staff, db, event, make_registration):
    for _ in range(2):
        make_registration("webinar")
    individual.cancel_registration(make_registration("youtube"))
    staff(client)
    html = client.get("/console/registrations").get_data(as_text=True)
    assert re.search(r'<option selected value="active">申込中</option>', html)
    assert "2件" in visible_text(html)
    assert "3件" in visible_text(
        client.get("/console/registrations?status=").get_data(as_text=True)
    )
    cancelled = client.get("/console/registrations?status=cancelled").get_data(as_text=True)
    assert "1件" in visible_text(cancelled) and "取消" in visible_text(cancelled)
    # Searching without choosing a state keeps the state the select shows.
    assert "2件" in visible_text(client.get("/console/registrations?q=山田").get_data(as_text=True))


def _overview_row(html: str, label: str) -> list[str]:
    section = html[html.index("<h2>受付状況</h2>") :]
    row = re.search(r"<tr><td>" + re.escape(label) + r"</td>(.*?)</tr>", section, re.S)[1]
    return [visible_text(cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_dashboard_counts_seats_one_way_and_shows_offers_apart(
    client, staff, db, event, make_registration
):
    event.channel("webinar").capacity = 2
    db.session.commit()
    first = make_registration("webinar")
    make_registration("webinar")
    waiting = make_registration("youtube", category="pref")
    waitlist.join_waitlist(waiting)
    individual.cancel_registration(first)  # the freed seat is offered to the first in line
    staff(client)
    html = client.get("/console/").get_data(as_text=True)
    table = html[html.index('id="applicants-table"') : html.index("</table>")]
    webinar_total = re.search(
        r"<th>ウェビナー</th>.*?<td class=\"num\">(\d+)</td></tr>", table, re.S
    )
    _state, registered, offered, capacity, left = _overview_row(html, "ウェビナー参加")[:5]
    assert webinar_total[1] == registered == "1"  # the same count in both tables
    assert offered == "1" and capacity == "2" and left == "0"
    assert "残り＝定員−受付数−案内中の席" in visible_text(html)


def test_top_page_cards_say_each_thing_once(client, event):
    text = visible_text(client.get("/").get_data(as_text=True))
    assert "研修会議Ⅱ　研修会議Ⅱ" not in text
    assert "研修会議Ⅰ　ウェビナー参加" in text and "研修会議Ⅱ（東京会場）" in text
    youtube_card = text[text.index("YouTubeライブ配信による参加") :]
    target = youtube_card[youtube_card.index("対象") :].splitlines()[1]
    assert "定員" not in target and "どなたでも" in target


def test_every_mail_greets_once(db, event, make_registration, make_team):
    event.channel("webinar").capacity = 1
    db.session.commit()
    first = make_registration("webinar")
    waiting = make_registration("youtube", category="pref")
    waitlist.join_waitlist(waiting)
    individual.cancel_registration(first)
    make_team(size=2)
    mails = db.session.scalars(select(OutboxMessage)).all()
    assert {m.kind for m in mails} >= {"registration", "waitlist", "waitlist_offer", "team"}
    for mail in mails:
        greeting = mail.body.splitlines()[0]
        assert greeting.endswith(" 様"), mail.body
        assert mail.body.count(greeting) == 1, mail.body


def test_team_mails_give_the_day_and_the_time(db, event, make_team):
    team = make_team(size=2)
    channel = team.channel
    for body in _bodies(db, kind="team"):
        assert "10:30～16:30" in body and "10時00分受付" in body
        assert channel.label in body


def test_public_error_pages_carry_the_event_name(client, event):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert f"<title>{event.short_name}</title>" in html
    assert "研修会議デスク" not in html
    assert "ページが見つかりません" in html


def test_a_cancelled_registration_has_no_archive_link(client, db, event, make_registration):
    active = make_registration("webinar")
    assert "アーカイブ・資料" in client.get(f"/r/{active.token}").get_data(as_text=True)
    individual.cancel_registration(active)
    html = client.get(f"/r/{active.token}").get_data(as_text=True)
    assert "このお申込みは取り消されています" in html
    assert f"/archive/{active.token}" not in html


def test_one_click_youtube_with_the_waiting_list_says_so_in_the_mail(
    client, db, event, make_registration
):
    event.channel("webinar").capacity = 1
    db.session.commit()
    make_registration("webinar")
    form = _form(channel="youtube", join_waitlist="y")
    assert client.post("/register", data=form).status_code == 302
    person = db.session.scalars(
        select(Registration).where(Registration.email == form["email"])
    ).one()
    assert person.open_waitlist_entry is not None
    (body,) = _bodies(db, to=form["email"])
    assert "ウェビナー参加のキャンセル待ちに登録しました（1番目）" in body


def test_console_team_page_links_to_its_pre_assignments(client, staff, db, event, make_team):
    team = make_team(size=2)
    staff(client)
    html = client.get(f"/console/teams/{team.id}").get_data(as_text=True)
    link = f"/console/groupwork/assignments/teams/{team.id}"
    assert link in html and "事前課題" in visible_text(html)
    assert client.get(link).status_code == 200


def test_favicon_is_served(client):
    with client.get("/favicon.ico") as response:
        assert response.status_code == 200
        assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_edit_page_back_link_is_a_button_apart_from_submit(client, event, make_registration):
    registration = make_registration("webinar")
    html = client.get(f"/r/{registration.token}/edit").get_data(as_text=True)
    actions = html[html.index('<div class="actions">') :]
    assert re.search(r'<a class="button secondary" href="/r/[^"]+">変更せずに戻る</a>', actions)
