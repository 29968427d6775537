"""Every page a participant or the secretariat can reach, in Debian chromium at 360 px and at
1280 px: the page never scrolls sideways (a wide table scrolls in its own box), no table cell is
squeezed to one character per line, no text anywhere is two characters a line, and
axe-core finds no violation of impact serious or critical (issue 11 §4). The pages come from
``app.url_map`` (every GET route that answers HTML), so a page added later is swept without
anyone listing it.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.core.auth import create_account
from app.core.jpdates import now_utc
from app.core.mail import send_pending
from app.extensions import db
from app.groupwork.tables.models import GroupTable
from app.mailing.models import CampaignRecipient
from app.mailing.services import RecipientFilter, send_campaign
from app.registration.models import Team
from app.registration.services import individual, teams
from app.surveys.jobs import start_texts_pdf
from tests.groupwork.tables.test_services import municipalities, venue_of

pytestmark = pytest.mark.browser

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
WIDTHS = (360, 1280)
# Files, downloads and redirects are not pages.
NOT_PAGES = re.compile(
    r"\.(pdf|xlsx|csv|ico)$|<[^>]*:fmt>|<fmt>|/files/<|/photo$|^/static|^/api/|^/q/|/download$|^/materials/|^/archive/<token>/"
)


@pytest.fixture
def site(db, event, make_registration, make_team):
    """One of everything a page can show: a registration, teams (one adjusted), an allocation."""
    from app.groupwork.tables.services import allocate_tables

    registration = make_registration("webinar")
    codes = municipalities(db, 6)
    for code in codes[:5]:
        make_team(size=3, municipality=code)
    team = make_team(size=3, municipality=codes[5])
    team.status = "pending"
    db.session.commit()
    teams.decide_team(team, "adjusted", keep_member_ids=[m.id for m in team.active_members[:2]])
    individual.cancel_registration(make_registration("youtube"), by_staff=True, reason="連絡")
    campaign = send_campaign(
        event,
        RecipientFilter(channels=("webinar",)),
        "〔氏名〕様 明日のご案内",
        "〔氏名〕様\n\n参加URL：〔ウェビナーURL〕\n個人ページ：〔個人ページURL〕",
        staff_id=None,
        expected_count=1,
    )
    send_pending()
    allocate_tables(venue_of(event), time_limit=5)
    event.survey_opens_at = now_utc() - timedelta(days=1)
    event.survey_closes_at = now_utc() + timedelta(days=7)
    db.session.commit()
    first = db.session.scalars(select(Team).order_by(Team.id)).first()
    table = db.session.scalars(select(GroupTable)).first()
    return {
        "registration": registration,
        "member": first.representative,
        "table": table,
        "event": event,
        "team": team,
        "reset_token": create_account("reset-sweep", "再設定 花子", "secretariat")[1],
        "campaign": campaign,
        "job_id": start_texts_pdf(event),  # run at once in the tests: the page offers the file
    }


def pages(app, site) -> list[tuple[str, bool]]:
    """(path, needs the console login) of every HTML page."""
    member = site["member"]
    values = {
        "token": None,
        "slug": site["event"].slug,
        "code": "tokyo",
        "number": 1,
        "rid": site["registration"].id,
        "tid": site["team"].id,
        "team_id": site["team"].id,
        "member_id": member.id,
        "channel_id": site["event"].channel("t2_tokyo").id,
        "event_id": site["event"].id,
        "venue_id": venue_of(site["event"]).id,
        "campaign_id": site["campaign"].id,
        "job_id": site["job_id"],
        "message_id": db.session.scalar(
            select(CampaignRecipient.message_id).where(
                CampaignRecipient.campaign_id == site["campaign"].id
            )
        ),
        "training_id": site["event"].training("t1").id,
        "item_id": site["event"].training("t1").programme[1].id,
    }
    tokens = {
        "/r/": site["registration"].token,
        "/archive/": site["registration"].token,
        "/t/": member.token,
        "/gw/": site["table"].token,
        "/staff/reset/": site["reset_token"],
    }
    result = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or NOT_PAGES.search(rule.rule):
            continue
        path = rule.rule
        for arg in rule.arguments:
            value = values.get(arg)
            if arg == "token":
                value = next(t for prefix, t in tokens.items() if path.startswith(prefix))
            assert value is not None, f"the sweep does not know how to fill <{arg}> of {path}"
            path = re.sub(rf"<(?:\w+:)?{arg}>", str(value), path)
        result.append((path, path.startswith("/console") and rule.endpoint != "core.login"))
    return result


def check(page, url: str, width: int) -> list[str]:
    """Problems of one page at one width."""
    page.set_viewport_size({"width": width, "height": 800})
    response = page.goto(url)
    if response is None or response.status >= 400:
        return [f"{url} @{width}: HTTP {response.status if response else '?'}"]
    return problems_of(page, url, width)


def problems_of(page, url: str, width: int) -> list[str]:
    """Problems of the page the browser shows now (a page a POST answered, too), at ``width``."""
    problems = []
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 1:
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1
                             && !e.closest('.table-wrap'))
                .slice(0, 3).map(e => e.tagName + '.' + e.className + '#' + e.id)"""
        )
        problems.append(f"{url} @{width}: scrolls sideways by {overflow}px ({wide})")
    squeezed = page.evaluate(
        """() => [...document.querySelectorAll('td, th')]
            .filter(c => c.offsetParent !== null && c.textContent.trim().length >= 3)
            .filter(c => { const s = getComputedStyle(c);
                           const inner = c.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
                           return inner < 1.9 * parseFloat(s.fontSize); })
            .slice(0, 3).map(c => c.textContent.trim().slice(0, 12))"""
    )
    if squeezed:
        problems.append(f"{url} @{width}: cells one character wide {squeezed}")
    # Any text squeezed into a column of two characters or fewer (a flex item beside a long
    # neighbour, 「ウェ/ビナ/ー参/加」; a name in a table cell kept 3.5em wide, 「山田/太郎」;
    # both at 360 px), seen line by line in the text's own boxes.
    narrow = page.evaluate(
        """() => { const out = [];
            const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
            for (let n = walk.nextNode(); n && out.length < 3; n = walk.nextNode()) {
              const text = n.textContent.trim();
              if (text.length < 4 || !n.parentElement || n.parentElement.offsetParent === null) continue;
              const range = document.createRange(); range.selectNodeContents(n);
              const lines = [...range.getClientRects()].filter(r => r.width > 0);
              const size = parseFloat(getComputedStyle(n.parentElement).fontSize);
              if (lines.length >= 3 && lines.every(r => r.width < 2.6 * size)) out.push(text.slice(0, 12));
            }
            return out; }"""
    )
    if narrow:
        problems.append(f"{url} @{width}: text two characters a line {narrow}")
    if not page.evaluate("() => !!window.axe"):
        page.evaluate(AXE)
    violations = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ': ' + v.nodes.slice(0, 2).map(n => n.target.join(' ')).join(' | '))"""
    )
    problems += [f"{url} @{width}: axe {v}" for v in violations]
    return problems


@pytest.mark.sqlite_only("browser tests run once, on SQLite")
def test_every_page_fits_a_phone_and_passes_axe(app, browser_page, live_server, site, staff):
    from app.core.auth import create_staff

    create_staff("sweep", "事務局 確認", "admin", "correct horse battery")
    browser = browser_page.context.browser
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    all_pages = pages(app, site)
    assert len(all_pages) >= 40
    problems: list[str] = []
    for path, console in all_pages:
        if console:
            continue
        for width in WIDTHS:
            problems += check(page, live_server + path, width)
    page.goto(live_server + "/console/login")
    page.get_by_label("ログインID").fill("sweep")
    page.get_by_label("パスワード").fill("correct horse battery")
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(re.compile(r"/console/$"))
    for path, console in all_pages:
        if not console:
            continue
        for width in WIDTHS:
            problems += check(page, live_server + path, width)
    context.close()
    assert problems == [], "\n".join(problems)
