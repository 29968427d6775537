"""Irreversible console actions ask first (issue 10 §5), as a sweep over ``app.url_map``:

- every endpoint marked ``@irreversible`` refuses a plain POST (no ``confirmed`` field): it
  answers with the confirmation page and changes nothing (no mail, no audit entry, no row);
- every endpoint of the registry is listed in docs/decisions.md;
- every console POST endpoint is classified: irreversible (marked) or in ``REVERSIBLE`` below
  with the reason it needs no confirmation, so a new console POST fails here until someone
  decides which it is.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from app.core.confirm import irreversible_endpoints
from app.core.models import AuditLog, OutboxMessage
from app.events.models import Material
from app.groupwork.assignments.models import TeamFile
from app.groupwork.assignments.services import save_scene_choice, store_team_file
from app.groupwork.tables.models import TableAllocation
from app.groupwork.tables.services import allocate_tables, publish_allocation, save_worksheet
from app.registration.models import Registration, Team
from app.registration.services.materials import add_material
from tests.core.test_access_sweep import _fill

# What the registry must hold at least (the sweep finds any other marked view by itself).
EXPECTED = {
    "groupwork_tables.publish",
    "groupwork_tables.reopen",
    "groupwork_tables.send_matome",
    "groupwork_assignments_console.reminders",
    "groupwork_assignments_console.console_delete",
    "surveys_console.mail",
    "registration_console.delete_material",
    "preview.delete_tests",
}

# Console POSTs that need no confirmation, and why (a change one can undo or repeat, one
# person's record, or a step that already has its own preview).
REVERSIBLE = {
    "core.logout": "ends one's own session",
    "core.login": "signs in",
    "core.password": "one's own password",
    "core.staff_create": "a new account, can be disabled",
    "core.staff_role": "changed back the same way",
    "core.staff_reset": "a new link replaces the older",
    "core.staff_active": "enabled again the same way",
    "registration_console.registration_detail": "one person: change or cancel with a reason",
    "registration_console.admit": "one new registration",
    "registration_console.team_detail": "one team: decision or cancel with a reason",
    "registration_console.import_registrations": "all-or-nothing import, each row shown",
    "registration_console.materials": "adds a download, removable",
    "registration_console.change_capacity": "changed back the same way (reason kept)",
    "registration_console.resend": "one message, again",
    "reception_console.desk": "one check-in, undoable",
    "reception_console.check_in": "one check-in, undoable",
    "reception_console.undo": "undoes a check-in",
    "reception_console.webinar": "an import of attendance, re-importable",
    "events_console.make_current": "switched back the same way",
    "events_console.clone": "creates a new year, editable",
    "events_console.edit": "settings, edited back",
    "events_console.channel": "settings, edited back",
    "events_console.venue": "settings, edited back",
    "events_console.venue_new": "a new venue, editable (rated rows and F3 only grow)",
    "events_console.programme": "a programme row added, deletable",
    "events_console.programme_item": "a programme row, edited back",
    "events_console.programme_move": "moved back the same way",
    "events_console.programme_delete": "a row of the settings, added again (rated rows refuse)",
    "events_console.training_texts": "settings, edited back",
    "groupwork_assignments_console.console_scene_choice": "one team's 資料２, editable",
    "groupwork_assignments_console.console_pre_assignment": "one member's 資料３, editable",
    "groupwork_assignments_console.console_upload": "adds a file, removable",
    "groupwork_assignments_console.extend": "one team's deadline, editable",
    "groupwork_tables.allocate": "a draft; the button says hand changes are lost",
    "groupwork_tables.move": "a draft, moved back",
    "groupwork_tables.scene": "a draft, changed back",
    "groupwork_tables.table": "roles of a draft",
    "groupwork_tables.worksheet": "the sheet, saved again",
    "groupwork_tables.photo": "the photo, replaced",
    "surveys_console.import_sheets": "answers imported, shown per file",
    "surveys_console.entry": "one paper answer",
    "preview.switch_on": "switched off the same way (audited)",
    "preview.switch_off": "switched on the same way (audited)",
    "preview.send_mail": "one held test mail, to the address a staff member typed",
    "groupwork_tables.booklets": "prepares a download in the background, again at will",
    "surveys_console.texts_pdf": "prepares a download in the background, again at will",
    "mailing_console.new": "sends only from its preview, with the count the preview showed",
}


def _state(db) -> tuple:
    published = db.session.scalar(
        select(func.count())
        .select_from(TableAllocation)
        .where(TableAllocation.status == "published")
    )
    counts = tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (
            Registration,
            Team,
            OutboxMessage,
            AuditLog,
            Material,
            TeamFile,
            TableAllocation,
        )
    )
    return (*counts, published)


def _console_posts(app) -> dict[str, object]:
    return {
        rule.endpoint: rule
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and rule.rule.startswith("/console")
    }


def test_every_console_post_is_classified(app):
    registry = irreversible_endpoints(app)
    assert set(registry) >= EXPECTED, EXPECTED - set(registry)
    unclassified = set(_console_posts(app)) - set(registry) - set(REVERSIBLE)
    assert not unclassified, (
        f"console POSTs neither @irreversible nor listed as reversible: {sorted(unclassified)}"
    )
    assert not set(registry) & set(REVERSIBLE)
    assert set(REVERSIBLE) <= set(_console_posts(app)), set(REVERSIBLE) - set(_console_posts(app))


def test_every_irreversible_action_is_listed_in_the_decisions(app):
    text = (Path(__file__).parents[2] / "docs" / "decisions.md").read_text(encoding="utf-8")
    for endpoint, label in irreversible_endpoints(app).items():
        assert f"`{endpoint}`" in text, endpoint
        assert label in text, label


def test_every_irreversible_action_refuses_a_plain_post_and_changes_nothing(
    app, client, db, staff, event, make_team, make_registration
):
    # Something for every action to act on: a published plan with a まとめ, a draft at another
    # venue, a download, registrants to mail, teams missing 資料２ and 資料４.
    make_registration("webinar")
    teams = [make_team(size=2, municipality=code) for code in ("011002", "012025")]
    save_scene_choice(teams[0], 1, 2, staff=True)
    allocation = allocate_tables(next(v for v in event.venues if v.code == "tokyo"), 5)
    save_worksheet(allocation.tables[0], {"step8": "まとめ"}, by="書記")
    publish_allocation(allocation)
    pdf = b"%PDF-1.4\n%%EOF\n"
    material = add_material(event, "当日資料", "a.pdf", pdf, registrants_only=False)
    team_file = store_team_file(teams[1], "overview", "概要.pdf", pdf, staff=True)
    staff(client, "admin")
    before = _state(db)
    registry = irreversible_endpoints(app)
    rules = {r.endpoint: r for r in app.url_map.iter_rules() if "POST" in r.methods}
    for endpoint, label in registry.items():
        rule = rules[endpoint]
        path = _fill(rule, {"mid": material.id, "file_id": team_file.id, "code": "tokyo"})
        response = client.post(path, data={"reason": "確認のため", "item": "scene"})
        page = response.get_data(as_text=True)
        assert response.status_code == 200, (path, response.status_code)
        assert f"確認：{label}" in page and 'name="confirmed"' in page, path
        assert "この操作は取り消せません" in page or "すぐに送られます" in page, path
        assert _state(db) == before, path
    # a deletion names what it deletes; an id that names nothing is 404 before asking
    page = client.post(f"/console/materials/{material.id}/delete").text
    assert "資料「当日資料」を削除します" in page
    page = client.post(f"/console/groupwork/assignments/files/{team_file.id}/delete").text
    assert "「概要.pdf」を削除します" in page
    assert client.post("/console/materials/999999/delete").status_code == 404
    # with the box ticked the action runs
    response = client.post(f"/console/materials/{material.id}/delete", data={"confirmed": "1"})
    assert response.status_code == 302 and db.session.get(Material, material.id) is None
