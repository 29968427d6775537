"""survey_response: the choices as codes and the free text beside them, for tabulating without
reading every answer's JSON (issue 12, docs/performance.md: Reports and exports)

Revision ID: 0014
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("survey_response", sa.Column("codes", sa.Text(), nullable=True))
    op.add_column("survey_response", sa.Column("texts", sa.JSON(), nullable=True))
    backfill()


def backfill():
    """Every stored answer encoded with its event's questionnaire (the pure
    ``tabulation.encode_answers``); an answer it cannot encode keeps codes NULL and is read from
    its JSON."""
    from app.surveys.definition import Definition
    from app.surveys.tabulation import encode_answers

    bind = op.get_bind()
    survey = sa.table("survey", sa.column("event_id"), sa.column("definition_data", sa.JSON()))
    response = sa.table(
        "survey_response",
        sa.column("id"),
        sa.column("event_id"),
        sa.column("answers", sa.JSON()),
        sa.column("codes", sa.Text()),
        sa.column("texts", sa.JSON(none_as_null=True)),
    )
    for event_id, data in bind.execute(sa.select(survey.c.event_id, survey.c.definition_data)):
        definition = Definition.from_dict(data)
        rows = bind.execute(
            sa.select(response.c.id, response.c.answers).where(response.c.event_id == event_id)
        ).all()
        updates = []
        for rid, answers in rows:
            codes, rest = encode_answers(definition, answers or {})
            if codes is not None:
                updates.append({"rid": rid, "codes": codes, "texts": rest})
        if updates:
            bind.execute(
                response.update()
                .where(response.c.id == sa.bindparam("rid"))
                .values(codes=sa.bindparam("codes"), texts=sa.bindparam("texts")),
                updates,
            )


def downgrade():
    # Plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35): no batch copy of the table.
    op.drop_column("survey_response", "texts")
    op.drop_column("survey_response", "codes")
