"""When a driver is rising: clearly more calls this period than usual, and enough to matter. Usual is
the mean of the periods before (BASELINE_PERIODS of them): one quiet week before is no baseline."""

from __future__ import annotations

from collections.abc import Sequence

MIN_CALLS = 10  # fewer calls this period than this say nothing, however the ratio looks
RISE = 1.5  # this period against the usual (a driver new this period rises from one call a period)
BASELINE_PERIODS = 3


def is_rising(this_period: int, earlier_periods: Sequence[int]) -> bool:
    usual = sum(earlier_periods) / len(earlier_periods) if earlier_periods else 0.0
    return this_period >= MIN_CALLS and this_period >= RISE * max(usual, 1.0)
