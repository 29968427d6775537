"""Console pages, the 書記's link and what other teams cannot reach."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.groupwork.tables.models import GroupTable, TableAllocation
from tests.groupwork.tables.test_services import tokyo_teams, venue_of  # noqa: F401

BASE = "/console/groupwork/tables"


def test_console_needs_a_secretariat_login(client, staff, event):
    assert client.get(f"{BASE}/").status_code == 302
    assert client.post(f"{BASE}/tokyo/allocate").status_code == 302
    analyst = staff(client, role="analyst")
    assert analyst.get(f"{BASE}/").status_code == 403


def test_allocate_review_move_and_roles_through_the_console(db, client, staff, tokyo_teams):  # noqa: F811
    staff(client)
    page = client.get(f"{BASE}/").get_data(as_text=True)
    assert "東京会場" in page and "未割当" in page
    response = client.post(f"{BASE}/tokyo/allocate", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "卓に割り当てました" in page and "最適解" in page
    assert "第１希望" in page and "規則違反はありません" in page
    for team in tokyo_teams:
        assert team.municipality.full_name in page
    allocation = db.session.scalar(select(TableAllocation))
    # a bad table number is refused with a message and changes nothing
    page = client.post(
        f"{BASE}/tokyo/move", data={"team": tokyo_teams[1].id, "table": 99}, follow_redirects=True
    ).get_data(as_text=True)
    assert "卓番号は1から" in page
    # moving the 多人数 team onto another table is shown as a broken rule
    big = tokyo_teams[0]
    target = next(t.number for t in allocation.tables if big.id not in [s.team_id for s in t.seats])
    page = client.post(
        f"{BASE}/tokyo/move", data={"team": big.id, "table": target}, follow_redirects=True
    ).get_data(as_text=True)
    assert "多人数の自治体" in page and "（手動）" in page
    # change a table's 場面
    page = client.post(f"{BASE}/tokyo/tables/1/scene", data={"scene": 4}, follow_redirects=True)
    assert "1卓の場面を「看取り」にしました" in page.get_data(as_text=True)
    # roles: a person from another table is refused next to the field
    db.session.expire_all()
    allocation = db.session.scalar(select(TableAllocation))
    one, two = allocation.tables[0], allocation.tables[1]
    page = client.post(
        f"{BASE}/tokyo/tables/1", data={"chair": two.members[0].id, "scribe": ""}
    ).get_data(as_text=True)
    assert "選択肢が正しくありません" in page
    assert db.session.get(GroupTable, one.id).chair_id == one.chair_id


def test_scribe_link_saves_only_its_own_table(db, client, staff, tokyo_teams):  # noqa: F811
    staff(client)
    client.post(f"{BASE}/tokyo/allocate")
    allocation = db.session.scalar(select(TableAllocation))
    one, two = allocation.tables[0], allocation.tables[1]
    anonymous = client.application.test_client()
    page = anonymous.get(f"/gw/{one.token}").get_data(as_text=True)
    assert "（１）選択したテーマにおけるめざすべき姿（目的）を検討" in page and "短期目標" in page
    response = anonymous.post(f"/gw/{one.token}", data={"step8": "顔の見える関係づくり"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(GroupTable, one.id).worksheet["step8"] == "顔の見える関係づくり"
    assert db.session.get(GroupTable, one.id).worksheet_updated_by == "書記"
    assert "顔の見える関係づくり" not in anonymous.get(f"/gw/{two.token}").get_data(as_text=True)
    assert anonymous.get("/gw/not-a-token").status_code == 404


def test_prints_and_matome_need_a_login(db, client, event, tokyo_teams):  # noqa: F811
    # No login in this test: the app context (and Flask-Login's user in g) is shared by requests.
    from app.groupwork.tables.services import allocate_tables

    allocate_tables(venue_of(event), time_limit=5)
    for path in (
        "matome.pdf",
        "seatplan.pdf",
        "tables/1/booklet.pdf",
        "tables/1/photo",
        "tables/1",
    ):
        assert client.get(f"{BASE}/tokyo/{path}").status_code == 302
    assert client.post(f"{BASE}/tokyo/matome/send").status_code == 302


def test_team_page_shows_nothing_before_publishing_and_only_its_table(
    db,
    client,
    staff,
    tokyo_teams,  # noqa: F811
):
    staff(client)
    client.post(f"{BASE}/tokyo/allocate")
    rep = tokyo_teams[3].representative
    anonymous = client.application.test_client()
    assert "グループ・座席" not in anonymous.get(f"/t/{rep.token}").get_data(as_text=True)
    response = client.post(f"{BASE}/tokyo/publish", data={"confirmed": "1"}, follow_redirects=True)
    assert "確定・公開しました" in response.get_data(as_text=True)
    page = anonymous.get(f"/t/{rep.token}").get_data(as_text=True)
    assert "グループ・座席" in page
    allocation = db.session.scalar(select(TableAllocation))
    mine = next(t for t in allocation.tables if tokyo_teams[3].id in [s.team_id for s in t.seats])
    others = [m for t in allocation.tables if t.id != mine.id for m in t.members]
    for member in mine.members:
        assert member.name in page
    for member in others:  # the seat plan names teams, never other tables' people
        assert member.name not in page
    assert mine.token not in page  # the 書記 link is not on the team page
    assert "変更できません" in client.get(f"{BASE}/tokyo").get_data(as_text=True)


def _token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


@pytest.mark.csrf
def test_console_posts_need_the_csrf_token(db, client, tokyo_teams):  # noqa: F811
    from app.core.auth import create_staff

    create_staff("csrf-staff", "事務局", "secretariat", "correct horse battery")
    token = _token(client.get("/console/login").get_data(as_text=True))
    login = {"login": "csrf-staff", "password": "correct horse battery", "csrf_token": token}
    assert client.post("/console/login", data=login).status_code == 302
    assert client.post(f"{BASE}/tokyo/allocate").status_code == 400
    assert db.session.scalar(select(TableAllocation)) is None
    token = _token(client.get(f"{BASE}/tokyo").get_data(as_text=True))
    assert client.post(f"{BASE}/tokyo/allocate", data={"csrf_token": token}).status_code == 302
    assert db.session.scalar(select(TableAllocation)) is not None


def test_secretariat_enters_the_sheet_and_uploads_a_photo(db, client, staff, tokyo_teams):  # noqa: F811
    import io

    staff(client)
    client.post(f"{BASE}/tokyo/allocate")
    page = client.post(
        f"{BASE}/tokyo/tables/2/worksheet",
        data={"goal_short": "退院時カンファレンスの定例化", "goal_long": "在宅看取り率の向上"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "2卓のワークシートを保存しました" in page
    assert "退院時カンファレンスの定例化" in page and "（事務局）" in page
    bad = client.post(
        f"{BASE}/tokyo/tables/2/photo",
        data={"photo": (io.BytesIO(b"not an image"), "sheet.png")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "JPEG・PNG画像またはPDFを選んでください。" in bad
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    response = client.post(
        f"{BASE}/tokyo/tables/2/photo",
        data={"photo": (io.BytesIO(png), "IMG_0001.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    photo = client.get(f"{BASE}/tokyo/tables/2/photo")
    assert photo.data == png and photo.mimetype == "image/png"
