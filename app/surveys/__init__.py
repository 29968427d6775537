"""Feature package: see models.py, views.py and the pure modules."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprints and console navigation."""
