from storage.records import Segment, Speaker, Transcript, Word
from transcribe.formats import render, to_json

TRANSCRIPT = Transcript(
    language="en",
    duration=12.5,
    speakers=(Speaker("S0", "agent", 0), Speaker("S1", "customer", 1)),
    segments=(
        Segment(
            0.5,
            2.25,
            "S0",
            "agent",
            0,
            "Hello there.",
            (Word(0.5, 1.0, "Hello", 0.9), Word(1.1, 2.25, "there.", 0.8)),
        ),
        Segment(3661.0, 3662.5, "S1", "customer", 1, "Hi.", (Word(3661.0, 3662.5, "Hi.", 0.7),)),
    ),
    model="tiny.en",
)


def test_json_has_the_v1_shape():
    body = to_json(TRANSCRIPT)
    assert set(body) == {"language", "duration", "speakers", "segments", "overlaps"}
    first = body["segments"][0]
    assert first == {
        "start": 0.5,
        "end": 2.25,
        "speaker": "S0",
        "role": "agent",
        "channel": 0,
        "text": "Hello there.",
        "overlapped": False,
        "confidence": 0.85,  # the mean of its words' probabilities
        "sentiment": "neutral",  # scored when the transcript was saved without it
        "sentiment_score": 0.0,
        "words": [
            {"start": 0.5, "end": 1.0, "word": "Hello", "probability": 0.9},
            {"start": 1.1, "end": 2.25, "word": "there.", "probability": 0.8},
        ],
    }


def test_srt_numbers_cues_and_uses_comma_milliseconds():
    srt = render(TRANSCRIPT, "srt")
    assert srt.startswith("1\n00:00:00,500 --> 00:00:02,250\n[agent] Hello there.\n")
    assert "2\n01:01:01,000 --> 01:01:02,500\n[customer] Hi.\n" in srt


def test_vtt_has_header_and_voice_spans():
    vtt = render(TRANSCRIPT, "vtt")
    assert vtt.startswith("WEBVTT\n\n00:00:00.500 --> 00:00:02.250\n<v agent>Hello there.")


def test_txt_and_rttm():
    assert render(TRANSCRIPT, "txt").splitlines()[1] == "[01:01:01.000] customer: Hi."
    assert (
        render(TRANSCRIPT, "rttm", "c1").splitlines()[0] == "SPEAKER c1 1 0.500 1.750 <NA> <NA> S0 <NA> <NA>"
    )
