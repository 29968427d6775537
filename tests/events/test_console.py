"""「研修会議の設定」 (issue 10 §1): the list and switch, 「前年度から作成」, and the editing pages
with their rules, each read back on the page or in the audit log as a person would."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from app.core.jpdates import format_date, format_datetime, now_utc, to_jst, weekday_ja
from app.core.models import AuditLog
from app.events.models import Event, current_event
from app.events.services import training1_day
from app.registration.rules import CATEGORY_LABELS


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _audit(db) -> list[str]:
    return [r.detail for r in db.session.scalars(select(AuditLog).order_by(AuditLog.id))]


def _local(value) -> str:
    return to_jst(value).strftime("%Y-%m-%dT%H:%M")


def test_the_console_navigation_offers_the_settings_to_secretariat_not_analysts(
    client, staff, event
):
    staff(client, "secretariat")
    assert "研修会議の設定" in _text(client.get("/console/"))
    page = client.get("/console/events/")
    assert page.status_code == 200
    assert event.name in _text(page)
    assert "表示中" in _text(page)
    client.post("/console/logout")
    staff(client, "analyst")
    assert "研修会議の設定" not in _text(client.get("/console/"))
    assert client.get("/console/events/").status_code == 403


def test_clone_from_the_console_moves_every_date_by_whole_weeks_and_switches_the_site(
    app, client, staff, db, event
):
    staff(client, "secretariat")
    old_day = training1_day(event)
    data = {"source": event.id, "fiscal_year": 2024, "slug": "fy2024"}
    # Another weekday would put a deadline after its day: refused, saying why.
    other = old_day + timedelta(weeks=52, days=2)
    response = client.post(
        "/console/events/clone", data={**data, "training1_date": other.isoformat()}
    )
    assert response.status_code == 422
    assert (
        f"研修会議Ⅰの開催日は、元の研修会議と同じ{weekday_ja(old_day)}曜日にしてください"
        in _text(response)
    )
    new_day = old_day + timedelta(weeks=52)
    response = client.post(
        "/console/events/clone", data={**data, "training1_date": new_day.isoformat()}
    )
    assert response.status_code == 302, _text(response)
    clone = db.session.scalar(select(Event).where(Event.slug == "fy2024"))
    assert clone.name.startswith("令和６年度") or "令和６年度" in clone.name
    assert training1_day(clone) == new_day
    t1 = clone.channel("webinar")
    assert to_jst(t1.starts_at).time() == to_jst(event.channel("webinar").starts_at).time()
    for code in ("webinar", "youtube", "t2_tokyo", "t2_osaka"):
        old, new = event.channel(code), clone.channel(code)
        assert new.starts_at - old.starts_at == timedelta(weeks=52)
        assert weekday_ja(new.starts_at) == weekday_ja(old.starts_at)
        assert new.closes_at - old.closes_at == timedelta(weeks=52)
    assert clone.venues[0].scene_deadline - event.venues[0].scene_deadline == timedelta(weeks=52)
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.event_id == clone.id)) == (
        "event.create"
    )
    page = _text(client.get("/console/events/"))
    assert format_date(new_day) in page
    # The public site still shows FY2023 until the switch.
    assert current_event().id in (event.id, clone.id)
    client.post(f"/console/events/{clone.id}/current")
    assert current_event().id == clone.id
    assert clone.name in _text(client.get("/"))
    client.post(f"/console/events/{event.id}/current")
    assert current_event().id == event.id


def test_clone_refuses_a_taken_year_in_japanese(client, staff, event):
    staff(client, "secretariat")
    response = client.post(
        "/console/events/clone",
        data={
            "source": event.id,
            "fiscal_year": 2023,
            "slug": "again",
            "training1_date": "2024-10-01",
        },
    )
    assert response.status_code == 422
    assert "令和5年度の研修会議は既にあります。" in _text(response)


def test_cli_clone_event_calls_the_same_service(runner, db, event):
    new_day = training1_day(event) + timedelta(weeks=51)
    result = runner.invoke(
        args=["clone-event", event.slug, "2024", "fy2024", "--training1-date", new_day.isoformat()]
    )
    assert result.exit_code == 0, result.output
    clone = db.session.scalar(select(Event).where(Event.slug == "fy2024"))
    assert training1_day(clone) == new_day
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.event_id == clone.id)) == (
        "event.create"
    )


def test_event_settings_are_edited_with_an_audit_entry_per_change(client, staff, db, event):
    staff(client, "secretariat")
    page = client.get(f"/console/events/{event.id}")
    assert page.status_code == 200
    opens = now_utc() + timedelta(days=30)
    closes = opens + timedelta(days=14)
    data = {
        "name": event.name,
        "short_name": event.short_name,
        "theme": "新しいテーマ",
        "organiser": event.organiser,
        "secretariat": event.secretariat,
        "contact_email": event.contact_email,
        "contact_phone": event.contact_phone,
        "contact_note": event.contact_note,
        "privacy_notice": event.privacy_notice,
        "webinar_url": "https://example.jp/webinar",
        "youtube_url": event.youtube_url,
        "survey_opens_at": _local(opens),
        "survey_closes_at": _local(closes),
        "waitlist_offer_hours": 24,
        "upload_limit_mb": event.upload_limit_mb,
        "retention_days": event.retention_days,
    }
    response = client.post(f"/console/events/{event.id}", data=data)
    assert response.status_code == 302, _text(response)
    db.session.refresh(event)
    assert event.theme == "新しいテーマ"
    assert event.waitlist_offer_hours == 24
    assert format_datetime(event.survey_opens_at) == format_datetime(opens.replace(second=0))
    details = _audit(db)
    assert any(d.startswith("テーマ：") and d.endswith("→ 新しいテーマ") for d in details)
    assert any(d.startswith("繰上げ案内の有効時間：48 → 24") for d in details)
    assert any(d.startswith("アンケート開始日時：") for d in details)
    assert not any(d.startswith("名称：") for d in details)  # unchanged, not recorded
    # Survey closing before it opens, a bad URL and an out-of-range number: Japanese messages.
    bad = {
        **data,
        "survey_closes_at": _local(opens - timedelta(days=1)),
        "webinar_url": "webinar",
        "upload_limit_mb": 1000,
    }
    text = _text(client.post(f"/console/events/{event.id}", data=bad))
    assert "ウェビナーURLは http:// または https:// で始めてください。" in text
    assert "1～100の範囲で入力してください。" in text
    text = _text(
        client.post(
            f"/console/events/{event.id}", data={**bad, "webinar_url": "", "upload_limit_mb": 20}
        )
    )
    assert "アンケート締切日時は開始日時より後にしてください。" in text


def _channel_data(channel, **changes):
    """The channel form as the browser sends it unchanged (the ticked boxes included)."""
    data = {
        "capacity": channel.capacity if channel.capacity is not None else "",
        "opens_at": _local(channel.opens_at),
        "closes_at": _local(channel.closes_at),
        "eligibility_note": channel.eligibility_note,
        "reason": "",
    }
    if channel.kind == "venue" and channel.capacity_is_target:
        data["capacity_is_target"] = "y"
    if channel.kind != "venue":
        data["eligible_categories"] = channel.eligible_categories or list(CATEGORY_LABELS)
    data.update(changes)
    return data


def test_a_capacity_below_the_seats_taken_needs_a_reason(
    client, staff, db, event, make_registration
):
    for _ in range(3):
        make_registration("webinar")
    channel = event.channel("webinar")
    staff(client, "secretariat")
    url = f"/console/events/{event.id}/channels/{channel.id}"
    assert "申込済み：3名" in _text(client.get(url))
    text = _text(client.post(url, data=_channel_data(channel, capacity=2)))
    assert "定員が申込済みの人数（3名）を下回ります。変更する理由を入力してください。" in text
    db.session.refresh(channel)
    assert channel.capacity != 2
    response = client.post(url, data=_channel_data(channel, capacity=2, reason="会場の都合"))
    assert response.status_code == 302
    db.session.refresh(channel)
    assert channel.capacity == 2
    assert any(d.startswith("定員：") and d.endswith("→ 2（理由：会場の都合）") for d in _audit(db))


def test_channel_deadlines_in_order(client, staff, db, event):
    channel = event.channel("t2_tokyo")
    staff(client, "secretariat")
    url = f"/console/events/{event.id}/channels/{channel.id}"
    text = _text(
        client.post(
            url, data=_channel_data(channel, closes_at=_local(channel.opens_at - timedelta(days=1)))
        )
    )
    assert "申込締切日時は受付開始日時より後にしてください。" in text
    text = _text(
        client.post(
            url,
            data=_channel_data(channel, closes_at=_local(channel.starts_at + timedelta(days=1))),
        )
    )
    assert "申込締切日時は開催日時（" in text
    new_close = channel.closes_at + timedelta(days=2)
    assert (
        client.post(url, data=_channel_data(channel, closes_at=_local(new_close))).status_code
        == 302
    )
    db.session.refresh(channel)
    assert channel.closes_at == new_close.replace(second=0, microsecond=0)
    # The public page shows the new deadline.
    assert format_date(new_close) in _text(client.get("/"))


def _venue_data(venue, **changes):
    data = {
        key: getattr(venue, key)
        for key in (
            "name",
            "facility",
            "room",
            "postal_code",
            "address",
            "address_note",
            "url",
            "emergency_contact",
            "emergency_hours",
            "room_rows",
            "room_cols",
            "table_count",
            "table_min",
            "table_max",
            "large_team_threshold",
        )
    }
    data["access"] = "\n".join(venue.access)
    for key in ("scene_deadline", "assignment_deadline"):
        data[key] = _local(getattr(venue, key)) if getattr(venue, key) else ""
    data.update(changes)
    return data


def test_venue_editing_with_bounds_and_audit(client, staff, db, event):
    venue = event.venues[0]
    staff(client, "secretariat")
    url = f"/console/events/{event.id}/venues/{venue.id}"
    assert venue.name in _text(client.get(url))
    text = _text(client.post(url, data=_venue_data(venue, room_cols=13)))
    assert "会場の列数は1～12の範囲で入力してください。" in text
    text = _text(client.post(url, data=_venue_data(venue, table_min=8, table_max=6)))
    assert "最少人数は最多人数以下にしてください。" in text
    response = client.post(
        url,
        data=_venue_data(
            venue,
            room="第２会議室",
            access="JR 東京駅 徒歩5分\n\n地下鉄 大手町駅 徒歩3分",
            url="https://example.jp/map",
            emergency_hours="9：00～17：00",
        ),
    )
    assert response.status_code == 302, _text(response)
    db.session.refresh(venue)
    assert venue.room == "第２会議室"
    assert venue.access == ["JR 東京駅 徒歩5分", "地下鉄 大手町駅 徒歩3分"]
    details = _audit(db)
    assert any(d.startswith("部屋：") and d.endswith("→ 第２会議室") for d in details)
    assert any(d.startswith("緊急連絡の対応時間：") for d in details)
    page = client.get(url).get_data(as_text=True)
    assert 'href="https://example.jp/map"' in page


def test_a_past_event_is_read_only(client, staff, db, make_event):
    event = make_event(weeks=0)  # FY2023 as published: over
    staff(client, "secretariat")
    page = _text(client.get(f"/console/events/{event.id}"))
    assert "この研修会議は終了しているため、設定は変更できません" in page
    response = client.post(
        f"/console/events/{event.id}",
        data={
            "name": "書き換え",
            "waitlist_offer_hours": 48,
            "upload_limit_mb": 20,
            "retention_days": 365,
        },
    )
    assert "終了した研修会議の設定は変更できません" in _text(response)
    db.session.refresh(event)
    assert event.name != "書き換え"
