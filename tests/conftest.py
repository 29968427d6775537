"""Fixtures: every test runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL.

The schema is built by the migrations (never create_all), once per backend and test run, in a
database of its own (so parallel runs do not collide); rows are removed after each test, the
municipality master excepted.
"""

from __future__ import annotations

import os
import uuid
from datetime import timedelta

import pytest
from flask import g
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.config import TestConfig
from app.core.jpdates import now_utc

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
KEEP_TABLES = {"municipality", "alembic_version"}


def _upgrade(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        from app.core.municipalities import ensure_master

        ensure_master()
        from app.extensions import db

        db.engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    """A migrated, empty database (with the municipality master) for this run."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        _upgrade(url)
        yield url
        return
    base = make_url(os.environ["TEST_DATABASE_URL"]).set(drivername="postgresql+psycopg")
    name = f"kenshu_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        _upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def backend(database_url) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


def pytest_collection_modifyitems(items) -> None:
    """A test runs only on the backends its markers allow, skipped when collected (before its
    fixtures: a browser test's set-up alone takes seconds):
    - ``postgres_only`` (row locks, SKIP LOCKED): not on SQLite;
    - ``sqlite_only(reason)`` (a browser, a PDF's layout: nothing that depends on the
      database): once, on SQLite."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("database_url") if callspec is not None else None
        if backend == "sqlite" and item.get_closest_marker("postgres_only") is not None:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set TEST_DATABASE_URL)"))
        once = item.get_closest_marker("sqlite_only")
        if backend == "postgresql" and once is not None:
            item.add_marker(pytest.mark.skip(reason=once.args[0] if once.args else "SQLite only"))


@pytest.fixture
def app(database_url, tmp_path, request):
    """The app on the test database; CSRF stays on for tests marked ``csrf``."""
    overrides = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
    }
    if request.node.get_closest_marker("csrf"):
        overrides["WTF_CSRF_ENABLED"] = True
    app = create_app(TestConfig, **overrides)

    @app.before_request
    def _load_the_user_per_request():
        # Requests of the test client share the test's app context (and so ``g``), which a
        # served request never does: let Flask-Login load the user, and Flask-WTF the CSRF
        # token, from each request's own cookie.
        g.pop("_login_user", None)
        g.pop("csrf_token", None)

    with app.app_context():
        yield app
        _clean(app)


def _clean(app) -> None:
    from app.extensions import db

    db.session.remove()
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in KEEP_TABLES]
    # DELETE, not TRUNCATE: a test leaves a few rows, and TRUNCATE gives each of the ~40
    # tables new files (about 0.2 s a test on PostgreSQL, a few minutes of the suite); the
    # sequences start again at 1, as TRUNCATE … RESTART IDENTITY did.
    with db.engine.begin() as conn:
        for table in tables:
            conn.execute(table.delete())
        if conn.dialect.name == "postgresql":
            conn.execute(
                text(
                    "SELECT setval(c.oid, 1, false) FROM pg_class c"
                    " WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace"
                )
            )
    db.engine.dispose()


@pytest.fixture
def db(app):
    from app.extensions import db

    return db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_event(db):
    """make_event(weeks=None) → the FY2023 event, by default shifted so that registration is open."""
    from app.events.demo import demo_shift_weeks, seed_fy2023

    def make(weeks: int | None = None, **changes):
        event = seed_fy2023(demo_shift_weeks() if weeks is None else weeks)
        for key, value in changes.items():
            setattr(event, key, value)
        db.session.commit()
        return event

    return make


@pytest.fixture
def event(make_event):
    return make_event()


_counter = iter(range(1, 10**9))


@pytest.fixture
def make_person():
    """make_person(category="muni", **fields) → PersonData with a unique e-mail."""
    from app.registration.services.people import PersonData

    def make(category: str = "muni", **fields):
        n = next(_counter)
        defaults = {
            "name": f"山田 太郎{n}",
            "kana": "やまだ たろう",
            "email": f"person{n}@city.example.jp",
            "category": category,
            "municipality_code": "131016"
            if category == "muni"
            else ("130001" if category == "pref" else ""),
            "organisation": "" if category in ("muni", "pref") else "東京都医師会",
            "department": "高齢福祉課",
            "occupation": "保健師",
        }
        defaults.update(fields)
        return PersonData(**defaults)

    return make


@pytest.fixture
def make_registration(event, make_person):
    """make_registration(channel="webinar", category="muni", **fields) → Registration (committed)."""
    from app.registration.services.individual import register_for_training1

    def make(channel: str = "webinar", category: str = "muni", target_event=None, **fields):
        return register_for_training1(
            target_event or event, channel, make_person(category, **fields)
        )

    return make


@pytest.fixture
def make_team(event, make_person):
    """make_team(size=3, channel="t2_tokyo", municipality="011002") → Team (committed)."""
    from app.registration.services.teams import apply_team

    def make(size: int = 3, channel: str = "t2_tokyo", municipality: str = "011002", **kwargs):
        members = [make_person("muni", municipality_code=municipality)] + [
            make_person("kankei_dantai") for _ in range(size - 1)
        ]
        return apply_team(event, channel, municipality, members, **kwargs)

    return make


@pytest.fixture
def staff(db):
    """make a logged-in client: staff(role="secretariat") → test client with a session."""
    from app.core.auth import create_staff

    def login(client, role: str = "secretariat"):
        login_id = f"{role}-{next(_counter)}"
        create_staff(login_id, f"事務局 {role}", role, "correct horse battery")
        response = client.post(
            "/console/login", data={"login": login_id, "password": "correct horse battery"}
        )
        assert response.status_code == 302, response.text
        return client

    return login


@pytest.fixture
def close_channel(db):
    """close_channel(channel) moves its deadline one minute into the past."""

    def close(channel):
        channel.closes_at = now_utc() - timedelta(minutes=1)
        db.session.commit()

    return close


@pytest.fixture
def live_server(app):
    """The app served on a loopback port in a thread: yields its base URL (browser tests)."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def browser_page(live_server):
    """A Playwright page in Debian's chromium (headless; no browser download)."""
    if not os.path.exists("/usr/bin/chromium"):
        pytest.skip("Debian chromium is not installed (scripts/test.sh installs it)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=15_000)  # the retrying assertions wait as long as the actions

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
        page = context.new_page()
        page.set_default_timeout(15000)
        try:
            yield page
        finally:
            context.close()
            browser.close()
