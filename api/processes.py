"""Child processes of `callrec up` never outlive it."""

from __future__ import annotations

import ctypes
import signal
import sys


def die_with_parent() -> None:
    """Run in a child before exec: the kernel sends it SIGTERM if its parent dies, even by SIGKILL."""
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
