"""Whisper's repetition loops ("thank you thank you thank you ..." over hold music or a noisy line):
a phrase said over and over in a row is kept MAX_REPEATS times and the rest of the run dropped. Pure."""

from __future__ import annotations

from storage.records import Word

from .recognised import AsrSegment

MAX_REPEATS = 3  # people do say "no, no, no"; nobody says a phrase ten times in a row
MAX_PHRASE = 6  # words in the longest repeated phrase looked for


def _key(word: Word) -> str:
    return "".join(ch for ch in word.word.casefold() if ch.isalnum())


def trim_loops(words: tuple[Word, ...]) -> tuple[Word, ...]:
    keys = [_key(w) for w in words]
    keep = [True] * len(words)
    i = 0
    while i < len(words):
        advanced = False
        for size in range(1, MAX_PHRASE + 1):
            phrase = keys[i : i + size]
            if len(phrase) < size or not any(phrase):
                break
            repeats = 1
            while keys[i + repeats * size : i + (repeats + 1) * size] == phrase:
                repeats += 1
            if repeats > MAX_REPEATS:
                for j in range(i + MAX_REPEATS * size, i + repeats * size):
                    keep[j] = False
                i += repeats * size
                advanced = True
                break
        if not advanced:
            i += 1
    return tuple(w for w, k in zip(words, keep, strict=True) if k)


def trim_repetition_loops(segments: tuple[AsrSegment, ...]) -> tuple[AsrSegment, ...]:
    out = []
    for segment in segments:
        words = trim_loops(segment.words)
        if len(words) == len(segment.words):
            out.append(segment)
        elif words:
            text = " ".join(w.word for w in words)
            out.append(AsrSegment(segment.start, max(words[-1].end, words[0].start), text, words))
    return tuple(out)
