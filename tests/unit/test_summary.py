"""The extractive summary: the reason is the customer's first turn that says something (a named
driver's turn first, the agent's question on an agent-led call), actions are judged sentence by
sentence, the last turns decide the outcome (the customer's mood when none does), in each language;
and every fact of the scripted and written calls is found (bench/summary_eval.py)."""

from __future__ import annotations

from bench.summary_eval import calls, score, transcript_of
from transcribe.summary.extract import summarise


def _turns(*said: tuple[str, float, str]) -> list[dict]:
    return [{"role": role, "start": at, "end": at + 4, "text": text} for role, at, text in said]


def test_every_fact_of_the_scripted_and_written_calls_is_found():
    rows = [score(turns, t, fact) for _, turns, t, fact in calls("tuning")]
    assert len(rows) == 9
    assert all(r["reason"] and r["outcome"] for r in rows)
    assert all(r["actions"][0] == r["actions"][1] and r["actions"][2] == r["actions"][3] for r in rows)
    assert all(
        r["follow_ups"][0] == r["follow_ups"][1] and r["follow_ups"][2] == r["follow_ups"][3] for r in rows
    )


def test_a_named_drivers_turn_is_the_reason_before_an_earlier_chatty_one():
    turns = _turns(
        ("customer", 0, "Hello, good morning, I am calling from the head office about the business account"),
        ("customer", 5, "I was charged twice for the same order"),
    )
    named = [{"id": "billing.charged_twice", "name": "Charged twice", "evidence": [{"start": 5}]}]
    assert summarise(transcript_of("en", turns), named)["reason"]["start"] == 5
    assert summarise(transcript_of("en", turns))["reason"]["start"] == 0


def test_an_action_is_a_sentence_that_acts_not_a_question_beside_it():
    turns = _turns(
        ("agent", 0, "I can help with that. What is your date of birth?"),
        ("agent", 5, "Is there anything else I can help you with?"),
    )
    (action,) = summarise(transcript_of("en", turns))["actions"]
    assert action["text"] == "I can help with that." and action["start"] == 0


def test_hebrew_and_arabic_outcomes_and_follow_ups():
    hebrew = summarise(transcript_of("he", _turns(
        ("customer", 0, "הראוטר לא עובד מאתמול בערב"),
        ("agent", 5, "אשלח לך טכנאי מחר בבוקר"),
        ("customer", 10, "עדיין לא נפתר ואני בלי אינטרנט"),
    )))  # fmt: skip
    assert hebrew["outcome"]["resolved"] is False and [f["start"] for f in hebrew["follow_ups"]] == [5]
    arabic = summarise(transcript_of("ar", _turns(
        ("customer", 0, "أريد إلغاء الاشتراك من الشهر القادم"),
        ("agent", 5, "تم إلغاء الاشتراك"),
        ("customer", 10, "شكرا جزيلا"),
    )))  # fmt: skip
    assert arabic["outcome"]["resolved"] is True and [a["start"] for a in arabic["actions"]] == [5]


def test_when_no_turn_says_how_it_ended_the_customers_last_minute_does():
    turns = _turns(("customer", 0, "The delivery of my sofa is late again"), ("agent", 5, "Let me see."))
    transcript = transcript_of("en", turns)
    assert (
        summarise(transcript, sentiment={"customer": {"last_minute": -0.6}})["outcome"]["resolved"] is False
    )
    unknown = summarise(transcript, sentiment={"customer": {"last_minute": 0.0}})["outcome"]
    assert unknown["resolved"] is None and unknown["evidence"] is None
