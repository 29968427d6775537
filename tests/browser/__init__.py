"""End-to-end tests in Debian chromium, and the helper they read pages with."""

from __future__ import annotations


def shows(page, text: str, timeout: float = 15_000) -> None:
    """Wait until ``page``'s body contains ``text``; fail after ``timeout`` ms.

    A click that submits a form or follows a link returns once the navigation has started, not
    when the new page is there: ``page.content()`` read at that moment gives the old page or an
    empty document (CI once read ``''`` after a link to the questionnaire). Playwright's retrying
    assertion reads the page until the text is there. ``tests/browser/test_reading_pages.py``
    refuses a ``.content()`` read after a click with no wait in between.
    """
    from playwright.sync_api import expect

    expect(page.locator("body")).to_contain_text(text, timeout=timeout)
