"""Call drivers nobody named: recurring themes in what customers say, found per language.

Keyphrases said by enough customers (not by nearly all of them) are clustered by how often they are
said on the same calls (average linkage on the cosine of their call sets), each cluster is a theme
named by its most said phrases, and each call joins the theme it shares the most telling keyphrases
with. Everything is counted from the calls given: no model, no hosted service.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MAX_KEYS = 400  # keyphrases clustered per language: bounds the work at MAX_KEYS^2
MAX_SHARE = 0.3  # said on more calls than this share, a keyphrase is how customers talk, not why they call
LINK = 0.1  # average co-occurrence cosine at which two groups of keyphrases are one theme
MIN_MATCHED = 2  # keyphrases a call must share with a theme to join it
# A theme must be why most of the calls that say its phrases called: "I hope you can help" is said on
# calls about everything and is the reason for none of them.
MIN_WON = 0.5
NAME_PHRASES = 3


@dataclass(frozen=True, slots=True)
class CallKeys:
    call_id: str
    keys: frozenset[str]
    surfaces: dict[str, str]  # key -> as said


@dataclass(frozen=True, slots=True)
class Theme:
    id: str
    language: str
    name: str
    keys: tuple[str, ...]  # the theme's keyphrases, most said first
    phrases: tuple[str, ...]  # the same, as customers said them
    weights: tuple[float, ...]  # how telling each key is (inverse call frequency)
    call_ids: tuple[str, ...]


def _clusters(similarity: np.ndarray) -> list[list[int]]:
    """Average-linkage agglomeration of keys while two groups' mean similarity reaches LINK."""
    sim = similarity.astype(np.float64).copy()
    np.fill_diagonal(sim, -np.inf)
    members: list[list[int]] = [[i] for i in range(len(sim))]
    alive = np.ones(len(sim), dtype=bool)
    while alive.sum() > 1:
        flat = int(np.argmax(np.where(alive[:, None] & alive[None, :], sim, -np.inf)))
        a, b = divmod(flat, len(sim))
        if sim[a, b] < LINK:
            break
        na, nb = len(members[a]), len(members[b])
        merged = (na * sim[a] + nb * sim[b]) / (na + nb)
        sim[a], sim[:, a] = merged, merged
        sim[a, a] = -np.inf
        alive[b] = False
        members[a] += members[b]
        members[b] = []
    return [m for m, keep in zip(members, alive, strict=True) if keep]


def theme_id(language: str, keys: Sequence[str]) -> str:
    """Stable while the theme's leading keyphrases stay the same, so counts per day follow it."""
    digest = hashlib.sha256(" | ".join(sorted(keys[:NAME_PHRASES])).encode()).hexdigest()[:10]
    return f"auto.{language}.{digest}"


def best_theme(keys: frozenset[str], themes: Sequence[Theme]) -> Theme | None:
    """The theme whose keyphrases the call shares most (weighted), if it shares at least MIN_MATCHED."""
    best: tuple[float, Theme] | None = None
    for theme in themes:
        shared = [w for k, w in zip(theme.keys, theme.weights, strict=True) if k in keys]
        if len(shared) >= MIN_MATCHED and (best is None or sum(shared) > best[0]):
            best = (sum(shared), theme)
    return best[1] if best else None


def _name(keys: list[str], df: Counter[str], surfaces: dict[str, str]) -> list[str]:
    """Most said first; a word already inside a chosen pair is not repeated on its own."""
    chosen: list[str] = []
    for key in sorted(keys, key=lambda k: (-df[k] * (1.5 if " " in k else 1.0), k)):
        if any(key in c.split(" ") for c in chosen) or any(c in key.split(" ") for c in chosen):
            continue
        chosen.append(key)
    return chosen


def _themes_that_explain_their_calls(
    drafts: list[Theme], docs: Sequence[CallKeys], min_calls: int
) -> list[Theme]:
    won: Counter[int] = Counter()
    saying: Counter[int] = Counter()  # calls sharing MIN_MATCHED keyphrases with each theme
    for d in docs:
        for i, draft in enumerate(drafts):
            saying[i] += sum(k in d.keys for k in draft.keys) >= MIN_MATCHED
        theme = best_theme(d.keys, drafts)
        if theme is not None:
            won[drafts.index(theme)] += 1
    return [t for i, t in enumerate(drafts) if won[i] >= min_calls and won[i] >= MIN_WON * saying[i]]


def discover(docs: Sequence[CallKeys], language: str, min_calls: int = 5) -> list[Theme]:
    """Themes of at least `min_calls` calls among `docs` (calls in one language), largest first."""
    if len(docs) < min_calls:
        return []
    df: Counter[str] = Counter(k for d in docs for k in d.keys)
    ceiling = max(min_calls, MAX_SHARE * len(docs))
    candidates = [k for k, n in df.most_common() if min_calls <= n <= ceiling][:MAX_KEYS]
    if not candidates:
        return []
    column = {k: i for i, k in enumerate(candidates)}
    said = np.zeros((len(docs), len(candidates)), dtype=np.float32)
    for row, d in enumerate(docs):
        for k in d.keys:
            if k in column:
                said[row, column[k]] = 1.0
    together = said.T @ said
    counts = np.diag(together).copy()
    similarity = together / np.sqrt(np.outer(counts, counts))
    surfaces: dict[str, str] = {}
    for d in docs:
        for k, s in d.surfaces.items():
            surfaces.setdefault(k, s)
    idf = {k: math.log(len(docs) / df[k]) for k in candidates}
    drafts = []
    for group in _clusters(similarity):
        keys = [candidates[i] for i in group]
        # A theme needs a phrase several customers said the same way, not words that merely meet.
        if len(keys) < 2 or not any(" " in k for k in keys):
            continue
        ordered = sorted(keys, key=lambda k: (-df[k], k))
        drafts.append(Theme("", language, "", tuple(ordered), (), tuple(idf[k] for k in ordered), ()))
    kept = _themes_that_explain_their_calls(drafts, docs, min_calls)
    members = {i: [] for i in range(len(kept))}
    for d in docs:  # again, without the themes dropped: their calls may belong to another
        theme = best_theme(d.keys, kept)
        if theme is not None:
            members[kept.index(theme)].append(d.call_id)
    drafts = kept
    themes = []
    for i, draft in enumerate(drafts):
        if len(members[i]) < min_calls:
            continue
        in_theme = {d.call_id for d in docs if d.call_id in set(members[i])}
        theme_df = Counter(k for d in docs if d.call_id in in_theme for k in d.keys if k in draft.keys)
        named = _name(list(draft.keys), theme_df, surfaces)[:NAME_PHRASES]
        themes.append(
            Theme(
                theme_id(language, named),
                language,
                " / ".join(surfaces[k] for k in named),
                draft.keys,
                tuple(surfaces[k] for k in draft.keys),
                draft.weights,
                tuple(members[i]),
            )
        )
    return sorted(themes, key=lambda t: (-len(t.call_ids), t.id))
