"""End to end in Debian chromium: the 代表者 submits 資料２, a member submits 資料３."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.groupwork.assignments.models import PreAssignment, SceneChoice


@pytest.mark.browser
@pytest.mark.sqlite_only("browser tests run on SQLite only")
def test_representative_submits_scenes_and_member_submits_pre_assignment(
    browser_page, live_server, make_team, db
):
    team = make_team(size=2)
    rep, member = team.representative, team.active_members[1]
    page = browser_page

    # 代表者: from the team page to 資料２
    page.goto(f"{live_server}/t/{rep.token}")
    section = page.locator("section#assignments")
    section.get_by_role("row", name="資料２").get_by_role("link", name="入力する").click()
    page.get_by_label("第１希望：").select_option(label="②入退院支援")
    page.get_by_label("第２希望：").select_option(label="②入退院支援")
    page.get_by_role("button", name="提出する").click()
    page.get_by_text("第２希望は第１希望と異なる場面を選択してください。").wait_for()
    page.get_by_label("第２希望：").select_option(label="④看取り")
    page.get_by_label("その他連絡事項（あれば記載）").fill("保健所職員が同行予定")
    page.get_by_role("button", name="提出する").click()
    page.get_by_text("資料２（検討希望場面）を提出しました。").wait_for()
    assert "第１希望：入退院支援／第２希望：看取り" in page.content()

    # member: 資料３, a draft first, then submitted
    page.goto(f"{live_server}/t/{member.token}/assignments")
    page.get_by_role("row", name="資料３").get_by_role("link", name="入力する").click()
    page.get_by_label("（ア）長所（良さ・強み）").fill("多職種の顔の見える関係がある")
    page.locator("textarea[name=s2_goal]").fill("退院後も住み慣れた地域で暮らし続けられる")
    page.get_by_role("button", name="下書き保存").click()
    page.get_by_text("資料３（事前課題）を下書き保存しました。").wait_for()
    page.get_by_role("row", name="資料３").get_by_role("link", name="入力する").click()
    expect(page.locator("textarea[name=s2_goal]")).to_have_value(
        "退院後も住み慣れた地域で暮らし続けられる"
    )
    page.locator("input[name=s2_self_set]").check()
    page.locator("textarea[name=s2_issues]").fill("病院と地域の情報共有の仕組みがない")
    page.get_by_role("button", name="提出する").click()
    page.get_by_text("資料３（事前課題）を提出しました。").wait_for()

    # the 代表者 sees the team's progress
    page.goto(f"{live_server}/t/{rep.token}/assignments")
    page.get_by_text("提出済み 1 / 2 名").wait_for()

    db.session.expire_all()
    choice = db.session.scalar(select(SceneChoice).where(SceneChoice.team_id == team.id))
    assert (choice.first_scene, choice.second_scene, choice.note) == (2, 4, "保健所職員が同行予定")
    pa = db.session.scalar(select(PreAssignment).where(PreAssignment.member_id == member.id))
    assert pa.is_submitted and pa.strengths == "多職種の顔の見える関係がある"
    assert pa.answers_for_scene(2)["self_set"] is True
    assert pa.answers_for_scene(2)["issues"] == "病院と地域の情報共有の仕組みがない"
