"""Repetition loops are cut to a few repeats; ordinary repetition stays."""

from storage.records import Word
from transcribe.recognised import AsrSegment
from transcribe.repetition import trim_loops, trim_repetition_loops


def words(text: str) -> tuple[Word, ...]:
    return tuple(Word(i * 0.5, i * 0.5 + 0.4, w, 0.9) for i, w in enumerate(text.split()))


def text(ws) -> str:
    return " ".join(w.word for w in ws)


def test_a_looping_phrase_is_kept_three_times():
    looped = words("I see. " + "thank you, " * 12 + "bye")
    assert text(trim_loops(looped)) == "I see. thank you, thank you, thank you, bye"


def test_a_looping_word_in_hebrew_is_cut_too():
    assert text(trim_loops(words("שלום " + "שזה " * 9))) == "שלום שזה שזה שזה"


def test_ordinary_repetition_is_left_alone():
    said = words("no, no, no, I said the card, the card ending 42")
    assert trim_loops(said) == said


def test_segments_get_their_text_and_end_from_the_kept_words():
    segment = AsrSegment(0.0, 10.0, "x", words("ok " * 10))
    (trimmed,) = trim_repetition_loops((segment,))
    assert trimmed.text == "ok ok ok" and trimmed.end == 1.4 and len(trimmed.words) == 3
