"""The answers' choices stored as codes beside their JSON (tabulation.encode_answers): written
by every path that stores an answer, backfilled by migration 0014, and tabulated to the same
figures as the JSON."""

import importlib.util
from pathlib import Path

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, update

from app.surveys import services, tabulation
from app.surveys.models import SurveyResponse
from tests.surveys.conftest import web_answer
from tests.surveys.test_excel_sheet import as_dropdown, fill

MIGRATION = (
    Path(__file__).resolve().parents[2] / "migrations/versions/0014_survey_response_codes.py"
)


def _from_json(event):
    definition = services.ensure_survey(event).definition
    frame = tabulation.answers_frame(services.answer_records(event))
    return tabulation.tabulate(definition, frame, services.response_denominators(event))


def _store_three_ways(db, event, definition):
    services.submit_response(event, "qr", web_answer())
    services.submit_response(
        event, "chat", web_answer(F1="7", F3="2", Q8="資料を事前に配ってほしい")
    )
    services.enter_paper_response(event, 1, web_answer(F1="1", F3="1", F2=["1"], Q4="1"))
    sheet = fill(services.survey_sheet(event), as_dropdown(definition, web_answer(F3="2")))
    assert [r.status for r in services.import_survey_sheets(event, [("a.xlsx", sheet)])] == [
        "imported"
    ]


def test_every_way_in_stores_the_codes_and_the_figures_are_those_of_the_json(
    db, open_event, definition
):
    _store_three_ways(db, open_event, definition)
    rows = db.session.scalars(select(SurveyResponse).order_by(SurveyResponse.id)).all()
    assert [r.source for r in rows] == ["web", "web", "entry", "excel"]
    for r in rows:
        assert (r.codes, r.texts) == tabulation.encode_answers(definition, r.answers)
        assert r.codes is not None
    assert rows[1].texts["Q8"] == "資料を事前に配ってほしい"  # the free text beside the codes
    assert not {"F1", "F2", "F3", "Q4", "Q2_months"} & set(rows[1].texts)  # choices: codes only
    _, records, tab = services.tabulate_event(open_event)
    assert records is None  # the JSON is not read to tabulate
    assert repr(tab) == repr(_from_json(open_event))
    assert {r[0]: r[1] for r in tab.table("F3").rows}["2. 研修会議Ⅱ（東京会場）のみ参加"] == 2
    assert "資料を事前に配ってほしい" in [t.text for t in tab.texts]


def test_answers_without_codes_are_tabulated_from_their_json(db, open_event, definition):
    _store_three_ways(db, open_event, definition)
    expected = repr(services.tabulate_event(open_event)[2])
    first = db.session.scalars(select(SurveyResponse.id).order_by(SurveyResponse.id)).first()
    db.session.execute(update(SurveyResponse).where(SurveyResponse.id == first).values(codes=None))
    db.session.commit()
    assert repr(services.tabulate_event(open_event)[2]) == expected


def test_the_migration_backfills_the_codes_of_earlier_answers(db, open_event, definition):
    _store_three_ways(db, open_event, definition)
    written = db.session.execute(
        select(SurveyResponse.id, SurveyResponse.codes, SurveyResponse.texts)
    ).all()
    db.session.execute(update(SurveyResponse).values(codes=None, texts=None))
    db.session.commit()
    spec = importlib.util.spec_from_file_location("migration_0014", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with (
        db.engine.begin() as connection,
        Operations.context(MigrationContext.configure(connection)),
    ):
        migration.backfill()
    db.session.expire_all()
    again = db.session.execute(
        select(SurveyResponse.id, SurveyResponse.codes, SurveyResponse.texts)
    ).all()
    assert sorted(again) == sorted(written)
