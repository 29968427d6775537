"""資料４ and 組織図 uploads: checked by content, size and name; reachable only by the team."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from app.core.jpdates import now_utc
from app.groupwork.assignments.models import TeamFile
from app.groupwork.assignments.uploads import team_file_path

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active["A1"] = "在宅医療・介護連携推進事業の概要"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _zip(names: list[str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return out.getvalue()


@pytest.fixture
def team(make_team):
    return make_team(size=3)


def _upload(client, member, data: bytes, name: str):
    return client.post(
        f"/t/{member.token}/assignments/files",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def _count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(TeamFile))


def test_pdf_and_excel_are_kept_outside_static_under_random_names(client, db, team, app):
    rep = team.representative
    page = _upload(client, rep, PDF, "概要資料.pdf").get_data(as_text=True)
    assert "資料４（自治体概要資料）をアップロードしました。" in page
    _upload(client, team.active_members[1], _xlsx(), "県としてのとりくみ.xlsx")
    files = db.session.scalars(select(TeamFile).order_by(TeamFile.id)).all()
    assert [(f.original_name, f.kind) for f in files] == [
        ("概要資料.pdf", "overview"),
        ("県としてのとりくみ.xlsx", "overview"),
    ]
    assert files[0].size == len(PDF)
    assert files[1].member_id == team.active_members[1].id
    path = team_file_path(files[0])
    assert path.read_bytes() == PDF
    assert path.is_relative_to(Path(app.config["UPLOAD_FOLDER"]))
    assert not path.is_relative_to(Path(app.static_folder))
    assert "概要" not in path.name and len(path.name) == 32
    # read back as a real workbook
    book = openpyxl.load_workbook(io.BytesIO(team_file_path(files[1]).read_bytes()))
    assert book.active["A1"].value == "在宅医療・介護連携推進事業の概要"


def test_download_is_named_by_the_spec_rule(client, db, team):
    rep = team.representative
    _upload(client, rep, PDF, "a.pdf")
    _upload(client, rep, PNG, "b.png")
    first, second = db.session.scalars(select(TeamFile).order_by(TeamFile.id)).all()
    response = client.get(f"/t/{rep.token}/assignments/files/{first.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert "attachment" in disposition
    # 「（市町村名）自治体概要資料」, RFC 5987-encoded: 札幌市自治体概要資料.pdf
    from urllib.parse import quote

    assert quote("札幌市自治体概要資料.pdf") in disposition
    disposition2 = client.get(f"/t/{rep.token}/assignments/files/{second.id}").headers[
        "Content-Disposition"
    ]
    assert quote("札幌市自治体概要資料（2）.png") in disposition2


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"MZ\x90\x00" + b"\x00" * 100, "概要.pdf"),  # a Windows program renamed .pdf
        (b"<html><script>alert(1)</script></html>", "概要.pdf"),
        (PDF, "概要.docx"),  # a PDF named as Word
        (_zip(["[Content_Types].xml", "xl/workbook.xml"]), "概要.docx"),  # Excel named as Word
        (_zip(["evil.exe"]), "概要.pptx"),  # a plain zip named as PowerPoint
        (PDF, "概要.exe"),
        (PDF, "概要"),
    ],
)
def test_wrong_type_disguised_by_its_name_is_refused(client, db, team, data, name):
    page = _upload(client, team.representative, data, name).get_data(as_text=True)
    assert (
        "ファイルの内容がファイル名（拡張子）と一致しないため受け付けられません。" in page
        or "このファイルの種類は受け付けられません" in page
    )
    assert _count(db) == 0


def test_real_word_layout_is_accepted(client, db, team):
    docx = _zip(["[Content_Types].xml", "_rels/.rels", "word/document.xml"])
    _upload(client, team.representative, docx, "組織.docx")
    assert db.session.scalar(select(TeamFile.content_type)).endswith("wordprocessingml.document")


def test_oversized_file_is_refused(client, db, team, app):
    team.event.upload_limit_mb = 1
    db.session.commit()
    big = PDF + b"0" * (1024 * 1024)
    page = _upload(client, team.representative, big, "大きい.pdf").get_data(as_text=True)
    assert "ファイルが大きすぎます（1ファイル1MBまで）。" in page
    assert _count(db) == 0
    folder = Path(app.config["UPLOAD_FOLDER"]) / "team_files"
    assert not folder.exists() or not any(folder.iterdir())


@pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "..\\..\\boot.pdf", "dir/概要.pdf"])
def test_path_in_the_filename_is_refused(client, db, team, name):
    page = _upload(client, team.representative, PDF, name).get_data(as_text=True)
    assert "フォルダの区切り" in page
    assert _count(db) == 0


def test_another_team_cannot_reach_files_or_pages(client, db, team, make_team):
    rep = team.representative
    _upload(client, rep, PDF, "a.pdf")
    team_file = db.session.scalar(select(TeamFile))
    stranger = make_team(size=2, municipality="012025").representative
    assert client.get(f"/t/{stranger.token}/assignments/files/{team_file.id}").status_code == 404
    assert (
        client.post(f"/t/{stranger.token}/assignments/files/{team_file.id}/delete").status_code
        == 404
    )
    assert client.get(f"/t/{stranger.token}/assignments/pre/{rep.id}").status_code == 404
    listing = client.get(f"/t/{stranger.token}/assignments/files").get_data(as_text=True)
    assert "a.pdf" not in listing
    # no token, no console login: nothing
    assert client.get(f"/console/groupwork/assignments/files/{team_file.id}").status_code == 302
    assert client.get("/t/not-a-token/assignments/files").status_code == 404
    assert _count(db) == 1


def test_secretariat_downloads_and_member_of_team_too(client, db, team, staff, app):
    _upload(client, team.representative, PDF, "a.pdf")
    team_file = db.session.scalar(select(TeamFile))
    member = team.active_members[1]
    assert client.get(f"/t/{member.token}/assignments/files/{team_file.id}").data == PDF
    console = staff(app.test_client())
    assert console.get(f"/console/groupwork/assignments/files/{team_file.id}").data == PDF
    analyst = staff(app.test_client(), role="analyst")
    assert analyst.get(f"/console/groupwork/assignments/files/{team_file.id}").status_code == 403


def test_only_uploader_or_representative_deletes(client, db, team):
    member, other = team.active_members[1], team.active_members[2]
    _upload(client, member, PDF, "a.pdf")
    team_file = db.session.scalar(select(TeamFile))
    path = team_file_path(team_file)
    url = f"/assignments/files/{team_file.id}/delete"
    assert client.post(f"/t/{other.token}{url}").status_code == 403
    assert client.post(f"/t/{member.token}{url}").status_code == 302
    assert _count(db) == 0 and not path.exists()


def test_uploads_lock_after_deadline_and_staff_uploads_are_late(client, db, team, staff, app):
    team.channel.venue.assignment_deadline = now_utc() - timedelta(minutes=1)
    db.session.commit()
    page = _upload(client, team.representative, PDF, "a.pdf").get_data(as_text=True)
    assert "資料３・４の提出期限を過ぎているため、変更できません。" in page
    assert _count(db) == 0
    console = staff(app.test_client())
    console.post(
        f"/console/groupwork/assignments/teams/{team.id}/files",
        data={"file": (io.BytesIO(PDF), "遅れ.pdf")},
        content_type="multipart/form-data",
    )
    team_file = db.session.scalar(select(TeamFile))
    assert team_file.late and team_file.entered_by == "staff"


def test_orgchart_belongs_to_the_member(client, db, team):
    member = team.active_members[1]
    response = client.post(
        f"/t/{member.token}/assignments/pre/{member.id}/orgchart",
        data={"file": (io.BytesIO(PNG), "組織図.png")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "組織図をアップロードしました。" in response.get_data(as_text=True)
    team_file = db.session.scalar(select(TeamFile))
    assert (team_file.kind, team_file.member_id) == ("orgchart", member.id)
    page = client.get(f"/t/{member.token}/assignments/pre").get_data(as_text=True)
    assert "組織図.png" in page
    # 資料４ listing does not show 組織図
    assert "組織図.png" not in client.get(f"/t/{member.token}/assignments/files").get_data(
        as_text=True
    )
