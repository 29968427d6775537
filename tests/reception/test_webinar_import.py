"""The webinar's attendance report (Zoom's CSV with its Japanese headers): matched by e-mail, all
or nothing with row-numbered errors, unmatched rows listed, re-import idempotent."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.reception.attendance_csv import ReportError, parse_report
from app.reception.models import Attendance


def zoom_report(attendees: list[tuple[str, str, str, str]]) -> str:
    """A 出席者レポート as Zoom Webinars exports it in Japanese: several sections, each with its
    header; attendees as (出席済み, ユーザー名, メール, セッション時間（分）)."""
    lines = [
        "出席者レポート",
        "レポートの生成日時:,2023/10/03 17:00:00",
        "トピック,ウェビナーID,実際の開始時刻,実際の時間（分）,登録済み数,キャンセル済み数,ユニーク視聴者,総ユーザー数,最大同時視聴数",
        "令和５年度 研修会議Ⅰ,812 3456 7890,2023/10/03 13:25:00,215,3,0,2,3,2",
        "ホストの詳細",
        "出席済み,ユーザー名（元の名前）,メール,参加時間,退出時間,セッション時間（分）,ゲスト,国/地域名",
        "はい,事務局,host@example.jp,2023/10/03 13:20:00,2023/10/03 17:00:00,220,いいえ,Japan",
        "パネリストの詳細",
        "出席済み,ユーザー名（元の名前）,メール,参加時間,退出時間,セッション時間（分）,ゲスト,国/地域名",
        "はい,講師,panelist@example.jp,2023/10/03 13:25:00,2023/10/03 16:00:00,155,いいえ,Japan",
        "出席者の詳細",
        "出席済み,ユーザー名（元の名前）,名,姓,メール,登録時間,承認ステータス,参加時間,退出時間,セッション時間（分）,ゲスト,国/地域名",
    ]
    for attended, name, email, minutes in attendees:
        lines.append(
            f"{attended},{name},,,{email},2023/09/20 10:00:00,承認済み,"
            f"2023/10/03 13:30:00,2023/10/03 16:30:00,{minutes},いいえ,Japan"
        )
    return "\r\n".join(lines) + "\r\n"


def upload(desk, text: str, encoding="utf-8-sig", **fields):
    data = {"file": (io.BytesIO(text.encode(encoding)), "report.csv"), **fields}
    return desk.post(
        "/console/reception/webinar", data=data, content_type="multipart/form-data"
    ).text


def attended(db) -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(select(Attendance.registration_id)))


@pytest.fixture
def people(make_registration):
    return [make_registration("webinar") for _ in range(3)]


def test_zoom_report_is_matched_by_email_and_unmatched_rows_listed(db, client, staff, people):
    desk = staff(client)
    a, b, c = people
    report = zoom_report(
        [
            ("はい", a.name, a.email.upper(), "120"),
            ("はい", a.name, a.email, "30"),  # left and came back
            ("はい", b.name, b.email, "200"),
            ("いいえ", c.name, c.email, ""),
            ("はい", "見学者", "guest@example.com", "15"),
        ]
    )
    page = upload(desk, report)
    assert "出席者 2名を取り込みました" in page
    assert "レポート上の欠席 1件" in page
    assert "申込者と照合できなかった行（1件）" in page and "guest@example.com" in page
    assert "17行目" in page
    assert attended(db) == {a.id, b.id}
    row = db.session.scalar(select(Attendance).where(Attendance.registration_id == a.id))
    assert row.minutes == 150 and row.source_label == "出席レポート取込"
    dashboard = desk.get("/console/").text
    assert "参加人数（当日参加者数）" in dashboard and "把握できません" in dashboard


def test_reimporting_the_same_report_changes_nothing(db, client, staff, people):
    desk = staff(client)
    a, b, _ = people
    report = zoom_report([("はい", a.name, a.email, "60"), ("はい", b.name, b.email, "60")])
    upload(desk, report)
    first = attended(db)
    page = upload(desk, report)
    assert "出席者 2名を取り込みました（新たに出席 0名・前回から外れた方 0名）" in page
    assert attended(db) == first
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 2


def test_a_corrected_report_replaces_the_previous_import(db, client, staff, people):
    desk = staff(client)
    a, b, _ = people
    upload(desk, zoom_report([("はい", a.name, a.email, "60"), ("はい", b.name, b.email, "5")]))
    upload(desk, zoom_report([("はい", a.name, a.email, "60")]))
    assert attended(db) == {a.id}


def test_a_report_with_a_wrong_row_imports_nothing_and_numbers_the_rows(db, client, staff, people):
    desk = staff(client)
    a, b, _ = people
    page = upload(
        desk,
        zoom_report(
            [
                ("はい", a.name, a.email, "60"),
                ("はい", b.name, "b-at-example.jp", "60"),
                ("はい", b.name, b.email, "六十"),
            ]
        ),
    )
    assert "取り込めませんでした" in page
    assert "14行目：メールアドレス「b-at-example.jp」が正しくありません。" in page
    assert "15行目：時間（分）「六十」が数字ではありません。" in page
    assert attended(db) == set()


def test_shift_jis_and_a_column_mapping_for_other_tools(db, client, staff, people):
    desk = staff(client)
    a, _, _ = people
    text = f"参加者名,連絡先,視聴分数\r\n{a.name},{a.email},45\r\n"
    page = upload(desk, text, encoding="cp932")
    assert "メールアドレスの列が見つかりません。列名を指定して" in page
    page = upload(desk, text, encoding="cp932", email_column="連絡先", minutes_column="視聴分数")
    assert "出席者 1名を取り込みました" in page
    assert db.session.scalar(select(Attendance)).minutes == 45


def test_youtube_registrations_are_not_matched(db, client, staff, make_registration):
    desk = staff(client)
    viewer = make_registration("youtube")
    page = upload(desk, zoom_report([("はい", viewer.name, viewer.email, "60")]))
    assert "申込者と照合できなかった行（1件）" in page
    assert attended(db) == set()


def test_english_zoom_headers_are_read_too():
    text = (
        "Attendee Details\n"
        "Attended,User Name (Original Name),First Name,Last Name,Email,Registration Time,"
        "Approval Status,Join Time,Leave Time,Time in Session (minutes),Is Guest,Country/Region Name\n"
        "Yes,A,,,a@example.jp,,approved,,,42,No,Japan\n"
        "No,B,,,b@example.jp,,approved,,,,No,Japan\n"
    )
    report = parse_report(text)
    assert [(r.email, r.minutes) for r in report.attendees] == [("a@example.jp", 42)]
    assert report.absent_rows == 1


def test_a_file_without_an_email_column_is_refused():
    with pytest.raises(ReportError) as info:
        parse_report("名前,時間\n山田,10\n")
    assert "メールアドレスの列が見つかりません" in info.value.errors[0]
