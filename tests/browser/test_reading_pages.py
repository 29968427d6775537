"""Every end-to-end test reads a page only once it is there.

A Playwright ``click()`` (or ``press()``, ``check()``, …) that submits a form or follows a link
returns when the navigation has started; ``page.content()`` read at that moment gives the old
page or an empty document. CI failed once that way (``assert 'プレビュー中' in ''`` after the
link to the questionnaire's preview). The fix of the kind is to read with a retrying assertion
(``tests.browser.shows`` or Playwright's ``expect``) or to wait for the new URL first.

This sweep parses every test module, so a test added later is covered: after an action, a read
that does not retry (``page.content()``, a locator's ``inner_text()``, ``is_visible()``,
``count()``, ``input_value()``, …) must come after a wait (``wait_for_url``, ``wait_for``,
``wait_for_load_state``, ``expect(...)``, ``shows(...)``, ``goto``) in the same block.
No browser is needed to run it. Not covered: ``page.url`` and ``page.evaluate(…)`` (a
focus moved by Tab is read that way right after the key, with no navigation), reads and
actions inside helper functions called from the test, and a loop's next pass.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]

# Playwright calls that may start a navigation and return before it ends.
ACTIONS = {"click", "dblclick", "press", "check", "uncheck", "select_option", "tap"}
# Calls that read the page as it is at that moment, with no retry: on the page itself …
PAGE_READS = {"content", "title"}
# … and on a locator (``page.get_by_text(…).is_visible()``, ``rows.nth(0).inner_text()``).
LOCATOR_READS = {
    "inner_text",
    "inner_html",
    "text_content",
    "all_inner_texts",
    "all_text_contents",
    "input_value",
    "get_attribute",
    "count",
    "is_visible",
    "is_hidden",
    "is_checked",
}
# The calls that make a locator.
LOCATORS = {"locator", "nth", "filter", "get_by_role", "get_by_text", "get_by_label"}
LOCATORS |= {"get_by_placeholder", "get_by_test_id", "get_by_title", "get_by_alt_text"}
# Calls after which the page that is read is the page that was waited for.
WAITS = {
    "wait_for_url",
    "wait_for",
    "wait_for_load_state",
    "wait_for_selector",
    "expect_navigation",
    "expect",
    "shows",
    "goto",
    "reload",
}


def _makes_a_locator(node: ast.AST, held: frozenset[str] = frozenset()) -> bool:
    """Whether the receiver chain ``node`` (``page.locator("x").nth(0)``) calls a locator
    factory or starts at a name ``held`` a locator (``rows`` after ``rows =
    page.locator(…)``), as opposed to ``func`` in ``func.count()``."""
    while isinstance(node, ast.Call | ast.Attribute):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in LOCATORS:
                return True
            node = func
        else:
            node = node.value
    return isinstance(node, ast.Name) and node.id in held


def _held_locators(tree: ast.AST) -> frozenset[str]:
    """The names a module assigns a locator to (``rows = page.locator("tbody tr")``)."""
    return frozenset(
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and _makes_a_locator(node.value)
        for target in node.targets
        if isinstance(target, ast.Name)
    )


def _calls(node: ast.AST, held: frozenset[str] = frozenset()) -> list[tuple[str, int]]:
    """The calls in ``node`` in source order, as (kind, line): kind is "action", "wait",
    "read" or "other"."""
    calls = [n for n in ast.walk(node) if isinstance(n, ast.Call)]
    calls.sort(key=lambda n: (n.lineno, n.col_offset))
    found = []
    for call in calls:
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in WAITS:
            kind = "wait"
        elif name in ACTIONS:
            kind = "action"
        elif isinstance(func, ast.Attribute) and (
            (name in PAGE_READS and isinstance(func.value, ast.Name))
            or (name in LOCATOR_READS and _makes_a_locator(func.value, held))
        ):
            kind = "read"
        else:
            kind = "other"
        found.append((kind, call.lineno))
    return found


def _reads_after_actions(tree: ast.AST) -> list[int]:
    """Line numbers of reads of the page that follow an action with no wait between them,
    looking along each block of statements."""
    found = set()
    held = _held_locators(tree)
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if not isinstance(block, list) or not block or not isinstance(block[0], ast.stmt):
                continue
            pending = False  # an action with no wait after it yet
            for stmt in block:
                if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    continue
                if _waits_around(stmt):
                    # ``with page.expect_navigation(): ….click()``: the block ends when the
                    # new page is there (its own reads inside are looked at as a block).
                    pending = False
                    continue
                for kind, line in _calls(stmt, held):
                    if kind == "wait":
                        pending = False
                    elif kind == "action":
                        pending = True
                    elif kind == "read" and pending:
                        found.add(line)
    return sorted(found)


def _waits_around(stmt: ast.stmt) -> bool:
    """Whether ``stmt`` is a ``with`` block whose context manager waits for what the block
    starts (``page.expect_navigation()``, ``expect_response``, ``expect_popup``)."""
    if not isinstance(stmt, ast.With | ast.AsyncWith):
        return False
    return any(
        isinstance(item.context_expr, ast.Call)
        and isinstance(item.context_expr.func, ast.Attribute)
        and item.context_expr.func.attr.startswith("expect_")
        for item in stmt.items
    )


def test_no_page_is_read_between_a_click_and_its_new_page():
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        if "vendor" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        offenders += [f"{path.relative_to(TESTS)}:{line}" for line in _reads_after_actions(tree)]
    assert offenders == [], (
        "a page read right after a click may be the old page or an empty one; "
        "use tests.browser.shows(page, text) or wait for the URL first: " + ", ".join(offenders)
    )


def test_the_sweep_finds_the_read_that_failed_in_ci():
    """The sweep itself: CI's failing lines are found, and a wait in between clears them."""
    failing = """
def test_x(page):
    page.get_by_role("link", name="参加者アンケート").first.click()
    assert "プレビュー中" in page.content()
"""
    assert _reads_after_actions(ast.parse(failing)) == [4]
    waited = failing.replace("    assert", '    page.wait_for_url("**/survey/**")\n    assert', 1)
    assert _reads_after_actions(ast.parse(waited)) == []
    in_a_loop = """
for row in rows:
    page.get_by_role("button", name="保存する").click()
    x = 1
    assert "変更しました" in page.content()
"""
    assert _reads_after_actions(ast.parse(in_a_loop)) == [5]
    a_locator_read = """
page.get_by_role("button", name="2行目を上へ").click()
assert page.locator("tbody tr").nth(0).inner_text() == title
assert db.session.scalar(select(func.count())) == 0
"""
    assert _reads_after_actions(ast.parse(a_locator_read)) == [3]
    held_and_waited = """
rows = page.locator("tbody tr")
page.get_by_role("button", name="上へ").click()
assert rows.count() == 2
with page.expect_navigation():
    page.get_by_role("button", name="保存する").click()
assert "変更しました" in page.content()
"""
    assert _reads_after_actions(ast.parse(held_and_waited)) == [4]
