"""Hooks that let the crash tests stop a build at an exact moment; inert unless QA_TEST_PAUSE is set."""
from __future__ import annotations

import signal
import sys
import threading
import time

from ..environment import crash_test_pause

POLL_SECONDS = 0.05


def pause_for_crash_test(point: str) -> None:
    """With QA_TEST_PAUSE=<point>:<seconds>, announce the point on stderr and wait there (until SIGUSR1 or the
    seconds pass), so a test can kill the build, or change its world (fill the disk), at exactly that moment.
    Unset (always, outside tests), it does nothing."""
    pause = crash_test_pause()
    if pause is None or pause[0] != point:
        return
    resumed = threading.Event()
    # a handler that only sets a flag: the signal may come at any moment (even before the announcement is
    # flushed) and to any thread (tqdm's monitor, say), and unhandled it would end the process
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGUSR1, lambda signum, frame: resumed.set()) if main else None
    try:
        print(f"qa-test: paused at {point}", file=sys.stderr, flush=True)
        deadline = time.monotonic() + pause[1]
        while not resumed.is_set() and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
    finally:
        if main:
            signal.signal(signal.SIGUSR1, previous)
