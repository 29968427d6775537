"""Reception on the day (研修会議Ⅱ venues) and the webinar's attendance: check-in codes on the
卓上名札 and the team page, the desk screen, the 受付名簿, and the attendance report import.

``init_app`` registers the console and connects the feature to the packages below it without
their importing it: the team page's section (the QR code), the name cards' code, and the
attendance counts of the dashboard's 参加人数（当日参加者数）.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from app.reception.console import init_app as init_console

    init_console(app)
