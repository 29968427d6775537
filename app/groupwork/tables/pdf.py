"""Printed matter of the tables half (templates in ``groupwork/tables/pdf/``).

座席表 (A3 landscape), 卓上名札 (A4, folded), グループワークシート (A4 per table), まとめ
(A4, all tables of a venue) and the per-table booklet (資料３ for the table's 場面, each team's
overview, the venue's 資料４ with PDF uploads merged in).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app, render_template
from sqlalchemy import select

from app.core import collector, jobs
from app.core.pdf import html_to_pdf, lay_out_all
from app.extensions import db
from app.groupwork.assignments import rules
from app.groupwork.assignments.models import PreAssignment, TeamFile
from app.groupwork.assignments.services import initial_data
from app.groupwork.assignments.uploads import team_file_path
from app.groupwork.pdf import FONT_FAMILY, render_pdf
from app.groupwork.tables.models import GroupTable, TableAllocation
from app.groupwork.tables.seatplan import (
    PlanPerson,
    PlanTable,
    fit_font_size,
    grid,
    introduction_order,
)
from app.groupwork.tables.services import member_roles
from app.groupwork.tables.worksheet import worksheet_sections
from app.registration.models import TeamMember


def plan_tables(allocation: TableAllocation) -> list[PlanTable]:
    """The allocation as plain seat-plan data (members with their role marks)."""
    tables = []
    for table in allocation.tables:
        marks = member_roles(table)
        tables.append(
            PlanTable(
                number=table.number,
                scene=table.scene_label,
                people=[
                    PlanPerson(m.affiliation, m.name, m.occupation, tuple(marks.get(m.id, ())))
                    for m in table.members
                ],
                teams=[s.team.municipality.full_name for s in table.seats],
                explainers=[s.explainer.name if s.explainer else "" for s in table.seats],
            )
        )
    return tables


def seat_plan_pdf(allocation: TableAllocation) -> bytes:
    """座席表: the room's grid with each table's number, 場面 and members, then the 自治体紹介 order."""
    venue = allocation.venue
    tables = plan_tables(allocation)
    return render_pdf(
        "groupwork/tables/pdf/seatplan.html",
        event=allocation.event,
        venue=venue,
        grid=grid(tables, venue.room_rows, venue.room_cols),
        order=introduction_order(tables),
    )


# 卓上名札: each half of the folded A4 (210 × 148.5 mm, 15 mm and 12 mm inside its edges) holds
# these boxes, top to bottom, 6 mm apart: (width mm, height mm, largest pt, lines).
CARD_WIDTH_MM = 180
CARD_BOXES: dict[str, tuple[float, float, float, int]] = {
    "table_no": (CARD_WIDTH_MM, 7, 11, 1),
    "affiliation": (CARD_WIDTH_MM, 32, 24, 3),
    "name": (CARD_WIDTH_MM, 42, 54, 1),  # one line: a name is never broken
    "role": (CARD_WIDTH_MM, 12, 20, 1),
}


def _card_sizes(table_no: str, person: PlanPerson) -> dict[str, float]:
    texts = {
        "table_no": table_no,
        "affiliation": person.affiliation,
        "name": person.name,
        "role": "・".join(person.marks),
    }
    return {
        key: fit_font_size(texts[key], width, height, largest, lines=lines)
        for key, (width, height, largest, lines) in CARD_BOXES.items()
    }


def name_cards_pdf(allocation: TableAllocation) -> bytes:
    """卓上名札: one folded A4 per person (large name, 自治体, role), table by table; each text
    shrinks to fit its box (``CARD_BOXES``), so a long name or organisation stays on its card.

    The front half carries the person's check-in QR code (20 mm, below the role) when the
    reception feature is installed (``app.extensions["checkin_card"]``: member id → (code,
    PNG data URI)); it is not the personal link, so scanning a card opens nobody's pages."""
    venue = allocation.venue
    checkin = current_app.extensions.get("checkin_card")
    cards = []
    for table, group in zip(plan_tables(allocation), allocation.tables, strict=True):
        table_no = f"{venue.name}　{table.number}卓"
        for person, member in zip(table.people, group.members, strict=True):
            code, qr = checkin(member.id) if checkin else ("", "")
            cards.append(
                {
                    "table_no": table_no,
                    "person": person,
                    "size": _card_sizes(table_no, person),
                    "code": code,
                    "qr": qr,
                }
            )
    return render_pdf(
        "groupwork/tables/pdf/namecards.html",
        event=allocation.event,
        venue=venue,
        cards=cards,
        boxes=CARD_BOXES,
    )


def _sheet(table: GroupTable) -> dict:
    marks = member_roles(table)
    return {
        "table": table,
        "members": [(m, marks.get(m.id, [])) for m in table.members],
        "sections": worksheet_sections(table.worksheet),
    }


