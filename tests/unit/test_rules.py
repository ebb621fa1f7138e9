"""Rules: the built-in packs on the scripted calls (labelled scenarios), each rule type in each language
on constructed transcripts, and clear errors for bad rule files."""

from pathlib import Path

import pytest

from storage.records import Segment, Speaker, Transcript
from tests.scripts import SCRIPTED_CALLS, scripted_transcript
from transcribe.analyse import analyse, raise_flags
from transcribe.characteristics import measure
from transcribe.rules.loader import RuleError, load_rules, parse_rules
from transcribe.rules.model import CATEGORIES

RULES = load_rules()

# What each scripted call must raise (README of the fixtures), no more and no fewer.
EXPECTED = {
    "en_billing_dispute": {"complaint.billing_dispute"},
    "en_account_takeover": {
        "suspicious.account_takeover",
        "suspicious.verification_refusal",
        "complaint.cancellation_intent",
        "conduct.missing_closing",
    },
    "en_rude_agent": {
        "conduct.missing_greeting",
        "conduct.missing_recording_disclosure",
        "conduct.rude_dismissive",
        "conduct.interrupts_customer",
        "complaint.repeated_unresolved",
    },
    "he_billing_dispute": {"complaint.billing_dispute"},
    "ar_billing_dispute": {"complaint.billing_dispute"},
}


def flags_of(transcript, metadata=None):
    metrics = measure(transcript)["metrics"]
    meta = {"duration": transcript.duration, "language": transcript.language, **(metadata or {})}
    return {f.rule_id for f in raise_flags(RULES, transcript, metrics, meta)}


def call(language, *lines, duration=None):
    segments = tuple(
        Segment(start, start + 3, "S0" if role == "agent" else "S1", role, 0 if role == "agent" else 1, text)
        for start, role, text in lines
    )
    return Transcript(
        language,
        duration or max(s.end for s in segments),
        (Speaker("S0", "agent", 0), Speaker("S1", "customer", 1)),
        segments,
    )


def test_built_in_packs_load_with_the_four_categories():
    assert {rule.category for rule in RULES} == set(CATEGORIES)
    assert len({rule.id for rule in RULES}) == len(RULES)


@pytest.mark.parametrize("name", SCRIPTED_CALLS)
def test_scripted_calls_raise_exactly_the_expected_flags(name):
    assert flags_of(scripted_transcript(name)) == EXPECTED[name]


def test_precision_and_recall_over_the_scripted_and_constructed_scenarios():
    scenarios = {name: (scripted_transcript(name), EXPECTED[name]) for name in SCRIPTED_CALLS}
    scenarios.update(CONSTRUCTED)
    tp = fp = fn = 0
    for transcript, expected in scenarios.values():
        found = flags_of(transcript) & {r.id for r in RULES}
        tp, fp, fn = tp + len(found & expected), fp + len(found - expected), fn + len(expected - found)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(f"rules: {len(scenarios)} scenarios, precision {precision:.3f}, recall {recall:.3f}")
    assert precision == 1.0 and recall == 1.0


