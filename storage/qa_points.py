"""A QA score from points: shared by reviews people write (storage/qa.py) and automatic ones
(storage/qa_auto.py), so both count alike."""

from __future__ import annotations

from collections.abc import Iterable


def weighted_points(parts: Iterable[tuple[float, int, int]]) -> float:
    """0-100 from (weight, points, max_points) per criterion scored: each one's share, weighted."""
    parts = list(parts)
    total = sum(weight for weight, _, _ in parts)
    return round(100 * sum(weight * points / most for weight, points, most in parts) / total, 1)
