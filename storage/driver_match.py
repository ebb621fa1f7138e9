"""A discovered driver (theme) and which one a call belongs to: shared by discovery, which makes
themes, and saving a call, which files it under the themes already known."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

# A call joins a theme when it shares a pair of words said together with it, or MIN_MATCHED single
# words: two loose words ("account", "husband") are said on calls about anything.
MIN_MATCHED = 3


@dataclass(frozen=True, slots=True)
class Theme:
    id: str
    language: str
    name: str
    keys: tuple[str, ...]  # the theme's keyphrases, most said first
    phrases: tuple[str, ...]  # the same, as customers said them
    weights: tuple[float, ...]  # how telling each key is (inverse call frequency)
    call_ids: tuple[str, ...]


def joins(shared: Collection[str]) -> bool:
    """Enough of a theme's keyphrases for a call to be about it."""
    return len(shared) >= MIN_MATCHED or any(" " in k for k in shared)


def best_theme(keys: frozenset[str], themes: Sequence[Theme]) -> Theme | None:
    """The theme whose keyphrases the call shares most (weighted), if it shares enough (joins)."""
    best: tuple[float, Theme] | None = None
    for theme in themes:
        shared = {k: w for k, w in zip(theme.keys, theme.weights, strict=True) if k in keys}
        if joins(shared) and (best is None or sum(shared.values()) > best[0]):
            best = (sum(shared.values()), theme)
    return best[1] if best else None
