"""Written contacts: a chat or an e-mail thread posted with its messages goes through the same
redaction, search, rules (those for its medium), sentiment, drivers and summary as a call, is listed,
searched and counted with the calls and filtered by medium; bad contacts are refused with a reason; on
SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.tables import SegmentRow

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)

CHAT = {
    "medium": "chat",
    "external_id": "chat-77",
    "agent_id": "a1",
    "messages": [
        {
            "role": "customer",
            "author": "Dan",
            "at": "2026-11-20T10:00:05Z",
            "text": "חויבתי פעמיים החודש, זה מגוחך",
        },
        {
            "role": "agent",
            "author": "Noa",
            "at": "2026-11-20T10:00:40Z",
            "text": "אני מצטערת, אני בודקת את זה עכשיו",
        },
        {
            "role": "customer",
            "author": "Dan",
            "at": "2026-11-20T10:01:10Z",
            "text": "הכרטיס הוא 4580 1234 5678 9015",
        },
        {
            "role": "agent",
            "author": "Noa",
            "at": "2026-11-20T10:02:00Z",
            "text": "זיכיתי את החיוב הכפול, תקבל אישור במייל עד מחר",
        },
        {
            "role": "customer",
            "author": "Dan",
            "at": "2026-11-20T10:02:30Z",
            "text": "תודה רבה, זה פתר את הבעיה",
        },
    ],
}
EMAIL = {
    "medium": "email",
    "external_id": "<m1@example.com>",
    "subject": "Refund for card 4580 1234 5678 9015",
    "headers": {"From": "dan@example.com", "To": "billing@acme.example", "Message-ID": "<m1@example.com>"},
    "messages": [
        {
            "role": "customer",
            "at": "2026-11-21T08:00:00Z",
            "text": "I was charged twice for my order and I want a refund.",
        },
        {
            "role": "agent",
            "at": "2026-11-21T15:30:00Z",
            "text": "I have issued a refund. You will see it within five business days.",
        },
    ],
}


def test_a_chat_is_redacted_analysed_searched_and_listed_with_the_calls(admin_api):
    client, services = admin_api
    posted = client.post("/v1/contacts", json=CHAT)
    assert posted.status_code == 201, posted.text
    call_id = posted.json()["id"]
    call = client.get(f"/v1/calls/{call_id}").json()
    assert (call["medium"], call["language"], call["status"]) == ("chat", "he", "done")
    assert call["started_at"].startswith("2026-11-20T10:00:05")
    segments = client.get(f"/v1/calls/{call_id}/transcript").json()["segments"]
    assert [(s["role"], s["start"]) for s in segments] == [
        ("customer", 0), ("agent", 35), ("customer", 65), ("agent", 115), ("customer", 145)
    ]  # fmt: skip
    with services.db.session() as session:
        stored = " ".join(session.scalars(select(SegmentRow.text).where(SegmentRow.call_id == call_id)))
    assert "4580" not in stored and "9015" not in stored  # the card number typed in the chat
    analysis = call["characteristics"]
    assert (
        analysis["sentiment"]["customer"]["first_minute"]
        < 0
        < analysis["sentiment"]["customer"]["last_minute"]
    )
    assert "billing.charged_twice" in {d["id"] for d in call["drivers"]}
    summary = analysis["summary"]
    assert summary["reason"]["start"] == 0 and summary["outcome"]["resolved"] is True
    assert [f["start"] for f in summary["follow_ups"]] == [115]
    # Rules about seconds, silences and voices are for calls: no "missing recording disclosure" on a chat.
    rules = {f["rule_id"] for f in call["flags"]}
    assert "conduct.missing_recording_disclosure" not in rules and "conduct.missing_greeting" not in rules
    assert "complaint.billing_dispute" in rules
    found = client.get("/v1/search", params={"q": "פעמיים medium:chat"}).json()
    assert [r["call_id"] for r in found["results"]] == [call_id]
    assert client.get("/v1/search", params={"q": "פעמיים medium:call"}).json()["total"] == 0
    assert [c["id"] for c in client.get("/v1/calls", params={"medium": "chat"}).json()["items"]] == [call_id]
    assert client.get("/v1/calls", params={"medium": "call"}).json()["items"] == []
    dashboard = client.get(
        "/v1/dashboard", params={"from": "2026-11-01", "to": "2026-11-30", "medium": "chat"}
    )
    assert dashboard.json()["processed"] == 1
    assert (
        client.get(
            "/v1/dashboard", params={"from": "2026-11-01", "to": "2026-11-30", "medium": "email"}
        ).json()["processed"]
        == 0
    )
    # the same chat again is the same contact
    again = client.post("/v1/contacts", json=CHAT)
    assert again.status_code == 200 and again.json()["id"] == call_id
    speakers = client.get(f"/v1/calls/{call_id}/transcript").json()["speakers"]
    assert [(s["id"], s["role"]) for s in speakers] == [("Dan", "customer"), ("Noa", "agent")]


def test_a_contact_whose_post_failed_half_way_is_completed_by_posting_it_again(admin_api, monkeypatch):
    client, _ = admin_api
    import api.routes.contacts as contacts

    def broken(*args, **kwargs):  # the database went away after the contact's row was written
        raise RuntimeError("connection lost")

    monkeypatch.setattr(contacts, "save_transcript", broken)
    with pytest.raises(RuntimeError):
        client.post("/v1/contacts", json=EMAIL)
    monkeypatch.undo()
    again = client.post("/v1/contacts", json=EMAIL)
    assert again.status_code == 201, again.text
    call = client.get(f"/v1/calls/{again.json()['id']}").json()
    assert call["status"] == "done" and call["characteristics"]["summary"]["actions"]


def test_an_email_keeps_its_headers_and_a_redacted_subject(admin_api):
    client, _ = admin_api
    posted = client.post("/v1/contacts", json=EMAIL)
    assert posted.status_code == 201, posted.text
    call = client.get(f"/v1/calls/{posted.json()['id']}").json()
    assert call["medium"] == "email" and call["language"] == "en"
    meta = call["contact_meta"]
    assert meta["headers"]["Message-ID"] == "<m1@example.com>"
    assert meta["subject"].startswith("Refund for card") and "9015" not in meta["subject"]
    summary = call["characteristics"]["summary"]
    assert [a["start"] for a in summary["actions"]] == [27000]  # seven and a half hours later
    assert summary["follow_ups"][0]["text"].startswith("You will see it within")


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"messages": []}, "messages"),
        ({"medium": "fax"}, "medium"),
        ({"messages": [{"role": "customer", "at": "2026-01-01T00:00:00Z", "text": ""}]}, "text"),
        ({"headers": {f"X-{i}": "v" for i in range(51)}}, "at most 50 headers"),
        (
            {
                "messages": [
                    {"role": "customer", "at": "2026-01-01T00:00:00Z", "text": "hello"},
                    {"role": "agent", "at": "2026-06-01T00:00:00Z", "text": "hi"},
                ]
            },
            "span more than 90 days",
        ),
    ],
)
def test_a_bad_contact_is_refused_with_the_reason_and_nothing_is_saved(admin_api, change, says):
    client, _ = admin_api
    refused = client.post("/v1/contacts", json={**EMAIL, "external_id": "bad", **change})
    assert refused.status_code == 422 and says in refused.json()["detail"], refused.text
    assert client.get("/v1/calls", params={"medium": "email"}).json()["items"] == []
