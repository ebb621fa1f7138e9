"""Who spoke when on a mono recording: the built-in offline diarizer.

Speech regions from the Silero VAD that faster-whisper ships; a voiceprint every STEP_S seconds from
resemblyzer's encoder over WINDOW_S of audio; agglomerative clustering of those voiceprints (cosine,
average linkage) with the speaker count chosen automatically between the bounds; each frame of speech
gets the speaker whose windows cover it most. Returns the same `Diarization` as the pyannote.audio
pipeline (transcribe/diarize_pyannote.py), so the rest of the worker does not care which ran.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from storage.records import Segment

from .audio import SAMPLE_RATE as SAMPLE_RATE_HZ
from .audio import Audio
from .voiceprints import speaker_samples

WINDOW_S = 1.6  # resemblyzer's partial utterance
STEP_S = 0.4
FRAME_S = 0.1
# When the two halves of the best split still sound this alike (centroid cosine), the call is one voice.
# Measured: two different real voices 0.88, two scripted voices 0.60-0.74; one real voice split in two
# above 0.93. Scripted single voices split at 0.78-0.92, so this errs towards two speakers.
ONE_VOICE = 0.92
KEEP_FEWER = 0.05  # a split into more speakers must separate this much better than one into fewer
MIN_TURN_S = 0.5  # shorter flips between speakers are smoothed away
# Second pass: shorter windows, each frame to the speaker whose voice its windows sound most like. The
# clustering windows (1.6 s) blur quick exchanges; on the real conversation in tests/fixtures/voices
# this pass took diarization DER from 0.217 to 0.172 (no collar), and lowered it on every scripted call.
RESEGMENT_WINDOW_S = 1.2
RESEGMENT_STEP_S = 0.2
RESEGMENT_MIN_TURN_S = 0.3


@dataclass(frozen=True, slots=True)
class Turn:
    start: float
    end: float
    speaker: str


@dataclass(frozen=True, slots=True)
class Diarization:
    turns: tuple[Turn, ...]  # time-ordered; turns of different speakers may overlap (both talking)
    speakers: tuple[str, ...]  # in order of first speech
    method: str  # "builtin" | "pyannote"
    centroids: dict[str, np.ndarray] = field(default_factory=dict)  # a voiceprint per speaker, if known

    def speaker_at(self, start: float, end: float) -> str | None:
        """The speaker who talks most within [start, end]; None when nobody does."""
        best, best_overlap = None, 0.0
        for turn in self.turns:
            overlap = min(end, turn.end) - max(start, turn.start)
            if overlap > best_overlap:
                best, best_overlap = turn.speaker, overlap
        if best is None:  # a word in a VAD gap: the nearest turn
            middle = (start + end) / 2
            nearest = min(self.turns, key=lambda t: abs((t.start + t.end) / 2 - middle), default=None)
            return nearest.speaker if nearest else None
        return best


VAD_PIECE_S = 600  # silero's working memory is several times its input: give it ten minutes at a time


def speech_regions(samples: np.ndarray, sample_rate: int) -> list[tuple[float, float]]:
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(min_silence_duration_ms=300, speech_pad_ms=100)
    regions: list[tuple[float, float]] = []
    piece = VAD_PIECE_S * sample_rate
    for first in range(0, len(samples), piece):
        stamps = get_speech_timestamps(samples[first : first + piece], options, sampling_rate=sample_rate)
        cut = first / sample_rate
        for index, stamp in enumerate(stamps):
            start, end = (first + stamp["start"]) / sample_rate, (first + stamp["end"]) / sample_rate
            # Speech that runs across a cut is one region (within a piece, regions stay as Silero found them).
            if index == 0 and regions and regions[-1][1] >= cut - 0.3 and start <= cut + 0.3:
                regions[-1] = (regions[-1][0], end)
            else:
                regions.append((start, end))
    return regions


class BuiltinDiarizer:
    method = "builtin"

    def __init__(self, encoder) -> None:  # type: ignore[no-untyped-def]
        self.encoder = encoder  # transcribe.voiceprints.VoiceEncoder, shared with the voiceprints

    def __call__(self, audio: Audio, min_speakers: int = 1, max_speakers: int = 3) -> Diarization:
        samples, rate = audio.mix(), audio.sample_rate
        regions = speech_regions(samples, rate)
        starts = window_starts(regions, audio.duration)
        if not starts:
            return Diarization((), (), self.method)
        embeddings = self.encoder.embed_windows(
            samples, [int(s * rate) for s in starts], int(WINDOW_S * rate)
        )
        labels = cluster(embeddings, min_speakers, max_speakers)
        turns, names = turns_from_windows(starts, labels, regions)
        if len(names) > 1:
            voices = speaker_voiceprints(self.encoder, audio, turns)
            references = {
                name: voices.get(name, embeddings[labels == label].mean(axis=0))
                for label, name in names.items()
            }
            resegmented = self.resegment(samples, regions, audio.duration, references)
            # A speaker the second pass gives no frame would break a speaker count the call asked for.
            if len({t.speaker for t in resegmented}) >= min(min_speakers, len(names)):
                turns = resegmented
        speakers = tuple(dict.fromkeys(t.speaker for t in turns))  # in order of first speech
        centroids = speaker_voiceprints(self.encoder, audio, turns)
        for label, name in names.items():  # too little speech for a voiceprint: the window mean
            if name in speakers:
                centroids.setdefault(name, embeddings[labels == label].mean(axis=0))
        return Diarization(turns, speakers, self.method, centroids)

    def resegment(
        self,
        samples: np.ndarray,
        regions: list[tuple[float, float]],
        duration: float,
        voices: dict[str, np.ndarray],
    ) -> tuple[Turn, ...]:
        """Each speech frame to the speaker whose voiceprint its short windows are closest to."""
        order = list(voices)
        centroids = np.stack([voices[name] / np.linalg.norm(voices[name]) for name in order])
        starts = []
        for start, end in regions:
            position = max(0.0, start - (RESEGMENT_WINDOW_S - RESEGMENT_STEP_S) / 2)
            while position < end:
                starts.append(max(0.0, min(position, duration - RESEGMENT_WINDOW_S)))
                position += RESEGMENT_STEP_S
        rate = SAMPLE_RATE_HZ
        windows = self.encoder.embed_windows(
            samples, [int(s * rate) for s in starts], int(RESEGMENT_WINDOW_S * rate)
        )
        windows /= np.linalg.norm(windows, axis=1, keepdims=True)
        frames = int(np.ceil(duration / FRAME_S)) + 1
        score, covered = np.zeros((frames, len(order))), np.zeros(frames)
        for start, similarity in zip(starts, windows @ centroids.T, strict=True):
            first, last = int(start / FRAME_S), int((start + RESEGMENT_WINDOW_S) / FRAME_S)
            score[first:last] += similarity
            covered[first:last] += 1
        speech = speech_frames(regions, frames)
        frame_label = _smooth(
            np.where(speech & (covered > 0), score.argmax(axis=1), -1), int(RESEGMENT_MIN_TURN_S / FRAME_S)
        )
        return tuple(
            Turn(round(a * FRAME_S, 2), round(b * FRAME_S, 2), order[label])
            for label, a, b in label_runs(frame_label)
        )


def speech_frames(regions: list[tuple[float, float]], frames: int) -> np.ndarray:
    speech = np.zeros(frames, dtype=bool)
    for start, end in regions:
        speech[int(start / FRAME_S) : int(np.ceil(end / FRAME_S))] = True
    return speech


def label_runs(frame_label: np.ndarray) -> list[tuple[int, int, int]]:
    """(label, first frame, last frame + 1) of each run of one label; -1 (no speech) is skipped."""
    runs: list[tuple[int, int, int]] = []
    for index, label in enumerate(frame_label):
        if label < 0:
            continue
        if runs and runs[-1][0] == label and runs[-1][2] == index:
            runs[-1] = (int(label), runs[-1][1], index + 1)
        else:
            runs.append((int(label), index, index + 1))
    return runs


def speaker_voiceprints(encoder, audio: Audio, turns: tuple[Turn, ...]) -> dict[str, np.ndarray]:  # type: ignore[no-untyped-def]
    """Each speaker's voiceprint taken exactly as transcribe.voiceprints takes it for stored calls, so an agent
    enrolled from stereo calls compares like with like (overlapped speech left out)."""
    as_segments = [Segment(t.start, t.end, t.speaker, "", None, "") for t in turns]
    prints = {}
    for speaker in dict.fromkeys(t.speaker for t in turns):
        samples = speaker_samples(audio, as_segments, speaker)
        voice = encoder.embed(samples) if len(samples) else None
        if voice is not None:
            prints[speaker] = voice
    return prints


def window_starts(regions: list[tuple[float, float]], duration: float) -> list[float]:
    """Window starts covering every speech region; a region shorter than a window gets one window
    centred on it (clamped to the recording)."""
    starts: list[float] = []
    for start, end in regions:
        if end - start <= WINDOW_S:
            starts.append(min(max(0.0, (start + end - WINDOW_S) / 2), max(0.0, duration - WINDOW_S)))
            continue
        position = start
        while position + WINDOW_S < end:
            starts.append(position)
            position += STEP_S
        starts.append(end - WINDOW_S)
    return starts


def silhouette(distances: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette of a clustering (cosine distances): how much closer each window is to its own
    speaker's windows than to the nearest other speaker's."""
    scores = []
    for index, label in enumerate(labels):
        own = labels == label
        if own.sum() <= 1:
            scores.append(0.0)
            continue
        a = distances[index, own].sum() / (own.sum() - 1)
        b = min(distances[index, labels == other].mean() for other in set(labels.tolist()) - {label})
        scores.append((b - a) / max(a, b, 1e-9))
    return float(np.mean(scores))


