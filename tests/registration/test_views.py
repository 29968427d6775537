"""The public pages as a person uses them: messages next to fields, answers kept."""

import re

from sqlalchemy import func, select

from app.registration.models import Registration, Team


def _form(**overrides):
    data = {
        "channel": "webinar",
        "name": "佐藤 花子",
        "kana": "さとう はなこ",
        "email": "hanako.sato@pref.example.jp",
        "email_confirm": "hanako.sato@pref.example.jp",
        "phone": "",
        "category": "pref",
        "municipality": "130001",
        "organisation": "",
        "department": "福祉保健局 高齢社会対策部",
        "occupation": "保健師",
        "consent": "y",
    }
    data.update(overrides)
    return data


def _count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_top_page_shows_event_channels_programmes_and_venues(client, event):
    html = client.get("/").get_data(as_text=True)
    for text in (
        "令和５年度在宅医療・介護連携推進支援事業 都道府県・市町村担当者等研修会議",
        "在宅医療・介護連携推進の更なる可能性を目指して",
        "ウェビナー参加",
        "450名",
        "YouTubeライブ配信による参加",
        "定員上限なし",
        "50名程度",
        "【基調講演】PDCA サイクルに沿った在宅医療・介護連携推進事業の具体的方策について",
        "グループワーク ～地域の実情に応じた事業マネジメントの検討～",
        "東京都千代田区内幸町1-3-1 幸ビルディング 14階",
        "阪急「大阪梅田駅」 中央改札口 徒歩1分",
        "fri-homecare-seminar@dl.jp.fujitsu.com",
        "受付中",
        "個人情報の取扱いについて",
    ):
        assert text in html, text


def test_full_webinar_shows_on_the_top_page(client, db, event, make_registration):
    event.channel("webinar").capacity = 1
    db.session.commit()
    make_registration("webinar")
    assert "満席 — YouTubeでの参加をご案内" in client.get("/").get_data(as_text=True)


def test_registering_for_the_webinar(client, db, event):
    response = client.post("/register", data=_form())
    assert response.status_code == 302
    registration = db.session.scalars(select(Registration)).one()
    assert response.headers["Location"].endswith(f"/r/{registration.token}/done")
    assert registration.channel.code == "webinar"
    page = client.get(f"/r/{registration.token}").get_data(as_text=True)
    assert "佐藤 花子（サトウ ハナコ）" in page and "東京都" in page


