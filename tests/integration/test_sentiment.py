"""Sentiment follows the transcript: an import, a correction and the worker's transcript all store each
segment's sentiment, and the call carries each side's summary; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.tables import SegmentRow

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)

IMPORTED = {
    "language": "he",
    "duration": 130,
    "segments": [
        {"start": 0, "end": 4, "speaker": "A", "role": "agent", "text": "שלום, איך אפשר לעזור?"},
        {"start": 5, "end": 9, "speaker": "C", "role": "customer", "text": "תודה רבה, השירות מעולה"},
        {"start": 75, "end": 80, "speaker": "C", "role": "customer", "text": "אבל החשבון שוב לא נכון"},
        {
            "start": 120,
            "end": 128,
            "speaker": "C",
            "role": "customer",
            "text": "זה מגוחך, אני כועס ורוצה לבטל",
        },
    ],
}


def _stored(services, call_id: str) -> list[tuple[str | None, float | None]]:  # type: ignore[no-untyped-def]
    with services.db.session() as session:
        rows = session.scalars(
            select(SegmentRow).where(SegmentRow.call_id == call_id).order_by(SegmentRow.idx)
        )
        return [(r.sentiment, r.sentiment_score) for r in rows]


def test_an_import_and_a_correction_store_each_segments_sentiment_and_the_calls_summary(admin_api):
    client, services = admin_api
    call_id = client.post("/v1/calls", json={"external_id": "vendor-7", "duration": 130}).json()["id"]
    assert client.put(f"/v1/calls/{call_id}/transcript", json=IMPORTED).status_code == 200
    labels = [label for label, _ in _stored(services, call_id)]
    assert labels == ["neutral", "positive", "negative", "negative"]
    segments = client.get(f"/v1/calls/{call_id}/transcript").json()["segments"]
    assert [s["sentiment"] for s in segments] == labels and -1 <= segments[3]["sentiment_score"] < -0.5
    customer = client.get(f"/v1/calls/{call_id}").json()["characteristics"]["sentiment"]["customer"]
    assert customer["first_minute"] > 0 > customer["last_minute"] and customer["biggest_drop"]["at"] >= 75
    # A reviewer corrects what the model misheard: the sentiment and the summary follow.
    fixed = client.patch(f"/v1/calls/{call_id}/segments/3", json={"text": "בסדר גמור, תודה על העזרה"})
    assert fixed.status_code == 200, fixed.text
    assert _stored(services, call_id)[3][0] == "positive"
    after = client.get(f"/v1/calls/{call_id}").json()["characteristics"]["sentiment"]["customer"]
    assert after["last_minute"] > 0 and after["negative_share"] == pytest.approx(1 / 3, abs=0.001)


def test_a_rule_on_sentiment_flags_an_import(admin_api):
    client, services = admin_api
    from transcribe.reanalyse import reanalyse_call
    from transcribe.rules.loader import parse_rules

    rules = parse_rules(
        "rules:\n  - id: complaint.ends_angry\n    category: complaint\n    severity: medium\n"
        "    when:\n      sentiment: {role: customer, value: negative, last_s: 60, min_share: 0.5}\n",
        "mine.yaml",
    )
    call_id = client.post("/v1/calls", json={"external_id": "vendor-8", "duration": 130}).json()["id"]
    client.put(f"/v1/calls/{call_id}/transcript", json=IMPORTED)
    with services.db.session() as session:
        reanalyse_call(session, rules, call_id, 0.8, "test")
    flags = {f["rule_id"]: f for f in client.get(f"/v1/calls/{call_id}").json()["flags"]}
    assert [e["start"] for e in flags["complaint.ends_angry"]["evidence"]] == [75, 120]


def test_search_finds_words_said_with_a_sentiment(admin_api):
    client, _ = admin_api
    call_id = client.post("/v1/calls", json={"external_id": "vendor-9", "duration": 130}).json()["id"]
    client.put(f"/v1/calls/{call_id}/transcript", json=IMPORTED)
    # "השירות" is said once, in the customer's positive segment; "החשבון" once, in a negative one.
    found = client.get("/v1/search", params={"q": "החשבון sentiment:negative speaker:customer"}).json()
    assert [r["call_id"] for r in found["results"]] == [call_id]
    assert [h["start"] for h in found["results"][0]["hits"]] == [75]
    assert client.get("/v1/search", params={"q": "החשבון sentiment:positive"}).json()["total"] == 0
    by_param = client.get("/v1/search", params={"q": "השירות", "sentiment": "positive"}).json()
    assert by_param["total"] == 1
    assert client.get("/v1/search", params={"q": "השירות", "sentiment": "negative"}).json()["total"] == 0
    refused = client.get("/v1/search", params={"q": "השירות sentiment:furious"})
    assert refused.status_code == 400 and "sentiment:" in refused.json()["detail"]


def test_the_calls_list_filters_by_how_a_side_read_over_the_call(admin_api):
    client, _ = admin_api
    sour = client.post("/v1/calls", json={"external_id": "sour", "duration": 130}).json()["id"]
    client.put(f"/v1/calls/{sour}/transcript", json=IMPORTED)
    sweet = client.post("/v1/calls", json={"external_id": "sweet", "duration": 130}).json()["id"]
    client.put(
        f"/v1/calls/{sweet}/transcript",
        json={**IMPORTED, "segments": [{**s, "text": "תודה רבה, מעולה"} for s in IMPORTED["segments"]]},
    )

    def listed(**params) -> list[str]:  # type: ignore[no-untyped-def]
        return [c["id"] for c in client.get("/v1/calls", params=params).json()["items"]]

    assert listed(sentiment="negative") == [sour]
    assert listed(sentiment="positive") == [sweet]
    assert listed(sentiment="neutral") == []
    assert listed(sentiment="neutral", sentiment_side="agent") == [sour]  # "how can I help?"
    assert client.get("/v1/calls", params={"sentiment": "furious"}).status_code == 422
    saved = client.post("/v1/views", json={"name": "sour customers", "query": "sentiment=negative"})
    assert saved.status_code == 200, saved.text  # a calls-list filter a view may keep
