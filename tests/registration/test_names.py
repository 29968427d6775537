"""Japanese names as people type them (issue 9 §5): stored, mailed and shown as typed; every
search of people and places compares one matching key."""

import pytest
from sqlalchemy import select

from app.core import municipalities
from app.core.models import OutboxMessage
from app.registration.models import Registration, Team
from app.registration.services import individual

TSUKA = "\ufa10"  # 塚, CJK compatibility ideograph


def test_a_name_is_stored_mailed_and_shown_as_typed(client, db, event, make_person):
    typed = f"{TSUKA}本　神 一郎（架空）"
    registration = individual.register_for_training1(
        event, "youtube", make_person("kankei_dantai", name=typed, organisation="（架空）医師会")
    )
    db.session.expire_all()
    stored = db.session.get(Registration, registration.id)
    assert stored.name == typed and stored.organisation == "（架空）医師会"
    mail = db.session.scalars(select(OutboxMessage)).one()
    assert typed in mail.body
    assert typed in client.get(f"/r/{stored.token}").get_data(as_text=True)


def test_the_form_keeps_the_full_width_space(client, db, event):
    data = {
        "channel": "youtube",
        "name": "村上　麻衣（架空）",
        "kana": "むらかみ　まい",
        "email": "mai@city.example.jp",
        "email_confirm": "mai@city.example.jp",
        "category": "muni",
        "municipality": "131016",
        "department": "高齢福祉課",
        "occupation": "保健師",
        "consent": "y",
    }
    assert client.post("/register", data=data).status_code == 302
    registration = db.session.scalars(select(Registration)).one()
    assert (registration.name, registration.kana) == ("村上　麻衣（架空）", "ムラカミ　マイ")


@pytest.mark.parametrize("query", ["村上　麻衣", "村上麻衣", "ﾑﾗｶﾐ", "むらかみ まい"])
def test_both_console_searches_find_a_person_however_typed(
    client, staff, db, event, make_person, make_team, query
):
    individual.register_for_training1(
        event, "youtube", make_person("muni", name="村上 麻衣", kana="むらかみ まい")
    )
    make_team(size=1)
    team = db.session.scalars(select(Team)).one()
    rep = team.representative
    rep.name, rep.kana = "村上 麻衣", "ムラカミ マイ"
    from app.registration.services.people import person_search_key

    rep.search_key = person_search_key(rep)
    db.session.commit()
    staff(client)
    page = client.get("/console/registrations", query_string={"q": query, "status": ""})
    assert "村上 麻衣" in page.get_data(as_text=True)
    teams_page = client.get("/console/teams", query_string={"q": query})
    assert "北海道札幌市" in teams_page.get_data(as_text=True)


def test_without_the_space_and_for_another_name_nothing_else(client, staff, db, event, make_person):
    individual.register_for_training1(event, "youtube", make_person("muni", name="佐藤 花子"))
    individual.register_for_training1(event, "youtube", make_person("muni", name="鈴木 一郎"))
    staff(client)
    html = client.get("/console/registrations", query_string={"q": "佐藤花子", "status": ""})
    html = html.get_data(as_text=True)
    assert "佐藤 花子" in html and "鈴木 一郎" not in html


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("鎌ヶ谷", "122246"),
        ("鎌が谷", "122246"),
        ("かまがや", "122246"),
        ("茅ケ崎", "142077"),
        ("関が原", "213624"),
        ("ｻｯﾎﾟﾛ", "011002"),
        ("北海道　札幌", "011002"),
    ],
)
def test_places_by_the_matching_key(app, query, code):
    assert code in [m.code for m in municipalities.search(query)]


def test_the_team_search_finds_a_place_however_spelt(client, staff, db, event, make_team):
    make_team(size=1, municipality="122246")
    staff(client)
    html = client.get("/console/teams", query_string={"q": "鎌ヶ谷"}).get_data(as_text=True)
    assert "千葉県鎌ケ谷市" in html


def test_anonymisation_also_blanks_the_matching_key(db, event, make_person, make_team):
    from app.registration.services.retention import anonymise_event

    registration = individual.register_for_training1(
        event, "youtube", make_person("muni", name="村上 麻衣")
    )
    team = make_team(size=2)
    assert "村上麻衣" in registration.search_key
    anonymise_event(event)
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).search_key == ""
    assert all(m.search_key == "" for m in db.session.get(Team, team.id).members)
