"""Every migration can be undone and done again without losing a row of a table it does not own.

On SQLite a migration that alters a table by copying it (Alembic's batch mode) drops the
original, and ``PRAGMA foreign_keys=ON`` then deletes, by ON DELETE CASCADE, every row that
refers to it: a column added to ``event`` that way took every venue and channel with it on
downgrade (migration 0015, found by the 0005 test). This sweep walks the whole chain, one step
at a time, from the head down to the first revision and back up, with the README's demo in the
database (FY2023 with its participants and answers, 令和４年度), and compares the rows of every
table a step leaves in place. migrations/env.py turns SQLite's foreign keys off while
migrations run and checks them afterwards.
"""

from __future__ import annotations

import itertools

from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app import create_app
from app.config import TestConfig


def _counts(db) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {
            name: conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
            for name in inspect(conn).get_table_names()
            if name != "alembic_version"
        }


def test_each_downgrade_keeps_the_rows_of_the_tables_it_leaves(tmp_path):
    url = f"sqlite:///{tmp_path / 'chain.sqlite3'}"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, instance_path=str(tmp_path))
    with app.app_context():
        from app.extensions import db

        upgrade()
        # FY2023 with its participants, 資料２, answers, and 令和４年度 (the README's demo).
        result = app.test_cli_runner().invoke(args=["seed-demo", "--with-registrants"])
        assert result.exit_code == 0, result.output
        db.session.remove()
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        chain = [rev.revision for rev in script.walk_revisions()]  # head first
        before = _counts(db)
        assert before["venue"] and before["channel"] and before["registration"]
        for revision, below in itertools.pairwise(chain):
            downgrade(revision=below)
            after = _counts(db)
            for table, rows in after.items():
                if table in before:
                    assert rows == before[table], (f"downgrade of {revision}", table)
        survivors = set(_counts(db))  # the first revision's tables, rows kept all the way
        for revision in reversed(chain[:-1]):
            upgrade(revision=revision)
        after = _counts(db)
        assert {t: after[t] for t in survivors} == {t: before[t] for t in survivors}
        db.engine.dispose()
