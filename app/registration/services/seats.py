"""Seats: a channel's rules as plain facts, the seats taken, and the overview of every channel.

``take_seat`` counts under the channel lock (``Channel.lock``: an UPDATE of the channel row) in
the transaction that inserts, so a webinar seat is never sold twice, on SQLite or PostgreSQL.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Integer,
    bindparam,
    column,
    func,
    insert,
    literal,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import MANYTOONE, make_transient_to_detached

from app.core import preview
from app.core.db import UTCDateTime, limit_constant
from app.core.jpdates import now_utc
from app.events.models import Channel, Event
from app.events.snapshot import check_current, current_key_columns
from app.extensions import db
from app.registration import rules
from app.registration.models import (
    Registration,
    Team,
    TeamMember,
    now_parameter,
    seats_held,
    state_code,
    team_headcount,
    webinar_seats_taken,
)
from app.registration.rules import ChannelFacts

# A test may set this to stretch the window between counting and inserting (race proofs).
_after_count_hook = None


# A preview page's channel is open whatever its dates (issue 10 §2: try the forms before).
_ALWAYS = (datetime(1900, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC))


def facts(channel: Channel) -> ChannelFacts:
    """The rules' view of a channel; in preview mode its opening and deadline do not apply."""
    opens_at, closes_at = _ALWAYS if preview.is_on() else (channel.opens_at, channel.closes_at)
    return ChannelFacts(
        code=channel.code,
        label=channel.label,
        opens_at=opens_at,
        closes_at=closes_at,
        capacity=channel.capacity,
        capacity_is_target=channel.capacity_is_target,
        eligible_categories=tuple(channel.eligible_categories)
        if channel.eligible_categories is not None
        else None,
        max_team_size=channel.max_team_size,
    )


def seats_taken(channel: Channel, now: datetime | None = None) -> int:
    return webinar_seats_taken(channel.id, now or now_utc())


def channel_overview(event: Event, now: datetime | None = None) -> list[dict]:
    """Each channel with its state (受付中 / 残りわずか / 満席 / 受付終了) and its seats.

    One definition everywhere: ``taken`` = ``registered`` (active registrations; for a venue,
    active members of 受付済・参加決定・人数調整 teams) + ``offered`` (seats held by live
    waiting-list offers); ``left`` = capacity − taken (None without a capacity). All channels
    are counted in one SELECT (issue 12: the form page and its refusals are read-only and short).
    """
    now = now or now_utc()
    counts = channel_seat_counts([c.id for c in event.channels], now)
    rows = []
    for channel in event.channels:
        registered, offered, headcount = counts.get(channel.id, (0, 0, 0))
        if channel.kind == "venue":
            registered, offered = headcount, 0
        taken = registered + offered
        left = None if channel.capacity is None else channel.capacity - taken
        rows.append(
            {
                "channel": channel,
                "state": rules.channel_state(facts(channel), taken, now, event.few_left_ratio),
                "registered": registered,
                "offered": offered,
                "taken": taken,
                "left": left,
            }
        )
    return rows


def open_channels(
    event: Event, category: str, full: Channel | None = None, now: datetime | None = None
) -> list[Channel]:
    """The event's individual channels that can take a person of ``category`` (a 参加区分
    code) now, in the event's order: open, eligible, and with a seat left where a hard cap
    applies; ``full``, a channel just found full, is left out without counting it again.
    Seats are counted in one SELECT for the other capped ones only: none for FY2023's YouTube
    (no cap), so a refusal's page reads nothing more (issue 12: a refusal costs no more than
    an acceptance)."""
    now = now or now_utc()
    usable = []
    for channel in event.individual_channels:
        if full is not None and channel.id == full.id:
            continue
        known = facts(channel)
        try:
            rules.check_open(known, now)
            rules.check_eligible(known, category)
        except rules.RegistrationError:
            continue
        usable.append(channel)
    capped = [c.id for c in usable if c.capacity is not None and not c.capacity_is_target]
    counts = channel_seat_counts(capped, now)
    return [
        c for c in usable if c.id not in capped or sum(counts.get(c.id, (0, 0, 0))[:2]) < c.capacity
    ]