def _centroid_similarity(embeddings: np.ndarray, labels: np.ndarray) -> float:
    centroids = [embeddings[labels == label].mean(axis=0) for label in sorted(set(labels.tolist()))]
    if len(centroids) < 2:
        return 1.0
    a, b = (c / np.linalg.norm(c) for c in centroids[:2])
    return float(a @ b)


# Clustering keeps every pair's distance (N^2): an hour of speech is 9,000 windows, 0.65 GB. Longer calls
# cluster this many windows spread over the call, and every window joins the nearest cluster.
MAX_CLUSTERED = 2000


def cluster(embeddings: np.ndarray, min_speakers: int, max_speakers: int) -> np.ndarray:
    """Cluster labels 0..k-1 with k in [min_speakers, max_speakers]: the k whose clustering separates
    best (silhouette); one speaker when no split separates well enough."""
    if len(embeddings) > MAX_CLUSTERED:
        chosen = np.linspace(0, len(embeddings) - 1, MAX_CLUSTERED).round().astype(int)
        labels = cluster(embeddings[chosen], min_speakers, max_speakers)
        unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
        centroids = np.stack([unit[chosen][labels == k].mean(axis=0) for k in range(int(labels.max()) + 1)])
        _, dense = np.unique(np.argmax(unit @ centroids.T, axis=1), return_inverse=True)
        return dense
    if len(embeddings) < 3:
        return np.zeros(len(embeddings), dtype=int)
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist, squareform

    condensed = pdist(embeddings, metric="cosine")
    tree = linkage(embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True), method="ward")
    distances = squareform(condensed)
    best, best_score = np.zeros(len(embeddings), dtype=int), -1.0
    for k in range(max(2, min_speakers), min(max_speakers, len(embeddings) - 1) + 1):
        labels = fcluster(tree, t=k, criterion="maxclust")
        if len(set(labels.tolist())) < 2:
            continue
        score = silhouette(distances, labels)
        if score > best_score + (KEEP_FEWER if best_score > -1 else 0):
            best, best_score = labels, score
    if (
        min_speakers <= 1
        and _centroid_similarity(embeddings, fcluster(tree, t=2, criterion="maxclust")) >= ONE_VOICE
    ):
        return np.zeros(len(embeddings), dtype=int)
    _, dense = np.unique(best, return_inverse=True)
    return dense


