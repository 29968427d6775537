"""プレビュー (issue 10 §2): staff try every participant page before it opens; what they send
there is a test, kept out of every count, list, export and tabulation.

One mechanism, not one filter per query (docs/preview.md):

- ``TestMarked``: the ``is_test`` column of every table of participant data (registrations,
  waiting-list entries, teams and members, 資料２・３・４, uploads, questionnaire answers, the
  outbox and the audit rows a preview writes).
- ``_exclude_tests``: a ``do_orm_execute`` listener adds ``is_test IS false`` for every
  ``TestMarked`` entity of every ORM select (joins, subqueries and relationship loads
  included), unless the statement says ``include_tests=True`` (the テスト送信 page) or the
  request is a participant page in preview mode (the staff member sees the pages of the
  rows just sent). ``include_tests=False`` excludes tests even then (seats: a test never
  takes a real seat).
- ``_mark_tests``: a ``before_flush`` listener marks every ``TestMarked`` row created by a
  participant page in preview mode as a test, whatever service created it.

Preview mode: a session flag set from the console by a logged-in 事務局・管理者
(``switch_on``/``switch_off``, audited by the caller); it applies to participant pages only,
never to /console, and only while that staff member is logged in.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import has_request_context, request, session
from flask_login import current_user
from sqlalchemy import Boolean, event, false, inspect
from sqlalchemy.orm import (
    MANYTOONE,
    Mapped,
    ORMExecuteState,
    Session,
    mapped_column,
    object_session,
    with_loader_criteria,
)

from app.core.db import execute_compiled

PREVIEW_KEY = "preview_event_id"
# Execution option: True = tests too (テスト送信 page), False = never tests (seats).
INCLUDE_TESTS = "include_tests"
PREVIEW_ROLES = ("secretariat",)  # 事務局 (管理者 always passes)
# Paths that are never participant pages.
_NOT_PARTICIPANT = ("/console", "/static", "/staff", "/api")


class TestMarked:
    """Mixin of participant data: ``is_test`` rows come from a preview and are excluded from
    every ORM select unless asked for (module docstring)."""

    __test__ = False  # not a pytest test class

    is_test: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    # The テスト送信 page: the table's Japanese name, and the participant page of a row (an
    # endpoint taking the row's ``token``), if it has one.
    TEST_LABEL = ""
    TEST_ENDPOINT = ""

    @property
    def test_time(self):
        """When the row was made (the first time attribute it has), for the list."""
        for attr in ("created_at", "submitted_at", "uploaded_at", "updated_at"):
            value = getattr(self, attr, None)
            if value is not None:
                return value
        return None

    @property
    def test_summary(self) -> str:
        """Who or what the row is, for the テスト送信 list (the first attributes it has)."""
        parts = []
        for attr in ("name", "email", "to_addr", "subject", "original_name", "channel"):
            value = getattr(self, attr, None)
            if isinstance(value, str) and value:
                parts.append(value)
        return "　".join(parts[:3])

    def test_cleanup(self) -> Callable[[], None] | None:
        """What to do once the row's deletion is committed (an upload removes its file);
        computed while the row is still loaded."""
        return None


def preview_event_id() -> int | None:
    """The event whose preview the session switched on (None: off)."""
    value = session.get(PREVIEW_KEY) if has_request_context() else None
    return value if isinstance(value, int) else None


def staff_may_preview() -> bool:
    """A logged-in 事務局・管理者 (anyone else never sees a preview)."""
    return bool(
        getattr(current_user, "is_authenticated", False) and current_user.can(*PREVIEW_ROLES)
    )


def is_on() -> bool:
    """True on a participant page of a request whose session switched preview on and whose
    staff member is logged in; False outside requests, on the console, and for the public."""
    if not has_request_context():
        return False
    # Cached on the request (not ``g``: the test client shares one app context).
    cached = getattr(request, "_preview_on", None)
    if cached is not None:
        return cached
    request._preview_on = False  # loading the user runs a query: no recursion via the listener
    on = (
        preview_event_id() is not None
        and not request.path.startswith(_NOT_PARTICIPANT)
        and staff_may_preview()
    )
    request._preview_on = on
    return on


def switch_on(event_id: int) -> None:
    """Preview mode for this session (the caller checks the role and audits)."""
    session[PREVIEW_KEY] = event_id
    request._preview_on = None


def switch_off() -> None:
    session.pop(PREVIEW_KEY, None)
    request._preview_on = None


def test_models() -> list[type]:
    """Every mapped class with ``is_test``, from the model registry (so a table added later is
    listed and deleted without anyone naming it)."""
    from app.extensions import db

    return sorted(
        (m.class_ for m in db.Model.registry.mappers if issubclass(m.class_, TestMarked)),
        key=lambda cls: cls.__tablename__,
    )


def execute_as_written(statement, params: dict | None = None):
    """Run a hand-built statement that leaves test rows out by itself (``is_test`` written
    in it) on the session's connection, without the ORM's execution: no preview filter, no
    autoflush (the caller has nothing pending, or wants nothing flushed apart: the seat
    statements take the pending rows out first), no ORM result: about 0.2 ms of CPU less per
    statement than ``db.session.execute`` on the surge's path, and on PostgreSQL the SQL
    compiled once per process (``core.db.execute_compiled``; issue 12, performance.md).
    ``statement`` is built once per process by its caller. Returns a ``RowsResult``."""
    from app.extensions import db

    return execute_compiled(db.session.connection(), statement, params or {})


def _not_test(cls):
    return cls.is_test.is_(False)


@functools.cache
def _exclude_tests_option():
    """The ``is_test IS false`` criteria of every ``TestMarked`` entity, built once per process
    (issue 12: building it ran on every ORM select of every request); the same option object
    on each statement, which SQLAlchemy's statement cache keys alike."""
    return with_loader_criteria(TestMarked, _not_test, include_aliases=True)


