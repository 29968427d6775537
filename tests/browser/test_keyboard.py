"""The main forms completed with the keyboard only (Tab, Space, Enter, arrow keys in a list), at
360 px, each focused control showing a visible focus ring (issue 11 §4)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.groupwork.assignments.models import PreAssignment
from app.registration.models import Registration, Team

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only("browser tests run once, on SQLite")]


def focus_visible(page) -> bool:
    return page.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
                   return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2)
                          || s.boxShadow !== 'none'; }"""
    )


def tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until the focused element matches ``selector``; its focus must show."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => !!document.activeElement?.matches(s)", selector):
            assert focus_visible(page), f"no visible focus on {selector}"
            return
    raise AssertionError(f"Tab never reached {selector}")


def type_into(page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def choose(page, selector: str, value: str) -> None:
    """Reach a <select> with Tab and move to ``value`` with the arrow keys."""
    tab_to(page, selector)
    steps = page.evaluate(
        """([s, v]) => { const el = document.activeElement;
             const shown = [...el.options].filter(o => !o.hidden);
             return shown.findIndex(o => o.value === v) - shown.findIndex(o => o.selected); }""",
        [selector, value],
    )
    for _ in range(abs(steps)):
        page.keyboard.press("ArrowDown" if steps > 0 else "ArrowUp")
    assert page.evaluate("() => document.activeElement.value") == value


@pytest.fixture
def phone(browser_page):
    browser_page.set_viewport_size({"width": 360, "height": 740})
    return browser_page


def test_team_application_by_keyboard_adding_a_member_in_place(phone, live_server, db, event):
    page = phone
    page.goto(live_server + "/team/apply")
    tab_to(page, "input[name=channel]")
    page.keyboard.press("Space")
    type_into(page, "input[type=search]", "札幌")
    choose(page, "select[name=team_municipality]", "011002")
    type_into(page, "#members-0-name", "札幌 花子")
    type_into(page, "#members-0-kana", "さっぽろ はなこ")
    type_into(page, "#members-0-email", "hanako@city.sapporo.example.jp")
    choose(page, "#members-0-category", "muni")
    choose(page, "#members-0-municipality", "same")
    type_into(page, "#members-0-department", "保健福祉局")
    type_into(page, "#members-0-occupation", "保健師")
    tab_to(page, "#add-member")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "members-1-name"
    expect(page.locator("fieldset.member")).to_have_count(2)
    page.keyboard.type("札幌 次郎")
    type_into(page, "#members-1-kana", "さっぽろ じろう")
    type_into(page, "#members-1-email", "jiro@med.example.jp")
    choose(page, "#members-1-category", "kankei_dantai")
    type_into(page, "#members-1-organisation", "札幌市医師会")
    type_into(page, "#members-1-department", "事務局")
    type_into(page, "#members-1-occupation", "事務職")
    tab_to(page, "input[name=consent]")
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit]:not([name])")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="研修会議Ⅱ チームページ").wait_for()
    team = db.session.scalars(select(Team)).one()
    assert [m.name for m in team.members] == ["札幌 花子", "札幌 次郎"]


def test_registration_by_keyboard(phone, live_server, db, event):
    page = phone
    page.goto(live_server + "/register")
    tab_to(page, "input[name=channel]")
    page.keyboard.press("Space")
    type_into(page, "#name", "高橋 美咲")
    type_into(page, "#kana", "たかはし みさき")
    type_into(page, "#email", "misaki@city.example.jp")
    type_into(page, "#email_confirm", "misaki@city.example.jp")
    choose(page, "#category", "muni")
    type_into(page, "input[type=search]", "稲城")
    choose(page, "#municipality", "132250")
    type_into(page, "#department", "高齢福祉課")
    type_into(page, "#occupation", "保健師")
    tab_to(page, ".privacy-box")
    tab_to(page, "#consent")
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="お申込みを受け付けました").wait_for()
    assert db.session.scalars(select(Registration)).one().name == "高橋 美咲"


