"""What people type (pure): kept as typed for display, normalised only for matching.

- ``as_typed``: names, 所属, 部署名 … as the person typed them (塚 U+FA10, the full-width space,
  「（架空）」 kept); only half-width katakana become full-width.
- ``matching_key``: the one key every search of people and places compares (NFKC widths and
  compatibility ideographs, no spaces, hiragana as katakana, ヶ／ケ／が… of place names as one).
- ``normalise_email`` / ``normalise_phone``: the stored forms of addresses and numbers.
"""

import re
import unicodedata

_HYPHENS = "‐‑‒–—―−ｰーｰ－"
_SPACES = re.compile(r"\s+")
_HALF_WIDTH_KANA = re.compile(r"[\uff61-\uff9f]+")
# The small-ke of place names, and what people type for it: 鎌ケ谷・鎌ヶ谷・鎌が谷, 関ケ原・関ヶ原,
# 七ヶ宿・七ケ宿 (the 総務省 list writes some with ケ, others with ヶ).
_KE_VARIANTS = str.maketrans(
    {"ヶ": "ケ", "ヵ": "ケ", "ゖ": "ケ", "ゕ": "ケ", "ガ": "ケ", "が": "ケ"}
)
SEARCH_KEY_SEPARATOR = "|"


def as_typed(value: str | None) -> str:
    """Text for display as the person typed it: trimmed at both ends; half-width katakana
    (ｻﾄｳ) become full-width (サトウ). Everything else is kept: CJK compatibility ideographs such as
    塚 U+FA10 (chosen on purpose in names; NFKC would make them 塚 U+585A), the full-width space
    between family and given name, full-width brackets 「（架空）」 and digits."""
    if value is None:
        return ""
    text = _HALF_WIDTH_KANA.sub(lambda m: unicodedata.normalize("NFKC", m.group()), value)
    return text.strip()


def matching_key(value: str | None) -> str:
    """The key searches compare, never shown: NFKC (widths; 塚 U+FA10 as 塚 U+585A), case-folded,
    without any white space, hiragana as katakana, and ヶ・ヵ・ケ・が・ガ as one letter. A query
    matches when its key is contained in the key of the text (``search_key``)."""
    if not value:
        return ""
    text = unicodedata.normalize("NFKC", value).casefold()
    text = _SPACES.sub("", text)
    text = "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)
    return text.translate(_KE_VARIANTS)


def search_key(*values: str | None) -> str:
    """One stored key for several fields (氏名, ふりがな, メール, 所属 …), separated so that a query
    never matches across two of them."""
    return SEARCH_KEY_SEPARATOR.join(matching_key(v) for v in values)


def normalise_text(value: str | None) -> str:
    """NFKC (full-width digits and letters to half-width, half-width kana to full-width),
    trimmed, inner runs of white space folded to one space."""
    if value is None:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", value)).strip()


def to_katakana(value: str | None) -> str:
    """ふりがな to カタカナ: hiragana become katakana; half-width kana become full-width; spaces
    as typed (``as_typed``)."""
    text = as_typed(value)
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)


def normalise_email(value: str | None) -> str:
    """NFKC (＠ → @, full-width letters), trimmed, lower-cased: the key of duplicate checks."""
    return normalise_text(value).replace(" ", "").lower()


def normalise_phone(value: str | None) -> str:
    """Digits and ASCII hyphens only; every dash-like character becomes '-'."""
    text = unicodedata.normalize("NFKC", value or "").strip()
    text = "".join("-" if c in _HYPHENS else c for c in text)
    return re.sub(r"[^0-9\-+]", "", text)


# Control characters a person cannot mean to type: C0 controls and DEL, except tab, newline and
# carriage return, which a multi-line field keeps (issue 8 §2; the forms refuse the rest).
CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
