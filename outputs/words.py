"""Small helpers that put numbers into words the same way on every page and report."""

from __future__ import annotations


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 row``, ``2 rows``, ``0 rows``; ``many`` for irregular plurals (``"copies"``)."""
    return f"{n:,} {word if n == 1 else many or word + 's'}"
