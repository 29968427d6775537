"""The 事務局 writes a 一斉メール in a real browser: the send button asks first (site.js reads the
button's data-confirm); dismissing sends nothing, accepting sends to the group previewed."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.core.auth import create_staff
from app.mailing.models import Campaign

pytestmark = pytest.mark.browser


@pytest.mark.sqlite_only("browser tests run once, on SQLite")
def test_the_send_button_asks_before_sending(browser_page, live_server, db, population):
    create_staff("mailer", "事務局 送信", "secretariat", "correct horse battery")
    page = browser_page
    page.goto(live_server + "/console/login")
    page.get_by_label("ログインID").fill("mailer")
    page.get_by_label("パスワード").fill("correct horse battery")
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(re.compile(r"/console/$"))
    page.get_by_role("link", name="一斉メール").first.click()
    page.get_by_role("link", name="新しい一斉メールを作成").click()
    page.get_by_label("ウェビナー参加").check()
    page.get_by_label("件名").fill("明日のご案内")
    page.get_by_label("本文").fill("〔氏名〕様\n参加URL：〔ウェビナーURL〕")
    page.get_by_role("button", name="送信先と文面を確認").click()
    page.get_by_role("heading", name="送信先：2名").wait_for()
    dialogs: list[str] = []

    def dismiss(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.get_by_role("button", name="2名に送信する").click()
    page.wait_for_timeout(300)
    assert dialogs == ["2名に一斉メールを送信します。よろしいですか？"]
    assert db.session.scalar(select(func.count()).select_from(Campaign)) == 0
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="2名に送信する").click()
    page.get_by_role("heading", name="一斉メール：明日のご案内").wait_for()
    assert page.get_by_text("送信待ち：2件").is_visible()
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Campaign)) == 1
