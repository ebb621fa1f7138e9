"""Call drivers without a database: keyphrases fold forms together per language, named-driver files
are checked, discovery finds the generated themes and leaves courtesy talk alone, rising needs both a
ratio and a count."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bench.driver_month import OTHER, month
from storage.driver_trend import is_rising
from storage.records import Segment, Speaker, Transcript
from transcribe.drivers.discover import CallKeys, discover
from transcribe.drivers.keyphrases import call_keyphrases, keyphrases
from transcribe.drivers.named import load_drivers, named_drivers
from transcribe.errors import RuleError


@pytest.mark.parametrize(
    ("language", "texts", "key"),
    [
        ("en", ["I was charged twice", "the charges are wrong"], "charg"),
        ("he", ["איבדתי את הכרטיס", "בכרטיס שלי", "כרטיס חדש"], "רטיס"),
        ("ar", ["فقدت بطاقتي", "إيقاف البطاقة", "بالبطاقات"], "بطاقه"),
    ],
)
def test_inflected_and_prefixed_forms_share_one_key(language, texts, key):
    found = keyphrases(texts, language)
    assert found.counts[key] == len(texts)


def test_stop_words_and_the_agent_are_left_out_and_pairs_are_kept_with_how_they_were_said():
    segments = (
        Segment(0, 2, "A", "agent", 0, "Thank you for calling, how can I help?"),
        Segment(2, 5, "C", "customer", 1, "Hello, I want to cancel my internet subscription please"),
    )
    pairs = dict(call_keyphrases(segments, "en"))
    assert pairs["internet subscript"] == "internet subscription" and pairs["cancel"] == "cancel"
    assert "cancel internet" not in pairs  # a pair is two content words said one after the other
    assert not {"hello", "want", "help", "call", "thank"} & set(pairs)
    hebrew = dict(call_keyphrases((Segment(0, 2, "C", "customer", 1, "אני רוצה לבטל את המנוי"),), "he"))
    assert "לבטול" in hebrew.values() or "לבטל" in hebrew.values()
    assert "שלום" not in hebrew.values() and "רוצה" not in hebrew.values()


def test_discovery_finds_each_generated_theme_and_no_courtesy_talk():
    calls = month("tuning", "he", days=14, calls_per_day=30)
    truth = {c.call_id: c.theme for c in calls}
    docs = []
    for c in calls:
        pairs = call_keyphrases(c.transcript.segments, "he")
        docs.append(CallKeys(c.call_id, frozenset(k for k, _ in pairs), dict(pairs)))
    themes = discover(docs, "he", min_calls=5)
    found = set()
    for theme in themes:
        (label, n), *_ = Counter(truth[i] for i in theme.call_ids).most_common()
        assert label != OTHER and n >= 0.9 * len(theme.call_ids), theme.name
        found.add(label)
        assert theme.id.startswith("auto.he.") and " / " in theme.name
    assert found == {t for t in truth.values() if t != OTHER}
    # the same calls give the same themes, so counts per day follow them from one discovery to the next
    assert [t.id for t in discover(docs, "he", 5)] == [t.id for t in themes]


def test_too_few_calls_make_no_theme():
    docs = [CallKeys(f"c{i}", frozenset({"refund", "charg twice", "charg"}), {}) for i in range(4)]
    assert discover(docs, "en", min_calls=5) == []


def test_rising_needs_the_ratio_and_enough_calls():
    assert is_rising(30, [10, 12, 14])
    assert not is_rising(16, [10, 12, 14])  # 1.33 times the usual
    assert not is_rising(9, [0, 0, 0])  # new, but too few to matter
    assert is_rising(10, [])


def test_named_drivers_match_any_of_their_languages_in_the_customers_words():
    drivers = load_drivers()
    speakers = (Speaker("A", "agent", 0), Speaker("C", "customer", 1))
    said = (
        Segment(0, 3, "A", "agent", 0, "Do you want a refund?"),
        Segment(4, 8, "C", "customer", 1, "כן, חייבו אותי פעמיים על אותו חיוב"),
    )
    found = named_drivers(Transcript("he", 8, speakers, said), drivers)
    assert [d["id"] for d in found] == ["billing.charged_twice"]  # the agent's "refund" is not the customer's
    assert found[0]["evidence"] == [{"start": 4, "end": 8, "text": said[1].text}]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("drivers: {}", "holds `drivers:` with a list"),
        ("drivers:\n  - {id: Bad Id, name: x, phrases: {en: [a]}}", "id must be"),
        ("drivers:\n  - {id: auto.x, name: x, phrases: {en: [a]}}", "discovered drivers"),
        ("drivers:\n  - {id: a, name: x, phrases: {en: []}}", "phrases.en must be a list"),
        ("drivers:\n  - {id: a, name: x, phrases: {en: ['!!']}}", "has no words"),
        ("drivers:\n  - {id: billing.refund, name: x, phrases: {en: [a]}}", "already defined"),
        ("drivers: [", "not valid YAML"),
    ],
)
def test_a_bad_driver_file_says_where_and_what(tmp_path: Path, text: str, error: str):
    (tmp_path / "mine.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(RuleError, match="mine.yaml") as raised:
        load_drivers([tmp_path])
    assert error in str(raised.value)
