"""The player's waveform: the loudest level per column, per channel, 0-100 of the call's loudest."""

from __future__ import annotations

import numpy as np

from transcribe.audio import Audio
from transcribe.peaks import waveform_peaks


def test_peaks_follow_where_each_channel_is_loud():
    loud_then_quiet = np.concatenate([np.full(8000, 0.5), np.full(8000, 0.01)]).astype(np.float32)
    quiet_then_loud = loud_then_quiet[::-1].copy()
    quiet_then_loud[-1] = -1.0  # the loudest moment of the call, negative: a peak is its magnitude
    left, right = waveform_peaks(Audio((loud_then_quiet, quiet_then_loud)), columns=4)
    assert left == [50, 50, 1, 1]
    assert right == [1, 1, 50, 100]


def test_a_call_shorter_than_the_columns_has_one_column_per_sample_and_silence_is_empty():
    (short,) = waveform_peaks(Audio((np.array([0.2, -0.4, 0.0], dtype=np.float32),)), columns=1000)
    assert short == [50, 100, 0]  # scaled to the call's own loudest: a quiet recording still shows
    assert waveform_peaks(Audio((np.zeros(0, dtype=np.float32),))) == [[]]
    assert waveform_peaks(Audio((np.zeros(5, dtype=np.float32),)), columns=2) == [[0, 0]]
