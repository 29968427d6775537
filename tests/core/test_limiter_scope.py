"""Flask-Limiter's check before every request runs only while a limit applies beyond its own
routes (``app._limit_routes_only``; issue 12): a default limit set by configuration still
limits every page, and the routes' own limits (the login) still apply without it."""

from __future__ import annotations

import pytest

from app import create_app
from app.config import TestConfig
from app.extensions import db, limiter


@pytest.fixture
def limited_app(database_url, tmp_path):
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=database_url,
        UPLOAD_FOLDER=str(tmp_path / "uploads"),
        RATELIMIT_DEFAULT="3 per minute",
    )
    yield app
    with app.app_context():  # its own engine: its connections closed, as the app fixture's
        db.session.remove()
        db.engine.dispose()
    # The limiter is one object for every app of the process: its default limit goes with
    # this test (Flask-Limiter keeps a default once set).
    limiter.limit_manager.set_default_limits([])
    limiter.reset()


def test_a_default_limit_from_the_configuration_still_limits_every_page(limited_app, event):
    client = limited_app.test_client()
    statuses = [
        client.get("/", environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code for _ in range(4)
    ]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3] == 429


def test_without_a_shared_limit_only_the_limited_routes_ask_the_limiter(
    app, client, event, monkeypatch
):
    """The public pages never ask Flask-Limiter which limits apply (its hook, about 5 % of a
    registration's CPU, is not run); the login, whose limits its decorators hold, still does."""
    asked: list[str] = []
    manager = limiter.limit_manager
    resolve = manager.resolve_limits
    monkeypatch.setattr(
        manager,
        "resolve_limits",
        lambda app_, endpoint=None, *a, **k: (
            asked.append(endpoint) or resolve(app_, endpoint, *a, **k)
        ),
    )
    for path in ("/", "/register", "/team/apply"):
        assert client.get(path, environ_base={"REMOTE_ADDR": "198.51.100.8"}).status_code == 200
    assert asked == []
    client.post("/console/login", data={"login": "nobody", "password": "x"})
    assert asked  # the login's own limits are checked
