"""Property-based fuzzing of the upload endpoint and the audio decoder: random bytes behind valid
headers, truncated and bit-flipped recordings, absurd metadata. Never a 5xx, never an unexpected
exception, and a refused upload leaves nothing behind."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recorder.errors import IngestError
from recorder.probe import probe_audio
from storage import call_list
from tests.telephony import MONO, STEREO
from transcribe.audio import AudioDecodeError, load_audio

RECORDINGS = [STEREO.read_bytes(), MONO.read_bytes()]
HEADERS = [
    b"RIFF\x24\x00\x00\x00WAVEfmt ",
    b"ID3\x03\x00\x00\x00",
    b"OggS\x00\x02",
    b"fLaC\x00\x00\x00\x22",
    b"\xff\xfb\x90\x64",
]


@st.composite
def damaged_audio(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["header+random", "truncated", "flipped", "empty-ish"]))
    if kind == "header+random":
        return draw(st.sampled_from(HEADERS)) + draw(st.binary(max_size=4096))
    original = draw(st.sampled_from(RECORDINGS))
    if kind == "truncated":
        return original[: draw(st.integers(0, len(original)))]
    if kind == "flipped":
        data = bytearray(original[:65536])
        for _ in range(draw(st.integers(1, 50))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    return draw(st.binary(max_size=64))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=300),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=20), inner, max_size=5),
    max_leaves=20,
)
absurd_metadata = st.one_of(
    st.text(max_size=200),
    st.dictionaries(
        st.sampled_from(
            [
                "external_id",
                "source",
                "direction",
                "agent_id",
                "customer_number",
                "started_at",
                "channel_roles",
                "language",
                "extra",
                "unknown",
            ]
        ),  # fmt: skip
        json_values,
        max_size=6,
    ).map(json.dumps),
)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
# Derandomized: CI sees the same examples every run (a red run is reproducible, never luck); widen
# max_examples locally to search further.
@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(audio=damaged_audio(), metadata=absurd_metadata)
def test_the_upload_endpoint_never_fails_with_a_server_error(admin_api, audio, metadata):
    client, services = admin_api
    with services.db.session() as session:
        before = len(call_list.list_calls(session, call_list.CallFilter(), limit=1000))
    objects_before = len(services.objects.list(""))
    response = client.post("/v1/calls", files={"audio": ("x.wav", audio)}, data={"metadata": metadata})
    assert response.status_code < 500, response.text
    body = response.json()
    if response.status_code >= 400:
        assert body["error"] and body["detail"]
        with services.db.session() as session:
            assert len(call_list.list_calls(session, call_list.CallFilter(), limit=1000)) == before
        assert len(services.objects.list("")) == objects_before
    else:
        assert response.status_code in (200, 201) and body["id"]


@settings(max_examples=80, deadline=None, derandomize=True)
@given(audio=damaged_audio())
def test_the_decoder_either_reads_a_recording_or_says_why_not(audio):
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "call"
        path.write_bytes(audio)
        try:
            info = probe_audio(path)
        except IngestError as exc:
            assert str(exc)
            return
        assert info.duration > 0 and info.channels in (1, 2)
        try:
            decoded = load_audio(path, info.channels)
        except AudioDecodeError as exc:
            assert str(exc)
            return
        assert len(decoded.channels) == info.channels
