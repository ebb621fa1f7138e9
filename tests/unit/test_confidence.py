"""Transcript confidence and the gate it puts on rules: absence rules ("never said the disclosure") and
rules with a min_confidence raise nothing on a transcript that cannot be trusted; the call is marked for a
person to listen instead, with the reason. The scripted scenarios keep every flag."""

from dataclasses import replace

import pytest

from storage.records import Segment, Speaker, Transcript, Word
from tests.scripts import SCRIPTED_CALLS, scripted_transcript
from tests.unit.test_rules import EXPECTED, RULES, _call_record
from transcribe.analyse import analyse, assess
from transcribe.characteristics import measure
from transcribe.confidence import segment_confidence, transcript_confidence
from transcribe.rules.loader import RuleError, parse_rules


def heard(text: str, probability: float, start: float = 0.5, role: str = "agent") -> Segment:
    words = tuple(
        Word(start + i * 0.3, start + i * 0.3 + 0.25, w, probability) for i, w in enumerate(text.split())
    )
    channel = 0 if role == "agent" else 1
    return Segment(start, words[-1].end, f"S{channel}", role, channel, text, words)


def two_sided(agent: Segment, customer: Segment, language_probability: float | None) -> Transcript:
    speakers = (
        Speaker("S0", "agent", 0, "channel", "en", language_probability),
        Speaker("S1", "customer", 1, "channel", "en", language_probability),
    )
    return Transcript("en", 60.0, speakers, (agent, customer))


# A Hebrew call heard as English: the words Whisper made up, with its low language-ID probability.
MISHEARD = two_sided(
    heard("Shalom you have reached the bank", 0.31),
    heard("I have a charge on my card twice", 0.28, 8.0, "customer"),
    0.21,
)
CLEAR = two_sided(
    heard("Good morning how can I help you", 0.93),
    heard("I was charged twice on my card", 0.91, 8.0, "customer"),
    0.88,
)


def metrics_of(transcript: Transcript) -> dict[str, float]:
    return measure(transcript)["metrics"]


def test_misheard_call_is_low_confidence_with_its_reasons():
    confidence = transcript_confidence(MISHEARD)
    assert confidence.is_low
    assert set(confidence.reasons) == {"uncertain_language", "low_word_probability"}
    assert confidence.score == pytest.approx(0.21)


def test_clear_call_is_trusted():
    confidence = transcript_confidence(CLEAR)
    assert not confidence.is_low and confidence.score == pytest.approx(0.88)


def test_a_silent_transcript_is_not_trusted():
    assert transcript_confidence(Transcript("en", 30.0, (), ())).reasons == ("no_words",)


def test_segment_confidence_is_the_mean_word_probability():
    assert segment_confidence(heard("one two", 0.5)) == 0.5
    assert segment_confidence(Segment(0, 1, "S0", "agent", 0, "imported")) is None


def test_absence_rules_are_withheld_on_a_misheard_call_and_the_call_needs_a_listen():
    assessment = assess(RULES, MISHEARD, metrics_of(MISHEARD), {"duration": 60.0, "language": "en"})
    withheld = set(assessment.withheld)
    assert {"conduct.missing_greeting", "conduct.missing_recording_disclosure"} <= withheld
    assert not {f.rule_id for f in assessment.flags} & withheld
    assert assessment.listen_reason and "uncertain_language" in assessment.listen_reason
    assert "conduct.missing_recording_disclosure" in assessment.listen_reason


def test_the_same_call_heard_clearly_raises_the_absence_flags():
    assessment = assess(RULES, CLEAR, metrics_of(CLEAR), {"duration": 60.0, "language": "en"})
    assert "conduct.missing_recording_disclosure" in {f.rule_id for f in assessment.flags}
    assert assessment.withheld == [] and assessment.listen_reason is None


def test_phrases_that_were_said_still_flag_on_a_low_confidence_call():
    threat = two_sided(heard("hello", 0.3), heard("I know where you live", 0.35, 4.0, "customer"), 0.2)
    rules = parse_rules(
        "rules:\n  - id: t.threat\n    category: suspicious_customer\n    severity: high\n"
        "    when: {phrases: {role: customer, any: [i know where you live]}}\n",
        "inline",
    )
    assert [f.rule_id for f in assess(rules, threat, metrics_of(threat), {}).flags] == ["t.threat"]


def test_a_rule_may_ask_for_a_minimum_confidence():
    rules = parse_rules(
        "rules:\n  - id: t.charged\n    category: complaint\n    severity: low\n    min_confidence: 0.9\n"
        "    when: {phrases: {any: [charged twice]}}\n",
        "inline",
    )
    sure = replace(CLEAR, speakers=tuple(replace(s, language_probability=0.95) for s in CLEAR.speakers))
    sure = replace(
        sure,
        segments=tuple(
            replace(s, words=tuple(replace(w, probability=0.95) for w in s.words)) for s in sure.segments
        ),
    )
    assert [f.rule_id for f in assess(rules, sure, metrics_of(sure), {}).flags] == ["t.charged"]
    unsure = assess(rules, CLEAR, metrics_of(CLEAR), {})  # 0.88 < 0.9
    assert unsure.flags == [] and unsure.withheld == ["t.charged"]


@pytest.mark.parametrize("bad", ["1.5", "-0.1", "high", "true"])
def test_min_confidence_must_be_a_number_from_0_to_1(bad):
    with pytest.raises(RuleError, match="min_confidence"):
        parse_rules(
            f"rules:\n  - id: t.x\n    category: complaint\n    severity: low\n    min_confidence: {bad}\n"
            "    when: {phrases: {any: [refund]}}\n",
            "inline",
        )


@pytest.mark.parametrize("name", SCRIPTED_CALLS)
def test_the_scripted_scenarios_keep_every_flag(name):
    transcript = scripted_transcript(name)
    characteristics, assessment = analyse(_call_record(transcript), transcript, None, RULES)
    assert {f.rule_id for f in assessment.flags} == EXPECTED[name]
    assert assessment.withheld == [] and characteristics["confidence"]["reasons"] == []
    assert characteristics["mono_in_stereo"] is False
