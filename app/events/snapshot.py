"""The current event as the public forms need it, kept by each worker process (issue 12).

The 研修会議Ⅰ form and the 研修会議Ⅱ application read the event with its channels, their venues
and the trainings on every request. Loading that graph was the largest single cost of an
accepted registration (a joined SELECT of one row per channel × training, every column of the
event, channel, venue and training on each: about a fifth of the request's CPU).

Each process keeps the loaded graph, detached, under the event's ``(id, revision)``. A request
asks the database for the current event's id and revision only (one small row, in the round
trip that loaded the graph before) and, while they match, copies the kept graph into its own
session with ``Session.merge(load=False)`` (no SQL). The revision (``models.event_revision``,
a row per event) is a new random token whenever the event, one of its channels, venues,
trainings or programme rows is inserted, changed or deleted through the ORM:
``_note_changes`` (before the flush) notes the events, ``_renew_revisions`` (after the flush's
own statements, so that the revision row is always the last row the transaction locks) writes
their new tokens, in the same transaction as the change. So a worker decides with the event as the request began, as
before, and never by a setting older than the request. A change made with hand-written SQL
must renew the token itself (docs/deploy.md; migrations and the benches change events before
any worker starts).

The 研修会議Ⅰ form's and the team application's POSTs do not even ask that SELECT first
(``on_kept_event``, issue 12): they decide on the kept event, and their service's first
statement (the duplicate check, the team's first look) reads the current id and revision in
passing (``current_key_columns``, ``check_current``); a changed event raises StaleEvent before
anything is written or locked (``ensure_checked`` guards the writes), and the POST is decided
again on the event as it is. A POST answered without that statement (a form error, a refusal
before it) asks the SELECT before answering, as before.

In preview mode a participant page shows the previewed event, loaded as before (no cache).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from itertools import chain
from typing import TypeVar

from flask import abort, current_app, has_request_context, request
from sqlalchemy import bindparam, select
from sqlalchemy import event as sa_event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, joinedload

from app.core.blank_page import EVENT_KEY
from app.core.db import execute_compiled, limit_constant
from app.events.models import (
    Channel,
    Event,
    ProgrammeItem,
    Training,
    Venue,
    event_revision,
    previewed_event,
)
from app.extensions import db

# What the graph holds, and the programme (the questionnaire's rated rows, which its kept page
# shows: surveys.views); a change to any of these rows gives its event a new revision.
WATCHED = (Event, Channel, Venue, Training, ProgrammeItem)
_STORE = "event_snapshots"
T = TypeVar("T")


@functools.cache
def _key_query():
    """The current event's id and revision (``models.current_event``'s order), one row; built
    once per process (run by ``execute_compiled``)."""
    return (
        select(Event.id, event_revision.c.token)
        .outerjoin(event_revision, event_revision.c.event_id == Event.id)
        .order_by(Event.is_current.desc(), Event.id.desc())
        .limit(limit_constant(1))  # written in the SQL: one plan for every execution
    )


def note_page_key(event_id: int, token: str | None) -> None:
    """Tell ``core.blank_page`` which event revision the request's page is made of: its
    ``(event id, revision token)``. Without a token (an event never flushed through the ORM)
    nothing is noted, and no page of it is kept."""
    if token is not None and has_request_context():
        setattr(request, EVENT_KEY, (event_id, token))


def revision(event_id: int) -> str | None:
    """The event's current revision token (None before its first flush)."""
    return db.session.scalar(
        select(event_revision.c.token).where(event_revision.c.event_id == event_id)
    )


@functools.cache
def _graph_query():
    return (
        select(Event)
        .where(Event.id == bindparam("event_id"))
        .options(
            # A channel's training is one of ``Event.trainings``: its many-to-one load finds it
            # in the session's identity map, without SQL.
            joinedload(Event.channels).joinedload(Channel.venue),
            joinedload(Event.trainings),
        )
    )


def current_event_with_channels() -> Event:
    """The current event (``models.current_event_or_404``) in the request's session, with
    ``channels`` (each with ``venue`` and ``training``) and ``trainings`` loaded.

    One small SELECT while this process's kept copy is current; the joined SELECT, and a new
    kept copy, after any change. Raises 404 when there is no event.
    """
    return attached(current_event_to_read())


