"""The secretariat runs next year without a developer (issue 10, "How it is shown to work"):
in Debian chromium a secretariat member logs in, creates FY2024 from FY2023 with a new
研修会議Ⅰ date, edits a venue, a deadline and a programme row, previews the questionnaire, sends a
前日のご案内 to the webinar registrants, and finds every change on the public pages, in the
mails and in 資料１ — by the labels a person reads, never by ids or internal values.
"""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.core.auth import create_staff
from app.core.jpdates import format_date, format_datetime, now_utc, to_jst
from app.core.models import OutboxMessage
from app.events.models import Event
from app.events.services import training1_day
from app.extensions import db
from app.registration.services import individual, teams
from app.registration.services.people import PersonData
from tests.browser import shows

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only("browser tests run once, on SQLite")]

PASSWORD = "correct horse battery"
NEW_ROOM = "第３会議室（変更後）"
WEBINAR_URL = "https://zoom.example.jp/j/2024000"
NEW_TITLE = "在宅医療・介護連携推進事業の動向（令和６年度版）"


@pytest.fixture
def desk(app, browser_page, live_server, db, event):
    app.config["PUBLIC_BASE_URL"] = live_server  # links in mails, QR codes and the console
    create_staff("jimukyoku", "事務局 花子", "secretariat", PASSWORD)
    browser_page.set_viewport_size({"width": 1280, "height": 900})
    return browser_page


