"""Normalisation of what people type (pure): NFKC, katakana, e-mail, phone."""

import re
import unicodedata

_HYPHENS = "‐‑‒–—―−ｰーｰ－"
_SPACES = re.compile(r"\s+")


def normalise_text(value: str | None) -> str:
    """NFKC (full-width digits and letters to half-width, half-width kana to full-width),
    trimmed, inner runs of white space folded to one space."""
    if value is None:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", value)).strip()


def to_katakana(value: str | None) -> str:
    """ふりがな to カタカナ: hiragana become katakana; half-width kana become full-width."""
    text = normalise_text(value)
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
