"""Absolute links for mails, built without a request (CLI, mail sender, services)."""

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """PUBLIC_BASE_URL + the endpoint's path, e.g. https://kenshu.example.jp/r/<token>."""
    adapter = current_app.url_map.bind("localhost")
    path = adapter.build(endpoint, values, force_external=False)
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path
