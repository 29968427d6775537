"""Secret link tokens (personal pages, 書記 links)."""

import secrets


def new_token() -> str:
    """A secret link token: 32 random bytes (256 bits), URL-safe."""
    return secrets.token_urlsafe(32)
