"""Automatic QA against a reviewer's points on the scripted calls (bench/qa_agreement.py): where the
bound rule or sentiment speaks to the criterion, they agree; the known disagreements stay known."""

from bench.qa_agreement import automatic_scores


def test_the_analysis_agrees_with_the_reviewer_where_its_rules_apply():
    automatic, reviewer = automatic_scores()
    assert set(automatic) == set(reviewer) and len(reviewer) == 6
    for criterion in ("Disclosure", "Courtesy", "Ending"):
        assert all(automatic[c][criterion] == reviewer[c][criterion] for c in reviewer), criterion
    # The closing rule only judges calls of 30 s or more: on shorter ones the criterion gets full points
    # where the reviewer gave none. Counted, not hidden.
    short = [c for c in reviewer if automatic[c]["Closing"] != reviewer[c]["Closing"]]
    assert sorted(short) == ["ar_billing_dispute", "en_rude_agent", "he_billing_dispute"]
    agreed = sum(automatic[c][k] == reviewer[c][k] for c in reviewer for k in reviewer[c])
    assert agreed / sum(len(v) for v in reviewer.values()) >= 0.85