def pdf_text(body: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(body)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def person(n: int, **fields) -> PersonData:
    data = {
        "name": f"年度 次郎{n}",
        "kana": "ねんど じろう",
        "email": f"next{n}@city.example.jp",
        "category": "muni",
        "municipality_code": "131016",
        "organisation": "",
        "department": "高齢福祉課",
        "occupation": "保健師",
    }
    data.update(fields)
    return PersonData(**data)


def edit_programme_row(page, title: str) -> str:
    """On 研修会議Ⅰのプログラム: retitle the 2nd row, then move it up with 「上へ」 (a plain
    POST button). Returns the title that was first before."""
    page.get_by_role("link", name="研修会議Ⅰのプログラム").click()
    page.wait_for_url("**/programme")
    rows = page.locator("tbody tr")
    first_title = rows.nth(0).locator("td").nth(2).inner_text()
    rows.nth(1).get_by_role("link", name="変更").click()
    page.get_by_label("内容").fill(title)
    page.get_by_role("button", name="保存する").click()
    shows(page, "変更しました")
    page.get_by_role("button", name="2行目を上へ", exact=True).click()
    expect(page.locator("tbody tr").nth(0).locator("td").nth(2)).to_have_text(title)
    return first_title


def test_a_secretariat_member_sets_up_fy2024_from_fy2023_and_runs_it(
    desk, live_server, event, tmp_path
):
    page = desk
    # Log in.
    page.goto(live_server + "/console/login")
    page.get_by_label("ログインID").fill("jimukyoku")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()

    # 前年度から作成, one week after FY2023's 研修会議Ⅰ (registration stays open today).
    old_day = training1_day(event)
    new_day = old_day + timedelta(weeks=1)
    page.get_by_role("link", name="研修会議の設定").first.click()
    page.get_by_label("元にする研修会議").select_option(label=event.name)
    page.get_by_label("年度").fill("2024")
    page.get_by_label("識別名").fill("fy2024")
    page.get_by_label("研修会議Ⅰの開催日").fill(new_day.isoformat())
    page.get_by_role("button", name="前年度から作成").click()
    shows(page, "令和6年度の研修会議を作成しました")

    fy2024 = db.session.scalar(select(Event).where(Event.slug == "fy2024"))
    assert fy2024 is not None and training1_day(fy2024) == new_day
    edit_url = page.url

    # The event: its webinar URL.
    page.get_by_label("ウェビナーURL").fill(WEBINAR_URL)
    page.get_by_role("button", name="保存する").first.click()
    shows(page, "変更しました")

    # A venue: its room.
    page.goto(edit_url)
    page.get_by_role("row").filter(
        has=page.get_by_role("cell", name="東京会場", exact=True)
    ).get_by_role("link", name="変更").click()
    page.get_by_label("部屋").fill(NEW_ROOM)
    page.get_by_role("button", name="保存する").click()
    shows(page, "変更しました（部屋）")

    # A deadline: the webinar's 申込締切, one day earlier than cloned.
    page.goto(edit_url)
    page.get_by_role("row", name=re.compile("ウェビナー")).get_by_role("link").first.click()
    closes = page.get_by_label("申込締切日時")
    new_deadline = (to_jst(fy2024.channel("webinar").closes_at) - timedelta(days=1)).replace(
        tzinfo=None
    )
    closes.fill(new_deadline.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="保存する").click()
    shows(page, "変更しました")

    # Open the webinar's and 東京会場's registration now (moved a week with the clone).
    an_hour_ago = (to_jst(now_utc()) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    for row in ("ウェビナー", "東京会場"):
        page.goto(edit_url)
        page.get_by_role("row", name=re.compile(row)).get_by_role("link").first.click()
        page.get_by_label("受付開始日時").fill(an_hour_ago)
        page.get_by_role("button", name="保存する").click()
        shows(page, "変更しました（受付開始日時）")

    # A programme row: the first title of 研修会議Ⅰ.
    page.goto(edit_url)
    old_first = edit_programme_row(page, NEW_TITLE)

    # Show FY2024 on the 特設サイト.
    page.get_by_role("link", name="研修会議の設定").first.click()
    page.get_by_role("row", name=re.compile(re.escape(fy2024.name))).get_by_role(
        "button", name="この研修会議を表示する"
    ).click()
    shows(page, "特設サイトに")

    # Preview the questionnaire before its opening day.
    page.get_by_role("link", name="プレビュー").first.click()
    page.get_by_role("button", name="プレビューを開始する").click()
    page.get_by_role("link", name="参加者アンケート").first.click()
    shows(page, "プレビュー中")
    assert page.locator("form").count() >= 1
    page.get_by_role("button", name="プレビューを終了する").first.click()

    # The public site shows the changes (a separate visitor, no login).
    visitor = page.context.browser.new_context(locale="ja-JP").new_page()
    visitor.goto(live_server + "/")
    top = visitor.content()
    assert fy2024.name in top
    assert NEW_ROOM in top
    db.session.refresh(fy2024)
    assert format_datetime(fy2024.channel("webinar").closes_at) in top
    assert NEW_TITLE in top and top.index(NEW_TITLE) < top.index(old_first)
    assert "プレビュー中" not in top
    visitor.context.close()

    # Two webinar registrants and a decided team of FY2024.
    individual.register_for_training1(fy2024, "webinar", person(1))
    individual.register_for_training1(fy2024, "webinar", person(2))
    team = teams.apply_team(
        fy2024,
        "t2_tokyo",
        "011002",
        [person(3, municipality_code="011002"), person(4, municipality_code="011002")],
    )

    # 一斉メール: 前日のご案内 to the webinar registrants.
    page.goto(live_server + "/console/mailing/new")
    page.get_by_label(re.compile("ウェビナー")).first.check()
    page.get_by_label("件名").fill("【前日のご案内】〔氏名〕様")
    page.get_by_label("本文").fill(
        "〔氏名〕様\n\n明日の参加URL：〔ウェビナーURL〕\n個人ページ：〔個人ページURL〕"
    )
    page.get_by_role("button", name="送信先と文面を確認").click()
    expect(page.get_by_role("button", name="2名に送信する")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="2名に送信する").click()
    shows(page, "2名へのメールを送信箱に入れました")

    mails = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject.contains("前日のご案内"))
    ).all()
    assert {m.to_addr for m in mails} == {"next1@city.example.jp", "next2@city.example.jp"}
    for m in mails:
        assert WEBINAR_URL in m.body and "/r/" in m.body
    assert "年度 次郎1様" in next(m.body for m in mails if m.to_addr == "next1@city.example.jp")

    # 資料１ of the team: the new room and the venue's new day, in 令和.
    token = team.representative.token
    body = page.request.get(f"{live_server}/t/{token}/assignments/guide.pdf").body()
    guide = pdf_text(body, tmp_path)
    assert NEW_ROOM in guide.replace(" ", "")
    venue_day = fy2024.channel("t2_tokyo").starts_at
    assert format_date(venue_day).replace(" ", "") in guide.replace(" ", "")
    assert format_date(event.channel("t2_tokyo").starts_at) not in guide
