"""Printed matter read back with pypdf: names, roles, 8 steps, and an embedded Japanese font."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.core.models import OutboxMessage
from app.groupwork.assignments.services import (
    PreAssignmentData,
    initial_data,
    save_pre_assignment,
    save_scene_choice,
    store_team_file,
)
from app.groupwork.scenes import GROUPWORK_STEPS, SCENE_LABELS
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


class _FormFields(HTMLParser):
    """(label, value) of every input, textarea and checkbox of a form page, as a person reads it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.labels: dict[str, str] = {}  # id → label text
        self.fields: list[dict] = []
        self._label: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "label":
            self._label = {"for": a.get("for"), "text": "", "fields": []}
        elif tag in ("input", "textarea") and a.get("type") not in ("hidden", "submit", "file"):
            field = {
                "id": a.get("id"),
                "name": a.get("name"),
                "aria": a.get("aria-label"),
                "value": a.get("value") or "",
                "checkbox": a.get("type") == "checkbox",
                "checked": "checked" in a,
                "label": "",
            }
            self.fields.append(field)
            if self._label is not None:
                self._label["fields"].append(field)
            if tag == "textarea":
                self._textarea = field

    def handle_endtag(self, tag):
        if tag == "label" and self._label is not None:
            text = self._label["text"].strip()
            if self._label["for"]:
                self.labels[self._label["for"]] = text
            for field in self._label["fields"]:
                field["label"] = text
            self._label = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["value"] += data
        elif self._label is not None:
            self._label["text"] += data

    def pairs(self) -> list[dict]:
        for field in self.fields:
            field["label"] = field["aria"] or self.labels.get(field["id"]) or field["label"]
        return [f for f in self.fields if f["name"] and f["name"] != "file"]


def _form_answers(member, scene: int, n: int) -> PreAssignmentData:
    """Every field of 資料３ filled, Block A as the form prefills it, 自身で設定 ticked."""
    data = initial_data(member)
    data.population, data.aging_rate = 100_000 + n, 20.5 + n
    data.strengths, data.weaknesses = f"長所その{n}", f"短所その{n}"
    data.organisation_needs, data.want_to_learn = f"求められる取組{n}", f"知りたいこと{n}"
    data.grid = {
        s: {
            "goal": f"目的{n}-{s}",
            "current": f"現状{n}-{s}",
            "actions": f"取組{n}-{s}",
            "issues": f"課題{n}-{s}",
            "self_set": s == scene,
        }
        for s in (1, 2, 3, 4)
    }
    return data


def test_booklet_shows_each_assignment_as_its_form_does_label_by_label(db, app, staff, allocation):
    """資料３ in the booklet: every label of the form with the value the form shows under it,
    for a member from a municipality and one from an organisation (団体名 under 部署名等)."""
    table = next(t for t in allocation.tables if any(m.organisation for m in t.members))
    muni = next(m for m in table.members if m.category == "muni")
    org = next(m for m in table.members if m.category not in ("muni", "pref"))
    for n, member in enumerate((muni, org), 1):
        save_pre_assignment(
            member, _form_answers(member, table.scene, n), submit=True, actor="staff"
        )
    text = compact(text_of(pdf.booklet_pdf(table))).replace(",", "")
    console = staff(app.test_client())
    scene = SCENE_LABELS[table.scene]
    for member in (muni, org):
        form_page = console.get(f"/console/groupwork/assignments/members/{member.id}")
        parser = _FormFields()
        parser.feed(form_page.get_data(as_text=True))
        pairs = parser.pairs()
        assert any(f["checked"] for f in pairs if f["name"] == f"s{table.scene}_self_set")
        assert len(pairs) == 4 + 2 + 3 + 1 + 4 * 5  # Blocks A, B (non-prefecture), D; C
        sheets = [
            s for s in text.split("資料３事前課題（") if compact(f"氏名{member.name}職種") in s
        ]
        assert len(sheets) == 1, f"one 資料３ of {member.name} in the booklet"
        sheet = sheets[0]
        for field in pairs:
            label, value = compact(field["label"]), compact(field["value"])
            if "：" in label:  # a cell of Block C: 「場面：行の見出し」
                cell_scene, label = label.split("：", 1)
                if cell_scene != scene:
                    assert value not in sheet, f"{cell_scene} is not this table's 場面"
                    continue
            if field["checkbox"]:  # 「自身で設定」 under its 場面's column (s<no>_self_set)
                if field["name"] != f"s{table.scene}_self_set":
                    continue
                mark = "○" if field["checked"] else ""
                assert f"{label}※1（{mark}）" in sheet, (member.name, label)
                continue
            # row (1) carries the mark between its label and the text, as on the paper form
            unmarked = re.sub(r"自身で設定※1（.?）", "", sheet)
            assert label + value in unmarked, (member.name, label, value)
    # Block A of the organisation's member: the team's municipality, then the organisation
    assert compact(f"自治体名{org.team.municipality.full_name}") in text
    assert compact(f"部署名等※関係団体の方は団体名を記載{org.organisation}") in text
    assert "自身で設定※1（○）" in text