def test_pre_assignment_3_by_keyboard(phone, live_server, db, event, make_team):
    team = make_team(size=2)
    member = team.members[1]
    page = phone
    page.goto(f"{live_server}/t/{member.token}/assignments/pre")
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1
    small = page.evaluate(
        """() => [...document.querySelectorAll(
                'main form input:not([type=hidden]), main form textarea, main form select, main form button')]
            .map(e => (e.type === 'checkbox' || e.type === 'radio') ? e.closest('label') || e : e)
            .filter(e => e.getBoundingClientRect().height < 44)
            .map(e => e.tagName + '#' + (e.id || e.name || e.textContent.trim()))"""
    )
    assert small == [], f"controls under 44 px on a phone: {small}"
    type_into(page, "#population", "197000")
    type_into(page, "#strengths", "顔の見える関係")
    type_into(page, "#s2_goal", "退院後も安心して暮らせる")
    width = page.evaluate("() => document.activeElement.getBoundingClientRect().width")
    assert width >= 280  # a whole phone's width for each answer, one 場面 under the other
    tab_to(page, "#s2_self_set")
    page.keyboard.press("Space")
    tab_to(page, "button[name=submit]")
    page.keyboard.press("Enter")
    page.get_by_text("資料３（事前課題）を提出しました。").wait_for()
    db.session.expire_all()
    sheet = db.session.scalar(select(PreAssignment).where(PreAssignment.member_id == member.id))
    assert sheet is not None and sheet.is_submitted
    assert sheet.answers_for_scene(2)["goal"] == "退院後も安心して暮らせる"


def test_pre_assignment_2_by_keyboard(phone, live_server, db, event, make_team):
    from app.groupwork.assignments.services import scene_choice_for

    team = make_team(size=2)
    page = phone
    page.goto(f"{live_server}/t/{team.representative.token}/assignments/scenes")
    choose(page, "#first_scene", "2")
    choose(page, "#second_scene", "3")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.get_by_text("資料２（検討希望場面）を提出しました。").wait_for()
    db.session.expire_all()
    choice = scene_choice_for(team)
    assert (choice.first_scene, choice.second_scene) == (2, 3)


def test_questionnaire_by_keyboard(phone, live_server, db, event):
    from datetime import timedelta

    from app.core.jpdates import now_utc
    from app.surveys.models import SurveyResponse

    event.survey_opens_at = now_utc() - timedelta(days=1)
    event.survey_closes_at = now_utc() + timedelta(days=14)
    db.session.commit()
    page = phone
    page.goto(f"{live_server}/survey/{event.slug}?ch=qr")
    tab_to(page, "input[name=F1]")
    page.keyboard.press("Space")
    for _ in range(3):
        page.keyboard.press("ArrowDown")  # moves within the group and checks: 4. 市町村
    tab_to(page, "input[name=F3]")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")  # 2. 研修会議Ⅱ（東京会場）のみ参加
    type_into(page, "textarea[name=Q8]", "キーボードだけで回答しました。")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/thanks")
    db.session.expire_all()
    (stored,) = db.session.scalars(select(SurveyResponse)).all()
    assert (stored.answers["F1"], stored.answers["F3"]) == (4, 2)
    assert stored.answers["Q8"] == "キーボードだけで回答しました。"


def test_pre_assignment_3_typing_survives_a_reload(phone, live_server, db, event, make_team):
    member = make_team(size=2).members[1]
    page = phone
    url = f"{live_server}/t/{member.token}/assignments/pre"
    page.goto(url)
    page.locator("#s3_issues").fill("急変時の連絡体制")
    page.reload()
    assert page.locator("#s3_issues").input_value() == "急変時の連絡体制"
    assert page.get_by_text("入力途中の内容を復元しました").is_visible()
    page.get_by_role("button", name="下書き保存").click()
    page.wait_for_load_state()
    page.goto(url)
    assert not page.get_by_text("入力途中の内容を復元しました").is_visible()
