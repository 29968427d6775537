"""Check-in codes (pure): round trip, forgery, what a barcode reader in Japanese input mode types."""

import pytest

from app.reception.codes import make_code, read_code

KEY = b"test-secret"


def test_a_code_reads_back_as_its_member():
    code = make_code(KEY, 42)
    assert code.startswith("KC-42-")
    assert read_code(KEY, code) == 42


@pytest.mark.parametrize(
    "typed",
    [
        lambda c: f"  {c}\n",
        lambda c: c.lower(),
        lambda c: c.translate(
            {ord(ch): ord(ch) + 0xFEE0 for ch in "KC0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-"}
        ),
    ],
    ids=["spaces", "lower case", "full-width"],
)
def test_what_a_reader_types_is_tolerated(typed):
    assert read_code(KEY, typed(make_code(KEY, 7))) == 7


@pytest.mark.parametrize(
    "text",
    ["", "KC-42", "KC-43-" + "A" * 12, "https://example.jp/t/abc", "KC-42-ABCDEFGHIJKL"],
)
def test_a_forged_or_foreign_code_is_refused(text):
    assert read_code(KEY, text) is None


def test_another_key_makes_another_code():
    assert read_code(b"other", make_code(KEY, 42)) is None