POLITE_OPEN = {
    "he": (0.5, "agent", "שלום, השיחה מוקלטת"),
    "ar": (0.5, "agent", "مرحبا، هذه المكالمة مسجلة"),
    "en": (0.5, "agent", "Thank you for calling, this call is recorded"),
}
CONSTRUCTED = {
    "he_rude_agent": (
        call("he", POLITE_OPEN["he"], (5, "customer", "האינטרנט לא עובד"), (9, "agent", "זו לא הבעיה שלי")),
        {"conduct.rude_dismissive"},
    ),
    "ar_account_takeover": (
        call("ar", POLITE_OPEN["ar"], (5, "customer", "أريد تغيير الحساب البنكي الآن إنه عاجل")),
        {"suspicious.account_takeover"},
    ),
    "he_takeover_with_prefix": (
        call("he", POLITE_OPEN["he"], (5, "customer", "אני רוצה לשנות את פרטי הבנק, אין לי זמן לאימות")),
        {"suspicious.account_takeover"},
    ),
    "en_profanity": (call("en", POLITE_OPEN["en"], (5, "agent", "You are an idiot")), {"conduct.profanity"}),
    "ar_threat": (
        call("ar", POLITE_OPEN["ar"], (5, "customer", "ستندم على هذا")),
        {"suspicious.threats_abuse"},
    ),
    "he_cancellation": (
        call("he", POLITE_OPEN["he"], (5, "customer", "אני רוצה לבטל את המנוי")),
        {"complaint.cancellation_intent"},
    ),
    "en_pin_request": (
        call("en", POLITE_OPEN["en"], (5, "agent", "Please tell me your PIN")),
        {"compliance.sensitive_data_request"},
    ),
    "en_clean_short": (call("en", POLITE_OPEN["en"], (5, "customer", "Thanks, bye")), set()),
    "en_unexplained_hold": (
        call("en", POLITE_OPEN["en"], (80, "agent", "Anything else? Have a nice day")),
        {"conduct.unexplained_hold"},
    ),
    "en_explained_hold": (
        call(
            "en",
            POLITE_OPEN["en"],
            (4, "agent", "Please hold for one moment"),
            (80, "agent", "Anything else? Have a nice day"),
        ),
        set(),
    ),
}


@pytest.mark.parametrize("name", sorted(CONSTRUCTED))
def test_constructed_scenarios(name):
    transcript, expected = CONSTRUCTED[name]
    assert flags_of(transcript) == expected


def test_disclosure_after_the_window_does_not_count():
    late = call("en", (0.5, "agent", "Hello"), (45, "agent", "By the way this call is recorded"))
    assert "conduct.missing_recording_disclosure" in flags_of(late)


def test_evidence_points_at_the_words_and_times():
    transcript = scripted_transcript("en_rude_agent")
    _, assessment = analyse(_call_record(transcript), transcript, None, RULES)
    flags = assessment.flags
    rude = next(f for f in flags if f.rule_id == "conduct.rude_dismissive")
    assert {(e["start"], e["role"]) for e in rude.evidence} == {
        (0.5, "agent"),
        (6.5, "agent"),
        (12.0, "agent"),
    }
    assert any("not my problem" in e["matched"] for e in rude.evidence)
    interrupts = next(f for f in flags if f.rule_id == "conduct.interrupts_customer")
    assert interrupts.evidence == [
        {
            "kind": "metric",
            "metric": "interruptions_by_agent",
            "value": 2,
            "detail": "interruptions_by_agent = 2 (>= 2)",
        }
    ]
    disclosure = next(f for f in flags if f.rule_id == "conduct.missing_recording_disclosure")
    assert disclosure.evidence[0]["kind"] == "absent" and disclosure.evidence[0]["end"] == 14.091


