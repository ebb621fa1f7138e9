"""Sentiment per utterance in English, Hebrew and Arabic: the labelled and held-out sets, and the
rules behind (negation, boosters, prefixed forms, contrast)."""

import pytest

from bench.sentiment_eval import evaluate
from transcribe.sentiment.score import score_text


@pytest.mark.parametrize("split", ["labelled", "heldout"])
@pytest.mark.parametrize("language", ["en", "he", "ar"])
def test_accuracy_and_macro_f1_on_each_set_and_no_clear_negative_read_as_positive(split, language):
    result = evaluate(split, language)
    assert result["n"] >= 40
    assert result["accuracy"] >= 0.9 and result["macro_f1"] >= 0.9, result["errors"]
    assert result["clear_negative_as_positive"] == []


@pytest.mark.parametrize(
    "plain, negated, language",
    [
        ("I'm happy with it", "I'm not happy with it", "en"),
        ("It works now", "It doesn't work", "en"),
        ("אני מרוצה", "אני לא מרוצה", "he"),
        ("זה עובד", "וזה לא עובד", "he"),  # the conjunction written onto the word
        ("أنا راضي", "أنا مش راضي", "ar"),
        ("الخدمة ممتازة", "الخدمة مو ممتازة", "ar"),
    ],
)
def test_negation_turns_a_positive_utterance_negative(plain, negated, language):
    assert score_text(plain, language).label == "positive"
    assert score_text(negated, language).label == "negative"


def test_boosters_strengthen_and_contrast_weighs_what_follows():
    assert score_text("very good", "en").score > score_text("good", "en").score > 0
    assert score_text("ממש גרוע", "he").score < score_text("גרוע", "he").score < 0
    # "thanks, but this is terrible": what follows "but" decides.
    assert score_text("Thanks, but this is terrible", "en").label == "negative"
    assert score_text("شكرا بس الخدمة سيئة", "ar").label == "negative"


def test_prefixed_forms_and_spelling_variants_are_found():
    assert score_text("והשירות מעולה", "he").label == "positive"  # ו + ה + שירות ... מעולה
    assert score_text("والخدمة ممتازة", "ar").label == "positive"  # و + ال, ة written ه
    assert score_text("ضعيف؟ لا، الخدمة ممتازه", "ar").score > 0
    assert score_text("החשבון הוא ארבעים שקל", "he").label == "neutral"  # שקל is not ש + קל (easy)


def test_scores_stay_within_minus_one_and_one_and_unknown_languages_use_english():
    assert -1 <= score_text("terrible awful horrible useless!!!", "en").score <= -0.8
    assert score_text("thank you so much, wonderful!", "fr").label == "positive"
    assert score_text("", "he").score == 0 and score_text("", "he").label == "neutral"


def _transcript(*lines, language="en"):  # type: ignore[no-untyped-def]
    """Lines of (start, role, text), three seconds each."""
    from storage.records import Segment, Speaker, Transcript

    segments = tuple(
        Segment(start, start + 3, "S0" if role == "agent" else "S1", role, 0 if role == "agent" else 1, text)
        for start, role, text in lines
    )
    speakers = (Speaker("S0", "agent", 0), Speaker("S1", "customer", 1))
    return Transcript(language, max(s.end for s in segments), speakers, segments)


def test_every_segment_is_scored_and_each_side_summarised_over_the_call():
    from transcribe.sentiment.call import sentiment_summary, with_sentiment

    call = with_sentiment(
        _transcript(
            (0, "agent", "Good morning, how can I help?"),
            (5, "customer", "Thanks, the new plan is great."),
            (40, "customer", "But the bill is wrong again."),
            (80, "customer", "This is ridiculous, I'm furious."),
            (120, "customer", "I want to cancel, you are useless."),
            (125, "agent", "I'm sorry, let me fix it."),
        )
    )
    assert [s.sentiment for s in call.segments if s.role == "customer"] == [
        "positive", "negative", "negative", "negative",
    ]  # fmt: skip
    customer = sentiment_summary(call)["customer"]
    assert customer["first_minute"] > 0 > customer["last_minute"] and customer["overall"] < 0
    drop = customer["biggest_drop"]
    assert drop["from"] > 0 > drop["to"] and drop["at"] >= 40
    assert customer["negative_share"] == 0.75
    assert sentiment_summary(call)["agent"]["biggest_drop"] is None  # the agent stayed level


def test_a_rule_on_the_customers_last_minute():
    from transcribe.rules.evaluate import CallFacts, evaluate
    from transcribe.rules.loader import RuleError, parse_rules
    from transcribe.sentiment.call import with_sentiment

    rules = parse_rules(
        "rules:\n  - id: complaint.ends_angry\n    category: complaint\n    severity: medium\n"
        "    when:\n      sentiment: {role: customer, value: negative, last_s: 60, min_share: 0.5}\n",
        "mine.yaml",
    )
    angry_end = _transcript(
        (0, "customer", "Thank you, lovely."),
        (70, "customer", "This is a disgrace."),
        (75, "agent", "Sorry."),
    )
    happy_end = _transcript(
        (0, "customer", "This is a disgrace."),
        (70, "customer", "Thank you, lovely."),
        (75, "agent", "Sorry."),
    )
    for transcript, expected in ((angry_end, 1), (happy_end, 0)):
        for scored in (transcript, with_sentiment(transcript)):  # stored before sentiment, or scored
            hits = evaluate(rules, CallFacts(scored, {}))
            assert len(hits) == expected
    (hit,) = evaluate(rules, CallFacts(angry_end, {}))
    assert hit.evidence[0].text == "This is a disgrace." and "1 of 1 customer" in hit.evidence[0].detail
    for body, problem in (
        ("{value: angry}", "value"),
        ("{value: negative, min_share: 2}", "min_share"),
        ("{value: negative, last_s: -5}", "last_s"),
        ("{value: negative, role: boss}", "role"),
        ("{value: negative, within: 5}", "does not know within"),
    ):
        with pytest.raises(RuleError, match=problem):
            parse_rules(
                f"rules:\n  - id: x\n    category: complaint\n    severity: low\n    when:\n      sentiment: {body}\n",
                "bad.yaml",
            )
