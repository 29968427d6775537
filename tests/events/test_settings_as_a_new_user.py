"""「研修会議の設定」 tried as a new secretariat member would (issue 10, attack session): the
forms are saved as the browser sends them (every field as the page shows it), and hostile input
is refused next to its field in Japanese, changing nothing."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.core.jpdates import JST
from app.core.models import AuditLog
from app.events.models import Event
from app.events.services import training1_day


def _text(response) -> str:
    return html.unescape(
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
    )


def _errors(response) -> list[str]:
    body = response.get_data(as_text=True)
    return [html.unescape(e) for e in re.findall(r'<p class="error"[^>]*>(.*?)</p>', body)]


def _flashes(response) -> list[str]:
    body = response.get_data(as_text=True)
    return [html.unescape(e) for e in re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', body)]


def page_form(client, url: str, action: str | None = None) -> dict:
    """The fields of the page's form as a browser would send them unchanged (the form posting
    to ``action``, else the first form that is not the logout button)."""
    body = client.get(url).get_data(as_text=True)
    for attrs, inner in re.findall(r"<form([^>]*)>(.*?)</form>", body, flags=re.S):
        target = re.search(r'action="([^"]*)"', attrs)
        target = html.unescape(target.group(1)) if target else ""
        if (action is None and target.endswith("/logout")) or (
            action is not None and target != action
        ):
            continue
        data: dict = {}
        for tag in re.findall(r"<input([^>]*)>", inner):
            name = re.search(r'name="([^"]+)"', tag)
            if not name:
                continue
            kind = re.search(r'type="([^"]+)"', tag)
            kind = kind.group(1) if kind else "text"
            value = re.search(r'value="([^"]*)"', tag)
            value = html.unescape(value.group(1)) if value else ""
            if kind in ("checkbox", "radio"):
                if "checked" in tag:
                    data.setdefault(name.group(1), []).append(value)
            elif kind != "submit":
                data[name.group(1)] = value
        for name, value in re.findall(
            r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', inner, flags=re.S
        ):
            data[name] = html.unescape(value).removeprefix("\r\n").removeprefix("\n")
        for name, options in re.findall(
            r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', inner, flags=re.S
        ):
            chosen = re.search(r'<option[^>]*value="([^"]*)"[^>]*selected', options) or re.search(
                r'<option[^>]*value="([^"]*)"', options
            )
            data[name] = html.unescape(chosen.group(1)) if chosen else ""
        return data
    raise AssertionError(f"no form on {url}")


def _audit_count(db) -> int:
    return db.session.scalar(select(func.count(AuditLog.id)))


# --- 前年度から作成 -----------------------------------------------------------------------


@pytest.mark.parametrize("near", [date(9999, 12, 24), date(1, 1, 1)])
def test_clone_with_a_day_thousands_of_years_away_is_refused_in_japanese(
    client, staff, db, event, near
):
    """A mistyped year (9999 instead of 2027) or year 1 gave a 500 (the other dates moved off
    the calendar); it is refused next to the day, and nothing is created."""
    staff(client, "secretariat")
    old = training1_day(event)
    day = near + timedelta(days=(old.weekday() - near.weekday()) % 7)
    response = client.post(
        "/console/events/clone",
        data={
            "source": event.id,
            "fiscal_year": 2024,
            "slug": "fy2024",
            "training1_date": day.isoformat(),
        },
    )
    assert response.status_code == 422
    assert any("研修会議Ⅰの開催日" in e for e in _errors(response)), _errors(response)
    assert db.session.scalar(select(func.count(Event.id))) == 1


def test_clone_with_an_impossible_day_says_how_to_type_it(client, staff, event):
    staff(client, "secretariat")
    response = client.post(
        "/console/events/clone",
        data={
            "source": event.id,
            "fiscal_year": 2024,
            "slug": "fy2024",
            "training1_date": "2027-13-45",
        },
    )
    assert response.status_code == 422
    assert "無効な日付型です。" not in _text(response)
    assert any("2024-04-01" in e or "日付" in e for e in _errors(response)), _errors(response)


def test_clone_year_range_is_written_as_a_year_not_as_an_amount(client, staff, event):
    staff(client, "secretariat")
    response = client.post(
        "/console/events/clone",
        data={"source": event.id, "fiscal_year": "9" * 400, "slug": "fy2024", "training1_date": ""},
    )
    assert response.status_code == 422
    assert "年度は2019～2100の範囲で入力してください。" in _errors(response)


# --- the event's own settings ------------------------------------------------------------


def test_saving_the_event_page_unchanged_changes_nothing(client, staff, db, event):
    """The survey closes at 23:59:59; the page shows minutes only, and saving the page as shown
    (to change another field) moved the deadline 59 seconds earlier and logged a change."""
    staff(client, "secretariat")
    closes = event.survey_closes_at
    assert closes.second == 59, "the demo's questionnaire closes at 23:59:59"
    url = f"/console/events/{event.id}"
    before = _audit_count(db)
    response = client.post(url, data=page_form(client, url), follow_redirects=True)
    assert "変更はありませんでした。" in _flashes(response), _flashes(response)
    db.session.expire_all()
    assert db.session.get(Event, event.id).survey_closes_at == closes
    assert _audit_count(db) == before


def test_a_venue_deadline_at_the_end_of_day_survives_saving_the_venue_page(
    client, staff, db, event
):
    staff(client, "secretariat")
    venue = event.venues[1]
    deadline = venue.assignment_deadline.replace(hour=23, minute=59, second=59)
    venue.assignment_deadline = deadline
    db.session.commit()
    url = f"/console/events/{event.id}/venues/{venue.id}"
    response = client.post(url, data=page_form(client, url), follow_redirects=True)
    assert "変更はありませんでした。" in _flashes(response), _flashes(response)
    db.session.expire_all()
    assert event.venues[1].assignment_deadline.second == 59


def test_contact_address_must_be_a_mail_address(client, staff, db, event):
    """The 問い合わせ先 is printed in every mail and on the site: a typo is refused."""
    staff(client, "secretariat")
    url = f"/console/events/{event.id}"
    old = event.contact_email
    response = client.post(url, data={**page_form(client, url), "contact_email": "jimukyoku"})
    assert "メールアドレスの形式が正しくありません。" in _errors(response)
    db.session.expire_all()
    assert db.session.get(Event, event.id).contact_email == old


# --- programme rows ----------------------------------------------------------------------


def test_saving_a_programme_row_unchanged_keeps_its_time_as_printed(client, staff, db, event):
    """「16：00 閉会」 has a start time only, without 「～」: saving its page as shown rewrote it
    to 「16：00～」 and logged a change the person never made."""
    staff(client, "secretariat")
    training = event.training("t1")
    row = next(p for p in training.programme if p.time_label and "～" not in p.time_label)
    label = row.time_label
    url = f"/console/events/{event.id}/programme/{row.id}"
    before = _audit_count(db)
    response = client.post(url, data=page_form(client, url), follow_redirects=True)
    assert "変更はありませんでした。" in _flashes(response), _flashes(response)
    db.session.expire_all()
    assert row.time_label == label
    assert _audit_count(db) == before


@pytest.mark.parametrize("start", ["25:00", "10:75", "99：99"])
def test_a_time_that_is_not_a_time_of_day_is_refused(client, staff, db, event, start):
    staff(client, "secretariat")
    training = event.training("t1")
    rows = len(training.programme)
    url = f"/console/events/{event.id}/trainings/{training.id}/programme"
    response = client.post(url, data={"time_from": start, "time_to": "", "title": "懇親会"})
    assert response.status_code == 422
    assert any("開始時刻" in e for e in _errors(response)), _errors(response)
    db.session.expire_all()
    assert len(event.training("t1").programme) == rows


# --- venues ------------------------------------------------------------------------------


def test_a_renamed_venue_is_named_so_where_people_apply(client, staff, db, event):
    """Renaming 東京会場 to 品川会場 left the application form, the console lists and the mails
    saying 「研修会議Ⅱ（東京会場）」 (the channel's label kept the old name)."""
    staff(client, "secretariat")
    venue = next(v for v in event.venues if v.name == "東京会場")
    url = f"/console/events/{event.id}/venues/{venue.id}"
    response = client.post(url, data={**page_form(client, url), "name": "品川会場"})
    assert response.status_code == 302, _errors(response)
    page = _text(client.get(f"/console/events/{event.id}"))
    assert "研修会議Ⅱ（品川会場）" in page
    assert "東京会場" not in page
    apply_page = _text(client.get("/team/apply"))
    assert "品川会場" in apply_page
    assert "東京会場" not in apply_page


def test_a_date_written_with_a_slash_is_refused_in_the_emergency_hours(client, staff, db, event):
    staff(client, "secretariat")
    venue = event.venues[0]
    old = venue.emergency_hours
    url = f"/console/events/{event.id}/venues/{venue.id}"
    response = client.post(
        url, data={**page_form(client, url), "emergency_hours": "１０／２０ 8：30～17：00"}
    )
    assert any("日付は書かないでください" in e for e in _errors(response)), _errors(response)
    db.session.expire_all()
    assert event.venues[0].emergency_hours == old


def test_the_team_application_names_every_venue_and_the_limit_from_the_settings(
    client, staff, db, event
):
    """The introduction of 研修会議Ⅱ's form said 「東京会場又は大阪会場」 and 「上限６名」 in fixed
    text: a venue added (福岡会場) or a limit changed in the console was not there."""
    from tests.events.test_venues import new_venue_data

    staff(client, "secretariat")
    page = _text(client.get("/team/apply"))
    assert "東京会場又は大阪会場を選択してお申込みください" in page
    assert "１自治体上限６名" in page
    response = client.post(
        f"/console/events/{event.id}/venues/new",
        data={**new_venue_data(event, name="福岡会場"), "max_team_size": "8"},
    )
    assert response.status_code == 302, _errors(response)
    page = _text(client.get("/team/apply"))
    assert "東京会場・大阪会場・福岡会場のいずれかを選択してお申込みください" in page
    assert "１自治体上限８名" in page


def test_the_map_url_of_a_venue_is_a_link_on_the_top_page(client, staff, db, event):
    """Issue 10 §1: 「map URL shown as a link」 — the 特設サイト printed it as text."""
    staff(client, "secretariat")
    venue = event.venues[0]
    url = f"/console/events/{event.id}/venues/{venue.id}"
    link = "https://maps.example.jp/?q=東京会場&z=17"
    response = client.post(url, data={**page_form(client, url), "url": link})
    assert response.status_code == 302, _errors(response)
    body = client.get("/").get_data(as_text=True)
    assert f'<a href="{html.escape(link)}"' in body


def test_a_pre_assignment_deadline_before_the_application_deadline_is_refused(
    client, staff, db, event
):
    """Deadlines in order (issue 10 §1): a 資料２ deadline before 研修会議Ⅱ's application
    deadline was accepted, so a team applying in the last days could never hand in 資料２.
    Refused on the venue page, and the application deadline cannot pass the 資料２ deadline on
    the channel page either."""
    staff(client, "secretariat")
    channel = event.channel("t2_tokyo")
    venue = channel.venue
    scene = venue.scene_deadline
    url = f"/console/events/{event.id}/venues/{venue.id}"
    early = (channel.closes_at - timedelta(days=3)).astimezone(JST).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, data={**page_form(client, url), "scene_deadline": early})
    assert any("申込締切" in e for e in _errors(response)), _errors(response)
    db.session.expire_all()
    assert event.venues[0].scene_deadline == scene
    url = f"/console/events/{event.id}/channels/{channel.id}"
    late = (scene + timedelta(hours=1)).astimezone(JST).strftime("%Y-%m-%dT%H:%M")
    closes = channel.closes_at
    response = client.post(url, data={**page_form(client, url), "closes_at": late})
    assert any("資料２の提出期限" in e for e in _errors(response)), _errors(response)
    db.session.expire_all()
    assert event.channel("t2_tokyo").closes_at == closes


@pytest.mark.parametrize("name", [" 東京会場", "東京会場　", "東京会場 "])
def test_a_venue_named_like_another_but_for_spaces_is_refused(client, staff, db, event, name):
    """「東京会場　」 (a trailing full-width space) was a second 東京会場: two venues of the same
    name on the top page, in the team form and in F3."""
    from tests.events.test_venues import new_venue_data

    staff(client, "secretariat")
    venues = len(event.venues)
    response = client.post(
        f"/console/events/{event.id}/venues/new", data=new_venue_data(event, name=name)
    )
    assert "同じ名前の会場が既にあります。" in _errors(response)
    db.session.expire_all()
    assert len(event.venues) == venues
