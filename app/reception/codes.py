"""Check-in codes of 研修会議Ⅱ participants (pure): what the QR code on a 卓上名札 and on the
team page carries, and what the reception desk reads back.

A code is ``KC-<member id>-<12 letters>``: the letters are an HMAC-SHA256 of the member id under
the application's secret key (base32, upper case). It is not the personal-link token, so
scanning a name card opens nobody's pages; it can be checked without a database lookup and made
for any member without storing anything. Upper-case letters, digits and hyphens only: a barcode
reader typing into a field in Japanese input mode sends them unchanged (NFKC folds full-width
ones back).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import unicodedata

PREFIX = "KC"
_SIGNATURE_LENGTH = 12
_PATTERN = re.compile(r"KC-(\d{1,10})-([A-Z2-7]{12})")


def _signature(key: bytes, member_id: int) -> str:
    digest = hmac.new(key, f"checkin:{member_id}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:_SIGNATURE_LENGTH]


def make_code(key: bytes, member_id: int) -> str:
    """The check-in code of a team member, e.g. ``KC-42-ABCDEFGHJK23``."""
    return f"{PREFIX}-{member_id}-{_signature(key, member_id)}"


def read_code(key: bytes, text: str) -> int | None:
    """The member id a scanned or typed code stands for; None when it is not one of ours or
    its letters do not match (a forged or mistyped code). Surrounding spaces, full-width
    characters and lower case are tolerated."""
    value = unicodedata.normalize("NFKC", text or "").strip().upper().replace("ー", "-")
    match = _PATTERN.fullmatch(value)
    if not match:
        return None
    member_id = int(match.group(1))
    if not hmac.compare_digest(match.group(2), _signature(key, member_id)):
        return None
    return member_id