@event.listens_for(Session, "do_orm_execute")
def _exclude_tests(state: ORMExecuteState) -> None:
    if not state.is_select or state.is_column_load:
        return
    include = state.execution_options.get(INCLUDE_TESTS)
    if include is True or (include is None and is_on()):
        return
    parent = state.lazy_loaded_from  # a relationship of a row already loaded
    if parent is not None and getattr(parent.obj(), "is_test", False):
        return  # a test row's own members, answers and files come with it
    state.statement = state.statement.options(_exclude_tests_option())


@event.listens_for(Session, "before_flush")
def _mark_tests(session_: Session, _context, _instances) -> None:
    if not is_on():
        return
    with session_.no_autoflush:
        for obj in session_.new:
            if isinstance(obj, TestMarked) and not _belongs_to_real_row(obj):
                obj.is_test = True


def _belongs_to_real_row(obj: TestMarked) -> bool:
    """True when a row made on a preview page is part of a real participant's data (a real
    team's 資料２ saved from the member's own link): it stays real, as its parent, so that a
    unique one-per-parent row is never hidden from its owner. A row of a test parent, or with
    no parent of participant data, is a test."""
    for rel in inspect(type(obj)).relationships:
        if rel.direction is not MANYTOONE or not issubclass(rel.mapper.class_, TestMarked):
            continue
        parent = getattr(obj, rel.key)
        if parent is None and len(rel.local_remote_pairs) == 1:
            # Only the foreign key was set (``team_id=…``): the parent by its key.
            local, _remote = rel.local_remote_pairs[0]
            key = getattr(obj, inspect(type(obj)).get_property_by_column(local).key, None)
            parent = object_session(obj).get(rel.mapper.class_, key) if key is not None else None
        if parent is not None and parent.is_test is False:
            return True
    return False


def init_app(app) -> None:
    """The banner's flag for every template (base.html shows it on participant pages)."""

    @app.context_processor
    def _preview():
        return {"preview_on": is_on()}