def channel_seat_counts(channel_ids: list[int], now: datetime) -> dict[int, tuple[int, int, int]]:
    """Per channel: (active registrations, live offers, active members of counted teams), the
    parts of ``models.webinar_seat_counts`` and ``models.venue_headcount`` for many channels in
    one SELECT (built once per process, bound values)."""
    if not channel_ids:
        return {}
    rows = preview.execute_as_written(_seat_counts_statement(), {"ids": channel_ids, "now": now})
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


@functools.cache
def _seat_counts_statement():
    channel = Channel.__table__.alias("counted")
    registrations, offers = seats_held(channel.c.id, now_parameter())
    members = team_headcount(channel.c.id, rules.TEAM_COUNTED_STATUSES)
    # Seats are real whatever the page: test rows are left out here, explicitly, and the
    # preview filter (``core.preview``) is told to keep away from this hand-built statement.
    return (
        select(channel.c.id, registrations, offers, members)
        .where(channel.c.id.in_(bindparam("ids", expanding=True)))
        .execution_options(**{preview.INCLUDE_TESTS: True})
    )


def take_seat(channel: Channel, now: datetime, over_capacity: bool = False) -> int:
    """Count under the lock and refuse when full (the caller holds ``channel.lock()``);
    returns the seats taken before this one."""
    taken = seats_taken(channel, now)
    if _after_count_hook is not None:
        _after_count_hook()
    rules.check_capacity(facts(channel), taken, over_capacity=over_capacity)
    return taken


def insert_with_seat(
    channel: Channel, now: datetime, registration: dict, together: list[tuple[object, dict]]
) -> int | None:
    """PostgreSQL: take a seat of ``channel`` by inserting a new registration in ONE statement
    with the count that guards it, the seat lock held (issue 12, performance.md).

    The statement is ``WITH seat AS (count) , r AS (INSERT … SELECT … WHERE taken < capacity
    RETURNING id), …`` and inserts the ``together`` rows (the mail, the submission key) only
    when the seat was taken. Its snapshot starts after the caller's ``channel.lock()``, so it
    counts every seat committed before; the insert is the last statement before the COMMIT.
    ``registration`` is ``{column: value}`` of the new row and ``together`` are ``(mapper,
    {column: value})``, plain values, no ORM object (seventeenth pass): a column left out or
    None takes its Python default, as a flush gives it (``new_row_values``). Returns the new
    id, or None when the channel is full (nothing inserted). Raises IntegrityError as a flush
    would (an address twice, a submission key twice).
    """
    values = new_row_values(Registration.__mapper__, registration)
    if values.get("channel_id") != channel.id:
        raise ValueError("the row takes a seat of another channel")
    others = [(mapper.local_table, new_row_values(mapper, given)) for mapper, given in together]
    # A value a together row shares with the row (same column, same value: the event, the
    # time, is_test) is bound once: the statement stays within psycopg's cache of converted
    # queries (50 parameters, 4,096 characters; tests/registration/test_round_trips.py).
    shared = tuple(
        frozenset(k for k, v in other.items() if k in values and _same(v, values[k]))
        for _, other in others
    )
    shape = (tuple(values), *((t.name, tuple(v)) for t, v in others), shared)
    statement = _seat_statements.get(shape)
    if statement is None:
        statement = _seat_statement(
            Registration.__table__,
            list(values),
            [(t, list(v), same) for (t, v), same in zip(others, shared, strict=True)],
        )
        _seat_statements[shape] = statement
    params = {"channel_id": channel.id, "now": now, "capacity": channel.capacity}
    params.update({f"r_{k}": v for k, v in values.items() if k != "channel_id"})
    for index, ((_, other_values), same) in enumerate(zip(others, shared, strict=True)):
        params.update({f"o{index}_{k}": v for k, v in other_values.items() if k not in same})
    new_id, _ = preview.execute_as_written(statement, params).one()
    if _after_count_hook is not None:  # the window a race needs: counted, not yet committed
        _after_count_hook()
    return new_id


def attach_new(model, new_id: int, values: dict):
    """A row the one statement inserted, as a persistent object of the session built from
    the ``{column: value}`` it wrote (``new_row_values``' result, defaults included: the
    object holds what the row holds; no reload, its many-to-ones read through the session
    when used): for a caller that reads the row after the COMMIT (the console, the tests)."""
    row = model(id=new_id, **values)
    _persisted(row)
    db.session.add(row)
    return row


