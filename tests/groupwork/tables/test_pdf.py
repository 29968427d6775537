"""Printed matter read back with pypdf: names, roles, 8 steps, and an embedded Japanese font."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.core.models import OutboxMessage
from app.groupwork.assignments.services import (
    PreAssignmentData,
    save_pre_assignment,
    save_scene_choice,
    store_team_file,
)
from app.groupwork.scenes import GROUPWORK_STEPS
from app.groupwork.tables import pdf
from app.groupwork.tables.services import (
    allocate_tables,
    member_roles,
    save_worksheet,
    send_matome,
)
from tests.groupwork.tables.test_services import municipalities, venue_of


def text_of(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def compact(text: str) -> str:
    return "".join(text.split())


def embedded_fonts(data: bytes) -> set[str]:
    """Names of the fonts whose program is embedded in the PDF."""
    names = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        fonts = page["/Resources"].get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            descriptors = [font.get("/FontDescriptor")]
            for child in font.get("/DescendantFonts", []):
                descriptors.append(child.get_object().get("/FontDescriptor"))
            for desc in descriptors:
                if desc is None:
                    continue
                desc = desc.get_object()
                if any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    names.add(str(desc["/FontName"]))
    return names


@pytest.fixture
def allocation(db, event, make_team):
    spec = [(4, 1, 2), (2, 2, 1), (3, 2, 3), (2, 3, 2)]
    for (size, first, second), code in zip(spec, municipalities(db, len(spec)), strict=True):
        team = make_team(size=size, municipality=code)
        save_scene_choice(team, first, second, staff=True)
    return allocate_tables(venue_of(event), time_limit=5)


def test_seat_plan_lists_tables_members_roles_and_introduction_order(allocation):
    data = pdf.seat_plan_pdf(allocation)
    text = compact(text_of(data))
    assert "座席表" in text and "自治体紹介の順番" in text
    for table in allocation.tables:
        assert f"{table.number}卓" in text
        assert table.scene_label in text
        for member in table.members:
            assert compact(member.name) in text
            assert compact(member.occupation) in text
    assert "司会" in text and "書記" in text and "説明者" in text
    assert any("NotoSansCJKJP" in name.replace("-", "") for name in embedded_fonts(data))


def test_name_cards_one_folded_page_per_person(allocation):
    data = pdf.name_cards_pdf(allocation)
    reader = PdfReader(io.BytesIO(data))
    people = [m for t in allocation.tables for m in t.members]
    assert len(reader.pages) == len(people)
    first = allocation.tables[0]
    roles = member_roles(first)
    page_text = compact(reader.pages[0].extract_text())
    assert compact(first.members[0].name) in page_text
    for label in roles.get(first.members[0].id, []):
        assert label in page_text
    assert any("NotoSansCJKJP" in name.replace("-", "") for name in embedded_fonts(data))


def test_worksheet_has_the_eight_steps_verbatim_and_the_typed_text(allocation):
    table = allocation.tables[0]
    save_worksheet(
        table,
        {
            "step1": "住み慣れた地域で最期まで",
            "goal_short": "連絡票の統一",
            "goal_long": "看取り率の向上",
        },
        by="書記",
    )
    data = pdf.worksheets_pdf(allocation)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= len(allocation.tables)
    text = compact(text_of(data))
    for step in GROUPWORK_STEPS:
        assert compact(step) in text
    assert "短期目標" in text and "長期目標" in text
    assert "住み慣れた地域で最期まで" in text and "連絡票の統一" in text
    for member in table.members:
        assert compact(member.name) in text


def test_matome_goes_to_every_representative_as_pdf(db, allocation):
    save_worksheet(allocation.tables[0], {"step8": "多職種での顔の見える関係づくり"}, by="書記")
    sent = send_matome(allocation, pdf.matome_pdf(allocation))
    assert sent == 4
    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "matome")).all()
    reps = {s.team.representative.email for t in allocation.tables for s in t.seats}
    assert {m.to_addr for m in mails} == reps
    attachment = mails[0].attachments[0]
    assert attachment.content_type == "application/pdf"
    assert "多職種での顔の見える関係づくり" in compact(text_of(attachment.data))


def _tiny_pdf(text: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=f"<p style='font-family: \"Noto Sans CJK JP\"'>{text}</p>").write_pdf()


def test_booklet_has_assignments_for_the_scene_and_merges_pdf_uploads(db, allocation):
    table = max(allocation.tables, key=lambda t: len(t.seats))
    member = table.members[0]
    grid = {
        s: {"goal": f"場面{s}の目的", "current": "", "actions": "", "issues": ""}
        for s in (1, 2, 3, 4)
    }
    save_pre_assignment(
        member,
        PreAssignmentData(name=member.name, strengths="医師会との連携が強い", grid=grid),
        submit=True,
        actor="staff",
    )
    team = table.seats[0].team
    store_team_file(
        team, "overview", "概要.pdf", _tiny_pdf("アップロードされた自治体概要"), staff=True
    )
    store_team_file(team, "overview", "概要.xlsx", _xlsx(), staff=True)
    data = pdf.booklet_pdf(table)
    text = compact(text_of(data))
    assert f"場面{table.scene}の目的" in text
    other = next(s for s in (1, 2, 3, 4) if s != table.scene)
    assert f"場面{other}の目的" not in text
    assert "医師会との連携が強い" in text
    assert "アップロードされた自治体概要" in text  # merged in
    assert "概要.xlsx" in text and "別途配付" in text  # listed


def _xlsx() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "人口"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
