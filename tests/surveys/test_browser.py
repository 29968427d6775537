"""End to end in Debian chromium: answering on a phone-sized window."""

import pytest
from playwright.sync_api import expect

from app.surveys.models import SurveyResponse

pytestmark = pytest.mark.browser


@pytest.mark.sqlite_only("browser tests run on SQLite only")
def test_answer_on_a_phone(browser_page, live_server, open_event, db):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/survey/{open_event.slug}?ch=qr")
    # Nothing scrolls sideways on a phone, the matrix included.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # Submitting without F1/F3 shows the Japanese messages and keeps the page.
    page.get_by_role("button", name="回答を送信する").click()
    expect(page.locator("#err-F1")).to_have_text("F1を選択してください。")
    page.get_by_label("4. 市町村").check()
    page.get_by_label("2. 研修会議Ⅱ（東京会場）のみ参加").check()
    # Only 研修会議Ⅱ attended: 問1-1 is hidden, 問1-2 shown.
    expect(page.locator("#q-Q1_1")).to_be_hidden()
    expect(page.locator("#q-Q1_2")).to_be_visible()
    page.get_by_label("5. グループワーク ⓵内容について").select_option("1")
    page.get_by_label("5. グループワーク ②時間について").select_option("4")
    page.get_by_label("10月").check()
    page.locator('textarea[name="Q8"]').fill("スマートフォンから回答しました。")
    page.get_by_role("button", name="回答を送信する").click()
    page.wait_for_url("**/thanks")
    assert "回答を受け付けました" in page.content()
    db.session.expire_all()
    (stored,) = db.session.scalars(db.select(SurveyResponse)).all()
    assert stored.channel == "qr"
    assert stored.answers == {
        "F1": 4,
        "F3": 2,
        "Q1_2_5_c": 1,
        "Q1_2_5_t": 4,
        "Q2_months": [10],
        "Q8": "スマートフォンから回答しました。",
    }
