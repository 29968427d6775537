"""Models of this half of groupwork."""

__all__: list[str] = []