def turns_from_windows(
    starts: list[float], labels: np.ndarray, regions: list[tuple[float, float]]
) -> tuple[tuple[Turn, ...], dict[int, str]]:
    """Vote per frame among the windows covering it, inside speech regions; runs become turns."""
    end_time = max(e for _, e in regions)
    frames = int(np.ceil(end_time / FRAME_S)) + 1
    votes = np.zeros((frames, int(labels.max()) + 1))
    for start, label in zip(starts, labels, strict=True):
        votes[int(start / FRAME_S) : int((start + WINDOW_S) / FRAME_S), label] += 1
    speech = speech_frames(regions, frames)
    frame_label = np.where(speech & (votes.sum(axis=1) > 0), votes.argmax(axis=1), -1)
    runs = label_runs(_smooth(frame_label, int(MIN_TURN_S / FRAME_S)))
    order: list[int] = []
    for label, _, _ in runs:
        if label not in order:
            order.append(label)
    names = {label: f"S{i}" for i, label in enumerate(order)}
    turns = tuple(Turn(round(a * FRAME_S, 2), round(b * FRAME_S, 2), names[label]) for label, a, b in runs)
    return turns, names  # names: cluster label -> speaker id, in order of first speech


def _smooth(labels: np.ndarray, shortest: int) -> np.ndarray:
    """A run shorter than `shortest` frames between two runs of one other speaker takes their label."""
    out = labels.copy()
    index = 0
    while index < len(out):
        end = index
        while end < len(out) and out[end] == out[index]:
            end += 1
        if out[index] >= 0 and end - index < shortest and index > 0 and end < len(out):
            before, after = out[index - 1], out[end]
            if before == after and before >= 0:
                out[index:end] = before
        index = end
    return out
