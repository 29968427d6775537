"""One way to page a console list (issue 12): ``?page=n`` in the URL, 100 rows a page, the
filters of the list kept in the links, no JavaScript.

``paginate(stmt)`` pages a SELECT in the database (one COUNT and one SELECT … LIMIT/OFFSET);
``paginate_list(items)`` pages rows already in memory (the questionnaire's free texts, computed
by the tabulation). Both give a ``Page`` that ``_macros.pager`` writes as 「前へ」「n / N ページ」
「次へ」. A page number past the end shows the last page with a Japanese note; a number that is
not a number, or below 1, shows the first page: never a 500.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, request, url_for
from sqlalchemy import Select, func, select

from app.extensions import db

DEFAULT_PAGE_SIZE = 100
MAX_PAGE = 1_000_000  # a hand-typed page number beyond this is read as the last page


def page_size() -> int:
    """Rows per page: ``CONSOLE_PAGE_SIZE`` of the config (100; the tests make it small)."""
    return int(current_app.config.get("CONSOLE_PAGE_SIZE", DEFAULT_PAGE_SIZE))


def requested_page(arg: str = "page") -> int:
    """The page asked for in the query string, 1-based; anything unusable → 1."""
    raw = request.args.get(arg, "")[:8]  # more digits than that is past any end anyway
    try:
        number = int(raw)
    except ValueError:  # "abc", "1e3", "²", "": the first page
        return 1
    return max(1, min(number, MAX_PAGE))


@dataclass
class Page:
    """One page of a list: its rows, where it is, and the links to the others."""

    items: Sequence[Any]
    number: int  # 1-based, already moved to the last page when asked past it
    size: int
    total: int
    asked: int  # the number in the URL (differs from ``number`` when past the end)
    arg: str = "page"
    endpoint: str | None = None
    view_args: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def out_of_range(self) -> bool:
        return self.asked > self.number

    @property
    def first(self) -> int:
        """Position (1-based) of the first row of this page in the whole list; 0 if empty."""
        return (self.number - 1) * self.size + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.number * self.size, self.total)

    def url(self, number: int) -> str:
        """This list at page ``number``, with every other argument of the request kept."""
        args = request.args.to_dict(flat=False)
        args.pop(self.arg, None)
        if number > 1:
            args[self.arg] = [str(number)]
        endpoint = self.endpoint or request.endpoint
        return url_for(endpoint, **(self.view_args or request.view_args or {}), **args)


def _bounds(total: int, size: int, asked: int) -> int:
    last = max(1, -(-total // size))
    return min(asked, last)


def paginate(stmt: Select, *, size: int | None = None, arg: str = "page", scalars: bool = True):
    """Page ``stmt`` (which must be ordered): one COUNT of the filtered rows, then one page.

    ``scalars=False`` returns rows (tuples) instead of the first entity of each row.
    """
    size = size or page_size()
    asked = requested_page(arg)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    number = _bounds(total or 0, size, asked)
    paged = stmt.offset((number - 1) * size).limit(size)
    result = db.session.execute(paged)
    items = result.scalars().all() if scalars else result.all()
    return Page(items=items, number=number, size=size, total=total or 0, asked=asked, arg=arg)


def paginate_list(items: Sequence[Any], *, size: int | None = None, arg: str = "page") -> Page:
    """Page rows already in memory (computed lists); same links and bounds as ``paginate``."""
    size = size or page_size()
    asked = requested_page(arg)
    number = _bounds(len(items), size, asked)
    start = (number - 1) * size
    return Page(
        items=list(items[start : start + size]),
        number=number,
        size=size,
        total=len(items),
        asked=asked,
        arg=arg,
    )
