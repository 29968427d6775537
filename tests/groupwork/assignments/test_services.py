"""資料２ and 資料３ as the 代表者, the members and the secretariat use them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.jpdates import format_datetime, now_utc
from app.groupwork.assignments.models import PreAssignment, SceneChoice


@pytest.fixture
def team(make_team):
    return make_team(size=3)


def _scene_url(member):
    return f"/t/{member.token}/assignments/scenes"


def _pre_url(member, other=None):
    base = f"/t/{member.token}/assignments/pre"
    return f"{base}/{other.id}" if other else base


def _close(db, team, item):
    venue = team.channel.venue
    setattr(venue, f"{item}_deadline", now_utc() - timedelta(minutes=1))
    db.session.commit()


def _grid(**cells):
    data = {}
    for no in range(1, 5):
        for key in ("goal", "current", "actions", "issues"):
            data[f"s{no}_{key}"] = ""
    data.update(cells)
    return data


# ---------------------------------------------------------------- 資料２


def test_team_page_lists_materials_and_deadlines(client, team):
    html = client.get(f"/t/{team.representative.token}").get_data(as_text=True)
    assert "事前課題（資料１～４）" in html
    assert "資料２ 検討希望場面" in html
    venue = team.channel.venue
    assert format_datetime(venue.scene_deadline) in html  # …12:00 JST
    assert format_datetime(venue.assignment_deadline) in html  # …17:00 JST (東京会場)
    assert format_datetime(venue.assignment_deadline).endswith("17:00")
    assert "/assignments/guide.pdf" in html


def test_representative_submits_scene_choice(client, db, team):
    rep = team.representative
    form = client.get(_scene_url(rep)).get_data(as_text=True)
    for label in (
        "第１希望：",
        "第２希望：",
        "① 日常の療養支援",
        "②入退院支援",
        "③急変時の対応",
        "④看取り",
        "その他連絡事項（あれば記載）",
        "研修会議Ⅱで検討したい場面 ※①～④のいずれかで回答ください",
    ):
        assert label in form
    response = client.post(
        _scene_url(rep), data={"first_scene": "2", "second_scene": "4", "note": "車椅子1名"}
    )
    assert response.status_code == 302
    choice = db.session.scalar(select(SceneChoice).where(SceneChoice.team_id == team.id))
    assert (choice.first_scene, choice.second_scene, choice.note, choice.late) == (
        2,
        4,
        "車椅子1名",
        False,
    )
    page = client.get(f"/t/{rep.token}/assignments").get_data(as_text=True)
    assert "第１希望：入退院支援／第２希望：看取り" in page


def test_same_scene_twice_is_refused_next_to_the_field(client, db, team):
    response = client.post(
        _scene_url(team.representative), data={"first_scene": "1", "second_scene": "1"}
    )
    assert response.status_code == 200
    assert "第２希望は第１希望と異なる場面を選択してください。" in response.get_data(as_text=True)
    assert db.session.scalar(select(SceneChoice)) is None


def test_member_sees_scene_choice_but_cannot_submit(client, db, team):
    member = team.active_members[1]
    page = client.get(_scene_url(member)).get_data(as_text=True)
    assert "資料２は代表者が提出します。" in page
    response = client.post(_scene_url(member), data={"first_scene": "1", "second_scene": "2"})
    assert response.status_code == 403
    assert db.session.scalar(select(SceneChoice)) is None


def test_scene_choice_locks_after_deadline_and_staff_records_it_late(client, db, team, staff, app):
    _close(db, team, "scene")
    rep = team.representative
    page = client.get(_scene_url(rep)).get_data(as_text=True)
    assert "提出期限を過ぎたため、変更できません。" in page
    assert (
        client.post(_scene_url(rep), data={"first_scene": "1", "second_scene": "2"}).status_code
        == 403
    )
    assert db.session.scalar(select(SceneChoice)) is None

    console = staff(app.test_client())
    response = console.post(
        f"/console/groupwork/assignments/teams/{team.id}/scenes",
        data={"first_scene": "3", "second_scene": "1"},
    )
    assert response.status_code == 302
    choice = db.session.scalar(select(SceneChoice))
    assert choice.late and choice.entered_by == "staff"
    tracker = console.get("/console/groupwork/assignments/").get_data(as_text=True)
    assert "期限後提出" in tracker


def test_extension_reopens_one_team_and_marks_work_late(client, db, team, make_team, staff, app):
    other = make_team(size=2, municipality="012025")
    _close(db, team, "scene")
    console = staff(app.test_client())
    later = now_utc() + timedelta(days=2)
    from app.core.jpdates import to_jst

    response = console.post(
        f"/console/groupwork/assignments/teams/{team.id}/extend",
        data={
            "item": "scene",
            "deadline_date": to_jst(later).strftime("%Y-%m-%d"),
            "deadline_time": "17:00",
            "reason": "庁内決裁のため",
        },
    )
    assert response.status_code == 302
    assert (
        client.post(
            _scene_url(team.representative), data={"first_scene": "4", "second_scene": "3"}
        ).status_code
        == 302
    )
    choice = db.session.scalar(select(SceneChoice).where(SceneChoice.team_id == team.id))
    assert choice.late  # after the venue's published deadline
    # the other team of the same venue stays locked
    assert (
        client.post(
            _scene_url(other.representative), data={"first_scene": "4", "second_scene": "3"}
        ).status_code
        == 403
    )


def test_team_not_taking_part_sees_a_notice(client, db, team):
    team.status = "pending"
    db.session.commit()
    response = client.get(_scene_url(team.representative))
    assert response.status_code == 403
    assert "選定中" in response.get_data(as_text=True)
    section = client.get(f"/t/{team.representative.token}").get_data(as_text=True)
    assert "参加決定後にご案内します" in section


# ---------------------------------------------------------------- 資料３


def test_member_saves_a_draft_then_submits(client, db, team):
    member = team.active_members[1]
    page = client.get(_pre_url(member)).get_data(as_text=True)
    for label in (
        "部署名等 ※関係団体の方は団体名を記載",
        "氏　名",
        "職 種",
        "○ 自治体の概要",
        "管内人口 （　　）人 （高齢化率　　％）",
        "（ア）長所（良さ・強み）",
        "（イ）短所（違和感、難しい部分、課題など）",
        "○ ４つの場面を踏まえた取り組み等について",
        "（１）【目的】めざすべき姿※1（目的）について記載ください。",
        "自身で設定※1（　）",
        "（４）（２）のめざすべき姿における現状の課題は何だと思いますか。",
        "本研修で知りたいことは何ですか。",
        "所掌の分担関係がわかるように",
    ):
        assert label in page, label
    assert member.name in page  # 氏名 prefilled from the application
    data = _grid(s2_goal="退院後も安心して暮らせる", s2_issues="病院との情報共有")
    data.update(
        name=member.name,
        population="１９７０００",
        aging_rate="27.5",
        strengths="顔の見える関係",
        save_draft="下書き保存",
    )
    assert client.post(_pre_url(member), data=data).status_code == 302
    pa = db.session.scalar(select(PreAssignment).where(PreAssignment.member_id == member.id))
    assert pa.status == "draft" and pa.submitted_at is None
    assert pa.population == 197000 and pa.aging_rate == 27.5

    data.update(s2_self_set="y", submit="提出する")
    del data["save_draft"]
    assert client.post(_pre_url(member), data=data).status_code == 302
    db.session.refresh(pa)
    assert pa.status == "submitted" and not pa.late
    answers = pa.answers_for_scene(2)
    assert answers["goal"] == "退院後も安心して暮らせる"
    assert answers["issues"] == "病院との情報共有"
    assert answers["self_set"] is True
    assert pa.answers_for_scene(1) == {
        "goal": "",
        "current": "",
        "actions": "",
        "issues": "",
        "self_set": False,
    }


def test_bad_number_is_refused_next_to_the_field(client, db, team):
    member = team.active_members[1]
    data = _grid(name=member.name, aging_rate="150", submit="提出する")
    response = client.post(_pre_url(member), data=data)
    assert response.status_code == 200
    assert "0から100までの数値で入力してください。" in response.get_data(as_text=True)
    assert db.session.scalar(select(PreAssignment)) is None


def test_representative_fills_in_for_a_member_and_sees_progress(client, db, team):
    rep, member = team.representative, team.active_members[2]
    data = _grid(name=member.name, s1_goal="在宅療養の継続", submit="提出する")
    assert client.post(_pre_url(rep, member), data=data).status_code == 302
    pa = db.session.scalar(select(PreAssignment).where(PreAssignment.member_id == member.id))
    assert pa.is_submitted and pa.entered_by == "representative"
    page = client.get(f"/t/{rep.token}/assignments").get_data(as_text=True)
    assert "提出済み 1 / 3 名" in page
    assert re.search(re.escape(member.name) + r"</td>\s*<td>提出済み", page)
    assert re.search(re.escape(team.active_members[1].name) + r"</td>\s*<td>未着手", page)


def test_members_cannot_fill_in_for_others_nor_reach_another_team(client, db, team, make_team):
    member, other_member = team.active_members[1], team.active_members[2]
    assert client.get(_pre_url(member, other_member)).status_code == 403
    stranger_team = make_team(size=2, municipality="012025")
    stranger = stranger_team.representative
    assert client.get(_pre_url(stranger, member)).status_code == 404
    data = _grid(name="なりすまし", submit="提出する")
    assert client.post(_pre_url(stranger, member), data=data).status_code == 404
    assert db.session.scalar(select(PreAssignment)) is None


def test_pre_assignment_locks_after_deadline(client, db, team):
    member = team.active_members[1]
    _close(db, team, "assignment")
    page = client.get(_pre_url(member)).get_data(as_text=True)
    assert "提出期限を過ぎたため、変更できません。" in page
    response = client.post(_pre_url(member), data=_grid(name="x", submit="提出する"))
    assert response.status_code == 403
    assert db.session.scalar(select(PreAssignment)) is None


def test_prefecture_member_is_asked_for_the_number_of_municipalities(
    client, db, event, make_person
):
    from app.registration.services.teams import apply_team

    team = apply_team(
        event,
        "t2_tokyo",
        "011002",
        [
            make_person("muni", municipality_code="011002"),
            make_person("pref", municipality_code="010006"),
        ],
    )
    pref, muni = team.active_members[1], team.active_members[0]
    assert "構成市町村数：都道府県担当者のみ記載ください" in client.get(_pre_url(pref)).get_data(
        as_text=True
    )
    assert "構成市町村数" not in client.get(_pre_url(muni)).get_data(as_text=True)
    data = _grid(
        name=pref.name, city_count="35", town_count="129", village_count="15", submit="提出する"
    )
    client.post(_pre_url(pref), data=data)
    pa = db.session.scalar(select(PreAssignment).where(PreAssignment.member_id == pref.id))
    assert (pa.city_count, pa.town_count, pa.village_count) == (35, 129, 15)


def test_secretariat_records_pre_assignment_after_deadline_marked_late(
    client, db, team, staff, app
):
    member = team.active_members[1]
    _close(db, team, "assignment")
    console = staff(app.test_client())
    url = f"/console/groupwork/assignments/members/{member.id}"
    assert "資料３" in console.get(url).get_data(as_text=True)
    data = _grid(name=member.name, s3_current="夜間の往診体制が弱い", submit="提出する")
    assert console.post(url, data=data).status_code == 302
    pa = db.session.scalar(select(PreAssignment).where(PreAssignment.member_id == member.id))
    assert pa.is_submitted and pa.late and pa.entered_by == "staff"
    assert pa.answers_for_scene(3)["current"] == "夜間の往診体制が弱い"
    team_page = console.get(f"/console/groupwork/assignments/teams/{team.id}").get_data(
        as_text=True
    )
    assert "提出済み（期限後提出）" in team_page


def test_assignment_extension_lets_the_team_submit_until_the_new_deadline(client, db, team):
    from app.groupwork.assignments import services

    member = team.active_members[1]
    _close(db, team, "assignment")
    services.extend_deadline(team, "assignment", now_utc() + timedelta(hours=3), "病欠")
    response = client.post(_pre_url(member), data=_grid(name=member.name, submit="提出する"))
    assert response.status_code == 302
    pa = db.session.scalar(select(PreAssignment).where(PreAssignment.member_id == member.id))
    assert pa.is_submitted and pa.late
    services.extend_deadline(team, "assignment", now_utc() - timedelta(seconds=1), "終了")
    assert client.post(_pre_url(member), data=_grid(name="x", submit="提出する")).status_code == 403
