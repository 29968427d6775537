"""Printed matter read back with pypdf: names, roles, 8 steps, and an embedded Japanese font."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pytest
from flask import url_for
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
from app.groupwork.tables.views import PRINTS
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


LONG_NAME = "長谷川 寿限無寿限無五劫の擦り切れ"  # 17 characters with the space
TEN_CHARS = "勅使河原 三郎左衛門"
LONG_ORG = "一般社団法人" + "在宅医療介護連携推進協議会" * 7 + "事務局"


def _placed_text(page) -> list[tuple[float, float, str]]:
    """(x, y, text) of each text run on the page, in PDF points from the bottom left."""
    runs = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            runs.append((x, y, text.strip()))

    page.extract_text(visitor_text=visit)
    return runs


def test_name_cards_fit_long_names_and_organisations_one_card_per_page(
    db, event, make_person, allocation
):
    from app.registration.services.teams import apply_team

    code = municipalities(db, 6)[5]
    people = [
        make_person("muni", municipality_code=code, name=TEN_CHARS),
        make_person("kankei_dantai", name=LONG_NAME, organisation=LONG_ORG),
        make_person("kankei_dantai", name="林 一"),
    ]
    assert len(LONG_NAME) == 17 and len(LONG_ORG) == 100
    team = apply_team(event, "t2_tokyo", code, people)
    save_scene_choice(team, 1, 2, staff=True)
    with_long_names = allocate_tables(venue_of(event), time_limit=5)  # replaces the draft
    data = pdf.name_cards_pdf(with_long_names)
    reader = PdfReader(io.BytesIO(data))
    cards = [p for t in pdf.plan_tables(with_long_names) for p in t.people]
    assert len(reader.pages) == len(cards)  # one folded A4 per person, nothing spills over
    for page, person in zip(reader.pages, cards, strict=True):
        lines = [line.strip() for line in page.extract_text().splitlines()]
        assert lines.count(person.name) == 2, (person.name, lines)  # never broken mid-name
        assert compact(page.extract_text()).count(compact(person.affiliation)) == 2
        height, width = float(page.mediabox.height), float(page.mediabox.width)
        runs = _placed_text(page)
        fold = height / 2
        back = [r for r in runs if r[1] > fold]  # the upside-down half, above the fold
        front = [r for r in runs if r[1] <= fold]
        assert compact("".join(r[2] for r in back)) == compact("".join(r[2] for r in front))
        for x, y, text in runs:
            assert 0 <= x <= width and 14 <= y <= height - 14, (person.name, text, x, y)
    long_card = next(
        page for page, p in zip(reader.pages, cards, strict=True) if p.name == LONG_NAME
    )
    assert compact(LONG_ORG) in compact(long_card.extract_text())


def _overflowing_boxes(document) -> list[tuple[int, str, str, float, float]]:
    """Boxes laid out beyond the page's printable width or beyond the table cell holding them
    (what a printer clips): (page, tag, class, right edge, limit) in CSS px."""
    found = []

    def walk(box, limit, page_no):
        for child in getattr(box, "children", []):
            if not hasattr(child, "margin_width") or child.element is None:
                continue
            right = child.position_x + child.margin_width() - child.margin_right
            if right > limit + 0.5:
                found.append((page_no, child.element_tag, child.element.get("class"), right, limit))
            if type(child).__name__ == "TableCellBox":
                walk(child, min(limit, child.content_box_x() + child.width), page_no)
            else:
                walk(child, limit, page_no)

    for page_no, page in enumerate(document.pages, 1):
        page_box = page._page_box
        walk(page_box, page_box.content_box_x() + page_box.width, page_no)
    return found


def test_every_groupwork_print_fits_its_paper(
    app, client, staff, db, event, make_person, monkeypatch
):
    """Sweep of every groupwork PDF the console serves (座席表 A3, 卓上名札, worksheets, まとめ,
    each table's booklet, 資料１): nothing is laid out beyond the paper or its table cell."""
    from weasyprint.document import Document

    from app.registration.services.teams import apply_team

    codes = municipalities(db, 9)
    for size, code in zip((5, 2, 3, 2, 4, 2, 3, 2), codes, strict=False):
        team = make_team_of(event, make_person, code, size)
        save_scene_choice(team, 1 + size % 4, 1 + (size + 1) % 4, staff=True)
    people = [
        make_person("muni", municipality_code=codes[8], name=TEN_CHARS),
        make_person("kankei_dantai", name=LONG_NAME, organisation=LONG_ORG),
    ]
    team = apply_team(event, "t2_tokyo", codes[8], people)
    save_scene_choice(team, 2, 1, staff=True)
    allocation = allocate_tables(venue_of(event), time_limit=5)
    documents = []
    write_pdf = Document.write_pdf

    def capture(self, *args, **kwargs):
        documents.append(self)
        return write_pdf(self, *args, **kwargs)

    monkeypatch.setattr(Document, "write_pdf", capture)
    values = {"code": "tokyo", "venue_code": "tokyo", "kind": None, "number": None}
    staff(client)
    swept = []
    for rule in app.url_map.iter_rules():
        if not (rule.endpoint.startswith("groupwork_") and rule.rule.endswith(".pdf")):
            continue
        if not rule.rule.startswith("/console"):
            continue  # the participant's 資料１ is the console's, by another door
        kinds = list(PRINTS) if "kind" in rule.arguments else [None]
        numbers = [t.number for t in allocation.tables] if "number" in rule.arguments else [None]
        for kind in kinds:
            for number in numbers:
                with app.test_request_context():
                    args = {**values, "kind": kind, "number": number}
                    path = url_for(rule.endpoint, **{a: args[a] for a in rule.arguments})
                documents.clear()
                response = client.get(path)
                assert response.status_code == 200 and response.mimetype == "application/pdf"
                assert len(documents) == 1, path
                assert _overflowing_boxes(documents[0]) == [], path
                swept.append(path)
    assert len(swept) == len(PRINTS) + len(allocation.tables) + 1


def make_team_of(event, make_person, code, size):
    from app.registration.services.teams import apply_team

    members = [make_person("muni", municipality_code=code)] + [
        make_person("kankei_dantai") for _ in range(size - 1)
    ]
    return apply_team(event, "t2_tokyo", code, members)


@pytest.mark.sqlite_only("rendering does not depend on the database")
def test_every_booklet_of_a_venue_is_a_background_job_with_a_zip(db, client, staff, allocation):
    """「全卓の資料集（ZIP）」: queued from the venue page (run at once in the tests), its progress
    page, then a ZIP with one booklet per table, each as the single booklet download."""
    import zipfile

    team = allocation.tables[0].seats[0].team
    store_team_file(team, "overview", "概要.pdf", _tiny_pdf("全卓に収録される概要"), staff=True)
    staff(client)
    base = "/console/groupwork/tables/tokyo"
    assert "全卓の資料集（ZIP）を作成する" in client.get(base).text
    response = client.post(f"{base}/booklets")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).text
    assert "完了" in page and f"{len(allocation.tables)}／{len(allocation.tables)}（100%）" in page
    job_id = response.headers["Location"].rsplit("/", 1)[1]
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/console/jobs/{job_id}/download").data))
    names = archive.namelist()
    assert len(names) == len(allocation.tables)
    ordered = sorted(allocation.tables, key=lambda t: t.number)
    for table, name in zip(ordered, sorted(names), strict=True):
        assert f"{table.number:02d}卓_資料集.pdf" in name
        text = compact(text_of(archive.read(name)))
        assert f"{table.number}卓" in text and "全卓に収録される概要" in text
    assert "前回の全卓の資料集：完了" in client.get(base).text


