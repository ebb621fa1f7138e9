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
