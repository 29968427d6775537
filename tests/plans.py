"""The rows each statement of a request reads, from PostgreSQL's own plans (issue 12).

``RowsRead(engine)`` loads ``auto_explain`` into every connection the engine opens while it is
active (``LOAD`` needs a superuser: the test database's ``postgres``), with ``log_analyze`` and
its JSON plans sent to the client as notices, and records each executed statement's plan. On
exit it drops those connections (``engine.dispose()``), so no later test runs with it.

``reads()`` gives, per statement and per table scan (``Seq Scan``, ``Index Scan``, ``Bitmap
Heap Scan``…), the rows the scan read: those it returned and those its filter removed, over
all its loops. A statement whose reads grow with the table (a scan where an index lookup was
meant) shows as a scan that read the rows it was not looking for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.engine import Engine

SETTINGS = (
    "LOAD 'auto_explain'",
    "SET auto_explain.log_min_duration = 0",
    "SET auto_explain.log_analyze = on",
    "SET auto_explain.log_timing = off",
    "SET auto_explain.log_format = json",
    "SET auto_explain.log_level = notice",
)


@dataclass(frozen=True)
class Scan:
    statement: str  # the statement's text, whitespace folded
    node: str  # "Seq Scan", "Index Scan", …
    table: str
    index: str | None
    rows_read: int  # returned and removed by filters, all loops

    def __str__(self) -> str:
        via = f" via {self.index}" if self.index else ""
        return f"{self.node} on {self.table}{via}: {self.rows_read} rows · {self.statement[:120]}"


class RowsRead:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.plans: list[tuple[str, dict]] = []

    def _connect(self, dbapi_connection, record):
        with dbapi_connection.cursor() as cursor:
            for setting in SETTINGS:
                cursor.execute(setting)
        dbapi_connection.add_notice_handler(self._notice)

    def _notice(self, diagnostic) -> None:
        text = diagnostic.message_primary or ""
        if not text.startswith("duration:") or "{" not in text:
            return
        plan = json.loads(text[text.index("{") :])
        self.plans.append((" ".join(plan.get("Query Text", "").split()), plan["Plan"]))

    def __enter__(self) -> RowsRead:
        if self.engine.dialect.name != "postgresql":
            raise RuntimeError("RowsRead reads PostgreSQL's plans")
        self.engine.dispose()  # every connection from here on is opened with auto_explain
        event.listen(self.engine, "connect", self._connect)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "connect", self._connect)
        self.engine.dispose()

    def reads(self) -> list[Scan]:
        scans: list[Scan] = []
        for statement, plan in self.plans:
            _walk(statement, plan, scans)
        return scans


def _walk(statement: str, node: dict, scans: list[Scan]) -> None:
    if "Relation Name" in node:
        loops = node.get("Actual Loops", 1)
        per_loop = (
            node.get("Actual Rows", 0)
            + node.get("Rows Removed by Filter", 0)
            + node.get("Rows Removed by Index Recheck", 0)
        )
        if node["Node Type"] not in ("ModifyTable",):
            scans.append(
                Scan(
                    statement,
                    node["Node Type"],
                    node["Relation Name"],
                    node.get("Index Name"),
                    round(per_loop * loops),
                )
            )
    for child in node.get("Plans", ()):
        _walk(statement, child, scans)
