"""PII detection and transcript redaction: the labelled sets in three languages, and the rules behind."""

import json

import pytest

from bench.redaction_eval import HELD_OUT, LABELLED, as_transcript, evaluate
from storage.records import Segment, Speaker, Transcript, Word
from transcribe.redact.checks import iban_valid, israeli_id_valid, luhn_valid
from transcribe.redact.pii import find_pii, redact, summarise


@pytest.mark.parametrize("path", [LABELLED, HELD_OUT], ids=["labelled", "held-out"])
def test_recall_and_precision_on_the_labelled_sets(path):
    cases = json.loads(path.read_text(encoding="utf-8"))
    result = evaluate(cases)
    for key in ("en", "he", "ar"):
        counts = result["counts"][key]
        recall = counts["tp"] / (counts["tp"] + counts["fn"])
        precision = counts["tp"] / max(1, counts["tp"] + counts["fp"])
        assert recall >= 0.95 and precision >= 0.95, (key, result["misses"], result["false_alarms"])
    assert result["word_recall"] >= 0.97
    assert sum(not c["entities"] for c in cases) >= 8  # the negatives that must stay are part of the test


def test_check_digits():
    assert luhn_valid("4580123456789015") and not luhn_valid("4580123456789016")
    assert (
        israeli_id_valid("034567891") and israeli_id_valid("34567891") and not israeli_id_valid("034567892")
    )
    assert iban_valid("IL620108000000099999999") and not iban_valid("IL620108000000099999998")


def transcript(*turns: tuple[str, str, float]) -> Transcript:
    """Turns of (speaker, text, start); one word per second."""
    segments = []
    for speaker, text, start in turns:
        words = tuple(Word(start + i, start + i + 0.8, w, 0.9) for i, w in enumerate(text.split()))
        role = "agent" if speaker == "A" else "customer"
        segments.append(Segment(start, words[-1].end, speaker, role, 0 if speaker == "A" else 1, text, words))
    return Transcript("en", 60, (Speaker("A", "agent", 0), Speaker("C", "customer", 1)), tuple(segments))


def test_a_number_read_across_segments_and_over_the_agents_mm_hmm_is_one_card():
    call = transcript(
        ("A", "what is the card number", 0),
        ("C", "four five eight zero one two three four", 5),
        ("A", "mm-hmm", 13.2),
        ("C", "five six seven eight nine zero one five", 14),
        ("C", "thanks", 30),
    )
    (span,) = find_pii(call)
    assert span.kind == "card" and span.speaker == "C" and (span.start, span.end) == (5, 21.8)
    redacted = redact(call, [span])
    assert [s.text for s in redacted.segments] == [
        "what is the card number",
        "[CARD]",
        "mm-hmm",
        "[CARD]",
        "thanks",
    ]
    card = redacted.segments[1].words
    assert len(card) == 1 and (card[0].start, card[0].end) == (5, 12.8)
    assert summarise([span]) == {"card": 1}


def test_the_cue_can_come_from_the_other_side_and_diacritics_do_not_hide_digits():
    call = transcript(("A", "ומה תוקף הכרטיס", 0), ("C", "אֶפֶס שָׁלוֹשׁ עשרים ושמונה", 4))
    (span,) = find_pii(call)
    assert span.kind == "expiry"
    assert redact(call, [span]).segments[1].text == "[EXPIRY]"


def test_nothing_found_leaves_the_transcript_as_it_was():
    call = as_transcript("I was charged twice on the fifth of may for two hundred shekels")
    assert find_pii(call) == [] and redact(call, []) is call


@pytest.mark.parametrize(
    "expiry_answer, code_answer",
    [
        ("and 5 -8 -12 -20 -7,", "3 -1 -7."),  # tiny.en in float32: misheard words written as digits
        ("12 20 7 3 1 7", None),  # expiry and code in one breath
        ("and 12-27 -pammon,", "3 -1 -pammon."),  # tiny.en int8 on another CPU: "seven" heard as a word
    ],
)
def test_after_a_card_its_expiry_and_code_are_found_however_the_model_writes_them(expiry_answer, code_answer):
    turns = [
        ("A", "what is the current number for the payment", 0),
        ("C", "4 5 8 0 1 2 3 4 5 6 7 8 9 0 1 5", 9),
        ("A", "and may it fire in aid", 27),
        ("C", expiry_answer, 33),
    ]
    if code_answer:
        turns += [("A", "and the security code", 41), ("C", code_answer, 46)]
    spans = find_pii(transcript(*turns))
    assert summarise(spans) == {"card": 1, "expiry": 1, "cvv": 1}
    redacted = " ".join(s.text for s in redact(transcript(*turns), spans).segments)
    assert not any(ch.isdigit() for ch in redacted), redacted


def test_a_short_number_inside_a_longer_answer_after_a_card_is_not_its_code():
    spans = find_pii(
        transcript(
            ("A", "what is the card number", 0),
            ("C", "4 5 8 0 1 2 3 4 5 6 7 8 9 0 1 5", 5),
            ("C", "I have 31 days left on the plan and I paid on time", 20),
        )
    )
    assert summarise(spans) == {"card": 1}


def test_numbers_long_after_a_card_are_not_taken_for_its_expiry():
    spans = find_pii(
        transcript(
            ("A", "what is the card number", 0),
            ("C", "4 5 8 0 1 2 3 4 5 6 7 8 9 0 1 5", 5),
            ("C", "and 5 -8 -12 -20 -7", 60),
        )
    )
    assert summarise(spans) == {"card": 1}
