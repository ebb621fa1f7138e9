"""File-name patterns, CDR rows and WAV completeness: the metadata a PBX leaves with a recording."""

import wave
from pathlib import Path

import pytest

from recorder.filenames import FilenamePattern, FilenamePatternError
from recorder.folder_watch import wav_header_complete
from recorder.legs import leg_base
from recorder.sidecars import cdr_metadata, merge_metadata, read_cdr_rows

FREEPBX = FilenamePattern("freepbx", timezone="Asia/Jerusalem")


@pytest.mark.parametrize(
    ("stem", "expected"),
    [
        (  # an extension rung from outside: inbound, the extension is the agent
            "exten-4001-0541234567-20251122-093015-1763796615.12",
            {"direction": "inbound", "agent_id": "4001", "customer_number": "0541234567"},
        ),
        (  # dialled out through a trunk: {dialled}-{extension}
            "out-0541234567-4001-20251122-093015-1763796615.13",
            {"direction": "outbound", "agent_id": "4001", "customer_number": "0541234567"},
        ),
        (  # a queue call: the queue number goes to extra, the agent is not in the name
            "q-700-0541234567-20251122-093015-1763796615.14",
            {"direction": "inbound", "customer_number": "0541234567"},
        ),
        (  # extension to extension
            "internal-4002-4001-20251122-093015-1763796615.15",
            {"direction": "internal", "agent_id": "4001"},
        ),
    ],
)
def test_freepbx_names_say_direction_agent_and_customer(stem, expected):
    metadata = FREEPBX.parse(stem)
    assert {k: metadata.get(k) for k in expected} == expected
    assert metadata["external_id"] == stem
    # 09:30:15 in Jerusalem (UTC+2 in November) is 07:30:15 UTC
    assert metadata["started_at"] == "2025-11-22T07:30:15+00:00"
    assert metadata["extra"]["uniqueid"] == stem.rsplit("-", 1)[1]


def test_queue_number_is_kept_and_unmatched_names_give_nothing():
    assert FREEPBX.parse("q-700-0541234567-20251122-093015-1763796615.14")["extra"]["queue"] == "700"
    assert FREEPBX.parse("my-recording") == {}
    assert FREEPBX.parse("exten-4001-0541234567-2025112-093015-1.2") == {}  # a 7-digit date


def test_templates_name_fields_extra_and_ignored_parts():
    pattern = FilenamePattern("{direction}_{agent_id}_{*}_{customer_number}_{date}{time}_{extra.campaign}")
    metadata = pattern.parse("outgoing_dana_x7_+972541234567_20251122181500_winback")
    assert metadata == {
        "direction": "outbound",
        "agent_id": "dana",
        "customer_number": "+972541234567",
        "started_at": "2025-11-22T18:15:00+00:00",
        "extra": {"campaign": "winback"},
    }
    assert pattern.parse("outgoing_dana") == {}
    epoch = FilenamePattern("{external_id}-{epoch}").parse("abc-1763796615.5")
    assert epoch["external_id"] == "abc" and epoch["started_at"].startswith("2025-11-22T07:30:15")


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("{agent}", "unknown field"),
        ("plain", "names no field"),
        ("{date}-{date}", "twice"),
        ("{extra}", "unknown"),
    ],
)
def test_bad_templates_are_refused_with_the_reason(template, problem):
    with pytest.raises(FilenamePatternError, match=problem):
        FilenamePattern(template)
    with pytest.raises(FilenamePatternError, match="time zone"):
        FilenamePattern("freepbx", timezone="Mars/Olympus")


def test_asterisk_master_csv_and_headed_csv_rows(tmp_path: Path):
    master = tmp_path / "Master.csv"
    master.write_text(
        '"","0541234567","4001","from-internal","""Dana"" <0541234567>","PJSIP/trunk-0001",'
        '"PJSIP/4001-0002","Dial","PJSIP/4001","2025-11-22 09:30:15","2025-11-22 09:30:20",'
        '"2025-11-22 09:34:00",225,220,"ANSWERED","DOCUMENTATION","1763796615.12",""\n'
    )
    (row,) = read_cdr_rows(master)
    assert row["uniqueid"] == "1763796615.12" and row["disposition"] == "ANSWERED"
    metadata = cdr_metadata(row, "Asia/Jerusalem")
    assert metadata["started_at"] == "2025-11-22T09:30:15+02:00"
    assert metadata["extra"]["billsec"] == "220" and metadata["extra"]["cdr_src"] == "0541234567"
    headed = tmp_path / "cdr.csv"
    headed.write_text("uniqueid,src,disposition\n42.1,0541234567,NO ANSWER\n")
    assert read_cdr_rows(headed) == [{"uniqueid": "42.1", "src": "0541234567", "disposition": "NO ANSWER"}]


def test_later_metadata_layers_win_and_extra_merges():
    merged = merge_metadata(
        {"source": "pbx", "extra": {"a": 1}}, {"agent_id": "7", "extra": {"b": 2}}, {"source": "x"}
    )
    assert merged == {"source": "x", "agent_id": "7", "extra": {"a": 1, "b": 2}}


def test_wav_header_tells_an_open_file_from_a_closed_one(tmp_path: Path):
    path = tmp_path / "call.wav"
    handle = wave.open(str(path), "wb")
    handle.setnchannels(1)
    handle.setsampwidth(2)
    handle.setframerate(8000)
    handle.writeframesraw(b"\x00\x01" * 400)  # the header is written with the first chunk's size ...
    handle.writeframesraw(b"\x00\x01" * 4000)  # ... and not again until close
    handle._file.flush()  # type: ignore[attr-defined]  # what a reader sees while the writer is mid-call
    assert wav_header_complete(path) is False
    handle.close()
    assert wav_header_complete(path) is True
    (tmp_path / "call.mp3").write_bytes(b"ID3" + b"\x00" * 100)
    assert wav_header_complete(tmp_path / "call.mp3") is None


def test_leg_names():
    assert leg_base(Path("a/b-c-in.wav")) == ("b-c", "-in")
    assert leg_base(Path("x-out.WAV")) == ("x", "-out")
    assert leg_base(Path("-in.wav")) is None and leg_base(Path("call.wav")) is None
