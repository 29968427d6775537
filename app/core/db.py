"""Database helpers: a UTC datetime column type, engine settings per backend, and the surge's
own statements run with their SQL compiled once (``execute_compiled``, ``limit_constant``)."""

from __future__ import annotations

from collections import namedtuple
from datetime import UTC, datetime

from sqlalchemy import DateTime, event, literal_column
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InvalidRequestError, MultipleResultsFound, NoResultFound
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (naive storage) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def configure_engine_events(engine: Engine) -> None:
    """SQLite: foreign keys on, WAL, and a generous busy timeout so writers queue.

    pysqlite opens a transaction only at the first write, so a service that begins with the
    capacity lock (an UPDATE of the channel row) holds SQLite's write lock for its whole
    check-then-insert: that is what makes SQLite as safe as PostgreSQL's row lock.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def limit_constant(rows: int):
    """``LIMIT rows`` written into the SQL, not bound (``select(…).limit(limit_constant(1))``).
    PostgreSQL plans a prepared statement once for every execution (its generic plan) only when
    that plan is estimated no dearer than one made for the values; a bound LIMIT is estimated
    at a tenth of the rows, which made the surge's first statement dearer by a sort of every
    event revision, so PostgreSQL planned it anew on every execution: 0.5 ms of its CPU of
    ~1.7 per registration (issue 12, docs/performance.md, thirteenth pass)."""
    return literal_column(str(int(rows)))


class _Plan:
    """A statement compiled once for one dialect: its SQL, its bind names with their values and
    processors, and its result columns' names and processors (``execute_compiled``)."""

    __slots__ = ("binds", "defaults", "results", "row", "sql", "statement")

    def __init__(self, statement, dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.statement = statement  # kept alive: the cache is keyed by its id
        self.sql = compiled.string
        self.defaults = compiled.construct_params(_check=False)
        processors = compiled._bind_processors
        # (the caller's key, the name in the SQL, its processor or None)
        self.binds = tuple(
            (bind.key, name, processors.get(name), bind.required)
            for bind, name in compiled.bind_names.items()
        )
        columns = compiled._result_columns
        self.results = tuple(c.type._cached_result_processor(dialect, None) for c in columns)
        if not any(self.results):
            self.results = None
        self.row = namedtuple("Row", [c.keyname for c in columns], rename=True) if columns else None

    @staticmethod
    def of(statement, dialect) -> _Plan | None:
        """The plan, or None for what a plain compiled string cannot run as SQLAlchemy would:
        a dialect other than PostgreSQL's (or a positional driver), expanding (``IN``) or
        render-time parameters, escaped bind names, values SQLAlchemy computes per execution
        (a Python-side ``default`` or ``onupdate``), or a result type whose processor needs the
        driver's type code (``Numeric``)."""
        if dialect.name != "postgresql":
            return None
        compiled = statement.compile(dialect=dialect)
        if (
            compiled.positional
            or compiled.escaped_bind_names
            or compiled.literal_execute_params
            or compiled.post_compile_params
            or compiled.insert_prefetch
            or compiled.update_prefetch
            or any(bind.expanding or bind.callable for bind in compiled.bind_names)
        ):
            return None
        try:
            return _Plan(statement, dialect)
        except Exception:  # a processor that cannot be made without the driver's type code
            return None


# (the statement's id, the dialect's name) → (the statement, its plan or None: run as usual)
_plans: dict[tuple[int, str], tuple[object, _Plan | None]] = {}


class RowsResult:
    """The rows a statement returned, as a ``CursorResult`` answers for them: ``one()``,
    ``all()``, ``first()``, ``scalar()``, ``scalar_one()`` and iteration; each row a named
    tuple (by position and by column name)."""

    __slots__ = ("rows",)

    def __init__(self, rows: list) -> None:
        self.rows = rows

    def __iter__(self):
        return iter(self.rows)

    def all(self) -> list:
        return self.rows

    def first(self):
        return self.rows[0] if self.rows else None

    def one(self):
        if len(self.rows) != 1:
            raise (
                NoResultFound("No row was found")
                if not self.rows
                else MultipleResultsFound("Multiple rows were found when exactly one was required")
            )
        return self.rows[0]

    def scalar(self):
        return self.rows[0][0] if self.rows else None

    def scalar_one(self):
        return self.one()[0]


def execute_compiled(connection, statement, params: dict) -> RowsResult:
    """Run a Core ``statement`` built once per process (kept by its caller: the plan is cached
    by its id) on ``connection`` (a SQLAlchemy ``Connection`` in a transaction), through the
    driver's cursor with the SQL compiled once: no cache-key walk, parameter construction or
    result object per execution (issue 12: about two thirds of a surge statement's CPU went
    there; docs/performance.md, thirteenth pass). Bind and result processors (``UTCDateTime``)
    are applied as SQLAlchemy applies them; a value missing for a required parameter raises
    SQLAlchemy's ``InvalidRequestError``; a driver error is raised as SQLAlchemy raises it
    (``IntegrityError`` …, the connection invalidated on a disconnect).

    Through ``connection.execute`` instead, as SQLAlchemy runs every other statement: while
    anything listens to the engine's or connection's events or echoes its SQL (query
    recording, tracing, the tests' round-trip counts: they get SQLAlchemy's own cursor and
    context), and for what ``_Plan.of`` refuses (SQLite, an ``IN`` list …). Returns a
    ``RowsResult`` (every row fetched: these statements return a few)."""
    if connection._has_events or connection.engine._has_events or connection._echo:
        return _executed(connection, statement, params)
    dialect = connection.dialect
    key = (id(statement), dialect.name)
    kept = _plans.get(key)
    if kept is None or kept[0] is not statement:
        _plans[key] = kept = (statement, _Plan.of(statement, dialect))
    plan = kept[1]
    if plan is None:
        return _executed(connection, statement, params)
    bound = dict(plan.defaults)
    for key, name, processor, required in plan.binds:
        if key in params:
            value = params[key]
        elif name in params:
            value = params[name]
        elif required:
            raise InvalidRequestError(f"A value is required for bind parameter {key!r}")
        else:
            value = bound.get(name)
        bound[name] = processor(value) if processor is not None else value
    cursor = None
    try:
        cursor = driver_cursor(connection)
        cursor.execute(plan.sql, bound)
        # A statement with result columns returns rows: fetched without asking the cursor's
        # ``description``, which builds a Column object per field on every call.
        returns_rows = plan.row is not None or cursor.description is not None
        rows = cursor.fetchall() if returns_rows else []
    except BaseException as exc:  # as SQLAlchemy: an exit exception invalidates the connection
        connection._handle_dbapi_exception(exc, plan.sql, bound, cursor, None)  # may close it
    if plan.results is not None:
        rows = [
            tuple(p(v) if p is not None else v for p, v in zip(plan.results, row, strict=True))
            for row in rows
        ]
    return RowsResult([plan.row._make(row) for row in rows] if plan.row is not None else rows)


# The key of the kept cursor in the pool record's ``info`` (``driver_cursor``).
_CURSOR = "kenshu.driver_cursor"


def driver_cursor(connection):
    """The driver's cursor kept with the DBAPI connection under ``connection`` (a SQLAlchemy
    ``Connection``), made on first use and used by every statement after it: a new psycopg
    cursor per statement cost about 15 µs of CPU more, its adapters looked up again each time
    (issue 12, docs/performance.md, sixteenth pass). Kept in the pool record's ``info``, which
    the pool clears when it connects the record anew (after an invalidation); a cursor closed
    meanwhile (SQLAlchemy closes it after an error that is not a disconnect) or of another
    connection is replaced. Its rows are read before the next statement runs on it."""
    fairy = connection.connection  # the pool's proxy of the driver's connection
    cursor = fairy.info.get(_CURSOR)
    if cursor is None or cursor.closed or cursor.connection is not fairy.driver_connection:
        cursor = fairy.info[_CURSOR] = fairy.cursor()
    return cursor


def _executed(connection, statement, params: dict) -> RowsResult:
    result = connection.execute(statement, params)
    return RowsResult(result.all() if result.returns_rows else [])