def worksheets_pdf(allocation: TableAllocation, *, title: str = "グループワークシート") -> bytes:
    """One グループワークシート per table (header and the 8 steps, filled in when typed)."""
    return render_pdf(
        "groupwork/tables/pdf/worksheets.html",
        event=allocation.event,
        venue=allocation.venue,
        title=title,
        sheets=[_sheet(t) for t in allocation.tables],
    )


def matome_pdf(allocation: TableAllocation) -> bytes:
    """The compiled まとめ of all tables of a venue, in table order."""
    return worksheets_pdf(allocation, title="グループワーク まとめ")


def _venue_files(allocation: TableAllocation) -> list[TeamFile]:
    """The venue's 資料４ uploads (every team seated at the allocation's tables), in team order."""
    venue_team_ids = [s.team_id for t in allocation.tables for s in t.seats]
    return list(
        db.session.scalars(
            select(TeamFile)
            .where(TeamFile.team_id.in_(venue_team_ids), TeamFile.kind == "overview")
            .order_by(TeamFile.team_id, TeamFile.id)
        )
    )


def _booklet(table: GroupTable) -> dict:
    """What one table's booklet shows: its members' 資料３ and each seated team's overview."""
    member_ids = [m.id for m in table.members]
    answers = {
        a.member_id: a
        for a in db.session.scalars(
            select(PreAssignment).where(PreAssignment.member_id.in_(member_ids))
        )
    }
    people = [printed_sheet(m, answers.get(m.id), table.scene) for m in table.members]
    overviews = []
    for seat in table.seats:
        sheets = [answers[m.id] for m in seat.team.active_members if m.id in answers]
        rep = next((s for s in sheets if s.member.is_representative), sheets[0] if sheets else None)
        overviews.append({"team": seat.team, "sheet": rep})
    return {"table": table, "people": people, "overviews": overviews}


def _booklets_html(allocation: TableAllocation, tables: list[GroupTable], files) -> str:
    return render_template(
        "groupwork/tables/pdf/booklet.html",
        font_family=FONT_FAMILY,
        event=allocation.event,
        venue=allocation.venue,
        booklets=[_booklet(t) for t in tables],
        files=files,
        merged={f.id for f in files if f.extension == ".pdf"},
        labels=rules.SHEET_LABELS,
        self_set_label=rules.SELF_SET_LABEL,
    )


def booklet_pdf(table: GroupTable, uploads: dict | None = None) -> bytes:
    """A table's booklet: members' 資料３ for its 場面, each team's overview, and the venue's
    資料４ (PDF uploads appended; other formats listed by name).

    Each 資料３ shows what its form shows, label by label (``printed_sheet``). ``uploads``
    (path → parsed PDF) keeps the venue's 資料４ parsed across the booklets of one venue.
    Laid out with the reduced user-agent stylesheet (app.core.pdf, ``lean``).
    """
    files = _venue_files(table.allocation)
    pdfs = [team_file_path(f) for f in files if f.extension == ".pdf"]
    data = html_to_pdf(_booklets_html(table.allocation, [table], files), lean=True)
    return _merge(data, pdfs, uploads)


def venue_booklets(
    allocation: TableAllocation, progress: Callable[[int, int], None] | None = None
) -> list[tuple[GroupTable, bytes]]:
    """Every table's booklet of an allocation, each the same as ``booklet_pdf`` gives.

    The tables are laid out as few WeasyPrint documents (one stylesheet, one font subset, one
    PDF written each): one, or with ``PDF_PROCESSES`` (config) > 1 that many runs of
    consecutive tables of about equal pages, laid out side by side in processes
    (``app.core.pdf.lay_out_all``). Each document is cut into tables by the page each booklet
    starts on (its anchor) with pypdf, and the venue's 資料４ read once and appended to each
    table's part in the same writer, the first run's tables while the others are still laid
    out. ``progress(done, total)`` in tables, after the first layout and after each table."""
    tables = list(allocation.tables)
    files = _venue_files(allocation)
    pdfs = [team_file_path(f) for f in files if f.extension == ".pdf"]
    runs = _runs(tables, current_app.config.get("PDF_PROCESSES", 1))
    documents = lay_out_all(
        [_booklets_html(allocation, run, files) for run in runs],
        processes=len(runs),
    )
    from pypdf import PdfReader, PdfWriter

    uploads: dict = {}
    out = []
    for run, document in zip(runs, documents, strict=True):
        if progress and not out:
            progress(0, len(tables))
        whole = PdfReader(io.BytesIO(document.data))
        bounds = [document.anchors[f"booklet-{i}"] for i in range(len(run))] + [document.pages]
        for i, table in enumerate(run):
            writer = PdfWriter()
            writer.append(whole, pages=(bounds[i], bounds[i + 1]))
            writer.add_metadata({"/Title": f"{table.number}卓 資料集（{allocation.venue.name}）"})
            with collector.paused():
                out.append((table, _append_files(writer, pdfs, uploads)))
            if progress:
                progress(len(out), len(tables))
    return out


