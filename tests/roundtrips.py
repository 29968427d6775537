"""Counting database round trips of one request (issue 12): what PostgreSQL is asked, in order.

``RoundTrips(engine)`` listens to the engine while it is active and records, per request:
- ``ping``: a pool pre-ping at checkout (when the engine has ``pool_pre_ping``),
- ``BEGIN``: the driver opens a transaction lazily, at the first statement after a begin,
- every statement (``before_cursor_execute``, with its SQL),
- ``COMMIT`` / ``ROLLBACK`` of a transaction that ran a statement (the driver skips an idle one).

The count is what the driver sends, one round trip each (psycopg 3, no pipeline mode).
"""

from __future__ import annotations

import re

from sqlalchemy import event
from sqlalchemy.engine import Engine


class RoundTrips:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.calls: list[str] = []
        self._open: dict[int, bool] = {}  # connection id → a statement ran in this transaction

    # ------------------------------------------------------------ listeners

    def _checkout(self, dbapi_connection, record, proxy):
        if getattr(self.engine.pool, "_pre_ping", False):
            self.calls.append("ping")

    def _begin(self, conn):
        self._open[id(conn)] = False

    def _execute(self, conn, cursor, statement, parameters, context, executemany):
        if self._open.get(id(conn)) is False:
            self.calls.append("BEGIN")
            self._open[id(conn)] = True
        self.calls.append(" ".join(statement.split()))

    def _end(self, word):
        def listener(conn):
            if self._open.pop(id(conn), False):
                self.calls.append(word)

        return listener

    def __enter__(self) -> RoundTrips:
        self._listeners = [
            (self.engine.pool, "checkout", self._checkout),
            (self.engine, "begin", self._begin),
            (self.engine, "before_cursor_execute", self._execute),
            (self.engine, "commit", self._end("COMMIT")),
            (self.engine, "rollback", self._end("ROLLBACK")),
        ]
        for target, name, fn in self._listeners:
            event.listen(target, name, fn)
        return self

    def __exit__(self, *exc):
        for target, name, fn in self._listeners:
            event.remove(target, name, fn)

    # ------------------------------------------------------------ questions

    def __len__(self) -> int:
        return len(self.calls)

    def statements(self) -> list[str]:
        return [c for c in self.calls if c not in ("ping", "BEGIN", "COMMIT", "ROLLBACK")]

    def takes_a_lock(self, table: str = "channel") -> bool:
        """True when a statement locks a row of ``table``: an UPDATE of it, or FOR UPDATE."""
        update = re.compile(rf"^UPDATE {table}\b", re.IGNORECASE)
        return any(update.search(s) or "FOR UPDATE" in s.upper() for s in self.statements())

    def __str__(self) -> str:
        return "\n".join(f"{i + 1:2}. {c[:160]} … {c[-60:]}" for i, c in enumerate(self.calls))