@pytest.mark.sqlite_only("rendering does not depend on the database")
def test_the_venue_booklets_laid_out_at_once_are_each_tables_booklet(db, allocation):
    """「全卓の資料集」 lays every table's booklet out as one document and cuts it by the page
    each booklet starts on: each part has the pages, lines and merged 資料４ of that table's
    own booklet, and the booklet is laid out exactly as with WeasyPrint's own stylesheet."""
    from weasyprint import HTML

    from app.core.pdf import LeanHTML, font_config

    team = allocation.tables[0].seats[0].team
    store_team_file(team, "overview", "概要.pdf", _tiny_pdf("全卓に収録される概要"), staff=True)
    parts = pdf.venue_booklets(allocation)
    assert [t.id for t, _data in parts] == [t.id for t in allocation.tables]
    assert len(parts) > 1
    for table, data in parts:
        alone = PdfReader(io.BytesIO(pdf.booklet_pdf(table)))
        part = PdfReader(io.BytesIO(data))
        assert len(part.pages) == len(alone.pages)
        assert [p.extract_text() for p in part.pages] == [p.extract_text() for p in alone.pages]
        assert f"{table.number}卓" in part.pages[0].extract_text()
        assert "全卓に収録される概要" in part.pages[-1].extract_text()
    table = allocation.tables[0]
    html = pdf._booklets_html(allocation, [table], pdf._venue_files(allocation))
    lean = LeanHTML(string=html).render(font_config=font_config())
    full = HTML(string=html).render(font_config=font_config())
    assert len(lean.pages) == len(full.pages)
    for a, b in zip(lean.pages, full.pages, strict=True):
        assert _boxes(a._page_box) == _boxes(b._page_box)


def _boxes(page) -> list[tuple]:
    return [
        (type(box).__name__, getattr(box, "text", ""), box.position_x, box.position_y, box.width)
        for box in page.descendants()
    ]