def current_event_to_read() -> Event:
    """The current event as ``current_event_with_channels`` gives it, without copying this
    process's kept graph into the request's session (issue 12: a kept form page needs only
    the event's key and its channels' ids and settings, and the copy was a fifth of its CPU).

    While the kept copy is current it is returned itself: detached and shared by every
    request of the process. Read its loaded columns and ``channels``, ``trainings``,
    ``Channel.venue``, ``Channel.training`` only; never change it, never set it on another
    object, never load anything through it. For anything else (writing a page, a new row)
    use ``attached(event)``. Raises 404 when there is no event.
    """
    previewed = previewed_event()
    if previewed is not None:
        return previewed
    if has_request_context():
        setattr(request, _UNCHECKED, None)  # read now: checked
    # On the session's connection: a two-column SELECT needs none of the ORM's execution
    # (the event is no test row, which the ORM's preview filter is for).
    row = execute_compiled(db.session.connection(), _key_query(), {}).first()
    if row is None:
        abort(404)
    note_page_key(row.id, row.token)
    store = current_app.extensions.setdefault(_STORE, {})
    kept = store.get(tuple(row))
    if kept is not None:
        return kept
    event = db.session.scalars(_graph_query(), {"event_id": row.id}).unique().one()
    if row.token is None:  # an event without a revision row is never kept
        return event
    for channel in event.channels:
        # Loaded before the copy, so that the kept copy has it (no SQL: the training is one
        # of ``Event.trainings``, in the session's identity map).
        channel.training  # noqa: B018
    store.clear()  # only the current event is kept
    kept = store[tuple(row)] = _detached_copy(event)
    return kept


class StaleEvent(Exception):
    """The kept event a request used unchecked (``kept_event_unchecked``) was not the current
    one when the request's first statement read the current key (``check_current``): decide
    again with the event as it is (``current_event_to_read``)."""


_UNCHECKED = "_event_snapshot_unchecked"


def kept_event_unchecked() -> Event | None:
    """This process's kept current event without asking the database, or None (nothing kept,
    or preview mode). Read it as ``current_event_to_read`` says.

    Issue 12: an accepted POST then checks it in passing: the first statement of the service
    reads the current event's key too (``current_key_columns``), and ``check_current`` raises
    StaleEvent if it changed, before anything is written or locked. A request that answers
    without such a statement (a form error, a refusal before it) checks it with
    ``still_unchecked`` and ``current_event_to_read`` before answering. One round trip fewer
    than ``current_event_to_read`` for an accepted registration or team application, and the
    event is still never older than the request."""
    if previewed_event() is not None:
        return None
    store = current_app.extensions.get(_STORE)
    kept = list(store.items()) if store else []  # one item: only the current event is kept
    if len(kept) != 1:
        return None
    key, event = kept[0]
    note_page_key(*key)
    setattr(request, _UNCHECKED, key)
    return event


def current_key_columns() -> tuple:
    """The current event's id and revision (``_key_query``) as two scalar subqueries, for the
    first statement of a service to read in passing (``check_current``)."""
    query = _key_query()
    return (
        query.with_only_columns(Event.id).scalar_subquery(),
        query.with_only_columns(event_revision.c.token).scalar_subquery(),
    )


def check_current(event_id: int | None, token: str | None) -> None:
    """The current key a statement read (``current_key_columns``): when this request uses a
    kept event unchecked and the key is another, the kept graph is dropped and StaleEvent
    raised; otherwise the request's event is checked (no-op outside a request)."""
    if not has_request_context():
        return
    key = getattr(request, _UNCHECKED, None)
    if key is None:
        return
    setattr(request, _UNCHECKED, None)
    if key != (event_id, token):
        current_app.extensions.get(_STORE, {}).pop(key, None)
        raise StaleEvent()


