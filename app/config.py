"""Configuration classes. Secrets and database URLs come from the instance folder or the environment."""

import os
import secrets
from pathlib import Path


class Config:
    """Defaults for every deployment; the embedded default is SQLite in ``instance/``."""

    SQLALCHEMY_DATABASE_URI: str | None = None  # filled in by create_app (instance path)
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    WTF_I18N_ENABLED = False
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # A plain form sends far less; views taking files declare their own limit (core.uploads).
    MAX_CONTENT_LENGTH = 1024 * 1024
    # Mail: without MAIL_SERVER, messages stay in the outbox and are printed to the log.
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_SENDER = "研修会議事務局 <no-reply@example.jp>"
    MAIL_MAX_ATTEMPTS = 12
    # True only when MAIL_SERVER supports SMTPUTF8: then addresses with non-ASCII characters
    # are accepted at the forms.
    MAIL_SMTPUTF8 = False
    # Absolute base of the links put into mails (e.g. https://kenshu.example.jp).
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"
    # Console sessions last a working day; the signed cookie is refused after that.
    PERMANENT_SESSION_LIFETIME = 10 * 60 * 60
    # Login attempts, counted atomically per client address (and per address and login):
    # nobody can lock a staff member out from another address. The counters live in
    # RATELIMIT_STORAGE_URI: memory:// (one process), redis://… when several processes serve.
    LOGIN_LIMITS = "10 per 15 minutes"
    LOGIN_LIMITS_PER_ADDRESS = "30 per 15 minutes"
    RATELIMIT_STORAGE_URI = "memory://"
    # 「個人ページのURLを再送」 on the 特設サイト: per client address, and per address asked for
    # (nobody can flood one inbox from many clients).
    RESEND_LINK_LIMITS = "5 per 15 minutes"
    RESEND_LINK_LIMITS_PER_ADDRESS = "3 per hour"
    RATELIMIT_HEADERS_ENABLED = False
    # Reverse proxies in front of the app (nginx: 1): their X-Forwarded-For gives the client.
    TRUSTED_PROXIES = 0
    UPLOAD_FOLDER: str | None = None  # default: instance/uploads
    # Processes laying out the booklets of a venue side by side in the 全卓の資料集 job
    # (app.groupwork.tables.pdf.venue_booklets; 1: all in the job's own thread).
    PDF_PROCESSES = 2
    # Seconds a worker reuses what a blank public form page is made of (the event's revision,
    # the channels' 受付中/満席) before asking the database again (core.blank_page.recent):
    # in a surge the form's GETs read nothing. The POST always decides by the current state.
    FORM_STATE_MAX_AGE = 1.0


class TestConfig(Config):
    """Settings of the test suite: CSRF off by default (one module turns it back on)."""

    TESTING = True
    WTF_CSRF_ENABLED = False
    SECRET_KEY = "test-only-secret-key"
    JOBS_IMMEDIATE = True  # background jobs run at once, inside the request (app.core.jobs)
    PDF_PROCESSES = 1  # one test spawns two (tests/groupwork/tables/test_pdf.py)
    PUBLIC_BASE_URL = "http://localhost"
    # Every page reads the state as it is; tests/core/test_blank_page_recent.py turns it on.
    FORM_STATE_MAX_AGE = 0


def load_or_create_secret_key(instance_path: str) -> str:
    """Return the instance's secret key, generating and storing one on first start.

    A fresh instance never runs with a fixed key: the key is 256 random bits kept in
    ``instance/secret_key`` (mode 0600) unless SECRET_KEY is set in the environment or
    ``instance/config.py``.
    """
    key_file = Path(instance_path) / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
