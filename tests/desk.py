"""A review desk with people, teams and calls, for the role matrix and the browser tests.

Team north (agent a1) is managed by maya; team south (agent b2) by nobody here. ari is agent a1.
Calls: `he` (Hebrew, a1, flagged), `en` (English, a1, a low-confidence word), `out` (English, b2,
flagged): the last is outside maya's teams and ari's own calls.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from storage import calls as call_records
from storage.flags import RaisedFlag, save_characteristics, save_flags
from storage.records import Segment, Word
from storage.transcripts import save_transcript
from tests.conftest import CALLS
from tests.scripts import scripted_transcript
from transcribe.audio import load_audio
from transcribe.characteristics import measure
from transcribe.peaks import waveform_peaks

PASSWORD = "correct horse battery"
PEOPLE = {  # username: (role, agent id)
    "adam": ("admin", None),
    "rina": ("compliance", None),
    "maya": ("manager", None),
    "ari": ("agent", "a1"),
}
SEEDED = {  # call name: (script, agent id, flag category or None)
    "he": ("he_billing_dispute", "a1", "complaint"),
    "en": ("en_billing_dispute", "a1", None),
    "out": ("en_rude_agent", "b2", "agent_conduct"),
}


@dataclass
class Desk:
    client: TestClient  # an admin API key
    calls: dict[str, str]  # name -> call id
    flags: dict[str, int]  # call name -> flag id
    scorecard: int


def seed(client: TestClient, services) -> Desk:  # type: ignore[no-untyped-def]
    for username, (role, agent_id) in PEOPLE.items():
        body = {"username": username, "password": PASSWORD, "role": role, "agent_id": agent_id}
        assert client.post("/v1/users", json=body).status_code == 201
    assert client.put("/v1/teams/north", json={"agents": ["a1"], "managers": ["maya"]}).status_code == 200
    assert client.put("/v1/teams/south", json={"agents": ["b2"]}).status_code == 200
    card = client.post(
        "/v1/scorecards",
        json={
            "name": "Standard",
            "criteria": [
                {"name": "Greeting", "weight": 1, "max_points": 5},
                {"name": "Resolution", "weight": 3, "max_points": 5},
            ],
        },
    )
    assert card.status_code == 201, card.text
    calls, flags = {}, {}
    for name, (script, agent_id, category) in SEEDED.items():
        with open(CALLS / f"{script}.stereo.wav", "rb") as audio:
            created = client.post(
                "/v1/calls",
                files={"audio": (f"{name}.wav", audio)},
                data={
                    "metadata": json.dumps(
                        {
                            "external_id": name,
                            "agent_id": agent_id,
                            "direction": "inbound",
                            "customer_number": "+972501234567",
                            "started_at": datetime(2026, 11, 20, 10, tzinfo=UTC).isoformat(),
                        }
                    )
                },
            )
        assert created.status_code == 201, created.text
        call_id = calls[name] = created.json()["id"]
        transcript = scripted_transcript(script)
        if name == "he":  # code-switching: a Hebrew turn with English and digits, then an English turn
            last = transcript.segments[-1]
            extra = tuple(
                Segment(start, start + 2.0, f"S{channel}", role, channel, text,
                        tuple(Word(start + i * 0.3, start + i * 0.3 + 0.25, w, 0.9) for i, w in enumerate(text.split())))
                for start, role, channel, text in (
                    (last.end + 0.5, "agent", 0, "החיוב של 49 דולר בכרטיס Visa בוטל"),
                    (last.end + 3.0, "customer", 1, "OK, thank you so much"),
                )
            )  # fmt: skip
            transcript = replace(transcript, segments=(*transcript.segments, *extra), duration=last.end + 5.0)
        if name == "en":  # one word the model was unsure of
            first = transcript.segments[0]
            words = (replace(first.words[0], probability=0.3), *first.words[1:])
            transcript = replace(transcript, segments=(replace(first, words=words), *transcript.segments[1:]))
        # The waveform the worker would keep, from the recording itself.
        peaks = waveform_peaks(load_audio(CALLS / f"{script}.stereo.wav", channels=2))
        with services.db.session() as session:
            call_records.set_peaks(session, call_id, peaks)
            save_transcript(session, call_id, transcript)
            save_characteristics(session, call_id, measure(transcript))
            call_records.mark_done(session, call_id)
            if category:
                segment = transcript.segments[1]
                evidence = {"kind": "segment", "start": segment.start, "end": segment.end, "role": segment.role,
                            "text": segment.text, "matched": []}  # fmt: skip
                saved = save_flags(
                    session, call_id, [RaisedFlag(f"test.{category}", 1, category, "high", [evidence])],
                    [f"test.{category}"],
                )  # fmt: skip
                flags[name] = saved[0].id
    return Desk(client, calls, flags, card.json()["id"])


def signed_in(app, username: str) -> tuple[TestClient, str]:  # type: ignore[no-untyped-def]
    """A browser-like client with the user's session cookie, and its CSRF token."""
    browser = TestClient(app)
    response = browser.post("/v1/session", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return browser, response.json()["csrf_token"]