def ensure_checked() -> None:
    """Before a service writes or locks: a kept event that no statement has checked yet is
    checked now (one SELECT; StaleEvent when it changed). A no-op after ``check_current``,
    the service's first statement's check."""
    if still_unchecked():
        row = execute_compiled(db.session.connection(), _key_query(), {}).first()
        check_current(*(row if row is not None else (None, None)))


def still_unchecked() -> bool:
    """True while this request uses a kept event that no statement has checked yet."""
    return has_request_context() and getattr(request, _UNCHECKED, None) is not None


def on_kept_event(handle: Callable[[Event], T]) -> T:
    """``handle(event)`` — a public form's POST — on this process's kept event, checked in
    passing by its service's first statement (``kept_event_unchecked``), or on the event read
    now (``current_event_to_read``) when nothing is kept. Run again on the current event when
    the kept one turned out stale (StaleEvent), or when ``handle`` answered without any
    statement checking it (a form error, a refusal before it) and the current event is
    another; what it did is rolled back first (it wrote nothing: a service checks before
    any write). Returns what the run that stands returned."""
    kept = kept_event_unchecked()
    if kept is None:
        return handle(current_event_to_read())
    try:
        answer = handle(kept)
    except StaleEvent:
        return _again(handle)
    if still_unchecked() and current_event_to_read() is not kept:
        return _again(handle)
    return answer


def _again(handle: Callable[[Event], T]) -> T:
    db.session.rollback()
    db.session.expunge_all()  # the stale graph's copies: the current one is copied afresh
    return handle(current_event_to_read())


def kept_event(event_id: int) -> Event | None:
    """This process's kept copy of the event, when this request read it as current
    (``current_event_to_read``), else None. Read it as ``current_event_to_read`` says."""
    key = getattr(request, EVENT_KEY, None) if has_request_context() else None
    if key is None or key[0] != event_id:
        return None
    return current_app.extensions.get(_STORE, {}).get(key)


def attached(event: Event) -> Event:
    """``event`` in the request's session: the request's own copy of a kept graph
    (``Session.merge(load=False)``, no SQL), or ``event`` itself when it is in the session
    already (loaded by this request, or previewed)."""
    if sa_inspect(event).detached:
        return db.session.merge(event, load=False)
    return event


def _detached_copy(event: Event) -> Event:
    """A copy of the loaded graph that belongs to no session (merged into a session of its
    own without SQL, which is then closed)."""
    holder = Session()
    try:
        copy = holder.merge(event, load=False)
    finally:
        holder.close()
    return copy


_CHANGED = "event_snapshot_changed"


@sa_event.listens_for(Session, "before_flush")
def _note_changes(session: Session, _context, _instances) -> None:
    """Note every event whose own row, or one of whose channels, venues, trainings or
    programme rows, this flush inserts, changes or deletes."""
    events: set[Event] = session.info.setdefault(_CHANGED, set())
    with session.no_autoflush:
        for obj in chain(session.new, session.dirty, session.deleted):
            if not isinstance(obj, WATCHED):
                continue
            if obj in session.dirty and not session.is_modified(obj):
                continue
            owner = _owner(session, obj)
            if owner is not None and owner not in session.deleted:
                events.add(owner)


def _owner(session: Session, obj) -> Event | None:
    """The event a watched row belongs to (a programme row's, through its training)."""
    if isinstance(obj, Event):
        return obj
    if isinstance(obj, ProgrammeItem):
        training = obj.training
        if training is None and obj.training_id is not None:
            training = session.get(Training, obj.training_id)
        return training.event if training is not None else None
    return obj.event


@sa_event.listens_for(Session, "after_flush")
def _renew_revisions(session: Session, _context) -> None:
    """A new token for each noted event, written after the flush's own statements."""
    events = session.info.pop(_CHANGED, None)
    ids = sorted({e.id for e in events or () if e.id is not None})
    if not ids:
        return
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(event_revision).values(
        [{"event_id": event_id, "token": uuid.uuid4().hex} for event_id in ids]
    )
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[event_revision.c.event_id], set_={"token": statement.excluded.token}
        )
    )


@sa_event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    """A rolled-back flush changed nothing: nothing to renew."""
    session.info.pop(_CHANGED, None)
