"""The built-in mono diarizer (Silero VAD, resemblyzer voiceprints, clustering) against RTTM references:
the scripted mono calls and a real two-speaker conversation; then mono calls through the worker."""

import json
import time

import pytest
from pyannote.core import Annotation
from pyannote.core import Segment as Span
from pyannote.metrics.diarization import DiarizationErrorRate
from pyannote.metrics.identification import IdentificationErrorRate

from recorder.queue import CPU_QUEUE
from tests.conftest import CALLS, FIXTURES
from transcribe.audio import load_audio
from transcribe.diarize import BuiltinDiarizer
from transcribe.jobs import WorkerContext
from transcribe.roles import mono_roles
from transcribe.settings import TranscribeSettings
from transcribe.worker import run_worker

MONO = [
    "en_billing_dispute",
    "en_account_takeover",
    "en_rude_agent",
    "he_billing_dispute",
    "ar_billing_dispute",
]
CASES = [(CALLS / f"{n}.mono.wav", CALLS / f"{n}.rttm") for n in MONO] + [
    (FIXTURES / "voices" / "pyannote_sample.wav", FIXTURES / "voices" / "pyannote_sample.rttm")
]


def annotation(turns):
    out = Annotation()
    for start, end, speaker in turns:
        out[Span(start, end)] = speaker
    return out


def reference(path):
    rows = [line.split() for line in path.read_text().splitlines()]
    return annotation((float(r[3]), float(r[3]) + float(r[4]), r[7]) for r in rows)


@pytest.fixture(scope="module")
def diarizer(voice_encoder):
    return BuiltinDiarizer(voice_encoder)


@pytest.mark.parametrize(("wav", "rttm"), CASES, ids=[c[0].name for c in CASES])
def test_builtin_diarizer_finds_both_speakers_and_when_they_speak(diarizer, wav, rttm):
    result = diarizer(load_audio(wav, 1), 1, 3)
    der = DiarizationErrorRate(collar=0.25)(
        reference(rttm), annotation((t.start, t.end, t.speaker) for t in result.turns)
    )
    assert len(result.speakers) == 2
    assert der < 0.25, f"DER {der:.1%}"  # measured 5-18% (bench/diarization_der.py)
    assert set(result.centroids) == set(result.speakers)
    if wav.parent == CALLS:  # scripted inbound calls, references labelled by role: the agent greets first
        roles = {s: role for s, (role, _) in mono_roles(result, "inbound", [], {}).items()}
        role_error = IdentificationErrorRate(collar=0.25)(
            reference(rttm), annotation((t.start, t.end, roles[t.speaker]) for t in result.turns)
        )
        assert role_error < 0.25, f"role error {role_error:.1%}"


def test_speaker_bounds_are_respected(diarizer):
    audio = load_audio(CASES[0][0], 1)
    assert len(diarizer(audio, 1, 1).speakers) == 1
    assert len(diarizer(audio, 3, 3).speakers) == 3


@pytest.fixture
def service(admin_api, tiny_transcriber, voice_encoder, diarizer):
    client, services = admin_api

    def upload(path, **metadata) -> str:
        with open(path, "rb") as audio:
            response = client.post(
                "/v1/calls",
                files={"audio": (path.name, audio, "audio/wav")},
                data={"metadata": json.dumps({"language": "en", **metadata})},
            )
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def work() -> None:
        context = WorkerContext(
            services.db,
            services.objects,
            tiny_transcriber,
            TranscribeSettings(model="tiny.en"),
            rules=[],
            voices=voice_encoder,
            diarizer=diarizer,
        )
        run_worker(context, services.redis, [CPU_QUEUE], burst=True, name=f"mono-{time.monotonic_ns()}")

    return client, upload, work


def first_words_role(transcript):
    return transcript["segments"][0]["role"]


def test_mono_calls_get_speakers_and_roles_from_an_enrolled_agent_or_who_spoke_first(service):
    client, upload, work = service
    # Outbound with no enrolment: the first speaker (here the agent's greeting) is taken for the customer.
    guessed = upload(CALLS / "en_account_takeover.mono.wav", direction="outbound", agent_id="agent-9")
    # A stereo call enrols agent-7's voice; their later mono call is matched by voice, not by order.
    upload(CALLS / "en_billing_dispute.stereo.wav", direction="inbound", agent_id="agent-7")
    work()
    matched = upload(CALLS / "en_account_takeover.mono.wav", direction="outbound", agent_id="agent-7")
    work()

    t = client.get(f"/v1/calls/{guessed}/transcript").json()
    assert {(s["role"], s["role_source"]) for s in t["speakers"]} == {
        ("customer", "first_speaker"),
        ("agent", "first_speaker"),
    }
    assert first_words_role(t) == "customer"

    t = client.get(f"/v1/calls/{matched}/transcript").json()
    assert {(s["role"], s["role_source"]) for s in t["speakers"]} == {
        ("agent", "agent_voiceprint"),
        ("customer", "agent_voiceprint"),
    }
    assert first_words_role(t) == "agent"  # "Thank you for calling Acme bank" is the agent's
    customer_lines = " ".join(s["text"] for s in t["segments"] if s["role"] == "customer").lower()
    assert "bank account" in customer_lines or "payout" in customer_lines
    assert all(s["channel"] is None for s in t["segments"])


def test_an_agent_enrolled_from_an_uploaded_sample_is_recognised_on_a_mono_call(service, tmp_path):
    from tests.telephony import write_wav

    client, upload, work = service
    agent_alone = load_audio(CALLS / "en_billing_dispute.stereo.wav", 2).channels[0]  # Dana's channel
    sample = write_wav(tmp_path / "dana.wav", agent_alone)
    with open(sample, "rb") as audio:
        queued = client.post("/v1/agents/dana@acme/voice", files={"audio": ("dana.wav", audio)})
    assert queued.status_code == 202 and queued.json()["status"] == "queued"
    short = write_wav(tmp_path / "short.wav", agent_alone[16_000 : 2 * 16_000])
    with open(short, "rb") as audio:
        client.post("/v1/agents/dana@acme/voice", files={"audio": ("short.wav", audio)})
    refused = client.post("/v1/agents/dana@acme/voice", files={"audio": ("notes.wav", b"not audio")})
    assert refused.status_code == 415
    work()
    samples = client.get("/v1/agents/dana@acme/voice").json()
    assert [(s["status"], s["error"] is None) for s in samples] == [("done", True), ("failed", False)]
    assert "3 s" in samples[1]["error"]

    # Dana has no stereo call: the enrolled sample alone tells her apart on this outbound mono call,
    # where "who spoke first" would have made her the customer.
    matched = upload(CALLS / "en_account_takeover.mono.wav", direction="outbound", agent_id="dana@acme")
    work()
    transcript = client.get(f"/v1/calls/{matched}/transcript").json()
    assert {(s["role"], s["role_source"]) for s in transcript["speakers"]} == {
        ("agent", "agent_voiceprint"),
        ("customer", "agent_voiceprint"),
    }
    assert first_words_role(transcript) == "agent"
    assert client.delete("/v1/agents/dana@acme/voice").status_code == 204
    assert client.get("/v1/agents/dana@acme/voice").json() == []
