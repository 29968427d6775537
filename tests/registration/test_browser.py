"""A person registers for the webinar in a real browser (Debian chromium via Playwright)."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.registration.models import Registration

pytestmark = pytest.mark.browser


def register_on_the_webinar(
    page, name: str, kana: str, email: str, answer: str = "お申込みを受け付けました"
) -> None:
    """Fill the open 研修会議Ⅰ form by the labels a person reads (a 市町村担当者 of 稲城市) and
    send it; returns on the page whose heading is ``answer`` (received, by default)."""
    page.get_by_role("radio", name="ウェビナー参加").check()
    page.get_by_label("氏名").fill(name)
    page.get_by_label("ふりがな").fill(kana)
    page.get_by_label("メールアドレス", exact=True).fill(email)
    page.get_by_label("メールアドレス（確認用）").fill(email)
    page.get_by_label("参加区分").select_option(label="市町村担当者")
    page.get_by_role("searchbox", name="自治体を検索").fill("稲城")
    page.get_by_label("所属（自治体）").select_option(label="東京都 稲城市")
    page.get_by_label("部署名").fill("高齢福祉課")
    page.get_by_label("職種").fill("保健師")
    page.get_by_label("「個人情報の取扱いについて」に同意します").check()
    page.get_by_role("button", name="申し込む").click()
    page.get_by_role("heading", name=answer).wait_for()


@pytest.mark.sqlite_only("browser tests run once, on SQLite")
def test_register_for_the_webinar_by_the_labels_a_person_reads(
    browser_page, live_server, db, event
):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(live_server + "/")
    page.get_by_role("link", name="ウェビナー参加で申し込む").click()
    register_on_the_webinar(
        page, "高橋 美咲", "たかはし みさき", "misaki.takahashi@city.example.jp"
    )
    page.get_by_role("link", name="個人ページを開く").click()
    expect(page.get_by_text("東京都稲城市")).to_be_visible()
    registration = db.session.scalars(select(Registration)).one()
    assert (registration.channel.code, registration.kana) == ("webinar", "タカハシ ミサキ")


@pytest.mark.csrf
@pytest.mark.sqlite_only("browser tests run once, on SQLite")
def test_a_kept_form_page_registers_in_a_real_browser(app, browser_page, live_server, db, event):
    """The second visitor gets the page another visitor's request wrote (app.core.blank_page),
    with a CSRF token of their own session: the browser's POST is accepted."""
    from tests.core.test_blank_page import Renders

    assert app.test_client().get("/register").status_code == 200  # the page is kept now
    page = browser_page
    with Renders(app) as renders:
        page.goto(live_server + "/register?channel=webinar")
        page.goto(live_server + "/register")
    assert "registration/register.html" not in renders.names[1:], renders.names
    register_on_the_webinar(page, "保存 花子", "ほぞん はなこ", "kept.page@city.example.jp")
    registration = db.session.scalars(select(Registration)).one()
    assert registration.email == "kept.page@city.example.jp"


@pytest.mark.sqlite_only("browser tests run once, on SQLite")
def test_a_full_webinar_answers_a_short_page_that_registers_on_youtube_in_one_click(
    browser_page, live_server, db, event, make_registration
):
    """At 360 px and 1280 px the form (with its キャンセル待ち box while the webinar is full),
    the 満席 page and the page of an address already registered fit and pass axe; the 満席
    page's button registers."""
    from tests.browser.test_pages_sweep import problems_of

    make_registration("webinar")
    event.channel("webinar").capacity = 1
    db.session.commit()
    page = browser_page
    problems = []
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(live_server + "/register")
        assert page.get_by_label("ウェビナー参加のキャンセル待ちに登録する").is_visible()
        problems += problems_of(page, "/register, the webinar full", width)
        box = page.get_by_label("ウェビナー参加のキャンセル待ちに登録する")
        page.locator("fieldset, .field", has=box).last.screenshot(
            path=f"/tmp/register_waitlist_{width}.png"
        )
        full = "ウェビナー参加は定員（1名）に達しました。"
        register_on_the_webinar(page, "満席 花子", "まんせき はなこ", "full@city.example.jp", full)
        expect(page.get_by_text("東京都稲城市")).to_be_visible()  # the answers as typed
        assert page.locator("select").count() == 0
        problems += problems_of(page, "満席", width)
        page.screenshot(path=f"/tmp/refused_full_{width}.png", full_page=True)
    assert problems == [], problems
    assert page.get_by_label("ウェビナー参加のキャンセル待ちに登録する").is_checked()
    page.get_by_role("button", name="YouTubeライブ配信による参加で申し込む").click()
    page.get_by_role("heading", name="お申込みを受け付けました").wait_for()
    registration = db.session.scalars(
        select(Registration).where(Registration.email == "full@city.example.jp")
    ).one()
    assert registration.channel.code == "youtube"
    assert registration.open_waitlist_entry.status == "waiting"
    for width in (1280, 360):  # the same address again: its links, not a form
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(live_server + "/register")
        already = "このメールアドレスでは既に研修会議Ⅰにお申込みいただいています。"
        register_on_the_webinar(
            page, "満席 花子", "まんせき はなこ", "full@city.example.jp", already
        )
        assert page.get_by_role("button", name="個人ページのURLを再送する").is_visible()
        problems += problems_of(page, "already registered", width)
        page.screenshot(path=f"/tmp/refused_duplicate_{width}.png", full_page=True)
    assert problems == [], problems
