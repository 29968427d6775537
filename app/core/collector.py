"""Python's cycle collector paused around work that makes a great many objects at once."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """The cycle collector off for the block: while WeasyPrint lays out a long document (its
    hundreds of thousands of boxes; 0.4–1.5 s of the 7 s of a venue's booklets) or a bulk of
    answers is read (some 200,000 containers for 100,000 rows; about half of the read's CPU),
    every full collection on the way walks them again (docs/performance.md). Memory is still
    freed by reference counting meanwhile; the collector runs again afterwards if it was
    enabled (another thread doing the same at once leaves it enabled at worst)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
