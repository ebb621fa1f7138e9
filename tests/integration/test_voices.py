"""Voiceprints and the voice watchlist with resemblyzer's real encoder: two real voices (the MIT-licensed
sample conversation pyannote.audio ships) and the scripted calls, through the worker and the API."""

import json
import time
from pathlib import Path

import numpy as np
import pytest

from recorder.queue import CPU_QUEUE
from storage.records import Segment
from tests.conftest import CALLS, FIXTURES
from transcribe.audio import Audio, load_audio
from transcribe.jobs import WorkerContext
from transcribe.rules.loader import load_rules
from transcribe.settings import TranscribeSettings
from transcribe.voiceprints import similarity, speaker_samples
from transcribe.watchlist import RULE_ID
from transcribe.worker import run_worker

SAMPLE = FIXTURES / "voices" / "pyannote_sample.wav"
THRESHOLD = TranscribeSettings().voice_match_threshold


def rttm_segments(path: Path) -> list[Segment]:
    segments = []
    for line in path.read_text().splitlines():
        fields = line.split()
        start = float(fields[3])
        segments.append(Segment(start, start + float(fields[4]), fields[7], "customer", None, ""))
    return segments


def test_the_threshold_separates_two_real_voices(voice_encoder):
    audio = load_audio(SAMPLE, 1)
    segments = rttm_segments(SAMPLE.with_suffix(".rttm"))
    halves = {}
    for speaker in ("speaker90", "speaker91"):
        speech = speaker_samples(audio, segments, speaker)
        assert len(speech) > 9 * audio.sample_rate  # ~10 s each once overlaps are cut out
        middle = len(speech) // 2
        halves[speaker] = [voice_encoder.embed(speech[:middle]), voice_encoder.embed(speech[middle:])]
    a, b = halves["speaker90"], halves["speaker91"]
    same = [similarity(*a), similarity(*b)]
    different = [similarity(x, y) for x in a for y in b]
    assert min(same) >= THRESHOLD > max(different), (same, different)


def test_too_little_speech_gives_no_voiceprint(voice_encoder):
    audio = load_audio(SAMPLE, 1)
    assert voice_encoder.embed(audio.channels[0][: 16_000 * 2]) is None
    assert voice_encoder.embed(np.zeros(16_000 * 20, dtype=np.float32)) is None  # silence


def test_voiceprint_audio_leaves_out_the_other_speakers_overlap():
    rate = 16_000
    mono = Audio((np.arange(4 * rate, dtype=np.float32),))
    segments = [Segment(0.0, 2.0, "A", "agent", None, ""), Segment(1.0, 3.0, "B", "customer", None, "")]
    a = speaker_samples(mono, segments, "A")
    assert len(a) == rate and a[-1] == rate - 1  # 0-1 s only: 1-2 s is both talking
    assert speaker_samples(mono, segments, "B")[0] == 2 * rate
    stereo = Audio((np.zeros(4 * rate, dtype=np.float32), np.ones(4 * rate, dtype=np.float32)))
    on_channels = [Segment(0.0, 2.0, "S0", "agent", 0, ""), Segment(1.0, 3.0, "S1", "customer", 1, "")]
    b = speaker_samples(stereo, on_channels, "S1")
    assert len(b) == 2 * rate and b.min() == 1.0  # whole turn, from its own channel


@pytest.fixture
def service(admin_api, tiny_transcriber, voice_encoder):
    client, services = admin_api

    def upload(name: str, channel_roles: list[str], customer_number: str | None = None) -> str:
        metadata = {"channel_roles": channel_roles, "language": "en", "customer_number": customer_number}
        with open(CALLS / f"{name}.stereo.wav", "rb") as audio:
            response = client.post(
                "/v1/calls",
                files={"audio": (f"{name}.wav", audio, "audio/wav")},
                data={"metadata": json.dumps(metadata)},
            )
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def work(rules=()) -> None:
        context = WorkerContext(
            services.db,
            services.objects,
            tiny_transcriber,
            TranscribeSettings(model="tiny.en"),
            rules=list(rules),
            voices=voice_encoder,
        )
        run_worker(context, services.redis, [CPU_QUEUE], burst=True, name=f"voices-{time.monotonic_ns()}")

    return client, upload, work


def test_a_watched_customer_voice_flags_later_calls_with_that_voice(service):
    client, upload, work = service
    takeover = upload("en_account_takeover", ["agent", "customer"])
    work()
    voices = {v["speaker"]: v for v in client.get(f"/v1/calls/{takeover}/voices").json()}
    assert {v["role"] for v in voices.values()} == {"agent", "customer"}
    customer = next(v for v in voices.values() if v["role"] == "customer")
    assert customer["speech_seconds"] > 5 and customer["watch_ids"] == []

    assert client.post(f"/v1/calls/{takeover}/voices/S9/watch", json={}).status_code == 404
    watched = client.post(
        f"/v1/calls/{takeover}/voices/{customer['speaker']}/watch", json={"note": "payout takeover attempt"}
    )
    assert watched.status_code == 201, watched.text
    watch = watched.json()
    assert watch["active"] and "compliance-1" in watch["created_by"]
    again = client.post(f"/v1/calls/{takeover}/voices/{customer['speaker']}/watch", json={})
    assert again.status_code == 409

    # The same (scripted) customer voice calls again; a third call has the agent's voice on the customer side.
    repeat = upload("en_rude_agent", ["agent", "customer"])
    other_voice = upload("en_billing_dispute", ["customer", "agent"])
    work()
    flags = client.get(f"/v1/calls/{repeat}").json()["flags"]
    flag = next(f for f in flags if f["rule_id"] == RULE_ID)
    assert flag["category"] == "suspicious_customer"
    evidence = flag["evidence"][0]
    assert (evidence["watched_call_id"], evidence["watch_id"]) == (takeover, watch["id"])
    assert evidence["role"] == "customer" and evidence["value"] >= THRESHOLD
    assert "payout takeover attempt" in evidence["detail"] and evidence["start"] is not None
    assert RULE_ID not in {f["rule_id"] for f in client.get(f"/v1/calls/{other_voice}").json()["flags"]}
    assert RULE_ID not in {f["rule_id"] for f in client.get(f"/v1/calls/{takeover}").json()["flags"]}

    ended = client.delete(f"/v1/watchlist/{watch['id']}").json()
    assert not ended["active"] and ended["ended_by"]
    assert client.get("/v1/watchlist").json() == []
    assert [w["id"] for w in client.get("/v1/watchlist", params={"active": "false"}).json()] == [watch["id"]]
    assert client.delete("/v1/watchlist/99999").status_code == 404


def test_one_voice_under_three_customer_numbers_is_flagged(service):
    client, upload, work = service
    rule = next(r for r in load_rules() if r.id == "suspicious.voice_many_identities")
    # The scripted customer voice calls from three numbers; the third call completes the pattern.
    first = upload("en_account_takeover", ["agent", "customer"], "+972500000001")
    second = upload("en_rude_agent", ["agent", "customer"], "+972500000002")
    third = upload("en_billing_dispute", ["agent", "customer"], "+972500000003")
    work([rule])
    flagged = {
        call_id: [f for f in client.get(f"/v1/calls/{call_id}").json()["flags"] if f["rule_id"] == rule.id]
        for call_id in (first, second, third)
    }
    assert not flagged[first] and not flagged[second]
    evidence = flagged[third][0]["evidence"][0]
    assert (evidence["metric"], evidence["value"]) == ("customer_numbers_same_voice", 3)
    assert evidence["detail"] == "this voice used 3 customer numbers in 30 days"