def _persisted(obj) -> None:
    """A new object just inserted by hand (its keys set, none of its many-to-ones), made
    persistent-to-be (``make_transient_to_detached``)."""
    make_transient_to_detached(obj)


def _insert_values(obj) -> dict:
    """Every column value of a new ORM object as its INSERT would write it: the attribute, or
    the column's Python default; an autoincrement key, or a column with only a server-side
    default, left out. A column with both (``is_test``) is written with the Python one: left
    out, SQLAlchemy would add its default as a bind of the same name to each INSERT of the
    statement, and two such binds collide. Reads the new object's own ``__dict__`` (a column
    never set is absent: None, as its attribute would give) by a plan per mapper
    (``_column_plan``)."""
    mapper = type(obj).__mapper__
    state = obj.__dict__
    for relationship, pairs in _many_to_ones(mapper):  # set as an object: its key, as a flush
        target = state.get(relationship)
        if target is not None:
            for local, remote in pairs:
                if state.get(local) is None:
                    setattr(obj, local, getattr(target, remote))
    return new_row_values(mapper, state, lambda key, value: setattr(obj, key, value))


def new_row_values(mapper, given, on_default=None) -> dict:
    """``{column: value}`` of a new row of ``mapper`` as its INSERT writes it, from ``given``
    (``{attribute: value}``; a missing or None value takes the column's Python default, and
    ``on_default(attribute, value)`` is told; an autoincrement key, or a column with only a
    server-side default, is left out), by the mapper's plan (``_column_plan``)."""
    values = {}
    for key, column_key, leave_out, default in _column_plan(mapper):
        value = given.get(key)
        if value is None:
            if leave_out:
                continue
            if default is not None:
                value = default.arg(None) if default.is_callable else default.arg
                if on_default is not None:
                    on_default(key, value)
        values[column_key] = value
    return values


@functools.cache
def _column_plan(mapper) -> tuple[tuple[str, str, bool, object], ...]:
    """(attribute, column, left out when None, Python default or None) per column of a mapper."""
    plan = []
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        leave_out = column.primary_key or (
            column.server_default is not None and column.default is None
        )
        plan.append((attr.key, column.key, leave_out, column.default))
    return tuple(plan)


@functools.cache
def _many_to_ones(mapper) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """(relationship, ((foreign key attribute, the target's key attribute), …)) of each
    many-to-one of a mapper."""
    return tuple(
        (
            rel.key,
            tuple(
                (
                    mapper.get_property_by_column(local).key,
                    rel.mapper.get_property_by_column(remote).key,
                )
                for local, remote in rel.local_remote_pairs
            ),
        )
        for rel in mapper.relationships
        if rel.direction is MANYTOONE
    )


# The statement per shape (tables and columns written), built once per process: building the
# WITH and its ~50 bound values on every POST cost more CPU than the rest of the service.
_seat_statements: dict[tuple, object] = {}


def _seat_statement(table, keys: list[str], others: list[tuple[object, list[str], frozenset]]):
    """``WITH seat AS (the count), taken_seat AS (INSERT … WHERE taken < :capacity RETURNING
    id), together_N AS (INSERT … SELECT … FROM taken_seat) SELECT id, taken``, with bound
    parameters ``channel_id``, ``now``, ``capacity``, ``r_<column>`` and ``o<N>_<column>``
    (a column of a together row in its ``shared`` set reads ``r_<column>``; the row's
    ``channel_id`` reads ``channel_id``)."""
    channel_id = bindparam("channel_id", type_=Registration.__table__.c.channel_id.type)
    registrations, offers = seats_held(channel_id, now_parameter())
    taken = registrations + offers
    seat = select(taken.label("taken")).cte("seat")
    capacity = bindparam("capacity", type_=Integer())
    inserted = (
        insert(table)
        .from_select(
            keys,
            _bound(table, keys, "r_", {"channel_id": "channel_id"}).where(seat.c.taken < capacity),
        )
        .returning(table.c.id)
        .cte("taken_seat")
    )
    ctes = [
        insert(other)
        .from_select(
            other_keys,
            _bound(
                other, other_keys, f"o{index}_", {k: f"r_{k}" for k in same if k != "channel_id"}
            ).select_from(inserted),
        )
        .cte(f"together_{index}")
        for index, (other, other_keys, same) in enumerate(others)
    ]
    return (
        select(inserted.c.id, seat.c.taken)
        .select_from(seat.outerjoin(inserted, literal(True)))
        .add_cte(*ctes)
        .execution_options(**{preview.INCLUDE_TESTS: True})  # tests left out above
    )


