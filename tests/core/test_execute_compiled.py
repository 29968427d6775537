"""``core.db.execute_compiled`` (issue 12): a statement built once per process, run through the
driver with its SQL compiled once, answers what ``Connection.execute`` answers — the values
through their types, a driver error as SQLAlchemy's, the engine's listeners told — on
PostgreSQL, and on SQLite by ``Connection.execute`` itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import bindparam, event, insert, literal, select, text, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app.core.db import UTCDateTime, driver_cursor, execute_compiled
from app.core.models import SubmissionKey

TABLE = SubmissionKey.__table__
STORE = insert(TABLE).values(
    key=bindparam("key"), path=bindparam("path"), flashes="", created_at=bindparam("at")
)
READ = select(TABLE.c.key, TABLE.c.created_at, literal(1).label("one")).where(
    TABLE.c.key == bindparam("key")
)
JST = timezone(timedelta(hours=9))


def test_values_go_in_and_come_out_through_their_types(app, db):
    with app.app_context():
        connection = db.session.connection()
        at = datetime(2023, 10, 19, 13, 30, tzinfo=JST)
        execute_compiled(connection, STORE, {"key": "k-types", "path": "/register", "at": at})
        row = execute_compiled(connection, READ, {"key": "k-types"}).one()
        assert row.key == "k-types" and row.one == 1
        # UTCDateTime: an aware UTC datetime, the same instant as written, on both databases.
        assert row.created_at == at and row.created_at.tzinfo == UTC
        assert row == tuple(connection.execute(READ, {"key": "k-types"}).one())
        assert execute_compiled(connection, READ, {"key": "none"}).first() is None
        db.session.rollback()


def test_a_unique_key_stored_twice_is_sqlalchemys_integrity_error(app, db):
    with app.app_context():
        connection = db.session.connection()
        at = datetime.now(UTC)
        execute_compiled(connection, STORE, {"key": "k-twice", "path": "/a", "at": at})
        with pytest.raises(IntegrityError):
            execute_compiled(connection, STORE, {"key": "k-twice", "path": "/a", "at": at})
        db.session.rollback()
        assert db.session.scalar(select(TABLE.c.key).where(TABLE.c.key == "k-twice")) is None


def test_rows_come_back_whether_or_not_the_statement_names_its_columns(app, db):
    """A Core SELECT's rows are fetched by its known columns; a textual one, which names none
    to SQLAlchemy, by what the driver reports; an UPDATE without RETURNING gives none."""
    with app.app_context():
        connection = db.session.connection()
        at = datetime.now(UTC)
        execute_compiled(connection, STORE, {"key": "k-rows", "path": "/a", "at": at})
        assert [row.key for row in execute_compiled(connection, READ, {"key": "k-rows"})] == [
            "k-rows"
        ]
        textual = text("SELECT :n AS n, 2 AS two")
        assert [tuple(row) for row in execute_compiled(connection, textual, {"n": 5})] == [(5, 2)]
        touch = update(TABLE).where(TABLE.c.key == bindparam("k")).values(path="/b")
        assert execute_compiled(connection, touch, {"k": "k-rows"}).all() == []
        assert execute_compiled(connection, READ, {"key": "k-rows"}).one().key == "k-rows"
        db.session.rollback()


def test_with_nothing_listening_the_compiled_sql_runs_on_the_driver(app, db, monkeypatch):
    """PostgreSQL: the statement never goes through ``Connection.execute`` (SQLite: it does)."""
    from sqlalchemy.engine import Connection

    with app.app_context():
        connection = db.session.connection()
        postgres = connection.dialect.name == "postgresql"
        assert not (connection._has_events or connection.engine._has_events)
        calls = []
        real = Connection.execute
        monkeypatch.setattr(
            Connection, "execute", lambda self, *a, **k: calls.append(a) or real(self, *a, **k)
        )
        execute_compiled(connection, READ, {"key": "k-driver"}).all()
        db.session.rollback()
    assert (calls == []) is postgres


def test_listeners_get_sqlalchemys_own_cursor_and_context(app, db):
    """Query recording and tracing (Flask-SQLAlchemy's ``SQLALCHEMY_RECORD_QUERIES``, Sentry)
    keep their state on the execution context from before to after the statement: while any
    listens, the statement runs as SQLAlchemy runs every other one."""
    seen: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        context._test_started = statement

    def after(conn, cursor, statement, parameters, context, executemany):
        seen.append(context._test_started)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", before)
        event.listen(db.engine, "after_cursor_execute", after)
        try:
            execute_compiled(db.session.connection(), READ, {"key": "k-seen"}).all()
        finally:
            event.remove(db.engine, "before_cursor_execute", before)
            event.remove(db.engine, "after_cursor_execute", after)
        db.session.rollback()
    assert len(seen) == 1 and "FROM submission_key" in seen[0]


def test_a_missing_value_is_refused_as_sqlalchemy_refuses_it(app, db):
    with app.app_context():
        with pytest.raises(SQLAlchemyError, match="A value is required for bind parameter"):
            execute_compiled(db.session.connection(), READ, {})
        db.session.rollback()


def test_values_sqlalchemy_computes_per_statement_are_computed(app, db):
    """An INSERT that leaves a column to its Python-side default (``created_at``) is run by
    SQLAlchemy, which computes it: never bound as NULL."""
    statement = insert(TABLE).values(key=bindparam("key"), path=bindparam("path"))
    with app.app_context():
        execute_compiled(db.session.connection(), statement, {"key": "k-dflt", "path": "/x"})
        stored = db.session.scalar(select(TABLE.c.created_at).where(TABLE.c.key == "k-dflt"))
        db.session.rollback()
    assert stored is not None


def test_a_type_of_ours_is_processed_in_a_bound_value(app, db):
    """A naive datetime is refused by ``UTCDateTime``'s bind processor, as by an ORM write."""
    with app.app_context():
        statement = select(bindparam("at", type_=UTCDateTime()))
        with pytest.raises(Exception, match="naive datetime"):
            execute_compiled(db.session.connection(), statement, {"at": datetime(2023, 10, 19)})
        db.session.rollback()


def _needs_postgresql(connection) -> None:
    if connection.dialect.name != "postgresql":
        pytest.skip("the driver's cursor is used on PostgreSQL only (SQLite: Connection.execute)")


def test_one_cursor_is_kept_with_its_connection_for_every_statement(app, db):
    """PostgreSQL: the statements of a connection run on one cursor of the driver, made once;
    each answers its own rows, read before the next one runs."""
    with app.app_context():
        connection = db.session.connection()
        _needs_postgresql(connection)
        cursor = driver_cursor(connection)
        at = datetime.now(UTC)
        execute_compiled(connection, STORE, {"key": "k-kept-1", "path": "/a", "at": at})
        assert cursor.statusmessage == "INSERT 0 1"  # run on it
        execute_compiled(connection, STORE, {"key": "k-kept-2", "path": "/b", "at": at})
        first = execute_compiled(connection, READ, {"key": "k-kept-1"}).all()
        assert cursor.statusmessage == "SELECT 1"
        second = execute_compiled(connection, READ, {"key": "k-kept-2"}).all()
        assert [r.key for r in first] == ["k-kept-1"] and [r.key for r in second] == ["k-kept-2"]
        assert driver_cursor(connection) is cursor and not cursor.closed
        db.session.rollback()


def test_after_a_refused_statement_the_next_ones_run_on_a_new_cursor(app, db):
    """SQLAlchemy closes the cursor of a statement that failed: the next statement, after the
    rollback, gets a new one and its rows, and the refused row was never stored."""
    with app.app_context():
        connection = db.session.connection()
        _needs_postgresql(connection)
        at = datetime.now(UTC)
        execute_compiled(connection, STORE, {"key": "k-again", "path": "/a", "at": at})
        before = driver_cursor(connection)
        with pytest.raises(IntegrityError):
            execute_compiled(connection, STORE, {"key": "k-again", "path": "/a", "at": at})
        assert before.closed
        db.session.rollback()
        connection = db.session.connection()
        execute_compiled(connection, STORE, {"key": "k-after", "path": "/c", "at": at})
        rows = execute_compiled(connection, READ, {"key": "k-after"}).all()
        assert [r.key for r in rows] == ["k-after"]
        assert driver_cursor(connection) is not before
        assert execute_compiled(connection, READ, {"key": "k-again"}).first() is None
        db.session.rollback()


def test_a_connection_invalidated_gets_a_cursor_of_its_new_connection(app, db):
    """A connection the pool replaced (a server restart, a broken link) never runs a statement
    on the old connection's cursor."""
    with app.app_context():
        connection = db.session.connection()
        _needs_postgresql(connection)
        old = driver_cursor(connection)
        connection.invalidate()
        db.session.rollback()
        connection = db.session.connection()
        new = driver_cursor(connection)
        assert new is not old and new.connection is connection.connection.driver_connection
        assert execute_compiled(connection, READ, {"key": "none"}).first() is None
        db.session.rollback()