def test_metadata_not_min_count_and_fuzzy_conditions():
    rules = parse_rules(
        """
rules:
  - id: custom.inbound_repeat_refund
    category: complaint
    severity: low
    when:
      all:
        - metadata: {field: direction, op: "==", value: inbound}
        - not: {metadata: {field: agent_id, op: in, value: [trainee-1]}}
        - phrases: {role: customer, any: [refund], min_count: 2, fuzzy: 1}
""",
        "custom.yaml",
    )
    transcript = call("en", (0, "customer", "I want a refnd"), (4, "customer", "a refund, now"))
    metrics = measure(transcript)["metrics"]
    assert raise_flags(rules, transcript, metrics, {"direction": "inbound", "agent_id": "dana"})
    assert not raise_flags(rules, transcript, metrics, {"direction": "inbound", "agent_id": "trainee-1"})
    assert not raise_flags(rules, transcript, metrics, {"direction": "outbound", "agent_id": "dana"})
    single = call("en", (0, "customer", "I want a refund"))
    assert not raise_flags(
        rules, single, measure(single)["metrics"], {"direction": "inbound", "agent_id": "dana"}
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "rules:\n  - id: x\n    category: gossip\n    severity: low\n    when: {metric: {name: turns, op: '>', value: 1}}\n",
            "bad.yaml:2: rule x: category must be one of",
        ),
        (
            "rules:\n  - id: x\n    category: complaint\n    severity: low\n    when:\n      vibes: {}\n",
            "bad.yaml:6: unknown condition 'vibes'",
        ),
        (
            "rules:\n  - id: x\n    category: complaint\n    severity: low\n    when:\n      phrases: {role: agent}\n",
            "bad.yaml:6: phrases needs `any:`",
        ),
        (
            "rules:\n  - id: x\n    category: complaint\n    severity: low\n"
            "    when:\n      metric: {name: mood, op: '>', value: 1}\n",
            "metric name must be one of",
        ),
        ("rules: [oops", "not valid YAML"),
        (
            "rules:\n  - id: x\n    category: complaint\n    severity: low\n"
            "    when:\n      history: {same: email, min_calls: 2, within_days: 1}\n",
            "bad.yaml:6: history needs `same: customer_number` or `same: voice`",
        ),
        (
            "rules:\n  - id: x\n    category: complaint\n    severity: low\n"
            "    when:\n      history: {same: customer_number, min_customer_numbers: 2, within_days: 1}\n",
            "min_customer_numbers counts the numbers one voice used",
        ),
        (
            "rules:\n  - id: x\n    category: complaint\n    severity: low\n"
            "    when:\n      history: {same: voice, min_calls: 2, min_customer_numbers: 2, within_days: 1}\n",
            "exactly one of min_calls, min_customer_numbers",
        ),
    ],
)
def test_bad_rule_files_say_file_line_and_problem(body, message):
    with pytest.raises(RuleError, match=message.replace("(", r"\(").replace("`", ".")):
        parse_rules(body, "bad.yaml")


def test_duplicate_rule_ids_across_packs_are_refused(tmp_path: Path):
    (tmp_path / "mine.yaml").write_text(
        "rules:\n  - id: conduct.profanity\n    category: agent_conduct\n    severity: low\n"
        "    when: {metric: {name: turns, op: '>', value: 1}}\n"
    )
    with pytest.raises(RuleError, match="already defined"):
        load_rules([tmp_path])


def _call_record(transcript):
    from datetime import UTC, datetime

    from storage.records import Call, CallStatus

    now = datetime.now(UTC)
    return Call(
        id="c",
        status=CallStatus.DONE,
        progress=1,
        stage="done",
        error=None,
        source="t",
        external_id=None,
        direction="inbound",
        agent_id="a",
        customer_number=None,
        started_at=None,
        channel_roles=("agent", "customer"),
        language_hint=None,
        extra={},
        audio_key="k",
        audio_sha256="",
        audio_size=1,
        audio_filename="",
        audio_format="",
        duration=transcript.duration,
        channels=2,
        sample_rate=8000,
        language="en",
        model="",
        attempts=1,
        created_at=now,
        updated_at=now,
    )


def test_history_condition_counts_calls_from_the_same_number():
    from transcribe.analyse import history_facts

    rule = next(r for r in RULES if r.id == "suspicious.repeat_caller")
    record = _call_record(call("en", (0, "customer", "hello")))
    asked = []

    def count(number, days):
        asked.append((number, days))
        return 5

    record = type(record)(
        **{**{f: getattr(record, f) for f in record.__slots__}, "customer_number": "+972501"}
    )
    history = history_facts([rule], record, count)
    assert asked == [("+972501", 7.0)] and history == {"customer_number:calls:7": 5}
    transcript = call("en", (0, "customer", "hello"))
    flags = raise_flags([rule], transcript, measure(transcript)["metrics"], {}, history)
    assert flags[0].evidence[0]["detail"] == "5 calls from this customer number in 7 days"
    assert not raise_flags(
        [rule], transcript, measure(transcript)["metrics"], {}, {"customer_number:calls:7": 4}
    )


def test_yaml_aliases_are_refused_before_they_expand():
    """A 508-byte alias bomb took 21 s and 230 MiB in /v1/rules/preview; now it is refused at once."""
    levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for name, below in zip("bcdefg", "abcdef", strict=True):
        levels.append(f"{name}: &{name} [" + ",".join([f"*{below}"] * 9) + "]")
    with pytest.raises(RuleError, match="aliases"):
        parse_rules("\n".join(levels) + "\nrules: [*g]\n", "bomb.yaml")
