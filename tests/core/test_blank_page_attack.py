"""Attacks on the kept blank form pages (app/core/blank_page.py, issue 12).

Each test fails on the code as committed and says what a visitor gets; what was tried and
found sound is listed in the report of the attack, not tested here twice.
"""

from __future__ import annotations

import pytest

from tests.core.test_blank_page import Renders

pytestmark = pytest.mark.csrf


@pytest.mark.parametrize("channel", ["webinar", "youtube"])
def test_head_answers_with_the_headers_of_the_get(app, event, channel):
    """A HEAD of the 特設サイト's 「…で申し込む」 link (``/register?channel=…``: link checkers,
    uptime monitors, a cache revalidating) is told a Content-Length other than the page the GET
    of the same URL sends: ``register`` takes its blank-page branch for ``GET`` only, so a HEAD
    runs the POST branch, which ignores ``?channel=`` (the radio is not ``checked``) and renders
    the whole page afresh on every HEAD, never from the kept copy. HTTP requires a HEAD to
    answer with the GET's headers."""
    path = f"/register?channel={channel}"
    get = app.test_client().get(path)
    head = app.test_client().head(path)
    assert get.status_code == head.status_code == 200
    assert head.headers["Content-Length"] == get.headers["Content-Length"]


@pytest.mark.parametrize("path", ["/register", "/team/apply"])
def test_made_up_host_headers_do_not_throw_away_everyones_kept_page(app, event, path):
    """Anyone can switch the kept pages off: ``serve`` keys a page by ``request.host`` (which
    the page never shows: every link is relative) and empties the whole store once it holds 64
    pages. nginx as docs/deploy.md sets it up passes any ``Host`` to the app (its one
    ``server`` is the default), so 64 GETs with made-up hosts make the next ordinary visitor's
    GET write the 100 KB page again — at the surge the store exists for, over and over."""
    client = app.test_client()
    client.get(path)
    with Renders(app) as renders:
        assert client.get(path).status_code == 200
    assert not renders.names  # kept, as intended
    for n in range(64):
        assert client.get(path, headers={"Host": f"x{n}.example"}).status_code == 200
    with Renders(app) as renders:
        assert client.get(path).status_code == 200
    assert not renders.names, "the ordinary visitor's page was written again"
