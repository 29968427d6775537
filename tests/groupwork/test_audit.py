"""The 操作履歴 (/console/audit) of every groupwork action names what a person reads: the
会場, the municipality, the person, 「3卓」, 「資料４（自治体概要資料）」 — never an internal id or code."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

from app.core.jpdates import now_utc
from app.groupwork.assignments import services as assignments
from app.groupwork.tables import pdf
from app.groupwork.tables import services as tables
from tests.groupwork.tables.test_services import tokyo_teams, venue_of  # noqa: F401

PDF = b"%PDF-1.4\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 16
# An id or code as the code knows it: venue:tokyo, team:12, member:5, table:3, a kind, 1,2.
INTERNAL = re.compile(
    r"[a-z_]+:\s*\w|\b(overview|orgchart|scene|assignment|venue|team|member|table|kind)\b"
    r"|^\d+(,\d+)+$"
)


class _Rows(HTMLParser):
    """The cells of each table row of the 操作履歴."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag == "td":
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def test_every_groupwork_audit_entry_reads_as_a_person_would_write_it(
    app,
    client,
    staff,
    db,
    event,
    tokyo_teams,  # noqa: F811
):
    venue = venue_of(event)
    team = tokyo_teams[1]
    municipality = team.municipality.full_name
    member = team.active_members[1]
    # 事前課題 (資料２・３・４) recorded by the secretariat
    assignments.save_scene_choice(team, 1, 3, staff=True)
    assignments.save_pre_assignment(
        member, assignments.PreAssignmentData(name=member.name), submit=True, actor="staff"
    )
    overview = assignments.store_team_file(team, "overview", "概要.pdf", PDF, staff=True)
    assignments.store_team_file(team, "orgchart", "組織.pdf", PDF, member=member, staff=True)
    assignments.delete_team_file(overview, staff=True)
    assignments.extend_deadline(team, "assignment", now_utc() + timedelta(days=3), "庁内決裁")
    keys = [r.key for r in assignments.reminder_candidates(event, "overview", "tokyo")]
    assignments.send_reminders(event, "overview", keys, "tokyo")
    # グループ・座席
    allocation = tables.allocate_tables(venue, time_limit=5)
    first = allocation.tables[0]
    tables.change_scene(first, 4)
    seat = next(s for t in allocation.tables for s in t.seats if s.team_id == team.id)
    target = next(t.number for t in allocation.tables if t.id != seat.table_id)
    tables.move_team(allocation, team.id, target)
    moved_to = next(t.number for t in allocation.tables if team.id in [s.team_id for s in t.seats])
    first = allocation.tables[0]
    chair, scribe = first.members[0], first.members[-1]
    tables.set_roles(first, chair.id, scribe.id, None, {})
    tables.save_worksheet(first, {"step1": "めざす姿"}, by="事務局")
    tables.attach_sheet_photo(first, "IMG_0001.png", PNG)
    for t in allocation.tables:
        if not (t.chair_id and t.scribe_id):
            tables.set_roles(t, t.members[0].id, t.members[-1].id, None, {})
    tables.publish_allocation(allocation)
    tables.save_worksheet(first, {"step8": "まとめ"}, by="書記")
    tables.send_matome(allocation, pdf.matome_pdf(allocation))
    tables.reopen_allocation(allocation, "多人数の自治体の辞退", by="管理者")

    page = staff(client).get("/console/audit").get_data(as_text=True)
    parser = _Rows()
    parser.feed(page)
    rows = [r for r in parser.rows if len(r) == 5]
    declared = {**assignments.AUDIT_ACTIONS, **tables.AUDIT_ACTIONS}
    by_label = {label: [] for label in declared.values()}
    for _when, _who, action, named, detail in rows:
        if action in by_label:
            by_label[action].append((named, detail))
    assert [a for a, entries in by_label.items() if not entries] == []  # each action done
    for action, entries in by_label.items():
        for named, detail in entries:
            assert named, action
            for text in (named, detail):
                assert not INTERNAL.search(text), f"{action}: {text!r}"

    def entry(action_key: str) -> str:
        return "｜".join("｜".join(e) for e in by_label[declared[action_key]])

    assert municipality in entry("scene_choice.record")
    assert "第１希望：日常の療養支援" in entry("scene_choice.record")
    assert "第２希望：急変時の対応" in entry("scene_choice.record")
    assert member.name in entry("pre_assignment.record")
    assert municipality in entry("pre_assignment.record")
    assert "資料４（自治体概要資料）" in entry("team_file.upload")
    assert f"組織図（{member.name}）" in entry("team_file.upload")
    assert "資料４（自治体概要資料）" in entry("team_file.delete") and "概要.pdf" in entry(
        "team_file.delete"
    )
    assert municipality in entry("deadline.extend") and "庁内決裁" in entry("deadline.extend")
    assert "資料４" in entry("assignment.remind") and venue.name in entry("assignment.remind")
    for key in ("tables.allocate", "tables.publish", "tables.matome", "tables.reopen"):
        assert venue.name in entry(key), key
    assert "多人数の自治体の辞退" in entry("tables.reopen")
    assert f"{venue.name} 1卓" in entry("tables.scene") and "看取り" in entry("tables.scene")
    assert municipality in entry("tables.move") and f"→ {moved_to}卓" in entry("tables.move")
    assert f"{venue.name} 1卓" in entry("tables.roles")
    assert f"司会：{chair.name}" in entry("tables.roles")
    assert f"書記：{scribe.name}" in entry("tables.roles")
    assert f"{venue.name} 1卓" in entry("tables.worksheet")
    assert "IMG_0001.png" in entry("tables.photo")
