"""The waveform a player draws, computed once by the worker: for each channel, the loudest sample in
each of a fixed number of columns, 0-100 of the call's loudest. A browser then draws a long call without downloading and
decoding it (an hour of audio decoded in a page takes over a gigabyte)."""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from .audio import Audio

COLUMNS = 1000  # enough for a full-width player; each column of an hour-long call is 3.6 s


def waveform_peaks(audio: Audio, columns: int = COLUMNS) -> list[list[int]]:
    """Per channel, `columns` peak levels (fewer for a call shorter than `columns` samples), 0-100 of
    the call's own loudest peak, so a quietly recorded call still draws a readable waveform. Reads a
    column at a time, so memory does not grow with the call."""
    length = len(audio.channels[0]) if audio.channels else 0
    if not length:
        return [[] for _ in audio.channels]
    edges = np.linspace(0, length, min(columns, length) + 1).astype(np.int64)
    levels = [[float(np.abs(channel[a:b]).max()) for a, b in pairwise(edges)] for channel in audio.channels]
    top = max(max(channel) for channel in levels) or 1.0
    return [[int(round(100 * level / top)) for level in channel] for channel in levels]
