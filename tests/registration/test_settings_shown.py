"""The public forms say what the event's settings say (found by the blank pages' attack
session): the channel details of the 研修会議Ⅰ form and the team size of the 研修会議Ⅱ forms
came from the FY2023 text and a fixed 6, whatever the console saved."""

from __future__ import annotations

import re

from app.registration.models import TeamMember


def channel_details(html: str) -> dict[str, str]:
    """value of each 参加方法 radio → its （…） details."""
    found = re.findall(
        r'<input[^>]*value="(\w+)"[^>]*>\s*[^<]*\s*<span class="small">（([^）]*(?:）[^）<]*)*)）</span>',
        html,
    )
    return dict(found)


def test_the_fy2023_details_are_written_as_before(client, event):
    details = channel_details(client.get("/register").get_data(as_text=True))
    assert details["webinar"].startswith(
        "定員450名・都道府県（及び保健所）担当者、市町村担当者のみ・締切 "
    )
    assert details["youtube"].startswith("定員上限なし・傍聴のみ・締切 ")


def test_the_channel_details_follow_the_console_settings(client, db, event):
    webinar, youtube = event.channel("webinar"), event.channel("youtube")
    client.get("/register")  # the page is kept (app.core.blank_page): the change must show
    webinar.capacity = 500
    webinar.eligible_categories = ["muni", "kouseikyoku", "pref"]
    youtube.capacity = 1000
    db.session.commit()
    details = channel_details(client.get("/register").get_data(as_text=True))
    assert details["webinar"].startswith(
        "定員500名・都道府県（及び保健所）担当者、市町村担当者、地方厚生（支）局担当者のみ・締切 "
    )
    assert details["youtube"].startswith("定員1000名・傍聴のみ・締切 ")

    webinar.eligible_categories = None
    webinar.capacity_is_target = True
    db.session.commit()
    details = channel_details(client.get("/register").get_data(as_text=True))
    assert details["webinar"].startswith("定員500名程度・締切 ")


def member_count_options(html: str) -> list[str]:
    select = re.search(r'<select id="member_count"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


def test_the_team_forms_offer_as_many_people_as_the_venues_allow(client, db, event, make_team):
    html = client.get("/team/apply").get_data(as_text=True)
    assert member_count_options(html) == [f"{n}名" for n in range(1, 7)]
    assert "１自治体６名まで（代表者を含む）" in html

    for channel in event.venue_channels:
        channel.max_team_size = 4
    db.session.commit()
    html = client.get("/team/apply").get_data(as_text=True)
    assert member_count_options(html) == ["1名", "2名", "3名", "4名"]
    assert "１自治体４名まで（代表者を含む）" in html and "１自治体上限４名" in html

    team = make_team(2)
    representative = db.session.query(TeamMember).filter_by(team_id=team.id).first()
    html = client.get(f"/t/{representative.token}/edit").get_data(as_text=True)
    assert member_count_options(html) == ["1名", "2名", "3名", "4名"]
    assert "１自治体４名まで（代表者を含む）" in html
