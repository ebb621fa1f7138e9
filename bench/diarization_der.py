"""Diarization error rate of the built-in mono diarizer on the mono fixtures (scripted voices) and on
the real two-speaker conversation pyannote.audio ships, against their RTTM references.

    .venv/bin/python bench/diarization_der.py

DER is pyannote.metrics' (missed speech + false alarm + confusion) with a 0.25 s collar, overlap scored.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pyannote.core import Annotation  # noqa: E402
from pyannote.core import Segment as Span  # noqa: E402
from pyannote.metrics.diarization import DiarizationErrorRate  # noqa: E402
from pyannote.metrics.identification import IdentificationErrorRate  # noqa: E402

from transcribe.audio import load_audio  # noqa: E402
from transcribe.diarize import BuiltinDiarizer, Diarization  # noqa: E402
from transcribe.roles import mono_roles  # noqa: E402
from transcribe.voiceprints import VoiceEncoder  # noqa: E402

CALLS = ROOT / "tests" / "fixtures" / "calls"
FILES = [
    *(
        (CALLS / f"{name}.mono.wav", CALLS / f"{name}.rttm")
        for name in (
            "en_billing_dispute",
            "en_account_takeover",
            "en_rude_agent",
            "he_billing_dispute",
            "ar_billing_dispute",
        )
    ),
    (ROOT / "tests/fixtures/voices/pyannote_sample.wav", ROOT / "tests/fixtures/voices/pyannote_sample.rttm"),
]


def reference(path: Path) -> Annotation:
    annotation = Annotation()
    for line in path.read_text().splitlines():
        fields = line.split()
        start = float(fields[3])
        annotation[Span(start, start + float(fields[4]))] = fields[7]
    return annotation


def hypothesis(diarization: Diarization, roles: dict[str, str] | None = None) -> Annotation:
    annotation = Annotation()
    for turn in diarization.turns:
        annotation[Span(turn.start, turn.end)] = roles[turn.speaker] if roles else turn.speaker
    return annotation


def main() -> None:
    diarizer = BuiltinDiarizer(VoiceEncoder("cpu"))
    total = DiarizationErrorRate(collar=0.25)
    roles_total = IdentificationErrorRate(collar=0.25)
    for wav, rttm in FILES:
        audio = load_audio(wav, 1)
        started = time.perf_counter()
        result = diarizer(audio, 1, 3)
        seconds = time.perf_counter() - started
        der = DiarizationErrorRate(collar=0.25)(reference(rttm), hypothesis(result))
        total(reference(rttm), hypothesis(result))
        line = (
            f"{wav.name:32s} DER {der:6.1%}  speakers {len(result.speakers)} (reference "
            f"{len(reference(rttm).labels())})  {seconds:5.2f} s for {audio.duration:4.1f} s of audio"
        )
        if set(reference(rttm).labels()) <= {"agent", "customer"}:
            # Roles as the worker gives them on an inbound call with no enrolled agent: who spoke first.
            roles = {s: role for s, (role, _) in mono_roles(result, "inbound", [], {}).items()}
            role_error = IdentificationErrorRate(collar=0.25)(reference(rttm), hypothesis(result, roles))
            roles_total(reference(rttm), hypothesis(result, roles))
            line += f"  role error {role_error:6.1%}"
        print(line)
    print(f"{'overall':32s} DER {abs(total):6.1%}  role error (scripted calls) {abs(roles_total):6.1%}")


if __name__ == "__main__":
    main()