def _bound(table, keys: list[str], prefix: str, shared: dict[str, str]):
    """``SELECT :<prefix><column> AS <column>, …``; a column in ``shared`` reads the named
    parameter instead (bound once for the statement)."""
    return select(
        *[bindparam(shared.get(k, prefix + k), type_=table.c[k].type).label(k) for k in keys]
    )


def _same(a, b) -> bool:
    return type(a) is type(b) and a == b


def one_statement() -> bool:
    """True on PostgreSQL: a data-modifying WITH inserts a registration with its seat, or a
    team with its members, in one statement. Not in preview mode: its rows are marked as tests
    when the ORM flushes them (``core.preview``), which a hand-built INSERT would bypass."""
    return db.session.get_bind().dialect.name == "postgresql" and not preview.is_on()


def take_pending() -> list:
    """The session's pending new objects, taken out of it (so that no autoflush writes them
    apart from the one statement that will insert them)."""
    pending = list(db.session.new)
    for obj in pending:
        if obj in db.session:  # an object's expunge takes its cascaded children along
            db.session.expunge(obj)
    return pending


def take_pending_rows() -> list[tuple[object, dict]]:
    """The session's pending new objects taken out of it (``take_pending``), as ``(mapper,
    {column: value})`` rows for a statement that writes them (``insert_team_rows``,
    ``insert_with_seat``)."""
    return [(type(obj).__mapper__, _insert_values(obj)) for obj in take_pending()]


def team_first_look(
    event_id: int, municipality_code: str, channel_id: int
) -> tuple[int | None, int]:
    """One SELECT before any lock (issue 12): the channel of the municipality's team in the
    event, if it has one (not cancelled; a test team for a test, a real one for a real one, as
    the unique index keeps them), and the venue's head-count as it stands
    (``models.team_headcount``). Returns ``(channel id or None, head-count)``."""
    row = preview.execute_as_written(
        _team_first_look_statement(),
        {
            "event_id": event_id,
            "code": municipality_code,
            "channel_id": channel_id,
            "is_test": preview.is_on(),
        },
    ).one()
    check_current(*row[2:])  # StaleEvent: decided again with the current event
    return row[0], row[1]


@functools.cache
def _team_first_look_statement():
    existing = (
        select(Team.channel_id)
        .where(
            Team.event_id == bindparam("event_id"),
            Team.municipality_code == bindparam("code"),
            Team.status != state_code("cancelled"),
            Team.is_test == bindparam("is_test", type_=Boolean()),
        )
        .limit(limit_constant(1))
        .scalar_subquery()
    )
    headcount = team_headcount(bindparam("channel_id"), rules.TEAM_COUNTED_STATUSES)
    # Test rows are chosen above by ``is_test``, and left out of the head-count by it. The
    # current event's key last: a request on a kept event checks it in passing (issue 12).
    return select(existing, headcount, *current_key_columns()).execution_options(
        **{preview.INCLUDE_TESTS: True}
    )