@pytest.mark.sqlite_only("rendering does not depend on the database")
def test_the_zip_gives_each_table_its_members_and_every_teams_overview_pages(
    db, client, staff, allocation
):
    """The 全卓の資料集 ZIP read back: each table's PDF names its own members (and no member of
    another table), and ends with the venue's 資料４ uploads, one page per uploaded PDF, each
    team's own, in team order: the pages printed on the day."""
    import zipfile

    teams = sorted({s.team for t in allocation.tables for s in t.seats}, key=lambda t: t.id)
    for team in teams:
        text = f"資料四の頁{team.id}番"
        store_team_file(team, "overview", "概要.pdf", _tiny_pdf(text), staff=True)
    staff(client)
    response = client.post("/console/groupwork/tables/tokyo/booklets")
    job_id = response.headers["Location"].rsplit("/", 1)[1]
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/console/jobs/{job_id}/download").data))
    assert all(i.compress_type == zipfile.ZIP_STORED for i in archive.infolist())
    for table in allocation.tables:
        (name,) = [n for n in archive.namelist() if f"_{table.number:02d}卓_" in n]
        reader = PdfReader(io.BytesIO(archive.read(name)))
        pages = [compact(p.extract_text()) for p in reader.pages]
        booklet = "".join(pages[: -len(teams)])
        names = [compact(m.name) for m in table.members]
        assert all(n in booklet for n in names), table.number
        for other in allocation.tables:
            for member in other.members:
                if other.id != table.id and not any(compact(member.name) in n for n in names):
                    assert compact(member.name) not in booklet, (table.number, member.name)
        assert pages[-len(teams) :] == [f"資料四の頁{team.id}番" for team in teams]
        assert not any("資料四の頁" in page for page in pages[: -len(teams)])


@pytest.mark.sqlite_only("rendering does not depend on the database")
def test_the_booklets_laid_out_in_two_processes_are_the_same(db, app, allocation):
    """With ``PDF_PROCESSES`` 2 the tables are laid out in two runs, one in a child process:
    the same tables in the same order, each with the pages and lines of its own booklet."""
    team = allocation.tables[-1].seats[0].team
    store_team_file(team, "overview", "概要.pdf", _tiny_pdf("全卓に収録される概要"), staff=True)
    assert len(pdf._runs(list(allocation.tables), 2)) == 2
    one = pdf.venue_booklets(allocation)
    app.config["PDF_PROCESSES"] = 2
    two = pdf.venue_booklets(allocation)
    assert [t.id for t, _d in two] == [t.id for t, _d in one]
    for (table, a), (_t, b) in zip(one, two, strict=True):
        pages_a = [p.extract_text() for p in PdfReader(io.BytesIO(a)).pages]
        pages_b = [p.extract_text() for p in PdfReader(io.BytesIO(b)).pages]
        assert pages_b == pages_a, table.number
        assert f"{table.number}卓" in pages_b[0] and "全卓に収録される概要" in pages_b[-1]


def test_tables_are_cut_into_runs_of_about_equal_pages():
    """``_runs``: consecutive tables, every table once, as many runs as asked (at most one per
    table), the heavier tables not all in one run."""

    class T:
        def __init__(self, n):
            self.members = [object()] * n

    tables = [T(n) for n in (6, 6, 6, 1, 1, 1, 1, 1, 1)]
    runs = pdf._runs(tables, 2)
    assert [t for run in runs for t in run] == tables
    assert [len(r) for r in runs] == [2, 7]
    assert pdf._runs(tables, 1) == [tables]
    assert pdf._runs(tables[:1], 2) == [tables[:1]]
    assert len(pdf._runs(tables[:2], 5)) == 2


@pytest.mark.sqlite_only("rendering does not depend on the database")
def test_the_booklets_are_laid_out_here_when_no_process_can_be_started(
    db, app, allocation, monkeypatch
):
    """A host where no child process starts (or the child dies) still gets every booklet: the
    runs meant for children are laid out in the job's own thread."""
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from app.core import pdf as core_pdf

    class NoProcesses:
        def __init__(self, *args, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def submit(self, *args):
            raise OSError("no processes here")

    class DyingChild(NoProcesses):
        def submit(self, *args):
            future = Future()
            future.set_exception(BrokenProcessPool("killed"))
            return future

    one = [(t.id, len(PdfReader(io.BytesIO(d)).pages)) for t, d in pdf.venue_booklets(allocation)]
    app.config["PDF_PROCESSES"] = 2
    for pool in (NoProcesses, DyingChild):
        monkeypatch.setattr(core_pdf, "ProcessPoolExecutor", pool)
        parts = pdf.venue_booklets(allocation)
        assert [(t.id, len(PdfReader(io.BytesIO(d)).pages)) for t, d in parts] == one