def _runs(tables: list[GroupTable], count: int) -> list[list[GroupTable]]:
    """``tables`` in at most ``count`` runs of consecutive tables with about the same number
    of pages each (a booklet is about 3 pages and 2 per member): a table opens the next run
    when more than half of it would lie beyond the current run's share."""
    if count <= 1 or len(tables) < 2:
        return [tables]
    weights = [3 + 2 * len(t.members) for t in tables]
    share = sum(weights) / min(count, len(tables))
    runs: list[list[GroupTable]] = [[]]
    done = 0
    for table, weight in zip(tables, weights, strict=True):
        if runs[-1] and done + weight / 2 >= share * len(runs) and len(runs) < count:
            runs.append([])
        runs[-1].append(table)
        done += weight
    return runs


@dataclass
class PrintedSheet:
    """One member's 資料３ as printed: (label, value) rows with the form's labels, block by block.

    Block C holds the rows of one 場面 only; ``self_set`` is its 「自身で設定」 mark.
    """

    member: TeamMember
    submitted: bool | None  # None: nothing saved yet (Block A as the form prefills it)
    block_a: list[tuple[str, str]]
    figures: list[tuple[str, str]] = field(default_factory=list)
    pref_counts: list[tuple[str, str]] = field(default_factory=list)
    texts: list[tuple[str, str]] = field(default_factory=list)
    grid: list[tuple[str, str]] = field(default_factory=list)
    self_set: bool = False
    other: list[tuple[str, str]] = field(default_factory=list)


def _figure(value: int | float | None) -> str:
    if value is None:
        return ""
    return f"{value:,}" if isinstance(value, int) else str(value)


def printed_sheet(member: TeamMember, sheet: PreAssignment | None, scene: int) -> PrintedSheet:
    """What the 資料３ form of ``member`` shows, for the table's ``scene``: the stored answers, or
    Block A as the form prefills it (自治体名 the team's municipality, 団体名 under 部署名等)."""
    if sheet is None:
        data = initial_data(member)
        return PrintedSheet(
            member, None, [(label, getattr(data, key)) for key, label in rules.BLOCK_A]
        )
    answers = sheet.answers_for_scene(scene)
    return PrintedSheet(
        member=member,
        submitted=sheet.is_submitted,
        block_a=[(label, getattr(sheet, key)) for key, label in rules.BLOCK_A],
        figures=[(label, _figure(getattr(sheet, key))) for key, label in rules.BLOCK_B_FIGURES],
        pref_counts=[
            (label, _figure(getattr(sheet, key))) for key, label in rules.BLOCK_B_PREF_COUNTS
        ]
        if member.category == "pref"
        else [],
        texts=[(label, getattr(sheet, key)) for key, label in rules.BLOCK_B_TEXTS],
        grid=[(label, answers.get(key, "")) for key, label in rules.GRID_ROWS],
        self_set=bool(answers.get("self_set")),
        other=[(label, getattr(sheet, key)) for key, label in rules.BLOCK_D],
    )


def _merge(first: bytes, paths, parsed: dict | None = None) -> bytes:
    """Append PDF files to a PDF (pypdf); an unreadable file is skipped (it stays listed).
    ``parsed`` (path → PdfReader or None) reuses files already read."""
    if not paths:
        return first
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(first)))
    return _append_files(writer, paths, parsed)


def _append_files(writer, paths, parsed: dict | None = None) -> bytes:
    """``writer`` (a pypdf PdfWriter) with the PDF files appended, as bytes (see ``_merge``)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    parsed = {} if parsed is None else parsed
    for path in paths:
        if path not in parsed:
            try:
                parsed[path] = PdfReader(io.BytesIO(Path(path).read_bytes()))
            except (OSError, PdfReadError):
                parsed[path] = None
        if parsed[path] is None:
            continue
        try:
            writer.append(parsed[path])
        except PdfReadError:
            continue
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- every booklet of a venue, in the background (app.core.jobs) ---------------------------

BOOKLETS = "groupwork.booklets"
BOOKLET_ROLES = ("secretariat",)


@jobs.register(BOOKLETS, "全卓の資料集（ZIP）")
def build_booklets(job: jobs.Job, allocation_id: int) -> jobs.JobResult:
    """Every table's booklet of an allocation in one ZIP (one PDF per table, ``venue_booklets``:
    one layout for the venue); progress in tables."""
    allocation = db.session.get(TableAllocation, allocation_id)
    if allocation is None:
        raise LookupError(f"allocation {allocation_id} is gone")
    venue = allocation.venue
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:  # PDFs are compressed
        for table, data in venue_booklets(allocation, job.progress):
            archive.writestr(f"{venue.name}_{table.number:02d}卓_資料集.pdf", data)
    return jobs.JobResult(out.getvalue(), f"{venue.name}_全卓_資料集.zip", "application/zip")


def start_booklets(allocation: TableAllocation) -> str:
    return jobs.start(BOOKLETS, str(allocation.id), BOOKLET_ROLES, allocation_id=allocation.id)


def latest_booklets(allocation: TableAllocation) -> jobs.JobState | None:
    return jobs.latest(BOOKLETS, str(allocation.id))