def insert_team_rows(
    team: dict,
    members: list[dict],
    others: list[tuple[object, dict]],
    fits: bool | None = None,
    target: int | None = None,
) -> tuple[int, dict[int, int]] | None:
    """PostgreSQL: insert a new team, its members and the ``others`` rows (their mails, the
    submission key) in ONE statement, from plain values, the venue's lock held by the caller
    (issue 12, docs/performance.md: The team application, Sixteenth pass).

    ``WITH team_row AS (INSERT INTO team … RETURNING id), member_N AS (INSERT INTO team_member
    (team_id, …) SELECT id, … FROM team_row), together_N AS (INSERT … SELECT … FROM team_row)
    SELECT id FROM team_row``: the unit of work of a flush without its CPU, with no ORM object
    and three round trips fewer. ``team`` and each of ``members`` are ``{column: value}`` of
    a new row (``team_id`` comes from the team's INSERT); ``others`` are ``(mapper, values)``.
    A column left out or None takes its Python default, as a flush gives it (``new_row_values``).
    Raises IntegrityError as a flush would (the unique indexes: one team per municipality, an
    address twice, a submission key twice).

    ``fits`` (True or False; None: no condition): the state the caller wrote into the team and
    its mails, decided by the head-count it read before the lock. The statement counts again
    under the lock (``models.team_headcount``) and inserts only when the team still fits the
    venue's ``target`` (True) or still does not (False); otherwise nothing, and None is
    returned. Returns ``(the team's id, {position: the member's id})``.
    """
    team_values = new_row_values(Team.__mapper__, team)
    member_values = [new_row_values(TeamMember.__mapper__, member) for member in members]
    for values in member_values:
        values.pop("team_id", None)
    member_groups = _groups([(TeamMember.__table__, values) for values in member_values])
    together_groups = _groups(
        [(mapper.local_table, new_row_values(mapper, values)) for mapper, values in others]
    )
    shape = (
        "team",
        fits,
        tuple(team_values),
        tuple(keys for _, keys, _ in member_groups),
        tuple((table.name, keys) for table, keys, _ in together_groups),
    )
    statement = _team_statements.get(shape)
    if statement is None:
        statement = _team_statement(
            Team.__table__,
            list(team_values),
            [list(keys) for _, keys, _ in member_groups],
            [(table, list(keys)) for table, keys, _ in together_groups],
            fits,
        )
        _team_statements[shape] = statement
    params = {f"t_{k}": v for k, v in team_values.items()}
    if fits is not None:
        params.update(
            {"g_channel_id": team_values["channel_id"], "g_size": len(members), "g_target": target}
        )
    for prefix, groups in (("m", member_groups), ("o", together_groups)):
        for index, (table, keys, rows) in enumerate(groups):
            params[f"{prefix}{index}"] = _records(table, keys, rows)
    rows = preview.execute_as_written(statement, params).all()
    if not rows:  # the head-count under the lock gave the other state: nothing inserted
        return None
    return rows[0].team_id, {row.position: row.member_id for row in rows}


_team_statements: dict[tuple, object] = {}


def insert_new(objects: list) -> int:
    """PostgreSQL: INSERT the new ``objects`` — rows of tables that do not refer to one
    another, as an answer and its submission key — in ONE statement, the unit of work of a
    flush without its CPU and with one round trip (issue 12).

    ``WITH new_0 AS (INSERT INTO t0 (…) SELECT … FROM jsonb_to_recordset(:o0) … RETURNING
    id), new_N AS (INSERT … FROM jsonb_to_recordset(:oN) …) SELECT id FROM new_0``: one bound
    JSON array per table and set of columns, the statement built once per shape. Each object
    gets every value a flush would give it (``_insert_values``); the objects must be outside
    the session (``take_pending``), and the first one's table must have an ``id`` key.
    Returns that first object's new id and sets it (the object stays outside the session).
    Raises IntegrityError as a flush would (a unique key stored before)."""
    groups = _groups([(o.__table__, _insert_values(o)) for o in objects])
    if groups[0][0] is not objects[0].__table__:
        raise ValueError("the first object's table comes first")
    shape = tuple((table.name, keys) for table, keys, _ in groups)
    statement = _new_statements.get(shape)
    if statement is None:
        statement = _new_statements[shape] = _new_statement(
            [(table, list(keys)) for table, keys, _ in groups]
        )
    params = {
        f"o{index}": _records(table, keys, rows) for index, (table, keys, rows) in enumerate(groups)
    }
    new_id = preview.execute_as_written(statement, params).scalar_one()
    objects[0].id = new_id
    return new_id


_new_statements: dict[tuple, object] = {}


def _new_statement(groups: list[tuple[object, list[str]]]):
    ctes = []
    for index, (table, keys) in enumerate(groups):
        records = _recordset(table, keys, f"o{index}")
        rows = insert(table).from_select(keys, select(*[records.c[k] for k in keys]))
        if index == 0:
            rows = rows.returning(table.c.id)
        ctes.append(rows.cte(f"new_{index}"))
    return (
        select(ctes[0].c.id)
        .add_cte(*ctes[1:])
        .execution_options(**{preview.INCLUDE_TESTS: True})  # not used in preview mode
    )


