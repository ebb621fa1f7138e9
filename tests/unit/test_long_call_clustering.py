"""A long mono call's diarization windows are clustered from a spread sample (memory stays bounded:
the full clustering keeps N^2 distances), and every window still goes to its speaker."""

import numpy as np

from transcribe import diarize


def two_voices(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Voiceprint-like windows (non-negative, 256-d) of two speakers taking turns of 20 windows."""
    rng = np.random.default_rng(seed)
    voices = rng.uniform(0, 1, (2, 256))
    truth = (np.arange(count) // 20) % 2
    windows = np.abs(voices[truth] + rng.normal(0, 0.35, (count, 256)))
    return windows.astype(np.float32), truth


def agreement(labels: np.ndarray, truth: np.ndarray) -> float:
    same = float(np.mean(labels == truth))
    return max(same, 1 - same)


def test_a_long_call_is_clustered_from_a_sample_and_every_window_labelled(monkeypatch):
    windows, truth = two_voices(3000)
    calls = []
    real = diarize.silhouette

    def counting(distances, labels):  # type: ignore[no-untyped-def]
        calls.append(len(distances))
        return real(distances, labels)

    monkeypatch.setattr(diarize, "silhouette", counting)
    labels = diarize.cluster(windows, 1, 3)
    assert len(labels) == 3000 and set(labels.tolist()) == {0, 1}
    assert agreement(labels, truth) > 0.99
    assert max(calls) == diarize.MAX_CLUSTERED  # no distance matrix over all 3,000 windows


def test_a_call_under_the_cap_is_clustered_whole_as_before():
    windows, truth = two_voices(600, seed=1)
    labels = diarize.cluster(windows, 1, 3)
    assert agreement(labels, truth) > 0.99
    one_voice = np.abs(windows[truth == 0][:300])
    assert set(diarize.cluster(one_voice, 1, 3).tolist()) == {0}