def test_coordinator_choosing_the_webinar_is_told_next_to_the_channel(client, db, event):
    response = client.post(
        "/register",
        data=_form(
            category="coordinator", municipality="", organisation="在宅医療・介護連携支援センター"
        ),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(
        r"参加方法.*ウェビナー参加は都道府県（及び保健所）担当者、市町村担当者のみお申込みいただけます",
        html,
        re.S,
    )
    assert 'value="在宅医療・介護連携支援センター"' in html  # answers kept
    assert _count(db, Registration) == 0


def test_mistyped_confirmation_email(client, db, event):
    html = client.post(
        "/register", data=_form(email_confirm="hanako.sato@pref.example.com")
    ).get_data(as_text=True)
    assert "確認用のメールアドレスが一致しません" in html
    assert 'value="佐藤 花子"' in html
    assert _count(db, Registration) == 0


def test_full_width_confirmation_matches(client, db, event):
    response = client.post(
        "/register", data=_form(email_confirm="ｈａｎａｋｏ.ｓａｔｏ＠ｐｒｅｆ.example.jp")
    )
    assert response.status_code == 302


def test_after_the_deadline_the_form_says_so_and_changes_nothing(client, db, event, close_channel):
    close_channel(event.channel("webinar"))
    html = client.post("/register", data=_form()).get_data(as_text=True)
    assert "ウェビナー参加の申込受付は締め切りました。" in html
    assert _count(db, Registration) == 0
    assert "受付終了" in client.get("/").get_data(as_text=True)


def test_full_webinar_offers_youtube_with_the_same_answers_in_one_click(
    client, db, event, make_registration
):
    event.channel("webinar").capacity = 1
    db.session.commit()
    make_registration("webinar")
    html = client.post("/register", data=_form()).get_data(as_text=True)
    assert "ウェビナー参加は定員（1名）に達しました。" in html
    assert "YouTubeライブ配信による参加で申し込む" in html
    assert _count(db, Registration) == 1
    # The one-click form carries every answer: post exactly what it holds.
    block = html[
        html.index('class="notice full"') : html.index("</form>", html.index('class="notice full"'))
    ]
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', block))
    assert fields["name"] == "佐藤 花子" and fields["channel"] == "youtube"
    fields["join_waitlist"] = "y"
    response = client.post("/register", data=fields)
    assert response.status_code == 302
    registration = db.session.scalars(
        select(Registration).where(Registration.name == "佐藤 花子")
    ).one()
    assert registration.channel.code == "youtube"
    assert registration.open_waitlist_entry.status == "waiting"
    assert "キャンセル待ち：1番目" in client.get(f"/r/{registration.token}").get_data(as_text=True)


def test_personal_link_changes_switches_and_cancels(client, db, event, make_registration):
    registration = make_registration("youtube", category="muni")
    token = registration.token
    form = _form(
        channel=None,
        email=registration.email,
        email_confirm=None,
        department="地域包括ケア推進課",
        category="muni",
        municipality="131016",
    )
    response = client.post(
        f"/r/{token}/edit", data={k: v for k, v in form.items() if v is not None}
    )
    assert response.status_code == 302
    assert db.session.get(Registration, registration.id).department == "地域包括ケア推進課"
    client.post(f"/r/{token}/switch", data={"channel": "webinar"})
    assert db.session.get(Registration, registration.id).channel.code == "webinar"
    client.post(f"/r/{token}/cancel")
    assert db.session.get(Registration, registration.id).status == "cancelled"
    assert "このお申込みは取り消されています" in client.get(f"/r/{token}").get_data(as_text=True)


def test_a_personal_link_reaches_only_its_own_registration(client, event, make_registration):
    mine, other = make_registration("youtube"), make_registration("youtube")
    page = client.get(f"/r/{mine.token}").get_data(as_text=True)
    assert mine.email in page and other.email not in page
    for url in (f"/r/{mine.token[:-1]}x", f"/r/{mine.id}", "/r/1", f"/t/{mine.token}"):
        assert client.get(url).status_code == 404
    assert client.post(f"/r/{mine.token[:-2]}/cancel").status_code == 404


def _team_form(members, **overrides):
    data = {"channel": "t2_tokyo", "team_municipality": "011002", "note": "", "consent": "y"}
    for i, m in enumerate(members):
        for key, value in m.items():
            data[f"members-{i}-{key}"] = value
    data.update(overrides)
    return data


def _member(n, category="muni", municipality="same", organisation=""):
    return {
        "name": f"札幌 太郎{n}",
        "kana": "さっぽろ たろう",
        "email": f"m{n}@city.sapporo.example.jp",
        "phone": "",
        "category": category,
        "municipality": municipality,
        "organisation": organisation,
        "department": "保健福祉局",
        "occupation": "事務職",
        "category_other": "",
    }


def test_team_application_by_the_representative(client, db, event):
    members = [
        _member(1),
        _member(2, "pref", "010006"),
        _member(3, "kankei_dantai", "", "札幌市医師会"),
    ]
    response = client.post("/team/apply", data=_team_form(members))
    assert response.status_code == 302
    team = db.session.scalars(select(Team)).one()
    assert team.status == "received" and team.size == 3
    assert team.members[0].municipality_code == "011002"  # 「申込自治体と同じ」
    assert team.members[1].municipality.full_name == "北海道"
    # The team page says it was received, without a flashed message: the application writes
    # no session cookie (issue 12).
    assert "Set-Cookie" not in response.headers
    assert response.headers["Location"].endswith(f"/t/{team.representative.token}?received=1")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "受付済" in page and "札幌市医師会" in page and "参加者を変更する" in page
    assert "研修会議Ⅱのお申込みを受け付けました。参加者全員に確認のメールをお送りしました。" in page
    member_page = client.get(f"/t/{team.members[2].token}").get_data(as_text=True)
    assert "参加者を変更する" not in member_page  # only the 代表者 edits
    assert "お申込みを受け付けました" not in member_page  # the page opened again later
    assert client.get(f"/t/{team.members[2].token}/edit").status_code == 403


def test_seventh_member_is_refused_with_a_clear_message(client, db, event):
    page = client.post(
        "/team/apply", data=_team_form([_member(1)], add_row="1", member_count="6")
    ).get_data(as_text=True)
    assert page.count("人目</legend>") == 7  # a 7th block can be added without JavaScript
    members = [_member(1)] + [_member(i, "kankei_dantai", "", "医師会") for i in range(2, 9 - 1)]
    html = client.post("/team/apply", data=_team_form(members)).get_data(as_text=True)
    assert "１自治体の参加者は6名までです（7名が入力されています）。" in html
    assert 'value="札幌 太郎7"' in html
    assert _count(db, Team) == 0


def test_second_team_of_the_same_municipality_is_refused(client, db, event, make_team):
    make_team(size=2, municipality="011002")
    html = client.post("/team/apply", data=_team_form([_member(1)], channel="t2_osaka")).get_data(
        as_text=True
    )
    assert "北海道札幌市からは既に研修会議Ⅱ（東京会場）への申込みがあります" in html
    assert _count(db, Team) == 1


def test_team_registration_after_the_deadline(client, db, event, close_channel):
    close_channel(event.channel("t2_tokyo"))
    html = client.post("/team/apply", data=_team_form([_member(1)])).get_data(as_text=True)
    assert "研修会議Ⅱ（東京会場）の申込受付は締め切りました。" in html
    assert _count(db, Team) == 0


def test_representative_edits_members(client, db, event, make_team):
    team = make_team(size=2, municipality="011002")
    rep = team.representative
    page = client.get(f"/t/{rep.token}/edit").get_data(as_text=True)
    assert f'value="{rep.email}"' in page
    members = [
        dict(_member(1), email=rep.email, name=rep.name),
        _member(5, "coordinator", "", "在宅医療支援センター"),
    ]
    response = client.post(
        f"/t/{rep.token}/edit",
        data=_team_form(members, channel="t2_tokyo", team_municipality="011002"),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert [m.email for m in db.session.get(Team, team.id).active_members] == [
        rep.email,
        "m5@city.sapporo.example.jp",
    ]
