"""Call drivers nobody named: recurring themes in what customers say, found per language.

Keyphrases said by enough customers (not by nearly all of them) are clustered by how much more often
than chance they are said on the same calls (average linkage on the phi coefficient of their call sets), each cluster is a theme
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

from storage.driver_match import Theme, best_theme, joins

MAX_KEYS = 400  # keyphrases clustered per language: bounds the work at MAX_KEYS^2
MAX_SHARE = 0.3  # said on more calls than this share, a keyphrase is how customers talk, not why they call
LINK = 0.1  # average association (phi) at which two groups of keyphrases are one theme
# A theme must be why most of the calls that say its phrases called: "I hope you can help" is said on
# calls about everything and is the reason for none of them.
MIN_WON = 0.5
NAME_PHRASES = 3


@dataclass(frozen=True, slots=True)
class CallKeys:
    call_id: str
    keys: frozenset[str]
    surfaces: dict[str, str]  # key -> as said


def _association(said: np.ndarray) -> np.ndarray:
    """How much more often two keyphrases are said on the same call than chance would have it: the phi
    coefficient of their call sets (0 when independent). Cosine is not 0 then: two common phrases meet
    by chance, and courtesy talk would join every theme."""
    n = float(len(said))
    together = (said.T @ said).astype(np.float64)
    counts = np.diag(together).copy()
    spread = np.sqrt(np.outer(counts * (n - counts), counts * (n - counts)))
    return (together * n - np.outer(counts, counts)) / np.where(spread > 0, spread, 1.0)


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
    digest = hashlib.sha256(" | ".join(sorted(keys)).encode()).hexdigest()[:10]
    return f"auto.{language}.{digest}"


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
    saying: Counter[int] = Counter()  # calls sharing enough keyphrases with each theme to join it
    for d in docs:
        for i, draft in enumerate(drafts):
            saying[i] += joins(d.keys.intersection(draft.keys))
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
    similarity = _association(said)
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
    members: dict[int, list[str]] = {i: [] for i in range(len(kept))}
    for d in docs:  # again, without the themes dropped: their calls may belong to another
        theme = best_theme(d.keys, kept)
        if theme is not None:
            members[kept.index(theme)].append(d.call_id)
    drafts = kept
    themes: list[Theme] = []
    for i, draft in enumerate(drafts):
        if len(members[i]) < min_calls:
            continue
        in_theme = set(members[i])
        theme_df = Counter(k for d in docs if d.call_id in in_theme for k in d.keys if k in draft.keys)
        named = _name(list(draft.keys), theme_df, surfaces)[:NAME_PHRASES]
        ident = theme_id(language, named)
        if any(t.id == ident for t in themes):  # named alike: told apart by all their keyphrases
            ident = theme_id(language, draft.keys)
        themes.append(
            Theme(
                ident,
                language,
                " / ".join(surfaces[k] for k in named),
                draft.keys,
                tuple(surfaces[k] for k in draft.keys),
                draft.weights,
                tuple(members[i]),
            )
        )
    return sorted(themes, key=lambda t: (-len(t.call_ids), t.id))
