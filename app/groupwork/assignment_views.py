"""Views of this half of groupwork."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register blueprints, console navigation and team-page sections."""