def _groups(rows: list[tuple[object, dict]]) -> list:
    """``(table, values)`` rows of one table with the same columns, together:
    ``[(table, keys, [values, …])]`` in the order of each group's first row."""
    groups: dict[tuple, tuple] = {}
    for table, values in rows:
        groups.setdefault((table.name, tuple(values)), (table, tuple(values), []))[2].append(values)
    return list(groups.values())


def _records(table, keys: tuple[str, ...], rows: list[dict]) -> list[dict]:
    """The rows as ``jsonb_to_recordset`` reads them: each value as its column's bind would
    send it (``UTCDateTime`` in UTC), a datetime in ISO 8601."""
    processors = _json_processors(table, keys)
    return [
        {k: (p(row[k]) if p is not None else row[k]) for k, p in zip(keys, processors, strict=True)}
        for row in rows
    ]


@functools.cache
def _json_processors(table, keys: tuple[str, ...]) -> tuple:
    dialect = db.session.get_bind().dialect
    processors = []
    for key in keys:
        if isinstance(table.c[key].type, JSON):  # the value itself, nested in the array
            processors.append(None)
            continue
        bind = table.c[key].type.bind_processor(dialect)
        if isinstance(table.c[key].type, (DateTime, UTCDateTime)):
            processors.append(_iso(bind))
        else:
            processors.append(bind)
    return tuple(processors)


def _iso(bind):
    def process(value):
        value = bind(value) if bind is not None else value
        return value.isoformat() if value is not None else None

    return process


def _recordset(table, keys: list[str], name: str):
    """``jsonb_to_recordset(:name) AS name(column type, …)``: the rows of one bound JSON array."""
    return (
        func.jsonb_to_recordset(bindparam(name, type_=JSONB()))
        .table_valued(*[column(k, table.c[k].type) for k in keys])
        .render_derived(name=name, with_types=True)
    )


def _team_statement(
    table, keys: list[str], members: list[list[str]], others: list, fits: bool | None = None
):
    """``WITH team_row AS (INSERT INTO team … [WHERE the head-count still gives the state]
    RETURNING id), member_N AS (INSERT INTO team_member (team_id, …) SELECT team_row.id, m.…
    FROM team_row JOIN jsonb_to_recordset(:mN) …), together_N AS (INSERT … FROM
    jsonb_to_recordset(:oN) …) SELECT team_id, member_id, position``. Members and other rows
    of the same columns are one bound JSON array per group, so the statement is the same for a
    team of one or six, and its few parameters keep it in psycopg's cache of converted
    queries (50 values, 4,096 characters; tests/registration/test_round_trips.py)."""
    member_table = TeamMember.__table__
    values = _bound(table, keys, "t_", {})
    if fits is not None:  # the state decided before the lock still holds under it
        headcount = team_headcount(bindparam("g_channel_id"), rules.TEAM_COUNTED_STATUSES)
        after = headcount + bindparam("g_size", type_=Integer())
        target = bindparam("g_target", type_=Integer())
        values = values.where(after <= target if fits else after > target)
    team_row = insert(table).from_select(keys, values).returning(table.c.id).cte("team_row")

    def rows_of(other, other_keys: list[str], name: str, *first):
        records = _recordset(other, other_keys, name)
        return select(*first, *[records.c[k] for k in other_keys]).select_from(
            team_row.join(records, true())
        )

    member_rows = [
        insert(member_table)
        .from_select(
            ["team_id", *member_keys],
            rows_of(member_table, member_keys, f"m{index}", team_row.c.id),
        )
        .returning(member_table.c.id, member_table.c.position)
        .cte(f"member_{index}")
        for index, member_keys in enumerate(members)
    ]
    selects = [select(m.c.id, m.c.position) for m in member_rows]
    inserted = (union_all(*selects) if len(selects) > 1 else selects[0]).subquery()
    ctes = [
        insert(other)
        .from_select(other_keys, rows_of(other, other_keys, f"o{index}"))
        .cte(f"together_{index}")
        for index, (other, other_keys) in enumerate(others)
    ]
    return (
        select(
            team_row.c.id.label("team_id"),
            inserted.c.id.label("member_id"),
            inserted.c.position,
        )
        .select_from(team_row.join(inserted, literal(True)))
        .add_cte(*member_rows, *ctes)
        .execution_options(**{preview.INCLUDE_TESTS: True})  # not used in preview mode
    )
