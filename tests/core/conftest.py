"""Fixtures of the core tests: a real SMTP server (aiosmtpd) on a free loopback port."""

from __future__ import annotations

import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    """A loopback port nobody listens on (the OS picks it; closed again at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPSink:
    """An SMTP server on 127.0.0.1 that keeps every message it receives, parsed.

    ``start()`` and ``stop()`` may be called more than once on the same port, so a test can
    show a server that is down and then comes back.
    """

    def __init__(self, port: int):
        self.port = port
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        with self._lock:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"

    def start(self) -> SMTPSink:
        if self._controller is None:
            self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
            self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def use_in(self, app) -> SMTPSink:
        """Point the app's mail settings at this server (the ``app`` fixture takes none)."""
        app.config["MAIL_SERVER"] = "127.0.0.1"
        app.config["MAIL_PORT"] = self.port
        return self


@pytest.fixture
def smtp_server(app):
    """A running SMTP server on a free loopback port, already set in ``app.config``."""
    sink = SMTPSink(free_port()).use_in(app).start()
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture
def smtp_down(app):
    """An SMTP server that is not (yet) running; ``.start()`` brings it up on the same port."""
    sink = SMTPSink(free_port()).use_in(app)
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture
def max_age(app, monkeypatch):
    """FORM_STATE_MAX_AGE = 60 s (production: 1 s; the tests otherwise 0), the kept pages and
    what they are made of forgotten, and a clock the test moves: ``max_age.later(seconds)``
    (core.blank_page.recent)."""
    from app.core import blank_page

    app.config["FORM_STATE_MAX_AGE"] = 60
    with app.app_context():
        blank_page.forget()
    clock = [1000.0]
    monkeypatch.setattr(blank_page.time, "monotonic", lambda: clock[0])

    class Clock:
        @staticmethod
        def later(seconds: float) -> None:
            clock[0] += seconds

    return Clock
